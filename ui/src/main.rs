//! HoSo's interface: a Leptos app rendered in the desktop window. It reads
//! and writes nothing itself; every action is a command of the shell
//! (`hoso-ipc`), and every rule it shows is hoso-core's, run right here.

mod app;
mod attachments;
mod autosave;
mod date;
mod date_input;
mod dossier;
mod editor;
mod fee_receipt;
mod fees;
mod field;
mod ipc;
mod lang;
mod list;
mod portals;
mod rating;
mod receipt;
mod results;
mod sending;
mod summary;
mod table;
mod text;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = "export function show_fatal(m) {
  const p = document.createElement('pre');
  p.id = 'fatal';
  p.textContent = m;
  document.body.appendChild(p);
  console.error(m);
}")]
extern "C" {
    fn show_fatal(message: &str);
}

fn main() {
    // A fault in the interface is shown in the window, not lost in a
    // console nobody opens: the person sees what to report.
    std::panic::set_hook(Box::new(|info| {
        show_fatal(&format!(
            "Lỗi giao diện — hãy gửi nội dung này cho người hỗ trợ.\nInterface fault — please send this text to support.\n\n{info}"
        ));
    }));
    leptos::mount::mount_to_body(app::App);
}
