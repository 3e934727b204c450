//! The `.hoso` dossier package: one file that carries a dossier between
//! computers (a colleague, a USB stick to the one-stop desk).
//!
//! It is a zip archive with exactly these entries:
//! - `manifest.json`: the [`Manifest`] (format and version, the procedure
//!   code and version with every field value, each document's name, size
//!   and SHA-256, and once filed the receipt, history, supplements and
//!   fee receipt);
//! - `documents/<sha256>`: each document's bytes, named by their hash.
//!
//! Reading ([`Package::open`]) trusts nothing in the archive: any other
//! entry, a path that could leave a folder (absolute, `..`, backslashes,
//! drive letters, UNC), a name Windows reads as a device or a stream or
//! changes (CON, `x:stream`, a last dot or space), a symlink, a duplicate name, an encrypted entry, more
//! entries or bytes than the manifest declares, a compression ratio no
//! document has, a newer or unknown format, and broken data each end in a
//! [`PackageError`] that says so, before anything is written anywhere.
//! Bytes are then only ever copied out through [`Package::copy_document`],
//! which stops at the declared size and checks the hash, so what reaches
//! the caller's folder is exactly what the manifest names.

use hoso_core::fee_receipt::FeeReceipt;
use hoso_core::receipt::SignedReceipt;
use hoso_core::signed::Signed;
use hoso_core::supplement::Supplement;
use hoso_core::wire::StatusEvent;
use hoso_core::{Bilingual, DossierContent, Sha256Digest};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Seek, Write};

/// The `format` every package names.
pub const FORMAT: &str = "hoso-package";
/// The package version this build writes and the newest it reads.
pub const VERSION: u32 = 1;
/// The manifest's entry.
pub const MANIFEST: &str = "manifest.json";
/// The folder of document entries.
pub const DOCUMENTS: &str = "documents/";
/// Largest manifest read.
pub const MAX_MANIFEST_BYTES: u64 = 8 * 1024 * 1024;
/// Most documents in a package.
pub const MAX_DOCUMENTS: usize = 500;
/// Most bytes of documents in a package.
pub const MAX_TOTAL_BYTES: u64 = 16 * 1024 * 1024 * 1024;
/// Highest ratio of a document's size to its compressed size; scans and
/// PDFs come nowhere near it, a decompression bomb always does.
pub const MAX_RATIO: u64 = 100;
/// Documents smaller than this are not held to [`MAX_RATIO`].
pub const RATIO_FLOOR: u64 = 1024 * 1024;

/// What a package says about its dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The package version it was written in.
    pub version: u32,
    /// The dossier's name in the list.
    pub title: String,
    /// Procedure code and version, field values and the documents.
    pub content: DossierContent,
    /// The portal a draft was written for, so that it arrives there when
    /// the profile importing it knows that portal too. Packages written
    /// before it was kept have none; a filed dossier names its portal in
    /// [`Filed::portal`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_for: Option<PortalRef>,
    /// Once filed: where, its receipt, history and supplements.
    #[serde(default)]
    pub filed: Option<Filed>,
}

/// A filed dossier's part of the package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filed {
    /// The portal it was filed with, and the key its receipts verify by.
    pub portal: PortalRef,
    /// The portal's dossier code.
    pub dossier_code: String,
    /// The receipt exactly as the portal signed it.
    pub receipt: SignedReceipt,
    /// Status changes known when the package was written, oldest first.
    #[serde(default)]
    pub history: Vec<StatusEvent>,
    /// Supplements filed, each with its signed receipt.
    #[serde(default)]
    pub supplements: Vec<FiledSupplement>,
    /// The fee receipt exactly as the portal signed it, once the fee was
    /// paid. Absent from packages written before it was kept (and from
    /// older builds' reading: they pass over it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_receipt: Option<Signed<FeeReceipt>>,
}

/// A portal as a package names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalRef {
    /// Its address.
    pub base_url: String,
    /// Its name.
    pub name: Bilingual,
    /// Fingerprint of its receipt key.
    pub key_id: String,
}

/// A supplement as kept in a package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FiledSupplement {
    /// The status change (feed cursor) it answered.
    pub request_cursor: i64,
    /// What was sent.
    pub supplement: Supplement,
    /// Its receipt exactly as signed.
    pub receipt: SignedReceipt,
}

/// One document's bytes in the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Content hash (and entry name).
    pub sha256: Sha256Digest,
    /// Size in bytes.
    pub size: u64,
    /// The name it goes by in the dossier.
    pub name: String,
}

impl Manifest {
    /// A manifest for `content`, unfiled.
    pub fn new(title: String, content: DossierContent) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            title,
            content,
            written_for: None,
            filed: None,
        }
    }

    /// Every document whose bytes the package carries, each once: the
    /// dossier's and its supplements'.
    pub fn documents(&self) -> Vec<Listed> {
        let supplements = self
            .filed
            .iter()
            .flat_map(|f| f.supplements.iter())
            .flat_map(|s| s.supplement.documents.iter());
        let mut seen = HashSet::new();
        self.content
            .documents
            .iter()
            .chain(supplements)
            .filter(|d| seen.insert(d.sha256))
            .map(|d| Listed {
                sha256: d.sha256,
                size: d.size,
                name: d.name.clone(),
            })
            .collect()
    }
}

/// Why a package was refused; nothing was written when this is returned.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// Not a zip archive, or one too broken to read.
    #[error("not a readable package: {0}")]
    NotAnArchive(String),
    /// A zip, but not a HoSo package.
    #[error("not a HoSo package: {0}")]
    NotAPackage(String),
    /// Written by a newer HoSo.
    #[error("package version {0} is newer than this build reads ({VERSION})")]
    Newer(u32),
    /// The manifest is not what this version describes.
    #[error("the manifest is malformed: {0}")]
    Malformed(String),
    /// An entry name that could write outside the target folder.
    #[error("entry {0:?} points outside the package")]
    PathEscape(String),
    /// An entry name Windows reads as something else: a device (CON,
    /// NUL…), a hidden stream after `:`, or a name whose last dot or
    /// space it drops (which may alias another entry).
    #[error("entry {0:?} has a name Windows reads as something else")]
    WindowsName(String),
    /// A symbolic link.
    #[error("entry {0:?} is a symbolic link")]
    Symlink(String),
    /// Two entries with one name.
    #[error("entry {0:?} appears twice")]
    Duplicate(String),
    /// An encrypted entry.
    #[error("entry {0:?} is encrypted")]
    Encrypted(String),
    /// An entry a package never has.
    #[error("entry {0:?} is not part of a package")]
    Unexpected(String),
    /// More entries than a package can have.
    #[error("{0} entries, more than a package has")]
    TooManyEntries(usize),
    /// More bytes than allowed or than the manifest declares.
    #[error("entry {name:?}: {size} bytes, at most {limit} allowed")]
    TooLarge {
        /// The entry.
        name: String,
        /// Its size (declared or found).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A compression ratio only a decompression bomb has.
    #[error("entry {name:?} expands {ratio}×, more than any document")]
    Bomb {
        /// The entry.
        name: String,
        /// Uncompressed over compressed size.
        ratio: u64,
    },
    /// A document the manifest lists is missing.
    #[error("document {0} is missing")]
    Missing(String),
    /// A document's bytes differ from what the manifest declares.
    #[error("document {0}: its bytes do not match the manifest")]
    Mismatch(String),
    /// A document name the portal would refuse.
    #[error("document name {0:?} is not allowed")]
    BadName(String),
    /// Compressed with a method this build does not read.
    #[error("entry {0:?} uses an unsupported compression")]
    Unsupported(String),
    /// Reading or writing failed.
    #[error("input/output: {0}")]
    Io(#[from] std::io::Error),
}

impl PackageError {
    /// What to tell the person, Vietnamese and English.
    pub fn message(&self) -> Bilingual {
        let nothing = ("Chưa có gì được nhập.", "Nothing was imported.");
        let (vi, en) = match self {
            Self::NotAnArchive(e) => (
                format!(
                    "Tệp không đọc được như một gói hồ sơ (.hoso): tệp hỏng hoặc không phải tệp zip ({e})."
                ),
                format!(
                    "The file cannot be read as a dossier package (.hoso): it is damaged or not a zip file ({e})."
                ),
            ),
            Self::NotAPackage(e) => (
                format!("Tệp zip này không phải gói hồ sơ HoSo ({e})."),
                format!("This zip file is not a HoSo dossier package ({e})."),
            ),
            Self::Newer(v) => (
                format!(
                    "Gói được tạo bởi phiên bản HoSo mới hơn (định dạng {v}, máy này đọc đến {VERSION}). Hãy cập nhật HoSo rồi nhập lại."
                ),
                format!(
                    "The package was made by a newer HoSo (format {v}; this one reads up to {VERSION}). Update HoSo, then import again."
                ),
            ),
            Self::Malformed(e) => (
                format!("Bản kê của gói không hợp lệ: {e}."),
                format!("The package's manifest is invalid: {e}."),
            ),
            Self::PathEscape(n) => (
                format!(
                    "Gói có mục “{n}” trỏ ra ngoài thư mục (đường dẫn tuyệt đối hoặc “..”): gói có thể độc hại."
                ),
                format!(
                    "The package has an entry “{n}” that points outside its folder (absolute path or “..”): it may be hostile."
                ),
            ),
            Self::WindowsName(n) => (
                format!(
                    "Gói có mục “{n}” mang tên mà Windows hiểu theo nghĩa khác (thiết bị như CON, NUL; luồng ẩn sau “:”; dấu chấm hay khoảng trắng cuối tên): gói có thể độc hại."
                ),
                format!(
                    "The package has an entry “{n}” whose name Windows reads as something else (a device such as CON or NUL, a hidden stream after “:”, a trailing dot or space): it may be hostile."
                ),
            ),
            Self::Symlink(n) => (
                format!(
                    "Gói có liên kết tượng trưng “{n}”: gói hồ sơ không bao giờ chứa liên kết."
                ),
                format!("The package holds a symbolic link “{n}”: dossier packages never do."),
            ),
            Self::Duplicate(n) => (
                format!("Gói có hai mục cùng tên “{n}”."),
                format!("The package has two entries named “{n}”."),
            ),
            Self::Encrypted(n) => (
                format!(
                    "Mục “{n}” trong gói được mã hóa bằng mật khẩu; HoSo không nhập gói mã hóa."
                ),
                format!(
                    "Entry “{n}” is password-encrypted; HoSo does not import encrypted packages."
                ),
            ),
            Self::Unexpected(n) => (
                format!("Gói có mục lạ “{n}” không thuộc gói hồ sơ."),
                format!("The package has a stray entry “{n}” that no dossier package has."),
            ),
            Self::TooManyEntries(n) => (
                format!("Gói có {n} mục, quá số một gói hồ sơ có thể có."),
                format!("The package has {n} entries, more than a dossier package can have."),
            ),
            Self::TooLarge { name, size, limit } => (
                format!("Mục “{name}” có {size} byte, vượt giới hạn {limit} byte."),
                format!("Entry “{name}” has {size} bytes, over the limit of {limit}."),
            ),
            Self::Bomb { name, ratio } => (
                format!("Mục “{name}” giải nén ra gấp {ratio} lần: đây là dấu hiệu “bom nén”."),
                format!("Entry “{name}” expands {ratio} times: the mark of a decompression bomb."),
            ),
            Self::Missing(n) => (
                format!("Gói thiếu tài liệu {n} mà bản kê liệt kê."),
                format!("The package lacks document {n} that its manifest lists."),
            ),
            Self::Mismatch(n) => (
                format!(
                    "Tài liệu {n} trong gói không khớp mã băm hoặc kích thước đã khai: gói bị hỏng hoặc bị sửa."
                ),
                format!(
                    "Document {n} in the package does not match its declared hash or size: the package is damaged or altered."
                ),
            ),
            Self::BadName(n) => {
                let why = hoso_core::filename::check(&hoso_core::length::normalize(n)).err();
                let (vi, en) = why.map_or_else(Default::default, |w| {
                    (format!(": {}", w.vi), format!(": {}", w.en))
                });
                (
                    format!("Tên tài liệu “{n}” không hợp lệ{vi}."),
                    format!("The document name “{n}” is not allowed{en}."),
                )
            }
            Self::Unsupported(n) => (
                format!("Mục “{n}” dùng kiểu nén HoSo không đọc được."),
                format!("Entry “{n}” uses a compression HoSo cannot read."),
            ),
            Self::Io(e) => (
                format!("Lỗi đọc/ghi: {e}."),
                format!("Read/write error: {e}."),
            ),
        };
        Bilingual::new(format!("{vi} {}", nothing.0), format!("{en} {}", nothing.1))
    }
}

fn zip_error(e: zip::result::ZipError) -> PackageError {
    match e {
        zip::result::ZipError::Io(io) => PackageError::Io(io),
        other => PackageError::NotAnArchive(other.to_string()),
    }
}

/// What an entry name is, once it is known to be safe.
enum Entry {
    Manifest,
    Document(Sha256Digest),
    /// The `documents/` folder itself.
    Folder,
}

/// Classifies an entry name, refusing any that could leave a folder.
fn classify(name: &str) -> Result<Entry, PackageError> {
    let escape = || PackageError::PathEscape(name.to_owned());
    if name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name.as_bytes().get(1) == Some(&b':')
    {
        return Err(escape());
    }
    if name.split('/').any(|part| part == ".." || part == ".") {
        return Err(escape());
    }
    // Names are read the same on every system: what Windows would open as
    // a device or a stream, or alias by dropping a last dot or space, is
    // refused here too.
    if name
        .split('/')
        .any(|part| !part.is_empty() && hoso_core::filename::windows_problem(part).is_some())
    {
        return Err(PackageError::WindowsName(name.to_owned()));
    }
    if name == MANIFEST {
        return Ok(Entry::Manifest);
    }
    if name == DOCUMENTS {
        return Ok(Entry::Folder);
    }
    if let Some(hex) = name.strip_prefix(DOCUMENTS)
        && hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && let Ok(sha) = hex.parse::<Sha256Digest>()
    {
        return Ok(Entry::Document(sha));
    }
    Err(PackageError::Unexpected(name.to_owned()))
}

/// An archive whose structure and manifest passed every check.
#[derive(Debug)]
pub struct Package<R> {
    archive: zip::ZipArchive<R>,
    manifest: Manifest,
    /// Entry index and listing of each document the manifest names.
    entries: BTreeMap<Sha256Digest, (usize, Listed)>,
}

impl<R: Read + Seek> Package<R> {
    /// Reads and checks the archive's structure and manifest; no document
    /// bytes are read yet.
    pub fn open(reader: R) -> Result<Self, PackageError> {
        let mut archive = zip::ZipArchive::new(reader).map_err(zip_error)?;
        // The reader keeps one entry per name; the central directory may
        // hold more, which is how a second entry hides behind the first.
        if archive.has_duplicate_names() {
            return Err(PackageError::Duplicate(
                "(hai mục cùng tên / two entries of one name)".into(),
            ));
        }
        if archive.len() > MAX_DOCUMENTS + 2 {
            return Err(PackageError::TooManyEntries(archive.len()));
        }
        let mut names = HashSet::new();
        let mut manifest_at = None;
        let mut documents: BTreeMap<Sha256Digest, (usize, u64, u64, String)> = BTreeMap::new();
        for i in 0..archive.len() {
            let file = archive.by_index_raw(i).map_err(zip_error)?;
            let name = String::from_utf8_lossy(file.name_raw()).into_owned();
            let kind = classify(&name)?;
            if !names.insert(name.clone()) {
                return Err(PackageError::Duplicate(name));
            }
            if file.is_symlink() {
                return Err(PackageError::Symlink(name));
            }
            if file.encrypted() {
                return Err(PackageError::Encrypted(name));
            }
            if !matches!(
                file.compression(),
                zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
            ) {
                return Err(PackageError::Unsupported(name));
            }
            match kind {
                Entry::Folder => {}
                Entry::Manifest => {
                    if file.size() > MAX_MANIFEST_BYTES {
                        return Err(PackageError::TooLarge {
                            name,
                            size: file.size(),
                            limit: MAX_MANIFEST_BYTES,
                        });
                    }
                    manifest_at = Some(i);
                }
                Entry::Document(sha) => {
                    if file.is_dir() {
                        return Err(PackageError::Unexpected(name));
                    }
                    documents.insert(sha, (i, file.size(), file.compressed_size(), name));
                }
            }
        }
        let at = manifest_at.ok_or_else(|| PackageError::NotAPackage(format!("no {MANIFEST}")))?;
        let manifest = read_manifest(&mut archive, at)?;

        let listed = manifest.documents();
        if listed.len() > MAX_DOCUMENTS {
            return Err(PackageError::TooManyEntries(listed.len()));
        }
        let mut total: u64 = 0;
        let mut entries = BTreeMap::new();
        for doc in &listed {
            if hoso_core::filename::check(&hoso_core::length::normalize(&doc.name)).is_err() {
                return Err(PackageError::BadName(doc.name.clone()));
            }
            let (index, size, compressed, name) = documents
                .remove(&doc.sha256)
                .ok_or_else(|| PackageError::Missing(doc.name.clone()))?;
            if size != doc.size {
                return Err(PackageError::TooLarge {
                    name,
                    size,
                    limit: doc.size,
                });
            }
            let ratio = size / compressed.max(1);
            if size > RATIO_FLOOR && ratio > MAX_RATIO {
                return Err(PackageError::Bomb { name, ratio });
            }
            total = total.saturating_add(size);
            if total > MAX_TOTAL_BYTES {
                return Err(PackageError::TooLarge {
                    name,
                    size: total,
                    limit: MAX_TOTAL_BYTES,
                });
            }
            entries.insert(doc.sha256, (index, doc.clone()));
        }
        if let Some((_, (_, _, _, name))) = documents.into_iter().next() {
            return Err(PackageError::Unexpected(name));
        }
        Ok(Self {
            archive,
            manifest,
            entries,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Copies document `sha256`'s bytes to `out`, never more than the
    /// manifest declares, and checks size and hash; `out` must be thrown
    /// away when this fails.
    pub fn copy_document(
        &mut self,
        sha256: &Sha256Digest,
        out: &mut impl Write,
    ) -> Result<u64, PackageError> {
        let (index, listed) = self
            .entries
            .get(sha256)
            .cloned()
            .ok_or_else(|| PackageError::Missing(sha256.to_hex()))?;
        let file = self.archive.by_index(index).map_err(zip_error)?;
        let mut limited = file.take(listed.size + 1);
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut copied: u64 = 0;
        loop {
            let n = match limited.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    return Err(PackageError::Mismatch(listed.name.clone()));
                }
                Err(e) => return Err(e.into()),
            };
            copied += n as u64;
            if copied > listed.size {
                return Err(PackageError::Mismatch(listed.name.clone()));
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])?;
        }
        let digest: [u8; 32] = hasher.finalize().into();
        if copied != listed.size || Sha256Digest::from_bytes(digest) != *sha256 {
            return Err(PackageError::Mismatch(listed.name));
        }
        Ok(copied)
    }

    /// Reads every document through the checks of [`Self::copy_document`]
    /// without keeping them.
    pub fn verify_all(&mut self) -> Result<(), PackageError> {
        let listed: Vec<Sha256Digest> = self.entries.keys().copied().collect();
        for sha256 in listed {
            self.copy_document(&sha256, &mut std::io::sink())?;
        }
        Ok(())
    }
}

fn read_manifest<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    at: usize,
) -> Result<Manifest, PackageError> {
    let file = archive.by_index(at).map_err(zip_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => PackageError::NotAnArchive(e.to_string()),
            _ => PackageError::Io(e),
        })?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(PackageError::TooLarge {
            name: MANIFEST.to_owned(),
            size: bytes.len() as u64,
            limit: MAX_MANIFEST_BYTES,
        });
    }
    // The format and version first, so that a newer package is named as
    // such rather than as malformed.
    #[derive(Deserialize)]
    struct Head {
        format: String,
        version: u32,
    }
    let head: Head = serde_json::from_slice(&bytes)
        .map_err(|e| PackageError::NotAPackage(format!("{MANIFEST}: {e}")))?;
    if head.format != FORMAT {
        return Err(PackageError::NotAPackage(format!(
            "format “{}”, not “{FORMAT}”",
            head.format
        )));
    }
    if head.version > VERSION {
        return Err(PackageError::Newer(head.version));
    }
    if head.version == 0 {
        return Err(PackageError::Malformed("version 0".into()));
    }
    serde_json::from_slice(&bytes).map_err(|e| PackageError::Malformed(e.to_string()))
}

/// Writes a package of `manifest` to `out`, taking each document's bytes
/// from `open(sha256)`. Documents are stored as they are (scans and PDFs
/// are compressed already); the manifest is deflated.
pub fn write<W, F, D>(out: W, manifest: &Manifest, mut open: F) -> Result<W, PackageError>
where
    W: Write + Seek,
    F: FnMut(&Sha256Digest) -> std::io::Result<D>,
    D: Read,
{
    let mut zip = zip::ZipWriter::new(out);
    let json =
        serde_json::to_vec_pretty(manifest).map_err(|e| PackageError::Malformed(e.to_string()))?;
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(MANIFEST, deflated).map_err(zip_error)?;
    zip.write_all(&json)?;
    for doc in manifest.documents() {
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(doc.size >= u64::from(u32::MAX));
        zip.start_file(format!("{DOCUMENTS}{}", doc.sha256.to_hex()), stored)
            .map_err(zip_error)?;
        let mut source = open(&doc.sha256)?;
        let copied = std::io::copy(&mut source, &mut zip)?;
        if copied != doc.size {
            return Err(PackageError::Mismatch(doc.name));
        }
    }
    zip.finish().map_err(zip_error)
}

#[cfg(any(test, feature = "samples"))]
pub mod samples;
#[cfg(test)]
mod tests;
