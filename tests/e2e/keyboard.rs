//! Keyboard only: a dossier is started, typed into and checked without the
//! mouse, moving with Tab and acting with Enter as a person would.

use crate::harness::Session;
use std::time::Duration;

const TAB: &str = "\u{e004}";
const ENTER: &str = "\u{e007}";

/// Presses Tab until the focused element satisfies `is` (a JS expression
/// over `el`), at most `max` times; the number of presses it took.
async fn tab_to(app: &Session, is: &str, max: usize) -> usize {
    for presses in 0..max {
        let here = app
            .client
            .execute(
                &format!("const el = document.activeElement; return !!(el && ({is}));"),
                vec![],
            )
            .await
            .expect("read focus");
        if here.as_bool() == Some(true) {
            return presses;
        }
        press(app, TAB).await;
    }
    panic!("{is} was not reached with {max} presses of Tab");
}

/// Presses `keys` on the keyboard, wherever the focus is (WebDriver key
/// actions, as a person's keyboard: a Tab leaves even a date input).
async fn press(app: &Session, keys: &str) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut actions = KeyActions::new("keyboard".into());
    for c in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    app.client
        .perform_actions(actions)
        .await
        .expect("keyboard actions");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dossier_is_started_filled_and_checked_with_the_keyboard_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = Session::launch(&dir.path().join("profile")).await;
    app.wait("#create", Duration::from_secs(60)).await;

    let presses = tab_to(&app, "el.id === 'create'", 20).await;
    press(&app, ENTER).await;
    app.wait(r#"[name="importer.name"]"#, Duration::from_secs(10))
        .await;
    let to_name = tab_to(&app, "el.name === 'importer.name'", 20).await;
    press(&app, "Công ty TNHH Ánh Dương").await;
    press(&app, TAB).await;
    press(&app, "0100233488").await;
    let counter = app.text(r#"[id="importer.name-counter"]"#).await;
    assert_eq!(counter, "22/255 ký tự");
    let tax = app
        .wait(r#"[name="importer.tax_code"]"#, Duration::from_secs(5))
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(tax, "0100233488", "Tab moved on to the tax code");

    tab_to(&app, "el.id === 'check-button'", 150).await;
    press(&app, ENTER).await;
    let check = app.text("#check").await;
    assert!(check.contains("Kiểm tra hồ sơ"), "check view: {check}");
    assert!(
        !check.contains("Tên tổ chức, cá nhân nhập khẩu”"),
        "the typed name is no longer listed as missing"
    );
    println!("keyboard: {presses} Tab to Create, {to_name} to the first field");
    app.close().await;
}
