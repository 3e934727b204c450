//! Signing officers in and out of the console: passwords checked with
//! Argon2id off the runtime's threads and a few at a time, a session kept
//! in the records by the SHA-256 of its cookie (so any replica knows it),
//! the cookie `HttpOnly`, `SameSite=Strict` and `Secure` when the portal
//! is served over TLS, and the lock after wrong passwords.
//!
//! The lock: five wrong passwords for one account from one address lock
//! that address out of that account for 15 minutes; twenty from anywhere
//! within 15 minutes hold every address back for a minute after the last,
//! except a browser this account signed in from before (it carries a
//! device cookie the portal signed). A stranger guessing from many
//! addresses so holds an officer back a minute at most, and never at the
//! officer's own browser.

use super::Lang;
use crate::error::ApiError;
use crate::records::{Failures, NewSession, OfficerAccount, SessionRow};
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, Verifier};
use std::sync::OnceLock;
use std::time::Duration;

/// The session cookie.
pub const SESSION_COOKIE: &str = "hoso_officer";
/// The sign-in form's own token, sent as a cookie and in the form.
pub const SIGN_IN_COOKIE: &str = "hoso_sign_in";
/// The browser an account signed in from before.
pub const DEVICE_COOKIE: &str = "hoso_device";

/// How long a session lasts: a working day and its overtime.
pub const SESSION_FOR: Duration = Duration::from_secs(10 * 3600);
/// How long a device cookie is honoured.
const DEVICE_FOR: Duration = Duration::from_secs(90 * 24 * 3600);

/// Wrong passwords are counted over this long.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Wrong passwords from one address that lock it out of the account.
pub const HERE_MAX: u32 = 5;
/// How long an address is locked out after its last counted wrong one.
pub const HERE_LOCK_MS: i64 = 15 * 60 * 1000;
/// Wrong passwords from anywhere that hold the account back.
pub const EVERYWHERE_MAX: u32 = 20;
/// How long unknown browsers are held back after the last wrong one.
pub const EVERYWHERE_LOCK_MS: i64 = 60 * 1000;

/// Password checks at once: each takes 19 MiB and tens of milliseconds
/// of a core; a crowd of sign-ins waits rather than starve uploads.
pub const CHECKS_AT_ONCE: usize = 2;
/// How long a sign-in waits for its check before it is answered busy.
const CHECK_WAIT: Duration = Duration::from_secs(5);

/// Whether a sign-in may be tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// The password is checked.
    Open,
    /// Not before this time (Unix ms); the password is not looked at.
    Locked {
        /// When it opens.
        until_ms: i64,
    },
}

/// Judges a sign-in for an account with `failures` in the last
/// [`FAILURE_WINDOW_MS`], from a browser that `known` signed in before.
pub fn gate(failures: &Failures, now_ms: i64, known: bool) -> Gate {
    if failures.here >= HERE_MAX {
        let until_ms = failures.here_last_ms + HERE_LOCK_MS;
        if until_ms > now_ms {
            return Gate::Locked { until_ms };
        }
    }
    if !known && failures.everywhere >= EVERYWHERE_MAX {
        let until_ms = failures.everywhere_last_ms + EVERYWHERE_LOCK_MS;
        if until_ms > now_ms {
            return Gate::Locked { until_ms };
        }
    }
    Gate::Open
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// An Argon2id hash of `password` (PHC string, with its salt and
/// parameters), for `hoso-portal add-officer`.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(&crate::random::bytes::<16>()).map_err(ApiError::internal)?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(ApiError::internal)?
        .to_string())
}

/// A hash no password matches, checked for an unknown account so that it
/// takes as long as a known one.
fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password(&crate::random::token()).unwrap_or_else(|_| String::from("$argon2id$"))
    })
}

/// Whether `password` matches `hash` (`None`: an unknown account or one
/// without a password, which the decoy answers no for in the same time).
/// At most [`CHECKS_AT_ONCE`] run; a check that waits past [`CHECK_WAIT`]
/// is answered 503 with Retry-After.
pub async fn check_password(
    state: &AppState,
    hash: Option<String>,
    password: String,
) -> Result<bool, ApiError> {
    let permit = tokio::time::timeout(CHECK_WAIT, state.password_checks.clone().acquire_owned())
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "sign_in_busy",
                "Nhiều người đang đăng nhập cùng lúc; hãy thử lại sau vài giây.",
                "Many are signing in at once; try again in a few seconds.",
            )
            .with_header("retry-after", HeaderValue::from_static("5"))
        })?
        .map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let real = hash.is_some();
        let hash = hash.unwrap_or_else(|| decoy().to_owned());
        let matches = PasswordHash::new(&hash).is_ok_and(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        });
        real && matches
    })
    .await
    .map_err(ApiError::internal)
}

/// The value of cookie `name` in `headers`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for the console: `HttpOnly`, `SameSite=Strict`,
/// path `/officer`, `Secure` when the portal is served over TLS; `max_age`
/// 0 removes it.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Duration) -> HeaderValue {
    let secure = if served_over_tls(state) {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{name}={value}; Path=/officer; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
        max_age.as_secs()
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether clients reach the portal over TLS (its public address is
/// `https://`, as behind an agency's proxy).
pub fn served_over_tls(state: &AppState) -> bool {
    state.base_url.starts_with("https://")
}

/// Whether two tokens are equal, in time that does not depend on where
/// they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A new random token for a cookie or a form.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>())
}

fn digest(token: &str) -> String {
    hoso_core::Sha256Digest::of(token.as_bytes()).to_hex()
}

/// Starts a session for `officer`: the records keep its digest and form
/// token; the answer's headers set its cookie and the device cookie.
pub async fn start(
    state: &AppState,
    officer: &OfficerAccount,
) -> Result<Vec<(axum::http::HeaderName, HeaderValue)>, ApiError> {
    let (id, now) = (new_token(), now_ms());
    state
        .db
        .start_session(
            NewSession {
                id_sha256: digest(&id),
                officer_id: officer.id,
                csrf: new_token(),
                created_at: crate::state::now_vn().to_rfc3339(),
                expires_at_ms: now + i64::try_from(SESSION_FOR.as_millis()).unwrap_or(i64::MAX),
            },
            now,
        )
        .await?;
    Ok(vec![
        (
            SET_COOKIE,
            set_cookie(state, SESSION_COOKIE, &id, SESSION_FOR),
        ),
        (
            SET_COOKIE,
            set_cookie(
                state,
                DEVICE_COOKIE,
                &device_token(state, &officer.account, now),
                DEVICE_FOR,
            ),
        ),
        (
            SET_COOKIE,
            set_cookie(state, SIGN_IN_COOKIE, "", Duration::ZERO),
        ),
    ])
}

/// The session the request's cookie names, if live.
pub async fn of_request(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SessionRow>, ApiError> {
    let Some(id) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    state.db.session(digest(id), now_ms()).await
}

/// Ends the request's session (if any) and removes its cookie.
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, ApiError> {
    if let Some(id) = cookie(headers, SESSION_COOKIE) {
        state.db.end_session(digest(id)).await?;
    }
    Ok(set_cookie(state, SESSION_COOKIE, "", Duration::ZERO))
}

fn device_message(account: &str, issued_ms: i64) -> String {
    format!("hoso-console-device:{account}:{issued_ms}")
}

/// A device cookie for `account`: when it was issued, signed with the
/// portal's key (which every replica shares).
fn device_token(state: &AppState, account: &str, issued_ms: i64) -> String {
    let signature = state
        .key
        .sign(device_message(account, issued_ms).as_bytes());
    format!(
        "{issued_ms}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

/// Whether the request comes from a browser `account` signed in from
/// within [`DEVICE_FOR`].
pub fn known_device(state: &AppState, headers: &HeaderMap, account: &str) -> bool {
    let Some((issued, signature)) = cookie(headers, DEVICE_COOKIE).and_then(|v| v.split_once('.'))
    else {
        return false;
    };
    let Ok(issued_ms) = issued.parse::<i64>() else {
        return false;
    };
    let fresh = now_ms() - issued_ms < i64::try_from(DEVICE_FOR.as_millis()).unwrap_or(i64::MAX);
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|b| ed25519_dalek::Signature::from_slice(&b).ok());
    fresh
        && signature.is_some_and(|s| {
            state
                .key
                .verifying_key()
                .verify(device_message(account, issued_ms).as_bytes(), &s)
                .is_ok()
        })
}

/// What a refused sign-in says, in `lang`.
pub fn locked_text(lang: Lang, until_ms: i64, now_ms: i64) -> String {
    let minutes = ((until_ms - now_ms).max(0) + 59_999) / 60_000;
    match lang {
        Lang::Vi => format!(
            "Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút, hoặc nhờ quản trị đặt lại mật khẩu."
        ),
        Lang::En => format!(
            "Too many wrong passwords. Try again in {minutes} minute(s), or ask an administrator to reset the password."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(
        here: u32,
        here_last_ms: i64,
        everywhere: u32,
        everywhere_last_ms: i64,
    ) -> Failures {
        Failures {
            here,
            here_last_ms,
            everywhere,
            everywhere_last_ms,
        }
    }

    #[test]
    fn an_address_is_locked_out_after_five_and_strangers_hold_an_account_back_a_minute() {
        let now = 10_000_000;
        assert_eq!(gate(&Failures::default(), now, false), Gate::Open);
        assert_eq!(
            gate(&failures(4, now - 1, 4, now - 1), now, false),
            Gate::Open
        );
        assert_eq!(
            gate(&failures(5, now - 1000, 5, now - 1000), now, true),
            Gate::Locked {
                until_ms: now - 1000 + HERE_LOCK_MS
            }
        );
        assert_eq!(
            gate(
                &failures(5, now - HERE_LOCK_MS, 5, now - HERE_LOCK_MS),
                now,
                false
            ),
            Gate::Open
        );
        // Twenty from elsewhere: an unknown browser waits a minute, the
        // officer's own does not wait at all.
        let crowd = failures(0, 0, 20, now - 10_000);
        assert_eq!(
            gate(&crowd, now, false),
            Gate::Locked {
                until_ms: now - 10_000 + EVERYWHERE_LOCK_MS
            }
        );
        assert_eq!(gate(&crowd, now, true), Gate::Open);
        assert_eq!(gate(&crowd, now + EVERYWHERE_LOCK_MS, false), Gate::Open);
    }

    #[test]
    fn a_password_hash_is_argon2id_and_only_its_password_matches() {
        let hash = hash_password("mật khẩu đúng").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let parsed = PasswordHash::new(&hash).expect("PHC string");
        let a = argon2::Argon2::default();
        assert!(
            a.verify_password("mật khẩu đúng".as_bytes(), &parsed)
                .is_ok()
        );
        assert!(a.verify_password(b"mat khau dung", &parsed).is_err());
        assert_ne!(
            hash,
            hash_password("mật khẩu đúng").expect("hash"),
            "salted"
        );
    }

    #[test]
    fn tokens_compare_equal_only_when_equal() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert!(!same_token("", "a"));
    }
}
