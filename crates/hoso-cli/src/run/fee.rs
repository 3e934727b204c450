//! `hoso fee`: what a dossier owes and how to pay it, and its fee receipt.

use super::Out;
use crate::cli::FeeCmd;
use crate::exit::{Code, Failure, Lang};
use hoso_client::Client;
use hoso_client::fees::DossierFee;
use hoso_core::amount_words::in_figures;
use hoso_core::bilingual::en_number;
use hoso_core::payment::{PaymentRequest, PaymentState};
use hoso_core::{Fee, FeeLine, VietQr};
use serde_json::json;

pub(super) async fn run(client: &Client, c: FeeCmd, out: Out, form: Lang) -> Result<Code, Failure> {
    match c {
        FeeCmd::Show { id } => {
            let p = client.portal_of(id).await?;
            match client.dossier_fee(&p, id, true).await? {
                DossierFee::Computed(fee) => computed(id, &fee, out),
                DossierFee::Requested { request, paid_vnd } => {
                    requested(id, &request, paid_vnd, out)
                }
            }
        }
        FeeCmd::Receipt { id } => {
            let p = client.portal_of(id).await?;
            // Verified against the portal's keys: one that does not verify
            // is refused (exit 5), never printed as if it did.
            let kept = client.dossier_fee_receipt(&p, id, true).await?;
            let signed = serde_json::to_value(&kept.signed).unwrap_or_default();
            out.print(signed, || {
                let r = &kept.receipt;
                let mut text = form.pick(&r.text()).to_owned();
                text.push('\n');
                text.push_str(&match form {
                    Lang::Vi => format!(
                        "Chữ ký số của cổng hợp lệ (khóa {})\nMã băm biên lai (SHA-256): {}",
                        r.key_id,
                        kept.sha256.to_hex()
                    ),
                    Lang::En => format!(
                        "The portal's digital signature is valid (key {})\nReceipt hash (SHA-256): {}",
                        r.key_id,
                        kept.sha256.to_hex()
                    ),
                });
                text
            });
        }
    }
    Ok(Code::Ok)
}

/// An amount as people read it in `out`'s language.
fn money(vnd: u64, out: Out) -> String {
    match out.lang {
        Lang::Vi => in_figures(vnd),
        Lang::En => format!("{} VND", en_number(vnd)),
    }
}

/// The fee's lines, numbered.
fn lines(all: &[FeeLine], out: Out) -> Vec<String> {
    all.iter()
        .enumerate()
        .map(|(i, line)| {
            let amount = if line.quantity == 1 {
                money(line.amount_vnd, out)
            } else {
                format!(
                    "{} × {} = {}",
                    line.quantity,
                    money(line.unit_vnd, out),
                    money(line.amount_vnd, out)
                )
            };
            format!("  {}. {}: {amount}", i + 1, out.say(&line.label))
        })
        .collect()
}

/// A draft's fee, computed here before filing.
fn computed(id: i64, fee: &Fee, out: Out) {
    out.print(
        json!({
            "id": id,
            "computed_before_filing": true,
            "amount_vnd": fee.amount_vnd,
            "lines": fee.lines,
            "exempt": fee.exempt,
        }),
        || {
            let mut text = vec![out.t(
                "Phí, lệ phí tính trước khi nộp (theo thủ tục và nội dung hồ sơ; cổng sẽ yêu cầu thanh toán sau khi nộp):",
                "Fee computed before filing (from the procedure and the dossier's values; the portal asks for payment once it is filed):",
            )];
            text.extend(lines(&fee.lines, out));
            text.push(format!(
                "{}: {}",
                out.t("Tổng cộng", "Total"),
                money(fee.amount_vnd, out)
            ));
            if let Some(reason) = &fee.exempt {
                text.push(format!(
                    "{}: {}",
                    out.t("Miễn phí", "Exempt"),
                    out.say(reason)
                ));
            }
            text.join("\n")
        },
    );
}

/// A filed dossier's payment request, with its VietQR code.
fn requested(id: i64, r: &PaymentRequest, paid_vnd: Option<u64>, out: Out) {
    let purpose = r
        .vietqr
        .as_deref()
        .and_then(|p| VietQr::parse(p).ok())
        .and_then(|q| q.purpose)
        .map(|p| p.as_str().to_owned());
    out.print(
        json!({
            "id": id,
            "computed_before_filing": false,
            "dossier_code": r.dossier_code,
            "amount_vnd": r.amount_vnd,
            "paid_vnd": paid_vnd,
            "still_due_vnd": r.still_due_vnd(),
            "state": r.state,
            "state_label": r.state.label(),
            "deadline": r.deadline,
            "payee_name": r.payee_name,
            "payee": r.payee,
            "purpose": purpose,
            "lines": r.lines,
            "vietqr": r.vietqr,
        }),
        || {
            let deadline = match out.lang {
                Lang::Vi => r.deadline.format("%H:%M, ngày %d/%m/%Y").to_string(),
                Lang::En => r.deadline.format("%H:%M, %d/%m/%Y").to_string(),
            };
            let mut text = vec![
                format!(
                    "{} {}",
                    out.t("Yêu cầu thanh toán phí, lệ phí của hồ sơ", "Payment request for the fee of dossier"),
                    r.dossier_code
                ),
                format!("{}: {}", out.t("Trạng thái", "State"), out.say(&r.state.label())),
                format!("{}: {}", out.t("Số phí", "Fee"), money(r.amount_vnd, out)),
            ];
            text.extend(lines(&r.lines, out));
            if let Some(paid) = paid_vnd {
                text.push(format!("{}: {}", out.t("Đã nộp", "Paid"), money(paid, out)));
            }
            text.push(format!(
                "{}: {}",
                out.t("Còn phải nộp", "Still due"),
                money(r.still_due_vnd(), out)
            ));
            text.push(format!("{}: {deadline}", out.t("Hạn nộp", "Pay by")));
            text.push(format!("{}: {}", out.t("Đơn vị thụ hưởng", "Payee"), r.payee_name));
            text.push(format!(
                "{}: {} ({} {})",
                out.t("Tài khoản", "Account"),
                r.payee.account,
                out.t("mã ngân hàng", "bank BIN"),
                r.payee.bin
            ));
            if let Some(purpose) = &purpose {
                text.push(format!(
                    "{}: {purpose}",
                    out.t("Nội dung chuyển khoản", "Transfer purpose")
                ));
            }
            match &r.vietqr {
                Some(code) => {
                    text.push(out.t(
                        "Mã VietQR: quét bằng ứng dụng ngân hàng để chuyển đúng số tiền, tài khoản và nội dung:",
                        "VietQR code: scan it with a banking app to transfer the right amount, to the right account, with the right purpose:",
                    ));
                    text.push(code.clone());
                }
                // Past the deadline the portal offers no code, though it
                // still takes a transfer (hoso_core::payment).
                None if past_deadline(r) => text.push(out.t(
                    "Không còn mã VietQR vì đã quá hạn thanh toán; cổng vẫn nhận tiền chuyển sau hạn và ghi là nộp sau hạn.",
                    "No VietQR code: the payment deadline has passed; the portal still takes a transfer made now, marked as paid after the deadline.",
                )),
                None => text.push(out.t(
                    "Không còn mã VietQR: không còn gì phải nộp qua cổng.",
                    "No VietQR code: nothing is left to pay through the portal.",
                )),
            }
            text.join("\n")
        },
    );
}

/// Whether `r` offers no code because its deadline passed while something
/// was still asked (expired, or partly paid with what is still due).
fn past_deadline(r: &PaymentRequest) -> bool {
    r.vietqr.is_none() && (r.state == PaymentState::Expired || r.still_due_vnd() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_without_a_code_says_whether_its_deadline_passed() {
        let payee = serde_json::from_value(
            serde_json::json!({"bin": "970415", "account": "0011001932418"}),
        )
        .expect("payee");
        let fee = Fee {
            amount_vnd: 100_000,
            lines: vec![],
            exempt: None,
        };
        let deadline =
            chrono::DateTime::parse_from_rfc3339("2026-12-10T23:59:59+07:00").expect("time");
        let after = deadline + chrono::Duration::hours(1);
        let code = "HOSO.PRACTICE-261204-0001".parse().expect("code");
        let r =
            PaymentRequest::new(&code, &fee, &payee, "Sở Tài chính", deadline).expect("request");
        let partly = r
            .with_state(PaymentState::PartlyPaid {
                still_due_vnd: 40_000,
            })
            .expect("partly paid");
        assert!(
            !past_deadline(&r) && !past_deadline(&partly),
            "codes offered"
        );
        assert!(past_deadline(&r.expire(after).expect("expired")));
        assert!(past_deadline(&partly.expire(after).expect("no code")));
        for closed in [
            r.cancel().expect("cancelled"),
            r.with_state(PaymentState::Paid { late: false })
                .expect("paid"),
            r.with_state(PaymentState::Refunded).expect("refunded"),
        ] {
            assert!(!past_deadline(&closed), "{:?}", closed.state);
        }
    }
}
