//! The canonical manifest of a dossier and its hash: what the portal signs
//! on the receipt and what tells two submissions of the same content apart
//! from two different dossiers.

use crate::{DossierContent, Sha256Digest};

/// The dossier content as canonical JSON (RFC 8785), after normalisation:
/// the same content always gives the same bytes, whoever serialises it.
pub fn canonical_bytes(content: &DossierContent) -> Vec<u8> {
    // Serialising plain strings, integers and maps cannot fail.
    serde_json_canonicalizer::to_vec(&content.normalized())
        .unwrap_or_else(|e| panic!("canonical JSON of a dossier: {e}"))
}

/// SHA-256 of [`canonical_bytes`].
pub fn manifest_sha256(content: &DossierContent) -> Sha256Digest {
    Sha256Digest::of(&canonical_bytes(content))
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    fn content(name: &str) -> DossierContent {
        DossierContent {
            procedure: "kiem-tra-cl-nhap-khau".parse().expect("valid code"),
            version: "2018.07".into(),
            fields: [
                ("importer.name".to_owned(), name.into()),
                ("goods.border_gate".to_owned(), "Cảng Hải Phòng".into()),
            ]
            .into(),
            documents: vec![],
        }
    }

    #[test]
    fn content_that_looks_the_same_hashes_the_same() {
        let nfc = content("Công ty Ánh Dương");
        let nfd = content(&format!(
            "  {} ",
            "Công ty Ánh Dương".nfd().collect::<String>()
        ));
        assert_ne!(nfc, nfd);
        assert_eq!(manifest_sha256(&nfc), manifest_sha256(&nfd));
        assert_ne!(
            manifest_sha256(&nfc),
            manifest_sha256(&content("Công ty Ánh Dương 2"))
        );
    }

    #[test]
    fn canonical_bytes_sort_keys_and_drop_whitespace() {
        let text = String::from_utf8(canonical_bytes(&content("A"))).expect("utf-8");
        assert!(
            text.starts_with(r#"{"documents":[],"fields":{"goods.border_gate":"#),
            "{text}"
        );
        assert!(!text.contains(": "));
    }
}
