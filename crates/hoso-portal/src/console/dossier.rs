//! A dossier's page: its receipt, documents (PDFs and pictures shown in
//! the browser, any downloaded), history with who did what and when,
//! assignments, supplements and fee, and a form for each action its state
//! allows and the officer's duties hold. An action names the version of
//! the state the officer saw; a change made meanwhile refuses it.

use super::{Lang, Signed, error_page, frame, html_page, see_other};
use crate::duties::{self, Duty};
use crate::records::{ConsoleDossier, Move, OfficerAccount, PaymentLookup};
use crate::state::{AppState, now_vn};
use crate::tracking::version;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hoso_core::amount_words::in_figures;
use hoso_core::receipt::{Receipt, ReceivedDocument};
use hoso_core::status::Status;
use hoso_core::supplement::SupplementReceipt;
use hoso_core::wire::{DossierStatus, PaymentStatus, Transition};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

/// Everything the page shows.
struct Shown {
    status: DossierStatus,
    console: ConsoleDossier,
    receipt: Option<Receipt>,
    supplements: Vec<SupplementReceipt>,
    payment: Option<PaymentStatus>,
    officers: Vec<OfficerAccount>,
    slots: Vec<(String, String)>,
    results: Vec<crate::records::StoredResult>,
}

/// The receipt as the portal signed it (the portal's own, so read
/// without verifying).
fn receipt_of(console: &ConsoleDossier) -> Option<Receipt> {
    serde_json::from_str::<hoso_core::receipt::SignedReceipt>(&console.receipt)
        .ok()
        .and_then(|s| serde_json::from_value::<Receipt>(s.receipt).ok())
}

/// The document slots of the procedure version `receipt` was filed under,
/// with their labels in `lang`.
fn slots_of(state: &AppState, receipt: Option<&Receipt>, lang: Lang) -> Vec<(String, String)> {
    receipt
        .and_then(|r| {
            state
                .catalog
                .version(&r.procedure.code, &r.procedure.version)
        })
        .map(|e| {
            e.procedure
                .attachments
                .iter()
                .map(|a| (a.id.clone(), lang.of_text(&a.label).to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

async fn gather(
    state: &AppState,
    code: &str,
    lang: Lang,
) -> Result<Option<Shown>, crate::error::ApiError> {
    let Some(status) = state.db.dossier_status(code.to_owned(), None).await? else {
        return Ok(None);
    };
    let Some(console) = state.db.console_dossier(code.to_owned()).await? else {
        return Ok(None);
    };
    let receipt = receipt_of(&console);
    let supplements = crate::supplements::of_dossier(state, code).await?;
    let payment = match state.db.payment(code.to_owned(), None).await? {
        PaymentLookup::Found(p) => Some(*p),
        _ => None,
    };
    let officers = state.db.officers().await?;
    let results = state.db.result_documents(code.to_owned()).await?;
    let slots = slots_of(state, receipt.as_ref(), lang);
    Ok(Some(Shown {
        status,
        console,
        receipt,
        supplements,
        payment,
        officers,
        slots,
        results,
    }))
}

/// `GET /officer/dossiers/{code}`.
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    lang: Lang,
    Path(code): Path<String>,
    Query(q): Query<super::Done>,
) -> Response {
    let shown = match gather(&state, &code, lang).await {
        Ok(Some(s)) => s,
        Ok(None) => return error_page(lang, &crate::error::ApiError::not_found("hồ sơ / dossier")),
        Err(e) => return error_page(lang, &e),
    };
    let title = format!("{} {code}", lang.pick("Hồ sơ", "Dossier"));
    let body = html! {
        @if !q.done.is_empty() { p.notice role="status" { (lang.pick("Đã ghi nhận.", "Recorded.")) } }
        (facts(lang, &state, &shown))
        (actions(lang, &signed, &shown))
        (results(lang, &signed, &code, &shown))
        (documents(lang, &code, &shown))
        (history(lang, &shown))
        @if !shown.supplements.is_empty() { (supplements(lang, &code, &shown.supplements)) }
        @if let Some(p) = &shown.payment { (fee(lang, p)) }
    };
    html_page(StatusCode::OK, frame(lang, &title, Some(&signed.0), body))
}

fn facts(lang: Lang, state: &AppState, s: &Shown) -> Markup {
    let today = now_vn().date_naive();
    html! {
        section.card {
            dl.facts {
                dt { (lang.pick("Trạng thái", "State")) }
                dd { span.badge.state { (lang.of_text(&s.status.status.label())) } }
                @if let Some(r) = &s.receipt {
                    dt { (lang.pick("Thủ tục", "Procedure")) }
                    dd { (lang.of_text(&r.procedure.name)) " (" (r.procedure.code) ", " (lang.pick("phiên bản", "version")) " " (r.procedure.version) ")" }
                    dt { (lang.pick("Người nộp", "Applicant")) }
                    dd { (r.applicant.name) " · " (lang.pick("tài khoản", "account")) " " (r.applicant.account)
                         @if let Some(a) = &r.applicant.address { br; (a) } }
                }
                @if !s.console.tax_code.is_empty() {
                    dt { (lang.pick("Mã số thuế", "Tax code")) }
                    dd { (s.console.tax_code) }
                }
                dt { (lang.pick("Ngày nhận", "Received")) }
                dd { (super::local_time(&s.status.received_at, true)) }
                dt { (lang.pick("Hẹn trả kết quả", "Result due")) }
                dd { (s.status.appointment_date.format("%d/%m/%Y"))
                    (super::queue::due_mark(lang, &state.calendar, s.status.status, s.status.appointment_date, today))
                }
                dt { (lang.pick("Người xử lý", "Assigned to")) }
                dd { (s.console.assigned_to.as_deref().unwrap_or("—")) }
                @if let Some(r) = &s.receipt {
                    dt { (lang.pick("Mã tra cứu", "Lookup PIN")) }
                    dd { (r.lookup_pin) }
                }
                @if s.status.refund_due_vnd > 0 {
                    dt { (lang.pick("Phải hoàn trả", "Owed back")) }
                    dd { (in_figures(s.status.refund_due_vnd)) }
                }
            }
        }
    }
}

fn document_links(lang: Lang, code: &str, d: &ReceivedDocument) -> Markup {
    let href = format!("/officer/dossiers/{code}/documents/{}", d.sha256.to_hex());
    html! {
        @if crate::documents::inline_type(&d.name).is_some() {
            a href={ (href) "?view=1" } target="_blank" { (lang.pick("Xem", "View")) } " · "
        }
        a href=(href) download=(d.name) { (lang.pick("Tải về", "Download")) }
    }
}

fn documents(lang: Lang, code: &str, s: &Shown) -> Markup {
    let Some(r) = &s.receipt else {
        return html! {};
    };
    html! {
        h2 { (lang.pick("Thành phần hồ sơ", "Documents")) }
        table {
            thead { tr {
                th { (lang.pick("Loại giấy tờ", "Kind")) }
                th { (lang.pick("Tên tệp", "File")) }
                th { (lang.pick("Dung lượng", "Size")) }
                th {}
            } }
            tbody {
                @for d in &r.documents {
                    tr {
                        td { (lang.of_text(&d.label)) }
                        td { (d.name) }
                        td.num { (size(d.size)) }
                        td { (document_links(lang, code, d)) }
                    }
                }
            }
        }
    }
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

fn history(lang: Lang, s: &Shown) -> Markup {
    enum Line<'a> {
        State(&'a hoso_core::wire::StatusEvent),
        Given(&'a crate::records::AssignmentRow),
    }
    let mut lines: Vec<(&str, Line<'_>)> = s
        .status
        .history
        .iter()
        .map(|e| (e.at.as_str(), Line::State(e)))
        .chain(
            s.console
                .assignments
                .iter()
                .map(|a| (a.at.as_str(), Line::Given(a))),
        )
        .collect();
    lines.sort_by(|a, b| a.0.cmp(b.0));
    let actor = |who: &str| -> String {
        match who {
            crate::filing::PORTAL_ACTOR => lang.pick("cổng", "portal").to_owned(),
            crate::tracking::APPLICANT_ACTOR => lang.pick("người nộp", "applicant").to_owned(),
            other => other.to_owned(),
        }
    };
    html! {
        h2 { (lang.pick("Quá trình xử lý", "History")) }
        table.history {
            thead { tr {
                th { (lang.pick("Thời điểm", "When")) }
                th { (lang.pick("Việc", "What")) }
                th { (lang.pick("Người thực hiện", "Who")) }
                th { (lang.pick("Ghi chú", "Note")) }
            } }
            tbody {
                @for (at, line) in &lines {
                    tr {
                        td { (super::local_time(at, true)) }
                        @match line {
                            Line::State(e) => {
                                td { (lang.of_text(&e.status.label())) }
                                td { (actor(&e.actor)) }
                                td.lines { (e.note) @if let Some(r) = &e.request { div.muted.lines { (lang.pick("Yêu cầu bổ sung:\n", "Asked:\n")) (r) } } }
                            }
                            Line::Given(a) => {
                                td { (lang.pick("Giao cho ", "Given to ")) (a.to) }
                                td { (a.by) }
                                td { (a.note) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn supplements(lang: Lang, code: &str, list: &[SupplementReceipt]) -> Markup {
    html! {
        h2 { (lang.pick("Hồ sơ bổ sung", "Supplements")) }
        @for s in list {
            section.card {
                p { strong { (lang.pick("Lần ", "No. ")) (s.number) } " · " (s.received_at.format("%d/%m/%Y %H:%M")) }
                p.muted.lines { (lang.pick("Đã yêu cầu:\n", "Asked:\n")) (s.request) }
                p.lines { (lang.pick("Trả lời: ", "Answer: ")) (s.answer) }
                ul {
                    @for d in &s.documents {
                        li { (d.name) " (" (size(d.size)) ") " (document_links(lang, code, d)) }
                    }
                }
            }
        }
    }
}

fn fee(lang: Lang, p: &PaymentStatus) -> Markup {
    html! {
        h2 { (lang.pick("Phí, lệ phí", "Fee")) }
        section.card {
            dl.facts {
                dt { (lang.pick("Số tiền", "Amount")) }
                dd { (in_figures(p.request.amount_vnd)) }
                dt { (lang.pick("Tình trạng", "Standing")) }
                dd { (lang.of_text(&p.request.state.label())) }
                dt { (lang.pick("Đã nộp", "Paid")) }
                dd { (in_figures(p.paid_vnd)) }
                @if p.refund_due_vnd > 0 {
                    dt { (lang.pick("Phải hoàn trả", "Owed back")) }
                    dd { (in_figures(p.refund_due_vnd)) }
                }
                @if let Some(r) = p.fee_receipt.as_ref().and_then(|r| serde_json::from_value::<hoso_core::fee_receipt::FeeReceipt>(r.document.clone()).ok()) {
                    dt { (lang.pick("Biên lai", "Fee receipt")) }
                    dd { (lang.of_text(&r.number.label())) }
                }
            }
        }
    }
}

/// The result's documents, and while the result is not issued the forms
/// that attach and remove them (for the duties that may).
fn results(lang: Lang, signed: &Signed, code: &str, s: &Shown) -> Markup {
    let status = s.status.status;
    // Offered while the dossier is examined (the API takes them from
    // reception on, for an office that prepares them early).
    let open = matches!(status, Status::Accepted | Status::Processing);
    let may = duties::RESULT_DOCUMENTS
        .iter()
        .any(|d| signed.0.officer.duties.has(*d));
    if s.results.is_empty() && !(open && may) {
        return html! {};
    }
    let csrf = &signed.0.csrf;
    html! {
        h2 { (lang.pick("Kết quả giải quyết", "Result")) }
        section.card {
            @if s.results.is_empty() {
                p.muted { (lang.pick("Chưa có tài liệu kết quả. Cần ít nhất một tài liệu trước khi ký, trả kết quả.", "No result document yet. At least one is needed before the result is issued.")) }
            } @else {
                table.results {
                    thead { tr {
                        th { (lang.pick("Tài liệu", "Document")) }
                        th { (lang.pick("Dung lượng", "Size")) }
                        th { "SHA-256" }
                        th {}
                    } }
                    tbody {
                        @for r in &s.results {
                            @let href = format!("/officer/dossiers/{code}/results/{}", super::encode(&r.name));
                            tr {
                                td { (r.name) }
                                td.num { (size(r.size)) }
                                td.muted { code { (r.sha256.to_hex().get(..16).unwrap_or_default()) "…" } }
                                td {
                                    @if crate::documents::inline_type(&r.name).is_some() {
                                        a href={ (href) "?view=1" } target="_blank" { (lang.pick("Xem", "View")) } " · "
                                    }
                                    a href=(href) download=(r.name) { (lang.pick("Tải về", "Download")) }
                                    @if open && may {
                                        " "
                                        form.inline method="post" action={ "/officer/dossiers/" (code) "/result-removal" } {
                                            input type="hidden" name="csrf" value=(csrf);
                                            input type="hidden" name="name" value=(r.name);
                                            button.quiet type="submit" { (lang.pick("Gỡ", "Remove")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if open && may {
                form.result-upload method="post" enctype="multipart/form-data" action={ "/officer/dossiers/" (code) "/results" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (lang.pick("Thêm tài liệu kết quả (tệp cùng tên sẽ được thay)", "Add a result document (one of the same name is replaced)"))
                        input type="file" name="document" required; }
                    button type="submit" { (lang.pick("Tải lên", "Upload")) }
                }
            }
        }
    }
}

/// The moves this officer may make from the dossier's state.
fn moves(held: crate::duties::Duties, from: Status) -> Vec<Status> {
    from.next()
        .iter()
        .copied()
        .filter(|to| held.has(duties::for_move(from, *to)))
        .collect()
}

fn actions(lang: Lang, signed: &Signed, s: &Shown) -> Markup {
    let held = signed.0.officer.duties;
    let from = s.status.status;
    let allowed = moves(held, from);
    let may_assign = !from.is_final() && duties::ASSIGN.iter().any(|d| held.has(*d));
    if allowed.is_empty() && !may_assign {
        return html! {};
    }
    let code = s.status.code.as_str();
    let csrf = &signed.0.csrf;
    let v = version(&s.status);
    let colleagues: Vec<&OfficerAccount> = s
        .officers
        .iter()
        .filter(|o| {
            [Duty::Receiving, Duty::Processing, Duty::Leader]
                .iter()
                .any(|d| o.duties.has(*d))
        })
        .collect();
    html! {
        h2 { (lang.pick("Xử lý", "Actions")) }
        div.actions {
            @for to in &allowed {
                form.card method="post" action={ "/officer/dossiers/" (code) "/move" } {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="version" value=(v);
                    input type="hidden" name="to" value=(to.as_str());
                    strong { (action_name(lang, from, *to)) }
                    @if *to == Status::SupplementRequested {
                        @for (slot, label) in &s.slots {
                            label { (label) input type="text" name={ "missing." (slot) } maxlength="500" placeholder=(lang.pick("Thiếu hoặc sai gì", "What is missing or wrong")); }
                        }
                        label { (lang.pick("Yêu cầu khác", "Anything else"))
                            textarea name="request" maxlength="2000" {} }
                    }
                    label { (if *to == Status::Rejected { lang.pick("Lý do từ chối", "Reason for refusal") } else { lang.pick("Ghi chú", "Note") })
                        textarea name="note" maxlength="2000" required[*to == Status::Rejected] {} }
                    button type="submit" class=[(*to == Status::Rejected).then_some("danger")] { (action_name(lang, from, *to)) }
                }
            }
            @if may_assign {
                form.card method="post" action={ "/officer/dossiers/" (code) "/assign" } {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="seen" value=(s.console.assigned_to.as_deref().unwrap_or(""));
                    strong { (lang.pick("Giao cho đồng nghiệp / trình lãnh đạo", "Give to a colleague / send to the leader")) }
                    label { (lang.pick("Cán bộ", "Officer"))
                        select name="to" required {
                            @for o in &colleagues {
                                option value=(o.account) {
                                    (o.display_name) " (" (o.account) ")"
                                    @if o.duties.has(Duty::Leader) { " — " (lang.pick("lãnh đạo", "leader")) }
                                }
                            }
                        }
                    }
                    label { (lang.pick("Ghi chú", "Note")) textarea name="note" maxlength="2000" {} }
                    button.quiet type="submit" { (lang.pick("Giao", "Give")) }
                }
            }
        }
    }
}

/// What the officer does, moving a dossier from `from` to `to`.
fn action_name(lang: Lang, from: Status, to: Status) -> String {
    let text = match (from, to) {
        (_, Status::Accepted) => ("Tiếp nhận", "Accept"),
        (_, Status::SupplementRequested) => ("Yêu cầu bổ sung", "Ask for a supplement"),
        (Status::SupplementRequested, Status::Received) => (
            "Đã nhận bổ sung tại quầy",
            "Supplement received at the desk",
        ),
        (_, Status::Processing) => ("Bắt đầu xử lý", "Start processing"),
        (_, Status::ResultReady) => ("Ký, trả kết quả", "Sign off and issue the result"),
        (_, Status::Rejected) => ("Từ chối", "Reject"),
        (_, Status::Completed) => ("Đã trao kết quả", "Result handed over"),
        (_, other) => return lang.of_text(&other.label()).to_owned(),
    };
    lang.pick(text.0, text.1).to_owned()
}

/// The form of an action; the fields of a supplement's request by slot
/// come as `missing.SLOT`.
#[derive(Deserialize)]
pub struct MoveForm {
    csrf: Option<String>,
    #[serde(default)]
    to: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    request: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

/// The supplement request the form's fields make: each slot's problem on
/// its own line, named by its label, then anything else asked.
fn supplement_request(form: &MoveForm, slots: &[(String, String)]) -> String {
    let mut lines: Vec<String> = slots
        .iter()
        .filter_map(|(slot, label)| {
            let text = form.rest.get(&format!("missing.{slot}"))?.trim();
            (!text.is_empty()).then(|| format!("- {label}: {text}"))
        })
        .collect();
    let other = form.request.trim();
    if !other.is_empty() {
        lines.push(other.to_owned());
    }
    lines.join("\n")
}

/// `POST /officer/dossiers/{code}/move`.
pub async fn move_dossier(
    State(state): State<AppState>,
    signed: Signed,
    lang: Lang,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<MoveForm>,
) -> Response {
    if let Some(r) = signed.refusal_of_form(lang, form.csrf.as_deref()) {
        return r;
    }
    let Some(to) = Status::parse(&form.to) else {
        return super::refusal(
            lang,
            StatusCode::BAD_REQUEST,
            lang.pick("Không rõ việc cần làm.", "Unknown action."),
        );
    };
    // A supplement's request names each slot by its label (in
    // Vietnamese, as the applicant's feed keeps it); no other move reads
    // more than its own transaction does.
    let request = if to == Status::SupplementRequested {
        let slots = match state.db.console_dossier(code.clone()).await {
            Ok(Some(found)) => slots_of(&state, receipt_of(&found).as_ref(), Lang::Vi),
            Ok(None) => {
                return error_page(lang, &crate::error::ApiError::not_found("hồ sơ / dossier"));
            }
            Err(e) => return error_page(lang, &e),
        };
        Some(supplement_request(&form, &slots))
    } else {
        None
    };
    let now = now_vn();
    let issue = crate::results::notice_maker(&state, &code, now);
    let moved = state
        .db
        .transition(
            Move {
                code: code.clone(),
                officer: signed.0.officer.account.clone(),
                change: Transition {
                    to,
                    note: form.note.trim().to_owned(),
                    request,
                },
                expected: Some(form.version.trim().parse().unwrap_or(u64::MAX)),
                duties: signed.0.officer.duties,
                at: now.to_rfc3339(),
            },
            issue,
        )
        .await;
    match moved {
        Ok(_) => see_other(&format!("/officer/dossiers/{code}?done=1")),
        Err(e) => error_page(lang, &e),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    csrf: Option<String>,
    #[serde(default)]
    to: String,
    #[serde(default)]
    seen: String,
    #[serde(default)]
    note: String,
}

/// `POST /officer/dossiers/{code}/assign`.
pub async fn assign(
    State(state): State<AppState>,
    signed: Signed,
    lang: Lang,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<AssignForm>,
) -> Response {
    if let Some(r) = signed.refusal_of_form(lang, form.csrf.as_deref()) {
        return r;
    }
    let given = super::assign::give(
        &state,
        &signed.0.officer.account,
        signed.0.officer.duties,
        &code,
        &form.to,
        Some(&form.seen),
        &form.note,
    )
    .await;
    match given {
        Ok(()) => see_other(&format!("/officer/dossiers/{code}?done=1")),
        Err(e) => error_page(lang, &e),
    }
}

#[derive(Deserialize, Default)]
pub struct DocumentQuery {
    #[serde(default)]
    view: String,
}

/// `GET /officer/dossiers/{code}/documents/{sha256}`: the bytes, to save,
/// or with `view=1` a PDF or picture for the browser to show.
pub async fn document(
    State(state): State<AppState>,
    _signed: Signed,
    lang: Lang,
    Path((code, sha256)): Path<(String, String)>,
    Query(q): Query<DocumentQuery>,
) -> Response {
    match crate::documents::serve(&state, &code, &sha256, q.view == "1").await {
        Ok(r) => r,
        Err(e) => error_page(lang, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duties::Duties;

    #[test]
    fn a_supplement_request_names_each_slot_then_the_rest() {
        let mut rest = HashMap::new();
        rest.insert("missing.scan".to_owned(), " bản quét mờ ".to_owned());
        rest.insert("missing.annex".to_owned(), "  ".to_owned());
        let form = MoveForm {
            csrf: None,
            to: "supplement_requested".into(),
            version: "3".into(),
            note: String::new(),
            request: "Ký lại tờ khai".into(),
            rest,
        };
        let slots = vec![
            ("scan".to_owned(), "Bản quét".to_owned()),
            ("annex".to_owned(), "Phụ lục".to_owned()),
        ];
        assert_eq!(
            supplement_request(&form, &slots),
            "- Bản quét: bản quét mờ\nKý lại tờ khai"
        );
    }

    #[test]
    fn an_officer_is_offered_only_the_moves_of_their_duties() {
        let receiving = Duties::of(&[Duty::Receiving]);
        assert_eq!(
            moves(receiving, Status::Received),
            vec![
                Status::Accepted,
                Status::SupplementRequested,
                Status::Rejected
            ]
        );
        assert!(moves(receiving, Status::Processing).is_empty());
        assert_eq!(
            moves(Duties::of(&[Duty::Leader]), Status::Processing),
            vec![Status::ResultReady, Status::Rejected]
        );
        assert!(moves(Duties::of(&[Duty::Admin]), Status::Received).is_empty());
    }
}

/// `POST /officer/dossiers/{code}/results`: a result document from the
/// page's form (multipart: the form's token first, then the file, whose
/// own name it is kept under). The token is checked before a byte is
/// stored; the bytes go on to the store as they arrive.
pub async fn upload_result(
    State(state): State<AppState>,
    signed: Signed,
    lang: Lang,
    Path(code): Path<String>,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    // A body that is no form at all carries no token either.
    let mut form = form.ok();
    let token = match form.as_mut() {
        Some(form) => match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("csrf") => field.text().await.ok(),
            _ => None,
        },
        None => None,
    };
    if let Some(r) = signed.refusal_of_form(lang, token.as_deref()) {
        return r;
    }
    let Some(mut form) = form else {
        return super::refusal(lang, StatusCode::BAD_REQUEST, "multipart/form-data");
    };
    let mut field = match form.next_field().await {
        Ok(Some(field)) if field.name() == Some("document") => field,
        _ => {
            return super::refusal(
                lang,
                StatusCode::BAD_REQUEST,
                lang.pick("Chưa chọn tệp kết quả.", "No result file was chosen."),
            );
        }
    };
    let raw_name = field.file_name().unwrap_or_default().to_owned();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(4);
    let body =
        axum::body::Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|piece| (piece, rx))
        }));
    let attach = crate::results::Attach {
        code: code.clone(),
        raw_name,
        officer: signed.0.officer.account.clone(),
        duties: signed.0.officer.duties,
        declared: None,
    };
    let stored = tokio::spawn(crate::results::attach(state.clone(), attach, body));
    loop {
        let piece = match field.chunk().await {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => break,
            Err(e) => Err(std::io::Error::other(e.to_string())),
        };
        let broken = piece.is_err();
        // The store stopped reading (refused, or over the limit): its
        // answer says why.
        if tx.send(piece).await.is_err() || broken {
            break;
        }
    }
    drop(tx);
    match stored.await {
        Ok(Ok(_)) => see_other(&format!("/officer/dossiers/{code}?done=1")),
        Ok(Err(e)) => error_page(lang, &e),
        Err(e) => error_page(lang, &crate::error::ApiError::internal(e)),
    }
}

#[derive(Deserialize)]
pub struct RemoveResultForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
}

/// `POST /officer/dossiers/{code}/result-removal`.
pub async fn remove_result(
    State(state): State<AppState>,
    signed: Signed,
    lang: Lang,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<RemoveResultForm>,
) -> Response {
    if let Some(r) = signed.refusal_of_form(lang, form.csrf.as_deref()) {
        return r;
    }
    match crate::results::remove(&state, signed.0.officer.duties, code.clone(), &form.name).await {
        Ok(()) => see_other(&format!("/officer/dossiers/{code}?done=1")),
        Err(e) => error_page(lang, &e),
    }
}

/// `GET /officer/dossiers/{code}/results/{name}`: a result document, to
/// save, or with `view=1` shown when it is a PDF or a picture.
pub async fn result_document(
    State(state): State<AppState>,
    _signed: Signed,
    lang: Lang,
    Path((code, name)): Path<(String, String)>,
    Query(q): Query<DocumentQuery>,
) -> Response {
    crate::results::serve_to_officer(&state, code, &name, q.view == "1")
        .await
        .unwrap_or_else(|e| error_page(lang, &e))
}
