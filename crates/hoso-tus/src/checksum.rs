//! The checksum extension: `Upload-Checksum: sha256 <base64 digest>` on a
//! PATCH, so that a chunk corrupted on the way is refused (460) instead of
//! stored.

use crate::TusError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha1::Digest as _;

/// Algorithms HoSo computes and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumAlgorithm {
    /// SHA-1, for clients that offer nothing better.
    Sha1,
    /// SHA-256, what HoSo's client sends.
    Sha256,
}

impl ChecksumAlgorithm {
    /// Name in `Tus-Checksum-Algorithm` and `Upload-Checksum`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
        }
    }

    /// Reads an algorithm name.
    pub fn parse(name: &str) -> Result<Self, TusError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "sha1" => Ok(Self::Sha1),
            "sha256" => Ok(Self::Sha256),
            other => Err(TusError::UnsupportedAlgorithm(other.to_owned())),
        }
    }

    /// Reads a `Tus-Checksum-Algorithm` list, keeping the known ones.
    pub fn parse_list(value: &str) -> Vec<Self> {
        value
            .split(',')
            .filter_map(|n| Self::parse(n).ok())
            .collect()
    }

    /// A fresh incremental hasher.
    pub fn hasher(self) -> ChunkHasher {
        match self {
            Self::Sha1 => ChunkHasher::Sha1(sha1::Sha1::new()),
            Self::Sha256 => ChunkHasher::Sha256(sha2::Sha256::new()),
        }
    }
}

/// Hashes a chunk as it streams past.
#[derive(Debug, Clone)]
pub enum ChunkHasher {
    /// SHA-1 state.
    Sha1(sha1::Sha1),
    /// SHA-256 state.
    Sha256(sha2::Sha256),
}

impl ChunkHasher {
    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Sha1(h) => h.update(bytes),
            Self::Sha256(h) => h.update(bytes),
        }
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// A parsed `Upload-Checksum` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadChecksum {
    /// Algorithm used.
    pub algorithm: ChecksumAlgorithm,
    /// The expected digest.
    pub digest: Vec<u8>,
}

impl UploadChecksum {
    /// Reads `algorithm base64`.
    pub fn parse(value: &str) -> Result<Self, TusError> {
        let (alg, digest) = value
            .trim()
            .split_once(' ')
            .ok_or_else(|| TusError::BadChecksum(value.to_owned()))?;
        let algorithm = ChecksumAlgorithm::parse(alg)?;
        let digest = B64
            .decode(digest.trim())
            .map_err(|_| TusError::BadChecksum(value.to_owned()))?;
        Ok(Self { algorithm, digest })
    }

    /// Writes `algorithm base64`.
    pub fn to_header(&self) -> String {
        format!("{} {}", self.algorithm.name(), B64.encode(&self.digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_round_trip_and_match_known_digests() {
        let mut h = ChecksumAlgorithm::Sha1.hasher();
        h.update(b"hello");
        let c = UploadChecksum {
            algorithm: ChecksumAlgorithm::Sha1,
            digest: h.finish(),
        };
        // The example in the tus checksum extension: sha1 of "hello".
        assert_eq!(c.to_header(), "sha1 qvTGHdzF6KLavt4PO0gs2a6pQ00=");
        assert_eq!(UploadChecksum::parse(&c.to_header()), Ok(c));
    }

    #[test]
    fn unknown_algorithms_and_bad_digests_are_refused() {
        assert_eq!(
            UploadChecksum::parse("md5 XUFAKrxLKna5cZ2REBfFkg=="),
            Err(TusError::UnsupportedAlgorithm("md5".into()))
        );
        assert!(matches!(
            UploadChecksum::parse("sha256"),
            Err(TusError::BadChecksum(_))
        ));
        assert!(matches!(
            UploadChecksum::parse("sha256 !!"),
            Err(TusError::BadChecksum(_))
        ));
        assert_eq!(
            ChecksumAlgorithm::parse_list("md5,sha1, sha256"),
            vec![ChecksumAlgorithm::Sha1, ChecksumAlgorithm::Sha256]
        );
    }
}
