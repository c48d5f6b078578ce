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
                locale=plan.locale
                report=plan.report.clone()
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

/// Hydrated, the iframes are created here so their `load` events are seen,
/// and each app is probed as the interactive dialog probes it
/// ([`super::live::front_state`]: a frame's `load` alone proves nothing).
/// Once every app was reached the page goes on; otherwise, when all have
/// settled or [`FRONTCHANNEL_WAIT_MS`] has passed, it names the apps it
/// could not reach or that did not answer, and goes on
/// [`FRONTCHANNEL_NOTICE_MS`] later.
#[island]
fn FrontchannelFrames(
    frames: Vec<FrontchannelFrame>,
    continue_to: String,
    not_confirmed: String,
    continuing: String,
    locale: Locale,
    report: String,
) -> impl IntoView {
    use super::live::{FrontState, front_state};

    let t = texts(locale);
    let progress = RwSignal::new(vec![(false, None::<bool>); frames.len()]);
    let started = RwSignal::new(false);
    let timed_out = RwSignal::new(false);
    let frames = StoredValue::new(frames);
    let target = StoredValue::new(continue_to);
    let left = StoredValue::new(false);
    let scheduled = StoredValue::new(false);
    let states = move || {
        progress.with(|p| {
            p.iter()
                .map(|(loaded, answered)| front_state(*loaded, *answered, timed_out.get()))
                .collect::<Vec<_>>()
        })
    };
    let go_on = move || {
        if !left.get_value() {
            left.set_value(true);
            let _ = window().location().set_href(&target.get_value());
        }
    };
    Effect::new(move |_| {
        started.set(true);
        #[cfg(feature = "hydrate")]
        frames.with_value(|frames| {
            for (i, frame) in frames.iter().enumerate() {
                let url = frame.url.clone();
                leptos::task::spawn_local(async move {
                    let answered = super::live::probe(&url).await;
                    progress.update(|p| p[i].1 = Some(answered));
                });
            }
        });
        set_timeout(
            move || timed_out.set(true),
            std::time::Duration::from_millis(FRONTCHANNEL_WAIT_MS.into()),
        );
    });
    let settled = move || states().iter().all(|s| s.settled());
    Effect::new(move |_| {
        if !started.get() || !settled() || scheduled.get_value() {
            return;
        }
        scheduled.set_value(true);
        let states = states();
        super::live::send_report(report.clone(), &states);
        match states.iter().all(|s| *s == FrontState::Sent) {
            true => go_on(),
            false => set_timeout(
                go_on,
                std::time::Duration::from_millis(FRONTCHANNEL_NOTICE_MS.into()),
            ),
        }
    });
    let trouble = move || {
        frames.with_value(|f| {
            f.iter()
                .zip(states())
                .filter(|(_, state)| state.settled() && *state != FrontState::Sent)
                .map(|(frame, state)| (frame.client_name.clone(), state))
                .collect::<Vec<_>>()
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
                                    on:load=move |_| progress.update(|p| p[i].0 = true)
                                ></iframe>
                            }
                        })
                        .collect_view()
                })
        }}
        {move || {
            let trouble = trouble();
            (settled() && !trouble.is_empty())
                .then(|| {
                    view! {
                        <div class="warning" role="alert">
                            <p>{not_confirmed.clone()}</p>
                            <ul>
                                {trouble
                                    .into_iter()
                                    .map(|(name, state)| {
                                        view! {
                                            <li data-state=state.name()>
                                                <strong>{name}</strong>
                                                ": "
                                                {state.text(t)}
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                            <p>{continuing.clone()}</p>
                        </div>
                    }
                })
        }}
    }
}
