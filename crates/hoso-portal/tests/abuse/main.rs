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

/// `Upload-Offset` of a HEAD answer.
pub fn offset_of(res: &reqwest::Response) -> u64 {
    res.headers()["upload-offset"]
        .to_str()
        .expect("offset")
        .parse()
        .expect("number")
}
