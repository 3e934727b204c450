//! A filed dossier's receipt as text laid out like the official form,
//! "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" (Form 01): the receiving
//! desk and the national motto, the title and the dossier code, who filed
//! what under which procedure, the form's numbered items (documents,
//! sets, processing time, time received, appointment, delivery), then the
//! fee, the lookup code and what makes the paper trustworthy (the
//! signature checked against the pinned key, the hashes). The same facts
//! as the app's receipt window (`ui/src/receipt.rs`).
//!
//! Times are to the minute, in Viet Nam time. The appointment is a day:
//! that is what the portal signs.

use crate::exit::Lang;
use chrono::{DateTime, FixedOffset, NaiveDate};
use hoso_core::Sha256Digest;
use hoso_core::bilingual::{byte_size, en_number, vi_number};
use hoso_core::receipt::Receipt;

/// The width the header and title are centred in.
const WIDTH: usize = 76;

/// The form's words in one language.
struct Words {
    motto: [&'static str; 2],
    title: &'static str,
    subtitle: &'static str,
    code: &'static str,
    desk: &'static str,
    applicant: &'static str,
    address: &'static str,
    account: &'static str,
    procedure: &'static str,
    procedure_version: &'static str,
    documents: &'static str,
    columns: [&'static str; 4],
    sets: &'static str,
    processing: &'static str,
    received_at: &'static str,
    appointment: &'static str,
    delivery: &'static str,
    fee: &'static str,
    free: &'static str,
    pin: &'static str,
    signature_ok: &'static str,
    manifest: &'static str,
    receipt_hash: &'static str,
}

const VI: Words = Words {
    motto: [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ],
    title: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    subtitle: "Biên nhận điện tử có chữ ký số của cổng",
    code: "Mã hồ sơ",
    desk: "Nơi tiếp nhận",
    applicant: "Người nộp",
    address: "Địa chỉ",
    account: "Tài khoản nộp",
    procedure: "Thủ tục",
    procedure_version: "mã {code}, phiên bản {version}",
    documents: "1. Giấy tờ đã nhận:",
    columns: ["STT", "Giấy tờ", "Tên tệp", "Dung lượng"],
    sets: "2. Số bộ hồ sơ",
    processing: "3. Thời hạn giải quyết",
    received_at: "4. Thời gian nhận hồ sơ",
    appointment: "5. Hẹn trả kết quả",
    delivery: "6. Hình thức nhận kết quả",
    fee: "Phí, lệ phí",
    free: "Không thu phí",
    pin: "Mã tra cứu",
    signature_ok: "Chữ ký số của cổng hợp lệ, khớp khóa đã ghim",
    manifest: "Mã băm bản kê hồ sơ (SHA-256)",
    receipt_hash: "Mã băm biên nhận (SHA-256)",
};

const EN: Words = Words {
    motto: [
        "SOCIALIST REPUBLIC OF VIET NAM",
        "Independence - Freedom - Happiness",
    ],
    title: "RECEIPT OF DOSSIER AND APPOINTMENT FOR THE RESULT",
    subtitle: "Electronic receipt signed by the portal",
    code: "Dossier code",
    desk: "Received by",
    applicant: "Applicant",
    address: "Address",
    account: "Portal account",
    procedure: "Procedure",
    procedure_version: "code {code}, version {version}",
    documents: "1. Documents received:",
    columns: ["No.", "Document", "File", "Size"],
    sets: "2. Sets",
    processing: "3. Processing time",
    received_at: "4. Received at",
    appointment: "5. Result due",
    delivery: "6. Result delivered",
    fee: "Fees",
    free: "No fee",
    pin: "Lookup code",
    signature_ok: "The portal's signature is valid and matches the pinned key",
    manifest: "Manifest hash (SHA-256)",
    receipt_hash: "Receipt hash (SHA-256)",
};

/// Viet Nam's offset, +07:00.
fn vietnam() -> FixedOffset {
    // 7 hours is within ±24 h, so the offset always exists.
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!())
}

/// The columns `text` takes in a terminal: combining marks (a decomposed
/// accent) take none.
fn width(text: &str) -> usize {
    text.chars()
        .filter(|c| !matches!(*c as u32, 0x0300..=0x036F | 0x200B..=0x200D))
        .count()
}

fn pad(text: &str, to: usize) -> String {
    format!("{text}{}", " ".repeat(to.saturating_sub(width(text))))
}

fn centred(text: &str) -> String {
    format!(
        "{}{text}",
        " ".repeat(WIDTH.saturating_sub(width(text)) / 2)
    )
}

/// A day as the form writes it.
fn day(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Vi => d.format("ngày %d/%m/%Y").to_string(),
        Lang::En => d.format("%d/%m/%Y").to_string(),
    }
}

/// A time to the minute, in Viet Nam time.
fn minute(at: DateTime<FixedOffset>, lang: Lang) -> String {
    let at = at.with_timezone(&vietnam());
    format!("{}, {}", at.format("%H:%M"), day(at.date_naive(), lang))
}

/// The receipt `r` as Form 01 text in `lang`; its signature verified
/// against the pinned key `verified_with`, its canonical JSON hashing to
/// `receipt_sha256`.
pub fn render(
    r: &Receipt,
    verified_with: &str,
    receipt_sha256: &Sha256Digest,
    lang: Lang,
) -> String {
    let w = match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    };
    let received = r.received_at.with_timezone(&vietnam());
    let dated = match lang {
        Lang::Vi => received.format("ngày %d tháng %m năm %Y").to_string(),
        Lang::En => received.format("%d %B %Y").to_string(),
    };
    let mut lines = vec![
        lang.pick(&r.portal).to_owned(),
        lang.pick(&r.receiving_agency).to_owned(),
        centred(w.motto[0]),
        centred(w.motto[1]),
        centred(&dated),
        String::new(),
        centred(w.title),
        centred(w.subtitle),
        centred(&format!("{}: {}", w.code, r.dossier_code)),
        String::new(),
        format!("{}: {}", w.desk, lang.pick(&r.receiving_agency)),
        format!("{}: {}", w.applicant, r.applicant.name),
    ];
    if let Some(address) = &r.applicant.address {
        lines.push(format!("{}: {address}", w.address));
    }
    lines.push(format!("{}: {}", w.account, r.applicant.account));
    lines.push(format!(
        "{}: {} ({})",
        w.procedure,
        lang.pick(&r.procedure.name),
        w.procedure_version
            .replace("{code}", r.procedure.code.as_str())
            .replace("{version}", &r.procedure.version)
    ));
    lines.push(w.documents.to_owned());
    lines.extend(documents(r, w, lang));
    lines.push(format!("{}: {}", w.sets, r.sets));
    let days = match (lang, r.processing_days) {
        (Lang::Vi, n) => format!("{n} ngày làm việc"),
        (Lang::En, 1) => "1 working day".to_owned(),
        (Lang::En, n) => format!("{n} working days"),
    };
    lines.push(format!("{}: {days}", w.processing));
    lines.push(format!(
        "{}: {}",
        w.received_at,
        minute(r.received_at, lang)
    ));
    lines.push(format!(
        "{}: {}",
        w.appointment,
        day(r.appointment_date, lang)
    ));
    lines.push(format!(
        "{}: {}",
        w.delivery,
        lang.pick(&r.delivery.label())
    ));
    let fee = match (r.fee_vnd, lang) {
        (0, _) => w.free.to_owned(),
        (n, Lang::Vi) => format!("{} đồng", vi_number(n)),
        (n, Lang::En) => format!("{} VND", en_number(n)),
    };
    lines.push(format!("{}: {fee}", w.fee));
    lines.push(format!("{}: {}", w.pin, r.lookup_pin));
    lines.push(String::new());
    lines.push(format!("✓ {}: {verified_with}", w.signature_ok));
    lines.push(format!("{}: {}", w.manifest, r.manifest_sha256.to_hex()));
    lines.push(format!("{}: {}", w.receipt_hash, receipt_sha256.to_hex()));
    lines.join("\n")
}

/// The table of documents: number, kind, file and size, each file's
/// SHA-256 beneath it.
fn documents(r: &Receipt, w: &Words, lang: Lang) -> Vec<String> {
    let rows: Vec<[String; 4]> = r
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            [
                format!("{}", i + 1),
                lang.pick(&d.label).to_owned(),
                d.name.clone(),
                lang.pick(&byte_size(d.size)).to_owned(),
            ]
        })
        .collect();
    let head = w.columns.map(str::to_owned);
    let mut widths = [0; 4];
    for row in std::iter::once(&head).chain(&rows) {
        for (col, cell) in row.iter().enumerate() {
            widths[col] = widths[col].max(width(cell));
        }
    }
    let line = |row: &[String; 4]| {
        format!(
            "   {}{}  {}  {}  {}{}",
            " ".repeat(widths[0] - width(&row[0])),
            row[0],
            pad(&row[1], widths[1]),
            pad(&row[2], widths[2]),
            " ".repeat(widths[3] - width(&row[3])),
            row[3],
        )
    };
    let mut out = vec![line(&head)];
    for (row, d) in rows.iter().zip(&r.documents) {
        out.push(line(row));
        out.push(format!(
            "   {}  SHA-256 {}",
            " ".repeat(widths[0]),
            d.sha256.to_hex()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoso_core::Bilingual;
    use hoso_core::receipt::{Applicant, Delivery, ReceiptProcedure, ReceivedDocument};

    fn receipt() -> Receipt {
        Receipt {
            format: 1,
            portal: Bilingual::new("Cổng thực hành HoSo", "HoSo practice portal"),
            receiving_agency: Bilingual::new("Bộ phận một cửa", "One-stop desk"),
            dossier_code: "HOSO.PRACTICE-261204-0001".parse().expect("code"),
            lookup_pin: "K7QX".into(),
            applicant: Applicant {
                name: "Công ty Ánh Dương".into(),
                address: Some("12 Tràng Tiền, Hà Nội".into()),
                account: "cty-anh-duong".into(),
            },
            procedure: ReceiptProcedure {
                code: "kiem-tra-cl-nhap-khau".parse().expect("code"),
                version: "2026.07".into(),
                name: Bilingual::new("Đăng ký kiểm tra chất lượng", "Quality inspection"),
            },
            documents: vec![ReceivedDocument {
                slot: "contract".into(),
                label: Bilingual::new("Hợp đồng", "Contract"),
                name: "hợp đồng.pdf".into(),
                size: 1_843_200,
                sha256: Sha256Digest::of(b"x"),
            }],
            sets: 1,
            fee_vnd: 150_000,
            processing_days: 1,
            // Given in UTC: the form shows Viet Nam time.
            received_at: DateTime::parse_from_rfc3339("2026-12-04T13:27:06.917291860+00:00")
                .expect("time"),
            appointment_date: NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"),
            delivery: Delivery::Online,
            manifest_sha256: Sha256Digest::of(b"m"),
            key_id: "ab12:cd34:ef56:7890".into(),
        }
    }

    #[test]
    fn the_form_reads_to_the_minute_in_viet_nam_time_with_sizes_and_fee() {
        let text = render(
            &receipt(),
            "ab12:cd34:ef56:7890",
            &Sha256Digest::of(b"r"),
            Lang::Vi,
        );
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for want in [
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "Mã hồ sơ: HOSO.PRACTICE-261204-0001",
            "ngày 04 tháng 12 năm 2026",
            "4. Thời gian nhận hồ sơ: 20:27, ngày 04/12/2026",
            "5. Hẹn trả kết quả: ngày 07/12/2026",
            "Phí, lệ phí: 150.000 đồng",
            "Mã tra cứu: K7QX",
            "✓ Chữ ký số của cổng hợp lệ, khớp khóa đã ghim: ab12:cd34:ef56:7890",
        ] {
            assert!(lines.contains(&want), "no line {want:?} in\n{text}");
        }
        let row = lines
            .iter()
            .find(|l| l.starts_with("1 ") && l.contains("hợp đồng.pdf"))
            .unwrap_or_else(|| panic!("no document row in\n{text}"));
        assert!(row.ends_with("1,8 MB"), "{row}");
        assert!(!text.contains("06.917"), "no seconds: {text}");

        let en = render(&receipt(), "k", &Sha256Digest::of(b"r"), Lang::En);
        assert!(en.contains("\n4. Received at: 20:27, 04/12/2026\n"), "{en}");
        assert!(en.contains("\nFees: 150,000 VND\n"), "{en}");
        assert!(en.contains("\n3. Processing time: 1 working day\n"), "{en}");
    }

    #[test]
    fn decomposed_accents_take_no_column() {
        assert_eq!(width("Hà Nội"), 6);
        assert_eq!(width("Ha\u{0300} No\u{0323}\u{0302}i"), 6);
    }
}
