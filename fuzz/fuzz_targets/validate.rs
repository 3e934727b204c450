//! Any dossier body (as JSON) checked against every bundled procedure gives
//! problems with both languages filled in; never a panic.

#![no_main]

use hoso_core::procedure::{Procedure, bundled};
use hoso_core::{DossierContent, validate};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn procedures() -> &'static [Procedure] {
    static ALL: OnceLock<Vec<Procedure>> = OnceLock::new();
    ALL.get_or_init(|| {
        bundled()
            .into_iter()
            .map(|(n, t)| Procedure::parse(n, t).expect("bundled schema"))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(dossier) = serde_json::from_slice::<DossierContent>(data) else {
        return;
    };
    for p in procedures() {
        for problem in validate(p, &dossier) {
            assert!(!problem.message.vi.is_empty() && !problem.message.en.is_empty());
        }
    }
});
