//! Sample dossiers shipped in `assets/samples/`: complete and valid for the
//! bundled procedure version they name, for tests, benchmarks and the
//! practice portal's demonstrations.

use crate::DossierContent;

/// A complete quality-inspection registration (high-risk goods, 2026.07)
/// for three kinds of electrical goods with its eight documents.
pub fn quality_inspection() -> DossierContent {
    // The file is part of the build; a test below parses it.
    serde_json::from_str(include_str!(
        "../../../assets/samples/kiem-tra-cl-nhap-khau.2026.json"
    ))
    .unwrap_or_else(|e| panic!("bundled sample dossier: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sample_parses_and_has_a_goods_table() {
        let d = super::quality_inspection();
        assert_eq!(d.rows("goods.items").len(), 3);
        assert_eq!(d.documents.len(), 8);
    }
}
