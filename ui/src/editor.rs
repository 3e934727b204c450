//! The dossier editor, generated from the procedure schema: sections of
//! fields (`sections.rs`), attachment slots, the notice of a changed
//! procedure (`version.rs`), the fee it owes as typed (`fee.rs`), the
//! "Kiểm tra hồ sơ" list (`check.rs`), and Submit. Every change is saved
//! (see `autosave.rs`).

mod check;
mod fee;
mod sections;
mod version;

use crate::attachments::SlotInput;
use crate::autosave::{Autosave, SaveIndicator};
use crate::ipc;
use crate::lang::{Bi, msg, t};
use check::CheckView;
use fee::FeeEstimate;
use hoso_core::{DossierContent, DossierRecord, LibraryItem, Procedure};
use hoso_ipc::{ErrorCode, IdArgs, IpcError, LibraryArgs, SubmitOutcome, command};
use leptos::prelude::*;
use sections::Sections;
use version::VersionNotice;

/// Brings the element `id` into view once the page has drawn it.
pub fn bring_into_view(id: &'static str) {
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(id) {
            el.scroll_into_view();
        }
    });
}

/// What a dossier already on its way (left by a closed app, or paused)
/// opens with: continuing asks the portal first.
fn on_its_way(record: &DossierRecord) -> Option<IpcError> {
    match record.summary.state {
        hoso_core::DossierState::Submitting if record.summary.paused => Some(IpcError::new(
            ErrorCode::Paused,
            hoso_core::Bilingual::new(crate::text::VI.paused_notice, crate::text::EN.paused_notice),
        )),
        // The notice says it all; no connection error to add.
        hoso_core::DossierState::Submitting => Some(IpcError::new(
            ErrorCode::Network,
            hoso_core::Bilingual::new("", ""),
        )),
        _ => None,
    }
}

/// The editor of `record`; `portal` names the portal it is written for
/// when that is not the default one.
#[component]
pub fn Editor(
    procedure: Procedure,
    record: DossierRecord,
    on_done: Callback<SubmitOutcome>,
    on_back: Callback<()>,
    #[prop(optional)] portal: Option<hoso_core::Bilingual>,
) -> impl IntoView {
    let id = record.summary.id;
    let values = RwSignal::new(record.content.fields.clone());
    let docs = RwSignal::new(record.content.documents.clone());
    let show_all = RwSignal::new(false);
    let failure = RwSignal::new(on_its_way(&record));
    // The version the dossier was written against; updated on request
    // when the portal's rules changed since.
    let written_for = RwSignal::new(record.content.version.clone());
    let content = {
        let code = procedure.code.clone();
        Memo::new(move |_| DossierContent {
            procedure: code.clone(),
            version: written_for.get(),
            fields: values.get(),
            documents: docs.get(),
        })
    };
    let problems = {
        let p = procedure.clone();
        Memo::new(move |_| content.with(|c| hoso_core::validate(&p, c)))
    };
    let library = RwSignal::new(Vec::<LibraryItem>::new());
    let list_library = Action::new_local(|(): &()| async {
        let args = LibraryArgs::default();
        ipc::call::<_, Vec<LibraryItem>>(command::LIST_LIBRARY, &args).await
    });
    Effect::new(move |_| {
        if let Some(Ok(items)) = list_library.value().get() {
            library.set(items);
        }
    });
    let reload_library = Callback::new(move |()| {
        list_library.dispatch_local(());
    });
    reload_library.run(());
    let autosave = Autosave::new(id, content, record.revision, record.summary.updated_at);
    let back = move |_| {
        leptos::task::spawn_local(async move {
            // Leaving never loses a change: write what is pending first.
            if autosave.flush().await.is_ok() {
                on_back.run(());
            }
        });
    };

    // Filing: what is on screen is saved first, then sent.
    let submit = Action::new_local(move |(): &()| async move {
        autosave.flush().await?;
        ipc::call::<_, SubmitOutcome>(command::SUBMIT_DOSSIER, &IdArgs { id }).await
    });
    let submitting = submit.pending();
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(outcome)) => on_done.run(outcome),
        Some(Err(e)) => failure.set(Some(e)),
        None => {}
    });
    let start_submit = move |_| {
        show_all.set(true);
        failure.set(None);
        if submitting.get_untracked() || !problems.with_untracked(Vec::is_empty) {
            return;
        }
        submit.dispatch_local(());
        // The progress is what matters now: bring it into view.
        bring_into_view("sending");
    };

    // A failed connection proves nothing about the portal: the dossier is
    // in the outbox, and continuing asks the portal first.
    let failed_with =
        move |code: ErrorCode| failure.with(|f| f.as_ref().is_some_and(|e| e.code == code));
    let unknown = move || failed_with(ErrorCode::Network);
    let paused = move || failed_with(ErrorCode::Paused);
    let remote = Signal::derive(move || failure.get().filter(|_| !unknown() && !paused()));
    let slots = procedure
        .attachments
        .iter()
        .map(|slot| view! { <SlotInput spec=slot.clone() docs library reload_library/> })
        .collect::<Vec<_>>();
    let version_notice = (record.content.version != procedure.version).then(|| {
        view! { <VersionNotice current=procedure.clone() written_for portal=record.summary.portal/> }
    });

    view! {
        <form class="editor" on:submit=|ev| ev.prevent_default()>
            <div class="editor-bar">
                <button type="button" id="back" class="link" on:click=back>"← " {t(|x| x.back_to_list)}</button>
                <SaveIndicator autosave/>
            </div>
            {version_notice}
            <section class="card title">
                <h2 class="procedure">{msg(&procedure.name)}</h2>
                <p class="agency">{msg(&procedure.agency)}</p>
                {portal.map(|name| view! {
                    <p class="portal-name" id="editor-portal"><Bi vi=format!("{}: {}", crate::text::VI.portal, name.vi)
                        en=format!("{}: {}", crate::text::EN.portal, name.en)/></p>
                })}
            </section>
            <Sections sections=procedure.sections.clone() values problems show_all/>
            <section class="card">
                <h2>{t(|x| x.attachments)}</h2>
                {slots}
            </section>
            <FeeEstimate procedure=procedure.clone() content/>
            <CheckView problems remote show_all/>
            {move || (unknown() && !submitting.get()).then(|| view! {
                <section class="card notice" id="outcome-unknown" role="status">
                    <p>{t(|x| x.outcome_unknown)}</p>
                    {failure.get().filter(|e| !e.message.vi.is_empty()).map(|e| view! { <p class="detail">{msg(&e.message)}</p> })}
                </section>
            })}
            {move || (paused() && !submitting.get()).then(|| view! {
                <section class="card notice" id="paused" role="status">
                    <p>{t(|x| x.paused_notice)}</p>
                </section>
            })}
            {move || submitting.get().then(|| view! { <crate::sending::SendingView id/> })}
            <div class="actions">
                <button type="button" id="check-button" on:click=move |_| {
                    show_all.set(true);
                    bring_into_view("check");
                }>{t(|x| x.check_title)}</button>
                <button type="button" id="submit" class="primary" on:click=start_submit disabled=move || submitting.get()>
                    {move || if submitting.get() {
                        t(|x| x.submitting).into_any()
                    } else if unknown() {
                        t(|x| x.check_and_continue).into_any()
                    } else if paused() {
                        t(|x| x.continue_sending).into_any()
                    } else {
                        t(|x| x.submit).into_any()
                    }}
                </button>
            </div>
        </form>
    }
}
