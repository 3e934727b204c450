//! How the upload engine behaves on a bad link; defaults suit people, tests
//! shorten the times.

use std::time::Duration;

/// Upload settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSettings {
    /// A request that moves no byte for this long is abandoned and the
    /// upload resumed (a hung connection).
    pub stall_timeout: Duration,
    /// With no byte confirmed for this long, the upload stops for now and
    /// reports a network error (it continues later from where it was).
    pub give_up_after: Duration,
    /// Chunk sizes when the server checks a checksum per chunk (each chunk
    /// is hashed before it is sent, so it is held in memory once).
    pub min_chunk: u64,
    /// Largest chunk held in memory.
    pub max_chunk: u64,
    /// Aim for chunks that take about this long at the measured rate.
    pub chunk_time: Duration,
    /// Longest wait a server's `Retry-After` is honoured for.
    pub max_retry_after: Duration,
    /// Bytes per second at most, all uploads of one call together; `None`
    /// for no cap.
    pub bandwidth_cap: Option<u64>,
    /// Documents of one dossier uploaded at the same time.
    pub parallel: usize,
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            stall_timeout: Duration::from_secs(10),
            give_up_after: Duration::from_secs(10 * 60),
            min_chunk: 256 * 1024,
            max_chunk: 16 * 1024 * 1024,
            chunk_time: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(5 * 60),
            bandwidth_cap: None,
            parallel: 3,
        }
    }
}

/// Piece size of streamed bodies: what is read from disk and handed to the
/// connection at a time.
pub const PIECE: usize = 64 * 1024;

/// Picks chunk sizes from the measured rate.
#[derive(Debug, Clone)]
pub struct Chunker {
    next: u64,
    /// Set after the first interruption: from then on chunks grow by one
    /// step at a time instead of doubling (additive increase,
    /// multiplicative decrease, as TCP does).
    careful: bool,
    min: u64,
    max: u64,
    target: Duration,
}

impl Chunker {
    /// Starts at 1 MiB within the settings' bounds.
    pub fn new(settings: &UploadSettings) -> Self {
        let (min, max) = (
            settings.min_chunk.max(PIECE as u64),
            settings.max_chunk.max(settings.min_chunk),
        );
        Self {
            next: (1024 * 1024u64).clamp(min, max),
            careful: false,
            min,
            max,
            target: settings.chunk_time,
        }
    }

    /// The size of the next chunk, at most `remaining`.
    pub fn next(&self, remaining: u64) -> u64 {
        self.next.min(remaining)
    }

    /// Learns that a chunk was lost on the way: the next is half as big,
    /// so that a link that breaks every few megabytes still lets whole
    /// chunks through (a chunk with a checksum is kept only whole).
    pub fn interrupted(&mut self) {
        let piece = PIECE as u64;
        self.next = (self.next / 2 / piece * piece).clamp(self.min, self.max);
        self.careful = true;
    }

    /// Learns from a chunk of `bytes` that took `took`: the next aims at
    /// the target time, at most doubling (after an interruption: growing by
    /// the smallest chunk) and at most quartering at once, in whole pieces.
    pub fn observe(&mut self, bytes: u64, took: Duration) {
        let secs = took.as_secs_f64().max(0.001);
        let rate = bytes as f64 / secs;
        let want = (rate * self.target.as_secs_f64()) as u64;
        let most = if self.careful {
            self.next.saturating_add(self.min)
        } else {
            self.next.saturating_mul(2)
        };
        let bounded = want.clamp(self.next / 4, most);
        let piece = PIECE as u64;
        self.next = (bounded / piece * piece).clamp(self.min, self.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_grow_on_a_fast_link_shrink_on_a_slow_one_and_stay_in_bounds() {
        let settings = UploadSettings::default();
        let mut c = Chunker::new(&settings);
        assert_eq!(c.next(u64::MAX), 1024 * 1024);
        assert_eq!(c.next(1000), 1000, "never beyond what remains");
        // 1 MiB in 0.1 s: 10 MiB/s, 4 s worth is 40 MiB; double at most,
        // then the cap.
        c.observe(1024 * 1024, Duration::from_millis(100));
        assert_eq!(c.next(u64::MAX), 2 * 1024 * 1024);
        for _ in 0..5 {
            c.observe(c.next(u64::MAX), Duration::from_millis(100));
        }
        assert_eq!(c.next(u64::MAX), settings.max_chunk);
        // A 20 kB/s link: 4 s is 80 kB, below the floor.
        for _ in 0..10 {
            let n = c.next(u64::MAX);
            c.observe(n, Duration::from_secs_f64(n as f64 / 20_000.0));
        }
        assert_eq!(c.next(u64::MAX), settings.min_chunk);
        assert_eq!(c.next(u64::MAX) % PIECE as u64, 0);
    }

    #[test]
    fn each_interruption_halves_the_chunk_down_to_the_floor() {
        let settings = UploadSettings::default();
        let mut c = Chunker::new(&settings);
        for _ in 0..5 {
            c.observe(c.next(u64::MAX), Duration::from_millis(10));
        }
        assert_eq!(c.next(u64::MAX), settings.max_chunk);
        c.interrupted();
        assert_eq!(c.next(u64::MAX), settings.max_chunk / 2);
        // From now on a good chunk adds one smallest chunk, not double.
        c.observe(c.next(u64::MAX), Duration::from_millis(10));
        assert_eq!(
            c.next(u64::MAX),
            settings.max_chunk / 2 + settings.min_chunk
        );
        for _ in 0..20 {
            c.interrupted();
        }
        assert_eq!(c.next(u64::MAX), settings.min_chunk);
    }
}
