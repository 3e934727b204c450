//! How often the app asks a portal for status changes: soon after a change,
//! less and less often while nothing changes, and much less when the portal
//! says it is overloaded, so that thousands of desktops never hammer a
//! portal at its peak hours.
//!
//! The policy, per portal:
//! - after a change: ask again after `base`;
//! - after "nothing new" (an answer of 304) or no answer: double the wait,
//!   up to `idle_max`;
//! - after 429 or 503: double the wait up to `busy_max`, and never sooner
//!   than the portal's `Retry-After` (itself capped at `busy_max`);
//! - every wait is shortened by up to a tenth at random, so that clients
//!   started together drift apart.

use std::time::Duration;

/// The bounds of the polling policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// Wait after a change.
    pub base: Duration,
    /// Longest wait while nothing changes.
    pub idle_max: Duration,
    /// Longest wait while the portal is overloaded.
    pub busy_max: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(60),
            idle_max: Duration::from_secs(15 * 60),
            busy_max: Duration::from_secs(60 * 60),
        }
    }
}

/// What one poll found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollOutcome {
    /// New status changes arrived.
    Changed,
    /// Nothing new (304, or an empty page).
    Unchanged,
    /// The portal answered 429 or 503, perhaps with `Retry-After`.
    Busy(Option<Duration>),
    /// No answer (network down, portal off).
    Unreachable,
}

/// One portal's place in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollState {
    wait: Duration,
}

impl PollState {
    /// A portal not asked yet: the first wait after a poll is `base`.
    pub fn new(policy: &PollPolicy) -> Self {
        Self { wait: policy.base }
    }

    /// The wait before the next poll, given what this one found; `jitter`
    /// in `[0, 1)` (random) shortens it by up to a tenth.
    pub fn next_wait(
        &mut self,
        policy: &PollPolicy,
        outcome: PollOutcome,
        jitter: f64,
    ) -> Duration {
        let doubled = self.wait.saturating_mul(2);
        self.wait = match outcome {
            PollOutcome::Changed => policy.base,
            PollOutcome::Unchanged | PollOutcome::Unreachable => doubled.min(policy.idle_max),
            PollOutcome::Busy(after) => {
                let asked = after.unwrap_or_default().min(policy.busy_max);
                doubled.min(policy.busy_max).max(asked)
            }
        }
        .max(policy.base);
        let shorten = self.wait.mul_f64(jitter.clamp(0.0, 0.999) / 10.0);
        self.wait - shorten
    }

    /// The wait the policy stands at (before jitter).
    pub fn wait(&self) -> Duration {
        self.wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polls made over `span` of simulated time when every poll finds
    /// `outcome` (the first at time zero).
    fn polls_over(span: Duration, outcome: PollOutcome, jitter: f64) -> (u32, Vec<Duration>) {
        let policy = PollPolicy::default();
        let mut state = PollState::new(&policy);
        let (mut t, mut count, mut waits) = (Duration::ZERO, 0, Vec::new());
        while t < span {
            count += 1;
            let wait = state.next_wait(&policy, outcome, jitter);
            waits.push(wait);
            t += wait;
        }
        (count, waits)
    }

    #[test]
    fn an_idle_hour_costs_a_handful_of_requests_per_portal() {
        let hour = Duration::from_secs(3600);
        let (count, waits) = polls_over(hour, PollOutcome::Unchanged, 0.0);
        println!("an idle hour: {count} requests to one portal, waits {waits:?}");
        // At 0, 2, 6, 14, 29, 44 and 59 minutes: 7 requests.
        assert_eq!(count, 7);
        assert!(
            waits.windows(2).all(|w| w[0] <= w[1]),
            "waits never shrink while idle"
        );
        assert!(waits.iter().all(|w| *w <= PollPolicy::default().idle_max));
        // With the largest jitter, waits are at most a tenth shorter.
        let (jittered, _) = polls_over(hour, PollOutcome::Unchanged, 0.999);
        println!("an idle hour with the most jitter: {jittered} requests");
        assert!(jittered <= 8, "{jittered}");
    }

    #[test]
    fn an_overloaded_portal_is_asked_rarely_and_never_before_retry_after() {
        let policy = PollPolicy::default();
        let mut state = PollState::new(&policy);
        let asked = Duration::from_secs(600);
        let wait = state.next_wait(&policy, PollOutcome::Busy(Some(asked)), 0.0);
        assert_eq!(wait, asked);
        let (count, _) = polls_over(Duration::from_secs(3600), PollOutcome::Busy(None), 0.0);
        println!("an overloaded hour: {count} requests");
        // At 0, 2, 6, 14 and 30 minutes: 5 requests (the next at 62).
        assert_eq!(count, 5);
        // A portal asking for a day gets at most busy_max.
        let wait = state.next_wait(
            &policy,
            PollOutcome::Busy(Some(Duration::from_secs(86_400))),
            0.0,
        );
        assert_eq!(wait, policy.busy_max);
    }

    #[test]
    fn a_change_brings_the_next_poll_back_to_the_base_wait() {
        let policy = PollPolicy::default();
        let mut state = PollState::new(&policy);
        for _ in 0..10 {
            state.next_wait(&policy, PollOutcome::Unreachable, 0.5);
        }
        assert_eq!(state.wait(), policy.idle_max);
        let wait = state.next_wait(&policy, PollOutcome::Changed, 0.0);
        assert_eq!(wait, policy.base);
    }
}
