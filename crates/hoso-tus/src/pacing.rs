//! How a tus client paces itself on a bad link, as pure functions: the
//! size of the next chunk from the rate measured so far, how many bytes
//! may travel unconfirmed when small PATCHes go back to back, and how long
//! to wait before the next attempt after a failure. The upload engine
//! (hoso-client) brings the clock and the randomness.

use std::time::Duration;

/// What chunks may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkBounds {
    /// Smallest chunk.
    pub min: u64,
    /// Largest chunk (held in memory, hashed before it is sent).
    pub max: u64,
    /// A chunk should take about this long at the measured rate.
    pub target: Duration,
    /// Chunks are whole multiples of this (the engine's read size).
    pub step: u64,
}

/// Picks chunk sizes from the measured rate: about [`ChunkBounds::target`]
/// per chunk, growing at most twofold and shrinking at most fourfold at a
/// time.
#[derive(Debug, Clone)]
pub struct ChunkSizer {
    next: u64,
    /// Set after an interruption that cost a whole chunk: from then on
    /// chunks grow by one smallest chunk at a time instead of doubling
    /// (additive increase, multiplicative decrease, as TCP does).
    careful: bool,
    bounds: ChunkBounds,
}

impl ChunkSizer {
    /// Starts at 1 MiB within `bounds`.
    pub fn new(bounds: ChunkBounds) -> Self {
        let bounds = ChunkBounds {
            min: bounds.min.max(bounds.step).max(1),
            max: bounds.max.max(bounds.min).max(1),
            step: bounds.step.max(1),
            ..bounds
        };
        Self {
            next: (1024 * 1024u64).clamp(bounds.min, bounds.max),
            careful: false,
            bounds,
        }
    }

    /// The size of the next chunk, at most `remaining`.
    pub fn next(&self, remaining: u64) -> u64 {
        self.next.min(remaining)
    }

    /// Learns that a request broke off. When the server keeps only whole
    /// chunks (`Upload-Checksum`), the chunk was lost: the next is half as
    /// big, so that a link that breaks every few megabytes still lets whole
    /// chunks through. When it keeps what checked out (block checksums),
    /// little was lost and the size stays.
    pub fn interrupted(&mut self, lost_whole_chunk: bool) {
        if !lost_whole_chunk {
            return;
        }
        self.next = self.aligned(self.next / 2);
        self.careful = true;
    }

    /// Learns from a chunk of `bytes` that took `took`.
    pub fn observe(&mut self, bytes: u64, took: Duration) {
        let secs = took.as_secs_f64().max(0.001);
        let want = (bytes as f64 / secs * self.bounds.target.as_secs_f64()) as u64;
        let most = if self.careful {
            self.next.saturating_add(self.bounds.min)
        } else {
            self.next.saturating_mul(2)
        };
        self.next = self.aligned(want.clamp(self.next / 4, most));
    }

    fn aligned(&self, size: u64) -> u64 {
        (size / self.bounds.step * self.bounds.step).clamp(self.bounds.min, self.bounds.max)
    }
}

/// How many bytes may be sent and not yet confirmed when PATCHes go back
/// to back over one connection (pipelined), and how big each is.
///
/// Everything sent and not confirmed is what a reset can cost: the bytes
/// in the sender's socket, in every buffer on the way and in the PATCH the
/// server was reading. So the window is as small as keeps the link busy:
/// twice the bytes the measured rate moves in one round trip (the
/// bandwidth-delay product), never below `floor` (enough for a fast local
/// link) nor above `ceiling`. Each PATCH is half the window: the next one
/// travels while the server answers one, and every answer is one more
/// packet that a lossy link can delay (a lost answer holds the window
/// until TCP sends it again), so there are no more of them than that.
#[derive(Debug, Clone)]
pub struct Window {
    floor: u64,
    ceiling: u64,
    step: u64,
    /// The shortest round trip seen: a PATCH's last byte sent to its answer.
    round_trip: Option<Duration>,
    /// Bytes per second confirmed, as last measured.
    rate: Option<f64>,
}

impl Window {
    /// A window between `floor` and `ceiling` bytes, PATCHes whole
    /// multiples of `step`.
    pub fn new(floor: u64, ceiling: u64, step: u64) -> Self {
        let step = step.max(1);
        let floor = floor.max(2 * step);
        Self {
            floor,
            ceiling: ceiling.max(floor),
            step,
            round_trip: None,
            rate: None,
        }
    }

    /// Learns a round trip (the shortest one counts: longer ones waited
    /// behind the window itself).
    pub fn observe_round_trip(&mut self, took: Duration) {
        self.round_trip = Some(self.round_trip.map_or(took, |r| r.min(took)));
    }

    /// Learns the rate at which the server confirms bytes.
    pub fn observe_rate(&mut self, bytes_per_second: f64) {
        if bytes_per_second.is_finite() && bytes_per_second > 0.0 {
            self.rate = Some(bytes_per_second);
        }
    }

    /// Bytes that may be unconfirmed at once.
    pub fn bytes(&self) -> u64 {
        let product = match (self.rate, self.round_trip) {
            (Some(rate), Some(rtt)) => (2.0 * rate * rtt.as_secs_f64()) as u64,
            _ => 0,
        };
        product.clamp(self.floor, self.ceiling)
    }

    /// The size of the next PATCH, at most `remaining`.
    pub fn piece(&self, remaining: u64) -> u64 {
        let half = (self.bytes() / 2 / self.step * self.step).max(self.step);
        half.min(remaining)
    }
}

/// Why an attempt failed, as far as waiting is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The connection broke or went silent mid-request: the network
    /// was up a moment ago, so go on at once.
    Broken,
    /// No connection could be made: the network or the server is down.
    Refused,
    /// The server answered that it is overloaded or failed (429, 5xx).
    Busy,
}

/// First wait of a backoff.
pub const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// Longest wait of a backoff.
pub const BACKOFF_CAP: Duration = Duration::from_secs(10);

/// How long to wait after a failure. `fruitless` counts the failures in a
/// row since the server last confirmed new bytes (0 for the first);
/// `asked` is the server's `Retry-After`; `jitter` is a random number.
///
/// A broken or silent connection is resumed at once when it is the first
/// failure since progress; the same failure again, a refused connection
/// or an overloaded server wait a random time between zero and a ceiling
/// that doubles from [`BACKOFF_BASE`] to [`BACKOFF_CAP`] (full jitter, so
/// that many clients recovering at once spread out). `Retry-After` wins.
pub fn wait_after(
    failure: Failure,
    fruitless: u32,
    asked: Option<Duration>,
    jitter: u64,
) -> Duration {
    if let Some(wait) = asked {
        return wait;
    }
    let steps = match failure {
        Failure::Broken if fruitless == 0 => return Duration::ZERO,
        Failure::Broken => fruitless - 1,
        Failure::Refused | Failure::Busy => fruitless,
    };
    let ceiling = BACKOFF_BASE
        .saturating_mul(1u32 << steps.min(16))
        .min(BACKOFF_CAP);
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX).max(1);
    Duration::from_nanos(jitter % nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn bounds() -> ChunkBounds {
        ChunkBounds {
            min: 256 * 1024,
            max: 16 * MIB,
            target: Duration::from_secs(4),
            step: 64 * 1024,
        }
    }

    #[test]
    fn chunks_grow_on_a_fast_link_shrink_on_a_slow_one_and_stay_in_bounds() {
        let mut c = ChunkSizer::new(bounds());
        assert_eq!(c.next(u64::MAX), MIB);
        assert_eq!(c.next(1000), 1000, "never beyond what remains");
        // 1 MiB in 0.1 s: 40 MiB would take 4 s; double at most, then the cap.
        c.observe(MIB, Duration::from_millis(100));
        assert_eq!(c.next(u64::MAX), 2 * MIB);
        for _ in 0..5 {
            c.observe(c.next(u64::MAX), Duration::from_millis(100));
        }
        assert_eq!(c.next(u64::MAX), 16 * MIB);
        // A 20 kB/s link: 4 s is 80 kB, below the floor.
        for _ in 0..10 {
            let n = c.next(u64::MAX);
            c.observe(n, Duration::from_secs_f64(n as f64 / 20_000.0));
        }
        assert_eq!(c.next(u64::MAX), 256 * 1024);
        assert_eq!(c.next(u64::MAX) % (64 * 1024), 0);
    }

    #[test]
    fn a_lost_chunk_halves_the_next_and_a_kept_one_does_not() {
        let mut c = ChunkSizer::new(bounds());
        for _ in 0..5 {
            c.observe(c.next(u64::MAX), Duration::from_millis(10));
        }
        assert_eq!(c.next(u64::MAX), 16 * MIB);
        c.interrupted(false);
        assert_eq!(c.next(u64::MAX), 16 * MIB, "blocks kept: the size stays");
        c.interrupted(true);
        assert_eq!(c.next(u64::MAX), 8 * MIB);
        // From now on a good chunk adds one smallest chunk, not double.
        c.observe(c.next(u64::MAX), Duration::from_millis(10));
        assert_eq!(c.next(u64::MAX), 8 * MIB + 256 * 1024);
        for _ in 0..20 {
            c.interrupted(true);
        }
        assert_eq!(c.next(u64::MAX), 256 * 1024);
    }

    #[test]
    fn a_broken_connection_resumes_at_once_and_overload_backs_off() {
        let any = u64::MAX / 3;
        assert_eq!(wait_after(Failure::Broken, 0, None, any), Duration::ZERO);
        // The same failure again without progress: a backoff.
        let again = wait_after(Failure::Broken, 1, None, any);
        assert!(again > Duration::ZERO && again < BACKOFF_BASE, "{again:?}");
        for failure in [Failure::Refused, Failure::Busy] {
            let first = wait_after(failure, 0, None, any);
            assert!(first > Duration::ZERO && first < BACKOFF_BASE, "{first:?}");
        }
        // The ceiling doubles and stops at the cap; jitter stays below it.
        for n in 0..40 {
            let ceiling = BACKOFF_BASE
                .saturating_mul(1u32 << n.min(16))
                .min(BACKOFF_CAP);
            for jitter in [0, 1, any, u64::MAX] {
                assert!(wait_after(Failure::Busy, n, None, jitter) < ceiling);
            }
        }
        // Retry-After wins, even for a broken connection.
        let asked = Some(Duration::from_secs(7));
        assert_eq!(
            wait_after(Failure::Broken, 0, asked, any),
            Duration::from_secs(7)
        );
    }
    #[test]
    fn the_window_is_twice_the_bandwidth_delay_product_within_its_bounds() {
        let mut w = Window::new(256 * 1024, 16 * MIB, 64 * 1024);
        assert_eq!(w.bytes(), 256 * 1024, "nothing measured: the floor");
        assert_eq!(w.piece(u64::MAX), 128 * 1024);
        assert_eq!(w.piece(1000), 1000, "never beyond what remains");
        // A local link: 12.5 MB/s and 6 ms is 150 kB, below the floor.
        w.observe_rate(12.5e6);
        w.observe_round_trip(Duration::from_millis(6));
        assert_eq!(w.bytes(), 256 * 1024);
        // A slower answer does not widen it: the shortest round trip counts.
        w.observe_round_trip(Duration::from_millis(40));
        assert_eq!(w.bytes(), 256 * 1024);
        // A long fat link: 12.5 MB/s and 80 ms round trips want 2 MB.
        let mut far = Window::new(256 * 1024, 16 * MIB, 64 * 1024);
        far.observe_round_trip(Duration::from_millis(80));
        far.observe_rate(12.5e6);
        assert_eq!(far.bytes(), 2_000_000);
        assert_eq!(far.piece(u64::MAX), 960 * 1024, "half, in whole steps");
        far.observe_rate(1e12);
        assert_eq!(far.bytes(), 16 * MIB, "the ceiling");
        // Nonsense rates are ignored.
        far.observe_rate(f64::NAN);
        far.observe_rate(-1.0);
        assert_eq!(far.bytes(), 16 * MIB);
        // A floor below two steps is raised to two.
        assert_eq!(Window::new(0, 0, 64 * 1024).bytes(), 128 * 1024);
    }
}
