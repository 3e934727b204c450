//! End-to-end tests: the built desktop app (`target/<profile>/hoso-desktop`)
//! in a real WebKitGTK window under Xvfb, driven like a person would through
//! tauri-driver and WebKitWebDriver. `cargo xtask test` builds the app and
//! installs the drivers before running these.

mod big_import;
mod crash;
mod harness;
mod keyboard;
mod sending;
mod tracking;
mod walking_skeleton;
mod workspace;
