//! A network namespace of its own for a test or benchmark: its loopback
//! can be rate-limited (`tc … tbf`) and made to lose a share of its TCP
//! packets (nftables `numgen random`), touching nothing outside it. Needs
//! root, `ip`, `tc` and `nft` (`cargo xtask setup` installs nftables).
//! Real packet loss, unlike the proxy's faults: the kernel's TCP sees the
//! gaps and retransmits, as on a lossy radio link.

use std::path::Path;
use std::process::Command;

/// A namespace named `PREFIX-PID`, deleted when dropped.
#[derive(Debug)]
pub struct Namespace {
    name: String,
}

/// Whether this process runs as root (namespaces need it).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program} {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Namespace {
    /// Creates `PREFIX-PID` with its loopback up (after removing those an
    /// earlier, killed run with the same prefix left behind).
    pub fn create(prefix: &str) -> Result<Self, String> {
        remove_stale(prefix);
        let ns = Self {
            name: format!("{prefix}-{}", std::process::id()),
        };
        run("ip", &["netns", "add", &ns.name])?;
        ns.exec("ip", &["link", "set", "lo", "up"])?;
        // tbf drops packets larger than its burst: keep frames at 1500 bytes.
        ns.exec("ip", &["link", "set", "lo", "mtu", "1500"])?;
        Ok(ns)
    }

    /// Its name, for `ip netns exec NAME …`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `program args…` inside; its standard output.
    pub fn exec(&self, program: &str, args: &[&str]) -> Result<String, String> {
        let mut all = vec!["netns", "exec", &self.name, program];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// A command that runs `program` inside the namespace.
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name]).arg(program);
        cmd
    }

    /// Limits the loopback to `mbit` Mbit/s.
    pub fn shape(&self, mbit: u64) -> Result<(), String> {
        let rate = format!("{mbit}mbit");
        self.exec(
            "tc",
            &[
                "qdisc", "add", "dev", "lo", "root", "tbf", "rate", &rate, "burst", "256kb",
                "latency", "200ms",
            ],
        )
        .map(drop)
    }

    /// Drops `percent` % of the TCP packets (data and acknowledgements)
    /// crossing the loopback, at random, and counts them.
    pub fn lose(&self, percent: u32) -> Result<(), String> {
        apply_loss(percent, |program, args| self.exec(program, args))
    }

    /// Packets dropped by [`Self::lose`] so far.
    pub fn dropped(&self) -> Result<u64, String> {
        count_dropped(&self.exec("nft", &["list", "table", "inet", LOSS_TABLE])?)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.name])
            .status();
    }
}

/// [`Namespace::lose`] for the namespace this process already runs in
/// (a benchmark started inside one with `ip netns exec`).
pub fn lose_here(percent: u32) -> Result<(), String> {
    apply_loss(percent, run)
}

/// Packets dropped by [`lose_here`] so far.
pub fn dropped_here() -> Result<u64, String> {
    count_dropped(&run("nft", &["list", "table", "inet", LOSS_TABLE])?)
}

const LOSS_TABLE: &str = "hoso_loss";

fn apply_loss(
    percent: u32,
    run: impl Fn(&str, &[&str]) -> Result<String, String>,
) -> Result<(), String> {
    // Loopback hands whole 64 KiB GSO batches to the filter; one segment
    // per packet makes the loss per packet, as on a wire.
    run(
        "ip",
        &[
            "link",
            "set",
            "lo",
            "gso_max_size",
            "1500",
            "gso_max_segs",
            "1",
        ],
    )?;
    run("nft", &["add", "table", "inet", LOSS_TABLE])?;
    run(
        "nft",
        &[
            "add",
            "chain",
            "inet",
            LOSS_TABLE,
            "out",
            "{ type filter hook output priority 0; }",
        ],
    )?;
    let below = percent.to_string();
    run(
        "nft",
        &[
            "add", "rule", "inet", LOSS_TABLE, "out", "meta", "l4proto", "tcp", "numgen", "random",
            "mod", "100", "<", &below, "counter", "drop",
        ],
    )
    .map(drop)
}

fn count_dropped(listed: &str) -> Result<u64, String> {
    listed
        .split_whitespace()
        .skip_while(|w| *w != "packets")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no packet counter in: {listed}"))
}

/// Deletes `PREFIX-PID` namespaces whose process is gone.
fn remove_stale(prefix: &str) {
    let listed = run("ip", &["netns", "list"]).unwrap_or_default();
    let start = format!("{prefix}-");
    for name in listed.lines().filter_map(|l| l.split_whitespace().next()) {
        let Some(pid) = name.strip_prefix(&start) else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = run("ip", &["netns", "delete", name]);
        }
    }
}
