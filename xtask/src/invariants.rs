//! Architecture rules that a build alone would not catch, checked on every
//! test run: which crates may depend on what (see ARCHITECTURE.md).

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
    if !broken.is_empty() {
        bail!("architecture rules broken:\n  {}", broken.join("\n  "));
    }
    println!("architecture rules hold for {} crates", RULES.len());
    Ok(())
}
