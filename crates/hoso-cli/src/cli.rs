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
    /// Portals: add one by its address (its key is pinned), sign in, list.
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
    /// Fees: what a dossier owes and how to pay it, and its fee receipt.
    #[command(subcommand)]
    Fee(FeeCmd),
    /// Results delivered electronically: download a dossier's result.
    #[command(subcommand)]
    Result(ResultCmd),
    /// Dossier packages (`.hoso`).
    #[command(subcommand)]
    Package(PackageCmd),
    /// Viet Nam's working-day calendar.
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// File a folder of packages or a CSV of dossiers, a few at a time,
    /// going on past failures; a summary at the end.
    #[command(after_help = BATCH_CSV)]
    Batch {
        /// A folder of `.hoso` packages, or a CSV file (format below).
        source: PathBuf,
        /// How many dossiers at once.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
        /// The portal (id or address) for new dossiers.
        #[command(flatten)]
        portal: PortalChoice,
    },
}

/// The CSV format of `hoso batch`, told beneath its options.
const BATCH_CSV: &str = "\
The CSV file: UTF-8, comma-separated, quoted as in RFC 4180 (a cell
may hold commas, quotes doubled, line breaks). The first line names the
columns; then one dossier per line:

  procedure    the procedure's code (`hoso procedures list`),
               e.g. kiem-tra-cl-nhap-khau
  field:PATH   one field's value; PATH as `hoso procedures show CODE`
               lists it, e.g. field:importer.name. A table's rows are
               JSON: [{\"name\": \"Máy biến áp\", \"quantity\": \"2\"}, ...]
  doc:SLOT     a document for the slot shown in [brackets] by `procedures
               show`: a file path, relative to the CSV file's folder.
               Repeat the column for more files in one slot.
  key          optional: your own reference for the dossier (a contract
               or shipment number), one per dossier.

An empty cell gives no value. Any other column refuses the whole file
(exit 3), so a misspelt column is never silently left out.

Run the same CSV again and HoSo finds the dossiers it made for its rows,
files only what is not filed yet and makes no second draft. A row is
known by its `key` when it has one, else by what it says (every non-empty
cell, column order aside). HoSo keeps that key with the row's dossier:
  - a row filed before is counted \"already filed\"; nothing is sent;
  - a row refused or cut off before is filed now: a sending cut off
    resumes; with a key, a corrected row updates its draft (without
    one, a corrected row is a new row);
  - a row whose dossier was filed with other content (a replaced file,
    a changed value under the same key) is not filed; its problems name
    what differs. Give it a new key to file it as a new dossier.
A row with problems makes no dossier. Every problem is named with its
field path (importer.tax_code, goods.items[0].quantity,
documents.contract) and what to do, in the text and in --json.

The summary counts what was filed now, what was already filed and what
was not filed; exit 8 when any row was not filed.

Example (files beside it): assets/samples/batch-kiem-tra-cl.csv
  hoso batch assets/samples/batch-kiem-tra-cl.csv --parallel 4";

/// Which portal a command acts on.
#[derive(Debug, Args, Clone, Default)]
pub struct PortalChoice {
    /// Portal id or address (default: the only one, or the first added).
    #[arg(long)]
    pub portal: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PortalsCmd {
    /// Adds a portal by its address; its receipt key is pinned now. A token
    /// given is tried on the portal first: a refused one adds nothing.
    Add {
        /// The portal's address.
        url: String,
        /// An applicant access token (else sign in later with `sign-in`).
        #[arg(long, env = "HOSO_TOKEN")]
        token: Option<String>,
    },
    /// Signs in to a portal (added without a token, or whose token
    /// changed): the token is tried on the portal before it is kept.
    SignIn {
        /// Portal id or address, as `hoso portals list` shows it.
        portal: String,
        /// An applicant access token; else read from standard input (asked
        /// for on a terminal, where what is typed is not shown).
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
    /// Shows one procedure's fields (kind, required, limits, choices, a
    /// table's columns) and documents (types, size, count).
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
    /// Sets field values from a JSON file and/or `--field PATH=VALUE`; says
    /// when a value looks typed in TCVN3 or VNI, without changing it.
    Set {
        /// Dossier id.
        id: i64,
        /// A JSON object of field paths to values (text in quotes, or a
        /// table's rows), or a whole dossier as in `assets/samples/` or
        /// `dossiers show --json` (its fields are taken; its documents are
        /// attached with `attach`).
        #[arg(long)]
        file: Option<PathBuf>,
        /// One field: `path=value` (repeatable); a table's rows as JSON.
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
    /// A new draft with a dossier's content and documents, written for the
    /// procedure version in force now; prints its id. A sent dossier cannot
    /// change: duplicate it to file again.
    Duplicate {
        /// Dossier id (any state).
        id: i64,
    },
    /// Withdraws a filed dossier, with a reason: the portal allows it only
    /// before the agency begins to examine it, and refunds a fee paid.
    Withdraw {
        /// Dossier id.
        id: i64,
        /// Why it is withdrawn (kept in the dossier's history).
        #[arg(long)]
        reason: String,
    },
    /// Rates your satisfaction with a completed dossier, from 1 (very
    /// dissatisfied) to 5 (very satisfied); rating again replaces the
    /// earlier rating. `hoso status ID` shows it.
    Rate {
        /// Dossier id.
        id: i64,
        /// 1 rất không hài lòng / very dissatisfied, 2 không hài lòng /
        /// dissatisfied, 3 bình thường / neither, 4 hài lòng / satisfied,
        /// 5 rất hài lòng / very satisfied.
        rating: u8,
        /// What you add (at most 1,000 characters).
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Checks a dossier against its procedure's rules, offline; also says
    /// which values look typed in TCVN3 or VNI.
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
pub enum FeeCmd {
    /// A dossier's fee. For a draft, the fee computed from its procedure
    /// and values before filing (line by line, the total, an exemption);
    /// for a filed dossier, the portal's payment request (amount, paid,
    /// still due, state, deadline, payee, purpose) and its VietQR code to
    /// scan with a banking app (`vietqr` in `--json`). Asks the portal
    /// first; what was kept answers when it cannot be reached.
    Show {
        /// Dossier id.
        id: i64,
    },
    /// A filed dossier's fee receipt (biên lai thu phí, lệ phí), verified
    /// against the portal's keys, in Vietnamese unless `--lang en` or an
    /// English locale; with `--json`, exactly as signed. Exit 6 when there
    /// is none (not filed, no fee, not paid yet), 5 when it does not
    /// verify.
    Receipt {
        /// Dossier id.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResultCmd {
    /// Downloads a dossier's result documents into the library, resuming
    /// an earlier attempt, and keeps them only when each matches the
    /// portal's signed result notice (name, size, SHA-256); then tells the
    /// portal they were received, and the dossier is completed. Exit 6
    /// while there is no result, 5 when it does not verify.
    Download {
        /// Dossier id.
        id: i64,
        /// Also copy the documents into this folder.
        #[arg(long)]
        to: Option<PathBuf>,
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
    /// The weekdays offices are closed in a year, each with its holiday,
    /// and weekend make-up days.
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
