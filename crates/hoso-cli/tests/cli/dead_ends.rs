//! The dead ends a new user met, each now leading somewhere:
//! the binary run as people run it, against a portal on loopback and a
//! real profile, its words and exit codes read back.

use super::{Agency, agency, hoso_in, json, stderr_of, stdout_of};
use serde_json::Value;
use std::path::PathBuf;

/// A portal on loopback and a profile signed in to it.
async fn signed_in() -> (Agency, PathBuf) {
    let a = agency().await;
    let profile = a.path("profile");
    a.sign_in(&profile).await;
    (a, profile)
}

#[tokio::test(flavor = "multi_thread")]
async fn procedures_show_tells_each_field_and_slot_and_list_tells_large_files() {
    let (_a, profile) = signed_in().await;
    let en = stdout_of(
        &hoso_in(
            &profile,
            "en_US.UTF-8",
            &["procedures", "show", "kiem-tra-cl-nhap-khau"],
        )
        .await,
        0,
    );
    let line = |start: &str| -> String {
        en.lines()
            .map(str::trim)
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line for {start} in:\n{en}"))
            .to_owned()
    };
    // Kind, required mark, a limit with its unit.
    let name = line("importer.name *");
    assert!(
        name.ends_with("one line of text · at most 255 characters"),
        "{name}"
    );
    assert!(line("importer.email").ends_with("at most 254 bytes"));
    assert!(line("importer.tax_code *").contains("tax code, 10 or 13 digits"));
    // Not required: no mark; required on a condition: says when.
    assert!(line("importer.fax ").starts_with("importer.fax     "));
    assert!(line("goods.import_to").ends_with("required when goods.import_from is given"));
    // Choices by the value to type, a table with its columns, a format.
    assert!(line("certificate.kind *").contains(
        "choices: conformity (Certificate of conformity), lot_inspection (Lot inspection certificate)"
    ));
    assert!(line("goods.items *").contains("1–500 rows, columns:"));
    let quantity = line("goods.items[].quantity *");
    assert!(
        quantity.contains("from 0.001 to 1,000,000,000,000")
            && quantity.contains("at most 3 decimal places"),
        "{quantity}"
    );
    assert!(line("goods.items[].hs_code *").contains("format: 4, 6 or 8 digits"));
    // Slots: types, size, count, required or when.
    let contract = line("[contract] *");
    assert!(
        contract.ends_with("pdf, jpg, jpeg, png · at most 20.0 MB a file · at most 5 file(s)"),
        "{contract}"
    );
    assert!(line("[bill_of_lading]").ends_with("required when papers.bill_of_lading_no is given"));
    assert!(
        en.trim_end()
            .ends_with("Largest file this procedure takes: 20.0 MB (every document slot).")
    );

    // In Vietnamese by default for a Vietnamese locale, units included.
    let vi = stdout_of(
        &hoso_in(
            &profile,
            "vi_VN.UTF-8",
            &["procedures", "show", "dang-ky-bien-dong-dat-dai"],
        )
        .await,
        0,
    );
    assert!(vi.contains("Trường (* bắt buộc;"), "{vi}");
    assert!(
        vi.trim_end()
            .ends_with("Tệp lớn nhất thủ tục nhận: 500,0 MB ([land_certificate], [contract])."),
        "{vi}"
    );

    // Which procedures take large files, at a glance and in JSON.
    let list = stdout_of(
        &hoso_in(&profile, "en_US.UTF-8", &["procedures", "list"]).await,
        0,
    );
    let land = list
        .lines()
        .find(|l| l.starts_with("dang-ky-bien-dong-dat-dai "))
        .expect("land registration listed");
    assert!(land.contains(" 500.0 MB "), "{list}");
    let listed = json(&profile, &["procedures", "list"]).await;
    let largest = listed
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["code"] == "dang-ky-bien-dong-dat-dai")
        .expect("land")["max_file_bytes"]
        .as_u64();
    assert_eq!(largest, Some(500 * 1024 * 1024));
}

#[tokio::test(flavor = "multi_thread")]
async fn calendar_names_each_holiday_and_refuses_years_it_does_not_know() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");

    // Each day off by name, Vietnamese first; make-up Saturdays among them.
    let vi = stdout_of(
        &hoso_in(&profile, "vi_VN.UTF-8", &["calendar", "holidays", "2026"]).await,
        0,
    );
    for want in [
        "Thứ Năm 01/01/2026  Tết Dương lịch",
        "Thứ Sáu 02/01/2026  Nghỉ dịp Tết Dương lịch (nghỉ bù, hoán đổi)",
        "Thứ Bảy 10/01/2026  Làm bù (ngày làm việc)",
        "Thứ Ba 17/02/2026  Tết Nguyên đán",
        "Thứ Năm 30/04/2026  Ngày Chiến thắng (30/4)",
        "Thứ Tư 02/09/2026  Quốc khánh (2/9)",
    ] {
        assert!(vi.lines().any(|l| l == want), "no “{want}” in:\n{vi}");
    }
    let en = stdout_of(
        &hoso_in(&profile, "en_US.UTF-8", &["calendar", "holidays", "2027"]).await,
        0,
    );
    assert!(en.starts_with("2027: by the Labor Code"), "{en}");
    assert!(
        en.lines()
            .any(|l| l == "Fri 05/02/2027  Lunar New Year (Tết)"),
        "{en}"
    );
    let listed = json(&profile, &["calendar", "holidays", "2026"]).await;
    let named = listed["named_days_off"].as_array().expect("named");
    assert_eq!(
        named.len(),
        listed["days_off"].as_array().expect("days").len()
    );
    let tet = named
        .iter()
        .find(|d| d["day"] == "2026-02-17")
        .expect("Tết 2026");
    assert_eq!(tet["name"]["vi"], "Tết Nguyên đán");
    assert_eq!(tet["holidays"], serde_json::json!(["tet"]));

    // Years outside the calendar: an error naming the range, exit 3, in
    // every command, rather than an empty list or weekends only.
    for (year, lang, want) in [
        (
            "1900",
            "vi_VN.UTF-8",
            "chỉ có các năm 1990–2100; năm 1900 nằm ngoài",
        ),
        (
            "2101",
            "en_US.UTF-8",
            "covers the years 1990–2100 only; 2101 is outside it",
        ),
    ] {
        let out = hoso_in(&profile, lang, &["calendar", "holidays", year]).await;
        assert!(out.stdout.is_empty(), "nothing listed for {year}");
        let said = stderr_of(&out, 3);
        assert!(said.contains(want), "{said}");
    }
    let out = hoso_in(
        &profile,
        "en_US.UTF-8",
        &[
            "calendar",
            "due",
            "--from",
            "1989-12-29T10:00",
            "--days",
            "3",
        ],
    )
    .await;
    assert!(stderr_of(&out, 3).contains("1989 is outside it"));
    let out = hoso_in(
        &profile,
        "en_US.UTF-8",
        &["calendar", "between", "2100-12-01", "2101-01-10"],
    )
    .await;
    assert!(stderr_of(&out, 3).contains("2101 is outside it"));
    // The edges are in.
    json(&profile, &["calendar", "holidays", "1990"]).await;
    json(&profile, &["calendar", "holidays", "2100"]).await;
}

/// The repository's sample folder.
fn samples() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples")
}

/// The sample's documents (Ánh Dương's, beside the sample CSV) by slot.
const SAMPLE_DOCUMENTS: [(&str, &str); 8] = [
    ("contract", "anh-duong-hop-dong.pdf"),
    ("packing_list", "anh-duong-packing-list.pdf"),
    ("quality_certificate", "anh-duong-chung-nhan-hop-quy.pdf"),
    ("invoice", "anh-duong-hoa-don.pdf"),
    ("bill_of_lading", "anh-duong-van-don.pdf"),
    ("import_declaration", "anh-duong-to-khai.pdf"),
    ("goods_photos", "anh-duong-anh-hang-hoa.pdf"),
    ("label_sample", "anh-duong-mau-nhan.pdf"),
];

#[tokio::test(flavor = "multi_thread")]
async fn set_file_takes_the_sample_dossier_and_names_a_wrong_value_by_its_path() {
    let (a, profile) = signed_in().await;
    let id = json(&profile, &["dossiers", "new", "kiem-tra-cl-nhap-khau"]).await["id"]
        .as_i64()
        .expect("id")
        .to_string();
    let sample = samples().join("kiem-tra-cl-nhap-khau.2026.json");
    let sample = sample.to_str().expect("utf-8");

    // The sample as it ships: its fields are taken, and the words say its
    // documents were not, and how to attach them.
    let text = stdout_of(
        &hoso_in(
            &profile,
            "en_US.UTF-8",
            &["dossiers", "set", &id, "--file", sample],
        )
        .await,
        0,
    );
    assert!(
        text.starts_with(&format!("Saved dossier {id} (r1)")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "its 23 fields were taken; its 8 documents were not attached — attach each file with `hoso dossiers attach {id} SLOT FILE`"
        )),
        "{text}"
    );
    let shown = json(&profile, &["dossiers", "show", &id]).await;
    let expected =
        serde_json::to_value(hoso_core::samples::quality_inspection().fields).expect("json");
    assert_eq!(shown["content"]["fields"], expected);
    // With the documents beside the sample CSV, it is complete.
    for (slot, file) in SAMPLE_DOCUMENTS {
        let path = samples().join("batch-kiem-tra-cl").join(file);
        json(
            &profile,
            &[
                "dossiers",
                "attach",
                &id,
                slot,
                path.to_str().expect("utf-8"),
            ],
        )
        .await;
    }
    let checked = json(&profile, &["dossiers", "check", &id]).await;
    assert_eq!(checked["problems"], serde_json::json!([]), "{checked}");

    // A wrong value is named by its path, in both languages, exit 3, and
    // nothing is saved.
    let bad = a.path("sai.json");
    for (content, en, vi) in [
        (
            r#"{"importer.tax_code": 100233488}"#,
            "sai.json: importer.tax_code: expected text in quotes (\"100233488\"), found a number 100233488",
            "sai.json: importer.tax_code: cần văn bản trong ngoặc kép (\"100233488\"), gặp số 100233488",
        ),
        (
            r#"{"procedure": "kiem-tra-cl-nhap-khau", "fields": {"goods.items": [{"name": "Máy", "quantity": 2}]}}"#,
            "sai.json: goods.items[0].quantity: expected text in quotes",
            "sai.json: goods.items[0].quantity: cần văn bản trong ngoặc kép",
        ),
        (
            r#"{"importer.nam": "Công ty A"}"#,
            "sai.json: “importer.nam” is not a field of procedure kiem-tra-cl-nhap-khau 2026.07 (see `hoso procedures show kiem-tra-cl-nhap-khau`)",
            "sai.json: “importer.nam” không phải trường của thủ tục",
        ),
    ] {
        std::fs::write(&bad, content).expect("write");
        let file = bad.to_str().expect("utf-8");
        let said = stderr_of(
            &hoso_in(
                &profile,
                "en_US.UTF-8",
                &["dossiers", "set", &id, "--file", file],
            )
            .await,
            3,
        );
        assert!(said.contains(en), "{said}");
        let said = stderr_of(
            &hoso_in(
                &profile,
                "vi_VN.UTF-8",
                &["dossiers", "set", &id, "--file", file],
            )
            .await,
            3,
        );
        assert!(said.contains(vi), "{said}");
    }
    let after = json(&profile, &["dossiers", "show", &id]).await;
    assert_eq!(
        after["revision"].as_i64(),
        shown["revision"].as_i64().map(|r| r + 8),
        "the eight attachments saved, the wrong files did not"
    );
    // `--field` names a mistyped path too, and takes a table's rows as JSON.
    let said = stderr_of(
        &hoso_in(
            &profile,
            "en_US.UTF-8",
            &["dossiers", "set", &id, "--field", "importer.nam=A"],
        )
        .await,
        3,
    );
    assert!(said.contains("“importer.nam” is not a field"), "{said}");
    json(
        &profile,
        &[
            "dossiers",
            "set",
            &id,
            "--field",
            r#"goods.items=[{"name": "Máy biến áp", "quantity": "2"}]"#,
        ],
    )
    .await;
    let one_row = json(&profile, &["dossiers", "show", &id]).await;
    assert_eq!(
        one_row["content"]["fields"]["goods.items"][0]["name"],
        "Máy biến áp"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn text_typed_in_tcvn3_or_vni_is_shown_in_unicode_and_left_as_given() {
    let (a, profile) = signed_in().await;
    let id = json(&profile, &["dossiers", "new", "kiem-tra-cl-nhap-khau"]).await["id"]
        .as_i64()
        .expect("id")
        .to_string();
    let tcvn3 = "C«ng ty TNHH ThiÕt bÞ §iÖn Quang";
    let unicode = "Công ty TNHH Thiết bị Điện Quang";

    // `set`: saved as given, then told in Vietnamese with the command that
    // takes the Unicode form.
    let vi = stdout_of(
        &hoso_in(
            &profile,
            "vi_VN.UTF-8",
            &[
                "dossiers",
                "set",
                &id,
                "--field",
                &format!("importer.name={tcvn3}"),
            ],
        )
        .await,
        0,
    );
    let fix = format!("hoso dossiers set {id} --field 'importer.name={unicode}'");
    assert!(
        vi.lines().any(|l| l
            == format!(
                "⚠ importer.name: có vẻ gõ bằng bảng mã TCVN3 (ABC). Dạng Unicode: “{unicode}”. Giá trị chưa bị đổi; để dùng dạng Unicode: {fix}."
            )),
        "{vi}"
    );
    let shown = json(&profile, &["dossiers", "show", &id]).await;
    assert_eq!(
        shown["content"]["fields"]["importer.name"], tcvn3,
        "unchanged"
    );

    // A table cell typed in VNI, from a file: found by its cell's path.
    let file = a.path("hang.json");
    std::fs::write(
        &file,
        r#"{"goods.items": [{"name": "Máy biến áp"}, {"name": "Daây caùp ñieän"}]}"#,
    )
    .expect("write");
    let set = json(
        &profile,
        &[
            "dossiers",
            "set",
            &id,
            "--file",
            file.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(
        set["legacy_text"],
        serde_json::json!([{"path": "goods.items[1].name", "encoding": "vni", "converted": "Dây cáp điện"}]),
        "only what this command set: {set}"
    );

    // `check`: both, in English and JSON; the exit code is the problems'.
    let out = hoso_in(&profile, "en_US.UTF-8", &["dossiers", "check", &id]).await;
    assert_eq!(out.status.code(), Some(3), "the draft is incomplete");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.lines().any(|l| l
            == format!(
                "⚠ importer.name: looks typed in TCVN3 (ABC). In Unicode: “{unicode}”. The value was not changed; to use the Unicode form: {fix}."
            )),
        "{text}"
    );
    assert!(
        text.contains("⚠ goods.items[1].name: looks typed in VNI. In Unicode: “Dây cáp điện”. The value was not changed; correct this cell in the file and run `hoso dossiers set --file` again."),
        "{text}"
    );
    let out = hoso_in(
        &profile,
        "en_US.UTF-8",
        &["--json", "dossiers", "check", &id],
    )
    .await;
    let checked: Value = serde_json::from_slice(&out.stdout).expect("json");
    let paths: Vec<&str> = checked["legacy_text"]
        .as_array()
        .expect("found")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(paths, ["goods.items[1].name", "importer.name"]);

    // The suggested command takes the Unicode form; nothing is told then.
    json(
        &profile,
        &[
            "dossiers",
            "set",
            &id,
            "--field",
            &format!("importer.name={unicode}"),
        ],
    )
    .await;
    let out = hoso_in(
        &profile,
        "en_US.UTF-8",
        &["--json", "dossiers", "check", &id],
    )
    .await;
    let checked: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(checked["legacy_text"].as_array().map(Vec::len), Some(1));
}

/// The quality-inspection procedure's 2026.07 schema as a new version in
/// force from today, with two working days instead of one.
fn newer_version() -> String {
    let (_, text) = hoso_core::procedure::bundled()
        .into_iter()
        .find(|(n, _)| *n == "kiem-tra-cl-nhap-khau.2026.json")
        .expect("bundled");
    let mut schema: Value = serde_json::from_str(text).expect("json");
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    schema["version"] = "2026.99".into();
    schema["effective_from"] = today.to_string().into();
    schema["processing_days"] = 2.into();
    serde_json::to_string_pretty(&schema).expect("json")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filed_dossier_says_to_duplicate_and_duplicate_makes_a_draft_under_the_rules_in_force() {
    let (a, profile) = signed_in().await;
    let (id, _code) = super::filed_sample(&a, &profile, "nhan-ban").await;

    // Changing a sent dossier: refused, saying what to run instead.
    for (lang, args, want) in [
        (
            "en_US.UTF-8",
            vec![
                "dossiers",
                "set",
                &id,
                "--field",
                "importer.phone=024 3999 0000",
            ],
            format!(
                "Dossier #{id} was sent and can no longer change. To start a new one with the same content and documents: hoso dossiers duplicate {id}"
            ),
        ),
        (
            "vi_VN.UTF-8",
            vec!["dossiers", "attach", &id, "contract", "Cargo.toml"],
            format!(
                "Hồ sơ #{id} đã gửi đi nên không sửa được nữa. Để lập hồ sơ mới cùng nội dung và giấy tờ: hoso dossiers duplicate {id}"
            ),
        ),
    ] {
        let said = stderr_of(&hoso_in(&profile, lang, &args).await, 3);
        assert_eq!(said.trim_end(), format!("hoso: {want}"));
    }

    // Meanwhile the portal's rules changed: a new version in force today.
    let super::Agency {
        portal,
        token,
        officer,
        dir,
    } = a;
    let listen = portal.addr();
    portal.stop().await;
    let data = dir.path().join("portal");
    std::fs::create_dir_all(data.join("procedures")).expect("folder");
    std::fs::write(
        data.join("procedures")
            .join("kiem-tra-cl-nhap-khau.2026-99.json"),
        newer_version(),
    )
    .expect("schema");
    let portal = hoso_portal::start(hoso_portal::PortalConfig {
        listen,
        ..hoso_portal::PortalConfig::practice(data)
    })
    .await
    .expect("portal again");
    let a = super::Agency {
        portal,
        token,
        officer,
        dir,
    };

    // The duplicate: its id alone on stdout, what changed on stderr.
    let out = hoso_in(&profile, "en_US.UTF-8", &["dossiers", "duplicate", &id]).await;
    let copy = stdout_of(&out, 0).trim().to_owned();
    assert!(copy.parse::<i64>().is_ok() && copy != id, "{copy}");
    let told = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        told.starts_with(&format!(
            "Dossier #{copy}: a draft copied from #{id} (content and documents), under the version in force, 2026.99 (the original follows 2026.07). What changed:\n  - Processing time: 1 → 2 working days.\n"
        )),
        "{told}"
    );
    assert!(
        told.contains(&format!("To check it: hoso dossiers check {copy}")),
        "{told}"
    );

    let original = json(&profile, &["dossiers", "show", &id]).await;
    let duplicate = json(&profile, &["dossiers", "show", &copy]).await;
    assert_eq!(duplicate["summary"]["state"], "draft");
    assert_eq!(duplicate["content"]["version"], "2026.99");
    assert_eq!(
        original["content"]["version"], "2026.07",
        "the original stays"
    );
    assert_eq!(
        duplicate["content"]["fields"],
        original["content"]["fields"]
    );
    assert_eq!(
        duplicate["content"]["documents"],
        original["content"]["documents"]
    );
    assert_eq!(duplicate["summary"]["title"], original["summary"]["title"]);
    // It meets the rules in force and can change.
    let checked = json(&profile, &["dossiers", "check", &copy]).await;
    assert_eq!(checked["problems"], serde_json::json!([]), "{checked}");
    json(
        &profile,
        &[
            "dossiers",
            "set",
            &copy,
            "--field",
            "importer.phone=024 3999 0000",
        ],
    )
    .await;

    // In JSON, and in Vietnamese: a draft's duplicate under the same rules.
    let again = json(&profile, &["dossiers", "duplicate", &copy]).await;
    assert_eq!(again["from"].as_i64(), copy.parse().ok());
    assert_eq!(again["summary"]["version"], "2026.99");
    assert_eq!(again["changes"], serde_json::json!([]));
    let vi = hoso_in(&profile, "vi_VN.UTF-8", &["dossiers", "duplicate", &copy]).await;
    let third = stdout_of(&vi, 0).trim().to_owned();
    assert!(
        String::from_utf8_lossy(&vi.stderr).starts_with(&format!(
            "Hồ sơ #{third}: bản nháp chép từ #{copy} (nội dung và giấy tờ), theo phiên bản 2026.99 đang áp dụng."
        )),
        "{}",
        String::from_utf8_lossy(&vi.stderr)
    );
    assert_eq!(a.dossiers_on_portal(), 1, "nothing was filed");
}

#[tokio::test(flavor = "multi_thread")]
async fn status_names_a_draft_by_its_local_id() {
    let (a, profile) = signed_in().await;
    // Nothing yet: what to do first.
    let empty = stdout_of(&hoso_in(&profile, "en_US.UTF-8", &["status"]).await, 0);
    assert_eq!(
        empty.trim_end(),
        "No dossiers on this computer yet; start one with `hoso dossiers new PROCEDURE` (see `hoso procedures list`)."
    );
    let (filed, code) = super::filed_sample(&a, &profile, "trang-thai").await;
    let draft = json(&profile, &["dossiers", "new", "dang-ky-khai-sinh"]).await["id"]
        .as_i64()
        .expect("id");

    let en = stdout_of(&hoso_in(&profile, "en_US.UTF-8", &["status"]).await, 0);
    let lines: Vec<&str> = en.lines().collect();
    assert!(lines[0].starts_with("    #  CODE "), "{en}");
    assert!(
        lines.contains(&format!("{draft:>5}  {:<26} {:<40} draft", "(not filed)", "").as_str()),
        "{en}"
    );
    let filed_line = lines
        .iter()
        .find(|l| l.contains(&code))
        .unwrap_or_else(|| panic!("no {code} in:\n{en}"));
    assert!(
        filed_line.starts_with(&format!("{filed:>5}  {code}")),
        "{filed_line}"
    );
    let vi = stdout_of(&hoso_in(&profile, "vi_VN.UTF-8", &["status"]).await, 0);
    assert!(
        vi.lines()
            .any(|l| l.starts_with(&format!("{draft:>5}  (chưa nộp) ")) && l.ends_with(" bản nháp")),
        "{vi}"
    );
    // In JSON each row carries its id; the draft's code stays empty.
    let rows = json(&profile, &["status"]).await;
    let ids: Vec<(i64, &str)> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().expect("id"),
                r["code"].as_str().expect("code"),
            )
        })
        .collect();
    assert!(ids.contains(&(draft, "")), "{rows}");
    assert!(
        ids.contains(&(filed.parse().expect("id"), code.as_str())),
        "{rows}"
    );
    // The id shown is the one every command takes.
    json(&profile, &["dossiers", "show", &draft.to_string()]).await;
}

/// Runs `hoso --profile PROFILE ARGS…` with `input` on its standard input.
async fn hoso_fed(
    profile: &std::path::Path,
    lang: &str,
    args: &[&str],
    input: &str,
) -> std::process::Output {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_hoso"))
        .arg("--profile")
        .arg(profile)
        .args(args)
        .env("LANG", lang)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("HOSO_PROFILE")
        .env_remove("HOSO_TOKEN")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("hoso runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).await.expect("write");
    drop(stdin);
    child.wait_with_output().await.expect("hoso ends")
}

/// A complete draft of the sample dossier with its documents; its id.
async fn complete_sample(profile: &std::path::Path) -> String {
    let id = json(profile, &["dossiers", "new", "kiem-tra-cl-nhap-khau"]).await["id"]
        .as_i64()
        .expect("id")
        .to_string();
    let sample = samples().join("kiem-tra-cl-nhap-khau.2026.json");
    json(
        profile,
        &[
            "dossiers",
            "set",
            &id,
            "--file",
            sample.to_str().expect("utf-8"),
        ],
    )
    .await;
    for (slot, file) in SAMPLE_DOCUMENTS {
        let path = samples().join("batch-kiem-tra-cl").join(file);
        json(
            profile,
            &[
                "dossiers",
                "attach",
                &id,
                slot,
                path.to_str().expect("utf-8"),
            ],
        )
        .await;
    }
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_token_is_refused_at_add_and_sign_in_leads_from_no_token_to_filing() {
    let a = agency().await;
    let profile = a.path("profile");
    let url = a.portal.base_url().to_owned();

    // A made-up token, or an officer's: refused in words, nothing stored.
    for (token, lang, want) in [
        (
            "ma-bia-dat",
            "en_US.UTF-8",
            "hoso: Portal “HoSo practice portal” does not accept this access token: it is wrong, withdrawn, or an officer's rather than an applicant's. Nothing was stored; check the token with the agency that issued it.",
        ),
        (
            a.officer.as_str(),
            "vi_VN.UTF-8",
            "hoso: Cổng “Cổng thực hành HoSo” không nhận mã truy cập này: mã sai, đã bị thu hồi, hoặc là mã của cán bộ chứ không phải của người nộp. Chưa lưu gì; hãy kiểm tra lại mã với cơ quan đã cấp.",
        ),
    ] {
        let out = hoso_in(&profile, lang, &["portals", "add", &url, "--token", token]).await;
        assert_eq!(stderr_of(&out, 3).trim_end(), want);
        assert_eq!(
            json(&profile, &["portals", "list"]).await,
            serde_json::json!([])
        );
    }

    // Added without a token: it says how to sign in, and the list shows it.
    let added = stdout_of(
        &hoso_in(&profile, "en_US.UTF-8", &["portals", "add", &url]).await,
        0,
    );
    assert!(
        added.contains("\nNot signed in: to file, run `hoso portals sign-in 1` with the access token the agency issued."),
        "{added}"
    );
    let list = stdout_of(
        &hoso_in(&profile, "vi_VN.UTF-8", &["portals", "list"]).await,
        0,
    );
    assert!(list.trim_end().ends_with("(chưa đăng nhập)"), "{list}");
    // Filing before signing in: the portal's refusal says what to run.
    let id = complete_sample(&profile).await;
    let out = hoso_in(&profile, "en_US.UTF-8", &["submit", &id]).await;
    let said = stdout_of(&out, 7);
    assert!(
        said.contains("Sign in with `hoso portals sign-in PORTAL` (PORTAL: its id or address in `hoso portals list`)."),
        "{said}"
    );

    // sign-in: a token piped in is tried first; a wrong one is not kept.
    let out = hoso_fed(
        &profile,
        "en_US.UTF-8",
        &["portals", "sign-in", "1"],
        "sai\n",
    )
    .await;
    assert!(stderr_of(&out, 3).contains("does not accept this access token"));
    let listed = json(&profile, &["portals", "list"]).await;
    assert_eq!(listed[0]["signed_in"], false);
    let out = hoso_fed(&profile, "en_US.UTF-8", &["portals", "sign-in", "1"], "\n").await;
    assert!(
        stderr_of(&out, 3).contains("No access token: give --token TOKEN, or type it when asked.")
    );
    let out = hoso_fed(
        &profile,
        "vi_VN.UTF-8",
        &["portals", "sign-in", &format!("{url}/")],
        &format!("{}\n", a.token),
    )
    .await;
    assert_eq!(
        stdout_of(&out, 0).trim_end(),
        format!("Đã đăng nhập cổng Cổng thực hành HoSo ({url})")
    );
    let listed = json(&profile, &["portals", "list"]).await;
    assert_eq!(listed[0]["signed_in"], true);
    // With --token, by id; a wrong one later keeps the right one.
    let again = json(&profile, &["portals", "sign-in", "1", "--token", &a.token]).await;
    assert_eq!(again["signed_in"], true);
    let out = hoso_in(
        &profile,
        "en_US.UTF-8",
        &["portals", "sign-in", "1", "--token", "sai"],
    )
    .await;
    stderr_of(&out, 3);
    // And now it files.
    let filed = json(&profile, &["submit", &id]).await;
    assert!(filed[0]["code"].as_str().is_some(), "{filed}");
    assert_eq!(a.dossiers_on_portal(), 1);

    // A portal this profile does not have: what to run.
    let out = hoso_in(
        &profile,
        "en_US.UTF-8",
        &["portals", "sign-in", "http://127.0.0.1:9"],
    )
    .await;
    assert_eq!(
        stderr_of(&out, 6).trim_end(),
        "hoso: Portal http://127.0.0.1:9 is not in this profile; run `hoso portals add http://127.0.0.1:9`."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn receipt_verify_without_a_portal_says_how_to_give_the_key() {
    let (a, profile) = signed_in().await;
    let (id, code) = super::filed_sample(&a, &profile, "bien-nhan").await;
    let raw = stdout_of(
        &hoso_in(&profile, "en_US.UTF-8", &["--json", "receipt", "show", &id]).await,
        0,
    );
    let file = a.path("bien-nhan.json");
    std::fs::write(&file, raw).expect("write");
    let file = file.to_str().expect("utf-8");
    let fingerprint = a.portal.receipt_key().fingerprint();

    // An empty profile: which key the receipt names, where to find it, and
    // the option to give it with; not found (6), not "invalid".
    let empty = a.path("profile-trong");
    let out = hoso_in(&empty, "en_US.UTF-8", &["receipt", "verify", file]).await;
    let said = stderr_of(&out, 6);
    assert!(out.stdout.is_empty());
    assert!(
        said.contains(&format!(
            "The receipt says it was signed with key {fingerprint} of portal “HoSo practice portal”. Verify with the portal's public key: `hoso receipt verify {file} --key KEY` (KEY: the receipt_key the portal publishes at PORTAL_ADDRESS/.well-known/hoso, or in `hoso portals list --json` on a computer that added the portal)"
        )),
        "{said}"
    );
    let vi = stderr_of(
        &hoso_in(&empty, "vi_VN.UTF-8", &["receipt", "verify", file]).await,
        6,
    );
    assert!(
        vi.contains("--key KHÓA") && vi.contains(&fingerprint),
        "{vi}"
    );

    // Following it: the key from the list of a profile that has the portal.
    let listed = json(&profile, &["portals", "list"]).await;
    let key = listed[0]["receipt_key"].as_str().expect("key").to_owned();
    assert_eq!(key, a.portal.receipt_key().to_base64());
    let valid = stdout_of(
        &hoso_in(
            &empty,
            "en_US.UTF-8",
            &["receipt", "verify", file, "--key", &key],
        )
        .await,
        0,
    );
    assert_eq!(
        valid.trim_end(),
        format!("Receipt valid: {code} · signed with key {fingerprint}")
    );

    // A profile with another portal only: not valid here, and what to try.
    let other = agency().await;
    let elsewhere = a.path("profile-khac");
    other.sign_in(&elsewhere).await;
    let text = stdout_of(
        &hoso_in(&elsewhere, "en_US.UTF-8", &["receipt", "verify", file]).await,
        5,
    );
    assert!(
        text.trim_end().ends_with(
            "If another portal issued it, verify with --portal PORTAL or --key THAT_PORTALS_KEY."
        ),
        "{text}"
    );
    // With both portals, the one whose key the receipt names is used.
    json(
        &elsewhere,
        &["portals", "add", a.portal.base_url(), "--token", &a.token],
    )
    .await;
    let both = json(&elsewhere, &["receipt", "verify", file]).await;
    assert_eq!(both["valid"], true);
    assert_eq!(both["key_id"], fingerprint.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_package_for_a_portal_this_profile_lacks_names_its_address() {
    let (a, profile) = signed_in().await;
    let url = a.portal.base_url().trim_end_matches('/').to_owned();
    let (filed, _) = super::filed_sample(&a, &profile, "goi").await;
    let draft = complete_sample(&profile).await;
    let filed_package = a.path("da-nop.hoso");
    let draft_package = a.path("nhap.hoso");
    for (id, file) in [(&filed, &filed_package), (&draft, &draft_package)] {
        json(
            &profile,
            &["package", "export", id, file.to_str().expect("utf-8")],
        )
        .await;
    }
    let (filed_package, draft_package) = (
        filed_package.to_str().expect("utf-8"),
        draft_package.to_str().expect("utf-8"),
    );
    let fingerprint = a.portal.receipt_key().fingerprint();

    // An empty profile: the address each package holds, and the command.
    let empty = a.path("profile-moi");
    let said = stderr_of(
        &hoso_in(&empty, "en_US.UTF-8", &["package", "import", draft_package]).await,
        6,
    );
    assert_eq!(
        said.trim_end(),
        format!(
            "hoso: {draft_package} was written for portal “HoSo practice portal” ({url}), which this profile does not have. Add that portal, then import again: `hoso portals add {url} --token TOKEN`."
        )
    );
    let said = stderr_of(
        &hoso_in(&empty, "vi_VN.UTF-8", &["package", "import", filed_package]).await,
        6,
    );
    assert_eq!(
        said.trim_end(),
        format!(
            "hoso: Hồ sơ trong gói {filed_package} đã nộp qua cổng “Cổng thực hành HoSo” ({url}, khóa {fingerprint}), chưa có trong hồ sơ người dùng này. Hãy thêm cổng đó rồi nhập lại: `hoso portals add {url} --token MÃ`."
        )
    );
    assert_eq!(
        json(&empty, &["dossiers", "list"]).await,
        serde_json::json!([])
    );

    // A filed dossier goes to its own portal only, whatever else is here.
    let other = agency().await;
    other.sign_in(&empty).await;
    let said = stderr_of(
        &hoso_in(&empty, "en_US.UTF-8", &["package", "import", filed_package]).await,
        6,
    );
    assert!(
        said.contains(&format!("`hoso portals add {url} --token TOKEN`")),
        "{said}"
    );

    // Doing what it says: both arrive, for that portal.
    a.sign_in(&empty).await;
    let arrived = json(&empty, &["package", "import", filed_package]).await;
    assert_eq!(arrived["outcome"], "filed");
    // The same package again changes nothing, and says so in the window's
    // spelling.
    let again = json(&empty, &["package", "import", filed_package]).await;
    assert_eq!(again["outcome"], "already_here");
    assert_eq!(again["id"], arrived["id"]);
    let arrived = json(&empty, &["package", "import", draft_package]).await;
    // A new draft, named as a copy beside the filed one of the same name.
    assert_eq!(arrived["outcome"], "copy");
    assert_eq!(
        arrived["portal"].as_str().map(|u| u.trim_end_matches('/')),
        Some(url.as_str())
    );
}
