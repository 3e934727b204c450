//! Packages for tests and fuzzing: a good one, and one hostile archive of
//! every kind an import must refuse, each with the error it must get.
//! Built only for tests and with the `samples` feature.

use crate::{DOCUMENTS, MANIFEST, MAX_DOCUMENTS, Manifest, PackageError, VERSION, write};
use hoso_core::{AttachedDocument, Sha256Digest};
use std::io::{Cursor, Write};

/// The certificate's bytes in the sample packages.
pub const CERT: &[u8] = b"%PDF-1.7 giay chung nhan chat luong";
/// Another document's bytes.
pub const INVOICE: &[u8] = b"%PDF-1.7 hoa don thuong mai";

/// A hostile archive and the refusal it must meet.
#[derive(Debug)]
pub struct Hostile {
    /// What it tries.
    pub what: &'static str,
    /// The archive.
    pub bytes: Vec<u8>,
    /// Whether an error is the expected one.
    pub expect: fn(&PackageError) -> bool,
}

fn doc(name: &str, bytes: &[u8]) -> AttachedDocument {
    AttachedDocument {
        slot: "quality_certificate".into(),
        name: name.into(),
        size: bytes.len() as u64,
        sha256: Sha256Digest::of(bytes),
    }
}

/// The sample quality-inspection dossier with `docs` as its documents.
pub fn manifest(docs: &[(&str, &[u8])]) -> Manifest {
    let mut content = hoso_core::samples::quality_inspection();
    content.documents = docs.iter().map(|(n, b)| doc(n, b)).collect();
    Manifest::new("Lô hàng thép".into(), content)
}

/// A well-formed package of `docs`.
pub fn package(docs: &[(&str, &[u8])]) -> Vec<u8> {
    let m = manifest(docs);
    let all: Vec<(Sha256Digest, Vec<u8>)> = docs
        .iter()
        .map(|(_, b)| (Sha256Digest::of(b), b.to_vec()))
        .collect();
    write(Cursor::new(Vec::new()), &m, |sha| {
        let bytes = all
            .iter()
            .find(|(s, _)| s == sha)
            .map(|(_, b)| b.clone())
            .unwrap_or_default();
        Ok(Cursor::new(bytes))
    })
    .unwrap_or_else(|e| panic!("sample package: {e}"))
    .into_inner()
}

/// An archive with exactly `entries` (name, bytes, deflated), written
/// without any of the package writer's care.
pub fn raw(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes, deflate) in entries {
        let method = if *deflate {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(*name, options)
            .unwrap_or_else(|e| panic!("entry {name}: {e}"));
        zip.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
    }
    zip.finish()
        .unwrap_or_else(|e| panic!("sample archive: {e}"))
        .into_inner()
}

/// Replaces every occurrence of `from` by `to` (same length) in `bytes`.
pub fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + to.len()].copy_from_slice(to);
            i += from.len();
        } else {
            i += 1;
        }
    }
}

/// Sets the "encrypted" flag of every entry (local and central headers).
fn mark_encrypted(bytes: &mut [u8]) {
    for i in 0..bytes.len().saturating_sub(10) {
        if bytes[i..i + 4] == [0x50, 0x4b, 0x03, 0x04] {
            bytes[i + 6] |= 1;
        }
        if bytes[i..i + 4] == [0x50, 0x4b, 0x01, 0x02] {
            bytes[i + 8] |= 1;
        }
    }
}

fn json(m: &Manifest) -> Vec<u8> {
    serde_json::to_vec(m).unwrap_or_else(|e| panic!("{e}"))
}

/// Every hostile archive, with the refusal each must meet.
pub fn hostile() -> Vec<Hostile> {
    use PackageError as E;
    let good = manifest(&[("chung-nhan.pdf", CERT)]);
    let good_json = json(&good);
    let cert = format!("{DOCUMENTS}{}", Sha256Digest::of(CERT).to_hex());
    let invoice = format!("{DOCUMENTS}{}", Sha256Digest::of(INVOICE).to_hex());
    let with = |extra: (&str, &[u8], bool)| {
        raw(&[(MANIFEST, &good_json, true), (&cert, CERT, false), extra])
    };
    let mut out = Vec::new();
    let mut add = |what, bytes, expect| {
        out.push(Hostile {
            what,
            bytes,
            expect,
        })
    };

    for (what, name) in [
        ("zip slip", "../../etc/cron.d/hoso"),
        ("zip slip through the documents folder", "documents/../../x"),
        ("absolute path", "/etc/passwd"),
        ("drive letter", "C:/Windows/evil.dll"),
        ("backslashes", "documents\\..\\x"),
        ("dot segment", "./manifest.json"),
    ] {
        add(what, with((name, b"x", false)), |e| {
            matches!(e, E::PathEscape(_))
        });
    }
    // What reaches Windows: drive letters, UNC shares, `..\`.
    for (what, name) in [
        (
            "drive letter with backslashes",
            "C:\\Windows\\System32\\evil.dll",
        ),
        ("drive-relative path", "c:evil.dll"),
        ("UNC share", "\\\\server\\share\\evil.dll"),
        ("UNC share with slashes", "//server/share/evil.dll"),
        ("device namespace", "\\\\.\\PhysicalDrive0"),
        ("dot-dot backslash", "..\\..\\AppData\\Roaming\\evil.dll"),
        (
            "dot-dot backslash after the folder",
            "documents/..\\..\\evil.dll",
        ),
    ] {
        add(what, with((name, b"x", false)), |e| {
            matches!(e, E::PathEscape(_))
        });
    }
    // Names Windows reads as a device or a stream, or aliases.
    let cert_stream = format!("{cert}:Zone.Identifier");
    let names: [(&'static str, String); 8] = [
        ("reserved device name", "CON".into()),
        ("reserved device name in the folder", "documents/NUL".into()),
        (
            "reserved device name with an extension",
            "documents/aux.pdf".into(),
        ),
        ("reserved port name", "documents/COM1".into()),
        (
            "alternate data stream of the manifest",
            "manifest.json:evil".into(),
        ),
        ("alternate data stream of a document", cert_stream),
        (
            "trailing dot aliasing the manifest",
            "manifest.json.".into(),
        ),
        (
            "trailing space aliasing the manifest",
            "manifest.json ".into(),
        ),
    ];
    for (what, name) in names {
        add(what, with((&name, b"x", false)), |e| {
            matches!(e, E::WindowsName(_))
        });
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    zip.start_file(MANIFEST, o)
        .unwrap_or_else(|e| panic!("{e}"));
    zip.write_all(&good_json).unwrap_or_else(|e| panic!("{e}"));
    zip.add_symlink(cert.clone(), "/etc/shadow", o)
        .unwrap_or_else(|e| panic!("{e}"));
    let link = zip.finish().unwrap_or_else(|e| panic!("{e}")).into_inner();
    add("symbolic link", link, |e| matches!(e, E::Symlink(_)));
    add("stray entry", with(("notes.txt", b"x", false)), |e| {
        matches!(e, E::Unexpected(_))
    });
    add(
        "document the manifest does not list",
        with((&invoice, INVOICE, false)),
        |e| matches!(e, E::Unexpected(_)),
    );
    let mut dup = with((&invoice, INVOICE, false));
    patch(
        &mut dup,
        Sha256Digest::of(INVOICE).to_hex().as_bytes(),
        Sha256Digest::of(CERT).to_hex().as_bytes(),
    );
    add("duplicate names", dup, |e| matches!(e, E::Duplicate(_)));
    let mut enc = raw(&[(MANIFEST, &good_json, true), (&cert, CERT, false)]);
    mark_encrypted(&mut enc);
    add("encrypted entries", enc, |e| matches!(e, E::Encrypted(_)));
    let names: Vec<String> = (0..MAX_DOCUMENTS + 3).map(|i| format!("f{i}")).collect();
    let many: Vec<(&str, &[u8], bool)> = names
        .iter()
        .map(|n| (n.as_str(), &b""[..], false))
        .collect();
    add("entry count far beyond any manifest", raw(&many), |e| {
        matches!(e, E::TooManyEntries(_))
    });
    let mut lying = good.clone();
    lying.content.documents[0].size = 3;
    add(
        "document larger than declared",
        raw(&[(MANIFEST, &json(&lying), true), (&cert, CERT, false)]),
        |e| matches!(e, E::TooLarge { .. }),
    );
    let zeros = vec![0u8; 16 * 1024 * 1024];
    let bomb = manifest(&[("bom.pdf", &zeros)]);
    let bomb_entry = format!("{DOCUMENTS}{}", Sha256Digest::of(&zeros).to_hex());
    add(
        "decompression bomb (16 MiB in a few KiB)",
        raw(&[(MANIFEST, &json(&bomb), true), (&bomb_entry, &zeros, true)]),
        |e| matches!(e, E::Bomb { .. }),
    );
    let mut swapped = good.clone();
    swapped.content.documents[0].size = INVOICE.len() as u64;
    add(
        "bytes that do not hash to their name",
        raw(&[(MANIFEST, &json(&swapped), true), (&cert, INVOICE, false)]),
        |e| matches!(e, E::Mismatch(_)),
    );
    add(
        "listed document missing",
        raw(&[(MANIFEST, &good_json, true)]),
        |e| matches!(e, E::Missing(_)),
    );
    let mut newer = good.clone();
    newer.version = VERSION + 1;
    add(
        "newer package version",
        raw(&[(MANIFEST, &json(&newer), true), (&cert, CERT, false)]),
        |e| matches!(e, E::Newer(_)),
    );
    let mut other = good.clone();
    other.format = "zip-of-photos".into();
    add(
        "another format",
        raw(&[(MANIFEST, &json(&other), true), (&cert, CERT, false)]),
        |e| matches!(e, E::NotAPackage(_)),
    );
    add(
        "manifest without a dossier",
        raw(&[(MANIFEST, br#"{"format":"hoso-package","version":1}"#, true)]),
        |e| matches!(e, E::Malformed(_)),
    );
    add(
        "zip without a manifest",
        raw(&[("anh.jpg", b"x", false)]),
        |e| matches!(e, E::Unexpected(_)),
    );
    let whole = package(&[("chung-nhan.pdf", CERT)]);
    add(
        "truncated archive",
        whole[..whole.len() / 2].to_vec(),
        |e| matches!(e, E::NotAnArchive(_)),
    );
    add("not a zip", b"PK\x03\x04rubbish".to_vec(), |e| {
        matches!(e, E::NotAnArchive(_))
    });
    add("empty file", Vec::new(), |e| {
        matches!(e, E::NotAnArchive(_))
    });
    let mut flipped = package(&[("chung-nhan.pdf", CERT)]);
    patch(&mut flipped, b"giay chung", b"giay chunG");
    add("a flipped byte in a document", flipped, |e| {
        matches!(e, E::Mismatch(_) | E::NotAnArchive(_))
    });
    let bad_name = manifest(&[("con\u{0}.pdf", CERT)]);
    add(
        "a document name the portal refuses",
        raw(&[(MANIFEST, &json(&bad_name), true), (&cert, CERT, false)]),
        |e| matches!(e, E::BadName(_)),
    );
    for (what, name) in [
        ("a document named for a Windows device", "CON.pdf"),
        ("a document name with a stream", "hóa đơn.pdf:ẩn"),
        ("a document name climbing folders", "..\\..\\hóa đơn.pdf"),
        ("a document name with a drive", "C:\\hóa đơn.pdf"),
        ("a document name ending in a dot", "hóa đơn.pdf."),
    ] {
        let named = manifest(&[(name, CERT)]);
        add(
            what,
            raw(&[(MANIFEST, &json(&named), true), (&cert, CERT, false)]),
            |e| matches!(e, E::BadName(_)),
        );
    }
    out
}
