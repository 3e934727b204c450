//! The administrator's page: officers' accounts (made, renamed, given
//! duties, a new password, which ends the account's sessions), and what
//! the portal reads from its data folder at start: the procedures it
//! serves and the working-day calendar it counts deadlines by. Only an
//! account with the administrator's duty opens it; it acts on no dossier.

use super::{Lang, Signed, error_page, frame, html_page, see_other};
use crate::duties::{Duties, Duty};
use crate::error::ApiError;
use crate::records::OfficerChange;
use crate::state::{AppState, now_vn};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;

/// Shortest password the page sets.
pub const PASSWORD_MIN_CHARS: usize = 10;

fn admin_only(signed: &Signed) -> Result<(), ApiError> {
    crate::duties::require(
        signed.0.officer.duties,
        &[Duty::Admin],
        hoso_core::Bilingual::new("quản trị cổng", "administer the portal"),
    )
}

/// `GET /officer/admin`.
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    lang: Lang,
    Query(q): Query<super::Done>,
) -> Response {
    if let Err(e) = admin_only(&signed) {
        return error_page(lang, &e);
    }
    let officers = match state.db.officers().await {
        Ok(list) => list,
        Err(e) => return error_page(lang, &e),
    };
    let csrf = &signed.0.csrf;
    let year = now_vn().year();
    let body = html! {
        @if !q.done.is_empty() { p.notice role="status" { (lang.pick("Đã lưu tài khoản.", "The account was saved.")) } }
        h2 { (lang.pick("Tài khoản cán bộ", "Officers' accounts")) }
        table.officers {
            thead { tr {
                th { (lang.pick("Tài khoản", "Account")) }
                th { (lang.pick("Họ tên", "Name")) }
                th { (lang.pick("Nhiệm vụ", "Duties")) }
            } }
            tbody {
                @for o in &officers {
                    tr {
                        td { (o.account) }
                        td { (o.display_name) }
                        td { (o.duties.iter().map(|d| lang.of_text(&d.label()).to_owned()).collect::<Vec<_>>().join(", ")) }
                    }
                }
            }
        }
        form.card.officer-form method="post" action="/officer/admin/officers" {
            input type="hidden" name="csrf" value=(csrf);
            strong { (lang.pick("Thêm hoặc sửa tài khoản", "Add or change an account")) }
            label { (lang.pick("Tài khoản", "Account")) input type="text" name="account" required maxlength="100"; }
            label { (lang.pick("Họ tên", "Name")) input type="text" name="name" required maxlength="200"; }
            fieldset {
                legend { (lang.pick("Nhiệm vụ", "Duties")) }
                @for d in Duty::ALL {
                    label { span { input type="checkbox" name={ "duty." (d.as_str()) } value="1"; " " (lang.of_text(&d.label())) } }
                }
            }
            label { (lang.pick("Mật khẩu mới (để trống: giữ nguyên)", "New password (empty: keep it)"))
                input type="password" name="password" autocomplete="new-password" minlength=(PASSWORD_MIN_CHARS) maxlength="1024"; }
            button type="submit" { (lang.pick("Lưu", "Save")) }
        }
        h2 { (lang.pick("Thủ tục cổng phục vụ", "Procedures served")) }
        table {
            thead { tr {
                th { (lang.pick("Mã", "Code")) }
                th { (lang.pick("Tên", "Name")) }
                th { (lang.pick("Phiên bản", "Version")) }
                th { (lang.pick("Hiệu lực từ", "In force from")) }
                th { (lang.pick("Số ngày làm việc", "Working days")) }
            } }
            tbody {
                @for e in state.catalog.current() {
                    tr {
                        td { (e.procedure.code) }
                        td { (lang.of_text(&e.procedure.name)) }
                        td { (e.procedure.version) }
                        td { (e.procedure.effective_from.format("%d/%m/%Y")) }
                        td.num { (e.procedure.processing_days) }
                    }
                }
            }
        }
        h2 { (lang.pick("Ngày nghỉ năm ", "Days off in ")) (year) }
        ul {
            @for off in state.calendar.named_days_off_in(year) {
                li { (off.day.format("%d/%m/%Y")) " — " (lang.of_text(&off.name())) }
            }
            @for day in state.calendar.working_weekend_days_in(year) {
                li { (day.format("%d/%m/%Y")) " — " (lang.pick("ngày làm bù", "make-up working day")) }
            }
        }
        p.muted { (lang.pick(
            "Thủ tục (procedures/*.json) và lịch ngày nghỉ (calendar.json) được đặt trong thư mục dữ liệu của cổng; cổng đọc chúng khi khởi động, mỗi bản sao như nhau.",
            "Procedures (procedures/*.json) and the calendar of days off (calendar.json) are files in the portal's data folder; the portal reads them at start, every replica alike."
        )) }
    };
    html_page(
        StatusCode::OK,
        frame(
            lang,
            lang.pick("Quản trị", "Administration"),
            Some(&signed.0),
            body,
        ),
    )
}

/// The account form: `duty.NAME` for each duty ticked.
#[derive(Deserialize)]
pub struct OfficerForm {
    csrf: Option<String>,
    #[serde(default)]
    account: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

/// Judges the form of `me`: the change to record, or why not.
pub fn judge(form: &OfficerForm, me: &str) -> Result<OfficerChange, ApiError> {
    let refuse = |vi: String, en: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "account_invalid", vi, en)
    };
    let account = form.account.trim();
    let valid = !account.is_empty()
        && account.len() <= 100
        && account
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !valid {
        return Err(refuse(
            "Tài khoản chỉ gồm chữ không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới (tối đa 100).".into(),
            "An account is letters without diacritics, digits, dots, dashes and underscores (at most 100).".into(),
        ));
    }
    let name = hoso_core::length::normalize(&form.name)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() || name.chars().count() > 200 {
        return Err(refuse(
            "Cần họ tên (tối đa 200 ký tự).".into(),
            "A name is needed (at most 200 characters).".into(),
        ));
    }
    let duties = Duties::of(
        &Duty::ALL
            .into_iter()
            .filter(|d| form.rest.contains_key(&format!("duty.{}", d.as_str())))
            .collect::<Vec<_>>(),
    );
    if account == me && !duties.has(Duty::Admin) {
        return Err(refuse(
            "Không thể bỏ nhiệm vụ quản trị của chính mình; hãy nhờ quản trị khác.".into(),
            "You cannot take your own administrator's duty away; ask another administrator.".into(),
        ));
    }
    let password = (!form.password.is_empty()).then_some(form.password.as_str());
    if let Some(p) = password
        && (p.chars().count() < PASSWORD_MIN_CHARS || p.len() > 1024)
    {
        return Err(refuse(
            format!("Mật khẩu cần từ {PASSWORD_MIN_CHARS} ký tự."),
            format!("A password needs at least {PASSWORD_MIN_CHARS} characters."),
        ));
    }
    let password_hash = match password {
        Some(p) => Some(super::session::hash_password(p)?),
        None => None,
    };
    Ok(OfficerChange {
        account: account.to_owned(),
        display_name: name,
        duties: Some(duties),
        password_hash,
        now: now_vn().to_rfc3339(),
    })
}

/// `POST /officer/admin/officers`.
pub async fn save_officer(
    State(state): State<AppState>,
    signed: Signed,
    lang: Lang,
    axum::Form(form): axum::Form<OfficerForm>,
) -> Response {
    if let Some(r) = signed.refusal_of_form(lang, form.csrf.as_deref()) {
        return r;
    }
    if let Err(e) = admin_only(&signed) {
        return error_page(lang, &e);
    }
    let me = signed.0.officer.account.clone();
    // Argon2 takes a core for tens of milliseconds: off the runtime.
    let change = tokio::task::spawn_blocking(move || judge(&form, &me)).await;
    let change = match change {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return error_page(lang, &e),
        Err(e) => return error_page(lang, &ApiError::internal(e)),
    };
    match state.db.set_officer(change).await {
        Ok(()) => see_other("/officer/admin?done=1"),
        Err(e) => error_page(lang, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(account: &str, duties: &[&str], password: &str) -> OfficerForm {
        OfficerForm {
            csrf: None,
            account: account.into(),
            name: " Ngô  Quản Trị ".into(),
            password: password.into(),
            rest: duties
                .iter()
                .map(|d| (format!("duty.{d}"), "1".to_owned()))
                .collect(),
        }
    }

    #[test]
    fn an_account_form_is_judged_before_anything_is_kept() {
        let ok = judge(&form("xuly2", &["processing", "leader"], ""), "quantri").expect("valid");
        assert_eq!(
            ok.duties,
            Some(Duties::of(&[Duty::Processing, Duty::Leader]))
        );
        assert_eq!(ok.password_hash, None);
        assert_eq!(ok.display_name, "Ngô Quản Trị");
        let with = judge(&form("xuly2", &[], "một mật khẩu dài"), "quantri").expect("valid");
        assert!(
            with.password_hash
                .is_some_and(|h| h.starts_with("$argon2id$"))
        );
        for (f, me) in [
            (form("xu ly", &[], ""), "quantri"),
            (form("", &[], ""), "quantri"),
            (form("xuly2", &[], "ngắn"), "quantri"),
            (form("quantri", &["leader"], ""), "quantri"),
        ] {
            assert_eq!(judge(&f, me).expect_err("refused").code, "account_invalid");
        }
    }
}
