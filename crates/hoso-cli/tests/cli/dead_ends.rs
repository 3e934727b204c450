//! The dead ends a new user met (issue 19), each now leading somewhere:
//! the binary run as people run it, against a portal on loopback and a
//! real profile, its words and exit codes read back.

use super::{hoso_in, json, stdout_of};

/// Standard error as text, after checking the exit code.
fn stderr_of(out: &std::process::Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr.clone()).expect("utf-8")
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
