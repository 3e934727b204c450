//! `cargo xtask cluster [--replicas N] [--debug]`: the portal as an agency
//! deploys it, on this machine: PostgreSQL, Garage (S3), N replicas of the
//! release `hoso-portal` and nginx in front (`hoso-cluster`), with an
//! applicant and an officer token printed, until Ctrl-C.

use crate::{cargo, exec};
use anyhow::{Context, bail};
use nix::sys::signal::{SigSet, Signal};
use std::path::{Path, PathBuf};

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let mut replicas = 3usize;
    let mut release = true;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--replicas" => {
                replicas = rest
                    .next()
                    .context("--replicas needs a number")?
                    .parse()
                    .context("--replicas takes a whole number")?;
            }
            "--debug" => release = false,
            other => bail!("unknown argument {other:?}: cluster [--replicas N] [--debug]"),
        }
    }
    if replicas == 0 {
        bail!("--replicas must be at least 1");
    }
    // Ctrl-C, SIGTERM and a closed terminal are waited for, not handled:
    // blocked here, before any child starts (children start with an
    // empty mask), so that this process stays to stop the cluster.
    let stop = SigSet::from_iter([Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP]);
    stop.thread_block().context("blocking the stop signals")?;

    let bin = build_portal(root, release)?;
    println!("starting PostgreSQL, Garage, {replicas} replicas and nginx…");
    let mut options = hoso_cluster::Options::new(&bin);
    options.replicas = replicas;
    options.log_filter = "info".into();
    let cluster = hoso_cluster::Cluster::start(options)?;
    let applicant = cluster.add_applicant("cty-cum-thu", "Công ty Cụm Thử")?;
    let officer = cluster.add_officer("can-bo-cum-thu", "Cán bộ Cụm Thử")?;
    let url = cluster.url();
    let folder = cluster.folder().display().to_string();
    println!(
        "\nThe portal is ready in {:.1} s, behind nginx: {url}\n",
        cluster.started_in().as_secs_f64()
    );
    for i in 0..cluster.replica_count() {
        println!(
            "  replica {i}: {}   settings {}",
            cluster.replica_url(i),
            cluster.replica_settings(i).display()
        );
    }
    let s3 = cluster.s3();
    println!(
        "  records:   {}\n  uploads:   {} bucket {} (key {})\n  folder:    {folder}\n  logs:      {folder}/nginx/access.log, {folder}/replica-N/portal.log, {folder}/postgres/postgres.log, {folder}/garage/garage.log",
        cluster.database_url(),
        s3.endpoint,
        s3.bucket,
        s3.access_key_id,
    );
    println!(
        "\nApplicant token (cty-cum-thu): {applicant}\nOfficer token (can-bo-cum-thu): {officer}\n"
    );
    println!(
        "File there with the app:\n  HOSO_PORTAL_URL={url} HOSO_PORTAL_TOKEN={applicant} cargo xtask run\n"
    );
    println!(
        "or with the command line:\n  cargo run -p hoso-cli -- portals add {url} --token {applicant}\n  (then `hoso dossiers …`, `hoso batch FILE.csv`; `--help` lists them)\n"
    );
    println!(
        "More accounts: {} add-applicant --config {} --account … --name …",
        bin.display(),
        cluster.replica_settings(0).display()
    );
    println!("\nCtrl-C stops everything and removes the folder.");
    let signal = stop.wait().context("waiting for Ctrl-C")?;
    println!("\n{signal}: stopping nginx, the replicas, Garage and PostgreSQL…");
    drop(cluster);
    println!("stopped; {folder} removed");
    Ok(())
}

/// Builds `hoso-portal` (release unless `release` is false); its path.
fn build_portal(root: &Path, release: bool) -> anyhow::Result<PathBuf> {
    let mut build = cargo();
    build.args(["build", "-p", "hoso-portal", "--bin", "hoso-portal"]);
    if release {
        build.arg("--release");
    }
    exec(&mut build)?;
    let target = target_dir(root)?;
    let bin = target
        .join(if release { "release" } else { "debug" })
        .join("hoso-portal");
    if !bin.is_file() {
        bail!("{} was not built", bin.display());
    }
    Ok(bin)
}

/// The workspace's target folder, as cargo resolves it.
pub fn target_dir(root: &Path) -> anyhow::Result<PathBuf> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("cargo metadata is not JSON")?;
    meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata names no target directory")
}
