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

/// Middleware: a server function called by a plain HTML form (no JavaScript)
/// that fails answers with a redirect to `/` and a `serverfnerror` header, or
/// with a text body; the person gets our error page instead. Argument errors
/// (a tampered or incomplete form) are a 400, anything else a 500.
pub async fn html_errors_for_forms(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let from_form = request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    let response = next.run(request).await;
    let status = response.status();
    let failed = response.headers().contains_key("serverfnerror")
        || status.is_client_error()
        || status.is_server_error();
    if !from_form || !failed {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .unwrap_or_default();
    let is_argument_error = [&b"Args|"[..], b"Deserialization|", b"MissingArg|"]
        .iter()
        .any(|prefix| body.starts_with(prefix));
    if status == StatusCode::FORBIDDEN {
        error_page(UiError::Forbidden)
    } else if status == StatusCode::NOT_FOUND {
        error_page(UiError::NotFound)
    } else if is_argument_error || status.is_client_error() {
        error_page(UiError::BadRequest(
            "The form could not be processed. Go back, reload the page and try again.",
        ))
    } else {
        error_page(UiError::Internal)
    }
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
