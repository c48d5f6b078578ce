//! Which error type belongs where:
//! - `crate::oidc` returns its own protocol error enums (no HTTP, no I/O).
//! - `server::config::ConfigError` and `anyhow::Error` are for start-up and the CLI.
//! - Plain axum handlers return [`AppError`], which renders the Leptos error page
//!   with the right status and never shows internals.
//! - Server functions return [`FnError`]: an `anyhow::Error` becomes
//!   `FnError::Internal` through `?`, logged once with its causes, and the
//!   browser gets a generic message. [`server_fn_responses`] maps each kind to
//!   its status and page.

use std::any::Any;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{Response, StatusCode, header};
use axum::response::IntoResponse;

use axum::http::HeaderValue;
use futures_util::future::Either;
use tower::{Layer, Service};

use super::respond::SHOW_SECRET_HEADER;
use crate::app::admin::clients::render_secret_document;
use crate::app::error::{FnError, UiError, render_error_document};
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A request refused with a 400 page; the message is shown to the user.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// Signed in, but not allowed: the 403 page.
    #[error("forbidden")]
    Forbidden,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let ui = match &self {
            AppError::BadRequest(why) => UiError::BadRequest(why),
            AppError::Forbidden => UiError::Forbidden,
            AppError::Internal(err) if super::db::is_unstorable_text(err) => {
                UiError::BadRequest("The request holds text that cannot be stored.")
            }
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

/// The layer for server functions (`/api/*`). A failed call never shows
/// server_fn's internal text, and gets the status its [`FnError`] says
/// (server_fn itself answers every error with 500):
/// - a missing or malformed argument, or a body that is not UTF-8, is a 400
///   for every caller;
/// - a plain HTML form (no JavaScript) gets our error page instead of a
///   redirect to `/` with a `serverfnerror` header: 400 for a tampered or
///   incomplete form, 403, 404, 429 and 503 as themselves, anything else 500;
/// - a fetch-style caller gets a JSON error with the same status;
/// - a change that created a client secret is answered with the page that
///   shows it (the secret travels in an internal header, removed here).
///
/// Every other path goes straight to the inner service, with its own future:
/// no box, no clone.
#[derive(Clone, Copy, Debug)]
pub struct ServerFnResponsesLayer;

impl<S> Layer<S> for ServerFnResponsesLayer {
    type Service = ServerFnResponses<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ServerFnResponses(inner)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct ServerFnResponses<S>(S);

type Answer = Pin<Box<dyn Future<Output = Result<axum::response::Response, Infallible>> + Send>>;

impl<S> Service<axum::extract::Request> for ServerFnResponses<S>
where
    S: Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Either<S::Future, Answer>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        if !request.uri().path().starts_with("/api/") {
            return Either::Left(self.0.call(request));
        }
        let from_form = request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        let answer = self.0.call(request);
        Either::Right(Box::pin(async move {
            let response = answer.await?;
            Ok(server_fn_answer(from_form, response).await)
        }))
    }
}

async fn server_fn_answer(
    from_form: bool,
    mut response: axum::response::Response,
) -> axum::response::Response {
    if let Some(value) = response.headers_mut().remove(&SHOW_SECRET_HEADER) {
        return secret_page(&value);
    }
    let status = response.status();
    let from_server_fn = response.headers().contains_key(SERVER_FN_ERROR_HEADER);
    if !from_server_fn && !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let ui = if from_server_fn {
        // Our own error type, in our own encoding (`FnError`'s JSON).
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .unwrap_or_default();
        FnError::de(body).ui()
    } else {
        // Not a server function's answer: the rate limiter's 429, or an
        // unknown server function's 400.
        match status {
            StatusCode::FORBIDDEN => UiError::Forbidden,
            StatusCode::NOT_FOUND => UiError::NotFound,
            StatusCode::TOO_MANY_REQUESTS => UiError::TooManyRequests,
            StatusCode::SERVICE_UNAVAILABLE => UiError::Busy,
            s if s.is_client_error() => FnError::BadRequest(String::new()).ui(),
            _ => UiError::Internal,
        }
    };
    let retry_after = match ui {
        UiError::Busy => Some(HeaderValue::from_static("1")),
        _ => retry_after,
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
