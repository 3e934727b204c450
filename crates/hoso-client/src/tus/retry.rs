//! Waiting between attempts: the policy of `hoso_tus::pacing` (at once
//! after a broken connection, full-jitter backoff on refusal and
//! overload, or what the server asks with `Retry-After`), with this
//! machine's randomness.

use hoso_tus::pacing::{Failure, wait_after};
use std::time::Duration;

/// The wait before attempt `n` (0-based) of a request the server may be
/// too busy for: a random time below a ceiling that doubles.
pub fn backoff(attempt: u32) -> Duration {
    wait(Failure::Busy, attempt, None)
}

/// The wait after `failure`, the `fruitless`-th in a row since the server
/// last confirmed new bytes (0 for the first), unless the server `asked`.
pub fn wait(failure: Failure, fruitless: u32, asked: Option<Duration>) -> Duration {
    let jitter = u64::from_le_bytes(crate::random_bytes::<8>());
    wait_after(failure, fruitless, asked, jitter)
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date
/// (a date in the past means now).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates_and_ignores_nonsense() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().expect("value"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("value"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO), "a past date");
        let later = (chrono::Utc::now() + chrono::Duration::seconds(90))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        h.insert(reqwest::header::RETRY_AFTER, later.parse().expect("value"));
        let wait = retry_after(&h).expect("date");
        assert!((85..=90).contains(&wait.as_secs()), "{wait:?}");
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().expect("value"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn waits_stay_under_the_growing_ceiling_and_never_exceed_the_cap() {
        use hoso_tus::pacing::{BACKOFF_BASE, BACKOFF_CAP};
        for attempt in 0..40 {
            let ceiling = BACKOFF_BASE
                .saturating_mul(1u32 << attempt.min(16))
                .min(BACKOFF_CAP);
            for _ in 0..50 {
                assert!(backoff(attempt) < ceiling.max(Duration::from_nanos(1)));
            }
        }
        assert!(backoff(30) <= BACKOFF_CAP);
        assert_eq!(wait(Failure::Broken, 0, None), Duration::ZERO);
    }
}
