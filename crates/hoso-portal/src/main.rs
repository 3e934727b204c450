//! `hoso-portal`: run a HoSo intake portal, or administer its data folder.

use anyhow::Context;
use clap::{Parser, Subcommand};
use hoso_portal::Role;
use hoso_portal::config::{ServeFlags, SettingsFile};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "hoso-portal",
    version,
    about = "HoSo intake portal / Cổng tiếp nhận hồ sơ HoSo"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal / Chạy cổng.
    Serve {
        /// Settings file (TOML; see portal.example.toml). Flags win over it.
        #[arg(long, env = "HOSO_PORTAL_CONFIG")]
        config: Option<PathBuf>,
        /// Data folder (database, key, uploads).
        #[arg(long, env = "HOSO_PORTAL_DATA")]
        data: Option<PathBuf>,
        /// Address to listen on [default: 127.0.0.1:8680].
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Address clients use, when behind a proxy.
        #[arg(long)]
        public_url: Option<String>,
        /// The portal's name, in discovery and on receipts (both languages
        /// unless --name-en). Without it or a settings file's name, this is
        /// a practice portal, and it says so.
        #[arg(long)]
        name: Option<String>,
        /// The portal's name in English, when it differs.
        #[arg(long, requires = "name")]
        name_en: Option<String>,
        /// Prefix of dossier codes: upper-case letters, digits and dots.
        #[arg(long)]
        agency_code: Option<String>,
        /// Largest single upload: bytes, or with a unit (200MiB, 2GiB, 500MB).
        #[arg(long, value_name = "SIZE", value_parser = hoso_portal::config::parse_size)]
        max_upload: Option<u64>,
    },
    /// Register an applicant and print a new access token / Thêm người nộp và in mã truy cập.
    AddApplicant(Account),
    /// Register an officer and print a new officer token / Thêm cán bộ và in mã truy cập cán bộ.
    ///
    /// With `--duties` and `--password-stdin`, the officer also signs in
    /// to the console at `/officer/` (run again to change them).
    AddOfficer {
        #[command(flatten)]
        account: Account,
        /// Duties, comma-separated: receiving, processing, leader, admin [default for a new account: receiving,processing,leader].
        #[arg(long, value_parser = parse_duties)]
        duties: Option<hoso_portal::duties::Duties>,
        /// Read the console password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Pay a dossier's fee at a practice portal through its practice bank / Nộp phí hồ sơ qua ngân hàng thực hành.
    ///
    /// Sends the running practice portal exactly what a bank sends when a
    /// transfer arrives: the notification, signed with the practice secret
    /// kept in its data folder. No money moves.
    PracticePay {
        /// Settings file: its data folder and `[database]` are used.
        #[arg(long, env = "HOSO_PORTAL_CONFIG")]
        config: Option<PathBuf>,
        /// Data folder of the running practice portal.
        #[arg(long, env = "HOSO_PORTAL_DATA")]
        data: Option<PathBuf>,
        /// The dossier code, as on the receipt.
        code: String,
        /// Đồng to transfer [default: what is still due].
        #[arg(value_parser = parse_amount)]
        amount: Option<u64>,
    },
    /// Retire the receipt key and make a new one; the old one stays published / Đổi khóa ký giấy tiếp nhận.
    RotateKey {
        /// Settings file: its data folder and `[keys]` are used.
        #[arg(long, env = "HOSO_PORTAL_CONFIG")]
        config: Option<PathBuf>,
        /// Data folder.
        #[arg(long, env = "HOSO_PORTAL_DATA")]
        data: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct Account {
    /// Settings file: its data folder and `[database]` are used.
    #[arg(long, env = "HOSO_PORTAL_CONFIG")]
    config: Option<PathBuf>,
    /// Data folder.
    #[arg(long, env = "HOSO_PORTAL_DATA")]
    data: Option<PathBuf>,
    /// Account name.
    #[arg(long)]
    account: String,
    /// Name shown on the portal.
    #[arg(long)]
    name: String,
}

fn parse_duties(text: &str) -> Result<hoso_portal::duties::Duties, String> {
    hoso_portal::duties::Duties::parse(text).map_err(|word| {
        format!("không có nhiệm vụ \"{word}\" / no duty \"{word}\" (receiving, processing, leader, admin)")
    })
}

/// The address `serve` listens on when neither flag nor file says.
const DEFAULT_LISTEN: ([u8; 4], u16) = ([127, 0, 0, 1], 8680);

/// Threads for file work (the database has threads of its own). A PATCH
/// holds one only while it writes a piece of its body, never while it
/// waits for the network; beyond this many at once, pieces wait their turn
/// rather than each costing a thread (and its memory).
const BLOCKING_THREADS: usize = 64;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .context("starting the runtime")?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    // The log goes to stderr: stdout carries what the commands print (the
    // address `serve` listens on, tokens), which scripts read.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve {
            config,
            data,
            listen,
            public_url,
            name,
            name_en,
            agency_code,
            max_upload,
        } => {
            let settings = match &config {
                Some(path) => SettingsFile::load(path)?,
                None => SettingsFile {
                    listen: Some(SocketAddr::from(DEFAULT_LISTEN)),
                    ..SettingsFile::default()
                },
            };
            let file_listen = settings.listen;
            let mut config = settings.into_config(data)?;
            config.listen = listen
                .or(file_listen)
                .unwrap_or_else(|| SocketAddr::from(DEFAULT_LISTEN));
            if public_url.is_some() {
                config.public_url = public_url;
            }
            config.apply(ServeFlags {
                name,
                name_en,
                agency_code,
                max_upload_bytes: max_upload,
            })?;
            // Said before the address, which scripts wait for on stdout.
            for notice in config.practice_notices() {
                eprintln!("{notice}");
            }
            hoso_portal::raise_fd_limit();
            let portal = hoso_portal::start(config).await?;
            println!("{}", portal.base_url());
            stop_signal().await?;
            portal.stop().await;
        }
        Command::AddApplicant(a) => {
            println!("{}", add_account(a, Role::Applicant).await?);
        }
        Command::RotateKey { config, data } => {
            let settings = match &config {
                Some(path) => SettingsFile::load(path)?,
                None => SettingsFile::default(),
            };
            let (old, new) = hoso_portal::rotate_key(&settings.into_config(data)?)?;
            println!("{old} -> {new}");
            eprintln!(
                "Khóa cũ vẫn được công bố; khởi động lại cổng để ký bằng khóa mới. / The old key stays published; restart the portal to sign with the new one."
            );
        }
        Command::AddOfficer {
            account,
            duties,
            password_stdin,
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let line = line.trim_end_matches(['\r', '\n']).to_owned();
                anyhow::ensure!(
                    line.chars().count() >= 10,
                    "mật khẩu cần ít nhất 10 ký tự / a password needs at least 10 characters"
                );
                Some(line)
            } else {
                None
            };
            let settings = match &account.config {
                Some(path) => SettingsFile::load(path)?,
                None => SettingsFile::default(),
            };
            let config = settings.into_config(account.data)?;
            let token = hoso_portal::add_officer(
                &config.data_dir,
                &config.database,
                &account.account,
                &account.name,
                duties,
                password.as_deref(),
            )
            .await?;
            println!("{token}");
        }
        Command::PracticePay {
            config,
            data,
            code,
            amount,
        } => {
            let settings = match &config {
                Some(path) => SettingsFile::load(path)?,
                None => SettingsFile::default(),
            };
            let config = settings.into_config(data)?;
            let paid = hoso_portal::practice_bank::pay(&config, &code, amount).await?;
            println!(
                "Ngân hàng thực hành đã chuyển {} đồng, mã giao dịch {}. / The practice bank transferred {} VND, transaction {}.",
                hoso_core::bilingual::vi_number(paid.sent.amount_vnd),
                paid.sent.transaction_id,
                hoso_core::bilingual::en_number(paid.sent.amount_vnd),
                paid.sent.transaction_id
            );
            match paid.answer {
                Ok(answer) => {
                    println!("{}", answer.message.vi);
                    println!("{}", answer.message.en);
                    if let Some(number) = answer.fee_receipt {
                        let label = number.label();
                        println!("Biên lai thu phí: {} / Fee receipt: {}", label.vi, label.en);
                    }
                }
                Err(problem) => {
                    anyhow::bail!(
                        "cổng từ chối ({} {}) / the portal refused ({} {}): {} / {}",
                        paid.status,
                        problem.code,
                        paid.status,
                        problem.code,
                        problem.message.vi,
                        problem.message.en
                    );
                }
            }
        }
    }
    Ok(())
}

/// An amount of đồng as typed: digits, with dots, commas, spaces or
/// underscores between groups (`150000`, `150.000`).
fn parse_amount(text: &str) -> Result<u64, String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | '_' | ' '))
        .collect();
    match digits.parse::<u64>() {
        Ok(n) if n > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "“{text}”: số tiền là số đồng lớn hơn 0, ví dụ 150000 hoặc 150.000 / an amount is whole đồng above 0, e.g. 150000 or 150.000"
        )),
    }
}

/// Waits for Ctrl-C or, on Unix, SIGTERM (what a service manager or an
/// orchestrator sends to stop a replica).
async fn stop_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("waiting for SIGTERM")?;
        tokio::select! {
            c = tokio::signal::ctrl_c() => c.context("waiting for Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    tracing::info!("stopping: requests under way may finish");
    Ok(())
}

/// Registers the account `a` names where its settings keep the records;
/// its new token.
async fn add_account(a: Account, role: Role) -> anyhow::Result<String> {
    let settings = match &a.config {
        Some(path) => SettingsFile::load(path)?,
        None => SettingsFile::default(),
    };
    let config = settings.into_config(a.data)?;
    Ok(hoso_portal::add_account(
        &config.data_dir,
        &config.database,
        role,
        &a.account,
        &a.name,
    )
    .await?)
}
