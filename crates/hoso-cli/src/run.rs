//! Each command: a few calls into hoso-client, then text or JSON. This
//! module opens the profile, finds the portal asked for and hands each
//! command group to its own module.

mod dossiers;
mod fee;
mod package;
mod portals;
mod procedures;
mod receipt;
mod result;
mod status;
mod submit;

pub use submit::filed_json;

use crate::cli::{Cli, Command, PortalChoice};
use crate::exit::{Code, Failure, Lang};
use hoso_client::progress::ProgressSink;
use hoso_client::{Client, PortalRecord};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub json: bool,
    pub lang: Lang,
}

impl Out {
    /// Prints `value` as JSON, or `text()` for people.
    pub fn print(&self, value: serde_json::Value, text: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string())
            );
        } else {
            println!("{}", text());
        }
    }

    /// `b` in the person's language.
    pub fn say<'a>(&self, b: &'a hoso_core::Bilingual) -> &'a str {
        self.lang.pick(b)
    }

    /// A short text in the person's language.
    pub fn t(&self, vi: &str, en: &str) -> String {
        match self.lang {
            Lang::Vi => vi.to_owned(),
            Lang::En => en.to_owned(),
        }
    }
}

/// The app's identifier, which names its data folder.
const APP_ID: &str = "vn.hoso.desktop";

/// The default profile: the desktop app's, found as Tauri finds it (the
/// system's data folder: `$XDG_DATA_HOME` or `~/.local/share` on Linux,
/// `%APPDATA%` on Windows, `~/Library/Application Support` on macOS),
/// so the command line and the app share one profile. Reading `HOME` by
/// hand made it the current folder on Windows, where `HOME` is unset.
fn default_profile() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_ID)
        .join("profile")
}

/// Progress bars of the sendings under way, by dossier id.
#[derive(Debug, Default, Clone)]
pub struct Bars {
    multi: indicatif::MultiProgress,
    bars: Arc<Mutex<HashMap<i64, indicatif::ProgressBar>>>,
}

impl Bars {
    fn update(&self, p: &hoso_core::progress::SendProgress, lang: Lang) {
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        let bar = bars.entry(p.dossier).or_insert_with(|| {
            let bar = self.multi.add(indicatif::ProgressBar::new(p.total.max(1)));
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{prefix:>6} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
            ) {
                bar.set_style(style);
            }
            bar.set_prefix(format!("#{}", p.dossier));
            bar
        });
        bar.set_length(p.total.max(1));
        bar.set_position(p.confirmed);
        bar.set_message(lang.pick(&p.headline()).to_owned());
        if p.phase == hoso_core::progress::SendPhase::Done {
            bar.finish();
        }
    }
}

/// Opens the profile, with progress bars when people watch.
pub async fn open(args: &Cli, out: Out) -> Result<(Client, Bars), Failure> {
    let dir = args.profile.clone().unwrap_or_else(default_profile);
    let mut client = Client::open(&dir).await?;
    let bars = Bars::default();
    if out.json {
        bars.multi
            .set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let shown = bars.clone();
    client.set_progress_sink(ProgressSink::new(move |p| shown.update(&p, out.lang)));
    Ok((client, bars))
}

/// The portal `choice` names, or the default one.
pub async fn portal(client: &Client, choice: &PortalChoice) -> Result<PortalRecord, Failure> {
    let all = client.portals().await?;
    let found = match choice.portal.as_deref() {
        Some(wanted) => all.into_iter().find(|p| {
            wanted.parse::<i64>().ok() == Some(p.id)
                || p.base_url.trim_end_matches('/') == wanted.trim_end_matches('/')
        }),
        None => {
            let (practice, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|p| p.practice);
            others.into_iter().next().or(practice.into_iter().next())
        }
    };
    found.ok_or_else(|| match choice.portal.as_deref() {
        // An address: the command to add it, with it.
        Some(url) if url.contains("://") => Failure::new(
            Code::NotFound,
            format!("Chưa có cổng {url} trong hồ sơ người dùng; hãy chạy `hoso portals add {url}`."),
            format!("Portal {url} is not in this profile; run `hoso portals add {url}`."),
        ),
        _ => Failure::new(
            Code::NotFound,
            "Chưa có cổng này trong hồ sơ người dùng; hãy chạy `hoso portals add ĐỊA_CHỈ` (xem `hoso portals list`).",
            "No such portal in this profile; run `hoso portals add ADDRESS` (see `hoso portals list`).",
        ),
    })
}

/// Runs the command; its exit code.
pub async fn run(args: Cli) -> Result<Code, Failure> {
    let out = Out {
        json: args.json,
        lang: Lang::choose(args.lang.as_deref()),
    };
    if let Command::Calendar(c) = &args.command {
        return crate::calendar::run(c, out);
    }
    let (client, bars) = open(&args, out).await?;
    match args.command {
        Command::Portals(c) => portals::run(&client, c, out).await,
        Command::Procedures(c) => procedures::run(&client, c, out).await,
        Command::Dossiers(c) => dossiers::run(&client, c, out).await,
        Command::Submit { ids } => submit::run(&client, &ids, out, &bars).await,
        Command::Status { id, sync } => status::run(&client, id, sync, out).await,
        Command::Receipt(c) => {
            // The form's own language is Vietnamese: English only when asked.
            let form = Lang::choose_or(args.lang.as_deref(), Lang::Vi);
            receipt::run(&client, c, out, form).await
        }
        Command::Fee(c) => {
            // A receipt's own language is Vietnamese, as for the filing
            // receipt: English only when asked.
            let form = Lang::choose_or(args.lang.as_deref(), Lang::Vi);
            fee::run(&client, c, out, form).await
        }
        Command::Result(c) => result::run(&client, c, out).await,
        Command::Package(c) => package::run(&client, c, out).await,
        Command::Batch {
            source,
            parallel,
            portal: choice,
        } => {
            let target = portal(&client, &choice).await?;
            crate::batch::run(&client, &target, &source, parallel, out).await
        }
        Command::Calendar(_) => Ok(Code::Ok),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_profile_is_the_apps_in_the_systems_data_folder() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../../src-tauri/tauri.conf.json"))
                .expect("tauri.conf.json");
        assert_eq!(
            conf["identifier"], APP_ID,
            "the app's data folder is named for it"
        );
        let profile = default_profile();
        assert!(profile.ends_with(format!("{APP_ID}/profile")));
        if let Some(data) = dirs::data_dir() {
            assert!(profile.starts_with(data), "{}", profile.display());
        }
        assert!(profile.is_absolute(), "never the current folder");
    }
}
