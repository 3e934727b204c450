//! The attachment library: every imported file stored once, named by its
//! SHA-256, however many dossiers use it and whatever it was called.
//!
//! Import streams the file once (copy and hash in the same pass, never the
//! whole file in memory) into a temporary file, makes it durable, then
//! renames it into place. A crash mid-import leaves only a temporary file,
//! never a half-written library entry.

use crate::error::ClientError;
use crate::store::library as rows;
use crate::store::{Store, now};
use chrono::NaiveDate;
use hoso_core::Sha256Digest;
use hoso_core::procedure::AttachmentSlot;
use hoso_core::{Bilingual, DossierContent, LibraryItem, Problem, ProblemCode};
use sha2::Digest;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A file in the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryEntry {
    /// Content hash, the entry's identity.
    pub sha256: Sha256Digest,
    /// Size in bytes.
    pub size: u64,
    /// The name it was imported under, NFC.
    pub name: String,
}

/// The library folder and its index.
#[derive(Debug, Clone)]
pub struct Library {
    dir: PathBuf,
    store: Store,
}

/// A document is copied into the library in pieces of this size: as fast
/// as 1 MiB pieces on a 2 GiB import, and 0.75 MiB less to hold.
const COPY_BUFFER: usize = 256 * 1024;

impl Library {
    /// The library in `dir`, indexed in `store`.
    pub fn open(dir: PathBuf, store: Store) -> Result<Self, ClientError> {
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(|e| ClientError::file(&dir, e))?;
        remove_abandoned(&tmp);
        Ok(Self { dir, store })
    }

    /// Where the bytes of an entry live.
    pub fn path_of(&self, sha256: &Sha256Digest) -> PathBuf {
        let hex = sha256.to_hex();
        self.dir.join(&hex[..2]).join(&hex)
    }

    /// Where a document being downloaded waits until it is whole: named by
    /// the hash it must have, so that a later attempt resumes it (unlike
    /// `tmp`, this folder is not emptied at start).
    pub(crate) fn partial_path(&self, sha256: &Sha256Digest) -> PathBuf {
        self.dir
            .join("partial")
            .join(format!("{}.part", sha256.to_hex()))
    }

    /// Copies a file meant for `slot` into the library, after checking its
    /// name, type and size against the slot without copying anything.
    pub async fn import_for(
        &self,
        source: &Path,
        slot: &AttachmentSlot,
    ) -> Result<LibraryEntry, ClientError> {
        let name = file_name(source)?;
        refuse_windows_name(source, &format!("documents.{}", slot.id))?;
        let src = source.to_owned();
        let meta = tokio::task::spawn_blocking(move || std::fs::metadata(&src))
            .await
            .map_err(|e| ClientError::Protocol(format!("import task failed: {e}")))?
            .map_err(|e| ClientError::file(source, e))?;
        let problems = hoso_core::validate::check_document(slot, &name, meta.len());
        if !problems.is_empty() {
            return Err(ClientError::Refused(problems));
        }
        self.import(source).await
    }

    /// Copies a file into the library (once per content) and records it.
    pub async fn import(&self, source: &Path) -> Result<LibraryEntry, ClientError> {
        let name = file_name(source)?;
        refuse_windows_name(source, "documents")?;
        let original = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (src, dir) = (source.to_owned(), self.dir.clone());
        let (sha256, size) = tokio::task::spawn_blocking(move || copy_hashed(&src, &dir))
            .await
            .map_err(|e| ClientError::Protocol(format!("import task failed: {e}")))??;
        self.index(LibraryEntry { sha256, size, name }, original)
            .await
    }

    /// Records a document now in the library (once per content).
    async fn index(
        &self,
        entry: LibraryEntry,
        original: String,
    ) -> Result<LibraryEntry, ClientError> {
        let row = entry.clone();
        self.store
            .call(move |conn| {
                Ok(rows::insert(
                    conn,
                    &row.sha256.to_hex(),
                    row.size,
                    &row.name,
                    &original,
                    &now(),
                )?)
            })
            .await?;
        Ok(entry)
    }

    /// A fresh path in the library's `tmp` to write a document into before
    /// [`Self::adopt`] takes it.
    pub(crate) fn staging_path(&self) -> PathBuf {
        staging_in(&self.dir)
    }

    /// Takes the synced file `staged` (from [`Self::staging_path`]), whose
    /// content was checked to be `sha256` and `size` bytes, into the
    /// library under `name`.
    pub(crate) async fn adopt(
        &self,
        staged: PathBuf,
        sha256: Sha256Digest,
        size: u64,
        name: String,
    ) -> Result<LibraryEntry, ClientError> {
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || place(&staged, &dir, &sha256))
            .await
            .map_err(|e| ClientError::Protocol(format!("import task failed: {e}")))??;
        let original = name.clone();
        self.index(LibraryEntry { sha256, size, name }, original)
            .await
    }

    /// Every document in the library with the dossiers that use it, newest
    /// first; with `slot`, only documents once attached to a slot of that
    /// id (the same kind of paper), which the editor offers for reuse.
    pub async fn items(&self, slot: Option<String>) -> Result<Vec<LibraryItem>, ClientError> {
        self.store
            .call(move |conn| {
                let today = crate::store::vn_now().date_naive();
                let mut items = Vec::new();
                for row in rows::all(conn)? {
                    let rows::Indexed {
                        sha256: sha,
                        size,
                        name,
                        imported_at: imported,
                        valid_until: valid,
                    } = row;
                    let used_by = rows::uses(conn, &sha)?;
                    if slot
                        .as_ref()
                        .is_some_and(|s| !used_by.iter().any(|u| &u.slot == s))
                    {
                        continue;
                    }
                    let valid_until: Option<NaiveDate> = valid
                        .map(|v| v.parse())
                        .transpose()
                        .map_err(|e| ClientError::Protocol(format!("library date: {e}")))?;
                    items.push(LibraryItem {
                        sha256: sha.parse().map_err(|e| {
                            ClientError::Protocol(format!("library hash {sha}: {e}"))
                        })?,
                        size,
                        name,
                        imported_at: chrono::DateTime::parse_from_rfc3339(&imported)
                            .map_err(|e| ClientError::Protocol(format!("library time: {e}")))?,
                        valid_until,
                        expired: valid_until.is_some_and(|last| last < today),
                        used_by,
                    });
                }
                Ok(items)
            })
            .await
    }

    /// Records the last day a document is valid (or forgets it).
    pub async fn set_valid_until(
        &self,
        sha256: Sha256Digest,
        valid_until: Option<NaiveDate>,
    ) -> Result<(), ClientError> {
        let changed = self
            .store
            .call(move |conn| {
                let valid = valid_until.map(|d| d.to_string());
                Ok(rows::set_valid_until(
                    conn,
                    &sha256.to_hex(),
                    valid.as_deref(),
                )?)
            })
            .await?;
        if changed == 0 {
            return Err(ClientError::NotFound(format!(
                "tệp {sha256} trong thư viện / library file {sha256}"
            )));
        }
        Ok(())
    }

    /// The documents of `content` whose validity has passed on `today`, as
    /// problems to fix before filing.
    pub async fn expired(
        &self,
        content: &DossierContent,
        today: NaiveDate,
    ) -> Result<Vec<Problem>, ClientError> {
        // Only this dossier's documents are looked up: reading the whole
        // library with its uses would cost a scan of every dossier.
        let wanted: Vec<String> = content
            .documents
            .iter()
            .map(|d| d.sha256.to_hex())
            .collect();
        let valid: Vec<(String, String)> = self
            .store
            .call(move |conn| Ok(rows::valid_until(conn, &wanted)?))
            .await?;
        Ok(content
            .documents
            .iter()
            .filter_map(|doc| {
                let hex = doc.sha256.to_hex();
                let last: NaiveDate = valid.iter().find(|(s, _)| *s == hex)?.1.parse().ok()?;
                if last >= today {
                    return None;
                }
                let shown = last.format("%d/%m/%Y");
                Some(Problem {
                    path: format!("documents.{}", doc.slot),
                    code: ProblemCode::DocumentExpired,
                    message: Bilingual::new(
                        format!(
                            "Giấy tờ {} đã hết hiệu lực từ ngày {shown} — hãy đính kèm bản còn hiệu lực.",
                            doc.name
                        ),
                        format!(
                            "{} stopped being valid after {shown} — attach a valid one.",
                            doc.name
                        ),
                    ),
                })
            })
            .collect())
    }

    /// Removes library documents no dossier attaches (drafts, deleted
    /// drafts awaiting undo, filed ones alike) that were imported before
    /// `before` (RFC 3339). A document another dossier still uses is never
    /// removed. Returns how many were removed.
    pub async fn purge_unused(&self, before: String) -> Result<usize, ClientError> {
        let gone: Vec<String> = self
            .store
            .call(move |conn| {
                let tx = conn.transaction()?;
                let shas = rows::remove_unused(&tx, &before)?;
                tx.commit()?;
                Ok(shas)
            })
            .await?;
        // The index no longer names them; the files go after the commit,
        // so a crash in between leaves only unreferenced bytes.
        for sha in &gone {
            let path = self.dir.join(&sha[..2]).join(sha);
            let _ = std::fs::remove_file(path);
        }
        Ok(gone.len())
    }

    /// The library entry with this hash.
    pub async fn get(&self, sha256: Sha256Digest) -> Result<LibraryEntry, ClientError> {
        self.store
            .call(move |conn| {
                let (size, name) = rows::entry(conn, &sha256.to_hex())?.ok_or_else(|| {
                    ClientError::NotFound(format!(
                        "tệp {sha256} trong thư viện / library file {sha256}"
                    ))
                })?;
                Ok(LibraryEntry { sha256, size, name })
            })
            .await
    }
}

/// The name a file is stored under: its own, in NFC.
fn file_name(source: &Path) -> Result<String, ClientError> {
    source
        .file_name()
        .map(|n| hoso_core::filename::FileName::new(&n.to_string_lossy()).name)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ClientError::NotFound(format!("{}", source.display())))
}

/// Refuses, before the file is touched, a name Windows reads as something
/// else: `a.pdf:x` opens a hidden stream of a.pdf, `CON.pdf` a device, so
/// reading it would bring in other bytes than the file the person sees (or
/// wait on the console). Refused on every system, the same way.
fn refuse_windows_name(source: &Path, problem_path: &str) -> Result<(), ClientError> {
    let raw = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(why) = hoso_core::filename::windows_problem(&raw) else {
        return Ok(());
    };
    Err(ClientError::Refused(vec![Problem {
        path: problem_path.to_owned(),
        code: ProblemCode::DocumentName,
        message: Bilingual::new(
            format!("Không nhận tệp “{raw}”: {} — hãy đổi tên tệp.", why.vi),
            format!("The file “{raw}” is not taken: {} — rename it.", why.en),
        ),
    }]))
}

/// A fresh name in `dir/tmp` for a file being brought in: named for this
/// process, so that what a crash leaves is removed at the next start.
fn staging_in(dir: &Path) -> PathBuf {
    dir.join("tmp").join(format!(
        "import-{}-{}",
        std::process::id(),
        hoso_core::hash::to_hex(&crate::random_bytes::<8>())
    ))
}

/// Removes what imports cut off by a crash left in `tmp`: files named for a
/// process that no longer runs. Nothing references them, so this only frees
/// space; an import under way in another process is left alone.
fn remove_abandoned(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix("import-"))
            .and_then(|n| n.split('-').next())
            .and_then(|p| p.parse::<u32>().ok());
        let running = pid.is_some_and(|p| p == std::process::id() || process_runs(p));
        if !running {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` runs (where `/proc` tells; elsewhere assumed).
fn process_runs(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Moves the synced file `tmp_path` (in `dir/tmp`) to its content address
/// in `dir`, or drops it when that content is there already.
fn place(tmp_path: &Path, dir: &Path, sha256: &Sha256Digest) -> Result<(), ClientError> {
    let hex = sha256.to_hex();
    let final_dir = dir.join(&hex[..2]);
    std::fs::create_dir_all(&final_dir).map_err(|e| ClientError::file(&final_dir, e))?;
    let final_path = final_dir.join(&hex);
    if final_path.exists() {
        std::fs::remove_file(tmp_path).map_err(|e| ClientError::file(tmp_path, e))?;
    } else {
        std::fs::rename(tmp_path, &final_path).map_err(|e| ClientError::file(&final_path, e))?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(&final_dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Copies `src` into `dir/tmp`, hashing on the way, then moves it to its
/// content address. Returns the hash and size.
fn copy_hashed(src: &Path, dir: &Path) -> Result<(Sha256Digest, u64), ClientError> {
    // A folder is named as one before it is opened: Windows refuses to
    // open a folder as a file, and its "access denied" would mislead.
    if std::fs::metadata(src).is_ok_and(|m| m.is_dir()) {
        return Err(ClientError::file(
            src,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "là thư mục, không phải tệp / is a folder, not a file",
            ),
        ));
    }
    let mut input = std::fs::File::open(src).map_err(|e| ClientError::file(src, e))?;
    let tmp_path = staging_in(dir);
    let mut tmp =
        std::fs::File::create_new(&tmp_path).map_err(|e| ClientError::file(&tmp_path, e))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; COPY_BUFFER];
    let mut size = 0u64;
    let mut copy = || {
        loop {
            let n = input
                .read(&mut buf)
                .map_err(|e| ClientError::file(src, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n])
                .map_err(|e| ClientError::file(&tmp_path, e))?;
            size += n as u64;
        }
        tmp.sync_all()
            .map_err(|e| ClientError::file(&tmp_path, e))?;
        let sha256 = Sha256Digest::from_bytes(hasher.clone().finalize().into());
        place(&tmp_path, dir, &sha256)?;
        Ok((sha256, size))
    };
    let result = copy();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn library() -> (tempfile::TempDir, Library) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("db.sqlite3")).expect("store");
        let lib = Library::open(dir.path().join("library"), store).expect("library");
        (dir, lib)
    }

    #[tokio::test]
    async fn the_same_content_is_stored_once_whatever_its_name() {
        let (dir, lib) = library().await;
        let a = dir.path().join("hợp đồng.pdf");
        let b = dir.path().join("copy.pdf");
        std::fs::write(&a, b"%PDF-1.7 contract").expect("write");
        std::fs::write(&b, b"%PDF-1.7 contract").expect("write");
        let ea = lib.import(&a).await.expect("import a");
        let eb = lib.import(&b).await.expect("import b");
        assert_eq!(ea.sha256, eb.sha256);
        assert_eq!(ea.sha256, Sha256Digest::of(b"%PDF-1.7 contract"));
        assert_eq!(
            std::fs::read(lib.path_of(&ea.sha256)).expect("stored"),
            b"%PDF-1.7 contract"
        );
        assert_eq!(
            lib.get(ea.sha256).await.expect("indexed").name,
            "hợp đồng.pdf"
        );
        let leftovers = std::fs::read_dir(dir.path().join("library/tmp"))
            .expect("tmp")
            .count();
        assert_eq!(leftovers, 0);
    }

    #[tokio::test]
    async fn names_windows_reads_as_a_stream_or_a_device_are_refused_before_reading() {
        let (dir, lib) = library().await;
        // These exist here as plain files; on Windows the first would be a
        // hidden stream of "hợp đồng.pdf", the others a device.
        for (name, why) in [
            ("hợp đồng.pdf:ẩn.pdf", "“:”"),
            ("CON.pdf", "“con”"),
            ("com¹.pdf", "“com¹”"),
            ("hóa đơn.pdf.", "dot"),
            ("hóa đơn.pdf ", "space"),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, b"%PDF-1.7").expect("write");
            let err = lib.import(&path).await.expect_err(name);
            let ClientError::Refused(problems) = &err else {
                panic!("{name}: {err}");
            };
            assert_eq!(problems[0].code, ProblemCode::DocumentName);
            assert!(
                err.message().en.contains(why),
                "{name}: {}",
                err.message().en
            );
            assert!(err.message().vi.contains("hãy đổi tên tệp"));
        }
        let stored = std::fs::read_dir(dir.path().join("library"))
            .expect("library")
            .count();
        assert_eq!(stored, 1, "only tmp: nothing was copied");
    }

    #[tokio::test]
    async fn files_left_by_a_cut_off_import_are_removed_when_the_library_opens() {
        let (dir, lib) = library().await;
        let tmp = dir.path().join("library/tmp");
        // No process has id 4294967295; this process's own file stays.
        std::fs::write(tmp.join("import-4294967295-00ff"), b"half").expect("write");
        let own = tmp.join(format!("import-{}-00ff", std::process::id()));
        std::fs::write(&own, b"in progress").expect("write");
        drop(lib);
        let store = Store::open(&dir.path().join("db.sqlite3")).expect("store");
        Library::open(dir.path().join("library"), store).expect("library");
        let left: Vec<_> = std::fs::read_dir(&tmp)
            .expect("tmp")
            .flatten()
            .map(|e| e.path())
            .collect();
        assert_eq!(left, vec![own]);
    }

    #[tokio::test]
    async fn a_missing_file_or_a_folder_is_refused_and_nothing_is_recorded() {
        let (dir, lib) = library().await;
        let err = lib
            .import(&dir.path().join("nope.pdf"))
            .await
            .expect_err("missing accepted");
        assert!(matches!(err, ClientError::File { .. }), "{err}");
        let err = lib.import(dir.path()).await.expect_err("folder accepted");
        assert!(
            err.message().en.contains("is a folder"),
            "{}",
            err.message().en
        );
        let err = lib
            .get(Sha256Digest::of(b""))
            .await
            .expect_err("phantom entry");
        assert!(matches!(err, ClientError::NotFound(_)));
        let leftovers = std::fs::read_dir(dir.path().join("library/tmp"))
            .expect("tmp")
            .count();
        assert_eq!(leftovers, 0);
    }
}
