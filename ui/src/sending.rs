//! While a dossier is being sent: the phase in plain words, one bar for
//! everything with bytes, rate and time left, and one bar per document.

use crate::lang::{Bi, msg, size, t};
use crate::text::{EN, VI};
use hoso_core::bilingual::byte_size;
use hoso_core::progress::{SendPhase, SendProgress};
use leptos::prelude::*;

/// "2 phút 5 giây" / "2 min 5 s".
fn duration(secs: u64, texts: &crate::text::Texts) -> String {
    if secs >= 60 {
        format!(
            "{} {} {} {}",
            secs / 60,
            texts.unit_minutes,
            secs % 60,
            texts.unit_seconds
        )
    } else {
        format!("{secs} {}", texts.unit_seconds)
    }
}

/// The line under the overall bar, in one language.
fn summary(p: &SendProgress, texts: &crate::text::Texts, vi: bool) -> String {
    let size = |b: u64| {
        let s = byte_size(b);
        if vi { s.vi } else { s.en }
    };
    let mut parts = vec![
        format!("{}/{}", size(p.confirmed), size(p.total)),
        format!(
            "{}/{} {}",
            p.files_done(),
            p.files.len(),
            texts.progress_files
        ),
    ];
    if let Some(rate) = p.rate {
        parts.push(format!("{}{}", size(rate as u64), texts.per_second));
    }
    if let Some(eta) = p.eta_secs.filter(|_| p.confirmed < p.total) {
        parts.push(format!("{} {}", texts.progress_left, duration(eta, texts)));
    }
    parts.join(" · ")
}

/// The latest progress of dossier `id`'s sending, if one was reported.
pub fn progress_of(id: i64) -> impl Fn() -> Option<SendProgress> + Copy {
    let progress = expect_context::<crate::ipc::Progress>().0;
    move || progress.with(|m| m.get(&id).cloned())
}

/// Pauses dossier `id`'s sending; the Submit call that started it then
/// ends with "paused".
fn pause(id: i64) {
    leptos::task::spawn_local(async move {
        let args = hoso_ipc::IdArgs { id };
        if let Err(e) = crate::ipc::call::<_, ()>(hoso_ipc::command::PAUSE_SENDING, &args).await {
            leptos::logging::warn!("pause: {}", e.message.en);
        }
    });
}

fn pause_button(id: i64) -> impl IntoView {
    view! {
        <button type="button" class="pause" id=format!("pause-{id}") on:click=move |_| pause(id)>
            {t(|x| x.pause_sending)}
        </button>
    }
}

/// One line for the dossier list: phase, bar and figures of a sending
/// under way (nothing once it is done or before anything is reported).
/// The figures follow the progress; the pause button stays the same
/// element while the sending runs, so a click is never lost to a redraw.
#[component]
pub fn SendingLine(id: i64) -> impl IntoView {
    let mine = progress_of(id);
    let active = move || mine().filter(|p| p.phase != SendPhase::Done);
    view! {
        <Show when=move || active().is_some()>
            <div class="sending-line" data-phase=move || active().map(|p| format!("{:?}", p.phase))>
                {move || active().map(|p| view! {
                    <span class="phase">{msg(&p.headline())}</span>
                    <progress max=p.total.max(1).to_string() value=p.confirmed.to_string()></progress>
                    <span class="summary"><Bi vi=summary(&p, VI, true) en=summary(&p, EN, false)/></span>
                })}
                {pause_button(id)}
            </div>
        </Show>
    }
}

/// Shows the progress of dossier `id`'s sending, once the shell reports
/// it; the pause button, like the list's, is drawn once for the sending.
#[component]
pub fn SendingView(id: i64) -> impl IntoView {
    let mine = progress_of(id);
    let running = move || mine().is_some_and(|p| p.phase != SendPhase::Done);
    view! {
        <section class="sending" id="sending" data-phase=move || mine().map(|p| format!("{:?}", p.phase))>
            {move || {
                let Some(p) = mine() else {
                    return view! { <p class="phase">{t(|x| x.submitting)}</p> }.into_any();
                };
                let files = p
                    .files
                    .iter()
                    .map(|f| {
                        view! {
                            <li>
                                <span class="name">{f.name.clone()}</span>
                                <progress max=f.size.max(1).to_string() value=f.confirmed.to_string()></progress>
                                <span class="bytes">{size(f.confirmed)} " / " {size(f.size)}</span>
                            </li>
                        }
                    })
                    .collect::<Vec<_>>();
                view! {
                    <p class="phase" id="sending-phase">{msg(&p.headline())}</p>
                    <progress id="sending-total" max=p.total.max(1).to_string() value=p.confirmed.to_string()></progress>
                    <p class="summary" id="sending-summary">
                        <Bi vi=summary(&p, VI, true) en=summary(&p, EN, false)/>
                    </p>
                    <ul class="files">{files}</ul>
                }
                .into_any()
            }}
            <Show when=running>{pause_button(id)}</Show>
        </section>
    }
}
