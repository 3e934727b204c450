//! HoSo's interface: a Leptos app rendered in the desktop window. It reads
//! and writes nothing itself; every action is a command of the shell
//! (`hoso-ipc`), and every rule it shows is hoso-core's, run right here.

mod app;
mod attachments;
mod bilingual;
mod editor;
mod field;
mod ipc;
mod receipt;
mod text;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
