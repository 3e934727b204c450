//! PATCHes back to back over one connection, for servers that offer HoSo's
//! block checksums (HoSo's portal).
//!
//! reqwest sends one request per connection at a time, so between one
//! chunk's last byte and the next chunk's first the link idles a round
//! trip; chunks must then be large, and when a connection breaks,
//! everything of the chunk still in this side's socket, in the network and
//! in the server's unread buffers is sent again (megabytes on a fast
//! link). Here small PATCHes are written one after another without waiting
//! for their answers (HTTP/1.1 pipelining: a server answers them in order,
//! RFC 9112 §9.3.2), never more than a window of bytes ahead of what the
//! server confirmed (`hoso_tus::pacing::Window`: twice the bandwidth-delay
//! product, 256 KiB at least). The link does not idle between PATCHes, and
//! a reset costs at most the window. Each PATCH carries its block
//! checksums, so every byte the server keeps was checked against this
//! side's digest.
//!
//! Plain `http` and `https` (rustls with the same web PKI roots as
//! reqwest's) are spoken here; behind a proxy set in the environment the
//! engine keeps to reqwest, which knows proxies.

use super::{Failure, Upload, failure_of, offset_of};
use crate::error::ClientError;
use hoso_tus::blocks::{self, BlockChecksums};
use hoso_tus::checksum::ChecksumAlgorithm;
use hoso_tus::headers as h;
use hoso_tus::pacing::{Failure as Cause, Window};
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::collections::VecDeque;
use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::watch;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest answer head read, and longest error body.
const MOST_HEAD: usize = 64 * 1024;
/// How often the confirmed offset is written to the local store while
/// PATCHes flow (the server's HEAD is what a resume trusts; the store's
/// copy is for progress after a restart).
const RECORD_EVERY: Duration = Duration::from_secs(1);

/// Whether uploads to `url` can go this way: `http` or `https`, and no
/// proxy in the environment.
pub(super) fn usable(url: &str) -> bool {
    let proxied = [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    !proxied && speaks(url)
}

/// Whether `url`'s scheme is one spoken here.
fn speaks(url: &str) -> bool {
    Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A PATCH written and not yet answered.
#[derive(Debug)]
struct Sent {
    /// The offset its answer must confirm.
    end: u64,
    /// When its last byte was handed to the connection.
    done: Option<Instant>,
}

fn broken(what: impl std::fmt::Display) -> Failure {
    Failure::Retry(ClientError::Network(what.to_string()), Cause::Broken, None)
}

impl Upload<'_> {
    /// Sends the file from `offset` to its end as pipelined PATCHes.
    pub(super) async fn send_pipelined(
        &self,
        url: &str,
        offset: u64,
        window: &mut Window,
        confirmed: &mut Option<(u64, Instant)>,
    ) -> Result<(), Failure> {
        let parsed = Url::parse(url).map_err(|e| {
            Failure::Fatal(ClientError::Protocol(format!("upload URL {url:?}: {e}")))
        })?;
        let io = connect(&parsed).await?;
        let (read, write) = tokio::io::split(io);
        let shared = Mutex::new(window.clone());
        let queue = Mutex::new(VecDeque::<Sent>::new());
        let (told, hear) = watch::channel(offset);
        let result = tokio::try_join!(
            self.write_patches(&parsed, offset, write, &shared, &queue, hear),
            self.read_answers(offset, read, &shared, &queue, told, confirmed),
        );
        *window = shared.into_inner().unwrap_or_else(|p| p.into_inner());
        result.map(|_| ())
    }

    /// Writes PATCH after PATCH, keeping within the window.
    async fn write_patches(
        &self,
        url: &Url,
        from: u64,
        mut out: impl AsyncWrite + Unpin,
        window: &Mutex<Window>,
        queue: &Mutex<VecDeque<Sent>>,
        mut confirmed: watch::Receiver<u64>,
    ) -> Result<(), Failure> {
        let size = self.entry.size;
        let head = RequestHead::new(url, self.target.token);
        let mut at = from;
        let mut file = std::fs::File::open(&self.file)
            .map_err(|e| Failure::Fatal(ClientError::file(&self.file, e)))?;
        while at < size {
            let (limit, len) = {
                let w = window.lock().unwrap_or_else(|p| p.into_inner());
                (w.bytes(), w.piece(size - at))
            };
            // Room for this PATCH: what is unconfirmed stays within the window.
            if confirmed
                .wait_for(|c| at.saturating_sub(*c) + len <= limit.max(len))
                .await
                .is_err()
            {
                // The reader is gone: its failure is the one reported.
                return Ok(());
            }
            let (chunk, sums, back) = read_piece(file, self.file.clone(), at, len).await?;
            file = back;
            queue
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push_back(Sent {
                    end: at + len,
                    done: None,
                });
            out.write_all(head.patch(at, len, &sums).as_bytes())
                .await
                .map_err(broken)?;
            for piece in chunk.chunks(super::super::settings::PIECE) {
                self.meter.throttle(piece.len()).await;
                out.write_all(piece).await.map_err(broken)?;
                self.meter.moved(piece.len());
            }
            out.flush().await.map_err(broken)?;
            if let Some(sent) = queue
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter_mut()
                .rev()
                .find(|s| s.end == at + len)
            {
                sent.done = Some(Instant::now());
            }
            at += len;
        }
        Ok(())
    }

    /// Reads the answers in order until the whole file is confirmed.
    async fn read_answers(
        &self,
        from: u64,
        input: impl AsyncRead + Unpin,
        window: &Mutex<Window>,
        queue: &Mutex<VecDeque<Sent>>,
        told: watch::Sender<u64>,
        confirmed: &mut Option<(u64, Instant)>,
    ) -> Result<(), Failure> {
        let size = self.entry.size;
        let mut input = BufReader::with_capacity(16 * 1024, input);
        let started = Instant::now();
        let (mut now_at, mut recorded, mut answers) = (from, Instant::now(), 0u32);
        while now_at < size {
            let (status, headers) = read_head(&mut input).await?;
            let body = read_body(&mut input, &headers).await?;
            let sent = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
            if !status.is_success() {
                let text = String::from_utf8_lossy(&body);
                return Err(failure_of(status, &headers, &text, "PATCH"));
            }
            let Some(sent) = sent else {
                return Err(broken("the server answered a PATCH that was not sent"));
            };
            let offset = offset_of(&headers).map_err(|e| Failure::Retry(e, Cause::Broken, None))?;
            if offset != sent.end {
                return Err(Failure::Retry(
                    ClientError::Protocol(format!(
                        "server confirmed offset {offset} after a PATCH up to {}",
                        sent.end
                    )),
                    Cause::Broken,
                    None,
                ));
            }
            self.meter.touch();
            answers += 1;
            {
                let mut w = window.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(done) = sent.done {
                    w.observe_round_trip(done.elapsed());
                }
                if answers >= 4 {
                    w.observe_rate((offset - from) as f64 / started.elapsed().as_secs_f64());
                }
            }
            now_at = offset;
            let _ = told.send(now_at);
            *confirmed = Some((now_at, Instant::now()));
            self.report_confirmed(now_at);
            if now_at == size || recorded.elapsed() >= RECORD_EVERY {
                self.record(now_at).await.map_err(Failure::Fatal)?;
                recorded = Instant::now();
            }
            let closing = headers
                .get(reqwest::header::CONNECTION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("close"));
            if closing && now_at < size {
                return Err(broken("the server closed the connection"));
            }
        }
        Ok(())
    }
}

/// The parts of a PATCH's head that stay the same.
struct RequestHead {
    fixed: String,
}

impl RequestHead {
    fn new(url: &Url, token: Option<&str>) -> Self {
        let mut target = url.path().to_owned();
        if let Some(q) = url.query() {
            target.push('?');
            target.push_str(q);
        }
        let host = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        Self {
            fixed: format!(
                "PATCH {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: HoSo/{}\r\n{}: {}\r\n{auth}Content-Type: {}\r\n",
                env!("CARGO_PKG_VERSION"),
                h::TUS_RESUMABLE,
                h::VERSION,
                h::OFFSET_OCTET_STREAM,
            ),
        }
    }

    fn patch(&self, offset: u64, len: u64, sums: &BlockChecksums) -> String {
        format!(
            "{}{}: {offset}\r\nContent-Length: {len}\r\n{}: {}\r\n\r\n",
            self.fixed,
            h::UPLOAD_OFFSET,
            blocks::HEADER,
            sums.to_header()
        )
    }
}

/// Reads `len` bytes at `offset` and their block digests, off the runtime;
/// hands the file back for the next piece.
async fn read_piece(
    mut file: std::fs::File,
    path: std::path::PathBuf,
    offset: u64,
    len: u64,
) -> Result<(Vec<u8>, BlockChecksums, std::fs::File), Failure> {
    tokio::task::spawn_blocking(move || {
        let fail = |e| Failure::Fatal(ClientError::file(&path, e));
        file.seek(SeekFrom::Start(offset)).map_err(fail)?;
        let mut chunk = vec![0u8; usize::try_from(len).unwrap_or(0)];
        file.read_exact(&mut chunk).map_err(fail)?;
        let sums = BlockChecksums::of(ChecksumAlgorithm::Sha256, blocks::BLOCK, &chunk);
        Ok((chunk, sums, file))
    })
    .await
    .map_err(|e| Failure::Fatal(ClientError::Protocol(format!("read task failed: {e}"))))?
}

/// Opens a connection to `url`'s host: plain, or TLS for `https`.
async fn connect(url: &Url) -> Result<Box<dyn Io>, Failure> {
    let refused = |what: String| Failure::Retry(ClientError::Network(what), Cause::Refused, None);
    let port = url
        .port_or_known_default()
        .ok_or_else(|| refused(format!("no port for {url}")))?;
    // An IPv6 literal comes bracketed.
    let host = url
        .host_str()
        .ok_or_else(|| refused(format!("no host in {url}")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let tcp = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    .map_err(|_| refused(format!("connecting to {host}:{port} timed out")))?
    .map_err(|e| refused(format!("connecting to {host}:{port}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    if url.scheme() != "https" {
        return Ok(Box::new(tcp));
    }
    let name = rustls_name(&host)?;
    let tls = tokio_rustls::TlsConnector::from(tls_config()?)
        .connect(name, tcp)
        .await
        .map_err(|e| broken(format!("TLS with {host}: {e}")))?;
    Ok(Box::new(tls))
}

fn rustls_name(
    host: &str,
) -> Result<tokio_rustls::rustls::pki_types::ServerName<'static>, Failure> {
    tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| Failure::Fatal(ClientError::Protocol(format!("host name {host:?}: {e}"))))
}

/// TLS as reqwest speaks it here: rustls with ring and the web PKI roots.
fn tls_config() -> Result<Arc<tokio_rustls::rustls::ClientConfig>, Failure> {
    use tokio_rustls::rustls;
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(Arc::new(config))
        })
        .clone()
        .map_err(|e| Failure::Fatal(ClientError::Protocol(format!("TLS set-up: {e}"))))
}

/// Reads one final answer's status line and headers (skipping interim
/// 1xx answers).
async fn read_head(
    input: &mut (impl AsyncBufReadExt + Unpin),
) -> Result<(reqwest::StatusCode, HeaderMap), Failure> {
    loop {
        let mut raw = Vec::new();
        loop {
            let before = raw.len();
            let n = input.read_until(b'\n', &mut raw).await.map_err(broken)?;
            if n == 0 {
                return Err(broken("the connection closed before the answer"));
            }
            if raw.len() > MOST_HEAD {
                return Err(broken("answer head too long"));
            }
            let line = &raw[before..];
            if line == b"\r\n" || line == b"\n" {
                break;
            }
        }
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut slots);
        match parsed.parse(&raw) {
            Ok(httparse::Status::Complete(_)) => {}
            _ => return Err(broken("unreadable answer head")),
        }
        let status = parsed
            .code
            .and_then(|c| reqwest::StatusCode::from_u16(c).ok())
            .ok_or_else(|| broken("answer without a status"))?;
        if status.is_informational() {
            continue;
        }
        let mut headers = HeaderMap::new();
        for header in parsed.headers.iter() {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(header.name.as_bytes()),
                HeaderValue::from_bytes(header.value),
            ) {
                headers.append(name, value);
            }
        }
        return Ok((status, headers));
    }
}

/// Reads an answer's body (`Content-Length` only: a PATCH's answers carry
/// none or a short problem report).
async fn read_body(
    input: &mut (impl AsyncRead + Unpin),
    headers: &HeaderMap,
) -> Result<Vec<u8>, Failure> {
    if headers.contains_key(reqwest::header::TRANSFER_ENCODING) {
        return Err(broken("a chunked answer to a PATCH"));
    }
    let len = headers
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .map_or(Ok(0), |v| v.trim().parse::<usize>())
        .map_err(|_| broken("unreadable Content-Length"))?;
    if len > MOST_HEAD {
        return Err(broken("answer body too long"));
    }
    let mut body = vec![0u8; len];
    input.read_exact(&mut body).await.map_err(broken)?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answer_heads_are_read_in_order_past_interim_ones() {
        let wire: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nUpload-Offset: 65536\r\nTus-Resumable: 1.0.0\r\n\r\nHTTP/1.1 460 Checksum Mismatch\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 204 No Content\r\n";
        let mut input = BufReader::new(wire);
        let (status, headers) = read_head(&mut input).await.ok().expect("first");
        assert_eq!(status.as_u16(), 204);
        assert_eq!(headers[h::UPLOAD_OFFSET], "65536");
        assert!(
            read_body(&mut input, &headers)
                .await
                .ok()
                .expect("empty")
                .is_empty()
        );
        let (status, headers) = read_head(&mut input).await.ok().expect("second");
        assert_eq!(status.as_u16(), 460);
        assert_eq!(
            read_body(&mut input, &headers).await.ok().expect("body"),
            b"hello"
        );
        // The third is cut before its end: a broken connection.
        assert!(matches!(
            read_head(&mut input).await,
            Err(Failure::Retry(_, Cause::Broken, None))
        ));
    }

    #[test]
    fn a_patch_head_names_the_host_offset_length_and_blocks() {
        let url = Url::parse("http://127.0.0.1:8080/v1/uploads/abc?x=1").expect("url");
        let sums = BlockChecksums::of(ChecksumAlgorithm::Sha256, blocks::BLOCK, b"data");
        let head = RequestHead::new(&url, Some("tok")).patch(10, 4, &sums);
        assert!(head.starts_with("PATCH /v1/uploads/abc?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
        for line in [
            "Authorization: Bearer tok\r\n",
            "Tus-Resumable: 1.0.0\r\n",
            "Upload-Offset: 10\r\n",
            "Content-Length: 4\r\n",
            "Content-Type: application/offset+octet-stream\r\n",
        ] {
            assert!(head.contains(line), "{line:?} in {head:?}");
        }
        assert!(head.contains(&format!("{}: {}\r\n\r\n", blocks::HEADER, sums.to_header())));
        assert!(speaks("https://cong.example.vn/v1/uploads/1"));
        assert!(speaks("http://[::1]:8080/v1/uploads/1"));
        assert!(!speaks("ftp://cong.example.vn/x"));
    }
}
