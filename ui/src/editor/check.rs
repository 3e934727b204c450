//! "Kiểm tra hồ sơ": every problem hoso-core finds in the dossier and
//! those the portal answered with, each linking to its field, or the
//! word that the dossier is ready.

use crate::lang::{msg, t};
use hoso_core::Problem;
use hoso_ipc::IpcError;
use leptos::prelude::*;

/// Shown once `show_all` is set (Check or Submit pressed); `remote` is the
/// portal's refusal, when that is what the last Submit met.
#[component]
pub fn CheckView(
    problems: Memo<Vec<Problem>>,
    remote: Signal<Option<IpcError>>,
    show_all: RwSignal<bool>,
) -> impl IntoView {
    move || {
        if !show_all.get() {
            return None;
        }
        let local = problems.get();
        let remote = remote.get();
        if local.is_empty() && remote.is_none() {
            return Some(
                view! {
                    <section class="card check ok" id="check" role="status">
                        <h2>{t(|x| x.check_title)}</h2>
                        <p>{t(|x| x.check_ok)}</p>
                    </section>
                }
                .into_any(),
            );
        }
        let list = local
            .iter()
            .chain(remote.iter().flat_map(|e| e.problems.iter()))
            .map(|p| {
                let href = format!("#{}", p.path);
                view! {
                    <li>
                        {msg(&p.message)}
                        {(!p.path.is_empty()).then(|| view! { " " <a href=href>{t(|x| x.go_to_field)}</a> })}
                    </li>
                }
            })
            .collect::<Vec<_>>();
        Some(
            view! {
                <section class="card check" id="check" role="alert">
                    <h2>{t(|x| x.check_title)}</h2>
                    {remote.as_ref().map(|e| view! { <p class="failure">{msg(&e.message)}</p> })}
                    {(!local.is_empty()).then(|| view! { <p>{t(|x| x.check_intro)}</p> })}
                    <ul>{list}</ul>
                </section>
            }
            .into_any(),
        )
    }
}
