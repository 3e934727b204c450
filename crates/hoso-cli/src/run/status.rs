//! `hoso status`: a dossier's standing and history, or every dossier's, after a sync when asked.

use super::Out;
use super::dossiers::summary_json;
use crate::exit::{Code, Failure, Lang};
use hoso_client::Client;
use hoso_core::amount_words::in_figures;
use hoso_core::bilingual::en_number;
use serde_json::json;

pub(super) async fn run(
    client: &Client,
    id: Option<i64>,
    sync: bool,
    out: Out,
) -> Result<Code, Failure> {
    let mut failed = None;
    if sync {
        for (p, e) in client.sync_all().await?.failed {
            let failure = Failure::from(e);
            eprintln!("hoso: {}: {}", p.base_url, failure.headline(out.lang));
            failed.get_or_insert(failure.code());
        }
    }
    match id {
        Some(id) => {
            let record = client.dossier(id).await?;
            let p = client.portal_of(id).await?;
            let history = match &record.summary.dossier_code {
                Some(code) => client
                    .dossier_status(&p, code)
                    .await?
                    .map(|t| t.history)
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            // A completed dossier shows the applicant's rating: the one
            // kept here, or with --sync the portal's.
            let rateable = record
                .summary
                .tracking
                .as_ref()
                .is_some_and(|t| hoso_core::rating::may_rate(t.status));
            let rating = match (rateable, sync) {
                (false, _) => None,
                (true, false) => client.kept_rating(id).await?,
                (true, true) => match client.rating(id).await {
                    Ok(r) => r,
                    Err(e) => {
                        let failure = Failure::from(e);
                        eprintln!("hoso: {}", failure.headline(out.lang));
                        failed.get_or_insert(failure.code());
                        client.kept_rating(id).await?
                    }
                },
            };
            out.print(
                json!({"summary": summary_json(&record.summary), "history": history,
                       "rating": rating}),
                || {
                    let mut lines = vec![match &record.summary.tracking {
                        Some(t) => format!(
                            "#{id} {} · {} · {}",
                            out.say(&t.status.label()),
                            out.say(&t.deadline.label()),
                            t.confirmed_at.clone().unwrap_or_default()
                        ),
                        None => format!("#{id} {:?}", record.summary.state),
                    }];
                    for e in &history {
                        lines.push(format!(
                            "  {} {} ({}) {}",
                            e.at,
                            out.say(&e.status.label()),
                            e.actor,
                            e.note
                        ));
                    }
                    match &rating {
                        Some(r) => lines.extend(rating_lines(r, out)),
                        None if rateable => lines.push(out.t(
                            &format!(
                                "  Chưa đánh giá mức hài lòng: `hoso dossiers rate {id} MỨC` (1 rất không hài lòng … 5 rất hài lòng)."
                            ),
                            &format!(
                                "  Not rated yet: `hoso dossiers rate {id} RATING` (1 very dissatisfied … 5 very satisfied)."
                            ),
                        )),
                        None => {}
                    }
                    lines.join("\n")
                },
            );
        }
        None => {
            let rows = client.report().await?;
            let value: Vec<_> = rows
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "code": r.code, "procedure": r.procedure, "title": r.title, "portal": r.portal,
                        "local_state": r.local_state, "received_at": r.received_at,
                        "status": r.tracking.as_ref().map(|t| t.status),
                        "confirmed_at": r.tracking.as_ref().and_then(|t| t.confirmed_at.clone()),
                        "appointment_date": r.tracking.as_ref().map(|t| t.appointment_date),
                        "deadline": r.tracking.as_ref().map(|t| t.deadline),
                        "fee": r.fee.map(|f| json!({
                            "asked_vnd": f.asked_vnd, "due_vnd": f.due_vnd,
                            "paid_vnd": f.paid_vnd, "refunded_vnd": f.refunded_vnd,
                        })),
                    })
                })
                .collect();
            out.print(json!(value), || {
                if rows.is_empty() {
                    return out.t(
                        "Chưa có hồ sơ nào trên máy này; lập hồ sơ đầu tiên bằng `hoso dossiers new THỦ_TỤC` (xem `hoso procedures list`).",
                        "No dossiers on this computer yet; start one with `hoso dossiers new PROCEDURE` (see `hoso procedures list`).",
                    );
                }
                let mut lines = vec![format!(
                    "{:>5}  {:<26} {:<40} {}",
                    "#",
                    out.t("MÃ HỒ SƠ", "CODE"),
                    out.t("TÊN", "TITLE"),
                    out.t("TÌNH TRẠNG", "STANDING")
                )];
                lines.extend(rows.iter().map(|r| {
                    let standing = r
                        .tracking
                        .as_ref()
                        .map(|t| {
                            format!(
                                "{} · {}",
                                out.say(&t.status.label()),
                                out.say(&t.deadline.label())
                            )
                        })
                        .unwrap_or_else(|| local_state(r.local_state, out));
                    // A draft has no code yet: say so, its id names it.
                    let code = if r.code.is_empty() {
                        out.t("(chưa nộp)", "(not filed)")
                    } else {
                        r.code.clone()
                    };
                    format!("{:>5}  {code:<26} {:<40} {standing}", r.id, r.title)
                }));
                let fees = hoso_client::report::summary(&rows).fees;
                if fees.asked_vnd > 0 {
                    let m = |vnd| match out.lang {
                        Lang::Vi => in_figures(vnd),
                        Lang::En => format!("{} VND", en_number(vnd)),
                    };
                    lines.push(out.t(
                        &format!(
                            "Phí, lệ phí: phải nộp {}, còn phải nộp {}, đã nộp {}, đã hoàn {}.",
                            m(fees.asked_vnd), m(fees.due_vnd), m(fees.paid_vnd), m(fees.refunded_vnd)
                        ),
                        &format!(
                            "Fees: asked {}, still due {}, paid {}, refunded {}.",
                            m(fees.asked_vnd), m(fees.due_vnd), m(fees.paid_vnd), m(fees.refunded_vnd)
                        ),
                    ));
                }
                lines.join("\n")
            });
        }
    }
    Ok(failed.unwrap_or(Code::Ok))
}

/// A dossier's state on this computer in words.
fn local_state(state: hoso_core::DossierState, out: Out) -> String {
    match state {
        hoso_core::DossierState::Draft => out.t("bản nháp", "draft"),
        hoso_core::DossierState::Submitting => out.t("đang gửi", "being sent"),
        hoso_core::DossierState::Submitted => out.t("đã nộp", "filed"),
    }
}

/// A rating as people read it: its step in figures and in words, when it
/// was given, and the comment.
pub(super) fn rating_lines(r: &hoso_core::wire::Rating, out: Out) -> Vec<String> {
    let words = hoso_core::rating::Score::new(i64::from(r.rating))
        .map(|s| format!(" — {}", out.say(&s.label())))
        .unwrap_or_default();
    let at = r.rated_at.format("%H:%M %d/%m/%Y");
    let mut lines = vec![out.t(
        &format!("  Đánh giá: {}/5{words} ({at})", r.rating),
        &format!("  Rating: {}/5{words} ({at})", r.rating),
    )];
    if !r.comment.is_empty() {
        lines.push(out.t(
            &format!("  Nhận xét: {}", r.comment),
            &format!("  Comment: {}", r.comment),
        ));
    }
    lines
}
