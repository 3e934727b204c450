//! What acts on the whole list: the preferences for sendings and
//! notifications, a status sync asked for now, the list as CSV, and a
//! `.hoso` package imported by its path.

use super::{Change, ListContext};
use crate::ipc;
use crate::lang::{msg, t, texts};
use hoso_ipc::{IpcError, Preferences, command};
use leptos::prelude::*;

#[component]
pub fn ListTools(ctx: ListContext, chosen_portal: RwSignal<Option<i64>>) -> impl IntoView {
    let failed = move |e: IpcError| ctx.failure.set(Some(e));
    let preferences = LocalResource::new(|| async {
        ipc::call0::<Preferences>(command::GET_PREFERENCES)
            .await
            .ok()
    });
    // What the person ticked, shown at once while it is being saved.
    let ticked = RwSignal::new(None::<Preferences>);
    let current = move || ticked.get().or_else(|| preferences.get().flatten());
    let set_preference = move |change: fn(&mut Preferences, bool), on: bool| {
        let Some(mut p) = current() else {
            return;
        };
        change(&mut p, on);
        ticked.set(Some(p));
        ctx.change.dispatch_local(Change::Preferences(p));
    };

    let sync = Action::new_local(|(): &()| ipc::call0::<u32>(command::SYNC_STATUS));
    Effect::new(move |_| match sync.value().get() {
        Some(Ok(_)) => {
            ctx.failure.set(None);
            ctx.reload.update(|n| *n += 1);
        }
        Some(Err(e)) => failed(e),
        None => {}
    });
    let export = Action::new_local(|(): &()| ipc::call0::<String>(command::EXPORT_CSV));
    Effect::new(move |_| match export.value().get() {
        Some(Ok(_)) => ctx.failure.set(None),
        Some(Err(e)) => failed(e),
        None => {}
    });
    let exported = move || export.value().get().and_then(Result::ok);

    let package_path = RwSignal::new(String::new());
    // A package the app was opened with waits in the import field, for
    // the person to choose where a draft goes and import it.
    if let Some(opened) = use_context::<crate::app::OpenedPackage>() {
        Effect::new(move |_| {
            if let Some(path) = opened.0.get() {
                package_path.set(path);
                opened.0.set(None);
            }
        });
    }
    let import = Action::new_local(move |args: &hoso_ipc::PackageArgs| {
        let args = args.clone();
        async move { ipc::call::<_, hoso_ipc::ImportedPackage>(command::IMPORT_PACKAGE, &args).await }
    });
    Effect::new(move |_| match import.value().get() {
        Some(Ok(done)) => {
            ctx.failure.set(None);
            package_path.set(String::new());
            ctx.package_done.set(Some(done.message));
            ctx.reload.update(|n| *n += 1);
        }
        Some(Err(e)) => failed(e),
        None => {}
    });
    let import_package = move || {
        let path = package_path.get_untracked().trim().to_owned();
        if !path.is_empty() {
            let portal = chosen_portal.get_untracked();
            import.dispatch_local(hoso_ipc::PackageArgs { path, portal });
        }
    };
    let pick_package = move |_| ipc::pick_file(package_path, ctx.failure, import_package);

    view! {
        <div class="list-tools">
            <label class="toggle" id="continue-at-start-label">
                <input type="checkbox" id="continue-at-start"
                    prop:checked=move || current().is_none_or(|p| p.continue_at_start)
                    disabled=move || current().is_none()
                    on:change=move |ev| set_preference(|p, on| p.continue_at_start = on, event_target_checked(&ev))/>
                " " {t(|x| x.continue_at_start)}
            </label>
            <label class="toggle" id="notifications-label">
                <input type="checkbox" id="notifications"
                    prop:checked=move || current().is_none_or(|p| p.notifications)
                    disabled=move || current().is_none()
                    on:change=move |ev| set_preference(|p, on| p.notifications = on, event_target_checked(&ev))/>
                " " {t(|x| x.notifications)}
            </label>
            <button type="button" id="sync-status" class="link" on:click=move |_| { sync.dispatch_local(()); }
                disabled=move || sync.pending().get()>
                {t(|x| x.sync_status)}
            </button>
            <button type="button" id="export-csv" class="link" on:click=move |_| { export.dispatch_local(()); }>
                {t(|x| x.export_csv)}
            </button>
        </div>
        <div class="input-row package-import">
            <label for="package-path">{t(|x| x.import_package)}</label>
            <input type="text" id="package-path" placeholder=move || texts().package_path
                prop:value=move || package_path.get() on:input=move |ev| package_path.set(event_target_value(&ev))/>
            <button type="button" id="package-import" on:click=move |_| import_package()>{t(|x| x.package_import)}</button>
            <button type="button" id="package-pick" on:click=pick_package>{t(|x| x.supplement_pick)}</button>
        </div>
        {move || ctx.package_done.get().map(|m| view! {
            <p class="saved" id="package-done" role="status">{msg(&m)}</p>
        })}
        {move || exported().map(|path| view! {
            <p class="saved" id="exported" role="status">{t(|x| x.exported_to)} ": " <code>{path}</code></p>
        })}
    }
}
