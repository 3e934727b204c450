//! End-to-end tests: the built desktop app (`target/<profile>/hoso-desktop`)
//! in a real WebKitGTK window under Xvfb, driven like a person would through
//! tauri-driver and WebKitWebDriver. `cargo xtask test` builds the app and
//! installs the drivers before running these.

mod big_import;
mod browser;
mod console;
mod crash;
mod dates;
mod harness;
mod keyboard;
mod language;
mod paying;
mod results;
mod screens;
mod sending;
mod tracking;
mod walking_skeleton;
mod workspace;

/// `client` signed in at the portal at `url` with the applicant `token`,
/// its catalog cached; the portal's record and its quality-inspection
/// procedure.
pub async fn signed_in(
    client: &hoso_client::Client,
    url: &str,
    token: &str,
) -> (hoso_client::PortalRecord, hoso_core::Procedure) {
    let record = client
        .add_portal(
            url,
            hoso_client::AddPortal {
                token: Some(token.to_owned()),
                practice: false,
            },
        )
        .await
        .expect("portal added");
    let procedure = client
        .procedures(&record)
        .await
        .expect("catalog")
        .into_iter()
        .find(|p| p.code.as_str() == "kiem-tra-cl-nhap-khau")
        .expect("quality inspection in the catalog");
    (record, procedure)
}
