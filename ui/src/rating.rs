//! A completed dossier's satisfaction rating, on its page: the five steps
//! from “very dissatisfied” to “very satisfied” that Decision 766/QĐ-TTg's
//! satisfaction index counts, an optional comment and Send; once rated,
//! the rating as the portal kept it, with a way to change it (the latest
//! rating counts). Which dossiers may be rated is hoso-core's rule.

use crate::dossier::when;
use crate::ipc;
use crate::lang::{msg, number, t};
use crate::text::Texts;
use hoso_core::rating::{COMMENT_MAX_CHARS, Score, may_rate};
use hoso_core::status::Status;
use hoso_core::wire::Rating;
use hoso_ipc::{IdArgs, IpcError, RateArgs, command};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The catalogue's words for step `score`.
fn words(score: Score) -> fn(&Texts) -> &'static str {
    match score.get() {
        1 => |x| x.rating_1,
        2 => |x| x.rating_2,
        3 => |x| x.rating_3,
        4 => |x| x.rating_4,
        _ => |x| x.rating_5,
    }
}

/// The rating section, shown while the dossier's `status` (as its page
/// last read it) allows rating.
#[component]
pub fn RatingSection(id: i64, #[prop(into)] status: Signal<Option<Status>>) -> impl IntoView {
    let rateable = Memo::new(move |_| status.get().is_some_and(may_rate));
    move || rateable.get().then(|| view! { <RatingCard id/> })
}

/// The rating given, or the form to give one.
#[component]
fn RatingCard(id: i64) -> impl IntoView {
    let asked = LocalResource::new(move || async move {
        ipc::call::<_, Option<Rating>>(command::DOSSIER_RATING, &IdArgs { id }).await
    });
    let current = RwSignal::new(None::<Rating>);
    let loaded = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let choice = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<IpcError>);
    Effect::new(move |_| {
        if let Some(answer) = asked.get() {
            match answer {
                Ok(r) => current.set(r),
                Err(e) => failure.set(Some(e)),
            }
            loaded.set(true);
        }
    });

    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(rating) = choice.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let args = RateArgs {
                id,
                rating,
                comment: comment.get_untracked(),
            };
            match ipc::call::<_, Rating>(command::RATE_DOSSIER, &args).await {
                Ok(r) => {
                    failure.set(None);
                    current.set(Some(r));
                    editing.set(false);
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let change = move |_| {
        if let Some(r) = current.get_untracked() {
            choice.set(Some(r.rating));
            comment.set(r.comment);
        }
        failure.set(None);
        editing.set(true);
    };

    let choices = move || {
        Score::ALL
            .iter()
            .map(|&score| {
                let n = score.get();
                view! {
                    <label class="rating-choice" for=format!("rating-{n}")>
                        <input type="radio" name="rating" id=format!("rating-{n}") value=n.to_string()
                            prop:checked=move || choice.get() == Some(n)
                            on:change=move |_| choice.set(Some(n))/>
                        <span class="step">{n}</span>
                        <span class="words">{t(words(score))}</span>
                    </label>
                }
            })
            .collect::<Vec<_>>()
    };
    let form = move || {
        let again = current.with(Option::is_some);
        view! {
            <form on:submit=send>
                <p class="ask">{t(|x| x.rating_ask)}</p>
                <div class="rating-choices" role="radiogroup">{choices()}</div>
                <label for="rating-comment">{t(|x| x.rating_comment)}</label>
                <textarea id="rating-comment" rows="2" maxlength=COMMENT_MAX_CHARS.to_string()
                    prop:value=move || comment.get()
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                <p class="counter">
                    {move || number(comment.with(|c| c.chars().count()) as u64)} "/" {number(COMMENT_MAX_CHARS as u64)}
                </p>
                {again.then(|| view! { <p class="hint">{t(|x| x.rating_hint)}</p> })}
                <div class="row-actions">
                    <button type="submit" id="rating-send" class="primary"
                        disabled=move || busy.get() || choice.get().is_none()>{t(|x| x.rating_send)}</button>
                    {again.then(|| view! {
                        <button type="button" class="link" id="rating-keep" on:click=move |_| {
                            failure.set(None);
                            editing.set(false);
                        }>{t(|x| x.rating_keep)}</button>
                    })}
                </div>
            </form>
        }
    };
    let shown = move |r: Rating| {
        let step = Score::new(i64::from(r.rating)).ok();
        view! {
            <div class="rated" id="rating-shown" data-rating=r.rating.to_string()>
                <p>
                    <span class="label">{t(|x| x.rating_given)}</span> " "
                    <strong class="step">{r.rating} "/" {Score::MAX}</strong>
                    {step.map(|s| view! { " · " <strong class="words">{t(words(s))}</strong> })}
                </p>
                {(!r.comment.is_empty()).then(|| view! { <blockquote class="comment">{r.comment.clone()}</blockquote> })}
                <p class="when">{t(|x| x.rating_given_at)} " " {when(&r.rated_at.to_rfc3339())}</p>
                <button type="button" class="link" id="rating-change" on:click=change>{t(|x| x.rating_change)}</button>
            </div>
        }
    };
    // A refused value says what is wrong with it; anything else, what
    // happened.
    let problems = move || {
        failure.get().map(|e| {
            let each = if e.problems.is_empty() {
                vec![view! { <p>{msg(&e.message)}</p> }]
            } else {
                e.problems
                    .iter()
                    .map(|p| view! { <p>{msg(&p.message)}</p> })
                    .collect()
            };
            view! { <div class="problems" role="alert" id="rating-error">{each}</div> }
        })
    };
    view! {
        <section class="card rating" id="rating">
            <h3>{t(|x| x.rating_title)}</h3>
            {move || loaded.get().then(|| match (current.get(), editing.get()) {
                (Some(r), false) => shown(r).into_any(),
                _ => form().into_any(),
            })}
            {problems}
        </section>
    }
}
