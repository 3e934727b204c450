//! HoSo's own date field: typed day first (`4/12/2026` becomes
//! `04/12/2026` when the field is left) or picked on a month calendar,
//! the same under every locale, where the web view's date input follows
//! the system's and shows 4 December as `12/04/2026` under the C locale.

use crate::date;
use crate::lang::{t, texts};
use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = "export function today_ymd() {
  const d = new Date();
  return d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate();
}")]
extern "C" {
    /// Today on this computer, as `yyyymmdd`.
    fn today_ymd() -> u32;
}

fn today() -> Option<NaiveDate> {
    let n = today_ymd();
    NaiveDate::from_ymd_opt(i32::try_from(n / 10_000).ok()?, n / 100 % 100, n % 100)
}

/// A date field. `value` is what the dossier stores (`YYYY-MM-DD`, or the
/// text typed while it is not a date); `on_change` gets the same.
#[component]
pub fn DateInput(
    id: String,
    value: Signal<String>,
    on_change: Callback<String>,
    #[prop(optional)] described_by: Option<String>,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    let text = RwSignal::new(date::shown_of_stored(&value.get_untracked()));
    // A change from elsewhere (the calendar, a fix offered, a reload) is
    // shown; what is being typed is left alone.
    Effect::new(move |_| {
        let stored = value.get();
        if date::to_store(&text.get_untracked()) != stored {
            text.set(date::shown_of_stored(&stored));
        }
    });
    let left = RwSignal::new(false);
    let invalid =
        move || left.get() && !text.with(|t| t.trim().is_empty() || date::parse(t).is_some());
    let open = RwSignal::new(false);
    let on_input = move |ev| {
        let typed = event_target_value(&ev);
        let store = date::to_store(&typed);
        text.set(typed);
        on_change.run(store);
    };
    // Leaving the field writes the day as the window writes days.
    let on_leave = move |_| {
        left.set(true);
        if let Some(day) = text.with_untracked(|t| date::parse(t)) {
            text.set(date::shown(day));
        }
    };
    let pick = Callback::new(move |day: NaiveDate| {
        open.set(false);
        left.set(true);
        text.set(date::shown(day));
        on_change.run(date::stored(day));
    });
    let message_id = format!("{id}-date");
    let described = described_by.map_or(message_id.clone(), |d| format!("{d} {message_id}"));
    view! {
        <span class=format!("date-input {class}")>
            <input type="text" id=id.clone() name=id.clone() class="date-text" inputmode="numeric"
                autocomplete="off" placeholder=move || texts().date_placeholder
                aria-describedby=described aria-invalid=move || invalid().to_string()
                prop:value=move || text.get() on:input=on_input on:change=on_leave/>
            <button type="button" class="calendar-open" id=format!("{id}-calendar")
                title=move || texts().calendar_open aria-label=move || texts().calendar_open
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                    <rect x="1.5" y="3" width="13" height="11.5" rx="1.5" fill="none" stroke="currentColor"/>
                    <path d="M1.5 6.5h13M5 1.5v3M11 1.5v3" stroke="currentColor" fill="none"/>
                </svg>
            </button>
            {move || open.get().then(|| {
                let chosen = date::parse(&text.get_untracked());
                view! { <Calendar chosen pick close=Callback::new(move |()| open.set(false))/> }
            })}
            <span class="date-problem" id=message_id role="alert">
                {move || invalid().then(|| view! { "“" {text.get()} "” " {t(|x| x.date_invalid)} })}
            </span>
        </span>
    }
}

/// One month of days, Monday first, with the way to the months around it.
#[component]
fn Calendar(
    chosen: Option<NaiveDate>,
    pick: Callback<NaiveDate>,
    close: Callback<()>,
) -> impl IntoView {
    let start = chosen.or_else(today).unwrap_or_default();
    let month = RwSignal::new(date::month_start(start, 0));
    let heading = move || {
        let m = month.get();
        format!("{} {}", texts().months[m.month0() as usize], m.year())
    };
    let weekdays = move || {
        texts()
            .weekdays
            .iter()
            .map(|d| view! { <span class="weekday">{*d}</span> })
            .collect::<Vec<_>>()
    };
    let days = move || {
        let first = month.get();
        let blanks = first.weekday().num_days_from_monday() as usize;
        let mut cells = (0..blanks)
            .map(|_| view! { <span class="blank"></span> }.into_any())
            .collect::<Vec<_>>();
        let mut day = Some(first);
        while let Some(d) = day.filter(|d| d.month() == first.month()) {
            cells.push(
                view! {
                    <button type="button" class="day" data-date=date::stored(d)
                        class:chosen=chosen == Some(d) class:today=today() == Some(d)
                        on:click=move |_| pick.run(d)>{d.day()}</button>
                }
                .into_any(),
            );
            day = d.succ_opt();
        }
        cells
    };
    view! {
        <div class="calendar" role="dialog" aria-label=heading
            on:keydown=move |ev| if ev.key() == "Escape" { close.run(()) }>
            <div class="calendar-head">
                <button type="button" class="month-before" aria-label=move || texts().month_before
                    on:click=move |_| month.update(|m| *m = date::month_start(*m, -1))>"‹"</button>
                <strong class="month">{heading}</strong>
                <button type="button" class="month-after" aria-label=move || texts().month_after
                    on:click=move |_| month.update(|m| *m = date::month_start(*m, 1))>"›"</button>
            </div>
            <div class="days">{weekdays}{days}</div>
        </div>
    }
}
