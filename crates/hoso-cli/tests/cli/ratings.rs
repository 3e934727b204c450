//! `hoso dossiers rate` against a practice portal whose officer acts over
//! its API: refused before the dossier is completed (exit 7, its state
//! named) and for a rating outside 1 to 5 (exit 3, before the portal is
//! asked); once completed, rated, shown by `hoso status`, and rated again
//! to replace it.

use super::fees::{household_draft, pay, submit};
use super::{agency, hoso_in, json, officer_send, stderr_of, stdout_of};
use hoso_core::status::Status;

#[tokio::test(flavor = "multi_thread")]
async fn rate_waits_for_completion_then_is_shown_and_replaced() {
    let a = agency().await;
    let profile = a.path("profile");
    a.sign_in(&profile).await;
    let id = household_draft(a.dir.path(), &profile, "dg").await;
    let code = submit(&profile, &id).await;
    json(&profile, &["status", "--sync"]).await;
    pay(&a, &code).await;
    a.officer_moves(&code, Status::Accepted).await;
    a.officer_moves(&code, Status::Processing).await;
    assert!(
        officer_send(
            "PUT",
            &format!(
                "{}/v1/officer/dossiers/{code}/results/Giay-chung-nhan.pdf",
                a.portal.base_url()
            ),
            &a.officer,
            "application/pdf",
            b"%PDF-1.7 ket qua",
        )
        .await,
        "the officer attaches the result"
    );
    a.officer_moves(&code, Status::ResultReady).await;

    // Not completed yet: the portal refuses, naming the state.
    let early = hoso_in(&profile, "vi_VN.UTF-8", &["dossiers", "rate", &id, "5"]).await;
    let said = stderr_of(&early, 7);
    assert!(said.contains("“Đã có kết quả”"), "{said}");
    assert!(said.contains("“Đã trả kết quả”"), "{said}");
    // Outside 1 to 5: refused here, the field named.
    let far = hoso_in(&profile, "en_US.UTF-8", &["dossiers", "rate", &id, "9"]).await;
    let said = stderr_of(&far, 3);
    assert!(
        said.contains("There is no rating 9; choose from 1"),
        "{said}"
    );

    json(&profile, &["result", "download", &id]).await;
    let shown = stdout_of(&hoso_in(&profile, "vi_VN.UTF-8", &["status", &id]).await, 0);
    assert!(
        shown.contains(&format!("`hoso dossiers rate {id} MỨC`")),
        "a completed dossier not rated says how: {shown}"
    );
    assert_eq!(
        json(&profile, &["status", &id]).await["rating"],
        serde_json::Value::Null
    );

    // Rated: the comment kept as normalised, shown with the dossier.
    let rated = json(
        &profile,
        &[
            "dossiers",
            "rate",
            &id,
            "4",
            "--comment",
            "  Cán bộ hướng dẫn tận tình. ",
        ],
    )
    .await;
    assert_eq!(rated["rating"]["rating"], 4, "{rated}");
    assert_eq!(rated["rating"]["comment"], "Cán bộ hướng dẫn tận tình.");
    assert_eq!(rated["rating"]["dossier_code"], code);
    let shown = stdout_of(&hoso_in(&profile, "vi_VN.UTF-8", &["status", &id]).await, 0);
    assert!(shown.contains("Đánh giá: 4/5 — Hài lòng"), "{shown}");
    assert!(
        shown.contains("Nhận xét: Cán bộ hướng dẫn tận tình."),
        "{shown}"
    );

    // Rated again: the latest rating replaces it, here and at the portal.
    let again = stdout_of(
        &hoso_in(&profile, "en_US.UTF-8", &["dossiers", "rate", &id, "2"]).await,
        0,
    );
    assert!(again.contains("Rating: 2/5 — Dissatisfied"), "{again}");
    assert!(!again.contains("Comment:"), "{again}");
    let synced = json(&profile, &["status", &id, "--sync"]).await;
    assert_eq!(synced["rating"]["rating"], 2, "{synced}");
    assert_eq!(synced["rating"]["comment"], "");
}
