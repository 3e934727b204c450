//! Text pasted from documents typed in the pre-Unicode Vietnamese encodings
//! TCVN3 (ABC, fonts `.VnTime`) and VNI (fonts `VNI-Times`). Their bytes
//! arrive as Latin-1 letters — "Céng hoµ x· héi" or "Coäng hoøa xaõ hoäi" for
//! "Cộng hoà xã hội" — and portals store them as such. [`detect`] notices
//! such text and proposes its Unicode form, which the person may accept.
//!
//! TCVN3 gives each accented lower-case letter one byte; VNI writes a base
//! letter followed by a byte carrying its marks. Both are converted through
//! combining marks and NFC, so every combination composes the same way.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// A legacy encoding HoSo recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// TCVN 5712:1993 VN3 (ABC).
    Tcvn3,
    /// VNI Windows.
    Vni,
}

impl Encoding {
    /// The encoding's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tcvn3 => "TCVN3 (ABC)",
            Self::Vni => "VNI",
        }
    }
}

/// A proposed conversion of pasted text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The encoding the text appears to be in.
    pub encoding: Encoding,
    /// The text in Unicode (NFC).
    pub converted: String,
}

const GRAVE: char = '\u{300}';
const ACUTE: char = '\u{301}';
const CIRC: char = '\u{302}';
const TILDE: char = '\u{303}';
const BREVE: char = '\u{306}';
const HOOK: char = '\u{309}';
const HORN: char = '\u{31b}';
const DOT: char = '\u{323}';

/// TCVN3: a byte (as a Latin-1 character) and the letter it stands for.
fn tcvn3(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{a1}' => "Ă",
        '\u{a2}' => "Â",
        '\u{a3}' => "Ê",
        '\u{a4}' => "Ô",
        '\u{a5}' => "Ơ",
        '\u{a6}' => "Ư",
        '\u{a7}' => "Đ",
        '\u{a8}' => "ă",
        '\u{a9}' => "â",
        '\u{aa}' => "ê",
        '\u{ab}' => "ô",
        '\u{ac}' => "ơ",
        '\u{ad}' => "ư",
        '\u{ae}' => "đ",
        '\u{b5}' => "à",
        '\u{b6}' => "ả",
        '\u{b7}' => "ã",
        '\u{b8}' => "á",
        '\u{b9}' => "ạ",
        '\u{bb}' => "ằ",
        '\u{bc}' => "ẳ",
        '\u{bd}' => "ẵ",
        '\u{be}' => "ắ",
        '\u{c6}' => "ặ",
        '\u{c7}' => "ầ",
        '\u{c8}' => "ẩ",
        '\u{c9}' => "ẫ",
        '\u{ca}' => "ấ",
        '\u{cb}' => "ậ",
        '\u{cc}' => "è",
        '\u{ce}' => "ẻ",
        '\u{cf}' => "ẽ",
        '\u{d0}' => "é",
        '\u{d1}' => "ẹ",
        '\u{d2}' => "ề",
        '\u{d3}' => "ể",
        '\u{d4}' => "ễ",
        '\u{d5}' => "ế",
        '\u{d6}' => "ệ",
        '\u{d7}' => "ì",
        '\u{d8}' => "ỉ",
        '\u{dc}' => "ĩ",
        '\u{dd}' => "í",
        '\u{de}' => "ị",
        '\u{df}' => "ò",
        '\u{e1}' => "ỏ",
        '\u{e2}' => "õ",
        '\u{e3}' => "ó",
        '\u{e4}' => "ọ",
        '\u{e5}' => "ồ",
        '\u{e6}' => "ổ",
        '\u{e7}' => "ỗ",
        '\u{e8}' => "ố",
        '\u{e9}' => "ộ",
        '\u{ea}' => "ờ",
        '\u{eb}' => "ở",
        '\u{ec}' => "ỡ",
        '\u{ed}' => "ớ",
        '\u{ee}' => "ợ",
        '\u{ef}' => "ù",
        '\u{f1}' => "ủ",
        '\u{f2}' => "ũ",
        '\u{f3}' => "ú",
        '\u{f4}' => "ụ",
        '\u{f5}' => "ừ",
        '\u{f6}' => "ử",
        '\u{f7}' => "ữ",
        '\u{f8}' => "ứ",
        '\u{f9}' => "ự",
        '\u{fa}' => "ỳ",
        '\u{fb}' => "ỷ",
        '\u{fc}' => "ỹ",
        '\u{fd}' => "ý",
        '\u{fe}' => "ỵ",
        _ => return None,
    })
}

/// VNI: what a Latin-1 character stands for — a letter of its own, or marks
/// for the letter before it.
enum Vni {
    Letter(&'static str),
    Marks(&'static [char]),
}

fn vni(c: char) -> Option<Vni> {
    use Vni::{Letter, Marks};
    let lower = c.to_lowercase().next().unwrap_or(c);
    let upper = c != lower;
    Some(match lower {
        // Marks on the letter before (lower- and upper-case forms).
        'â' => Marks(&[CIRC]),
        'á' => Marks(&[CIRC, ACUTE]),
        'à' => Marks(&[CIRC, GRAVE]),
        'å' => Marks(&[CIRC, HOOK]),
        'ã' => Marks(&[CIRC, TILDE]),
        'ä' => Marks(&[CIRC, DOT]),
        'ê' => Marks(&[BREVE]),
        'é' => Marks(&[BREVE, ACUTE]),
        'è' => Marks(&[BREVE, GRAVE]),
        'ú' => Marks(&[BREVE, HOOK]),
        'ü' => Marks(&[BREVE, TILDE]),
        'ë' => Marks(&[BREVE, DOT]),
        'ù' => Marks(&[ACUTE]),
        'ø' => Marks(&[GRAVE]),
        'û' => Marks(&[HOOK]),
        'õ' => Marks(&[TILDE]),
        'ï' => Marks(&[DOT]),
        // Letters of their own.
        'ô' => Letter(if upper { "Ơ" } else { "ơ" }),
        'ö' => Letter(if upper { "Ư" } else { "ư" }),
        'ñ' => Letter(if upper { "Đ" } else { "đ" }),
        'í' => Letter(if upper { "Í" } else { "í" }),
        'ì' => Letter(if upper { "Ì" } else { "ì" }),
        'æ' => Letter(if upper { "Ỉ" } else { "ỉ" }),
        'ó' => Letter(if upper { "Ĩ" } else { "ĩ" }),
        'ò' => Letter(if upper { "Ị" } else { "ị" }),
        'î' => Letter(if upper { "Ỵ" } else { "ỵ" }),
        _ => return None,
    })
}

/// `text` read as TCVN3.
pub fn from_tcvn3(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match tcvn3(c) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    out.nfc().collect()
}

/// `text` read as VNI.
pub fn from_vni(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_letter = false;
    for c in text.chars() {
        after_letter = match vni(c) {
            Some(Vni::Marks(marks)) if after_letter => {
                out.extend(marks);
                false
            }
            Some(Vni::Letter(s)) => {
                out.push_str(s);
                true
            }
            _ => {
                out.push(c);
                c.is_ascii_alphabetic()
            }
        };
    }
    out.nfc().collect()
}

/// A value of a dossier that reads as TCVN3 or VNI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    /// Where it is, as validation names places: `section.field`, or
    /// `section.table[row].column` for a cell.
    pub path: String,
    /// The encoding it appears to be in.
    pub encoding: Encoding,
    /// The value in Unicode (NFC).
    pub converted: String,
}

/// Every value among `fields` (by `section.field` path, as a dossier holds
/// them) that [`detect`] reads as TCVN3 or VNI, in path order: the values
/// of text fields and the text cells of tables, as the form's text inputs
/// offer the conversion. Values of other kinds, and paths `procedure` does
/// not know, are not looked at.
pub fn in_fields<'a>(
    procedure: &crate::Procedure,
    fields: impl IntoIterator<Item = (&'a String, &'a crate::Value)>,
) -> Vec<Found> {
    let mut out = Vec::new();
    let mut look = |path: String, text: &str| {
        if let Some(s) = detect(text) {
            out.push(Found {
                path,
                encoding: s.encoding,
                converted: s.converted,
            });
        }
    };
    for (path, value) in fields {
        let Some(field) = procedure.field(path) else {
            continue;
        };
        match value {
            crate::Value::Text(t) if field.kind.is_text() => look(path.clone(), t),
            crate::Value::Rows(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    for column in field.columns.iter().filter(|c| c.kind.is_text()) {
                        if let Some(cell) = row.get(&column.id) {
                            look(format!("{path}[{i}].{}", column.id), cell);
                        }
                    }
                }
            }
            crate::Value::Text(_) => {}
        }
    }
    out
}

/// Whether `text` looks like TCVN3 or VNI pasted as Latin-1, and if so its
/// Unicode form. Text that is plain Vietnamese, English or another language
/// gives `None`: a conversion is proposed only when it turns words that are
/// not Vietnamese into words that are.
pub fn detect(text: &str) -> Option<Suggestion> {
    let before = vietnamese_share(text);
    [
        (Encoding::Tcvn3, from_tcvn3(text)),
        (Encoding::Vni, from_vni(text)),
    ]
    .into_iter()
    .filter(|(_, converted)| converted != text)
    .map(|(encoding, converted)| (vietnamese_share(&converted), encoding, converted))
    .filter(|(after, _, _)| after.0 >= 0.8 && after.0 > before.0 && after.1 > before.1)
    .max_by(|a, b| a.0.0.total_cmp(&b.0.0))
    .map(|(_, encoding, converted)| Suggestion {
        encoding,
        converted,
    })
}

/// Of the words with letters outside ASCII, the share that are Vietnamese
/// syllables, and their number.
fn vietnamese_share(text: &str) -> (f64, usize) {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphabetic() && !is_legacy_symbol(c))
        .filter(|w| !w.is_empty() && !w.is_ascii())
        .collect();
    if words.is_empty() {
        return (0.0, 0);
    }
    let good = words.iter().filter(|w| is_syllable(w)).count();
    (good as f64 / words.len() as f64, good)
}

/// Latin-1 signs that TCVN3 uses for letters (µ · ¸ ¹ § …).
fn is_legacy_symbol(c: char) -> bool {
    ('\u{a1}'..='\u{bf}').contains(&c)
}

/// Whether `word` is one Vietnamese syllable: an onset, a vowel group with
/// at most one tone, and a coda.
pub fn is_syllable(word: &str) -> bool {
    let mut tones = 0;
    let mut base = String::new();
    for c in word.to_lowercase().nfd() {
        match c {
            GRAVE | ACUTE | TILDE | HOOK | DOT => tones += 1,
            CIRC | BREVE | HORN => base.push(c),
            c if c.is_ascii_lowercase() || c == 'đ' => base.push(c),
            _ => return false,
        }
    }
    if tones > 1 {
        return false;
    }
    let base: String = base.nfc().collect();
    const ONSETS: [&str; 27] = [
        "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
        "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
    ];
    const CODAS: [&str; 9] = ["ng", "nh", "ch", "c", "m", "n", "p", "t", ""];
    const NUCLEI: [&str; 57] = [
        "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu",
        "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "oo", "ôi", "ơi", "ua", "uâ",
        "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê", "iêu", "oai", "oao", "oay",
        "oeo", "uây", "uôi", "uya", "uyê", "uyu", "ươi", "ươu", "yêu", "uyên", "ueo",
    ];
    // "gi" is an onset in "gia" but a vowel in "gì": try every onset.
    let rests = ONSETS
        .iter()
        .filter_map(|o| base.strip_prefix(o))
        .chain([base.as_str()]);
    rests.into_iter().any(|rest| {
        CODAS.iter().any(|coda| {
            rest.strip_suffix(coda)
                .is_some_and(|nucleus| NUCLEI.contains(&nucleus))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOTTO: &str = "Cộng hoà xã hội chủ nghĩa Việt Nam Độc lập - Tự do - Hạnh phúc";

    #[test]
    fn tcvn3_text_is_detected_and_converted() {
        let pasted = "Céng hoµ x· héi chñ nghÜa ViÖt Nam §éc lËp - Tù do - H¹nh phóc";
        let s = detect(pasted).expect("TCVN3 detected");
        assert_eq!(s.encoding, Encoding::Tcvn3);
        assert_eq!(s.converted, MOTTO);
    }

    #[test]
    fn vni_text_is_detected_and_converted() {
        let pasted = "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam Ñoäc laäp - Töï do - Haïnh phuùc";
        let s = detect(pasted).expect("VNI detected");
        assert_eq!(s.encoding, Encoding::Vni);
        assert_eq!(s.converted, MOTTO.replace("hoà", "hòa"));
        let upper = detect("COÂNG TY TNHH ÑIEÄN LÖÏC").expect("upper-case VNI");
        assert_eq!(upper.converted, "CÔNG TY TNHH ĐIỆN LỰC");
    }

    #[test]
    fn a_dossiers_text_fields_and_text_cells_are_looked_at_by_path() {
        let procedure = crate::procedure::bundled()
            .into_iter()
            .find(|(n, _)| *n == "kiem-tra-cl-nhap-khau.2026.json")
            .map(|(n, t)| crate::Procedure::parse(n, t).expect("schema"))
            .expect("bundled");
        let mut d = crate::samples::quality_inspection();
        assert_eq!(
            in_fields(&procedure, &d.fields),
            [],
            "the sample is Unicode"
        );
        d.set("importer.name", "C«ng ty TNHH ThiÕt bÞ §iÖn Quang");
        d.set(
            "importer.address",
            "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam",
        );
        // A tax code is text too, but holds no letters to misread.
        d.set("importer.tax_code", "0100233488");
        if let Some(crate::Value::Rows(rows)) = d.fields.get_mut("goods.items") {
            rows[1].insert("origin".into(), "Hµn Quèc".into());
            // A number column is not text: never looked at.
            rows[1].insert("quantity".into(), "Hµn Quèc".into());
        }
        let found = in_fields(&procedure, &d.fields);
        let seen: Vec<(&str, Encoding, &str)> = found
            .iter()
            .map(|f| (f.path.as_str(), f.encoding, f.converted.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("goods.items[1].origin", Encoding::Tcvn3, "Hàn Quốc"),
                (
                    "importer.address",
                    Encoding::Vni,
                    "Cộng hòa xã hội chủ nghĩa Việt Nam"
                ),
                (
                    "importer.name",
                    Encoding::Tcvn3,
                    "Công ty TNHH Thiết bị Điện Quang"
                ),
            ]
        );
    }

    #[test]
    fn unicode_vietnamese_and_other_languages_are_left_alone() {
        for text in [
            MOTTO,
            "Máy biến áp khô 3 pha 1000 kVA, nhãn hiệu ABB",
            "Müller GmbH, Düsseldorf",
            "España, año 2026",
            "Invoice no. 12/2026",
            "",
        ] {
            assert_eq!(detect(text), None, "{text}");
        }
    }

    #[test]
    fn syllables_follow_vietnamese_structure() {
        for ok in ["nghiêng", "khuya", "Việt", "xoong", "đường", "quốc", "gì"] {
            assert!(is_syllable(ok), "{ok}");
        }
        for bad in ["Müller", "hoứa", "năàm", "xyz", "street"] {
            assert!(!is_syllable(bad), "{bad}");
        }
    }
}
