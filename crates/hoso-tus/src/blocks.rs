//! HoSo's block-checksum extension (`hoso-block-checksum`): a PATCH carries
//! the digest of each block of its body (`HoSo-Block-Checksum: sha256
//! 262144 <base64>,<base64>,…`), so that a server can check the body block
//! by block as it arrives and keep every whole block that checked out when
//! the connection breaks, instead of all or nothing as with
//! `Upload-Checksum`. A cut connection then costs at most one block sent
//! again, and every byte the server acknowledges was still checked against
//! the client's own digest.
//!
//! A server offers it by naming `hoso-block-checksum` in `Tus-Extension`;
//! a client that does not see it sends `Upload-Checksum` (or nothing), as
//! plain tus. A server that does not know the header ignores it.

use crate::TusError;
use crate::checksum::{ChecksumAlgorithm, ChunkHasher};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// The request header.
pub const HEADER: &str = "HoSo-Block-Checksum";
/// The block size HoSo's client uses: a reset costs at most this much.
pub const BLOCK: u64 = 256 * 1024;
/// Smallest block a server accepts.
pub const MIN_BLOCK: u64 = 64 * 1024;
/// Largest block a server accepts.
pub const MAX_BLOCK: u64 = 16 * 1024 * 1024;
/// Most digests in one header (keeps it within a few kilobytes).
pub const MAX_BLOCKS: usize = 256;

/// The digests of the blocks of one PATCH body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockChecksums {
    /// Algorithm of every digest.
    pub algorithm: ChecksumAlgorithm,
    /// Bytes per block; the last block may be shorter.
    pub block: u64,
    /// One digest per block, in order.
    pub digests: Vec<Vec<u8>>,
}

impl BlockChecksums {
    /// The digests of `data` cut in blocks of `block` bytes.
    pub fn of(algorithm: ChecksumAlgorithm, block: u64, data: &[u8]) -> Self {
        let size = usize::try_from(block).unwrap_or(usize::MAX).max(1);
        let digests = data
            .chunks(size)
            .map(|piece| {
                let mut h = algorithm.hasher();
                h.update(piece);
                h.finish()
            })
            .collect();
        Self {
            algorithm,
            block,
            digests,
        }
    }

    /// Reads `algorithm block digest,digest,…`.
    pub fn parse(value: &str) -> Result<Self, TusError> {
        let bad = || TusError::BadBlockChecksum(value.chars().take(80).collect());
        let mut parts = value.split_ascii_whitespace();
        let (Some(alg), Some(block), Some(list), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let algorithm = ChecksumAlgorithm::parse(alg)?;
        let block: u64 = block.parse().map_err(|_| bad())?;
        if !(MIN_BLOCK..=MAX_BLOCK).contains(&block) {
            return Err(bad());
        }
        let digests = list
            .split(',')
            .map(|d| B64.decode(d.trim()).map_err(|_| bad()))
            .collect::<Result<Vec<_>, _>>()?;
        let size = match algorithm {
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
        };
        if digests.is_empty()
            || digests.len() > MAX_BLOCKS
            || digests.iter().any(|d| d.len() != size)
        {
            return Err(bad());
        }
        Ok(Self {
            algorithm,
            block,
            digests,
        })
    }

    /// Writes the header value.
    pub fn to_header(&self) -> String {
        let list: Vec<String> = self.digests.iter().map(|d| B64.encode(d)).collect();
        format!(
            "{} {} {}",
            self.algorithm.name(),
            self.block,
            list.join(",")
        )
    }

    /// Whether these digests describe a body of `len` bytes.
    pub fn covers(&self, len: u64) -> bool {
        len.div_ceil(self.block) == self.digests.len() as u64
    }

    /// Checks a body as it streams past.
    pub fn verifier(self) -> BlockVerifier {
        let hasher = self.algorithm.hasher();
        BlockVerifier {
            sums: self,
            index: 0,
            hasher,
            in_block: 0,
            verified: 0,
            failed: false,
        }
    }
}

/// Checks a body block by block against its [`BlockChecksums`].
#[derive(Debug, Clone)]
pub struct BlockVerifier {
    sums: BlockChecksums,
    index: usize,
    hasher: ChunkHasher,
    in_block: u64,
    verified: u64,
    failed: bool,
}

impl BlockVerifier {
    /// Feeds the next bytes of the body. Once a block does not match (or
    /// the body runs past its last digest), nothing more is verified.
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && !self.failed {
            if self.index >= self.sums.digests.len() {
                self.failed = true;
                return;
            }
            let room = usize::try_from(self.sums.block - self.in_block).unwrap_or(usize::MAX);
            let take = room.min(bytes.len());
            self.hasher.update(&bytes[..take]);
            self.in_block += take as u64;
            bytes = &bytes[take..];
            if self.in_block == self.sums.block {
                self.close_block();
            }
        }
    }

    /// The body ended as sent: its last, shorter block is checked too.
    pub fn finish(&mut self) {
        if self.in_block > 0 && !self.failed {
            self.close_block();
        }
    }

    fn close_block(&mut self) {
        let done = std::mem::replace(&mut self.hasher, self.sums.algorithm.hasher()).finish();
        if self.sums.digests.get(self.index) == Some(&done) {
            self.verified += self.in_block;
            self.index += 1;
            self.in_block = 0;
        } else {
            self.failed = true;
        }
    }

    /// Bytes from the start of the body that checked out, whole blocks only.
    pub fn verified(&self) -> u64 {
        self.verified
    }

    /// A block did not match its digest (or the body ran past the digests).
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Every digest was matched: the whole body checked out.
    pub fn complete(&self) -> bool {
        !self.failed && self.index == self.sums.digests.len() && self.in_block == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn headers_round_trip_and_malformed_ones_are_refused() {
        let data = body(3 * MIN_BLOCK as usize + 10);
        let sums = BlockChecksums::of(ChecksumAlgorithm::Sha256, MIN_BLOCK, &data);
        assert_eq!(sums.digests.len(), 4);
        assert!(sums.covers(data.len() as u64));
        assert!(!sums.covers(3 * MIN_BLOCK));
        assert_eq!(BlockChecksums::parse(&sums.to_header()), Ok(sums.clone()));
        let header = sums.to_header();
        for bad in [
            "",
            "sha256 262144",
            "md5 262144 AAAA",
            "sha256 1024 AAAA",
            "sha256 99999999999 AAAA",
            "sha256 262144 not-base64!",
            "sha256 262144 AAAA",
            &format!("{header} extra"),
        ] {
            assert!(BlockChecksums::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_body_checks_out_block_by_block_however_it_is_cut() {
        let data = body(2 * MIN_BLOCK as usize + 777);
        let sums = BlockChecksums::of(ChecksumAlgorithm::Sha256, MIN_BLOCK, &data);
        for piece in [1usize, 1000, 65_536, 100_000] {
            let mut v = sums.clone().verifier();
            for p in data.chunks(piece) {
                v.update(p);
            }
            assert_eq!(
                v.verified(),
                2 * MIN_BLOCK,
                "the short block waits for the end"
            );
            v.finish();
            assert!(v.complete(), "pieces of {piece}");
            assert_eq!(v.verified(), data.len() as u64);
        }
    }

    #[test]
    fn a_cut_body_keeps_its_whole_blocks_and_a_damaged_one_stops_there() {
        let data = body(4 * MIN_BLOCK as usize);
        let sums = BlockChecksums::of(ChecksumAlgorithm::Sha256, MIN_BLOCK, &data);
        // Cut in the middle of the third block.
        let mut v = sums.clone().verifier();
        v.update(&data[..2 * MIN_BLOCK as usize + 5000]);
        assert_eq!(
            (v.verified(), v.failed(), v.complete()),
            (2 * MIN_BLOCK, false, false)
        );
        // A flipped byte in the second block: the first is kept, no more.
        let mut damaged = data.clone();
        damaged[MIN_BLOCK as usize + 17] ^= 0x40;
        let mut v = sums.clone().verifier();
        v.update(&damaged);
        v.finish();
        assert_eq!((v.verified(), v.failed()), (MIN_BLOCK, true));
        // A body longer than its digests.
        let mut v = sums.verifier();
        v.update(&data);
        v.update(b"more");
        assert!(v.failed());
        assert_eq!(v.verified(), data.len() as u64);
    }
}
