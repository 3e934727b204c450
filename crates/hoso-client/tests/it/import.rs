//! Bad files meet a clear refusal and leave the library as it was: a wrong
//! type, a file over its slot's limit, an unreadable file, a full disk.

use hoso_client::{Client, ClientError};
use hoso_core::Bilingual;
use hoso_core::procedure::AttachmentSlot;
use std::path::Path;
use std::process::Command;

fn slot(max_size_bytes: u64) -> AttachmentSlot {
    serde_json::from_value(serde_json::json!({
        "id": "contract",
        "label": {"vi": "Hợp đồng mua bán", "en": "Sales contract"},
        "accept": ["pdf", "jpg"],
        "max_size_bytes": max_size_bytes,
        "max_count": 5
    }))
    .expect("slot")
}

/// Every library entry and leftover temporary file of the profile.
fn library_contents(profile: &Path) -> (usize, usize) {
    let lib = profile.join(hoso_client::LIBRARY_DIR);
    let tmp = std::fs::read_dir(lib.join("tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    let stored = std::fs::read_dir(&lib)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name() != "tmp" && e.path().is_dir())
                .map(|e| std::fs::read_dir(e.path()).map(|f| f.count()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0);
    (stored, tmp)
}

fn said(e: &ClientError) -> Bilingual {
    e.message()
}

#[tokio::test]
async fn a_wrong_type_or_an_oversized_file_is_refused_before_copying() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let client = Client::open(&profile).await.expect("profile");

    let exe = dir.path().join("hợp đồng.exe");
    std::fs::write(&exe, b"MZ").expect("write");
    let err = client
        .import_for_slot(&exe, &slot(1024 * 1024))
        .await
        .expect_err("exe accepted");
    assert!(matches!(err, ClientError::Refused(_)), "{err}");
    assert!(
        said(&err).vi.contains("chỉ nhận pdf, jpg"),
        "{}",
        said(&err).vi
    );

    let big = dir.path().join("hợp đồng.pdf");
    std::fs::write(&big, vec![0u8; 2 * 1024 * 1024]).expect("write");
    let err = client
        .import_for_slot(&big, &slot(1024 * 1024))
        .await
        .expect_err("oversized accepted");
    assert!(
        said(&err).vi.contains("nặng 2,0 MB") && said(&err).vi.contains("tối đa 1,0 MB"),
        "{}",
        said(&err).vi
    );
    assert_eq!(library_contents(&profile), (0, 0), "nothing was copied");

    let entry = client
        .import_for_slot(&big, &slot(4 * 1024 * 1024))
        .await
        .expect("fits a larger slot");
    assert_eq!(entry.size, 2 * 1024 * 1024);
    assert_eq!(library_contents(&profile), (1, 0));
}

#[tokio::test]
async fn an_unreadable_file_is_refused_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let client = Client::open(&profile).await.expect("profile");

    // A name that points nowhere.
    let gone = dir.path().join("đã xóa.pdf");
    std::os::unix::fs::symlink(dir.path().join("missing"), &gone).expect("symlink");
    let err = client
        .import_for_slot(&gone, &slot(1024))
        .await
        .expect_err("dangling accepted");
    assert!(matches!(err, ClientError::File { .. }), "{err}");
    assert!(said(&err).vi.contains("đã xóa.pdf"), "{}", said(&err).vi);

    // A file that opens but fails while being read (even for root).
    let broken = dir.path().join("hỏng.pdf");
    std::os::unix::fs::symlink("/proc/self/mem", &broken).expect("symlink");
    let err = client
        .import_attachment(&broken)
        .await
        .expect_err("unreadable accepted");
    assert!(matches!(err, ClientError::File { .. }), "{err}");
    assert!(
        said(&err).en.contains("Could not read"),
        "{}",
        said(&err).en
    );
    assert_eq!(library_contents(&profile), (0, 0), "no half-imported file");
}

/// A 2 MiB tmpfs mounted over the profile's library, unmounted on drop.
struct TinyDisk(std::path::PathBuf);

impl TinyDisk {
    fn mount(at: &Path) -> Self {
        std::fs::create_dir_all(at).expect("mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "this test mounts a 2 MiB tmpfs to fill a disk: it needs root (or CAP_SYS_ADMIN)"
        );
        Self(at.to_owned())
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[tokio::test]
async fn a_full_disk_is_reported_and_leaves_the_library_consistent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let _disk = TinyDisk::mount(&profile.join(hoso_client::LIBRARY_DIR));
    let client = Client::open(&profile).await.expect("profile");

    let small = dir.path().join("nhỏ.pdf");
    std::fs::write(&small, vec![1u8; 100_000]).expect("write");
    let kept = client.import_attachment(&small).await.expect("fits");

    let large = dir.path().join("bản quét lớn.pdf");
    std::fs::write(&large, vec![2u8; 3 * 1024 * 1024]).expect("write");
    let err = client
        .import_for_slot(&large, &slot(10 * 1024 * 1024))
        .await
        .expect_err("a full disk accepted the file");
    assert!(matches!(err, ClientError::DiskFull(_)), "{err}");
    assert!(said(&err).vi.contains("Ổ đĩa đã đầy"), "{}", said(&err).vi);
    assert_eq!(library_contents(&profile), (1, 0), "the half copy is gone");

    // What was there before is intact and still indexed.
    let again = client.import_attachment(&small).await.expect("re-import");
    assert_eq!(again.sha256, kept.sha256);
    let stored = std::fs::read(
        profile
            .join(hoso_client::LIBRARY_DIR)
            .join(&kept.sha256.to_hex()[..2])
            .join(kept.sha256.to_hex()),
    )
    .expect("stored file");
    assert_eq!(stored, vec![1u8; 100_000]);
}
