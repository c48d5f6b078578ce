use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// The one error type of every server function. It says what kind of
/// failure it was, never its cause: an unexpected failure is logged once, on
/// the server, where it becomes [`FnError::Internal`]. The server-function
/// middleware (`server::error::server_fn_responses`) turns it into the
/// status and the page or JSON a caller gets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum FnError {
    /// A missing, malformed or tampered argument (a form's CSRF token, say): 400.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Signed in, without the role this needs: 403.
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Every password-check slot is taken: 503, come back in a second.
    #[error("busy")]
    Busy,
    #[error("internal error")]
    Internal,
}

impl FnError {
    /// What the UI shows for it.
    pub fn ui(&self) -> UiError {
        match self {
            FnError::BadRequest(_) => UiError::BadRequest(
                "The form could not be processed. Go back, reload the page and try again.",
            ),
            FnError::Forbidden => UiError::Forbidden,
            FnError::NotFound => UiError::NotFound,
            FnError::Busy => UiError::Busy,
            FnError::Internal => UiError::Internal,
        }
    }
}

impl FromServerFnError for FnError {
    type Encoder = JsonEncoding;

    /// server_fn's own failures: on the server, an argument that is missing or
    /// does not decode (400); anything else is internal.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(why)
            | ServerFnErrorErr::MissingArg(why)
            | ServerFnErrorErr::Deserialization(why)
            | ServerFnErrorErr::Request(why) => FnError::BadRequest(why),
            _ => FnError::Internal,
        }
    }
}

/// An unexpected failure: logged here, once, with its whole chain of causes;
/// the caller learns only that it was internal.
#[cfg(feature = "ssr")]
impl From<anyhow::Error> for FnError {
    fn from(err: anyhow::Error) -> Self {
        if crate::server::db::is_unstorable_text(&err) {
            return FnError::BadRequest("text the database cannot store".into());
        }
        tracing::error!(error = ?err, "server function failed");
        FnError::Internal
    }
}

/// What the UI tells a person when a page cannot be shown. It carries no cause:
/// causes are logged on the server and never rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UiError {
    /// A request we refuse; the message says why, in words for the user.
    #[error("This request cannot be completed")]
    BadRequest(&'static str),
    /// Signed in, but this needs a role the user does not have.
    #[error("Access denied")]
    Forbidden,
    #[error("Page not found")]
    NotFound,
    /// This address sent more requests than it may (429).
    #[error("Too many requests")]
    TooManyRequests,
    /// Too much work at once to take this request now (503).
    #[error("Busy")]
    Busy,
    #[error("Something went wrong")]
    Internal,
}

impl UiError {
    pub fn status_code(self) -> u16 {
        match self {
            UiError::BadRequest(_) => 400,
            UiError::Forbidden => 403,
            UiError::NotFound => 404,
            UiError::TooManyRequests => 429,
            UiError::Busy => 503,
            UiError::Internal => 500,
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            UiError::BadRequest(why) => why,
            UiError::Forbidden => {
                "This part of signoff is for administrators, and the account you are signed in with is not one."
            }
            UiError::NotFound => {
                "There is nothing at this address. Check the link, or start again from the home page."
            }
            UiError::TooManyRequests => {
                "Too many requests came from your network in a short time. Wait a minute, then try again."
            }
            UiError::Busy => {
                "signoff is busy with many sign-ins at this moment. Wait a few seconds, then try again."
            }
            UiError::Internal => {
                "signoff could not complete this request. Nothing you did caused it; please try again in a moment."
            }
        }
    }
}

/// The error page body. During SSR it also sets the real HTTP status.
#[component]
pub fn ErrorPage(error: UiError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(error.status_code()),
    ) {
        response.set_status(status);
    }
    view! {
        <Title text=error.to_string() />
        <ErrorBody error />
    }
}

#[component]
fn ErrorBody(error: UiError) -> impl IntoView {
    view! {
        <section class="error-page" aria-labelledby="error-heading">
            <p class="error-code">{error.status_code()}</p>
            <h1 id="error-heading">{error.to_string()}</h1>
            <p>{error.explanation()}</p>
            <p>
                <a href="/">"Go to the home page"</a>
            </p>
        </section>
    }
}

/// The `ErrorBoundary` fallback: a [`UiError`] is shown as itself; anything else
/// (a failed server function, say) is an internal error.
#[component]
pub fn ErrorTemplate(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let error = errors
        .read_untracked()
        .iter()
        .next()
        .map(|(_, err)| {
            err.downcast_ref::<UiError>()
                .copied()
                .unwrap_or(UiError::Internal)
        })
        .unwrap_or(UiError::Internal);
    view! { <ErrorPage error /> }
}

/// A complete, script-free error document for responses made outside the Leptos
/// router (protocol handlers, panics).
#[cfg(feature = "ssr")]
pub fn render_error_document(error: UiError) -> String {
    super::render_document("en", format!("{error} · signoff"), move || {
        view! { <ErrorBody error /> }
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_standalone_error_document_names_the_error_and_runs_no_script() {
        let html = render_error_document(UiError::Internal);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("Something went wrong"));
        assert!(html.contains("<title>Something went wrong · signoff</title>"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn argument_failures_are_bad_requests_and_the_rest_is_internal() {
        for e in [
            ServerFnErrorErr::Args("x".into()),
            ServerFnErrorErr::MissingArg("csrf".into()),
            ServerFnErrorErr::Deserialization("x".into()),
        ] {
            assert_eq!(FnError::from_server_fn_error(e).ui().status_code(), 400);
        }
        let other = FnError::from_server_fn_error(ServerFnErrorErr::ServerError("x".into()));
        assert_eq!(other, FnError::Internal);
        let logged: FnError = anyhow::anyhow!("the database is gone").into();
        assert_eq!(logged.ui().status_code(), 500);
        assert_eq!(FnError::ser(&FnError::Forbidden), r#""Forbidden""#);
        assert_eq!(
            FnError::de(r#"{"BadRequest":"csrf"}"#.into()),
            FnError::BadRequest("csrf".into())
        );
    }

    #[test]
    fn each_ui_error_maps_to_its_http_status() {
        assert_eq!(UiError::Forbidden.status_code(), 403);
        assert_eq!(UiError::NotFound.status_code(), 404);
        assert_eq!(UiError::Internal.status_code(), 500);
    }
}
