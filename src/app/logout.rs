//! The end-session pages: the confirmation dialog and the result page.
//! Both are server-rendered forms that work without JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::i18n::{Locale, Texts, texts};

/// What is wrong with a request, in words the user can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// What GET /logout shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogoutView {
    Dialog(Dialog),
    /// No OP session (or nothing left to ask): the signed-out page.
    SignedOut {
        locale: Locale,
        problem: Option<ProblemKind>,
    },
    /// The server answered with a redirect.
    Redirected,
}

/// Decides what `/logout` shows for the request in the page URL (GET) or the
/// stored POST. Reads only, unless the client's policy lets a request that
/// proves itself skip the dialog.
#[server]
pub async fn load_logout_view() -> Result<LogoutView, ServerFnError> {
    crate::server::logout::view_for_page().await
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
    leptos_axum::redirect(target.as_str());
    Ok(())
}

#[component]
pub fn LogoutPage() -> impl IntoView {
    let view = Resource::new(|| (), |_| load_logout_view());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                view.await
                    .map(|v| match v {
                        LogoutView::Dialog(dialog) => view! { <DialogView dialog /> }.into_any(),
                        LogoutView::SignedOut { locale, problem } => {
                            view! { <SignedOutView locale problem /> }.into_any()
                        }
                        LogoutView::Redirected => ().into_any(),
                    })
            })}
        </Suspense>
    }
}

#[component]
fn DialogView(dialog: Dialog) -> impl IntoView {
    let t = texts(dialog.locale);
    view! {
        <Title text=t.dialog_title />
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
fn SignedOutView(locale: Locale, problem: Option<ProblemKind>) -> impl IntoView {
    let t = texts(locale);
    view! {
        <Title text=t.signed_out_title />
        <section class="card narrow" lang=locale.tag() aria-labelledby="done-heading">
            {problem.map(|problem| view! { <ProblemNotice problem t /> })}
            <h1 id="done-heading">{t.signed_out_title}</h1>
            <p>{t.signed_out_body}</p>
        </section>
    }
}

/// `/logout/done?outcome=signed_out|still_signed_in&lang=..&user=..`: the result
/// when there is no post-logout redirect. Front-channel iframes (issue #6) go here.
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
    let user = q.get("user").unwrap_or_default();
    view! {
        <Title text=if still { t.still_signed_in_title } else { t.signed_out_title } />
        <section class="card narrow" lang=locale.tag() aria-labelledby="done-heading">
            {if still {
                view! {
                    <h1 id="done-heading">{t.still_signed_in_title}</h1>
                    <p>{t.still_signed_in_body} " " <strong>{user}</strong> "."</p>
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
