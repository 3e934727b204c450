//! `hoso receipt`: a filed dossier's receipt as Form 01, and any receipt file verified.

use super::{Out, portal};
use crate::cli::ReceiptCmd;
use crate::exit::{Code, Failure, Lang};
use hoso_client::Client;
use serde_json::json;

pub(super) async fn run(
    client: &Client,
    c: ReceiptCmd,
    out: Out,
    form: Lang,
) -> Result<Code, Failure> {
    match c {
        ReceiptCmd::Show { id } => {
            let p = client.portal_of(id).await?;
            // Verified again against the pinned key: a receipt that does
            // not verify is refused (exit 5), never shown as if it did.
            let done = client.receipt(&p, id).await?;
            let signed = serde_json::to_value(&done.signed).unwrap_or_default();
            out.print(signed, || {
                crate::receipt_form::render(
                    &done.receipt,
                    &done.verified_with,
                    &done.receipt_sha256,
                    form,
                )
            });
        }
        ReceiptCmd::Verify {
            file,
            key,
            portal: choice,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| hoso_client::ClientError::file(&file, e))?;
            // A file that is not even a signed receipt verifies no more
            // than a forged one: the same answer, exit 5, whatever the key.
            let signed = match serde_json::from_str::<hoso_core::receipt::SignedReceipt>(&text) {
                Ok(signed) => signed,
                Err(e) => {
                    let why = format!(
                        "{}: {} ({e})",
                        file.display(),
                        out.t("không phải biên nhận HoSo", "not a HoSo receipt")
                    );
                    return Ok(not_valid(out, &why));
                }
            };
            // The key it claims (read before verifying, only to choose a
            // key and to say which one to look for).
            let claimed = signed.receipt["key_id"].as_str().unwrap_or("?").to_owned();
            let key = match key {
                Some(k) => hoso_core::receipt::PortalKey::from_base64(&k)
                    .map_err(|e| Failure::new(Code::Invalid, e.to_string(), e.to_string()))?,
                None if choice.portal.is_some() => portal(client, &choice).await?.key,
                None => {
                    let all = client.portals().await?;
                    if all.is_empty() {
                        return Err(no_key(&file, &signed, &claimed));
                    }
                    // The portal whose pinned key the receipt names, else
                    // the default one (which then says it does not match).
                    match all.iter().find(|p| p.key.fingerprint() == claimed) {
                        Some(p) => p.key,
                        None => portal(client, &choice).await?.key,
                    }
                }
            };
            match signed.verify(&key) {
                Ok(r) => out.print(
                    json!({"valid": true, "dossier_code": r.dossier_code, "key_id": key.fingerprint(),
                           "received_at": r.received_at, "receipt_sha256": signed.sha256().to_hex()}),
                    || {
                        format!(
                            "{} {} · {} {}",
                            out.t("Biên nhận hợp lệ:", "Receipt valid:"),
                            r.dossier_code,
                            out.t("ký bằng khóa", "signed with key"),
                            key.fingerprint()
                        )
                    },
                ),
                Err(e @ hoso_core::receipt::ReceiptError::OtherKey { .. }) => {
                    let why = format!(
                        "{e}. {}",
                        out.t(
                            "Nếu biên nhận do cổng khác cấp, hãy kiểm tra bằng --portal CỔNG hoặc --key KHÓA_CỦA_CỔNG.",
                            "If another portal issued it, verify with --portal PORTAL or --key THAT_PORTALS_KEY."
                        )
                    );
                    return Ok(not_valid(out, &why));
                }
                Err(e) => return Ok(not_valid(out, &e.to_string())),
            }
        }
    }
    Ok(Code::Ok)
}

/// No key to verify with: the profile has no portal. Says which key the
/// receipt names and how to give it.
fn no_key(
    file: &std::path::Path,
    signed: &hoso_core::receipt::SignedReceipt,
    claimed: &str,
) -> Failure {
    let name = |lang: &str| {
        signed.receipt["portal"][lang]
            .as_str()
            .map(|n| format!(" “{n}”"))
            .unwrap_or_default()
    };
    let file = file.display();
    Failure::new(
        Code::NotFound,
        format!(
            "Hồ sơ người dùng này chưa có cổng nào nên chưa có khóa để kiểm tra. Biên nhận ghi được ký bằng khóa {claimed} của cổng{}. Kiểm tra bằng khóa công khai của cổng: `hoso receipt verify {file} --key KHÓA` (KHÓA: mục receipt_key cổng công bố tại ĐỊA_CHỈ_CỔNG/.well-known/hoso, hoặc trong `hoso portals list --json` ở máy đã thêm cổng); hoặc thêm cổng trước: `hoso portals add ĐỊA_CHỈ_CỔNG`.",
            name("vi")
        ),
        format!(
            "This profile has no portal yet, so no key to verify with. The receipt says it was signed with key {claimed} of portal{}. Verify with the portal's public key: `hoso receipt verify {file} --key KEY` (KEY: the receipt_key the portal publishes at PORTAL_ADDRESS/.well-known/hoso, or in `hoso portals list --json` on a computer that added the portal); or add the portal first: `hoso portals add PORTAL_ADDRESS`.",
            name("en")
        ),
    )
}

/// Says a receipt is not valid and why; exit 5.
fn not_valid(out: Out, why: &str) -> Code {
    out.print(json!({"valid": false, "error": why}), || {
        format!(
            "{} {why}",
            out.t("BIÊN NHẬN KHÔNG HỢP LỆ:", "RECEIPT NOT VALID:")
        )
    });
    Code::Untrusted
}
