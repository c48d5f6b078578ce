//! The interactive dialog. With JavaScript on, Yes signs out without
//! leaving the page, and the card shows each app of the session signing out:
//! front-channel apps as the browser sees their requests, back-channel apps
//! as the server's first delivery attempt left them. Then it goes on to
//! where the logout goes. With JavaScript off (or before the WASM has
//! loaded) the same form posts as it always did.
//!
//! What the browser may claim about a front-channel app (README, "What the
//! sign-out page claims"): an iframe fires `load` for an answered request,
//! a refused connection, a page that refuses framing and an error page
//! alike, so `load` alone proves nothing. Beside each iframe the page sends
//! the same request with `fetch(uri, {mode: 'no-cors', credentials:
//! 'include'})`, which rejects only when the request never got an answer.
//! [`front_state`] combines the two.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::FnError;
use crate::i18n::{Locale, Texts, texts};

/// What the Yes did, for the island to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveLogout {
    /// The validated post-logout redirect, or signoff's own result page.
    pub continue_to: String,
    /// The apps of the ended session that are told, by client name.
    pub apps: Vec<LiveApp>,
    /// The sealed ticket for reporting the front-channel outcomes (empty
    /// without front-channel apps).
    pub report: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveApp {
    pub name: String,
    pub channel: Channel,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    /// Front-Channel Logout §3: the browser loads `url` (with `iss` and `sid`).
    Front { url: String },
    /// Back-Channel Logout §2.5: where the server's first attempt left it.
    Back(BackOutcome),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackOutcome {
    Delivered,
    /// Not delivered yet; the server retries. `reason` says what happened
    /// ("HTTP 503", "connection refused").
    Retrying {
        reason: String,
    },
}

/// Where one front-channel request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontState {
    Sending,
    /// The app answered and its frame loaded. The page cannot see whether
    /// the app signed the user out; only that the request arrived.
    Sent,
    /// The request never got an answer (refused, unknown host, blocked).
    Unreachable,
    /// Neither an answer nor a loaded frame within the bound.
    NoAnswer,
}

impl FrontState {
    pub fn settled(self) -> bool {
        self != FrontState::Sending
    }

    pub fn text(self, t: &Texts) -> &'static str {
        match self {
            FrontState::Sending => t.live_sending,
            FrontState::Sent => t.live_sent,
            FrontState::Unreachable => t.live_unreachable,
            FrontState::NoAnswer => t.live_no_answer,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FrontState::Sending => "sending",
            FrontState::Sent => "sent",
            FrontState::Unreachable => "unreachable",
            FrontState::NoAnswer => "no-answer",
        }
    }
}

/// The rule: a rejected probe means the app was never reached, whatever
/// the frame did; a loaded frame *and* an answered probe mean the request
/// arrived; anything less once the bound has passed is no answer.
/// `answered`: `None` while the probe is pending, then whether it resolved.
pub fn front_state(loaded: bool, answered: Option<bool>, bound_passed: bool) -> FrontState {
    match (answered, loaded, bound_passed) {
        (Some(false), _, _) => FrontState::Unreachable,
        (Some(true), true, _) => FrontState::Sent,
        (_, _, true) => FrontState::NoAnswer,
        _ => FrontState::Sending,
    }
}

/// How long every app has to settle: the front-channel page's bound.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub const LIVE_WAIT_MS: u32 = super::frontchannel::FRONTCHANNEL_WAIT_MS;
/// After everything settled, how long the list stays before the page goes
/// on: long enough to read, longer when an app was not reached.
pub const SETTLED_PAUSE_MS: u32 = 1_200;
pub const TROUBLE_PAUSE_MS: u32 = super::frontchannel::FRONTCHANNEL_NOTICE_MS;

/// The dialog's Yes, hydrated: the same decision, termination and checks as
/// the form's, answered with what happened instead of a redirect.
#[server(endpoint = "logout/confirm-live")]
pub async fn confirm_logout_live(csrf: String, request: String) -> Result<LiveLogout, FnError> {
    super::ssr::confirm_live(csrf, request).await
}

/// Reports what became of a page's front-channel frames (one outcome per
/// frame, in order, comma-separated), with the ticket the server gave it.
#[server(endpoint = "logout/frontchannel-report")]
pub async fn report_frontchannel(report: String, outcomes: String) -> Result<(), FnError> {
    super::ssr::report_frontchannel(report, outcomes).await
}

impl FrontState {
    /// The report's word for a settled state.
    pub fn reported(self) -> &'static str {
        match self {
            FrontState::Sent => "sent",
            FrontState::Unreachable => "unreachable",
            FrontState::NoAnswer | FrontState::Sending => "no_answer",
        }
    }
}

/// Sends the report, if there is anything to report; nobody waits for it.
pub fn send_report(report: String, states: &[FrontState]) {
    if report.is_empty() || states.is_empty() {
        return;
    }
    let outcomes = states
        .iter()
        .map(|s| s.reported())
        .collect::<Vec<_>>()
        .join(",");
    leptos::task::spawn_local(async move {
        let _ = report_frontchannel(report, outcomes).await;
    });
}

/// The dialog's form (`children`, rendered on the server) and, once Yes is
/// pressed, the live list. No goes straight on, as the form does.
#[island]
pub fn LiveLogoutDialog(locale: Locale, children: Children) -> impl IntoView {
    let t = texts(locale);
    let phase = RwSignal::new(Phase::Idle);
    // Per front-channel app: (frame loaded, probe answered).
    let fronts = RwSignal::new(Vec::<(bool, Option<bool>)>::new());
    let bound_passed = RwSignal::new(false);
    let leaving = StoredValue::new(false);

    let states = move || {
        fronts.with(|f| {
            f.iter()
                .map(|(loaded, answered)| front_state(*loaded, *answered, bound_passed.get()))
                .collect::<Vec<_>>()
        })
    };
    // Once every app has settled: a pause to read the list, then on.
    Effect::new(move |_| {
        let Phase::Live(live) = phase.get() else {
            return;
        };
        let states = states();
        if !states.iter().all(|s| s.settled()) || leaving.get_value() {
            return;
        }
        leaving.set_value(true);
        send_report(live.report.clone(), &states);
        let pause = match states.iter().all(|s| *s == FrontState::Sent) {
            true => SETTLED_PAUSE_MS,
            false => TROUBLE_PAUSE_MS,
        };
        set_timeout(
            move || go_to(&live.continue_to),
            std::time::Duration::from_millis(pause.into()),
        );
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        browser::submit(ev, phase, fronts, bound_passed);
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, fronts, bound_passed);
    };

    let list = move || match phase.get() {
        Phase::Idle => ().into_any(),
        Phase::Confirming => view! { <p>{t.live_signing_out}</p> }.into_any(),
        Phase::Failed => view! { <p class="warning">{t.live_failed}</p> }.into_any(),
        Phase::Live(live) => live_list(t, live, states).into_any(),
    };
    let frames = move || match phase.get() {
        Phase::Live(live) => front_urls(&live)
            .into_iter()
            .enumerate()
            .map(|(i, (name, url))| {
                view! {
                    <iframe
                        class="frontchannel"
                        src=url
                        title=format!("Sign-out from {name}")
                        on:load=move |_| fronts.update(|f| f[i].0 = true)
                    ></iframe>
                }
            })
            .collect_view()
            .into_any(),
        _ => ().into_any(),
    };
    view! {
        <div
            class="live-dialog"
            class:busy=move || !matches!(phase.get(), Phase::Idle)
            on:submit=on_submit
        >
            {children()}
            <div class="live" role="status" aria-live="polite">
                {list}
            </div>
            {frames}
        </div>
    }
}

/// Only the browser moves past `Idle`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Phase {
    Idle,
    Confirming,
    Live(LiveLogout),
    /// The live call failed; the form posts instead.
    Failed,
}

/// The front-channel apps, in list order: (name, url).
fn front_urls(live: &LiveLogout) -> Vec<(String, String)> {
    live.apps
        .iter()
        .filter_map(|app| match &app.channel {
            Channel::Front { url } => Some((app.name.clone(), url.clone())),
            Channel::Back(_) => None,
        })
        .collect()
}

fn live_list(
    t: &'static Texts,
    live: LiveLogout,
    states: impl Fn() -> Vec<FrontState> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let empty = live.apps.is_empty();
    let mut front = 0;
    let rows = live
        .apps
        .into_iter()
        .map(|app| {
            let state = match app.channel {
                Channel::Front { .. } => {
                    let i = front;
                    front += 1;
                    let state = move || states().get(i).copied().unwrap_or(FrontState::Sending);
                    view! {
                        <span class="state" data-state=move || state().name()>
                            {move || state().text(t)}
                        </span>
                    }
                    .into_any()
                }
                Channel::Back(BackOutcome::Delivered) => view! {
                    <span class="state" data-state="delivered">
                        {t.live_delivered}
                    </span>
                }
                .into_any(),
                Channel::Back(BackOutcome::Retrying { reason }) => view! {
                    <span class="state" data-state="retrying">
                        {format!("{} ({reason})", t.live_retrying)}
                    </span>
                }
                .into_any(),
            };
            view! {
                <li>
                    <strong>{app.name}</strong>
                    ": "
                    {state}
                </li>
            }
        })
        .collect_view();
    view! {
        <h2>{t.live_heading}</h2>
        {empty.then(|| view! { <p>{t.live_none}</p> })}
        <ul class="live-apps">{rows}</ul>
        <p>
            <a class="button" href=live.continue_to>
                {t.continue_now}
            </a>
        </p>
    }
}

/// Leaves for `url` (the validated target the server chose).
fn go_to(url: &str) {
    let _ = window().location().set_href(url);
}

/// What only the browser does: read the form, call the server, probe.
#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;

    use super::{LIVE_WAIT_MS, LiveLogout, Phase, confirm_logout_live, front_urls};

    pub fn submit(
        ev: leptos::ev::SubmitEvent,
        phase: RwSignal<Phase>,
        fronts: RwSignal<Vec<(bool, Option<bool>)>>,
        bound_passed: RwSignal<bool>,
    ) {
        // Only Yes stays on the page; No, and a second try after a failure,
        // post the form as without JavaScript.
        let Some(button) = ev.submitter() else {
            return;
        };
        let is_yes = button
            .get_attribute("value")
            .is_some_and(|value| value == "yes");
        if !is_yes || phase.get_untracked() != Phase::Idle {
            return;
        }
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        let field = |name: &str| data.get(name).as_string().unwrap_or_default();
        let (csrf, request) = (field("csrf"), field("request"));
        ev.prevent_default();
        phase.set(Phase::Confirming);
        leptos::task::spawn_local(async move {
            match confirm_logout_live(csrf, request).await {
                Ok(live) => start(live, phase, fronts, bound_passed),
                Err(_) => {
                    phase.set(Phase::Failed);
                    let _ = form.request_submit_with_submitter(Some(&button));
                }
            }
        });
    }

    fn start(
        live: LiveLogout,
        phase: RwSignal<Phase>,
        fronts: RwSignal<Vec<(bool, Option<bool>)>>,
        bound_passed: RwSignal<bool>,
    ) {
        let urls = front_urls(&live);
        fronts.set(vec![(false, None); urls.len()]);
        for (i, (_, url)) in urls.into_iter().enumerate() {
            leptos::task::spawn_local(async move {
                let answered = probe(&url).await;
                fronts.update(|f| f[i].1 = Some(answered));
            });
        }
        set_timeout(
            move || bound_passed.set(true),
            std::time::Duration::from_millis(LIVE_WAIT_MS.into()),
        );
        phase.set(Phase::Live(live));
    }

    /// Whether a no-cors request to `url` got an answer (any answer: the
    /// response is opaque). It rejects when the connection was refused, the
    /// host is unknown, or the page's CSP does not allow the origin.
    pub async fn probe(url: &str) -> bool {
        let init = web_sys::RequestInit::new();
        init.set_mode(web_sys::RequestMode::NoCors);
        init.set_credentials(web_sys::RequestCredentials::Include);
        let promise = window().fetch_with_str_and_init(url, &init);
        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    }
}

#[cfg(feature = "hydrate")]
pub use browser::probe;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejected_probe_means_unreachable_even_when_the_frame_loaded() {
        assert_eq!(
            front_state(true, Some(false), false),
            FrontState::Unreachable
        );
        assert_eq!(
            front_state(false, Some(false), true),
            FrontState::Unreachable
        );
    }

    #[test]
    fn only_a_loaded_frame_and_an_answered_probe_count_as_sent() {
        assert_eq!(front_state(true, Some(true), false), FrontState::Sent);
        assert_eq!(front_state(true, None, false), FrontState::Sending);
        assert_eq!(front_state(false, Some(true), false), FrontState::Sending);
    }

    #[test]
    fn anything_short_of_sent_when_the_bound_passes_is_no_answer() {
        assert_eq!(front_state(true, None, true), FrontState::NoAnswer);
        assert_eq!(front_state(false, Some(true), true), FrontState::NoAnswer);
        assert_eq!(front_state(false, None, true), FrontState::NoAnswer);
        assert_eq!(front_state(true, Some(true), true), FrontState::Sent);
    }
}
