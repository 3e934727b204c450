//! The data folder holds lookup PINs, dossiers and people's documents, so
//! it is its owner's alone: folders are made 0700 and files 0600 on Unix
//! (SQLite gives its `-wal` and `-shm` files the database file's mode),
//! and a folder or database left open to others by an older portal is
//! closed to them when the portal starts.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `dir` and its missing parents, and makes `dir` itself 0700.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    restrict(dir, 0o700)
}

/// Creates `path` empty when missing; either way makes it 0600.
pub fn create_file(path: &Path) -> io::Result<()> {
    match new_file(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => restrict(path, 0o600),
        Err(e) => Err(e),
    }
}

/// Creates a new file at `path`, 0600, open for writing; fails if it exists.
pub fn new_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// The bytes of the file at `path`, which is made first (0600, holding
/// `fresh()`) when missing. It is written whole under another name, then
/// linked into place: processes starting together on one folder never
/// read a half-written file, and all but the first read the first's.
/// For what a portal makes once and keeps: its receipt key, its practice
/// bank's secret.
pub fn read_or_create(path: &Path, fresh: impl Fn() -> Vec<u8>) -> io::Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let bytes = fresh();
            let staged = path.with_extension(format!("new-{}", crate::random::hex_id()));
            let mut file = new_file(&staged)?;
            std::io::Write::write_all(&mut file, &bytes)?;
            file.sync_all()?;
            let linked = std::fs::hard_link(&staged, path);
            let _ = std::fs::remove_file(&staged);
            match linked {
                Ok(()) => Ok(bytes),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => std::fs::read(path),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_the_owners_alone_new_or_old() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("data").join("uploads");
        create_dir(&dir).expect("create");
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("portal.sqlite3");
        create_file(&file).expect("create file");
        assert_eq!(mode(&file), 0o600);

        // Left readable by everyone by an older portal: closed at start.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        create_file(&file).expect("again");
        create_dir(&dir).expect("again");
        assert_eq!((mode(&file), mode(&dir)), (0o600, 0o700));
        assert!(
            new_file(&file).is_err(),
            "an existing file is never replaced"
        );
    }
}
