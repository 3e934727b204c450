//! The portal's receipt-signing key: created once, kept in the data folder,
//! readable only by the portal's user. Rotating it retires the current key
//! to a list of public keys that stays published, so that every receipt
//! ever issued can still be verified.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::SigningKey;
use hoso_core::receipt::PortalKey;
use hoso_core::wire::PublishedKey;
use std::io::Write;
use std::path::Path;

/// Reads the retired public keys at `path`, newest first; none if absent.
pub fn load_retired(path: &Path) -> anyhow::Result<Vec<PublishedKey>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not a list of keys: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Writes `bytes` to `path` through a synced temporary file and a rename,
/// so that a crash leaves the old content or the new, never half.
fn replace_file(path: &Path, bytes: &[u8], private: bool) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    // The rename made durable: a folder is synced through a handle on it
    // where the system allows one (Windows does not open folders as files).
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Retires the key at `key_path` (its public half added to the list at
/// `retired_path`, first) and puts a new one in its place; the old and
/// new fingerprints. A running portal signs with the new key after a
/// restart.
pub fn rotate(key_path: &Path, retired_path: &Path, now: &str) -> anyhow::Result<(String, String)> {
    let old = load_or_create(key_path)?;
    let old_public = PortalKey::of(&old);
    let mut retired = load_retired(retired_path)?;
    if !retired.iter().any(|k| k.key_id == old_public.fingerprint()) {
        retired.insert(
            0,
            PublishedKey {
                key: old_public.to_base64(),
                key_id: old_public.fingerprint(),
                retired_at: now.to_owned(),
            },
        );
    }
    // The old public key is safe in the list before the key is replaced.
    replace_file(retired_path, &serde_json::to_vec_pretty(&retired)?, false)?;
    let new = SigningKey::from_bytes(&crate::random::bytes::<32>());
    replace_file(key_path, B64.encode(new.to_bytes()).as_bytes(), true)?;
    Ok((old_public.fingerprint(), PortalKey::of(&new).fingerprint()))
}

/// Loads the key at `path`, creating it on first start (replicas
/// starting together on one folder all get the one written first).
pub fn load_or_create(path: &Path) -> anyhow::Result<SigningKey> {
    let text = crate::private::read_or_create(path, || {
        let key = SigningKey::from_bytes(&crate::random::bytes::<32>());
        B64.encode(key.to_bytes()).into_bytes()
    })?;
    let seed: [u8; 32] = std::str::from_utf8(&text)
        .ok()
        .and_then(|t| B64.decode(t.trim()).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("{} is not a 32-byte base64 key", path.display()))?;
    Ok(SigningKey::from_bytes(&seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_creating_the_key_at_once_all_get_the_one_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("receipt-key.ed25519");
        let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..8)
                .map(|_| s.spawn(|| load_or_create(&path).expect("key").to_bytes()))
                .collect();
            runs.into_iter()
                .map(|r| r.join().expect("thread"))
                .collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0]), "one key for all");
        assert_eq!(load_or_create(&path).expect("again").to_bytes(), keys[0]);
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert_eq!(left.len(), 1, "no staged key left behind");
    }

    #[test]
    fn the_key_is_created_once_and_read_back_the_same() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("receipt-key");
        let first = load_or_create(&path).expect("create");
        let again = load_or_create(&path).expect("load");
        assert_eq!(first.to_bytes(), again.to_bytes());
        std::fs::write(&path, "short").expect("overwrite");
        assert!(load_or_create(&path).is_err());
    }

    #[test]
    fn rotating_publishes_every_retired_key_newest_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (key, retired) = (
            dir.path().join("receipt-key"),
            dir.path().join("retired.json"),
        );
        let first = PortalKey::of(&load_or_create(&key).expect("create")).fingerprint();
        let (old, second) = rotate(&key, &retired, "2026-11-23T10:00:00+07:00").expect("rotate");
        assert_eq!(old, first);
        assert_ne!(second, first);
        assert_eq!(
            PortalKey::of(&load_or_create(&key).expect("load")).fingerprint(),
            second
        );
        let (_, third) = rotate(&key, &retired, "2026-11-24T10:00:00+07:00").expect("rotate");
        let list = load_retired(&retired).expect("list");
        let ids: Vec<&str> = list.iter().map(|k| k.key_id.as_str()).collect();
        assert_eq!(ids, vec![second.as_str(), first.as_str()]);
        assert_ne!(third, second);
        // A retired public key reads back as the key it was.
        let again = PortalKey::from_base64(&list[1].key).expect("key");
        assert_eq!(again.fingerprint(), first);
    }
}
