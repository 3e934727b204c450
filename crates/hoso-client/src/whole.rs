//! Files written whole or not at all: the bytes go to a temporary file in
//! the destination's folder (tempfile), which is synced and then renamed
//! over the destination; the folder is synced too where it can be, so the
//! rename itself survives a power cut. A crash leaves the old file or the
//! new one, never half of one, and no temporary file once it is dropped.

use crate::ClientError;
use std::io::Write;
use std::path::Path;

/// A temporary file beside `dest`, to be written and then [`finish`]ed.
pub fn beside(dest: &Path) -> Result<tempfile::NamedTempFile, ClientError> {
    let dir = folder_of(dest);
    tempfile::Builder::new()
        .prefix(".hoso-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|e| ClientError::file(dest, e))
}

/// Syncs `tmp` and renames it over `dest`.
pub fn finish(tmp: tempfile::NamedTempFile, dest: &Path) -> Result<(), ClientError> {
    tmp.as_file()
        .sync_all()
        .map_err(|e| ClientError::file(dest, e))?;
    tmp.persist(dest)
        .map_err(|e| ClientError::file(dest, e.error))?;
    // Folders cannot be opened for syncing on Windows.
    #[cfg(unix)]
    if let Ok(dir) = std::fs::File::open(folder_of(dest)) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Writes `bytes` as the whole of `path`.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    let mut tmp = beside(path)?;
    tmp.write_all(bytes)
        .map_err(|e| ClientError::file(path, e))?;
    finish(tmp, path)
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_nothing_temporary_is_left() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("lựa chọn.json");
        write(&path, b"{\"language\":\"vi\"}").expect("first");
        write(&path, b"{\"language\":\"en\"}").expect("second");
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"{\"language\":\"en\"}"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_write_abandoned_midway_leaves_the_old_file_and_no_other() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("receipt.html");
        write(&path, b"old").expect("first");
        {
            let mut tmp = beside(&path).expect("temporary");
            tmp.write_all(b"half of the n").expect("write");
            // Dropped without finish: what a failed export does.
        }
        assert_eq!(std::fs::read(&path).expect("read"), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    #[test]
    fn a_folder_that_does_not_exist_is_named_in_the_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("khong-co").join("x.html");
        let err = write(&path, b"x").expect_err("no folder");
        assert!(err.to_string().contains("x.html"), "{err}");
    }
}
