//! Progress of a sending, reported to whoever shows it (the desktop shell
//! turns it into window events): snapshots on every confirmed chunk and
//! phase change, and twice a second while anything is under way, so that
//! rate and time left keep moving and "waiting for the network" shows.

use hoso_core::Sha256Digest;
use hoso_core::progress::{FileProgress, SendPhase, SendProgress};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Receives progress snapshots.
#[derive(Clone)]
pub struct ProgressSink(Arc<dyn Fn(SendProgress) + Send + Sync>);

impl ProgressSink {
    /// Wraps a function.
    pub fn new(f: impl Fn(SendProgress) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }
}

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressSink")
    }
}

/// How far back the rate looks.
const RATE_WINDOW: Duration = Duration::from_secs(10);
/// How often a snapshot goes out while nothing else happens.
const TICK: Duration = Duration::from_millis(500);

#[derive(Debug)]
struct State {
    dossier: i64,
    phase: SendPhase,
    files: Vec<FileProgress>,
    waiting: usize,
    samples: VecDeque<(Instant, u64)>,
}

impl State {
    /// Document `sha256` is confirmed up to `offset` (never going back);
    /// the bytes confirmed over all documents.
    fn raise(&mut self, sha256: Sha256Digest, offset: u64) -> u64 {
        for f in self.files.iter_mut().filter(|f| f.sha256 == sha256) {
            f.confirmed = f.confirmed.max(offset.min(f.size));
        }
        self.files.iter().map(|f| f.confirmed).sum()
    }
}

/// The progress of one dossier's sending.
#[derive(Debug, Clone)]
pub struct Tracker {
    state: Arc<Mutex<State>>,
    sink: Option<ProgressSink>,
}

impl Tracker {
    /// A tracker for `files`, reporting to `sink`.
    /// The dossier whose sending this follows.
    pub fn dossier(&self) -> i64 {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).dossier
    }

    pub fn new(dossier: i64, files: Vec<FileProgress>, sink: Option<ProgressSink>) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                dossier,
                phase: SendPhase::Uploading,
                files,
                waiting: 0,
                samples: VecDeque::new(),
            })),
            sink,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Enters `phase` and reports it.
    pub fn phase(&self, phase: SendPhase) {
        self.with(|s| s.phase = phase);
        self.emit();
    }

    /// The server confirmed `offset` bytes of document `sha256`.
    pub fn confirmed(&self, sha256: Sha256Digest, offset: u64) {
        self.with(|s| {
            let total = s.raise(sha256, offset);
            let now = Instant::now();
            s.samples.push_back((now, total));
            while s
                .samples
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) > RATE_WINDOW)
                && s.samples.len() > 2
            {
                s.samples.pop_front();
            }
        });
        self.emit();
    }

    /// The server already held `offset` bytes of document `sha256` (from an
    /// earlier sending, found by HEAD): counted as done, but not as bytes
    /// moved now, so the rate and the time left stay true after a resume.
    pub fn recovered(&self, sha256: Sha256Digest, offset: u64) {
        self.with(|s| {
            let before: u64 = s.files.iter().map(|f| f.confirmed).sum();
            let after = s.raise(sha256, offset);
            for (_, bytes) in &mut s.samples {
                *bytes += after - before;
            }
        });
        self.emit();
    }

    /// One upload starts (`true`) or stops (`false`) waiting to retry.
    pub fn waiting(&self, waiting: bool) {
        let changed = self.with(|s| {
            if waiting {
                s.waiting += 1;
            } else {
                s.waiting = s.waiting.saturating_sub(1);
            }
            let phase = match (s.phase, s.waiting) {
                (SendPhase::Uploading, n) if n > 0 => SendPhase::WaitingForNetwork,
                (SendPhase::WaitingForNetwork, 0) => SendPhase::Uploading,
                (p, _) => p,
            };
            let changed = phase != s.phase;
            s.phase = phase;
            changed
        });
        if changed {
            self.emit();
        }
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> SendProgress {
        self.with(|s| {
            let total: u64 = s.files.iter().map(|f| f.size).sum();
            let confirmed: u64 = s.files.iter().map(|f| f.confirmed).sum();
            let rate = match (s.samples.front(), s.samples.back()) {
                (Some((t0, b0)), Some((t1, b1))) if t1.duration_since(*t0) >= TICK => {
                    Some((b1 - b0) as f64 / t1.duration_since(*t0).as_secs_f64())
                }
                _ => None,
            }
            .filter(|r| *r > 0.0 && s.phase != SendPhase::WaitingForNetwork);
            SendProgress {
                dossier: s.dossier,
                phase: s.phase,
                files: s.files.clone(),
                confirmed,
                total,
                rate,
                eta_secs: rate.map(|r| ((total - confirmed) as f64 / r).ceil() as u64),
            }
        })
    }

    fn emit(&self) {
        if let Some(sink) = &self.sink {
            (sink.0)(self.snapshot());
        }
    }

    /// Reports twice a second until the returned guard is dropped.
    pub fn ticking(&self) -> Ticking {
        let me = self.clone();
        Ticking(tokio::spawn(async move {
            loop {
                tokio::time::sleep(TICK).await;
                me.emit();
            }
        }))
    }
}

/// Stops the periodic reports when dropped.
#[derive(Debug)]
pub struct Ticking(tokio::task::JoinHandle<()>);

impl Drop for Ticking {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(n: u8, size: u64) -> FileProgress {
        FileProgress {
            sha256: Sha256Digest::of(&[n]),
            name: format!("tep-{n}.pdf"),
            size,
            confirmed: 0,
        }
    }

    #[tokio::test]
    async fn snapshots_add_up_report_waiting_and_estimate_time_left() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = {
            let seen = seen.clone();
            ProgressSink::new(move |p| seen.lock().expect("lock").push(p))
        };
        let (a, b) = (file(1, 1000), file(2, 3000));
        let tracker = Tracker::new(7, vec![a.clone(), b.clone()], Some(sink));
        tracker.confirmed(a.sha256, 400);
        tracker.confirmed(a.sha256, 300); // an older report never goes back
        let p = tracker.snapshot();
        assert_eq!((p.confirmed, p.total, p.files_done()), (400, 4000, 0));
        assert_eq!(p.rate, None, "no rate from one moment");

        tracker.waiting(true);
        assert_eq!(tracker.snapshot().phase, SendPhase::WaitingForNetwork);
        tracker.waiting(false);
        assert_eq!(tracker.snapshot().phase, SendPhase::Uploading);

        tokio::time::sleep(Duration::from_millis(600)).await;
        tracker.confirmed(a.sha256, 1000);
        tracker.confirmed(b.sha256, 1000);
        let p = tracker.snapshot();
        assert_eq!((p.confirmed, p.files_done()), (2000, 1));
        let rate = p.rate.expect("rate");
        // 1,600 bytes in about 0.6 s.
        assert!((1000.0..3000.0).contains(&rate), "{rate}");
        let eta = p.eta_secs.expect("eta");
        assert_eq!(eta, (2000.0 / rate).ceil() as u64);

        let reports = seen.lock().expect("lock");
        assert!(reports.len() >= 6, "{}", reports.len());
        assert!(
            reports.windows(2).all(|w| w[0].confirmed <= w[1].confirmed),
            "progress never goes back"
        );
    }

    #[tokio::test]
    async fn bytes_found_on_the_server_after_a_restart_do_not_count_as_speed() {
        let a = file(1, 10_000_000);
        let tracker = Tracker::new(1, vec![a.clone()], None);
        tracker.confirmed(a.sha256, 0);
        tokio::time::sleep(Duration::from_millis(600)).await;
        // HEAD after a restart: 6 MB were sent by the earlier run.
        tracker.recovered(a.sha256, 6_000_000);
        tracker.confirmed(a.sha256, 6_001_000);
        let p = tracker.snapshot();
        assert_eq!(p.confirmed, 6_001_000);
        let rate = p.rate.expect("rate");
        // 1,000 bytes moved in about 0.6 s, not 6 MB.
        assert!(rate < 3_000.0, "{rate}");
    }
}
