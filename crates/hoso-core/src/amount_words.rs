//! An amount of đồng as a fee receipt states it: in figures with dots
//! between thousands ("120.000 đ") and in Vietnamese words ("Một trăm hai
//! mươi nghìn đồng"), so that the editor, the command line and the portal
//! print the same words for the same amount.
//!
//! The words follow the northern written usage of receipts and invoices:
//!
//! - a zero tens digit after hundreds is "linh": 105 "một trăm linh năm"
//!   (southern usage writes "lẻ"; HoSo writes "linh");
//! - 10 to 19 are "mười …": 11 "mười một", 14 "mười bốn", 15 "mười lăm";
//! - after twenty and up, tens are "… mươi", a final 1 is "mốt" ("hai
//!   mươi mốt"), a final 4 is "tư" ("hai mươi tư"), a final 5 is "lăm"
//!   ("hai mươi lăm");
//! - after "linh" a digit keeps its own name: 101 "một trăm linh một",
//!   104 "một trăm linh bốn", 105 "một trăm linh năm";
//! - a group of three digits that follows other digits says its hundreds
//!   even when they are zero: 1 005 000 "một triệu không trăm linh năm
//!   nghìn", 1 010 "một nghìn không trăm mười"; a group of three zeros is
//!   left out with its scale word: 1 000 005 "một triệu không trăm linh
//!   năm";
//! - groups are "nghìn" (10³), "triệu" (10⁶), "tỷ" (10⁹), and above a
//!   thousand million the count of "tỷ" is itself read as a number: 10¹²
//!   "một nghìn tỷ", 2.5 × 10¹² "hai nghìn năm trăm tỷ", 10¹⁸ "một tỷ tỷ".

use crate::bilingual::vi_number;

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// `vnd` in Vietnamese words with a capital first letter, ending "đồng":
/// 100 000 is "Một trăm nghìn đồng", 0 is "Không đồng". Defined for every
/// `u64`; the words are those of the module documentation, so one amount
/// always reads the same and two amounts never read alike.
pub fn in_words(vnd: u64) -> String {
    let mut words = Vec::new();
    if vnd == 0 {
        words.push(DIGITS[0]);
    } else {
        number(vnd, false, &mut words);
    }
    words.push("đồng");
    capitalised(&words.join(" "))
}

/// `vnd` in figures the Vietnamese way, dots between thousands and "đ"
/// after: "120.000 đ", "0 đ".
pub fn in_figures(vnd: u64) -> String {
    format!("{} đ", vi_number(vnd))
}

/// The words of `n` (above 0). `inner`: other digits precede `n` in the
/// amount, so its leading group says a zero hundreds.
fn number(n: u64, inner: bool, out: &mut Vec<&'static str>) {
    const TY: u64 = 1_000_000_000;
    let (high, low) = (n / TY, n % TY);
    if high > 0 {
        number(high, inner, out);
        out.push("tỷ");
    }
    if low > 0 {
        below_ty(low, inner || high > 0, out);
    }
}

/// The words of `n` below 10⁹, by groups of three digits.
fn below_ty(n: u64, inner: bool, out: &mut Vec<&'static str>) {
    let groups = [
        (n / 1_000_000, Some("triệu")),
        (n / 1_000 % 1_000, Some("nghìn")),
        (n % 1_000, None),
    ];
    let mut inner = inner;
    for (group, scale) in groups {
        if group == 0 {
            continue;
        }
        // Below 1 000 by construction, so the cast keeps every digit.
        hundreds(group as usize, inner, out);
        out.extend(scale);
        inner = true;
    }
}

/// The words of one group (1 to 999).
fn hundreds(group: usize, inner: bool, out: &mut Vec<&'static str>) {
    let (h, t, u) = (group / 100, group / 10 % 10, group % 10);
    let says_hundreds = h > 0 || inner;
    if says_hundreds {
        out.extend([DIGITS[h], "trăm"]);
    }
    match (t, u) {
        (0, 0) => {}
        (0, u) if says_hundreds => out.extend(["linh", DIGITS[u]]),
        (0, u) => out.push(DIGITS[u]),
        (1, u) => {
            out.push("mười");
            match u {
                0 => {}
                5 => out.push("lăm"),
                u => out.push(DIGITS[u]),
            }
        }
        (t, u) => {
            out.extend([DIGITS[t], "mươi"]);
            match u {
                0 => {}
                1 => out.push("mốt"),
                4 => out.push("tư"),
                5 => out.push("lăm"),
                u => out.push(DIGITS[u]),
            }
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(cases: &[(u64, &str)]) {
        for (n, want) in cases {
            assert_eq!(in_words(*n), *want, "{n}");
        }
    }

    #[test]
    fn zero_and_the_single_digits() {
        check(&[
            (0, "Không đồng"),
            (1, "Một đồng"),
            (4, "Bốn đồng"),
            (5, "Năm đồng"),
            (7, "Bảy đồng"),
            (9, "Chín đồng"),
        ]);
    }

    #[test]
    fn ten_to_nineteen_are_muoi_with_lam_for_five() {
        check(&[
            (10, "Mười đồng"),
            (11, "Mười một đồng"),
            (14, "Mười bốn đồng"),
            (15, "Mười lăm đồng"),
            (19, "Mười chín đồng"),
        ]);
    }

    #[test]
    fn after_twenty_one_is_mot_four_is_tu_five_is_lam() {
        check(&[
            (20, "Hai mươi đồng"),
            (21, "Hai mươi mốt đồng"),
            (24, "Hai mươi tư đồng"),
            (25, "Hai mươi lăm đồng"),
            (31, "Ba mươi mốt đồng"),
            (44, "Bốn mươi tư đồng"),
            (55, "Năm mươi lăm đồng"),
            (99, "Chín mươi chín đồng"),
        ]);
    }

    #[test]
    fn a_zero_ten_after_hundreds_is_linh_and_the_digit_keeps_its_name() {
        check(&[
            (100, "Một trăm đồng"),
            (101, "Một trăm linh một đồng"),
            (104, "Một trăm linh bốn đồng"),
            (105, "Một trăm linh năm đồng"),
            (110, "Một trăm mười đồng"),
            (115, "Một trăm mười lăm đồng"),
            (121, "Một trăm hai mươi mốt đồng"),
            (999, "Chín trăm chín mươi chín đồng"),
        ]);
    }

    #[test]
    fn an_inner_group_says_its_zero_hundreds() {
        check(&[
            (1_000, "Một nghìn đồng"),
            (1_001, "Một nghìn không trăm linh một đồng"),
            (1_010, "Một nghìn không trăm mười đồng"),
            (1_021, "Một nghìn không trăm hai mươi mốt đồng"),
            (1_100, "Một nghìn một trăm đồng"),
            (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
            (
                2_015_025,
                "Hai triệu không trăm mười lăm nghìn không trăm hai mươi lăm đồng",
            ),
        ]);
    }

    #[test]
    fn a_group_of_zeros_is_left_out_with_its_scale() {
        check(&[
            (1_000_000, "Một triệu đồng"),
            (1_000_005, "Một triệu không trăm linh năm đồng"),
            (1_000_000_001, "Một tỷ không trăm linh một đồng"),
            (1_000_001_000, "Một tỷ không trăm linh một nghìn đồng"),
            (5_000_000_300, "Năm tỷ ba trăm đồng"),
        ]);
    }

    #[test]
    fn common_fees_read_as_on_receipts() {
        check(&[
            (8_000, "Tám nghìn đồng"),
            (15_000, "Mười lăm nghìn đồng"),
            (21_000, "Hai mươi mốt nghìn đồng"),
            (50_000, "Năm mươi nghìn đồng"),
            (100_000, "Một trăm nghìn đồng"),
            (120_000, "Một trăm hai mươi nghìn đồng"),
            (150_000, "Một trăm năm mươi nghìn đồng"),
            (450_000, "Bốn trăm năm mươi nghìn đồng"),
            (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
            (34_500_000, "Ba mươi tư triệu năm trăm nghìn đồng"),
        ]);
    }

    #[test]
    fn above_a_thousand_million_the_count_of_ty_is_a_number() {
        check(&[
            (1_000_000_000, "Một tỷ đồng"),
            (2_500_000_000, "Hai tỷ năm trăm triệu đồng"),
            (1_000_000_000_000, "Một nghìn tỷ đồng"),
            (2_500_000_000_000, "Hai nghìn năm trăm tỷ đồng"),
            (1_005_000_000_000, "Một nghìn không trăm linh năm tỷ đồng"),
            (1_000_000_000_000_000, "Một triệu tỷ đồng"),
            (1_000_000_000_000_000_000, "Một tỷ tỷ đồng"),
            (
                999_999_999_999_999,
                "Chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ \
                 chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn \
                 chín trăm chín mươi chín đồng",
            ),
            (
                u64::MAX,
                "Mười tám tỷ bốn trăm bốn mươi sáu triệu bảy trăm bốn mươi tư nghìn \
                 không trăm bảy mươi ba tỷ bảy trăm linh chín triệu năm trăm năm mươi \
                 mốt nghìn sáu trăm mười lăm đồng",
            ),
        ]);
    }

    #[test]
    fn figures_group_thousands_with_dots() {
        assert_eq!(in_figures(0), "0 đ");
        assert_eq!(in_figures(999), "999 đ");
        assert_eq!(in_figures(120_000), "120.000 đ");
        assert_eq!(in_figures(1_250_000), "1.250.000 đ");
    }

    /// Reads words written by [`in_words`] back into a number, by the
    /// usual reading of Vietnamese amounts; independent of how they were
    /// written.
    fn read_back(words: &str) -> Option<u128> {
        let words = words.to_lowercase();
        let body = words.strip_suffix(" đồng")?;
        let (mut total, mut section, mut group, mut pending) = (0u128, 0u128, 0u128, 0u128);
        for word in body.split(' ') {
            match word {
                "mốt" => pending = 1,
                "tư" => pending = 4,
                "lăm" => pending = 5,
                "linh" => {}
                "mười" => group += 10,
                "mươi" => {
                    group += pending * 10;
                    pending = 0;
                }
                "trăm" => {
                    group += pending * 100;
                    pending = 0;
                }
                "nghìn" | "triệu" => {
                    let scale = if word == "nghìn" { 1_000 } else { 1_000_000 };
                    section += (group + pending) * scale;
                    (group, pending) = (0, 0);
                }
                "tỷ" => {
                    total = (total + section + group + pending) * 1_000_000_000;
                    (section, group, pending) = (0, 0, 0);
                }
                digit => pending = DIGITS.iter().position(|d| *d == digit)? as u128,
            }
        }
        Some(total + section + group + pending)
    }

    proptest! {
        #[test]
        fn every_amount_reads_back_to_itself(n in any::<u64>()) {
            let words = in_words(n);
            prop_assert_eq!(read_back(&words), Some(u128::from(n)), "{}", words);
        }

        #[test]
        fn words_are_capitalised_single_spaced_and_end_in_dong(n in 0u64..=999_999_999_999_999) {
            let words = in_words(n);
            prop_assert!(words.ends_with(" đồng"));
            prop_assert!(!words.contains("  "));
            let first = words.chars().next().unwrap_or(' ');
            prop_assert!(first.is_uppercase(), "{}", words);
            prop_assert_eq!(words.chars().filter(|c| c.is_uppercase()).count(), 1);
        }
    }

    #[test]
    fn every_amount_up_to_a_hundred_thousand_reads_back_to_itself() {
        for n in 0..=100_000u64 {
            assert_eq!(read_back(&in_words(n)), Some(u128::from(n)), "{n}");
        }
    }
}
