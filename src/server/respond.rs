//! Shaping responses: redirects ([`Redirect`], for plain handlers and, through
//! Leptos' `ResponseOptions`, for server functions and page renders), and the
//! status and caching of a page render or a server function.

use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use url::Url;

/// Internal: set by a server function that must answer with a client's new
/// secret, turned into that page by `server::error::server_fn_responses`,
/// never sent.
pub static SHOW_SECRET_HEADER: axum::http::HeaderName =
    axum::http::HeaderName::from_static("x-signoff-internal-secret-page");

/// Pages that name the user or carry a CSRF token are never cached.
pub fn mark_no_store() {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.insert_header(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

pub fn set_status(status: StatusCode) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(status);
    }
}

/// A redirect, the one way signoff redirects: built with `url`, answered by
/// a plain handler ([`IntoResponse`]) or, from a server function or a page
/// render, through Leptos' `ResponseOptions` ([`Redirect::apply`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    status: StatusCode,
    location: Url,
}

impl Redirect {
    /// 302: the status RP-Initiated Logout's examples and ORCID use, and a
    /// page that sends the browser elsewhere.
    pub fn found(location: &Url) -> Self {
        Self {
            status: StatusCode::FOUND,
            location: location.clone(),
        }
    }

    /// 303: the answer to a form POST, so the browser GETs the next page
    /// whether or not JavaScript runs, and a reload does not post again.
    pub fn see_other(location: &Url) -> Self {
        Self {
            status: StatusCode::SEE_OTHER,
            location: location.clone(),
        }
    }

    /// From a server function or a page render. Sets `Location` and the
    /// status through `ResponseOptions` alone: `leptos_axum::redirect` also
    /// needs the request `Parts` in context, and without them (seen once in
    /// Playwright: a page rendered where they were missing) it silently sets
    /// no `Location`, leaving a redirect status with nowhere to go.
    pub fn apply(self) {
        let Some(response) = use_context::<ResponseOptions>() else {
            tracing::error!(url = %self.location, "no response options to redirect with");
            return;
        };
        match HeaderValue::from_str(self.location.as_str()) {
            Ok(location) => {
                response.insert_header(LOCATION, location);
                response.set_status(self.status);
            }
            Err(_) => {
                tracing::error!(url = %self.location, "a redirect URL that is not a header value")
            }
        }
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        match HeaderValue::from_str(self.location.as_str()) {
            Ok(location) => (self.status, [(LOCATION, location)]).into_response(),
            Err(_) => {
                tracing::error!(url = %self.location, "a redirect URL that is not a header value");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_answers_with_its_status_and_location() {
        let url = Url::parse("https://rp.example.com/bye?state=a%20b").unwrap();
        for (redirect, status) in [
            (Redirect::found(&url), StatusCode::FOUND),
            (Redirect::see_other(&url), StatusCode::SEE_OTHER),
        ] {
            let response = redirect.into_response();
            assert_eq!(response.status(), status);
            assert_eq!(
                response.headers()[LOCATION],
                "https://rp.example.com/bye?state=a%20b"
            );
        }
    }
}
