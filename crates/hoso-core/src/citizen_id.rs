//! Citizen identity numbers (số định danh cá nhân, on the CCCD card): 12
//! digits, the first three the province where the birth was registered, the
//! fourth the century and sex (0/1 for the 1900s, 2/3 for the 2000s), the
//! next two the last digits of the year of birth, then six serial digits.
//! There is no check digit, so the province code and century are all that
//! can be checked. Since 1 Jul 2025 the number is also the tax code of
//! individuals and business households.

use crate::Bilingual;

/// Province codes of the first three digits (the 63 provinces as they were
/// when numbers were issued; the 2025 mergers did not renumber people).
const PROVINCES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// Checks a citizen identity number; `Err` says what is wrong.
pub fn check(value: &str) -> Result<(), Bilingual> {
    let digits: String = value.chars().filter(|c| *c != ' ').collect();
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Bilingual::new(
            "số định danh cá nhân gồm đúng 12 chữ số",
            "a personal identity number has exactly 12 digits",
        ));
    }
    let province: u16 = digits[..3].parse().unwrap_or(0);
    if !PROVINCES.contains(&province) {
        return Err(Bilingual::new(
            format!(
                "3 chữ số đầu {} không phải mã tỉnh nơi đăng ký khai sinh",
                &digits[..3]
            ),
            format!(
                "the first three digits {} are not a province code",
                &digits[..3]
            ),
        ));
    }
    if digits.as_bytes()[3] > b'3' {
        return Err(Bilingual::new(
            "chữ số thứ 4 (thế kỷ và giới tính) phải từ 0 đến 3",
            "the fourth digit (century and sex) must be 0 to 3",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_of_the_right_shape_province_and_century_pass() {
        for ok in ["001099012345", "079203000123", "096 1 85 123456"] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn wrong_length_province_or_century_is_explained() {
        for (bad, says) in [
            ("00109901234", "12 chữ số"),
            ("00109901234a", "12 chữ số"),
            ("003099012345", "mã tỉnh"),
            ("001599012345", "thế kỷ"),
        ] {
            let err = check(bad).expect_err(bad);
            assert!(err.vi.contains(says), "{bad}: {}", err.vi);
        }
    }
}
