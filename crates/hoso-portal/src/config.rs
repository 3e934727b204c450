//! How a portal instance is set up.

use hoso_core::Bilingual;
use hoso_core::bank::BankSecret;
use hoso_core::fee_receipt::CollectingAgency;
use hoso_core::vietqr::{Payee, Service};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Settings of one portal instance.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// Folder for the database, the signing key and upload files.
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Address clients use, when it differs from the listening one (behind
    /// a proxy). Defaults to `http://{listening address}`.
    pub public_url: Option<String>,
    /// The portal's name, in discovery and on receipts.
    pub name: Bilingual,
    /// Prefix of dossier codes (upper-case letters, digits, dots).
    pub agency_code: String,
    /// The receiving desk printed on receipts.
    pub receiving_agency: Bilingual,
    /// Largest single upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// How long an unfinished upload is kept.
    pub upload_expiry: Duration,
    /// How long a request body may send nothing before the portal stops
    /// reading it and keeps what arrived; also how long a response may
    /// wait for a client that reads nothing.
    pub idle_body_timeout: Duration,
    /// The receipt-signing key's file; `None`: in the data folder. Every
    /// replica of one portal names the same key (a file deployed to each,
    /// or a mounted secret), so a receipt verifies whichever signed it.
    pub receipt_key_file: Option<PathBuf>,
    /// The retired keys' public halves, published forever; `None`: in the
    /// data folder. Shared by replicas like the key.
    pub retired_keys_file: Option<PathBuf>,
    /// How long a stopping portal lets requests under way finish (an
    /// upload's PATCH among them) before it closes their connections;
    /// what those PATCHes made durable is kept and the client goes on
    /// elsewhere from it.
    pub shutdown_grace: Duration,
    /// How many connections, from where, and how long each phase may take.
    pub connections: ConnectionLimits,
    /// What one applicant's uploads may hold.
    pub quotas: Quotas,
    /// How many wrong lookups (code and PIN) are answered.
    pub lookup: LookupLimits,
    /// Where the records are kept.
    pub database: Database,
    /// Where upload bytes live.
    pub storage: StorageChoice,
    /// How fees are asked for and the bank's notifications taken
    /// (`[fees]`). `None`: a practice portal gets the practice bank
    /// ([`FeeSettings::practice`], its secret in the data folder), any
    /// other portal asks for no payment (fees are paid as before, at the
    /// desk or as the agency says).
    pub fees: Option<FeeSettings>,
}

/// What a portal needs to ask for fees by VietQR and to take the bank's
/// word that they were paid (`[fees]` of the settings file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeSettings {
    /// The agency's bank and account that fees are paid to.
    pub payee: Payee,
    /// The account holder's name, shown beside the code.
    pub payee_name: String,
    /// The agency that collects fees, as fee receipts print it.
    pub agency: CollectingAgency,
    /// The fee receipts' form (mẫu số).
    pub receipt_form: String,
    /// The fee receipts' serial (ký hiệu); numbers count within it.
    pub receipt_serial: String,
    /// Working days after filing (counted with the portal's calendar) to
    /// the end of which a payment request stays open.
    pub payment_days: u32,
    /// The secret shared with the bank (never printed).
    pub bank_secret: BankSecret,
    /// The practice bank's settings: nothing is really paid.
    pub practice: bool,
}

/// Working days a payment request stays open unless `[fees]` says.
pub const DEFAULT_PAYMENT_DAYS: u32 = 5;

/// The most working days a payment request may stay open.
pub const MAX_PAYMENT_DAYS: u32 = 60;

impl FeeSettings {
    /// The practice bank of a practice portal, marked as practice
    /// everywhere people read it: an account no bank has (BIN 000000), so
    /// a real banking app that scans its code finds nothing to pay.
    pub fn practice(bank_secret: BankSecret) -> Self {
        Self {
            payee: Payee {
                bin: "000000".parse().unwrap_or_else(|_| unreachable!("six digits")),
                account: "0000000000"
                    .parse()
                    .unwrap_or_else(|_| unreachable!("ten digits")),
                service: Service::Account,
            },
            payee_name: "TAI KHOAN THUC HANH HOSO - KHONG CHUYEN TIEN THAT / HOSO PRACTICE ACCOUNT - NO REAL MONEY".into(),
            agency: CollectingAgency {
                name: Bilingual::new(
                    "Đơn vị thu phí (thực hành)",
                    "Fee-collecting agency (practice)",
                ),
                tax_code: None,
                address: None,
            },
            receipt_form: "THUC-HANH".into(),
            receipt_serial: "PRACTICE".into(),
            payment_days: DEFAULT_PAYMENT_DAYS,
            bank_secret,
            practice: true,
        }
    }
}

/// Where upload bytes live.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StorageChoice {
    /// Files in the data folder's `uploads/` (one portal, the default).
    #[default]
    Files,
    /// An S3-compatible bucket, which any number of portal replicas may
    /// share (`[storage] s3 = { … }`).
    S3(S3Settings),
}

/// How to reach the S3-compatible bucket that holds upload bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The service's address, `http://` or `https://`.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The region the service signs for (`garage` on Garage, as it says).
    pub region: String,
    /// The access key's id.
    pub access_key_id: String,
    /// The access key's secret.
    pub secret_access_key: String,
}

/// Never prints the secret.
impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Where the portal keeps its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// SQLite in the data folder: the embedded default, one process.
    Sqlite,
    /// PostgreSQL, which any number of replicas share.
    Postgres {
        /// A libpq connection string: `postgres://user@host:port/db` or
        /// `host=/run/postgresql dbname=hoso`.
        url: String,
        /// Connections each replica keeps open at most.
        pool_size: usize,
    },
}

/// Connections a replica keeps to PostgreSQL unless `pool_size` says.
pub const DEFAULT_POOL_SIZE: usize = 16;

/// Limits on connections and the time each phase of a request may take.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// From the first byte of a request to the end of its headers.
    pub header_read_timeout: Duration,
    /// How long a connection waits for its next request.
    pub keep_alive_idle: Duration,
    /// The whole body of a request that is not an upload (JSON).
    pub request_body_timeout: Duration,
    /// Open connections at most; `None`: from the open-file limit (half of
    /// it, as an upload in progress also holds its file).
    pub max_connections: Option<usize>,
    /// Open connections from one address (an IPv6 /64) at most; addresses
    /// in `trusted_proxies` are not limited.
    pub max_per_address: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_idle: Duration::from_secs(30),
            request_body_timeout: Duration::from_secs(60),
            max_connections: None,
            max_per_address: 256,
            trusted_proxies: Vec::new(),
        }
    }
}

/// What one applicant's uploads may hold at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotas {
    /// Unfinished uploads.
    pub unfinished_uploads: u64,
    /// Bytes declared by unfinished uploads (reserved).
    pub unfinished_bytes: u64,
    /// Bytes of complete uploads no filing names yet, with what the
    /// unfinished ones will add.
    pub unfiled_bytes: u64,
}

impl Default for Quotas {
    fn default() -> Self {
        const GIB: u64 = 1024 * 1024 * 1024;
        Self {
            unfinished_uploads: 200,
            unfinished_bytes: 20 * GIB,
            unfiled_bytes: 40 * GIB,
        }
    }
}

/// Wrong lookups answered, in a sliding window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupLimits {
    /// Wrong lookups from one address before it waits.
    pub misses_per_address: u32,
    /// Wrong lookups from all addresses together before every address
    /// that has missed waits (one that has not is still answered).
    pub misses_overall: u32,
    /// The window.
    pub window: Duration,
}

impl Default for LookupLimits {
    fn default() -> Self {
        Self {
            misses_per_address: 10,
            misses_overall: 1000,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The practice portal's name: a portal that keeps it is a practice one.
fn practice_name() -> Bilingual {
    Bilingual::new("Cổng thực hành HoSo", "HoSo practice portal")
}

/// The practice portal's prefix of dossier codes.
const PRACTICE_AGENCY_CODE: &str = "HOSO.PRACTICE";

/// The practice portal's receiving desk, printed on its receipts.
fn practice_desk() -> Bilingual {
    Bilingual::new(
        "Bộ phận tiếp nhận và trả kết quả (thực hành)",
        "Reception and results desk (practice)",
    )
}

/// Whether `code` can prefix dossier codes: upper-case letters, digits, dots.
fn valid_agency_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.')
}

/// Refuses a `database.url` that is not a PostgreSQL connection string
/// the driver reads, saying why.
fn check_database_url(url: &str) -> Result<(), String> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(format!(
            "database.url “{url}”: chỉ nhận PostgreSQL, dạng postgres://người-dùng@máy:cổng/csdl / only PostgreSQL is supported, as postgres://user@host:port/db"
        ));
    }
    #[cfg(feature = "shared")]
    return url
        .parse::<tokio_postgres::Config>()
        .map(drop)
        .map_err(|e| format!("database.url: không đọc được / cannot be read: {e}"));
    #[cfg(not(feature = "shared"))]
    Ok(())
}

/// Refuses `setting` (PostgreSQL or S3) in a build without the `shared`
/// feature: the app's practice portal and the CLI are built without it,
/// so that they do not carry the PostgreSQL and S3 clients.
pub fn needs_shared(setting: &str) -> Result<(), String> {
    if cfg!(feature = "shared") {
        Ok(())
    } else {
        Err(without_shared(setting))
    }
}

/// Why `setting` cannot be used by a build without the `shared` feature.
pub fn without_shared(setting: &str) -> String {
    format!(
        "{setting}: bản hoso-portal này không có PostgreSQL và S3; hãy dùng bản dựng với tính năng \"shared\" (mặc định của `cargo build -p hoso-portal`) / this hoso-portal build has no PostgreSQL or S3; use a build with the \"shared\" feature (the default of `cargo build -p hoso-portal`)"
    )
}

/// What the flags of `hoso-portal serve` set, over the settings file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServeFlags {
    /// `--name`: the portal's name, in both languages unless `name_en`.
    pub name: Option<String>,
    /// `--name-en`: its English name.
    pub name_en: Option<String>,
    /// `--agency-code`: the prefix of dossier codes.
    pub agency_code: Option<String>,
    /// `--max-upload`: the largest single upload, in bytes.
    pub max_upload_bytes: Option<u64>,
}

impl PortalConfig {
    /// Where the receipt-signing key is.
    pub fn receipt_key_path(&self) -> PathBuf {
        self.receipt_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(crate::state::KEY_FILE))
    }

    /// Where the retired keys are.
    pub fn retired_keys_path(&self) -> PathBuf {
        self.retired_keys_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(crate::state::RETIRED_KEYS_FILE))
    }

    /// The practice portal built into the app: loopback only, any free port.
    pub fn practice(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            name: practice_name(),
            agency_code: PRACTICE_AGENCY_CODE.into(),
            receiving_agency: practice_desk(),
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
            upload_expiry: Duration::from_secs(7 * 24 * 3600),
            idle_body_timeout: Duration::from_secs(60),
            receipt_key_file: None,
            retired_keys_file: None,
            shutdown_grace: Duration::from_secs(30),
            connections: ConnectionLimits::default(),
            quotas: Quotas::default(),
            lookup: LookupLimits::default(),
            storage: StorageChoice::Files,
            database: Database::Sqlite,
            fees: None,
        }
    }

    /// Sets what `flags` give, over the settings file and the defaults.
    pub fn apply(&mut self, flags: ServeFlags) -> Result<(), SettingsError> {
        let flag = |flag: &'static str, message: &str| SettingsError::Flag {
            flag,
            message: message.to_owned(),
        };
        if let Some(name) = flags.name {
            let name = name.trim().to_owned();
            if name.is_empty() {
                return Err(flag("--name", "không được để trống / must not be empty"));
            }
            let en = flags
                .name_en
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| name.clone());
            self.name = Bilingual::new(name, en);
        }
        if let Some(code) = flags.agency_code {
            if !valid_agency_code(&code) {
                return Err(flag(
                    "--agency-code",
                    "chỉ gồm chữ in hoa, chữ số và dấu chấm / takes upper-case letters, digits and dots",
                ));
            }
            self.agency_code = code;
        }
        if let Some(bytes) = flags.max_upload_bytes {
            if bytes == 0 {
                return Err(flag("--max-upload", "phải lớn hơn 0 / must be above 0"));
            }
            self.max_upload_bytes = bytes;
        }
        Ok(())
    }

    /// Whether this is a practice portal: it kept the practice name.
    pub fn is_practice(&self) -> bool {
        self.name == practice_name()
    }

    /// What the operator should know at start about the practice defaults
    /// this portal still has, one line each in both languages: that it is
    /// a practice portal, or what of the practice portal a named one kept.
    pub fn practice_notices(&self) -> Vec<String> {
        if self.is_practice() {
            return vec![format!(
                "Đây là cổng thực hành HoSo (“{}”): mã hồ sơ bắt đầu bằng {}-. Đặt tên cổng bằng --name, tiền tố mã bằng --agency-code, hoặc trong tệp --config. / This is a HoSo practice portal (“{}”): dossier codes start {}-. Name the portal with --name and the code prefix with --agency-code, or in a --config file.",
                self.name.vi, self.agency_code, self.name.en, self.agency_code
            )];
        }
        let mut out = Vec::new();
        if self.agency_code == PRACTICE_AGENCY_CODE {
            out.push(format!(
                "Mã hồ sơ vẫn bắt đầu bằng {PRACTICE_AGENCY_CODE}- của cổng thực hành; đặt tiền tố bằng --agency-code (hoặc agency_code trong tệp cấu hình). / Dossier codes still start {PRACTICE_AGENCY_CODE}-, the practice portal's; set a prefix with --agency-code (or agency_code in the settings file)."
            ));
        }
        if self.receiving_agency == practice_desk() {
            out.push(format!(
                "Giấy tiếp nhận vẫn ghi nơi tiếp nhận “{}”; đặt [receiving_agency] trong tệp cấu hình. / Receipts still name the desk “{}”; set [receiving_agency] in the settings file.",
                self.receiving_agency.vi, self.receiving_agency.en
            ));
        }
        out
    }
}

/// A size as `--max-upload` takes it: bytes, or a number with a unit,
/// binary (`KiB`, `MiB`, `GiB`, `TiB`) or decimal (`KB`, `MB`, `GB`,
/// `TB`), in any case, with or without a space: `200MiB`, `1.5 GiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let scale: u64 = match unit.as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => {
            return Err(format!(
                "“{text}”: đơn vị không rõ; dùng byte hoặc KiB, MiB, GiB (KB, MB, GB) / unknown unit; give bytes or KiB, MiB, GiB (KB, MB, GB), e.g. 200MiB"
            ));
        }
    };
    let bytes = if let Ok(n) = number.parse::<u64>() {
        n.checked_mul(scale)
    } else {
        number
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| n * scale as f64)
            .filter(|b| *b < u64::MAX as f64)
            .map(|b| b as u64)
    };
    match bytes {
        Some(0) => Err(format!("“{text}”: phải lớn hơn 0 / must be above 0")),
        Some(b) => Ok(b),
        None => Err(format!(
            "“{text}”: không phải kích thước, ví dụ 200MiB hoặc 209715200 / not a size, e.g. 200MiB or 209715200"
        )),
    }
}

/// The settings file of `hoso-portal serve --config FILE` (TOML). Every
/// entry is optional; flags given on the command line win over the file,
/// and the file over the defaults of [`PortalConfig::practice`]. Unknown
/// entries are refused, so a misspelt setting is never silently ignored.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    /// Data folder.
    pub data: Option<PathBuf>,
    /// Address to listen on.
    pub listen: Option<SocketAddr>,
    /// Address clients use.
    pub public_url: Option<String>,
    /// The portal's name.
    pub name: Option<Bilingual>,
    /// Prefix of dossier codes.
    pub agency_code: Option<String>,
    /// The receiving desk printed on receipts.
    pub receiving_agency: Option<Bilingual>,
    /// Largest single upload, in MiB.
    pub max_upload_mib: Option<u64>,
    /// How long an unfinished upload is kept, in hours.
    pub upload_expiry_hours: Option<u64>,
    /// How long a request body may stall, in seconds.
    pub idle_body_timeout_secs: Option<u64>,
    /// How long a stopping portal lets requests finish, in seconds.
    pub shutdown_grace_secs: Option<u64>,
    /// `[keys]`.
    #[serde(default)]
    pub keys: KeySettings,
    /// `[timeouts]`.
    #[serde(default)]
    pub timeouts: TimeoutSettings,
    /// `[connections]`.
    #[serde(default)]
    pub connections: ConnectionSettings,
    /// `[quotas]`.
    #[serde(default)]
    pub quotas: QuotaSettings,
    /// `[lookup]`.
    #[serde(default)]
    pub lookup: LookupSettings,
    /// `[database]`.
    #[serde(default)]
    pub database: DatabaseSettings,
    /// `[storage]`.
    #[serde(default)]
    pub storage: StorageSettings,
    /// `[storage] s3` checked, with its secret read ([`SettingsFile::parse`]).
    #[serde(skip)]
    pub s3: Option<S3Settings>,
    /// `[fees]`.
    pub fees: Option<FeesFile>,
    /// `[fees]` checked, with the bank's secret read ([`SettingsFile::parse`]).
    #[serde(skip)]
    pub fee_settings: Option<FeeSettings>,
}

/// `[fees]` of the settings file: where fees are paid, who collects them,
/// how receipts are numbered and the secret the bank signs with. Without
/// it a named portal asks for no payment.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeesFile {
    /// `{ bin, account, service }`: the bank's 6-digit BIN, the account
    /// (or card) number, `account` (default) or `card`.
    pub payee: Payee,
    /// The account holder's name.
    pub payee_name: String,
    /// The collecting agency's name, as fee receipts print it.
    pub agency: Bilingual,
    /// Its tax code, printed on fee receipts.
    pub agency_tax_code: Option<String>,
    /// Its address, printed on fee receipts.
    pub agency_address: Option<String>,
    /// The receipts' form (mẫu số), e.g. `01BLP0-001`.
    pub receipt_form: String,
    /// The receipts' serial (ký hiệu), e.g. `HN-26E`.
    pub receipt_serial: String,
    /// Working days a payment request stays open.
    pub payment_days: Option<u32>,
    /// A file holding the secret shared with the bank.
    pub bank_secret_file: Option<PathBuf>,
    /// An environment variable holding it.
    pub bank_secret_env: Option<String>,
    /// Never taken: the secret is not written in the settings file.
    bank_secret: Option<serde::de::IgnoredAny>,
}

/// Whether `text` can be a receipt's form or serial: 1 to 20 ASCII
/// letters, digits, dashes, dots and slashes.
fn valid_receipt_symbol(text: &str) -> bool {
    (1..=20).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'/'))
}

impl FeesFile {
    /// The settings, checked, with the bank's secret read from its file or
    /// the environment; what is wrong names the entry.
    fn resolve(self) -> Result<FeeSettings, String> {
        if self.bank_secret.is_some() {
            return Err(
                "fees.bank_secret: khóa bí mật không bao giờ ghi trong tệp cấu hình; hãy dùng bank_secret_file hoặc bank_secret_env / the secret is never written in the settings file; give bank_secret_file or bank_secret_env".to_owned(),
            );
        }
        let payee_name = self.payee_name.trim().to_owned();
        if payee_name.is_empty() {
            return Err("fees.payee_name không được để trống / must not be empty".to_owned());
        }
        if self.agency.vi.trim().is_empty() || self.agency.en.trim().is_empty() {
            return Err(
                "fees.agency cần tên bằng cả hai thứ tiếng (vi, en) / needs a name in both languages (vi, en)".to_owned(),
            );
        }
        for (name, value) in [
            ("fees.receipt_form", &self.receipt_form),
            ("fees.receipt_serial", &self.receipt_serial),
        ] {
            if !valid_receipt_symbol(value) {
                return Err(format!(
                    "{name} “{value}”: 1-20 chữ cái, chữ số, dấu gạch, chấm, gạch chéo / takes 1 to 20 ASCII letters, digits, dashes, dots and slashes"
                ));
            }
        }
        let payment_days = self.payment_days.unwrap_or(DEFAULT_PAYMENT_DAYS);
        if !(1..=MAX_PAYMENT_DAYS).contains(&payment_days) {
            return Err(format!(
                "fees.payment_days phải từ 1 đến {MAX_PAYMENT_DAYS} ngày làm việc / must be 1 to {MAX_PAYMENT_DAYS} working days"
            ));
        }
        let secret = match (&self.bank_secret_file, &self.bank_secret_env) {
            (Some(file), None) => {
                let text = std::fs::read(file).map_err(|e| {
                    format!(
                        "fees.bank_secret_file {}: không đọc được / cannot be read: {e}",
                        file.display()
                    )
                })?;
                let end = text
                    .iter()
                    .rposition(|b| !b.is_ascii_whitespace())
                    .map_or(0, |i| i + 1);
                BankSecret::new(&text[..end])
                    .map_err(|e| format!("fees.bank_secret_file {}: {e}", file.display()))?
            }
            (None, Some(var)) => {
                let value = std::env::var(var).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
                    format!(
                        "fees.bank_secret_env: biến môi trường {var} chưa đặt / the environment variable {var} is not set"
                    )
                })?;
                BankSecret::new(value.trim_end())
                    .map_err(|e| format!("fees.bank_secret_env {var}: {e}"))?
            }
            _ => {
                return Err(
                    "[fees] cần đúng một trong bank_secret_file và bank_secret_env / takes exactly one of bank_secret_file and bank_secret_env".to_owned(),
                );
            }
        };
        let optional = |v: Option<String>| v.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(FeeSettings {
            payee: self.payee,
            payee_name,
            agency: CollectingAgency {
                name: Bilingual::new(self.agency.vi.trim(), self.agency.en.trim()),
                tax_code: optional(self.agency_tax_code),
                address: optional(self.agency_address),
            },
            receipt_form: self.receipt_form,
            receipt_serial: self.receipt_serial,
            payment_days,
            bank_secret: secret,
            practice: false,
        })
    }
}

/// `[storage]` of the settings file: files in the data folder unless `s3`
/// names a bucket.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// `s3 = { endpoint, bucket, region, credentials }`.
    pub s3: Option<S3File>,
}

/// `[storage] s3` of the settings file.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3File {
    /// `http://` or `https://` address of the service.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The region the service signs for.
    pub region: String,
    /// The access key; left out, `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY` from the environment.
    pub credentials: Option<S3Credentials>,
}

/// `credentials = { access_key_id, secret_access_key | secret_access_key_file }`.
#[derive(Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Credentials {
    /// The key's id.
    pub access_key_id: String,
    /// The secret itself.
    pub secret_access_key: Option<String>,
    /// A file holding the secret (better kept out of the settings file).
    pub secret_access_key_file: Option<PathBuf>,
}

/// Never prints the secret.
impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key_file", &self.secret_access_key_file)
            .finish_non_exhaustive()
    }
}

/// Whether `name` is a bucket name S3 takes: 3 to 63 lower-case letters,
/// digits, dots and hyphens, beginning and ending with a letter or digit.
fn valid_bucket(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && edge(name.chars().next())
        && edge(name.chars().last())
}

impl S3File {
    /// What is wrong with these settings, naming the entry.
    fn problem(&self) -> Option<String> {
        let uri = self.endpoint.parse::<axum::http::Uri>().ok();
        let scheme_ok = uri
            .as_ref()
            .and_then(|u| u.scheme_str())
            .is_some_and(|s| s == "http" || s == "https");
        if !scheme_ok || uri.as_ref().and_then(|u| u.host()).is_none() {
            return Some(format!(
                "storage.s3.endpoint “{}” phải là địa chỉ http:// hoặc https:// / must be an http:// or https:// address, e.g. https://s3.example.vn",
                self.endpoint
            ));
        }
        if !valid_bucket(&self.bucket) {
            return Some(format!(
                "storage.s3.bucket “{}”: 3-63 chữ thường, chữ số, dấu chấm, gạch nối / takes 3 to 63 lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit",
                self.bucket
            ));
        }
        if self.region.trim().is_empty() || self.region.contains(char::is_whitespace) {
            return Some(
                "storage.s3.region phải là một từ, ví dụ garage hoặc ap-southeast-1 / must be one word, e.g. garage or ap-southeast-1".to_owned(),
            );
        }
        let c = self.credentials.as_ref()?;
        if c.access_key_id.trim().is_empty() {
            return Some(
                "storage.s3.credentials.access_key_id không được để trống / must not be empty"
                    .to_owned(),
            );
        }
        match (&c.secret_access_key, &c.secret_access_key_file) {
            (Some(_), Some(_)) | (None, None) => Some(
                "storage.s3.credentials cần đúng một trong secret_access_key và secret_access_key_file / takes exactly one of secret_access_key and secret_access_key_file".to_owned(),
            ),
            (Some(secret), None) if secret.is_empty() => Some(
                "storage.s3.credentials.secret_access_key không được để trống / must not be empty".to_owned(),
            ),
            _ => None,
        }
    }

    /// The settings, the secret read from its file or the environment.
    fn resolve(self) -> Result<S3Settings, String> {
        let (access_key_id, secret_access_key) = match self.credentials {
            Some(S3Credentials {
                access_key_id,
                secret_access_key: Some(secret),
                ..
            }) => (access_key_id, secret),
            Some(S3Credentials {
                access_key_id,
                secret_access_key_file: Some(file),
                ..
            }) => {
                let secret = std::fs::read_to_string(&file).map_err(|e| {
                    format!(
                        "storage.s3.credentials.secret_access_key_file {}: không đọc được / cannot be read: {e}",
                        file.display()
                    )
                })?;
                let secret = secret.trim().to_owned();
                if secret.is_empty() {
                    return Err(format!(
                        "storage.s3.credentials.secret_access_key_file {} trống / is empty",
                        file.display()
                    ));
                }
                (access_key_id, secret)
            }
            _ => {
                let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
                match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
                    (Some(id), Some(secret)) => (id, secret),
                    _ => return Err(
                        "storage.s3 không có credentials, và AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY chưa đặt / has no credentials, and AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set".to_owned(),
                    ),
                }
            }
        };
        Ok(S3Settings {
            endpoint: self.endpoint.trim_end_matches('/').to_owned(),
            bucket: self.bucket,
            region: self.region,
            access_key_id,
            secret_access_key,
        })
    }
}

/// `[database]` of the settings file: without `url`, SQLite in the data
/// folder.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// PostgreSQL to keep the records in, `postgres://…` or `postgresql://…`.
    pub url: Option<String>,
    /// Connections each replica keeps open at most.
    pub pool_size: Option<u64>,
}

/// `[keys]` of the settings file: where the receipt-signing key and the
/// retired keys are, when not in the data folder.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySettings {
    /// The receipt-signing key's file.
    pub receipt: Option<PathBuf>,
    /// The retired keys' file.
    pub retired: Option<PathBuf>,
}

/// `[timeouts]` of the settings file, in seconds.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutSettings {
    /// From a request's first byte to the end of its headers.
    pub header_read_secs: Option<u64>,
    /// A connection waiting for its next request.
    pub keep_alive_idle_secs: Option<u64>,
    /// The whole body of a request that is not an upload.
    pub request_body_secs: Option<u64>,
}

/// `[connections]` of the settings file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSettings {
    /// Open connections at most.
    pub max: Option<usize>,
    /// Open connections from one address at most.
    pub per_address: Option<usize>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Option<Vec<IpAddr>>,
}

/// `[quotas]` of the settings file, per applicant.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaSettings {
    /// Unfinished uploads.
    pub unfinished_uploads: Option<u64>,
    /// MiB declared by unfinished uploads.
    pub unfinished_mib: Option<u64>,
    /// MiB of complete uploads not yet filed, with the unfinished ones.
    pub unfiled_mib: Option<u64>,
}

/// `[lookup]` of the settings file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupSettings {
    /// Wrong lookups from one address in the window.
    pub misses_per_address: Option<u32>,
    /// Wrong lookups from all addresses in the window.
    pub misses_overall: Option<u32>,
    /// The window, in minutes.
    pub window_minutes: Option<u64>,
}

/// Why a settings file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error("không đọc được tệp cấu hình / cannot read settings file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown or mistyped entries.
    #[error("tệp cấu hình sai / settings file {path} is wrong: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the parser says, with line and column.
        message: String,
    },
    /// A value is out of range.
    #[error("tệp cấu hình / settings file {path}: {message}")]
    Value {
        /// The file.
        path: PathBuf,
        /// Which entry and why.
        message: String,
    },
    /// A flag of `serve` has a value it cannot take.
    #[error("{flag}: {message}")]
    Flag {
        /// Which flag.
        flag: &'static str,
        /// Why.
        message: String,
    },
    /// Neither the file nor the command line names a data folder.
    #[error(
        "thiếu thư mục dữ liệu (--data hoặc data = ...) / no data folder (--data or data = ...)"
    )]
    NoDataFolder,
}

impl SettingsFile {
    /// Reads and checks a settings file.
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Checks settings text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SettingsError> {
        let mut settings: Self = toml::from_str(text).map_err(|e| SettingsError::Invalid {
            path: path.to_owned(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        let bad = |message: &str| SettingsError::Value {
            path: path.to_owned(),
            message: message.to_owned(),
        };
        if settings.max_upload_mib == Some(0) {
            return Err(bad("max_upload_mib phải lớn hơn 0 / must be above 0"));
        }
        if settings.upload_expiry_hours == Some(0) {
            return Err(bad("upload_expiry_hours phải lớn hơn 0 / must be above 0"));
        }
        let zero = [
            (
                "timeouts.header_read_secs",
                settings.timeouts.header_read_secs,
            ),
            (
                "timeouts.keep_alive_idle_secs",
                settings.timeouts.keep_alive_idle_secs,
            ),
            (
                "timeouts.request_body_secs",
                settings.timeouts.request_body_secs,
            ),
            ("idle_body_timeout_secs", settings.idle_body_timeout_secs),
            (
                "connections.max",
                settings.connections.max.map(|n| n as u64),
            ),
            (
                "connections.per_address",
                settings.connections.per_address.map(|n| n as u64),
            ),
            (
                "quotas.unfinished_uploads",
                settings.quotas.unfinished_uploads,
            ),
            ("quotas.unfinished_mib", settings.quotas.unfinished_mib),
            ("quotas.unfiled_mib", settings.quotas.unfiled_mib),
            (
                "lookup.misses_per_address",
                settings.lookup.misses_per_address.map(u64::from),
            ),
            (
                "lookup.misses_overall",
                settings.lookup.misses_overall.map(u64::from),
            ),
            ("lookup.window_minutes", settings.lookup.window_minutes),
            ("database.pool_size", settings.database.pool_size),
        ];
        if let Some((name, _)) = zero.iter().find(|(_, v)| *v == Some(0)) {
            return Err(bad(&format!("{name} phải lớn hơn 0 / must be above 0")));
        }
        if let Some(url) = &settings.database.url {
            needs_shared("database.url").map_err(|m| bad(&m))?;
            check_database_url(url).map_err(|m| bad(&m))?;
        } else if settings.database.pool_size.is_some() {
            return Err(bad(
                "database.pool_size cần database.url (PostgreSQL) / needs database.url (PostgreSQL)",
            ));
        }
        if let Some(code) = &settings.agency_code
            && !valid_agency_code(code)
        {
            return Err(bad(
                "agency_code chỉ gồm chữ in hoa, chữ số và dấu chấm / agency_code takes upper-case letters, digits and dots",
            ));
        }
        if let Some(s3) = settings.storage.s3.clone() {
            needs_shared("storage.s3").map_err(|m| bad(&m))?;
            if let Some(problem) = s3.problem() {
                return Err(bad(&problem));
            }
            settings.s3 = Some(s3.resolve().map_err(|m| bad(&m))?);
        }
        if let Some(fees) = settings.fees.clone() {
            settings.fee_settings = Some(fees.resolve().map_err(|m| bad(&m))?);
        }
        Ok(settings)
    }

    /// The portal's settings: `data` from the command line or the file,
    /// everything else from the file or the defaults.
    pub fn into_config(self, data: Option<PathBuf>) -> Result<PortalConfig, SettingsError> {
        let data = data.or(self.data).ok_or(SettingsError::NoDataFolder)?;
        let mut config = PortalConfig::practice(data);
        if let Some(s3) = self.s3 {
            config.storage = StorageChoice::S3(s3);
        }
        config.fees = self.fee_settings;
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        config.public_url = self.public_url;
        if let Some(name) = self.name {
            config.name = name;
        }
        if let Some(code) = self.agency_code {
            config.agency_code = code;
        }
        if let Some(desk) = self.receiving_agency {
            config.receiving_agency = desk;
        }
        if let Some(mib) = self.max_upload_mib {
            config.max_upload_bytes = mib.saturating_mul(1024 * 1024);
        }
        if let Some(hours) = self.upload_expiry_hours {
            config.upload_expiry = Duration::from_secs(hours.saturating_mul(3600));
        }
        if let Some(secs) = self.idle_body_timeout_secs {
            config.idle_body_timeout = Duration::from_secs(secs);
        }
        if let Some(secs) = self.shutdown_grace_secs {
            config.shutdown_grace = Duration::from_secs(secs);
        }
        config.receipt_key_file = self.keys.receipt;
        config.retired_keys_file = self.keys.retired;
        const MIB: u64 = 1024 * 1024;
        let secs = Duration::from_secs;
        let c = &mut config.connections;
        let t = self.timeouts;
        c.header_read_timeout = t.header_read_secs.map_or(c.header_read_timeout, secs);
        c.keep_alive_idle = t.keep_alive_idle_secs.map_or(c.keep_alive_idle, secs);
        c.request_body_timeout = t.request_body_secs.map_or(c.request_body_timeout, secs);
        c.max_connections = self.connections.max.or(c.max_connections);
        c.max_per_address = self.connections.per_address.unwrap_or(c.max_per_address);
        if let Some(proxies) = self.connections.trusted_proxies {
            c.trusted_proxies = proxies;
        }
        let q = &mut config.quotas;
        q.unfinished_uploads = self
            .quotas
            .unfinished_uploads
            .unwrap_or(q.unfinished_uploads);
        q.unfinished_bytes = self
            .quotas
            .unfinished_mib
            .map_or(q.unfinished_bytes, |m| m.saturating_mul(MIB));
        q.unfiled_bytes = self
            .quotas
            .unfiled_mib
            .map_or(q.unfiled_bytes, |m| m.saturating_mul(MIB));
        if let Some(url) = self.database.url {
            config.database = Database::Postgres {
                url,
                pool_size: self.database.pool_size.map_or(DEFAULT_POOL_SIZE, |n| {
                    usize::try_from(n).unwrap_or(usize::MAX)
                }),
            };
        }
        let l = &mut config.lookup;
        l.misses_per_address = self
            .lookup
            .misses_per_address
            .unwrap_or(l.misses_per_address);
        l.misses_overall = self.lookup.misses_overall.unwrap_or(l.misses_overall);
        l.window = self
            .lookup
            .window_minutes
            .map_or(l.window, |m| secs(m.saturating_mul(60)));
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example shipped beside the crate.
    const EXAMPLE: &str = include_str!("../portal.example.toml");

    /// A file holding a bank secret of `len` bytes (and a line end).
    fn secret_file(dir: &Path, len: usize) -> PathBuf {
        let path = dir.join("bank-secret");
        std::fs::write(&path, format!("{}\n", "k".repeat(len))).expect("secret");
        path
    }

    #[test]
    fn the_example_file_reads_and_sets_every_entry() {
        let dir = tempfile::tempdir().expect("temp dir");
        let secret = secret_file(dir.path(), 40);
        let example = EXAMPLE.replace(
            "/etc/hoso-portal/bank-secret",
            secret.to_str().expect("utf-8"),
        );
        let settings = SettingsFile::parse(&example, Path::new("portal.example.toml"))
            .expect("example parses");
        let config = settings.into_config(None).expect("config");
        let fees = config.fees.as_ref().expect("[fees]");
        assert_eq!(fees.payee.bin.as_str(), "970415");
        assert_eq!(fees.payee.account.as_str(), "0011001932418");
        assert_eq!(fees.payee.service, Service::Account);
        assert_eq!(fees.payee_name, "SO KHOA HOC VA CONG NGHE");
        assert!(fees.agency.name.vi.starts_with("Sở Khoa học"));
        assert_eq!(fees.agency.tax_code.as_deref(), Some("0100109106"));
        assert!(fees.agency.address.is_some());
        assert_eq!(
            (fees.receipt_form.as_str(), fees.receipt_serial.as_str()),
            ("01BLP0-001", "HN-26E")
        );
        assert_eq!(fees.payment_days, 5);
        assert_eq!(
            fees.bank_secret,
            BankSecret::new("k".repeat(40)).expect("secret")
        );
        assert!(!fees.practice);
        assert_eq!(config.data_dir, PathBuf::from("/var/lib/hoso-portal"));
        assert_eq!(config.listen, "0.0.0.0:8680".parse().expect("addr"));
        assert_eq!(config.agency_code, "SKHCN.HN");
        assert_eq!(config.max_upload_bytes, 500 * 1024 * 1024);
        assert_eq!(config.upload_expiry, Duration::from_secs(72 * 3600));
        assert_eq!(config.idle_body_timeout, Duration::from_secs(120));
        assert_eq!(config.shutdown_grace, Duration::from_secs(20));
        assert_eq!(
            config.receipt_key_path(),
            PathBuf::from("/etc/hoso-portal/receipt-key.ed25519")
        );
        assert_eq!(
            config.retired_keys_path(),
            PathBuf::from("/etc/hoso-portal/retired-receipt-keys.json")
        );
        let c = &config.connections;
        assert_eq!(c.header_read_timeout, Duration::from_secs(10));
        assert_eq!(c.keep_alive_idle, Duration::from_secs(30));
        assert_eq!(c.request_body_timeout, Duration::from_secs(60));
        assert_eq!((c.max_connections, c.max_per_address), (Some(4000), 256));
        assert_eq!(
            c.trusted_proxies,
            vec!["127.0.0.1".parse::<IpAddr>().expect("ip")]
        );
        assert_eq!(
            config.quotas,
            Quotas {
                unfinished_uploads: 200,
                unfinished_bytes: 20 * 1024 * 1024 * 1024,
                unfiled_bytes: 40 * 1024 * 1024 * 1024,
            }
        );
        assert_eq!(config.lookup, LookupLimits::default());
        assert!(config.name.vi.contains("Sở Khoa học"), "{:?}", config.name);
        assert!(config.public_url.is_some());
    }

    #[test]
    #[cfg(not(feature = "shared"))]
    fn a_build_without_postgres_and_s3_refuses_settings_that_name_them() {
        for (text, names) in [
            (
                "[database]\nurl = \"postgres://hoso@db/hoso\"",
                "database.url",
            ),
            (
                "[storage]\ns3 = { endpoint = \"http://127.0.0.1:3900\", bucket = \"b-1\", region = \"garage\" }",
                "storage.s3",
            ),
        ] {
            let e = SettingsFile::parse(text, Path::new("p.toml")).expect_err(text);
            let said = e.to_string();
            assert!(said.contains(names), "{text}: {said}");
            assert!(said.contains("không có PostgreSQL và S3"), "{said}");
            assert!(said.contains("has no PostgreSQL or S3"), "{said}");
        }
        let files = SettingsFile::parse("", Path::new("p.toml"))
            .expect("parses")
            .into_config(Some("/srv/x".into()))
            .expect("config");
        assert_eq!(files.database, Database::Sqlite);
        assert_eq!(files.storage, StorageChoice::Files);
    }

    #[test]
    #[cfg(feature = "shared")]
    fn a_database_url_chooses_postgres_and_a_wrong_one_is_named() {
        let settings = SettingsFile::parse(
            "[database]\nurl = \"postgres://hoso@db.internal:5432/hoso\"\npool_size = 8",
            Path::new("p.toml"),
        )
        .expect("parses");
        let config = settings.into_config(Some("/srv/x".into())).expect("config");
        assert_eq!(
            config.database,
            Database::Postgres {
                url: "postgres://hoso@db.internal:5432/hoso".into(),
                pool_size: 8
            }
        );
        let sqlite = SettingsFile::parse("", Path::new("p.toml"))
            .expect("parses")
            .into_config(Some("/srv/x".into()))
            .expect("config");
        assert_eq!(sqlite.database, Database::Sqlite);
        for (text, names) in [
            ("[database]\nurl = \"mysql://x/y\"", "only PostgreSQL"),
            (
                "[database]\nurl = \"postgres://x:notaport/y\"",
                "cannot be read",
            ),
            (
                "[database]\nurl = \"postgres://x/y\"\npool_size = 0",
                "pool_size",
            ),
            ("[database]\npool_size = 4", "needs database.url"),
            (
                "[database]\nurl = \"postgres://x/y\"\npassword = \"p\"",
                "password",
            ),
        ] {
            let e = SettingsFile::parse(text, Path::new("p.toml")).expect_err(text);
            assert!(e.to_string().contains(names), "{text}: {e}");
        }
    }

    #[test]
    fn the_command_line_data_folder_wins_and_one_is_required() {
        let settings =
            SettingsFile::parse("agency_code = \"A.B\"", Path::new("p.toml")).expect("parses");
        let config = settings
            .clone()
            .into_config(Some("/srv/x".into()))
            .expect("config");
        assert_eq!(config.data_dir, PathBuf::from("/srv/x"));
        assert!(matches!(
            settings.into_config(None),
            Err(SettingsError::NoDataFolder)
        ));
    }

    #[test]
    fn sizes_are_read_in_bytes_or_with_a_unit() {
        for (text, bytes) in [
            ("209715200", 209_715_200),
            ("200MiB", 200 * 1024 * 1024),
            ("200 mib", 200 * 1024 * 1024),
            ("2GiB", 2 * 1024 * 1024 * 1024),
            ("1.5GiB", 3 * 512 * 1024 * 1024),
            ("500MB", 500_000_000),
            ("64KiB", 65_536),
            ("10b", 10),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        for bad in [
            "",
            "0",
            "0MiB",
            "lots",
            "200 MiBs",
            "-1",
            "2e3",
            "99999999999TiB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert!(parse_size("200M").expect_err("unit").contains("200MiB"));
    }

    #[test]
    fn flags_win_over_the_file_and_a_named_portal_is_told_what_it_kept() {
        let settings = SettingsFile::parse(
            "name = { vi = \"Cổng A\", en = \"Portal A\" }\nmax_upload_mib = 500",
            Path::new("p.toml"),
        )
        .expect("parses");
        let mut config = settings.into_config(Some("/srv/x".into())).expect("config");
        config
            .apply(ServeFlags {
                name: Some("Sở KH&CN Hà Nội".into()),
                name_en: Some("Hanoi DOST".into()),
                agency_code: Some("SKHCN.HN".into()),
                max_upload_bytes: Some(200 * 1024 * 1024),
            })
            .expect("flags");
        assert_eq!(config.name, Bilingual::new("Sở KH&CN Hà Nội", "Hanoi DOST"));
        assert_eq!(config.agency_code, "SKHCN.HN");
        assert_eq!(config.max_upload_bytes, 200 * 1024 * 1024);
        assert!(!config.is_practice());
        let notices = config.practice_notices();
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].contains("[receiving_agency]"), "{notices:?}");

        // One name for both languages; the practice code still told.
        let mut named = PortalConfig::practice("/srv/y");
        named
            .apply(ServeFlags {
                name: Some("Cổng B".into()),
                ..ServeFlags::default()
            })
            .expect("flags");
        assert_eq!(named.name, Bilingual::new("Cổng B", "Cổng B"));
        assert!(named.practice_notices()[0].contains("--agency-code"));

        // Nothing named: a practice portal, and it says so.
        let practice = PortalConfig::practice("/srv/z");
        assert!(practice.is_practice());
        let told = practice.practice_notices();
        assert_eq!(told.len(), 1);
        assert!(
            told[0].contains("This is a HoSo practice portal")
                && told[0].contains("HOSO.PRACTICE-"),
            "{told:?}"
        );

        for (flags, which) in [
            (
                ServeFlags {
                    name: Some(" ".into()),
                    ..ServeFlags::default()
                },
                "--name",
            ),
            (
                ServeFlags {
                    agency_code: Some("so khcn".into()),
                    ..ServeFlags::default()
                },
                "--agency-code",
            ),
            (
                ServeFlags {
                    max_upload_bytes: Some(0),
                    ..ServeFlags::default()
                },
                "--max-upload",
            ),
        ] {
            let err = PortalConfig::practice("/srv/z")
                .apply(flags)
                .expect_err(which);
            assert!(err.to_string().starts_with(which), "{err}");
        }
    }

    #[test]
    #[cfg(feature = "shared")]
    fn an_s3_bucket_is_chosen_in_storage_and_files_stay_the_default() {
        let path = Path::new("portal.toml");
        let files = SettingsFile::parse("", path).expect("empty");
        assert_eq!(
            files
                .into_config(Some("/srv/x".into()))
                .expect("config")
                .storage,
            StorageChoice::Files
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let secret = dir.path().join("s3-secret");
        std::fs::write(&secret, "bí-mật\n").expect("secret");
        let text = format!(
            "[storage]\ns3 = {{ endpoint = \"http://127.0.0.1:3900/\", bucket = \"hoso-uploads\", region = \"garage\", credentials = {{ access_key_id = \"GK1\", secret_access_key_file = \"{}\" }} }}",
            secret.display()
        );
        let config = SettingsFile::parse(&text, path)
            .expect("s3")
            .into_config(Some("/srv/x".into()))
            .expect("config");
        let StorageChoice::S3(s3) = config.storage else {
            panic!("files chosen");
        };
        assert_eq!(s3.endpoint, "http://127.0.0.1:3900");
        assert_eq!(
            (s3.bucket.as_str(), s3.region.as_str()),
            ("hoso-uploads", "garage")
        );
        assert_eq!(
            (s3.access_key_id.as_str(), s3.secret_access_key.as_str()),
            ("GK1", "bí-mật")
        );
        assert!(
            !format!("{s3:?}").contains("bí-mật"),
            "the secret is never printed"
        );
    }

    #[test]
    #[cfg(feature = "shared")]
    fn wrong_s3_settings_are_refused_naming_the_entry() {
        let path = Path::new("portal.toml");
        let with = |s3: &str| SettingsFile::parse(&format!("[storage]\ns3 = {{ {s3} }}"), path);
        let keys = r#"credentials = { access_key_id = "GK1", secret_access_key = "s" }"#;
        for (s3, names) in [
            (format!(r#"endpoint = "s3.example.vn", bucket = "b-1", region = "r", {keys}"#), "storage.s3.endpoint"),
            (format!(r#"endpoint = "ftp://x", bucket = "b-1", region = "r", {keys}"#), "storage.s3.endpoint"),
            (format!(r#"endpoint = "http://x", bucket = "Hồ_Sơ", region = "r", {keys}"#), "storage.s3.bucket"),
            (format!(r#"endpoint = "http://x", bucket = "b-1", region = " ", {keys}"#), "storage.s3.region"),
            (r#"endpoint = "http://x", bucket = "b-1", region = "r", credentials = { access_key_id = "GK1" }"#.to_owned(), "exactly one of secret_access_key"),
            (r#"endpoint = "http://x", bucket = "b-1", region = "r", credentials = { access_key_id = "GK1", secret_access_key_file = "/nonexistent/s3" }"#.to_owned(), "secret_access_key_file /nonexistent/s3"),
            (r#"endpoint = "http://x", bucket = "b-1""#.to_owned(), "region"),
            (format!(r#"endpoint = "http://x", bucket = "b-1", region = "r", {keys}, part_mib = 5"#), "part_mib"),
        ] {
            let err = with(&s3).expect_err(names);
            let text = err.to_string();
            assert!(text.contains(names) && text.contains("portal.toml"), "{names}: {text}");
        }
    }

    #[test]
    fn fees_are_refused_naming_the_entry_and_the_secret_never_sits_in_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let good = secret_file(dir.path(), 32);
        let short = dir.path().join("short");
        std::fs::write(&short, "ngan-qua\n").expect("short secret");
        let fees = |extra: &str, secret: &str| {
            format!(
                "[fees]\npayee = {{ bin = \"970415\", account = \"0011001932418\" }}\npayee_name = \"SO KHCN\"\nagency = {{ vi = \"Sở\", en = \"Department\" }}\nreceipt_form = \"01BLP0-001\"\nreceipt_serial = \"HN-26E\"\n{secret}\n{extra}"
            )
        };
        let with_file = format!("bank_secret_file = \"{}\"", good.display());
        let path = Path::new("portal.toml");
        let config = SettingsFile::parse(&fees("", &with_file), path)
            .expect("parses")
            .into_config(Some("/srv/x".into()))
            .expect("config");
        let settings = config.fees.expect("fees");
        assert_eq!(settings.payment_days, DEFAULT_PAYMENT_DAYS);
        assert!(
            !format!("{settings:?}").contains("kkkk"),
            "the secret is never printed"
        );
        // Without [fees]: none, and a practice portal gets its practice bank.
        let none = SettingsFile::parse("", path)
            .expect("parses")
            .into_config(Some("/srv/x".into()))
            .expect("config");
        assert!(none.fees.is_none() && none.is_practice());

        for (text, names) in [
            (
                fees("", &format!("bank_secret_file = \"{}\"", short.display())),
                "at least 32",
            ),
            (
                fees("", "bank_secret = \"bi-mat\""),
                "never written in the settings file",
            ),
            (
                fees("", ""),
                "exactly one of bank_secret_file and bank_secret_env",
            ),
            (
                fees(&with_file.replace("file = ", "env = "), &with_file),
                "exactly one of",
            ),
            (
                fees("", "bank_secret_env = \"HOSO_TEST_SECRET_NEVER_SET\""),
                "HOSO_TEST_SECRET_NEVER_SET is not set",
            ),
            (
                fees("", "bank_secret_file = \"/nonexistent/bank-secret\""),
                "fees.bank_secret_file /nonexistent/bank-secret",
            ),
            (fees("payment_days = 0", &with_file), "fees.payment_days"),
            (fees("payment_days = 61", &with_file), "fees.payment_days"),
            (
                fees(&with_file, "")
                    .replace("receipt_serial = \"HN-26E\"", "receipt_serial = \"HN 26E\""),
                "fees.receipt_serial",
            ),
            (
                fees("", &with_file).replace("\"970415\"", "\"97041\""),
                "BIN",
            ),
            (
                fees("", &with_file).replace("payee_name = \"SO KHCN\"", "payee_name = \" \""),
                "fees.payee_name",
            ),
            (fees("bank = \"VCB\"", &with_file), "bank"),
        ] {
            let err = SettingsFile::parse(&text, path).expect_err(names);
            let said = err.to_string();
            assert!(
                said.contains(names) && said.contains("portal.toml"),
                "{names}: {said}"
            );
            assert!(!said.contains("kkkk"), "{said}");
        }
    }

    #[test]
    fn misspelt_mistyped_and_out_of_range_entries_are_refused_by_name() {
        let path = Path::new("portal.toml");
        let err = SettingsFile::parse("max_upload_mb = 10", path).expect_err("unknown key");
        let text = err.to_string();
        assert!(
            text.contains("max_upload_mb") && text.contains("portal.toml"),
            "{text}"
        );
        let err = SettingsFile::parse("max_upload_mib = \"ten\"", path).expect_err("type");
        assert!(err.to_string().contains("max_upload_mib"), "{err}");
        let err = SettingsFile::parse("max_upload_mib = 0", path).expect_err("zero");
        assert!(err.to_string().contains("max_upload_mib"), "{err}");
        let err = SettingsFile::parse("agency_code = \"so khcn\"", path).expect_err("code");
        assert!(err.to_string().contains("agency_code"), "{err}");
        let err = SettingsFile::parse("listen = \"localhost\"", path).expect_err("addr");
        assert!(err.to_string().contains("listen"), "{err}");
        let err = SettingsFile::parse("[quotas]\nunfinished_gib = 1", path).expect_err("unknown");
        assert!(err.to_string().contains("unfinished_gib"), "{err}");
        let err = SettingsFile::parse("[timeouts]\nheader_read_secs = 0", path).expect_err("zero");
        assert!(
            err.to_string().contains("timeouts.header_read_secs"),
            "{err}"
        );
    }
}
