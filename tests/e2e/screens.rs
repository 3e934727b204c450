//! The main screens (list, editor, attachments, receipt) in a window
//! 1100 px wide, in Vietnamese and in English: nothing wider than the
//! window, and a screenshot of each in `target/e2e-shots/screens-*.png`
//! for people to look at.

use crate::harness::Session;
use hoso_client::Client;
use hoso_portal::PortalConfig;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn the_main_screens_fit_a_window_1100_pixels_wide_in_both_languages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let portal = hoso_portal::start(PortalConfig::practice(dir.path().join("portal")))
        .await
        .expect("portal starts");
    let token = portal
        .issue_token("cty-anh-duong", "Công ty Ánh Dương")
        .await
        .expect("token");
    let profile = dir.path().join("profile");
    {
        // One dossier filed, and a complete draft to open in the editor.
        let client = Client::open(&profile).await.expect("profile");
        let (record, procedure) = crate::signed_in(&client, portal.base_url(), &token).await;
        let content = crate::tracking::sample(&client, dir.path()).await;
        client
            .submit(&record, content.clone())
            .await
            .expect("filed");
        let draft = client
            .create_dossier(&record, &procedure)
            .await
            .expect("draft");
        client
            .save_dossier(&record, draft.summary.id, content, draft.revision)
            .await
            .expect("saved");
    }
    let url = portal.base_url().to_owned();
    let app = Session::launch_with(
        &profile,
        &[
            ("HOSO_PORTAL_URL", url.as_str()),
            ("HOSO_PORTAL_TOKEN", token.as_str()),
        ],
    )
    .await;
    app.wait("#create", Duration::from_secs(60)).await;
    app.window_size(1100, 800).await;
    for lang in ["vi", "en"] {
        app.click(&format!("#lang-{lang}")).await;
        app.click("#nav-list").await;
        app.wait("#dossiers li.dossier .receipt", Duration::from_secs(10))
            .await;
        let shot = |n: &str| format!("screens-{lang}-{n}");
        app.assert_fits(&shot("1-list")).await;
        app.screenshot(&shot("1-list")).await;

        app.click("#dossiers li.dossier .open").await;
        app.wait(r#"[name="importer.name"]"#, Duration::from_secs(10))
            .await;
        app.assert_fits(&shot("2-editor")).await;
        app.screenshot(&shot("2-editor")).await;
        app.scroll_to(r#"[id="goods.items"]"#).await;
        app.screenshot(&shot("3-goods")).await;
        app.scroll_to(r#"[id="documents.contract"]"#).await;
        app.wait(
            r#"[id="documents.contract"] li.doc"#,
            Duration::from_secs(10),
        )
        .await;
        app.assert_fits(&shot("4-attachments")).await;
        app.screenshot(&shot("4-attachments")).await;
        app.click(r#"[id="documents.contract"] .calendar-open"#)
            .await;
        app.wait(".calendar", Duration::from_secs(5)).await;
        app.assert_fits(&shot("5-calendar")).await;
        app.screenshot(&shot("5-calendar")).await;

        app.click("#back").await;
        app.click("#dossiers li.dossier .receipt").await;
        app.wait("#receipt", Duration::from_secs(10)).await;
        if lang == "en" {
            // The procedure takes one working day: English says it once.
            let text = app.text("#receipt").await;
            assert!(
                text.contains("1 working day") && !text.contains("1 working days"),
                "{text}"
            );
        }
        app.assert_fits(&shot("6-receipt")).await;
        app.screenshot(&shot("6-receipt")).await;
    }
    app.close().await;
}
