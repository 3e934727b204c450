//! Values that read as typed in TCVN3 or VNI (`hoso_core::legacy`, as the
//! desktop window's text fields detect them): told with their Unicode
//! form and how to use it, never changed unasked.

use crate::run::Out;
use hoso_core::legacy::Found;
use serde_json::json;

/// The findings as JSON.
pub fn to_json(found: &[Found]) -> serde_json::Value {
    json!(found)
}

/// One line per finding, saying what to run to take the Unicode form.
pub fn lines(id: i64, found: &[Found], out: Out) -> Vec<String> {
    found
        .iter()
        .map(|f| {
            let is_cell = f.path.contains('[');
            let fix = if is_cell {
                out.t(
                    "sửa ô này trong tệp rồi chạy lại `hoso dossiers set --file`",
                    "correct this cell in the file and run `hoso dossiers set --file` again",
                )
            } else {
                let arg = shell_quote(&format!("{}={}", f.path, f.converted));
                format!(
                    "{}: hoso dossiers set {id} --field {arg}",
                    out.t("để dùng dạng Unicode", "to use the Unicode form")
                )
            };
            format!(
                "⚠ {}: {} {}. {}: “{}”. {}; {fix}.",
                f.path,
                out.t("có vẻ gõ bằng bảng mã", "looks typed in"),
                f.encoding.name(),
                out.t("Dạng Unicode", "In Unicode"),
                f.converted,
                out.t("Giá trị chưa bị đổi", "The value was not changed"),
            )
        })
        .collect()
}

/// `text` quoted for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
