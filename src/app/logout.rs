//! The end-session pages: the confirmation dialog and the result page.
//! Both are server-rendered forms that work without JavaScript.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::i18n::{Locale, Texts, texts};

/// What is wrong with a request, in words the user can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    InvalidHint,
    UnknownClient,
    UnverifiableRedirect,
    UnregisteredRedirect,
    BadRequest,
}

impl ProblemKind {
    fn message(self, t: &Texts) -> &'static str {
        match self {
            ProblemKind::InvalidHint => t.problem_invalid_hint,
            ProblemKind::UnknownClient => t.problem_unknown_client,
            ProblemKind::UnverifiableRedirect => t.problem_unverifiable_redirect,
            ProblemKind::UnregisteredRedirect => t.problem_unregistered_redirect,
            ProblemKind::BadRequest => t.problem_bad_request,
        }
    }
}

/// The confirmation dialog's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    pub locale: Locale,
    pub client_name: Option<String>,
    pub username: String,
    pub mismatch: bool,
    pub problem: Option<ProblemKind>,
    /// The original request, form-encoded: the confirm step decides afresh from it.
    pub request: String,
    pub csrf: String,
}

/// The signed-out page's way back to the client: a button the user clicks,
/// for a validated URI of a client that only `client_id` identified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnTo {
    pub client_name: String,
    pub url: String,
}

/// What GET /logout shows when it does not redirect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogoutView {
    Dialog(Dialog),
    /// No OP session (or nothing left to ask): the signed-out page.
    SignedOut {
        locale: Locale,
        problem: Option<ProblemKind>,
        return_to: Option<ReturnTo>,
    },
}

#[cfg(feature = "ssr")]
impl LogoutView {
    /// The whole page. GET /logout is the end-session endpoint's hot path, so
    /// a plain handler renders it without the router (it has no island), and
    /// the dialog is filled into markup rendered once per shape.
    pub fn render(self) -> String {
        match self {
            LogoutView::Dialog(dialog) => dialog_template(&dialog).fill(|slot| match slot {
                "client_name" => dialog.client_name.as_deref().unwrap_or_default(),
                "username" => &dialog.username,
                "request" => &dialog.request,
                _ => &dialog.csrf,
            }),
            LogoutView::SignedOut {
                locale,
                problem,
                return_to,
            } => {
                let t = texts(locale);
                super::render_document(locale.tag(), t.signed_out_title.to_owned(), move || {
                    view! { <SignedOutView locale problem return_to /> }
                })
            }
        }
    }
}

/// What the dialog's markup depends on besides the per-request values.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct DialogShape {
    locale: Locale,
    names_client: bool,
    mismatch: bool,
    problem: Option<ProblemKind>,
}

/// The dialog for `dialog`'s shape, rendered on first use (at most 72 shapes).
#[cfg(feature = "ssr")]
fn dialog_template(dialog: &Dialog) -> std::sync::Arc<super::page_template::PageTemplate> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, RwLock};

    use super::page_template::{PageTemplate, slot};

    static TEMPLATES: LazyLock<RwLock<HashMap<DialogShape, Arc<PageTemplate>>>> =
        LazyLock::new(RwLock::default);
    let shape = DialogShape {
        locale: dialog.locale,
        names_client: dialog.client_name.is_some(),
        mismatch: dialog.mismatch,
        problem: dialog.problem,
    };
    if let Some(template) = TEMPLATES
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(&shape)
    {
        return template.clone();
    }
    let slotted = Dialog {
        client_name: dialog.client_name.as_ref().map(|_| slot("client_name")),
        username: slot("username"),
        request: slot("request"),
        csrf: slot("csrf"),
        ..dialog.clone()
    };
    let template = Arc::new(PageTemplate::compile(&render_dialog(slotted)));
    TEMPLATES
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(shape, template.clone());
    template
}

#[cfg(feature = "ssr")]
fn render_dialog(dialog: Dialog) -> String {
    let t = texts(dialog.locale);
    super::render_document(dialog.locale.tag(), t.dialog_title.to_owned(), || {
        view! { <DialogView dialog /> }
    })
}

/// The dialog's answer. CSRF-protected; the decision is made again from the
/// original request, never from anything else the form says.
#[server(endpoint = "logout/confirm")]
pub async fn confirm_logout(
    csrf: String,
    request: String,
    choice: String,
) -> Result<(), ServerFnError> {
    let target = crate::server::logout::confirm(csrf, request, choice).await?;
    crate::server::respond::see_other(&target);
    Ok(())
}

#[cfg(feature = "ssr")]
#[component]
fn DialogView(dialog: Dialog) -> impl IntoView {
    let t = texts(dialog.locale);
    view! {
        <section class="card narrow" lang=dialog.locale.tag() aria-labelledby="logout-heading">
            <h1 id="logout-heading">{t.dialog_title}</h1>
            {dialog.problem.map(|problem| view! { <ProblemNotice problem t /> })}
            {dialog.mismatch.then(|| view! { <p class="warning" role="alert">{t.mismatch}</p> })}
            {dialog
                .client_name
                .map(|name| view! { <p>{t.client_asks} " " <strong data-testid="client-name">{name}</strong> "."</p> })}
            <p>{t.signed_in_as} " " <strong data-testid="username">{dialog.username}</strong> "."</p>
            <p class="question">{t.question}</p>
            <form method="post" action=ConfirmLogout::PATH class="choices">
                <input type="hidden" name="csrf" value=dialog.csrf />
                <input type="hidden" name="request" value=dialog.request />
                <button type="submit" name="choice" value="yes">{t.yes}</button>
                <button type="submit" name="choice" value="no" class="secondary">{t.no}</button>
            </form>
        </section>
    }
}

/// What was wrong with the request, above the dialog or the signed-out text.
#[component]
fn ProblemNotice(problem: ProblemKind, t: &'static Texts) -> impl IntoView {
    view! {
        <div class="error" role="alert">
            <strong>{t.problem_heading}</strong>
            <p>{problem.message(t)}</p>
        </div>
    }
}

#[component]
fn SignedOutView(
    locale: Locale,
    problem: Option<ProblemKind>,
    #[prop(optional_no_strip)] return_to: Option<ReturnTo>,
) -> impl IntoView {
    let t = texts(locale);
    view! {
        <section class="card narrow" lang=locale.tag() aria-labelledby="done-heading">
            {problem.map(|problem| view! { <ProblemNotice problem t /> })}
            <h1 id="done-heading">{t.signed_out_title}</h1>
            <p>{t.signed_out_body}</p>
            {return_to
                .map(|r| {
                    view! {
                        <p>
                            <a class="button" href=r.url data-testid="return-to">
                                {t.return_to} " " {r.client_name}
                            </a>
                        </p>
                    }
                })}
        </section>
    }
}

/// `/logout/done?outcome=signed_out|still_signed_in&lang=..`: the result when
/// there is no post-logout redirect. It names nobody: a name in the URL could
/// be anyone's, written by anyone.
#[component]
pub fn LogoutDonePage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::respond::mark_no_store();
    let query = use_query_map();
    let q = query.read_untracked();
    let locale = match q.get("lang").as_deref() {
        Some("de") => Locale::De,
        Some("fr") => Locale::Fr,
        _ => Locale::En,
    };
    let t = texts(locale);
    let still = q.get("outcome").as_deref() == Some("still_signed_in");
    view! {
        <Title text=if still { t.still_signed_in_title } else { t.signed_out_title } />
        <section class="card narrow" lang=locale.tag() aria-labelledby="done-heading">
            {if still {
                view! {
                    <h1 id="done-heading">{t.still_signed_in_title}</h1>
                    <p>{t.still_signed_in_body}</p>
                }
                    .into_any()
            } else {
                view! {
                    <h1 id="done-heading">{t.signed_out_title}</h1>
                    <p>{t.signed_out_body}</p>
                }
                    .into_any()
            }}
        </section>
    }
}

/// One client's front-channel logout iframe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontchannelFrame {
    pub client_name: String,
    /// The client's `frontchannel_logout_uri` with `iss` and `sid` added.
    pub url: String,
}

/// What the front-channel page does: load every frame, then go on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontchannelPlan {
    pub locale: Locale,
    pub frames: Vec<FrontchannelFrame>,
    /// The validated post-logout redirect, or signoff's own result page.
    pub continue_to: String,
}

/// How long the page waits for the iframes before it names the clients that
/// did not load (Front-Channel Logout §4.1 asks OPs to tell the user).
pub const FRONTCHANNEL_WAIT_MS: u32 = 5_000;
/// How long that notice stays before the page goes on anyway.
pub const FRONTCHANNEL_NOTICE_MS: u32 = 3_000;

/// The plan for `/logout/frontchannel?id=…`; `None` once it has expired.
#[server]
pub async fn load_frontchannel_page() -> Result<Option<FrontchannelPlan>, ServerFnError> {
    crate::server::logout::frontchannel_page().await
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
                            <ul>{missing.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                            <p>{continuing.clone()}</p>
                        </div>
                    }
                })
        }}
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn dialog(
        locale: Locale,
        client: bool,
        mismatch: bool,
        problem: Option<ProblemKind>,
    ) -> Dialog {
        Dialog {
            locale,
            client_name: client.then(|| "Shop and more".to_owned()),
            username: "ada.lovelace".to_owned(),
            mismatch,
            problem,
            request: "id_token_hint=eyJ.x.y&state=s-1".to_owned(),
            csrf: "Zm9vYmFy".to_owned(),
        }
    }

    #[test]
    fn the_filled_dialog_is_the_page_leptos_renders_for_every_shape() {
        let problems = [
            None,
            Some(ProblemKind::InvalidHint),
            Some(ProblemKind::UnknownClient),
            Some(ProblemKind::UnverifiableRedirect),
            Some(ProblemKind::UnregisteredRedirect),
            Some(ProblemKind::BadRequest),
        ];
        for locale in [Locale::En, Locale::De, Locale::Fr] {
            for client in [false, true] {
                for mismatch in [false, true] {
                    for problem in problems {
                        let d = dialog(locale, client, mismatch, problem);
                        // Twice: the first call renders the template, the second reuses it.
                        for _ in 0..2 {
                            assert_eq!(
                                LogoutView::Dialog(d.clone()).render(),
                                render_dialog(d.clone()),
                                "{locale:?} {client} {mismatch} {problem:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn values_in_the_filled_dialog_are_escaped() {
        let mut d = dialog(Locale::En, true, false, None);
        d.client_name = Some("<img src=x onerror=alert(1)>".to_owned());
        d.request = "state=\"><script>x</script>".to_owned();
        let html = LogoutView::Dialog(d).render();
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!html.contains("<script>x"));
        assert!(html.contains("value=\"state=&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
    }
}
