//! Dates are written day first whatever the system's locale: under the C
//! locale, where the web view's own date input shows 4 December 2026 as
//! `12/04/2026`, HoSo's date field reads `04/12/2026` for `4/12/2026`
//! typed, stores the day (ISO) that hoso-core judges, says in the field
//! when a typed day does not exist, and offers a calendar to pick from.

use crate::harness::Session;
use std::time::Duration;

const FIELD: &str = r#"[name="certificate.issue_date"]"#;
const TAB: &str = "\u{e004}";

async fn shown(app: &Session) -> String {
    app.wait(FIELD, Duration::from_secs(5))
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_date_typed_day_first_reads_day_first_under_the_c_locale() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let app = Session::launch(&profile).await;
    app.wait("#create", Duration::from_secs(60)).await;
    app.click("#create").await;
    app.wait(FIELD, Duration::from_secs(10)).await;

    app.type_into(FIELD, &format!("4/12/2026{TAB}")).await;
    assert_eq!(shown(&app).await, "04/12/2026");
    assert_eq!(app.text(r#"[id="certificate.issue_date-date"]"#).await, "");
    assert_eq!(
        app.text(r#"[id="certificate.issue_date-problems"]"#).await,
        "",
        "hoso-core finds the stored day a real one"
    );
    app.scroll_to(FIELD).await;
    app.screenshot("dates-typed").await;

    // A day that does not exist is named in the field.
    app.type_into(FIELD, &format!("31/02/2026{TAB}")).await;
    let said = app.text(r#"[id="certificate.issue_date-date"]"#).await;
    assert!(
        said.contains("31/02/2026") && said.contains("ngày/tháng/năm"),
        "invalid date message: {said:?}"
    );

    // The calendar opens on the month typed last and gives the day picked.
    app.type_into(FIELD, "4-12-2026").await;
    app.click(r#"[id="certificate.issue_date-calendar"]"#).await;
    let month = app.text(".calendar .month").await;
    assert_eq!(month.trim(), "Tháng 12 năm 2026");
    app.screenshot("dates-calendar").await;
    app.click(r#".calendar button.day[data-date="2026-12-15"]"#)
        .await;
    assert_eq!(shown(&app).await, "15/12/2026");

    // What was stored is the day: it comes back day first after leaving.
    app.click("#back").await;
    app.wait("#dossiers li.dossier .open", Duration::from_secs(10))
        .await;
    app.click("#dossiers li.dossier .open").await;
    app.wait(FIELD, Duration::from_secs(10)).await;
    assert_eq!(shown(&app).await, "15/12/2026");
    app.close().await;
}
