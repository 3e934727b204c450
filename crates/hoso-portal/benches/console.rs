//! The officers' console with 100,000 dossiers in the records: how long
//! the queue takes to answer, page by page, for each filter and search an
//! officer uses, over HTTP with a signed-in session, as the page and as
//! the officer API's JSON; and the figures page over twelve months. The
//! goal: every queue page under 200 ms (the issue's), at the 95th
//! percentile.
//!
//! The dossiers are written straight into a portal's SQLite records (as
//! many filings would leave them: states, assignees, applicants' names
//! and tax codes, the search's words), spread over 400 days; then the
//! portal is started on them. `cargo xtask bench console` runs it;
//! `HOSO_CONSOLE_DOSSIERS` (100000) and `HOSO_CONSOLE_RUNS` (30) shape it.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use std::time::{Duration, Instant};

/// The goal for one page of the queue.
const GOAL: Duration = Duration::from_millis(200);

const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE: &[&str] = &["Văn", "Thị", "Hữu", "Minh", "Thanh", "Đức", "Ngọc", "Quang"];
const GIVEN: &[&str] = &[
    "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Khánh", "Lan", "Long", "Mai", "Nam",
    "Phúc", "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Vy", "Yến",
];
const COMPANIES: &[&str] = &[
    "Công ty TNHH Thương mại",
    "Công ty CP Xuất nhập khẩu",
    "Hộ kinh doanh",
    "Công ty TNHH MTV",
];
const PLACES: &[&str] = &[
    "Đông Á",
    "Hải Phòng",
    "Sài Gòn",
    "Hà Nội",
    "Cửu Long",
    "Tây Nguyên",
    "Bắc Ninh",
    "Đà Nẵng",
];
const PROCEDURES: &[&str] = &[
    "kiem-tra-cl-nhap-khau",
    "ho-kinh-doanh",
    "thong-bao-thu",
    "khai-thue-thu",
];
const OFFICERS: &[&str] = &["tiepnhan", "xuly1", "xuly2", "xuly3", "lanhdao"];
/// States and how many of each in a thousand.
const STATES: &[(&str, u32)] = &[
    ("completed", 380),
    ("rejected", 80),
    ("withdrawn", 40),
    ("received", 120),
    ("accepted", 80),
    ("supplement_requested", 60),
    ("processing", 180),
    ("result_ready", 60),
];

/// A small deterministic generator (xorshift), so every run holds the
/// same dossiers.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Writes `count` dossiers into the records at `db`; the name of one
/// applicant, a tax code and a code to search for.
fn fill(db: &std::path::Path, count: u64) -> (String, String, String) {
    let mut conn = rusqlite::Connection::open(db).expect("records");
    let tx = conn.transaction().expect("transaction");
    tx.execute(
        "INSERT INTO applicants (account, display_name, created_at) VALUES ('dn', 'Doanh nghiệp', '2025-01-01')",
        [],
    )
    .expect("applicant");
    let applicant: i64 = tx.last_insert_rowid();
    let first = chrono::NaiveDate::from_ymd_opt(2025, 11, 1).expect("day");
    let mut draw = Draw(0x9E37_79B9_7F4A_7C15);
    let mut sample = (String::new(), String::new(), String::new());
    {
        let mut dossier = tx
            .prepare(
                "INSERT INTO dossiers (code, applicant_id, procedure_code, procedure_version,
                    manifest_sha256, content, receipt, received_at, status, lookup_pin,
                    appointment_date, assigned_to, applicant_name, tax_code, terms_indexed)
                 VALUES (?1, ?2, ?3, '1', '', '{}', '{}', ?4, ?5, 'ACDE', ?6, ?7, ?8, ?9, 1)",
            )
            .expect("statement");
        let mut event = tx
            .prepare(
                "INSERT INTO status_events (dossier_code, status, at, actor) VALUES (?1, ?2, ?3, 'portal')",
            )
            .expect("statement");
        let mut term = tx
            .prepare("INSERT OR IGNORE INTO dossier_terms (term, dossier_code) VALUES (?1, ?2)")
            .expect("statement");
        let per_day = count.div_ceil(400).max(1);
        for i in 0..count {
            let day = first + chrono::Days::new(i / per_day);
            let code = format!(
                "HOSO.PRACTICE-{}-{:04}",
                day.format("%y%m%d"),
                i % per_day + 1
            );
            let received = format!("{day}T{:02}:{:02}:00+07:00", 8 + i % 9, i % 60);
            let due = day + chrono::Days::new(3 + draw.next() % 20);
            let mut roll = (draw.next() % 1000) as u32;
            let status = STATES
                .iter()
                .find(|(_, n)| {
                    let hit = roll < *n;
                    roll = roll.saturating_sub(*n);
                    hit
                })
                .map_or("processing", |(s, _)| *s);
            let name = if draw.next().is_multiple_of(3) {
                format!("{} {}", draw.pick(COMPANIES), draw.pick(PLACES))
            } else {
                format!(
                    "{} {} {}",
                    draw.pick(SURNAMES),
                    draw.pick(MIDDLE),
                    draw.pick(GIVEN)
                )
            };
            let tax = format!("0{:09}", draw.next() % 1_000_000_000);
            let assigned = (!draw.next().is_multiple_of(4)).then(|| draw.pick(OFFICERS));
            dossier
                .execute(rusqlite::params![
                    code,
                    applicant,
                    draw.pick(PROCEDURES),
                    received,
                    status,
                    due.to_string(),
                    assigned,
                    name,
                    tax
                ])
                .expect("dossier");
            event
                .execute(rusqlite::params![code, status, received])
                .expect("event");
            let index = hoso_portal::console::search::index(&code, &name, tax.clone());
            for t in &index.terms {
                term.execute(rusqlite::params![t, code]).expect("term");
            }
            if i == count / 3 {
                sample = (name, tax, code);
            }
        }
    }
    tx.commit().expect("commit");
    conn.execute_batch("ANALYZE").expect("analyze");
    sample
}

/// The session cookie of `account` signed in with `password`.
async fn sign_in(http: &reqwest::Client, base: &str, account: &str, password: &str) -> String {
    let page = http
        .get(format!("{base}/officer/sign-in"))
        .send()
        .await
        .expect("sign-in page");
    let cookie = page.headers()[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let html = page.text().await.expect("page");
    let at = html.find(r#"name="csrf" value=""#).expect("token") + r#"name="csrf" value=""#.len();
    let token = &html[at..at + html[at..].find('"').expect("end")];
    let res = http
        .post(format!("{base}/officer/sign-in"))
        .header(COOKIE, &cookie)
        .form(&[
            ("csrf", token),
            ("account", account),
            ("password", password),
        ])
        .send()
        .await
        .expect("signed in");
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed in");
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hoso_officer="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned()
}

/// Times of `runs` GETs of `url` with `cookie` (or `token`): median, p95,
/// max, and the rows the last answer listed.
async fn time(
    http: &reqwest::Client,
    url: &str,
    cookie: &str,
    token: Option<&str>,
    runs: u64,
) -> (Duration, Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..runs {
        let mut req = http.get(url).header(COOKIE, cookie);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let began = Instant::now();
        let res = req.send().await.expect("answered");
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        let body = res.text().await.expect("body");
        times.push(began.elapsed());
        rows = body.matches("<td class=\"code\">").count() + body.matches("\"code\":").count();
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.95), at(1.0), rows)
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let count = env_number("HOSO_CONSOLE_DOSSIERS", 100_000);
    let runs = env_number("HOSO_CONSOLE_RUNS", 30).max(1);
    let dir = tempfile::tempdir().expect("dir");
    let config = hoso_portal::PortalConfig::practice(dir.path().to_owned());
    // Started once to make the records, then filled while stopped.
    hoso_portal::start(config.clone())
        .await
        .expect("portal")
        .stop()
        .await;
    let filling = Instant::now();
    let (name, tax, code) = fill(&dir.path().join("portal.sqlite3"), count);
    println!(
        "{count} dossiers written in {:.1} s",
        filling.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let portal = hoso_portal::start(config).await.expect("portal");
    println!(
        "portal started on them in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let duties = hoso_portal::duties::Duties::WORKING;
    portal
        .set_officer("xuly1", "Lê Xử Lý", duties, Some("mật khẩu băng ghế 2026"))
        .await
        .expect("officer");
    let token = portal
        .issue_officer_token("xuly1", "Lê Xử Lý")
        .await
        .expect("token");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let base = portal.base_url().to_owned();
    let cookie = sign_in(&http, &base, "xuly1", "mật khẩu băng ghế 2026").await;
    let surname = name
        .split_whitespace()
        .next()
        .unwrap_or("Nguyễn")
        .to_owned();
    let q = |text: &str| {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let cases: Vec<(String, String)> = vec![
        ("open, first page".into(), "/officer/queue".into()),
        (
            "open, page after 2026-06-01".into(),
            "/officer/queue?after=2026-06-01~A".into(),
        ),
        ("every state".into(), "/officer/queue?state=all".into()),
        (
            "one state (processing)".into(),
            "/officer/queue?state=processing".into(),
        ),
        (
            "one procedure".into(),
            "/officer/queue?procedure=ho-kinh-doanh".into(),
        ),
        ("assigned to me".into(), "/officer/queue?mine=1".into()),
        ("overdue".into(), "/officer/queue?due=overdue".into()),
        (
            "due within 2 working days".into(),
            "/officer/queue?due=soon".into(),
        ),
        (
            format!("search: a common surname ({surname})"),
            format!("/officer/queue?state=all&q={}", q(&surname)),
        ),
        (
            format!("search: a name ({name})"),
            format!("/officer/queue?state=all&q={}", q(&name)),
        ),
        (
            format!("search: a tax code's first 6 digits ({})", &tax[..6]),
            format!("/officer/queue?state=all&q={}", &tax[..6]),
        ),
        (
            format!("search: a code ({code})"),
            format!("/officer/queue?state=all&q={}", q(&code)),
        ),
        (
            "search + mine + processing".into(),
            format!("/officer/queue?state=processing&mine=1&q={}", q(&surname)),
        ),
        (
            "API: GET /v1/officer/queue?limit=50".into(),
            "/v1/officer/queue?limit=50".into(),
        ),
    ];
    println!();
    println!(
        "{:<58} {:>8} {:>8} {:>8} {:>5}",
        "queue page", "p50 ms", "p95 ms", "max ms", "rows"
    );
    let mut worst = Duration::ZERO;
    for (label, path) in &cases {
        let token = path.starts_with("/v1/").then_some(token.as_str());
        let (p50, p95, max, rows) =
            time(&http, &format!("{base}{path}"), &cookie, token, runs).await;
        worst = worst.max(p95);
        println!(
            "{label:<58} {:>8} {:>8} {:>8} {rows:>5}",
            ms(p50),
            ms(p95),
            ms(max)
        );
    }
    let (p50, p95, max, _) = time(
        &http,
        &format!("{base}/officer/figures?from=2025-12&to=2026-11"),
        &cookie,
        None,
        runs.min(5),
    )
    .await;
    println!(
        "{:<58} {:>8} {:>8} {:>8}",
        "figures page, 12 months (not a queue page)",
        ms(p50),
        ms(p95),
        ms(max)
    );
    println!();
    println!(
        "worst queue p95: {} ms with {count} dossiers; goal < {} ms: {}",
        ms(worst),
        GOAL.as_millis(),
        if worst < GOAL { "met" } else { "NOT met" }
    );
    println!(
        "{{\"dossiers\":{count},\"worst_queue_p95_ms\":{:.1},\"goal_ms\":{}}}",
        worst.as_secs_f64() * 1000.0,
        GOAL.as_millis()
    );
    portal.stop().await;
}
