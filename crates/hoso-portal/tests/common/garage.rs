//! The S3-compatible store of one test binary: a single-node Garage in a
//! temporary folder (`hoso_cluster::Alone`, the same start as a cluster's:
//! replication factor 1, SQLite metadata, free loopback ports, a layout
//! and a key made with Garage's own CLI), and a new bucket for each
//! portal, so that no test sees another's objects. It is started the first
//! time a test asks for a bucket and stopped, its folder removed, when the
//! test binary exits however it ends. `cargo xtask setup` installs Garage
//! 2.5.0; `$GARAGE` names another binary.

use hoso_cluster::{Alone, Garage};
use hoso_portal::config::S3Settings;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The Garage of this test binary, started on first use; its key may
/// create buckets.
pub fn server() -> &'static Alone<Garage> {
    static SERVER: OnceLock<Alone<Garage>> = OnceLock::new();
    SERVER.get_or_init(|| {
        let g = Alone::garage().unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "Garage started in {:.2} s ({})",
            g.started_in.as_secs_f64(),
            g.folder.display()
        );
        g
    })
}

/// A new, empty bucket of this binary's Garage, and a key allowed to read
/// and write it: what a portal's `[storage] s3` names.
pub async fn new_bucket() -> S3Settings {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let s3 = server().server.s3();
    let settings = S3Settings {
        endpoint: s3.endpoint.clone(),
        bucket: format!("portal-{}", NEXT.fetch_add(1, Ordering::Relaxed)),
        region: s3.region.clone(),
        access_key_id: s3.access_key_id.clone(),
        secret_access_key: s3.secret_access_key.clone(),
    };
    let client = hoso_portal::storage::s3::client(&settings);
    // Right after the layout is applied the node may not take requests
    // yet; a creation that did go through answers that it is ours.
    let began = Instant::now();
    loop {
        let created = client.create_bucket().bucket(&settings.bucket).send().await;
        let ready = match created {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_bucket_already_owned_by_you()) =>
            {
                Ok(())
            }
            Err(e) => Err(aws_sdk_s3::error::DisplayErrorContext(e).to_string()),
        };
        match ready {
            Ok(()) => return settings,
            Err(e) => assert!(
                began.elapsed() < Duration::from_secs(30),
                "Garage made no bucket {}: {e}",
                settings.bucket
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `[storage]` of a settings file that names the bucket of `s3`.
pub fn settings_toml(s3: &S3Settings) -> String {
    hoso_cluster::S3 {
        endpoint: s3.endpoint.clone(),
        bucket: s3.bucket.clone(),
        region: s3.region.clone(),
        access_key_id: s3.access_key_id.clone(),
        secret_access_key: s3.secret_access_key.clone(),
    }
    .settings_toml()
}
