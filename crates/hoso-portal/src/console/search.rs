//! What the queue finds a dossier by: the words of its code, of its
//! applicant's name and of the tax code, without case or diacritics
//! ("nguyen" finds "Nguyễn"), each typed word the beginning of one of them.

use crate::records::{DossierIndex, Unindexed};
use hoso_core::DossierContent;
use hoso_core::procedure::{FieldKind, Procedure};

/// Words of a search, at most this many.
pub const MAX_WORDS: usize = 6;
/// A word is cut to this many characters.
const MAX_WORD_CHARS: usize = 40;

/// The words of `text`: folded (no case, no diacritics, đ as d), split at
/// every character that is not a letter or a digit, each once.
pub fn words(text: &str) -> Vec<String> {
    let folded = hoso_core::dossier::search_key(text);
    let mut out: Vec<String> = Vec::new();
    for word in folded.split(|c: char| !c.is_alphanumeric()) {
        let word: String = word.chars().take(MAX_WORD_CHARS).collect();
        if !word.is_empty() && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// The words a search asks for (at most [`MAX_WORDS`]).
pub fn asked(text: &str) -> Vec<String> {
    let mut w = words(text);
    w.truncate(MAX_WORDS);
    w
}

/// The applicant's tax code in `content`: the value of the first
/// tax-code field of `procedure`, or empty.
pub fn tax_code(content: &DossierContent, procedure: &Procedure) -> String {
    procedure
        .sections
        .iter()
        .find_map(|s| {
            s.fields
                .iter()
                .find(|f| f.kind == FieldKind::TaxCode)
                .map(|f| format!("{}.{}", s.id, f.id))
        })
        .and_then(|path| content.field(&path).map(str::trim).map(str::to_owned))
        .unwrap_or_default()
}

/// The index of dossier `code` filed by `applicant_name` with `tax_code`.
/// Of the code, the words after the agency's prefix (its day and number):
/// the prefix, in every code, would find them all (a whole code is looked
/// up as such).
pub fn index(code: &str, applicant_name: &str, tax_code: String) -> DossierIndex {
    let own = code.split_once('-').map_or(code, |(_, rest)| rest);
    let mut terms = words(own);
    for w in words(applicant_name).into_iter().chain(words(&tax_code)) {
        if !terms.contains(&w) {
            terms.push(w);
        }
    }
    // The tax code whole too, so that "0101234567-001" is found typed
    // without its dash.
    let digits: String = tax_code.chars().filter(char::is_ascii_digit).collect();
    if !digits.is_empty() && !terms.contains(&digits) {
        terms.push(digits);
    }
    DossierIndex {
        code: code.to_owned(),
        applicant_name: applicant_name.to_owned(),
        tax_code,
        terms,
    }
}

/// The index of a dossier filed before the console, from its stored
/// receipt and content; one whose procedure this portal no longer has is
/// found by its code and applicant.
pub fn index_stored(stored: &Unindexed, catalog: &crate::catalog::Catalog) -> DossierIndex {
    let name = serde_json::from_str::<hoso_core::receipt::SignedReceipt>(&stored.receipt)
        .ok()
        .and_then(|r| r.receipt["applicant"]["name"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let content = serde_json::from_str::<DossierContent>(&stored.content).ok();
    let procedure = stored
        .procedure
        .0
        .parse()
        .ok()
        .and_then(|code| catalog.version(&code, &stored.procedure.1));
    let tax = match (content, procedure) {
        (Some(content), Some(entry)) => tax_code(&content, &entry.procedure),
        _ => String::new(),
    };
    index(&stored.code, &name, tax)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dossier_is_found_by_its_code_applicant_and_tax_code_whole_or_in_parts() {
        let i = index(
            "HS-261205-0001",
            "Công ty TNHH Đông Á",
            "0101234567-001".into(),
        );
        assert_eq!(i.tax_code, "0101234567-001");
        for term in [
            "261205",
            "0001",
            "cong",
            "ty",
            "tnhh",
            "dong",
            "a",
            "0101234567",
            "001",
            "0101234567001",
        ] {
            assert!(i.terms.iter().any(|t| t == term), "{term} in {:?}", i.terms);
        }
        assert_eq!(
            i.terms.len(),
            10,
            "each once, no agency prefix: {:?}",
            i.terms
        );
        assert!(!i.terms.iter().any(|t| t == "hs"));
    }

    #[test]
    fn words_are_folded_split_and_kept_once() {
        assert_eq!(
            words("Nguyễn Thị ĐÀO, nguyen"),
            vec!["nguyen", "thi", "dao"]
        );
        assert_eq!(
            words("HOSO.PRACTICE-260701-0001"),
            vec!["hoso", "practice", "260701", "0001"]
        );
        assert!(words(" -- ").is_empty());
        assert_eq!(asked("a b c d e f g h").len(), MAX_WORDS);
    }
}
