//! `/logout/frontchannel?id=…`: Front-Channel Logout §3, the page that loads
//! each client's logout iframe and then goes on.

use leptos::prelude::*;
use leptos_meta::Title;

use super::SignedOutView;
use crate::app::error::FnError;
use crate::i18n::{Locale, texts};
use crate::oidc::frontchannel::{FrontchannelFrame, FrontchannelPlan};

/// How long the page waits for the iframes before it names the clients that
/// did not load (Front-Channel Logout §4.1 asks OPs to tell the user).
pub const FRONTCHANNEL_WAIT_MS: u32 = 5_000;
/// How long that notice stays before the page goes on anyway.
pub const FRONTCHANNEL_NOTICE_MS: u32 = 3_000;

/// The plan for `/logout/frontchannel?id=…`; `None` once it has expired.
#[server]
pub async fn load_frontchannel_page() -> Result<Option<FrontchannelPlan>, FnError> {
    super::ssr::frontchannel_page().await
}

/// `/logout/frontchannel?id=…`: after a logout, one iframe per client with a
/// front-channel logout URI (FCL §3), then on to where the logout goes.
/// Without JavaScript the iframes load from `<noscript>` and the user follows
/// the Continue link.
#[component]
pub fn FrontchannelPage() -> impl IntoView {
    let plan = Resource::new(|| (), |_| load_frontchannel_page());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                plan.await
                    .map(|plan| match plan {
                        Some(plan) => view! { <FrontchannelView plan /> }.into_any(),
                        None => {
                            view! {
                                <Title text=texts(Locale::En).signed_out_title />
                                <SignedOutView locale=Locale::En problem=None />
                            }
                                .into_any()
                        }
                    })
            })}
        </Suspense>
    }
}

#[component]
fn FrontchannelView(plan: FrontchannelPlan) -> impl IntoView {
    let t = texts(plan.locale);
    let names: Vec<String> = plan.frames.iter().map(|f| f.client_name.clone()).collect();
    let static_frames = plan.frames.clone();
    view! {
        <Title text=t.notifying_title />
        <section class="card narrow" lang=plan.locale.tag() aria-labelledby="notify-heading">
            <h1 id="notify-heading">{t.notifying_title}</h1>
            <p>{t.notifying_body}</p>
            <ul class="frontchannel-clients">
                {names.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
            </ul>
            <FrontchannelFrames
                frames=plan.frames
                continue_to=plan.continue_to.clone()
                not_confirmed=t.not_confirmed.to_owned()
                continuing=t.continuing.to_owned()
            />
            <noscript>
                {static_frames
                    .into_iter()
                    .map(|f| {
                        view! {
                            <iframe
                                class="frontchannel"
                                src=f.url
                                title=format!("Sign-out from {}", f.client_name)
                            ></iframe>
                        }
                    })
                    .collect_view()}
            </noscript>
            <p>
                <a class="button" href=plan.continue_to>
                    {t.continue_link}
                </a>
            </p>
        </section>
    }
}

/// Hydrated, the iframes are created here so their `load` events are seen:
/// once all have loaded the page goes on; after [`FRONTCHANNEL_WAIT_MS`] it
/// names the clients that did not, and goes on [`FRONTCHANNEL_NOTICE_MS`] later.
#[island]
fn FrontchannelFrames(
    frames: Vec<FrontchannelFrame>,
    continue_to: String,
    not_confirmed: String,
    continuing: String,
) -> impl IntoView {
    let loaded = RwSignal::new(vec![false; frames.len()]);
    let started = RwSignal::new(false);
    let timed_out = RwSignal::new(false);
    let frames = StoredValue::new(frames);
    let target = StoredValue::new(continue_to);
    let left = StoredValue::new(false);
    let go_on = move || {
        if !left.get_value() {
            left.set_value(true);
            let _ = window().location().set_href(&target.get_value());
        }
    };
    Effect::new(move |_| {
        started.set(true);
        set_timeout(
            move || {
                timed_out.set(true);
                set_timeout(
                    go_on,
                    std::time::Duration::from_millis(FRONTCHANNEL_NOTICE_MS.into()),
                );
            },
            std::time::Duration::from_millis(FRONTCHANNEL_WAIT_MS.into()),
        );
    });
    Effect::new(move |_| {
        if loaded.with(|l| l.iter().all(|done| *done)) && started.get() {
            go_on();
        }
    });
    let missing = move || {
        frames.with_value(|f| {
            loaded.with(|l| {
                f.iter()
                    .zip(l)
                    .filter(|(_, done)| !**done)
                    .map(|(frame, _)| frame.client_name.clone())
                    .collect::<Vec<_>>()
            })
        })
    };
    view! {
        {move || {
            started
                .get()
                .then(|| {
                    frames
                        .get_value()
                        .into_iter()
                        .enumerate()
                        .map(|(i, f)| {
                            view! {
                                <iframe
                                    class="frontchannel"
                                    src=f.url
                                    title=format!("Sign-out from {}", f.client_name)
                                    on:load=move |_| loaded.update(|l| l[i] = true)
                                ></iframe>
                            }
                        })
                        .collect_view()
                })
        }}
        {move || {
            let missing = missing();
            (timed_out.get() && !missing.is_empty())
                .then(|| {
                    view! {
                        <div class="warning" role="alert">
                            <p>{not_confirmed.clone()}</p>
                            <ul>
                                {missing.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                            </ul>
                            <p>{continuing.clone()}</p>
                        </div>
                    }
                })
        }}
    }
}
