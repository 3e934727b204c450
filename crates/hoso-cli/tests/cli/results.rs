//! `hoso dossiers withdraw` and `hoso result download` against a practice
//! portal whose officer acts over its API: a withdrawal with its reason,
//! refused without one and once the dossier is examined; a result that is
//! not issued yet (exit 6), then downloaded, verified, copied out, and the
//! dossier completed.

use super::fees::{household_draft, pay, submit};
use super::{agency, hoso_in, json, officer_send, stdout_of};
use hoso_core::status::Status;

#[tokio::test(flavor = "multi_thread")]
async fn withdraw_needs_a_reason_and_a_dossier_not_yet_examined() {
    let a = agency().await;
    let profile = a.path("profile");
    a.sign_in(&profile).await;
    let id = household_draft(a.dir.path(), &profile, "rut").await;
    let code = submit(&profile, &id).await;

    let without = hoso_in(&profile, "vi_VN.UTF-8", &["dossiers", "withdraw", &id]).await;
    assert_eq!(without.status.code(), Some(2), "clap asks for --reason");
    assert!(String::from_utf8_lossy(&without.stderr).contains("--reason"));

    let done = json(
        &profile,
        &["dossiers", "withdraw", &id, "--reason", "Nộp nhầm thủ tục"],
    )
    .await;
    assert_eq!(done["withdrawn"], true);
    let status = json(&profile, &["status", &id]).await;
    assert_eq!(
        status["summary"]["tracking"]["status"], "withdrawn",
        "{status}"
    );
    assert_eq!(
        status["history"]
            .as_array()
            .expect("history")
            .last()
            .expect("last")["note"],
        "Nộp nhầm thủ tục"
    );
    // Its fee, unpaid, is no longer asked for: no code to scan.
    let fee = json(&profile, &["fee", "show", &id]).await;
    assert_eq!(fee["state"]["kind"], "cancelled", "{fee}");
    assert_eq!(fee["vietqr"], serde_json::Value::Null);
    assert_eq!(fee["still_due_vnd"], 0);
    let text = stdout_of(
        &hoso_in(&profile, "vi_VN.UTF-8", &["fee", "show", &id]).await,
        0,
    );
    assert!(text.contains("Đã hủy yêu cầu thanh toán"), "{text}");
    assert!(text.contains("không còn gì phải nộp"), "{text}");

    // Under examination: the portal refuses, and the state is named.
    let other = household_draft(a.dir.path(), &profile, "xet").await;
    let other_code = submit(&profile, &other).await;
    assert_ne!(other_code, code);
    a.officer_moves(&other_code, Status::Accepted).await;
    a.officer_moves(&other_code, Status::Processing).await;
    let refused = hoso_in(
        &profile,
        "vi_VN.UTF-8",
        &["dossiers", "withdraw", &other, "--reason", "Đổi ý"],
    )
    .await;
    assert_eq!(refused.status.code(), Some(7), "the portal's refusal");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains(&Status::Processing.label().vi), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn result_download_waits_for_the_result_then_verifies_copies_and_completes() {
    let a = agency().await;
    let profile = a.path("profile");
    a.sign_in(&profile).await;
    let id = household_draft(a.dir.path(), &profile, "kq").await;
    let code = submit(&profile, &id).await;
    json(&profile, &["status", "--sync"]).await;
    pay(&a, &code).await;

    let early = hoso_in(&profile, "en_US.UTF-8", &["result", "download", &id]).await;
    assert_eq!(early.status.code(), Some(6), "no result yet");
    assert!(
        String::from_utf8_lossy(&early.stderr).contains("no result yet"),
        "{}",
        String::from_utf8_lossy(&early.stderr)
    );

    a.officer_moves(&code, Status::Accepted).await;
    a.officer_moves(&code, Status::Processing).await;
    let licence: Vec<u8> = (0..250_000u32).map(|i| (i % 253) as u8).collect();
    assert!(
        officer_send(
            "PUT",
            &format!(
                "{}/v1/officer/dossiers/{code}/results/Giay-chung-nhan.pdf",
                a.portal.base_url()
            ),
            &a.officer,
            "application/pdf",
            &licence,
        )
        .await,
        "the officer attaches the result"
    );
    a.officer_moves(&code, Status::ResultReady).await;

    let to = a.path("ket-qua");
    let got = json(
        &profile,
        &[
            "result",
            "download",
            &id,
            "--to",
            to.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(got["verified"], true);
    assert_eq!(got["dossier_code"], code);
    let documents = got["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["name"], "Giay-chung-nhan.pdf");
    assert_eq!(documents[0]["size"], licence.len());
    assert_eq!(
        std::fs::read(to.join("Giay-chung-nhan.pdf")).expect("copied out"),
        licence
    );
    let status = json(&profile, &["status", &id]).await;
    assert_eq!(
        status["summary"]["tracking"]["status"], "completed",
        "{status}"
    );

    // Asked again: already here, verified again, nothing to fetch.
    let again = hoso_in(&profile, "vi_VN.UTF-8", &["result", "download", &id]).await;
    let text = stdout_of(&again, 0);
    assert!(text.contains("Giay-chung-nhan.pdf"), "{text}");
    assert!(text.contains("chữ ký số"), "{text}");
}
