//! Shaping the HTTP response of a page render or a server function through
//! Leptos' `ResponseOptions`: status, caching, redirects.

use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderValue, StatusCode};
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

/// A redirect from a page render, for any client.
pub fn redirect_page(url: &Url) {
    redirect_with(url, StatusCode::FOUND);
}

/// The answer to a form POST: 303, so the browser GETs the next page whether
/// or not JavaScript runs, and a reload does not post again.
pub fn see_other(url: &Url) {
    redirect_with(url, StatusCode::SEE_OTHER);
}

/// Sets `Location` and the status through `ResponseOptions` alone.
/// `leptos_axum::redirect` also needs the request `Parts` in context, and
/// without them (seen once in Playwright: a page rendered where they were
/// missing) it silently sets no `Location`, leaving a redirect status with
/// nowhere to go.
fn redirect_with(url: &Url, status: StatusCode) {
    let Some(response) = use_context::<ResponseOptions>() else {
        tracing::error!(%url, "no response options to redirect with");
        return;
    };
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => {
            response.insert_header(LOCATION, location);
            response.set_status(status);
        }
        Err(_) => tracing::error!(%url, "a redirect URL that is not a header value"),
    }
}
