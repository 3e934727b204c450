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
use hoso_core::wire::{DossierStatus, PublicStatus};

/// Compared with what was typed when the code is unknown, so that both
/// cases do the same work.
const NO_PIN: &str = "\u{0}\u{0}\u{0}\u{0}";

/// The answer to a wrong code or PIN alike, so that a guess learns
/// nothing about which codes exist.
pub(crate) fn refused() -> ApiError {
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

/// The sliding window misses are counted in, seen at `now`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    now_ms: i64,
    window_ms: i64,
}

impl Window {
    /// The window of `limits` ending `now`.
    pub(crate) fn new(now: DateTime<FixedOffset>, limits: &LookupLimits) -> Self {
        Self {
            now_ms: now.timestamp_millis(),
            window_ms: i64::try_from(limits.window.as_millis()).unwrap_or(i64::MAX),
        }
    }

    /// Now, in Unix milliseconds: the time a miss is recorded at.
    pub(crate) fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Misses after this (Unix ms) count.
    pub(crate) fn since(&self) -> i64 {
        self.now_ms.saturating_sub(self.window_ms)
    }

    /// The refusal of an address that must wait until the `oldest` miss
    /// counted against it leaves the window.
    pub(crate) fn paused(&self, oldest: Option<i64>) -> ApiError {
        let oldest = oldest.unwrap_or(self.now_ms);
        paused((oldest + self.window_ms - self.now_ms + 999) / 1000)
    }
}

/// Whether `typed` is the `stored` PIN of a dossier that exists; an
/// unknown code is compared with a PIN nobody can type, so that both
/// cases do the same work.
pub(crate) fn pin_matches(stored: Option<&str>, typed: &str) -> bool {
    same_pin(stored.unwrap_or(NO_PIN), typed) && stored.is_some()
}

/// What a lookup shows: the state, naming nobody.
pub(crate) fn public(status: DossierStatus) -> PublicStatus {
    let since = status
        .history
        .last()
        .map(|e| e.at.clone())
        .unwrap_or_default();
    PublicStatus {
        code: status.code,
        procedure: status.procedure,
        status: status.status,
        since,
        received_at: status.received_at,
        appointment_date: status.appointment_date,
    }
}

/// Removes misses older than the window (from the periodic sweep).
pub async fn forget_old_misses(state: &AppState) -> Result<(), ApiError> {
    let window_ms = i64::try_from(state.config.lookup.window.as_millis()).unwrap_or(i64::MAX);
    let before = crate::state::now_vn()
        .timestamp_millis()
        .saturating_sub(window_ms);
    state.db.forget_misses(before).await
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

    #[test]
    fn pins_match_only_when_equal_whatever_the_case() {
        assert!(same_pin("K7QX", "k7qx "));
        assert!(!same_pin("K7QX", "K7QY"));
        assert!(!same_pin("K7QX", "K7Q"));
        assert!(!same_pin("", ""));
    }
}
