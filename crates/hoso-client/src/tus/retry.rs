//! Waiting between attempts: exponential backoff with full jitter, capped.

use std::time::Duration;

/// First wait.
const BASE: Duration = Duration::from_millis(250);
/// Longest wait.
const CAP: Duration = Duration::from_secs(10);

/// The wait before attempt `n` (0-based): a random time between zero and
/// `min(CAP, BASE * 2^n)`, so that many clients recovering at once spread out.
pub fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE.saturating_mul(1u32 << attempt.min(16)).min(CAP);
    let r = u64::from_le_bytes(crate::random_bytes::<8>());
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(r % nanos.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_under_the_growing_ceiling_and_never_exceed_the_cap() {
        for attempt in 0..40 {
            let ceiling = BASE.saturating_mul(1u32 << attempt.min(16)).min(CAP);
            for _ in 0..50 {
                assert!(backoff(attempt) < ceiling.max(Duration::from_nanos(1)));
            }
        }
        assert!(backoff(30) <= CAP);
    }
}
