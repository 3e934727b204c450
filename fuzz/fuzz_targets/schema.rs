//! Any text given to the schema parser is either a checked procedure or a
//! clear error with a line inside the text; never a panic.

#![no_main]

use hoso_core::procedure::Procedure;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Procedure::parse("fuzz.json", text) {
        Ok(p) => {
            // A schema that passed the check must validate dossiers safely.
            let empty = hoso_core::DossierContent {
                procedure: p.code.clone(),
                version: p.version.clone(),
                fields: Default::default(),
                documents: vec![],
            };
            let _ = hoso_core::validate(&p, &empty);
        }
        Err(e) => {
            let lines = text.lines().count().max(1);
            assert!(
                e.line >= 1 && e.line <= lines + 1,
                "line {} of {lines}",
                e.line
            );
            assert!(!e.message.is_empty());
        }
    }
});
