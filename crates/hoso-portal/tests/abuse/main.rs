//! The portal under load and abuse, as people run it (the binary, its
//! settings file): concurrency beyond its thread pool, slow and silent
//! clients, half-sent requests, too many connections, quotas, PIN
//! guessing, restarts and links that cut or damage bodies. Each test reproduces a way the portal used to
//! freeze, lock people out or lose track, and shows it no longer does.
//!
//! The tests run one at a time: each loads the machine on purpose.

mod blocks;
#[path = "../common/mod.rs"]
mod common;
mod connections;
mod limits;
mod served;
mod threads;

/// Held by each test while it runs, so that two never load the machine
/// at once.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SERIAL.lock().await
}

/// A body of `pieces` pieces of `piece` bytes, one every `every`, then
/// the end; or, with `hang`, no end: the connection stays open and silent.
pub fn trickle(
    data: std::sync::Arc<Vec<u8>>,
    piece: usize,
    every: std::time::Duration,
    hang: bool,
) -> reqwest::Body {
    let pieces = futures_util::stream::unfold(0usize, move |at| {
        let data = data.clone();
        async move {
            if at >= data.len() {
                return None;
            }
            tokio::time::sleep(every).await;
            let end = (at + piece).min(data.len());
            Some((Ok::<_, std::io::Error>(data[at..end].to_vec()), end))
        }
    });
    if hang {
        reqwest::Body::wrap_stream(futures_util::StreamExt::chain(
            pieces,
            futures_util::stream::pending(),
        ))
    } else {
        reqwest::Body::wrap_stream(pieces)
    }
}

/// `Upload-Offset` of a HEAD answer.
pub fn offset_of(res: &reqwest::Response) -> u64 {
    res.headers()["upload-offset"]
        .to_str()
        .expect("offset")
        .parse()
        .expect("number")
}

/// HEAD of an upload.
pub async fn head(http: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    http.head(url)
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("HEAD answered")
}
