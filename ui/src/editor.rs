//! The dossier editor, generated from the procedure schema: sections of
//! fields, attachment slots, the "Kiểm tra hồ sơ" list, and Submit. Every
//! change is saved (see `autosave.rs`).

use crate::attachments::SlotInput;
use crate::autosave::{Autosave, SaveIndicator};
use crate::bilingual::{Bi, msg, t};
use crate::field::FieldInput;
use crate::ipc;
use crate::table::TableInput;
use hoso_core::procedure::FieldKind;
use hoso_core::{DossierContent, DossierRecord, LibraryItem, Procedure, Value};
use hoso_ipc::{IdArgs, IpcError, LibraryArgs, SubmitOutcome, VersionArgs, command};
use leptos::prelude::*;
use leptos::task::spawn_local;

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
    let submitting = RwSignal::new(false);
    // A dossier already on its way (left by a closed app, or paused) opens
    // saying so: continuing asks the portal first.
    let failure = RwSignal::new(match record.summary.state {
        hoso_core::DossierState::Submitting if record.summary.paused => Some(IpcError::new(
            hoso_ipc::ErrorCode::Paused,
            hoso_core::Bilingual::new(crate::text::VI.paused_notice, crate::text::EN.paused_notice),
        )),
        hoso_core::DossierState::Submitting => Some(IpcError::new(
            hoso_ipc::ErrorCode::Network,
            // The notice says it all; no connection error to add.
            hoso_core::Bilingual::new("", ""),
        )),
        _ => None,
    });

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
    let changed = RwSignal::new(None::<(String, Vec<hoso_core::Bilingual>)>);
    if record.content.version != procedure.version {
        let (current, args) = (
            procedure.clone(),
            VersionArgs {
                procedure: procedure.code.clone(),
                version: record.content.version.clone(),
                portal: Some(record.summary.portal),
            },
        );
        spawn_local(async move {
            let old = ipc::call::<_, Option<Procedure>>(command::PROCEDURE_VERSION, &args).await;
            let list = match old {
                Ok(Some(old)) => hoso_core::procedure::diff::changes(&old, &current),
                _ => Vec::new(),
            };
            changed.set(Some((args.version, list)));
        });
    }
    let new_version = procedure.version.clone();
    let version_notice = move || {
        let (from, list) = changed.get()?;
        if written_for.get() == new_version {
            return None;
        }
        let to = new_version.clone();
        let items = list
            .iter()
            .map(|m| view! { <li>{msg(m)}</li> })
            .collect::<Vec<_>>();
        Some(view! {
            <section class="card notice" id="version-changed" role="status">
                <h2>
                    <Bi vi=format!("Cổng đã cập nhật thủ tục: phiên bản {from} → {to}")
                        en=format!("The portal updated the procedure: version {from} → {to}")/>
                </h2>
                {if items.is_empty() {
                    view! { <p>{t(|x| x.version_changed_unknown)}</p> }.into_any()
                } else {
                    view! { <ul>{items}</ul> }.into_any()
                }}
                <button type="button" id="update-version" class="primary"
                    on:click={
                        let to = to.clone();
                        move |_| written_for.set(to.clone())
                    }>
                    {t(|x| x.update_version)}
                </button>
            </section>
        })
    };
    let library = RwSignal::new(Vec::<LibraryItem>::new());
    let reload_library = Callback::new(move |()| {
        spawn_local(async move {
            let args = LibraryArgs::default();
            if let Ok(items) = ipc::call::<_, Vec<LibraryItem>>(command::LIST_LIBRARY, &args).await
            {
                library.set(items);
            }
        })
    });
    reload_library.run(());
    let autosave = Autosave::new(id, content, record.revision, record.summary.updated_at);
    let back = move |_| {
        spawn_local(async move {
            // Leaving never loses a change: write what is pending first.
            if autosave.flush().await.is_ok() {
                on_back.run(());
            }
        });
    };

    let submit = move |_| {
        show_all.set(true);
        failure.set(None);
        if submitting.get_untracked() || !problems.with_untracked(Vec::is_empty) {
            return;
        }
        submitting.set(true);
        // The progress is what matters now: bring it into view.
        request_animation_frame(|| {
            if let Some(el) = document().get_element_by_id("sending") {
                el.scroll_into_view();
            }
        });
        spawn_local(async move {
            let sent = match autosave.flush().await {
                Ok(()) => {
                    ipc::call::<_, SubmitOutcome>(command::SUBMIT_DOSSIER, &IdArgs { id }).await
                }
                Err(e) => Err(e),
            };
            match sent {
                Ok(outcome) => on_done.run(outcome),
                Err(e) => failure.set(Some(e)),
            }
            submitting.set(false);
        });
    };

    let sections = procedure
        .sections
        .iter()
        .map(|s| {
            let fields = s
                .fields
                .iter()
                .map(|f| {
                    let path = format!("{}.{}", s.id, f.id);
                    if f.kind == FieldKind::Table {
                        return view! { <TableInput path field=f.clone() values problems show_all/> }.into_any();
                    }
                    let p = path.clone();
                    let value = Signal::derive(move || {
                        values.with(|v| v.get(&p).and_then(Value::as_text).unwrap_or_default().to_owned())
                    });
                    let p = path.clone();
                    let on_change = Callback::new(move |s: String| {
                        values.update(|v| {
                            v.insert(p.clone(), Value::Text(s));
                        })
                    });
                    let p = path.clone();
                    let mine = Signal::derive(move || {
                        problems.with(|all| all.iter().filter(|x| x.path == p).cloned().collect())
                    });
                    view! {
                        <FieldInput id=path field=f.clone() label=f.label.clone() value on_change
                            problems=mine show_all/>
                    }
                    .into_any()
                })
                .collect::<Vec<_>>();
            view! {
                <section class="card">
                    <h2>{msg(&s.title)}</h2>
                    {fields}
                </section>
            }
        })
        .collect::<Vec<_>>();
    let slots = procedure
        .attachments
        .iter()
        .map(|slot| view! { <SlotInput spec=slot.clone() docs library reload_library/> })
        .collect::<Vec<_>>();

    // A failed connection proves nothing about the portal: the dossier is
    // in the outbox, and continuing asks the portal first.
    let unknown = move || {
        failure.with(|f| {
            f.as_ref()
                .is_some_and(|e| e.code == hoso_ipc::ErrorCode::Network)
        })
    };
    let paused = move || {
        failure.with(|f| {
            f.as_ref()
                .is_some_and(|e| e.code == hoso_ipc::ErrorCode::Paused)
        })
    };
    let check = move || {
        let local = problems.get();
        let remote = failure.get().filter(|_| !unknown() && !paused());
        if !show_all.get() {
            return None;
        }
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
    };

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
            {sections}
            <section class="card">
                <h2>{t(|x| x.attachments)}</h2>
                {slots}
            </section>
            {check}
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
                    request_animation_frame(|| {
                        if let Some(el) = document().get_element_by_id("check") {
                            el.scroll_into_view();
                        }
                    });
                }>{t(|x| x.check_title)}</button>
                <button type="button" id="submit" class="primary" on:click=submit disabled=move || submitting.get()>
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
