//! The command line's shape.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// HoSo from the command line: prepare, check, file and follow
/// administrative dossiers.
#[derive(Debug, Parser)]
#[command(name = "hoso", version, about)]
pub struct Cli {
    /// The profile folder (the app's data); also `HOSO_PROFILE`.
    #[arg(long, global = true, env = "HOSO_PROFILE")]
    pub profile: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Language of messages: vi or en (default: from the locale).
    #[arg(long, global = true)]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Portals: add one by its address (its key is pinned), list them.
    #[command(subcommand)]
    Portals(PortalsCmd),
    /// Procedures a portal receives.
    #[command(subcommand)]
    Procedures(ProceduresCmd),
    /// Dossiers on this computer.
    #[command(subcommand)]
    Dossiers(DossiersCmd),
    /// File dossiers, exactly once, resuming what was cut off.
    Submit {
        /// Local dossier ids.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Where filed dossiers stand (after syncing with `--sync`).
    Status {
        /// One dossier (all when omitted).
        id: Option<i64>,
        /// Ask every portal for changes first.
        #[arg(long)]
        sync: bool,
    },
    /// Receipts: show one, verify a receipt file offline.
    #[command(subcommand)]
    Receipt(ReceiptCmd),
    /// Dossier packages (`.hoso`).
    #[command(subcommand)]
    Package(PackageCmd),
    /// Viet Nam's working-day calendar.
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// File a folder of packages or a CSV of dossiers, a few at a time,
    /// going on past failures; a summary at the end.
    Batch {
        /// A folder of `.hoso` packages, or a CSV file.
        source: PathBuf,
        /// How many dossiers at once.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
        /// The portal (id or address) for new dossiers.
        #[command(flatten)]
        portal: PortalChoice,
    },
}

/// Which portal a command acts on.
#[derive(Debug, Args, Clone, Default)]
pub struct PortalChoice {
    /// Portal id or address (default: the only one, or the first added).
    #[arg(long)]
    pub portal: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PortalsCmd {
    /// Adds a portal by its address; its receipt key is pinned now.
    Add {
        /// The portal's address.
        url: String,
        /// An applicant access token.
        #[arg(long, env = "HOSO_TOKEN")]
        token: Option<String>,
    },
    /// Lists the portals with their pinned keys.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ProceduresCmd {
    /// Lists the procedures.
    List {
        #[command(flatten)]
        portal: PortalChoice,
    },
    /// Shows one procedure's fields and documents.
    Show {
        /// Procedure code.
        code: String,
        #[command(flatten)]
        portal: PortalChoice,
    },
}

#[derive(Debug, Subcommand)]
pub enum DossiersCmd {
    /// A new draft of a procedure; prints its id.
    New {
        /// Procedure code.
        procedure: String,
        #[command(flatten)]
        portal: PortalChoice,
    },
    /// Sets field values from a JSON file and/or `--field PATH=VALUE`.
    Set {
        /// Dossier id.
        id: i64,
        /// A JSON object of field paths to values (text, or rows).
        #[arg(long)]
        file: Option<PathBuf>,
        /// One field: `path=value` (repeatable).
        #[arg(long = "field", value_name = "PATH=VALUE")]
        fields: Vec<String>,
    },
    /// Attaches a file to a document slot.
    Attach {
        /// Dossier id.
        id: i64,
        /// Slot id (see `procedures show`).
        slot: String,
        /// The file.
        file: PathBuf,
    },
    /// Checks a dossier against its procedure's rules, offline.
    Check {
        /// Dossier id.
        id: i64,
    },
    /// Lists dossiers.
    List {
        /// Words to find (accents optional).
        #[arg(long, default_value = "")]
        search: String,
    },
    /// Shows one dossier.
    Show {
        /// Dossier id.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReceiptCmd {
    /// Shows a filed dossier's receipt laid out like the official form
    /// (Form 01, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"), in Vietnamese
    /// unless `--lang en` or an English locale; with `--json`, exactly as
    /// signed: save it to a file to verify later.
    Show {
        /// Dossier id.
        id: i64,
    },
    /// Verifies a receipt file offline against a portal's key; exit 5 when
    /// it does not verify or is not a receipt at all.
    Verify {
        /// The receipt (JSON as `receipt show --json` prints it).
        file: PathBuf,
        /// The portal key, base64 (else the key pinned for `--portal`).
        #[arg(long)]
        key: Option<String>,
        #[command(flatten)]
        portal: PortalChoice,
    },
}

#[derive(Debug, Subcommand)]
pub enum PackageCmd {
    /// Writes a dossier as a `.hoso` package.
    Export {
        /// Dossier id.
        id: i64,
        /// The package file to write.
        file: PathBuf,
    },
    /// Imports a `.hoso` package (every hash checked; never overwrites).
    ///
    /// A filed dossier arrives for the portal whose key signed its receipt;
    /// a draft for the portal it was written for when this profile knows
    /// that portal, else for the portal chosen here.
    Import {
        /// The package file.
        file: PathBuf,
        #[command(flatten)]
        portal: PortalChoice,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// The weekdays offices are closed in a year, and weekend make-up days.
    Holidays {
        /// The year.
        year: i32,
    },
    /// The due date of a dossier received at a time, after N working days.
    Due {
        /// Received at: `YYYY-MM-DDTHH:MM` (Viet Nam time).
        #[arg(long)]
        from: String,
        /// Working days of processing.
        #[arg(long)]
        days: u32,
    },
    /// Working days after A up to and including B.
    Between {
        /// `YYYY-MM-DD`.
        a: String,
        /// `YYYY-MM-DD`.
        b: String,
    },
}
