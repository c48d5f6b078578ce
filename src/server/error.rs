//! Which error type belongs where:
//! - `crate::oidc` returns its own protocol error enums (no HTTP, no I/O).
//! - `server::config::ConfigError` and `anyhow::Error` are for start-up and the CLI.
//! - Plain axum handlers return [`AppError`], which renders the Leptos error page
//!   with the right status and never shows internals.
//! - Server functions return `ServerFnError`; unexpected failures go through
//!   [`internal`], which logs the cause and hands the browser a generic message.

use std::any::Any;
use std::fmt::{Debug, Display};

use axum::body::Body;
use axum::http::{Response, StatusCode, header};
use axum::response::IntoResponse;
use leptos::prelude::ServerFnError;

use axum::http::HeaderValue;

use super::admin::SHOW_SECRET_HEADER;
use crate::app::admin::clients::render_secret_document;
use crate::app::error::{UiError, render_error_document};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A request refused with a 400 page; the message is shown to the user.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let ui = match &self {
            AppError::BadRequest(why) => UiError::BadRequest(why),
            AppError::NotFound => UiError::NotFound,
            AppError::Internal(err) => {
                tracing::error!(error = ?err, "request failed");
                UiError::Internal
            }
        };
        error_page(ui)
    }
}

/// The Leptos-rendered error page as a complete response.
pub fn error_page(error: UiError) -> axum::response::Response {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        render_error_document(error),
    )
        .into_response()
}

/// Middleware for server functions (`/api/*`). A failed call never shows
/// server_fn's internal text (`Args|missing field ...`):
/// - a missing or malformed argument, or a body that is not UTF-8, is a 400
///   for every caller (server_fn itself answers 500);
/// - a plain HTML form (no JavaScript) gets our error page instead of a
///   redirect to `/` with a `serverfnerror` header: 400 for a tampered or
///   incomplete form, 403, 404, 429 and 503 as themselves, anything else 500;
/// - a fetch-style caller gets a JSON error with the same status;
/// - a change that created a client secret is answered with the page that
///   shows it (the secret travels in an internal header, removed here).
pub async fn server_fn_responses(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let from_form = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let mut response = next.run(request).await;
    if let Some(value) = response.headers_mut().remove(&SHOW_SECRET_HEADER) {
        return secret_page(&value);
    }
    let status = response.status();
    let failed = response.headers().contains_key("serverfnerror")
        || status.is_client_error()
        || status.is_server_error();
    if !failed {
        return response;
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let body = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .unwrap_or_default();
    let is_argument_error = [
        &b"Args|"[..],
        b"Deserialization|",
        b"MissingArg|",
        b"Request|",
    ]
    .iter()
    .any(|prefix| body.starts_with(prefix));
    let ui = match status {
        _ if is_argument_error => UiError::BadRequest(
            "The form could not be processed. Go back, reload the page and try again.",
        ),
        StatusCode::FORBIDDEN => UiError::Forbidden,
        StatusCode::NOT_FOUND => UiError::NotFound,
        StatusCode::TOO_MANY_REQUESTS => UiError::TooManyRequests,
        StatusCode::SERVICE_UNAVAILABLE => UiError::Busy,
        s if s.is_client_error() => UiError::BadRequest(
            "The form could not be processed. Go back, reload the page and try again.",
        ),
        _ => UiError::Internal,
    };
    let mut response = if from_form {
        error_page(ui)
    } else {
        json_error(ui)
    };
    if let Some(value) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn secret_page(value: &HeaderValue) -> axum::response::Response {
    let Some((client_id, secret)) = value.to_str().ok().and_then(|v| v.rsplit_once(' ')) else {
        return error_page(UiError::Internal);
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        render_secret_document(client_id, secret),
    )
        .into_response()
}

/// A server function's failure for a caller that is not an HTML form.
fn json_error(error: UiError) -> axum::response::Response {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = match error {
        UiError::BadRequest(_) => "invalid_request",
        UiError::Forbidden => "access_denied",
        UiError::NotFound => "not_found",
        UiError::TooManyRequests => "too_many_requests",
        UiError::Busy => "temporarily_unavailable",
        UiError::Internal => "server_error",
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({ "error": code, "error_description": error.to_string() })),
    )
        .into_response()
}

/// For `CatchPanicLayer`: a panic in a handler becomes the generic 500 page.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %message, "a request handler panicked");
    error_page(UiError::Internal)
}

/// Logs an unexpected server-function failure and returns an error that says
/// nothing about its cause.
pub fn internal<E: Debug + Display>(context: &'static str) -> impl FnOnce(E) -> ServerFnError {
    move |err| {
        tracing::error!(error = ?err, "{context}");
        ServerFnError::new("internal error")
    }
}
