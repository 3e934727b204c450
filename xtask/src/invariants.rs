//! Architecture rules that a build alone would not catch, checked on every
//! test run: which crates may depend on what, and what the portal's code
//! must never do with its threads (see ARCHITECTURE.md).

use anyhow::bail;
use std::collections::BTreeSet;

/// (crate, dependencies it must never have, directly or not).
const RULES: &[(&str, &[&str])] = &[
    (
        "hoso-core",
        &[
            "tokio",
            "reqwest",
            "rusqlite",
            "tauri",
            "leptos",
            "axum",
            "hoso-client",
        ],
    ),
    (
        "hoso-tus",
        &["tokio", "reqwest", "hyper", "axum", "rusqlite"],
    ),
    (
        "hoso-ipc",
        &[
            "tokio",
            "reqwest",
            "rusqlite",
            "tauri",
            "leptos",
            "hoso-client",
        ],
    ),
    (
        "hoso-package",
        &[
            "tokio",
            "reqwest",
            "rusqlite",
            "tauri",
            "leptos",
            "axum",
            "hoso-client",
        ],
    ),
    ("hoso-client", &["tauri", "leptos", "axum", "hoso-portal"]),
    ("hoso-cli", &["tauri", "leptos"]),
    (
        "hoso-portal",
        &["tauri", "leptos", "reqwest", "hoso-client"],
    ),
    (
        "hoso-ui",
        &[
            "tokio",
            "reqwest",
            "rusqlite",
            "tauri",
            "hoso-client",
            "hoso-portal",
        ],
    ),
];

pub fn check() -> anyhow::Result<()> {
    let mut broken = Vec::new();
    for (krate, forbidden) in RULES {
        let out = crate::cargo()
            .args([
                "tree", "-p", krate, "-e", "normal", "--prefix", "none", "--format", "{p}",
            ])
            .output()?;
        if !out.status.success() {
            bail!(
                "cargo tree -p {krate} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let deps: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect();
        for f in *forbidden {
            if deps.contains(*f) {
                broken.push(format!("{krate} depends on {f}"));
            }
        }
    }
    broken.extend(source_rules()?);
    if !broken.is_empty() {
        bail!("architecture rules broken:\n  {}", broken.join("\n  "));
    }
    println!(
        "architecture rules hold for {} crates and {} source rules",
        RULES.len(),
        SOURCE_RULES.len()
    );
    Ok(())
}

/// (folder, text its Rust files must not contain, the one file allowed it,
/// why). The portal's threads: a job on the blocking pool that waits for a
/// future or a channel holds its thread while it waits, and 64 such jobs
/// froze the portal; database work has threads of its own.
const SOURCE_RULES: &[(&str, &str, Option<&str>, &str)] = &[
    (
        "crates/hoso-portal/src",
        "block_on(",
        Some("main.rs"),
        "waits for a future on a thread of the blocking pool (only main starts the runtime)",
    ),
    (
        "crates/hoso-portal/src",
        "blocking_recv(",
        None,
        "holds a blocking-pool thread while it waits for the network",
    ),
    (
        "crates/hoso-portal/src",
        "blocking_send(",
        None,
        "holds a blocking-pool thread while it waits for the network",
    ),
    (
        "crates/hoso-portal/src",
        "Handle::current()",
        None,
        "carries the runtime into blocking work, where it would wait on it",
    ),
];

fn source_rules() -> anyhow::Result<Vec<String>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or_else(|| anyhow::anyhow!("xtask has no parent folder"))?;
    let mut broken = Vec::new();
    for (folder, text, allowed, why) in SOURCE_RULES {
        for file in rust_files(&root.join(folder))? {
            if allowed.is_some_and(|a| file.ends_with(a)) {
                continue;
            }
            let source = std::fs::read_to_string(&file)?;
            for (n, line) in source.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                if code.contains(text) {
                    broken.push(format!(
                        "{}:{}: `{text}` {why}",
                        file.strip_prefix(root).unwrap_or(&file).display(),
                        n + 1
                    ));
                }
            }
        }
    }
    Ok(broken)
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &std::path::Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(out)
}
