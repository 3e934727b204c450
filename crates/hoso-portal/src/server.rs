//! Connections: accepting them within limits, and timing out every phase
//! of every request, so that slow, silent or numerous clients cost the
//! portal a bounded amount and never its descriptors.
//!
//! - At most `max_connections` open at once, and `max_per_address` from
//!   one address (an IPv6 /64; trusted proxies are not counted per
//!   address). Beyond, the connection is answered `503` with
//!   `Retry-After` and closed, before hyper sees it.
//! - A connection waiting for its next request is closed after
//!   `keep_alive_idle`; one whose request headers have not all arrived
//!   `header_read_timeout` after their first byte is closed.
//! - A response the client reads nothing of for `idle_body_timeout` is cut.
//! - Bodies bound their own waits: an upload's by `idle_body_timeout`
//!   ([`crate::intake`]), any other by `request_body_timeout` as a whole
//!   ([`whole_body`]).

use crate::config::ConnectionLimits;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// Open connections at most when neither the settings nor the open-file
/// limit say less.
const MAX_CONNECTIONS: usize = 10_000;
/// Descriptors kept for the database, the key, logs and files being read.
const RESERVED_FDS: u64 = 64;
/// How long a refused connection is told to wait.
const BUSY_RETRY_AFTER_SECS: u64 = 5;

/// Raises the soft limit on open files to the hard one (where the system
/// allows) and returns it; `None` where it cannot be read.
pub fn raise_fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        if limit.current < limit.maximum {
            limit.current = limit.maximum;
            let _ = setrlimit(Resource::Nofile, limit);
        }
        getrlimit(Resource::Nofile).current
    }
    #[cfg(not(unix))]
    None
}

/// The connection cap: the configured one, or half the open-file limit.
pub fn connection_cap(limits: &ConnectionLimits) -> usize {
    if let Some(n) = limits.max_connections {
        return n;
    }
    #[cfg(unix)]
    let fds = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    #[cfg(not(unix))]
    let fds: Option<u64> = None;
    fds.map_or(MAX_CONNECTIONS, |n| {
        (n.saturating_sub(RESERVED_FDS) / 2).clamp(16, MAX_CONNECTIONS as u64) as usize
    })
}

/// The address connections are counted under: IPv4 as is, IPv6 by its /64
/// (one subscriber's network).
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// Counts open connections in all and per address.
#[derive(Debug)]
struct Gate {
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
    max: usize,
    per_address: usize,
    trusted: Vec<IpAddr>,
}

/// One admitted connection; counted until dropped.
#[derive(Debug)]
struct Admitted {
    gate: Arc<Gate>,
    key: Option<IpAddr>,
}

impl Gate {
    fn admit(gate: &Arc<Gate>, ip: IpAddr) -> Option<Admitted> {
        let key = (!gate.trusted.contains(&ip)).then(|| address_key(ip));
        let mut open = gate.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.0 >= gate.max {
            return None;
        }
        if let Some(k) = key {
            let n = open.1.entry(k).or_insert(0);
            if *n >= gate.per_address {
                return None;
            }
            *n += 1;
        }
        open.0 += 1;
        Some(Admitted {
            gate: gate.clone(),
            key,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.gate.open.lock().unwrap_or_else(|p| p.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(k) = self.key
            && let Some(n) = open.1.get_mut(&k)
        {
            *n -= 1;
            if *n == 0 {
                open.1.remove(&k);
            }
        }
    }
}

/// The answer of a connection over the caps, written on the socket.
fn busy_response() -> Vec<u8> {
    let body = serde_json::json!({
        "type": "urn:hoso:problem:portal_busy",
        "title": "The portal has too many connections open; try again shortly.",
        "status": 503,
        "code": "portal_busy",
        "message": {
            "vi": "Cổng đang có quá nhiều kết nối; hãy thử lại sau ít giây. Những gì đã tải lên vẫn được giữ.",
            "en": "The portal has too many connections open; try again in a few seconds. What was uploaded is kept."
        }
    })
    .to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {BUSY_RETRY_AFTER_SECS}\r\nContent-Type: application/problem+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The peer of the connection a request came on.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// The address a request comes from: the peer, or, when the peer is a
/// trusted proxy, the last address its `X-Forwarded-For` adds.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The address as limits count it (an IPv6 /64), as text.
    pub fn key(&self) -> String {
        address_key(self.0).to_string()
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<Peer>()
            .map(|p| p.0.ip())
            .ok_or_else(|| ApiError::internal("request without its peer address"))?;
        if !state.config.connections.trusted_proxies.contains(&peer) {
            return Ok(Self(peer));
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back();
        Ok(Self(forwarded.unwrap_or(peer)))
    }
}

/// What the watchdog of one connection knows of it.
#[derive(Debug)]
struct Times {
    /// Last byte read or written.
    last_io: Instant,
    /// A request's handler is running.
    handling: bool,
    /// A response is being sent (its handler returned).
    responding: bool,
    /// Since when the connection waits for a request.
    idle_since: Instant,
    /// The first byte of a request whose headers are still coming.
    first_byte: Option<Instant>,
}

/// Shared by the connection's I/O, its requests and its watchdog.
#[derive(Debug)]
struct Activity {
    times: Mutex<Times>,
    wake: tokio::sync::Notify,
}

/// Why a watchdog closed a connection.
#[derive(Debug, Clone, Copy)]
enum Expired {
    Headers,
    KeepAlive,
    Response,
}

impl Activity {
    fn new() -> Arc<Self> {
        let now = Instant::now();
        Arc::new(Self {
            times: Mutex::new(Times {
                last_io: now,
                handling: false,
                responding: false,
                idle_since: now,
                first_byte: None,
            }),
            wake: tokio::sync::Notify::new(),
        })
    }

    fn times(&self) -> std::sync::MutexGuard<'_, Times> {
        self.times.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) {
        let mut t = self.times();
        let now = Instant::now();
        t.last_io = now;
        if !t.handling && !t.responding && t.first_byte.is_none() {
            t.first_byte = Some(now);
            drop(t);
            self.wake.notify_one();
        }
    }

    fn wrote(&self) {
        self.times().last_io = Instant::now();
    }

    fn request_started(self: &Arc<Self>) -> RequestGuard {
        let mut t = self.times();
        t.handling = true;
        t.first_byte = None;
        drop(t);
        self.wake.notify_one();
        RequestGuard(self.clone())
    }

    fn handler_returned(&self) {
        let mut t = self.times();
        t.handling = false;
        t.responding = true;
        t.last_io = Instant::now();
        drop(t);
        self.wake.notify_one();
    }

    /// When the connection is to be closed, and why; `None` while a handler
    /// runs (it bounds its own waits).
    fn deadline(
        &self,
        limits: &ConnectionLimits,
        send_idle: Duration,
    ) -> Option<(Instant, Expired)> {
        let t = self.times();
        if t.handling {
            None
        } else if t.responding {
            Some((t.last_io + send_idle, Expired::Response))
        } else if let Some(first) = t.first_byte {
            Some((first + limits.header_read_timeout, Expired::Headers))
        } else {
            Some((t.idle_since + limits.keep_alive_idle, Expired::KeepAlive))
        }
    }

    /// Returns when the connection has outlived one of its deadlines.
    async fn watch(&self, limits: &ConnectionLimits, send_idle: Duration) -> Expired {
        loop {
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            match self.deadline(limits, send_idle) {
                Some((at, why)) if at <= Instant::now() => return why,
                Some((at, _)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = woken => {}
                    }
                }
                None => woken.await,
            }
        }
    }
}

/// Held by a request from its headers to the end of its response.
#[derive(Debug)]
struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let mut t = self.0.times();
        t.handling = false;
        t.responding = false;
        t.idle_since = Instant::now();
        t.first_byte = None;
        drop(t);
        self.0.wake.notify_one();
    }
}

/// A response body that releases its request when sent (or dropped).
struct Tracked {
    inner: Body,
    _guard: RequestGuard,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A socket that tells its connection's [`Activity`] when bytes move.
struct Watched {
    io: tokio::net::TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut me.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            me.activity.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let me = self.get_mut();
        let polled = Pin::new(&mut me.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            me.activity.wrote();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let me = self.get_mut();
        let polled = Pin::new(&mut me.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            me.activity.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Largest read buffer of one connection. hyper grows it up to ~400 KiB
/// while a body streams in; with a thousand uploads at once that alone
/// came to 250 MiB.
const CONNECTION_BUFFER: usize = 16 * 1024;

/// Accepts connections until `stop` fires, then lets those under way
/// finish within the configured grace.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    state: AppState,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let limits = state.config.connections.clone();
    let send_idle = state.config.idle_body_timeout;
    let gate = Arc::new(Gate {
        open: Mutex::new((0, HashMap::new())),
        max: connection_cap(&limits),
        per_address: limits.max_per_address,
        trusted: limits.trusted_proxies.clone(),
    });
    tracing::info!(
        max = gate.max,
        per_address = gate.per_address,
        "connection limits"
    );
    let limits = Arc::new(limits);
    // Refusals hold a descriptor for up to 0.75 s: at most half as many as
    // connections, and no more than 256.
    let refusing = Arc::new(Refusing {
        now: std::sync::atomic::AtomicUsize::new(0),
        max: (gate.max / 2).clamp(1, 256),
    });
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, typically: wait, not spin.
                    tracing::warn!(%e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let Some(admitted) = Gate::admit(&gate, peer.ip()) else {
            tokio::spawn(refuse(stream, refusing.clone()));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let activity = Activity::new();
        let io = Watched {
            io: stream,
            activity: activity.clone(),
        };
        let service = {
            let (app, activity) = (app.clone(), activity.clone());
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                let (app, activity) = (app.clone(), activity.clone());
                async move {
                    let guard = activity.request_started();
                    request.extensions_mut().insert(Peer(peer));
                    let response = tower::ServiceExt::oneshot(app, request.map(Body::new)).await;
                    activity.handler_returned();
                    response.map(|r| {
                        r.map(|inner| Tracked {
                            inner,
                            _guard: guard,
                        })
                    })
                }
            })
        };
        let mut http1 = hyper::server::conn::http1::Builder::new();
        http1.max_buf_size(CONNECTION_BUFFER);
        let connection =
            graceful.watch(http1.serve_connection(hyper_util::rt::TokioIo::new(io), service));
        let limits = limits.clone();
        tokio::spawn(async move {
            let _admitted = admitted;
            tokio::select! {
                ended = connection => if let Err(e) = ended {
                    tracing::debug!(%e, "connection ended with an error");
                },
                why = activity.watch(&limits, send_idle) => {
                    tracing::debug!(?why, %peer, "connection timed out");
                }
            }
        });
    }
    drop(listener);
    let grace = state.config.shutdown_grace;
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            "requests still under way when the grace ended were cut; what they made durable is kept"
        );
    }
}

/// Answers a connection over the caps with 503 and closes it: after the
/// request's head (or a quarter of a second), so that a client reads it as
/// the answer to its request, then reading what else comes for a moment,
/// so that the answer is not lost to a reset. While `refusing` is at its
/// limit (a flood), the connection is closed at once instead: refusals
/// must not spend the descriptors the cap keeps.
async fn refuse(mut stream: tokio::net::TcpStream, refusing: Arc<Refusing>) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if refusing.now.fetch_add(1, Ordering::Relaxed) >= refusing.max {
        refusing.now.fetch_sub(1, Ordering::Relaxed);
        return;
    }
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_millis(250), async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < CONNECTION_BUFFER {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let answer = busy_response();
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        stream.write_all(&answer).await?;
        stream.shutdown().await?;
        while let Ok(read) =
            tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buf)).await
        {
            if read? == 0 {
                break;
            }
        }
        std::io::Result::Ok(())
    })
    .await;
    refusing.now.fetch_sub(1, Ordering::Relaxed);
}

/// Connections being refused with an answer, and at most how many.
#[derive(Debug)]
struct Refusing {
    now: std::sync::atomic::AtomicUsize,
    max: usize,
}

/// Reads the whole body of a request that is not an upload within
/// `request_body_timeout` and at most [`crate::routes::JSON_BODY_LIMIT`]
/// bytes, before the handler runs: a stalled or endless body is refused
/// (408, 413) instead of holding the request open.
pub async fn whole_body(
    State(state): State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let limited = http_body_util::Limited::new(body, crate::routes::JSON_BODY_LIMIT);
    let collected = tokio::time::timeout(
        state.config.connections.request_body_timeout,
        http_body_util::BodyExt::collect(limited),
    )
    .await;
    match collected {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes.to_bytes())))
                .await
        }
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "Nội dung yêu cầu vượt quá {} byte.",
                crate::routes::JSON_BODY_LIMIT
            ),
            format!(
                "The request body is over {} bytes.",
                crate::routes::JSON_BODY_LIMIT
            ),
        )
        .into_response(),
        Ok(Err(_)) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "body_broken",
            "Nội dung yêu cầu bị ngắt giữa chừng; hãy gửi lại.",
            "The request body broke off; send it again.",
        )
        .into_response(),
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!(
                "Nội dung yêu cầu không đến đủ trong {} giây; hãy gửi lại.",
                state.config.connections.request_body_timeout.as_secs()
            ),
            format!(
                "The request body did not arrive within {} seconds; send it again.",
                state.config.connections.request_body_timeout.as_secs()
            ),
        )
        .with_header("connection", axum::http::HeaderValue::from_static("close"))
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_network_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().expect("ip");
        assert_eq!(
            address_key(mapped),
            "10.0.0.7".parse::<IpAddr>().expect("ip")
        );
    }

    #[test]
    fn the_gate_counts_per_address_and_in_all_and_frees_on_drop() {
        let gate = Arc::new(Gate {
            open: Mutex::new((0, HashMap::new())),
            max: 3,
            per_address: 2,
            trusted: vec!["10.0.0.9".parse().expect("ip")],
        });
        let one: IpAddr = "10.0.0.1".parse().expect("ip");
        let a = Gate::admit(&gate, one).expect("first");
        let _b = Gate::admit(&gate, one).expect("second");
        assert!(Gate::admit(&gate, one).is_none(), "third from one address");
        let proxy: IpAddr = "10.0.0.9".parse().expect("ip");
        let _c = Gate::admit(&gate, proxy).expect("a trusted proxy is not counted per address");
        assert!(Gate::admit(&gate, proxy).is_none(), "but counts in all");
        drop(a);
        assert!(Gate::admit(&gate, one).is_some(), "freed on drop");
    }

    #[test]
    fn a_refused_connection_reads_as_503_with_retry_after_and_a_problem() {
        let text = String::from_utf8(busy_response()).expect("utf-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
        assert!(head.contains("Retry-After: 5"), "{head}");
        assert!(
            head.contains(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
        let problem: hoso_core::wire::ProblemDetails = serde_json::from_str(body).expect("problem");
        assert_eq!(problem.code, "portal_busy");
        assert!(problem.message.vi.contains("quá nhiều kết nối"));
    }
}
