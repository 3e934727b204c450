//! A dossier's state by its code and the receipt's PIN, for people who
//! are not signed in, and the limits that keep PINs from being guessed
//! without ever locking the dossier's owner out:
//! - a wrong lookup (a "miss": wrong PIN or unknown code) is counted
//!   against the client's address (an IPv6 /64) in a sliding window, in
//!   the database, so that every replica counts the same;
//! - an address with `misses_per_address` misses in the window waits
//!   (429, `Retry-After` until its oldest miss leaves the window);
//! - once all addresses together missed `misses_overall` times in the
//!   window, every address that missed waits too; one that has not
//!   missed, like an owner typing the PIN from the receipt, is answered;
//! - a wrong PIN and an unknown code take the same path (the same query,
//!   a PIN compared, a miss recorded) and get the same answer.

use crate::config::LookupLimits;
use crate::error::ApiError;
use crate::state::AppState;
use axum::http::{HeaderValue, StatusCode};
use chrono::{DateTime, FixedOffset};
use hoso_core::wire::PublicStatus;
use rusqlite::{Connection, OptionalExtension, params};

/// Compared with what was typed when the code is unknown, so that both
/// cases do the same work.
const NO_PIN: &str = "\u{0}\u{0}\u{0}\u{0}";

/// The answer to a wrong code or PIN alike, so that a guess learns
/// nothing about which codes exist.
fn refused() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "lookup_failed",
        "Mã hồ sơ hoặc mã tra cứu không đúng. Hãy xem lại giấy tiếp nhận.",
        "The dossier code or lookup PIN is wrong. Check the receipt.",
    )
}

fn paused(wait_secs: i64) -> ApiError {
    let minutes = (wait_secs + 59) / 60;
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "lookup_paused",
        format!(
            "Đã tra cứu sai quá nhiều lần từ địa chỉ này; hãy thử lại sau {minutes} phút, hoặc đăng nhập để xem hồ sơ của mình."
        ),
        format!(
            "Too many wrong lookups from this address; try again in {minutes} minutes, or sign in to see your own dossiers."
        ),
    )
    .with_header("retry-after", HeaderValue::from(wait_secs.max(1)))
}

/// The state of dossier `code` for whoever holds its PIN, asked from
/// `address` at `now`.
pub fn lookup(
    conn: &mut Connection,
    address: &str,
    code: &str,
    pin: &str,
    now: DateTime<FixedOffset>,
    limits: &LookupLimits,
) -> Result<PublicStatus, ApiError> {
    let now_ms = now.timestamp_millis();
    let window_ms = i64::try_from(limits.window.as_millis()).unwrap_or(i64::MAX);
    let since = now_ms.saturating_sub(window_ms);
    let wait = |oldest: i64| (oldest + window_ms - now_ms + 999) / 1000;
    let tx = conn.transaction()?;
    let (mine, my_oldest): (u32, Option<i64>) = tx.query_row(
        "SELECT COUNT(*), MIN(at_ms) FROM lookup_misses WHERE address = ?1 AND at_ms > ?2",
        params![address, since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if mine >= limits.misses_per_address {
        return Err(paused(wait(my_oldest.unwrap_or(now_ms))));
    }
    if mine > 0 {
        let (all, oldest): (u32, Option<i64>) = tx.query_row(
            "SELECT COUNT(*), MIN(at_ms) FROM lookup_misses WHERE at_ms > ?1",
            params![since],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if all >= limits.misses_overall {
            return Err(paused(wait(oldest.unwrap_or(now_ms))));
        }
    }
    let code = code.trim();
    let stored: Option<String> = tx
        .query_row(
            "SELECT lookup_pin FROM dossiers WHERE code = ?1",
            params![code],
            |r| r.get(0),
        )
        .optional()?;
    let right = same_pin(stored.as_deref().unwrap_or(NO_PIN), pin) && stored.is_some();
    if !right {
        tx.execute(
            "INSERT INTO lookup_misses (address, at_ms) VALUES (?1, ?2)",
            params![address, now_ms],
        )?;
        tx.commit()?;
        return Err(refused());
    }
    let status = crate::tracking::dossier_status(&tx, code, None)?.ok_or_else(refused)?;
    tx.commit()?;
    let since = status
        .history
        .last()
        .map(|e| e.at.clone())
        .unwrap_or_default();
    Ok(PublicStatus {
        code: status.code,
        procedure: status.procedure,
        status: status.status,
        since,
        received_at: status.received_at,
        appointment_date: status.appointment_date,
    })
}

/// Removes misses older than the window (from the periodic sweep).
pub async fn forget_old_misses(state: &AppState) -> Result<(), ApiError> {
    let window_ms = i64::try_from(state.config.lookup.window.as_millis()).unwrap_or(i64::MAX);
    let before = crate::state::now_vn()
        .timestamp_millis()
        .saturating_sub(window_ms);
    state
        .db
        .call(move |conn| {
            conn.execute(
                "DELETE FROM lookup_misses WHERE at_ms <= ?1",
                params![before],
            )?;
            Ok(())
        })
        .await
}

/// Compares PINs without stopping at the first difference, ignoring case
/// and surrounding spaces (people type them from paper).
fn same_pin(stored: &str, typed: &str) -> bool {
    let typed = typed.trim().to_ascii_uppercase();
    let (a, b) = (stored.as_bytes(), typed.as_bytes());
    if a.is_empty() || a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn pins_match_only_when_equal_whatever_the_case() {
        assert!(same_pin("K7QX", "k7qx "));
        assert!(!same_pin("K7QX", "K7QY"));
        assert!(!same_pin("K7QX", "K7Q"));
        assert!(!same_pin("", ""));
    }

    /// A database with the portal's tables and one dossier whose PIN is K7QX.
    fn database() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("portal.sqlite3");
        drop(crate::db::Db::open(&path).expect("migrated"));
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(
            r#"INSERT INTO applicants VALUES (1, 'cty', 'Công ty', '2026-12-01T08:00:00+07:00');
               INSERT INTO dossiers (code, applicant_id, procedure_code, procedure_version,
                 manifest_sha256, content, receipt, received_at, status, lookup_pin, appointment_date)
               VALUES ('HOSO.PRACTICE-20261201-0001', 1, 'thong-bao-thu', '1', 'ab', '{}', '{}',
                 '2026-12-01T09:00:00+07:00', 'received', 'K7QX', '2026-12-03');
               INSERT INTO status_events (dossier_code, status, at, actor)
                 VALUES ('HOSO.PRACTICE-20261201-0001', 'received', '2026-12-01T09:00:00+07:00', 'portal');"#,
        )
        .expect("rows");
        (dir, conn)
    }

    #[test]
    fn guesses_pause_their_address_and_the_window_slides_the_owner_is_answered() {
        let (_dir, mut conn) = database();
        let limits = LookupLimits {
            misses_per_address: 3,
            misses_overall: 5,
            window: Duration::from_secs(600),
        };
        let code = "HOSO.PRACTICE-20261201-0001";
        let t0 = DateTime::parse_from_rfc3339("2026-12-04T10:00:00+07:00").expect("time");
        let at = |secs: i64| t0 + chrono::Duration::seconds(secs);
        // Three guesses from one address, across codes known and unknown.
        for (i, c) in [code, "HOSO.PRACTICE-20261201-0002", "rác"]
            .iter()
            .enumerate()
        {
            let e =
                lookup(&mut conn, "10.0.0.66", c, "AAAA", at(i as i64), &limits).expect_err("miss");
            assert_eq!((e.status.as_u16(), e.code), (404, "lookup_failed"));
        }
        // Then that address waits, whatever it asks, even the right PIN.
        let e = lookup(&mut conn, "10.0.0.66", code, "K7QX", at(10), &limits).expect_err("paused");
        assert_eq!((e.status.as_u16(), e.code), (429, "lookup_paused"));
        let wait = e
            .headers
            .iter()
            .find(|(n, _)| n == "retry-after")
            .expect("retry-after");
        assert_eq!(
            wait.1, "590",
            "until the oldest miss (at 0 s) leaves the window"
        );
        // The owner, elsewhere, is answered.
        let found = lookup(&mut conn, "10.0.0.1", code, "k7qx", at(11), &limits).expect("owner");
        assert_eq!(found.code.as_str(), code);
        // Two more addresses miss: five in all. One that missed once now
        // waits; one that never missed is still answered.
        lookup(&mut conn, "10.0.0.67", code, "AAAA", at(12), &limits).expect_err("miss");
        lookup(&mut conn, "10.0.0.68", code, "AAAA", at(13), &limits).expect_err("miss");
        let e = lookup(&mut conn, "10.0.0.67", code, "K7QX", at(14), &limits).expect_err("overall");
        assert_eq!(e.code, "lookup_paused");
        lookup(&mut conn, "10.0.0.2", code, "K7QX", at(15), &limits).expect("never missed");
        // Once the window has slid past the first misses, the address is
        // answered again.
        lookup(&mut conn, "10.0.0.66", code, "K7QX", at(602), &limits).expect("window slid");
    }

    #[test]
    fn a_wrong_pin_and_an_unknown_code_get_the_same_answer() {
        let (_dir, mut conn) = database();
        let limits = LookupLimits::default();
        let now = DateTime::parse_from_rfc3339("2026-12-04T10:00:00+07:00").expect("time");
        let wrong = lookup(
            &mut conn,
            "a",
            "HOSO.PRACTICE-20261201-0001",
            "AAAA",
            now,
            &limits,
        )
        .expect_err("wrong pin");
        let unknown = lookup(
            &mut conn,
            "a",
            "HOSO.PRACTICE-20261201-0009",
            "AAAA",
            now,
            &limits,
        )
        .expect_err("unknown code");
        assert_eq!(
            (wrong.status, wrong.code, &wrong.message),
            (unknown.status, unknown.code, &unknown.message)
        );
        let misses: u32 = conn
            .query_row(
                "SELECT COUNT(*) FROM lookup_misses WHERE address = 'a'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(misses, 2, "both recorded the same way");
    }
}
