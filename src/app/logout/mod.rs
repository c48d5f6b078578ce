//! The end-session pages: the confirmation dialog, the result page and the
//! front-channel page. All are server-rendered and work without JavaScript.
//!
//! - `dialog`: what GET /logout shows (server only: a plain handler renders it).
//! - `done`: `/logout/done`, the result without a post-logout redirect.
//! - `frontchannel`: `/logout/frontchannel`, the clients' iframes.
//! - `live`: the dialog's island: Yes without leaving the page, each app's
//!   sign-out shown as it happens.
//! - `ssr`: the server functions' bodies.

use leptos::prelude::*;

use crate::app::error::FnError;
use crate::i18n::{Locale, Texts, texts};

#[cfg(feature = "ssr")]
mod dialog;
mod done;
mod frontchannel;
pub mod live;
#[cfg(feature = "ssr")]
mod ssr;

#[cfg(feature = "ssr")]
pub use dialog::{Dialog, LogoutView};
pub use done::LogoutDonePage;
pub use frontchannel::FrontchannelPage;

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

/// The dialog's answer. CSRF-protected; the decision is made again from the
/// original request, never from anything else the form says.
#[server(endpoint = "logout/confirm")]
pub async fn confirm_logout(csrf: String, request: String, choice: String) -> Result<(), FnError> {
    let target = ssr::confirm(csrf, request, choice).await?;
    crate::server::respond::Redirect::see_other(&target).apply();
    Ok(())
}

/// The signed-out page's way back to the client: a button the user clicks,
/// for a validated URI of a client that only `client_id` identified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnTo {
    pub client_name: String,
    pub url: String,
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
                                {t.return_to}
                                " "
                                {r.client_name}
                            </a>
                        </p>
                    }
                })}
        </section>
    }
}
