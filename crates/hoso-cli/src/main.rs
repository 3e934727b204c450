//! `hoso`: what the desktop app does, from a terminal or a script.
//!
//! Every command works on one profile (`--profile DIR` or `HOSO_PROFILE`),
//! the same folder the app uses, so a script and the window can share it.
//! Listings print a table, or JSON with `--json`; messages follow the
//! locale (`LANG=vi…` in Vietnamese, otherwise English) unless `--lang`
//! says. Exit codes are stable (see [`exit`]).

mod batch;
mod calendar;
mod cli;
mod exit;
mod legacy;
mod procedure_text;
mod receipt_form;
mod run;
mod values;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let lang = exit::Lang::choose(args.lang.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hoso: {e}");
            return exit::Code::Failure.into();
        }
    };
    match runtime.block_on(run::run(args)) {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("hoso: {}", e.text(lang));
            e.code().into()
        }
    }
}
