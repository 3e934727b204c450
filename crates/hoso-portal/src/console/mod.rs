//! The officers' console under `/officer/`: pages the portal renders
//! itself (maud, escaped by default; no script), Vietnamese first with an
//! English switch, for the work an agency's officers do all day: the queue
//! ([`queue`]), a dossier and the actions its state allows ([`dossier`]).
//!
//! Only a console session opens it ([`session`]): a bearer token, an
//! applicant's or an officer's, opens nothing here. Every form carries the
//! session's token and is refused without it; each action is judged by
//! the same functions as the officer API (`hoso_core::status`,
//! [`crate::duties`], [`crate::tracking::judge`]) inside the transaction
//! that records it.

mod admin;
pub mod assign;
mod dossier;
pub mod figures;
pub mod queue;
pub mod search;
pub mod session;

use crate::error::ApiError;
use crate::records::SessionRow;
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use std::time::Duration;

/// The language a page is written in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Vietnamese, unless the officer switched.
    #[default]
    Vi,
    /// English.
    En,
}

/// The cookie that keeps the officer's language.
const LANG_COOKIE: &str = "hoso_lang";

impl Lang {
    /// The language the request's cookie names.
    pub fn of(headers: &HeaderMap) -> Self {
        match session::cookie(headers, LANG_COOKIE) {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    /// `vi` or `en`, by this language.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// One side of a bilingual text.
    pub fn of_text(self, text: &hoso_core::Bilingual) -> &str {
        self.pick(&text.vi, &text.en)
    }

    fn code(self) -> &'static str {
        self.pick("vi", "en")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::of(&parts.headers))
    }
}

/// The officer a console request acts for: a live session, found by its
/// cookie. Without one, a page asked for is answered by the sign-in page's
/// address and anything else is refused.
#[derive(Debug, Clone)]
pub struct Signed(pub SessionRow);

/// A console request without a live session.
#[derive(Debug)]
pub enum NotSigned {
    /// A page: go and sign in, then come back.
    SignIn(String),
    /// A form or other action: refused.
    Refused(Lang),
    /// The records could not say.
    Failed(ApiError),
}

impl IntoResponse for NotSigned {
    fn into_response(self) -> Response {
        match self {
            NotSigned::SignIn(back) => {
                let to = format!("/officer/sign-in?next={}", encode(&back));
                see_other(&to)
            }
            NotSigned::Refused(lang) => refusal(
                lang,
                StatusCode::FORBIDDEN,
                lang.pick(
                    "Phiên làm việc đã hết hoặc chưa đăng nhập. Hãy đăng nhập lại.",
                    "The session ended or you are not signed in. Sign in again.",
                ),
            ),
            NotSigned::Failed(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = NotSigned;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotSigned> {
        match session::of_request(state, &parts.headers).await {
            Ok(Some(row)) => Ok(Signed(row)),
            Ok(None) if parts.method == Method::GET || parts.method == Method::HEAD => {
                let back = parts
                    .uri
                    .path_and_query()
                    .map_or("/officer/queue", |p| p.as_str());
                Err(NotSigned::SignIn(back.to_owned()))
            }
            Ok(None) => Err(NotSigned::Refused(Lang::of(&parts.headers))),
            Err(e) => Err(NotSigned::Failed(e)),
        }
    }
}

impl Signed {
    /// The refusal of a form whose token is not this session's; `None`
    /// when it is.
    pub fn refusal_of_form(&self, lang: Lang, token: Option<&str>) -> Option<Response> {
        match token {
            Some(t) if session::same_token(t, &self.0.csrf) => None,
            _ => Some(csrf_refusal(lang)),
        }
    }
}

/// The answer to a form without its token.
fn csrf_refusal(lang: Lang) -> Response {
    refusal(
        lang,
        StatusCode::FORBIDDEN,
        lang.pick(
            "Biểu mẫu không có mã xác thực của phiên làm việc (có thể đã mở từ trang khác). Hãy tải lại trang và làm lại.",
            "The form does not carry this session's token (it may come from another site). Reload the page and try again.",
        ),
    )
}

/// An RFC 3339 time as officers read it, day first in the time it was
/// recorded in (+07:00): `06/12/2026`, with `clock` `06/12/2026 09:41`;
/// anything else as it is.
pub fn local_time(rfc3339: &str, clock: bool) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) if clock => t.format("%d/%m/%Y %H:%M").to_string(),
        Ok(t) => t.format("%d/%m/%Y").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// A page's query after an action it led to: `done=1` shows that it was
/// recorded.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    /// Non-empty after an action.
    #[serde(default)]
    pub done: String,
}

/// Percent-encodes `text` for a query string.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A local console address to return to, or the queue (never another
/// site: `//host` and `/\host` are refused).
pub fn local_back(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/officer/")
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.contains("://") =>
        {
            n.to_owned()
        }
        _ => "/officer/queue".to_owned(),
    }
}

/// 303 to `to`.
pub fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// Every console page's headers: no caching, no framing by another site,
/// no script, nothing sniffed.
fn guarded(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    r
}

/// An HTML page with `status`.
pub fn html_page(status: StatusCode, markup: Markup) -> Response {
    guarded(
        (
            status,
            [(CONTENT_TYPE, "text/html; charset=utf-8")],
            markup.into_string(),
        )
            .into_response(),
    )
}

/// A page saying why something was refused, with a way back.
pub fn refusal(lang: Lang, status: StatusCode, message: &str) -> Response {
    html_page(
        status,
        frame(
            lang,
            lang.pick("Không thực hiện được", "Not done"),
            None,
            html! {
                p.error role="alert" { (message) }
                p { a href="/officer/queue" { (lang.pick("Về hàng đợi", "Back to the queue")) } }
            },
        ),
    )
}

/// An [`ApiError`] as a console page, in `lang`.
pub fn error_page(lang: Lang, e: &ApiError) -> Response {
    refusal(lang, e.status, lang.of_text(&e.message))
}

/// The frame of every page: header with the portal's name, navigation,
/// the language switch and, signed in, the officer and the sign-out form.
pub fn frame(lang: Lang, title: &str, signed: Option<&SessionRow>, body: Markup) -> Markup {
    let other = match lang {
        Lang::Vi => ("en", "English"),
        Lang::En => ("vi", "Tiếng Việt"),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (lang.pick("Bàn làm việc cán bộ", "Officers' console")) }
                link rel="stylesheet" href="/officer/console.css";
            }
            body {
                header.top {
                    a.brand href="/officer/queue" { "HoSo · " (lang.pick("Bàn làm việc cán bộ", "Officers' console")) }
                    @if let Some(s) = signed {
                        nav {
                            a href="/officer/queue" { (lang.pick("Hàng đợi", "Queue")) }
                            a href="/officer/figures" { (lang.pick("Số liệu", "Figures")) }
                            @if s.officer.duties.has(crate::duties::Duty::Admin) {
                                a href="/officer/admin" { (lang.pick("Quản trị", "Administration")) }
                            }
                        }
                    }
                    span.spacer {}
                    a.lang href={ "/officer/language?to=" (other.0) } hreflang=(other.0) { (other.1) }
                    @if let Some(s) = signed {
                        span.who {
                            (s.officer.display_name) " (" (s.officer.account) ") · "
                            (s.officer.duties.iter().map(|d| lang.of_text(&d.label()).to_owned()).collect::<Vec<_>>().join(", "))
                        }
                        form.inline method="post" action="/officer/sign-out" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" { (lang.pick("Đăng xuất", "Sign out")) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

const CSS: &str = include_str!("console.css");

async fn css() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

#[derive(Deserialize)]
struct LanguageQuery {
    to: Option<String>,
    back: Option<String>,
}

/// Switches the language and goes back where the officer was.
async fn language(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LanguageQuery>,
) -> Response {
    let code = if q.to.as_deref() == Some("en") {
        "en"
    } else {
        "vi"
    };
    let back = q.back.or_else(|| {
        headers
            .get(axum::http::header::REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(|r| {
                r.split_once("/officer/")
                    .map(|(_, rest)| format!("/officer/{rest}"))
            })
    });
    let mut r = see_other(&local_back(back.as_deref()));
    let cookie = session::set_cookie(
        &state,
        LANG_COOKIE,
        code,
        Duration::from_secs(365 * 24 * 3600),
    );
    r.headers_mut().append(SET_COOKIE, cookie);
    r
}

async fn home() -> Response {
    see_other("/officer/queue")
}

#[derive(Deserialize)]
struct SignInQuery {
    next: Option<String>,
}

/// The sign-in page; its form carries a token also set as a cookie.
async fn sign_in_page(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<SignInQuery>,
) -> Response {
    let token = session::new_token();
    let mut r = sign_in_form(
        lang,
        &token,
        &local_back(q.next.as_deref()),
        "",
        None,
        StatusCode::OK,
    );
    r.headers_mut().append(
        SET_COOKIE,
        session::set_cookie(
            &state,
            session::SIGN_IN_COOKIE,
            &token,
            Duration::from_secs(3600),
        ),
    );
    r
}

fn sign_in_form(
    lang: Lang,
    token: &str,
    next: &str,
    account: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    html_page(
        status,
        frame(
            lang,
            lang.pick("Đăng nhập", "Sign in"),
            None,
            html! {
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form.card method="post" action="/officer/sign-in" {
                    input type="hidden" name="csrf" value=(token);
                    input type="hidden" name="next" value=(next);
                    label { (lang.pick("Tài khoản", "Account"))
                        input type="text" name="account" value=(account) autocomplete="username" required maxlength="100" autofocus; }
                    label { (lang.pick("Mật khẩu", "Password"))
                        input type="password" name="password" autocomplete="current-password" required maxlength="1024"; }
                    button type="submit" { (lang.pick("Đăng nhập", "Sign in")) }
                }
            },
        ),
    )
}

#[derive(Deserialize)]
struct SignInForm {
    csrf: Option<String>,
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Longest account name and password looked at.
const ACCOUNT_MAX: usize = 100;
const PASSWORD_MAX: usize = 1024;

async fn sign_in(
    State(state): State<AppState>,
    client: crate::server::ClientAddr,
    lang: Lang,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SignInForm>,
) -> Response {
    let expected = session::cookie(&headers, session::SIGN_IN_COOKIE);
    let token_ok =
        matches!((expected, form.csrf.as_deref()), (Some(a), Some(b)) if session::same_token(a, b));
    if !token_ok {
        return csrf_refusal(lang);
    }
    let token = expected.unwrap_or_default().to_owned();
    let next = local_back(form.next.as_deref());
    let account = form.account.trim().to_owned();
    let again =
        |error: &str, status| sign_in_form(lang, &token, &next, &account, Some(error), status);
    if account.is_empty()
        || account.chars().count() > ACCOUNT_MAX
        || form.password.len() > PASSWORD_MAX
    {
        return again(
            lang.pick("Sai tài khoản hoặc mật khẩu.", "Wrong account or password."),
            StatusCode::UNAUTHORIZED,
        );
    }
    match try_sign_in(&state, &client, &headers, &account, form.password).await {
        Ok(Ok(cookies)) => {
            let mut r = see_other(&next);
            for (name, value) in cookies {
                r.headers_mut().append(name, value);
            }
            r
        }
        Ok(Err(Gate(until_ms))) => again(
            &session::locked_text(lang, until_ms, session::now_ms()),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => again(
            lang.pick("Sai tài khoản hoặc mật khẩu.", "Wrong account or password."),
            e.status,
        ),
        Err(e) => {
            let mut r = again(lang.of_text(&e.message), e.status);
            for (name, value) in e.headers.iter() {
                r.headers_mut().insert(name.clone(), value.clone());
            }
            r
        }
    }
}

/// A sign-in refused by the lock until this time (Unix ms).
struct Gate(i64);

type Cookies = Vec<(axum::http::HeaderName, HeaderValue)>;

/// Checks the lock, then the password; records a wrong one. The new
/// session's cookies, or the lock.
async fn try_sign_in(
    state: &AppState,
    client: &crate::server::ClientAddr,
    headers: &HeaderMap,
    account: &str,
    password: String,
) -> Result<Result<Cookies, Gate>, ApiError> {
    let (address, now) = (client.key(), session::now_ms());
    let failures = state
        .db
        .sign_in_failures(
            account.to_owned(),
            address.clone(),
            now - session::FAILURE_WINDOW_MS,
        )
        .await?;
    let known = session::known_device(state, headers, account);
    if let session::Gate::Locked { until_ms } = session::gate(&failures, now, known) {
        return Ok(Err(Gate(until_ms)));
    }
    let officer = state.db.officer(account.to_owned()).await?;
    let hash = officer.as_ref().and_then(|o| o.password_hash.clone());
    if session::check_password(state, hash, password).await? {
        let officer = officer.ok_or_else(|| ApiError::internal("matched without an account"))?;
        state
            .db
            .clear_sign_in_failures(account.to_owned(), address)
            .await?;
        return session::start(state, &officer).await.map(Ok);
    }
    state
        .db
        .record_sign_in_failure(
            account.to_owned(),
            address,
            now,
            now - session::FAILURE_WINDOW_MS,
        )
        .await?;
    let after = crate::records::Failures {
        here: failures.here + 1,
        here_last_ms: now,
        everywhere: failures.everywhere + 1,
        everywhere_last_ms: now,
    };
    if let session::Gate::Locked { until_ms } = session::gate(&after, now, known) {
        return Ok(Err(Gate(until_ms)));
    }
    Err(ApiError::unauthorized())
}

#[derive(Deserialize)]
struct TokenForm {
    csrf: Option<String>,
}

async fn sign_out(
    State(state): State<AppState>,
    signed: Signed,
    lang: Lang,
    headers: HeaderMap,
    axum::Form(form): axum::Form<TokenForm>,
) -> Response {
    if let Some(r) = signed.refusal_of_form(lang, form.csrf.as_deref()) {
        return r;
    }
    match session::end(&state, &headers).await {
        Ok(cookie) => {
            let mut r = see_other("/officer/sign-in");
            r.headers_mut().append(SET_COOKIE, cookie);
            r
        }
        Err(e) => error_page(lang, &e),
    }
}

/// Every route of the console.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/officer", get(home))
        .route("/officer/", get(home))
        .route("/officer/console.css", get(css))
        .route("/officer/language", get(language))
        .route("/officer/sign-in", get(sign_in_page).post(sign_in))
        .route("/officer/sign-out", post(sign_out))
        .route("/officer/queue", get(queue::page))
        .route("/officer/figures", get(figures::page))
        .route("/officer/admin", get(admin::page))
        .route("/officer/admin/officers", post(admin::save_officer))
        .route("/officer/dossiers/{code}", get(dossier::page))
        .route(
            "/officer/dossiers/{code}/documents/{sha256}",
            get(dossier::document),
        )
        .route("/officer/dossiers/{code}/move", post(dossier::move_dossier))
        .route("/officer/dossiers/{code}/assign", post(dossier::assign))
        .route(
            "/officer/dossiers/{code}/result-removal",
            post(dossier::remove_result),
        )
        .route(
            "/officer/dossiers/{code}/results/{name}",
            get(dossier::result_document),
        )
}

/// The console's route that takes a whole file (a result document),
/// outside the limit on other bodies; the store bounds it by the largest
/// upload and the body's silence.
pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route(
            "/officer/dossiers/{code}/results",
            post(dossier::upload_result),
        )
        .layer(axum::extract::DefaultBodyLimit::disable())
}

/// The console's forms, by the path they post to (for tests that try each
/// without its token).
pub const FORMS: &[&str] = &[
    "/officer/sign-in",
    "/officer/sign-out",
    "/officer/dossiers/{code}/move",
    "/officer/dossiers/{code}/assign",
    "/officer/dossiers/{code}/results",
    "/officer/dossiers/{code}/result-removal",
    "/officer/admin/officers",
];
