//! One language at a time: Vietnamese under a locale that says nothing
//! (C), English under an English one, and the language chosen in the
//! header kept in the profile across a restart, whatever the locale.

use crate::harness::Session;
use std::time::Duration;

/// The header's list tab reads `vi` or `en` text, and the page says so.
async fn assert_speaks(app: &Session, lang: &str, list_tab: &str) {
    let tab = app.until_text("#nav-list", list_tab).await;
    assert_eq!(tab.trim(), list_tab, "one language at a time");
    let said = app
        .client
        .execute("return document.documentElement.lang;", vec![])
        .await
        .expect("read lang");
    assert_eq!(said.as_str(), Some(lang));
    let pressed = app
        .wait(&format!("#lang-{lang}"), Duration::from_secs(5))
        .await
        .attr("aria-pressed")
        .await
        .expect("aria-pressed");
    assert_eq!(
        pressed.as_deref(),
        Some("true"),
        "the switch shows {lang} chosen"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn english_chosen_in_the_header_is_still_chosen_after_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let app = Session::launch(&profile).await;
    app.wait("#create", Duration::from_secs(60)).await;
    assert_speaks(&app, "vi", "Hồ sơ của tôi").await;
    app.click("#lang-en").await;
    assert_speaks(&app, "en", "My dossiers").await;
    let create = app.text("#create").await;
    assert_eq!(
        create.trim(),
        "Create",
        "the whole window follows the switch"
    );
    app.close().await;

    let app = Session::launch(&profile).await;
    app.wait("#create", Duration::from_secs(60)).await;
    assert_speaks(&app, "en", "My dossiers").await;
    // Back to Vietnamese, also kept.
    app.click("#lang-vi").await;
    assert_speaks(&app, "vi", "Hồ sơ của tôi").await;
    app.close().await;
    let app = Session::launch(&profile).await;
    app.wait("#create", Duration::from_secs(60)).await;
    assert_speaks(&app, "vi", "Hồ sơ của tôi").await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_english_locale_opens_in_english_until_another_language_is_chosen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    let english = [("LANG", "en_GB.UTF-8")];
    let app = Session::launch_with(&profile, &english).await;
    app.wait("#create", Duration::from_secs(60)).await;
    assert_speaks(&app, "en", "My dossiers").await;
    app.click("#lang-vi").await;
    assert_speaks(&app, "vi", "Hồ sơ của tôi").await;
    app.close().await;
    // The person's choice wins over the locale.
    let app = Session::launch_with(&profile, &english).await;
    app.wait("#create", Duration::from_secs(60)).await;
    assert_speaks(&app, "vi", "Hồ sơ của tôi").await;
    app.close().await;
}
