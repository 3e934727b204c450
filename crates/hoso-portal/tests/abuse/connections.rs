//! Connections: every phase of a request has a time limit, and the number
//! of connections a limit, so that half-sent requests, idle keep-alives
//! and stalled bodies cost a bounded amount and never every descriptor.
//! (Before: nothing timed out but a tus PATCH body; 1,100 half-sent
//! requests against a portal with 1,024 open files made every new
//! request time out.)

use crate::common::dual;
use crate::one_at_a_time;
use crate::served::{Served, client_from, connect_from};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the portal closes the connection (or `limit` passes); how
/// long that took and what it sent.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(
            limit.saturating_sub(started.elapsed()),
            stream.read(&mut buf),
        )
        .await
        {
            Ok(Ok(0)) | Ok(Err(_)) => return (started.elapsed(), got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "the connection was still open after {limit:?}; it sent {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
}

/// Reads one whole response (headers and a `Content-Length` body).
async fn one_response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("an answer within 10 s")
            .expect("read");
        assert!(
            n > 0,
            "closed before answering: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().expect("length"))
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
    }
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn half_sent_headers_idle_connections_and_stalled_bodies_are_cut_on_time(backend: Backend) {
    let _one = one_at_a_time().await;
    let portal = Served::start(backend,
        "[timeouts]\nheader_read_secs = 2\nkeep_alive_idle_secs = 3\nrequest_body_secs = 2\n",
        None,
    ).await;
    let token = portal.applicant("cham-chap");
    let from = "127.0.0.4";

    // Headers that never end: cut two seconds after their first byte.
    let mut half = connect_from(&portal.base, from).await.expect("connect");
    half.write_all(b"GET /.well-known/hoso HTTP/1.1\r\nHost: cong\r\n")
        .await
        .expect("write");
    let (took, sent) = until_closed(&mut half, Duration::from_secs(10)).await;
    assert!(
        took >= Duration::from_millis(1900),
        "cut early, after {took:?}"
    );
    assert!(sent.is_empty(), "nothing is answered to half a request");
    println!("half-sent headers cut after {took:?}");

    // Headers trickled a byte at a time (slowloris): cut the same.
    let mut slow = connect_from(&portal.base, from).await.expect("connect");
    let started = Instant::now();
    let trickler = tokio::spawn(async move {
        for b in b"GET /.well-known/hoso HTTP/1.1\r\nHost: cong\r\nX-Cham: " {
            if slow.write_all(&[*b]).await.is_err() {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        for _ in 0..100 {
            if slow.write_all(b"a").await.is_err() {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("a trickled header was never cut");
    });
    let took = trickler.await.expect("trickler");
    assert!(took < Duration::from_secs(8), "cut after {took:?}");

    // An idle keep-alive connection: answered, then closed after three
    // seconds without a next request.
    let mut idle = connect_from(&portal.base, from).await.expect("connect");
    idle.write_all(b"GET /.well-known/hoso HTTP/1.1\r\nHost: cong\r\n\r\n")
        .await
        .expect("write");
    assert!(one_response(&mut idle).await.starts_with("HTTP/1.1 200"));
    let (took, _) = until_closed(&mut idle, Duration::from_secs(10)).await;
    assert!(
        took >= Duration::from_millis(2900),
        "closed early, after {took:?}"
    );
    // And a connection on which nothing is ever sent.
    let mut mute = connect_from(&portal.base, from).await.expect("connect");
    let (took, _) = until_closed(&mut mute, Duration::from_secs(10)).await;
    assert!(
        took >= Duration::from_millis(2900),
        "closed early, after {took:?}"
    );

    // A JSON body that stalls: 408 with a problem, after two seconds.
    let mut stalled = connect_from(&portal.base, from).await.expect("connect");
    let head = format!(
        "POST /v1/dossiers/check HTTP/1.1\r\nHost: cong\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"dossier\":"
    );
    stalled.write_all(head.as_bytes()).await.expect("write");
    let started = Instant::now();
    let answer = one_response(&mut stalled).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    assert!(started.elapsed() >= Duration::from_millis(1900));

    // Meanwhile and after, a whole request is answered at once.
    let res = client_from(from)
        .get(format!("{}/.well-known/hoso", portal.base))
        .send()
        .await
        .expect("discovery");
    assert_eq!(res.status(), StatusCode::OK);
}
}

/// Opens `count` connections from `from`, each sending half a request.
async fn half_requests(base: &str, from: &str, count: usize) -> Vec<TcpStream> {
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        let mut s = connect_from(base, from).await.expect("connect");
        let _ = s
            .write_all(b"GET /v1/procedures HTTP/1.1\r\nHost: cong\r\n")
            .await;
        held.push(s);
    }
    held
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn eleven_hundred_half_sent_requests_under_1024_open_files_leave_people_served(backend: Backend) {
    let _one = one_at_a_time().await;
    let portal = Served::start(backend, "[timeouts]\nheader_read_secs = 6\n", Some(1024)).await;
    let token = portal.applicant("nguoi-that");
    // A new connection each time, as a new visitor would open.
    let ask = || {
        client_from("127.0.0.1")
            .get(format!("{}/v1/dossiers?since=0", portal.base))
            .bearer_auth(&token)
            .timeout(Duration::from_secs(2))
            .send()
    };

    // 1,100 from one address: 256 are held, the rest are answered 503
    // with Retry-After and closed (beyond 240 refusals at once, closed
    // without an answer); a person elsewhere is served.
    let mut one = half_requests(&portal.base, "127.0.0.5", 1100).await;
    let mut answered = 0;
    for refused in one.iter_mut().skip(256) {
        let (_, sent) = until_closed(refused, Duration::from_secs(3)).await;
        let sent = String::from_utf8_lossy(&sent);
        if !sent.is_empty() {
            assert!(sent.starts_with("HTTP/1.1 503"), "{sent}");
            assert!(sent.contains("Retry-After: 5"), "{sent}");
            assert!(sent.contains("portal_busy"), "{sent}");
            answered += 1;
        }
    }
    println!("{answered} of 844 refused connections read a 503 before closing");
    assert!(answered > 0);
    let res = ask().await.expect("served beside 1,100 half-sent requests");
    assert_eq!(res.status(), StatusCode::OK);

    // 1,100 more from eleven addresses: the portal's own cap (half of its
    // 1,024 descriptors) is reached, and a new request is told to come
    // back (503, Retry-After) instead of waiting for nothing.
    let mut many = Vec::new();
    for i in 0..11 {
        many.extend(half_requests(&portal.base, &format!("127.0.1.{}", i + 1), 100).await);
    }
    // The refusals of the flood end a moment after it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    match ask().await {
        Ok(res) => {
            assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert!(res.headers().contains_key("retry-after"));
        }
        Err(e) => panic!("a new request went unanswered at the cap: {e:?}"),
    }
    println!("at the cap, refused in {:?}", started.elapsed());

    // The header timeout cuts every half-sent request; people are served.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let res = ask()
        .await
        .expect("served once the half-sent requests are cut");
    assert_eq!(res.status(), StatusCode::OK);
    drop((one, many));
}
}
