//! Packages written and read back, and every kind of hostile archive
//! refused with its own error.

use super::samples::{CERT, INVOICE, hostile, package};
use super::*;
use std::io::Cursor;

/// Opens and reads every document, as an import would.
fn import(bytes: Vec<u8>) -> Result<Manifest, PackageError> {
    let mut p = Package::open(Cursor::new(bytes))?;
    p.verify_all()?;
    Ok(p.manifest().clone())
}

#[test]
fn a_package_reads_back_as_written() {
    let bytes = package(&[("chung-nhan.pdf", CERT), ("hoa-don.pdf", INVOICE)]);
    let mut p = Package::open(Cursor::new(bytes)).expect("opens");
    assert_eq!(p.manifest().title, "Lô hàng thép");
    assert_eq!(p.manifest().documents().len(), 2);
    let mut out = Vec::new();
    p.copy_document(&Sha256Digest::of(CERT), &mut out)
        .expect("copied");
    assert_eq!(out, CERT);
    p.verify_all().expect("every document verifies");
}

#[test]
fn hostile_archives_are_each_refused_with_their_own_error() {
    let all = hostile();
    assert!(all.len() >= 20, "{} kinds", all.len());
    for h in all {
        let err = import(h.bytes).expect_err(h.what);
        assert!((h.expect)(&err), "{}: got {err}", h.what);
        let told = err.message();
        assert!(told.vi.ends_with("Chưa có gì được nhập."), "{}", told.vi);
        println!("{:<45} → {}", h.what, told.en);
    }
}

#[test]
fn a_newer_package_is_named_as_such() {
    let mut m = samples::manifest(&[("chung-nhan.pdf", CERT)]);
    m.version = VERSION + 1;
    let cert = format!("{DOCUMENTS}{}", Sha256Digest::of(CERT).to_hex());
    let json = serde_json::to_vec(&m).expect("json");
    let err = import(samples::raw(&[
        (MANIFEST, &json, true),
        (&cert, CERT, false),
    ]))
    .expect_err("newer");
    assert!(matches!(err, PackageError::Newer(2)), "{err}");
    assert!(err.message().vi.contains("mới hơn"), "{}", err.message().vi);
}
