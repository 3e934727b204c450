//! Real packet loss: 5 % of the TCP packets on a loopback of its own (a
//! network namespace with an nftables rule; netem is missing here) while a
//! dossier with several megabytes of documents is uploaded and filed. The
//! kernel's TCP retransmits what is lost; the upload must still finish,
//! once, with every stored file's sha256 right.
//!
//! The test (root) sets up the namespace and runs `child`, the same test
//! binary, inside it; the child runs the portal and the client there.

use crate::World;
use hoso_faults::netns::{Namespace, is_root};
use hoso_portal::inspect::Inspector;
use std::process::Stdio;
use std::time::Instant;

/// Share of TCP packets dropped, in percent.
const LOSS_PERCENT: u32 = 5;
/// The certificate's size.
const CERTIFICATE: usize = 12 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "the part of the packet-loss test that runs inside its namespace"]
async fn child() {
    let w = World::new().await;
    let file = w.file("chung-nhan-mat-goi.pdf", CERTIFICATE);
    let content = w.dossier(&file).await;
    let start = Instant::now();
    let done = w
        .client
        .submit(&w.record, content.clone())
        .await
        .expect("filed over the lossy link");
    let took = start.elapsed();
    let stored = Inspector::open(&w.portal_dir())
        .expect("portal data")
        .dossiers()
        .expect("dossiers");
    assert_eq!(stored.len(), 1, "one dossier");
    assert_eq!(stored[0].code, done.receipt.dossier_code.as_str());
    assert_eq!(stored[0].documents.len(), content.documents.len());
    for doc in &stored[0].documents {
        let bytes = std::fs::read(&doc.path).expect("stored file");
        assert_eq!(
            hoso_core::Sha256Digest::of(&bytes).to_hex(),
            doc.sha256,
            "{}",
            doc.name
        );
    }
    let bytes: u64 = content.documents.iter().map(|d| d.size).sum();
    println!(
        "LOSS-RESULT {} documents, {bytes} bytes filed in {:.2} s",
        content.documents.len(),
        took.as_secs_f64()
    );
}

#[test]
fn a_dossier_is_filed_whole_and_once_through_five_percent_packet_loss() {
    assert!(
        is_root(),
        "this test needs root for ip netns and nft (cargo xtask test runs as root)"
    );
    let ns = Namespace::create("hoso-loss").unwrap_or_else(|e| panic!("namespace: {e}"));
    ns.lose(LOSS_PERCENT).unwrap_or_else(|e| {
        panic!("nftables loss rule (cargo xtask setup installs nftables): {e}")
    });
    let exe = std::env::current_exe().expect("test binary");
    let out = ns
        .command(&exe)
        .args([
            "loss::child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = stdout
        .lines()
        .find_map(|l| l.split_once("LOSS-RESULT ").map(|(_, r)| r))
        .unwrap_or_else(|| panic!("no result line in:\n{stdout}"));
    let dropped = ns.dropped().unwrap_or_else(|e| panic!("{e}"));
    println!("{LOSS_PERCENT} % TCP packet loss: {result}; {dropped} packets dropped");
    assert!(
        dropped > 100,
        "the link really lost packets ({dropped} dropped)"
    );
}
