//! A fault-injecting TCP proxy for tests and benchmarks.
//!
//! It forwards bytes between a client and an upstream server and, on a
//! schedule keyed to the number of bytes the client has sent through it
//! (all connections together), resets both sides, stops forwarding without
//! closing (a silent stall), flips a byte, answers a request itself with
//! `503` and `Retry-After`, or refuses everything for a while (an outage).
//! The kernel here has no netem, so this is how HoSo's upload engine meets a
//! bad link in tests.

pub mod netns;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What happens when the client's byte count reaches an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Reset both sides.
    Reset,
    /// Stop forwarding for this long, keeping both sides open, then reset.
    Stall(Duration),
    /// Invert the byte at the offset.
    Flip,
}

/// What the proxy has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes forwarded from clients to the server.
    pub upstream_bytes: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Connections reset on schedule or by an outage.
    pub resets: u64,
    /// Stalls begun.
    pub stalls: u64,
    /// Bytes flipped.
    pub flips: u64,
    /// Requests answered with 503 by the proxy itself.
    pub refusals_503: u64,
}

#[derive(Debug, Default)]
struct Schedule {
    /// (offset, action), fired once each, in any order.
    once: Vec<(u64, Action)>,
    /// Reset whenever the count crosses a multiple of this.
    reset_every: Option<u64>,
    /// Connections still to answer with 503 and this Retry-After.
    answer_503: Option<(u32, u64)>,
    /// Until when every connection is refused.
    outage_until: Option<Instant>,
    stats: Stats,
}

#[derive(Debug)]
struct Shared {
    upstream: Mutex<SocketAddr>,
    sent: AtomicU64,
    schedule: Mutex<Schedule>,
    /// Bumped when an outage begins: connections under way end.
    cut: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    fn schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.shared.cut.send_modify(|g| *g += 1);
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (cut, _) = tokio::sync::watch::channel(0);
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            sent: AtomicU64::new(0),
            schedule: Mutex::new(Schedule::default()),
            cut,
        });
        let accept = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(connection(client, accept.clone()));
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// Forwards new connections to `upstream` from now on: for a server
    /// that must know the proxy's address before it starts (to hand out
    /// URLs through it).
    pub fn retarget(&self, upstream: SocketAddr) {
        *self
            .shared
            .upstream
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = upstream;
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` with the proxy's address.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Rewrites `url`'s host and port to the proxy's (for URLs a server
    /// handed out with its own address).
    pub fn through(&self, url: &str, upstream_url: &str) -> String {
        url.replacen(upstream_url.trim_end_matches('/'), &self.http_url(), 1)
    }

    /// Bytes clients have sent through the proxy so far.
    pub fn sent(&self) -> u64 {
        self.shared.sent.load(Ordering::SeqCst)
    }

    /// Resets the connection carrying byte `offset` (counted over all
    /// connections from now on, see [`FaultProxy::sent`]).
    pub fn reset_at(&self, offset: u64) {
        self.shared.schedule().once.push((offset, Action::Reset));
    }

    /// Resets whichever connection carries every `bytes`-th byte.
    pub fn reset_every(&self, bytes: u64) {
        self.shared.schedule().reset_every = Some(bytes.max(1));
    }

    /// At byte `offset`, stops forwarding in both directions for `hold`
    /// without closing anything, then resets: a hung connection.
    pub fn stall_at(&self, offset: u64, hold: Duration) {
        self.shared
            .schedule()
            .once
            .push((offset, Action::Stall(hold)));
    }

    /// Inverts the byte at `offset` on its way to the server.
    pub fn flip_at(&self, offset: u64) {
        self.shared.schedule().once.push((offset, Action::Flip));
    }

    /// The next `count` connections get `503 Service Unavailable` with
    /// `Retry-After: retry_after_secs` from the proxy, not the server.
    pub fn answer_503(&self, count: u32, retry_after_secs: u64) {
        self.shared.schedule().answer_503 = Some((count, retry_after_secs));
    }

    /// From now for `length`: connections under way are cut and new ones
    /// closed at once, as when the link is down.
    pub fn outage(&self, length: Duration) {
        self.shared.schedule().outage_until = Some(Instant::now() + length);
        self.shared.cut.send_modify(|g| *g += 1);
    }

    /// What happened so far.
    pub fn stats(&self) -> Stats {
        let mut stats = self.shared.schedule().stats;
        stats.upstream_bytes = self.sent();
        stats
    }
}

const SERVICE_UNAVAILABLE: &str =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\n";

async fn connection(mut client: TcpStream, shared: Arc<Shared>) {
    let refuse = {
        let mut s = shared.schedule();
        s.stats.connections += 1;
        let down = s.outage_until.is_some_and(|t| Instant::now() < t);
        let busy = match s.answer_503 {
            Some((n, secs)) if n > 0 => {
                s.answer_503 = Some((n - 1, secs));
                s.stats.refusals_503 += 1;
                Some(secs)
            }
            _ => None,
        };
        (down, busy)
    };
    match refuse {
        (true, _) => {
            let _ = client.set_zero_linger();
            return;
        }
        (false, Some(secs)) => {
            // Read the request's head so the client is not cut mid-send
            // before it can read the answer, then answer and close.
            let mut buf = [0u8; 4096];
            let _ = tokio::time::timeout(Duration::from_secs(2), client.read(&mut buf)).await;
            let body = "busy";
            let answer = format!(
                "{SERVICE_UNAVAILABLE}Retry-After: {secs}\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = client.write_all(answer.as_bytes()).await;
            let _ = client.shutdown().await;
            return;
        }
        (false, None) => {}
    }
    let upstream = *shared.upstream.lock().unwrap_or_else(|p| p.into_inner());
    let Ok(server) = TcpStream::connect(upstream).await else {
        let _ = client.set_zero_linger();
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let mut cut = shared.cut.subscribe();
    let mut server = server;
    let ending = {
        let (mut client_read, mut client_write) = client.split();
        let (mut server_read, mut server_write) = server.split();
        let up = async {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = match client_read.read(&mut buf).await {
                    Ok(0) | Err(_) => {
                        // The client finished sending; the answer may
                        // still come back.
                        let _ = server_write.shutdown().await;
                        return Ending::Closed;
                    }
                    Ok(n) => n,
                };
                let start = shared.sent.load(Ordering::SeqCst);
                let (pass, action) = fire(&shared, start, &mut buf[..n]);
                shared.sent.fetch_add(pass as u64, Ordering::SeqCst);
                if server_write.write_all(&buf[..pass]).await.is_err() {
                    return Ending::Closed;
                }
                match action {
                    None | Some(Action::Flip) => {}
                    Some(Action::Reset) => return Ending::Reset,
                    Some(Action::Stall(hold)) => {
                        tokio::time::sleep(hold).await;
                        return Ending::Reset;
                    }
                }
            }
        };
        let down = async {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match server_read.read(&mut buf).await {
                    Ok(0) | Err(_) => return Ending::Closed,
                    Ok(n) => {
                        if client_write.write_all(&buf[..n]).await.is_err() {
                            return Ending::Closed;
                        }
                    }
                }
            }
        };
        tokio::pin!(up, down);
        let mut sending = true;
        loop {
            tokio::select! {
                e = &mut up, if sending => match e {
                    Ending::Closed => sending = false,
                    Ending::Reset => break Ending::Reset,
                },
                e = &mut down => break e,
                _ = cut.changed() => break Ending::Reset,
            }
        }
    };
    match ending {
        Ending::Reset => {
            shared.schedule().stats.resets += 1;
            // Linger zero: closing sends RST, as a broken link does.
            let _ = client.set_zero_linger();
            let _ = server.set_zero_linger();
        }
        Ending::Closed => {
            // One side closed: pass the close on, keep what is in flight.
            let _ = client.shutdown().await;
            let _ = server.shutdown().await;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Closed,
    Reset,
}

/// Applies the faults due in `[start, start + buf.len())`: flips bytes in
/// place, and for a reset or stall returns how many bytes pass before it.
fn fire(shared: &Shared, start: u64, buf: &mut [u8]) -> (usize, Option<Action>) {
    let end = start + buf.len() as u64;
    let mut s = shared.schedule();
    let mut flips = 0;
    s.once.retain(|&(at, action)| {
        if action == Action::Flip && (start..end).contains(&at) {
            buf[(at - start) as usize] ^= 0xFF;
            flips += 1;
            false
        } else {
            true
        }
    });
    s.stats.flips += flips;
    // The earliest reset or stall in range.
    let mut due: Option<(u64, Action)> = s
        .once
        .iter()
        .copied()
        .filter(|&(at, a)| a != Action::Flip && (start..end).contains(&at))
        .min_by_key(|&(at, _)| at);
    if let Some(every) = s.reset_every {
        let next = (start / every + 1) * every;
        if next < end && due.is_none_or(|(at, _)| next < at) {
            due = Some((next, Action::Reset));
        }
    }
    let Some((at, action)) = due else {
        return (buf.len(), None);
    };
    s.once.retain(|&(o, a)| !(o == at && a == action));
    if matches!(action, Action::Stall(_)) {
        s.stats.stalls += 1;
    }
    // The byte at `at` does not pass: the connection dies just before it.
    (usize::try_from(at - start).unwrap_or(0), Some(action))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    async fn send_and_read(proxy: &FaultProxy, data: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut s = TcpStream::connect(proxy.addr()).await?;
        s.write_all(data).await?;
        s.shutdown().await?;
        let mut back = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut back))
            .await
            .map_err(|_| std::io::Error::other("timed out"))??;
        Ok(back)
    }

    #[tokio::test]
    async fn forwards_untouched_without_faults_and_flips_exactly_the_scheduled_byte() {
        let proxy = FaultProxy::start(echo_server().await).await.expect("proxy");
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(send_and_read(&proxy, &data).await.expect("echo"), data);
        let base = proxy.sent();
        assert_eq!(base, data.len() as u64);
        proxy.flip_at(base + 1234);
        let back = send_and_read(&proxy, &data).await.expect("echo");
        let differing: Vec<usize> = (0..data.len()).filter(|&i| back[i] != data[i]).collect();
        assert_eq!(differing, vec![1234]);
        assert_eq!(proxy.stats().flips, 1);
    }

    #[tokio::test]
    async fn a_reset_cuts_the_connection_before_the_scheduled_byte() {
        let proxy = FaultProxy::start(echo_server().await).await.expect("proxy");
        proxy.reset_at(10_000);
        let data = vec![7u8; 50_000];
        let back = send_and_read(&proxy, &data).await.unwrap_or_default();
        assert!(back.len() <= 10_000, "{} bytes came back", back.len());
        assert_eq!(proxy.stats().resets, 1);
        // The next connection is clean.
        assert_eq!(send_and_read(&proxy, &data).await.expect("echo"), data);
    }

    #[tokio::test]
    async fn refusals_answer_503_with_retry_after_and_outages_refuse_all() {
        let proxy = FaultProxy::start(echo_server().await).await.expect("proxy");
        proxy.answer_503(1, 3);
        let back = send_and_read(&proxy, b"GET / HTTP/1.1\r\n\r\n")
            .await
            .expect("answer");
        let text = String::from_utf8_lossy(&back);
        assert!(text.starts_with("HTTP/1.1 503"), "{text}");
        assert!(text.contains("Retry-After: 3"), "{text}");
        proxy.outage(Duration::from_millis(300));
        assert!(
            send_and_read(&proxy, b"x")
                .await
                .unwrap_or_default()
                .is_empty()
        );
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(send_and_read(&proxy, b"x").await.expect("echo"), b"x");
    }

    #[tokio::test]
    async fn a_stall_holds_the_connection_open_and_silent() {
        let proxy = FaultProxy::start(echo_server().await).await.expect("proxy");
        proxy.stall_at(100, Duration::from_secs(30));
        let mut s = TcpStream::connect(proxy.addr()).await.expect("connect");
        s.write_all(&[1u8; 1000]).await.expect("write");
        let mut buf = [0u8; 1000];
        let mut got = 0;
        // The first 100 bytes come back; then nothing, and no close.
        let deadline = Instant::now() + Duration::from_millis(800);
        while Instant::now() < deadline {
            match tokio::time::timeout(Duration::from_millis(100), s.read(&mut buf)).await {
                Ok(Ok(0)) => panic!("closed during a stall"),
                Ok(Ok(n)) => got += n,
                Ok(Err(e)) => panic!("error during a stall: {e}"),
                Err(_) => {}
            }
        }
        assert_eq!(got, 100);
        assert_eq!(proxy.stats().stalls, 1);
    }
}
