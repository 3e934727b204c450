//! Uploading attachments over tus 1.0, resumable across failures and restarts.

pub mod client;
pub mod retry;

pub use client::upload;
