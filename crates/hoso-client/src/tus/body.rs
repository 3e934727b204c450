//! PATCH bodies streamed in pieces, counted as the connection takes them:
//! the count drives stall detection, the bandwidth cap and progress.

use super::settings::PIECE;
use crate::error::ClientError;
use bytes::Bytes;
use futures_util::Stream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// A bandwidth cap shared by every upload that holds a clone: bytes per
/// second over its whole life.
#[derive(Debug, Clone)]
pub struct Cap(Arc<CapInner>);

#[derive(Debug)]
struct CapInner {
    rate: u64,
    started: Instant,
    granted: AtomicU64,
}

impl Cap {
    /// A cap of `rate` bytes per second; `None` for no cap.
    pub fn new(rate: Option<u64>) -> Option<Self> {
        rate.filter(|r| *r > 0).map(|rate| {
            Self(Arc::new(CapInner {
                rate,
                started: Instant::now(),
                granted: AtomicU64::new(0),
            }))
        })
    }

    /// Waits until `n` more bytes keep within the cap.
    async fn take(&self, n: usize) {
        let granted = self.0.granted.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
        let due = granted as f64 / self.0.rate as f64;
        let ahead = due - self.0.started.elapsed().as_secs_f64();
        if ahead > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(ahead)).await;
        }
    }
}

/// Bytes one upload handed to connections and when the last one went.
#[derive(Debug, Clone)]
pub struct Meter(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    moved: AtomicU64,
    last: Mutex<Instant>,
    cap: Option<Cap>,
}

impl Meter {
    /// A meter, sending within `cap` if one is given.
    pub fn new(cap: Option<Cap>) -> Self {
        Self(Arc::new(Inner {
            moved: AtomicU64::new(0),
            last: Mutex::new(Instant::now()),
            cap,
        }))
    }

    /// Marks activity now (a request starts, an answer arrives).
    pub fn touch(&self) {
        *self.0.last.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    pub(crate) fn moved(&self, n: usize) {
        self.0.moved.fetch_add(n as u64, Ordering::SeqCst);
        self.touch();
    }

    /// Bytes handed over so far.
    pub fn total(&self) -> u64 {
        self.0.moved.load(Ordering::SeqCst)
    }

    /// How long nothing moved.
    pub fn idle(&self) -> Duration {
        self.0
            .last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
    }

    /// Waits until sending `n` more bytes keeps within the cap.
    pub(crate) async fn throttle(&self, n: usize) {
        if let Some(cap) = &self.0.cap {
            cap.take(n).await;
            // Waiting for the cap is not a stall.
            self.touch();
        }
    }

    /// Returns once nothing has moved for `limit`.
    pub async fn stalled(&self, limit: Duration) {
        loop {
            let idle = self.idle();
            if idle >= limit {
                return;
            }
            tokio::time::sleep((limit - idle).max(Duration::from_millis(50))).await;
        }
    }
}

/// A body of bytes already in memory (a chunk that was hashed first).
pub fn from_memory(chunk: Bytes, meter: Meter) -> reqwest::Body {
    let stream = futures_util::stream::unfold((chunk, meter), |(mut rest, meter)| async move {
        if rest.is_empty() {
            return None;
        }
        let piece = rest.split_to(PIECE.min(rest.len()));
        meter.throttle(piece.len()).await;
        meter.moved(piece.len());
        Some((Ok::<_, std::io::Error>(piece), (rest, meter)))
    });
    reqwest::Body::wrap_stream(stream)
}

/// A body read from `path`, `len` bytes from `offset`, a piece at a time,
/// so that a file of any size costs one piece of memory.
pub async fn from_file(
    path: PathBuf,
    offset: u64,
    len: u64,
    meter: Meter,
) -> Result<reqwest::Body, ClientError> {
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ClientError::file(&path, e))?;
    file.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(|e| ClientError::file(&path, e))?;
    Ok(reqwest::Body::wrap_stream(pieces(file, len, meter)))
}

fn pieces(
    file: tokio::fs::File,
    len: u64,
    meter: Meter,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    futures_util::stream::unfold((file, len, meter), |(mut file, left, meter)| async move {
        if left == 0 {
            return None;
        }
        let want = usize::try_from(left.min(PIECE as u64)).unwrap_or(PIECE);
        let mut buf = vec![0u8; want];
        let read = match file.read_exact(&mut buf).await {
            Ok(_) => buf,
            Err(e) => return Some((Err(e), (file, 0, meter))),
        };
        meter.throttle(read.len()).await;
        meter.moved(read.len());
        Some((Ok(Bytes::from(read)), (file, left - want as u64, meter)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_cap_spaces_the_pieces_of_every_upload_sharing_it() {
        let cap = Cap::new(Some(4 * PIECE as u64));
        let (a, b) = (Meter::new(cap.clone()), Meter::new(cap));
        let started = Instant::now();
        // Four pieces each, eight in all, at four per second: about two
        // seconds together, not one each side by side.
        let send = |m: Meter| async move {
            for _ in 0..4 {
                m.throttle(PIECE).await;
                m.moved(PIECE);
            }
        };
        tokio::join!(send(a.clone()), send(b.clone()));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(1900), "{took:?}");
        assert_eq!(a.total() + b.total(), 8 * PIECE as u64);
        assert!(a.idle() < Duration::from_millis(500));
        assert!(Cap::new(Some(0)).is_none() && Cap::new(None).is_none());
    }

    #[tokio::test]
    async fn stalled_returns_only_after_the_quiet_time() {
        let meter = Meter::new(None);
        let started = Instant::now();
        meter.stalled(Duration::from_millis(300)).await;
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
}
