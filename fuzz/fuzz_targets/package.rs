//! Any file offered as a `.hoso` package is either read with every
//! document matching its declared size and hash, or refused with a
//! message for people; never a panic, never unbounded memory.

#![no_main]

use hoso_package::Package;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Package::open(std::io::Cursor::new(data)) {
        Ok(mut package) => {
            let listed = package.manifest().documents();
            for doc in listed {
                let mut out = Vec::new();
                match package.copy_document(&doc.sha256, &mut out) {
                    Ok(n) => {
                        assert_eq!(n, doc.size);
                        assert_eq!(hoso_core::Sha256Digest::of(&out), doc.sha256);
                    }
                    Err(e) => assert!(!e.message().vi.is_empty()),
                }
            }
        }
        Err(e) => {
            let told = e.message();
            assert!(!told.vi.is_empty() && !told.en.is_empty());
        }
    }
});
