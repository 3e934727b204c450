//! The portal's receipt-signing key: created once, kept in the data folder,
//! readable only by the portal's user.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::SigningKey;
use std::io::Write;
use std::path::Path;

/// Loads the key at `path`, creating it on first start.
pub fn load_or_create(path: &Path) -> anyhow::Result<SigningKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let seed: [u8; 32] = B64
                .decode(text.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| anyhow::anyhow!("{} is not a 32-byte base64 key", path.display()))?;
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = SigningKey::from_bytes(&crate::random::bytes::<32>());
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path)?;
            file.write_all(B64.encode(key.to_bytes()).as_bytes())?;
            file.sync_all()?;
            Ok(key)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
