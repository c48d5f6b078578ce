//! Shaping the HTTP response of a page render or a server function through
//! Leptos' `ResponseOptions`: status, caching, redirects.

use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use url::Url;

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

/// A redirect from a page render. `leptos_axum::redirect` sets the status only
/// for requests that accept HTML; a page answer is a redirect for any client.
pub fn redirect_page(url: &Url) {
    leptos_axum::redirect(url.as_str());
    set_status(StatusCode::FOUND);
}

/// The answer to a form POST: 303, so the browser GETs the next page whether
/// or not JavaScript runs, and a reload does not post again.
pub fn see_other(url: &Url) {
    leptos_axum::redirect(url.as_str());
    set_status(StatusCode::SEE_OTHER);
}
