//! Security headers. Every response gets `nosniff`, `no-referrer` and a framing
//! ban; HTML pages rendered by Leptos get a per-request nonce in their CSP so that
//! the hydration script (and nothing else inline) may run.

use std::future::{Ready, ready};
use std::task::{Context, Poll};

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, VARY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response};
use futures_util::future::{Either, FutureExt, Map};
use tower::{Layer, Service};

/// For responses that did not set their own policy: error pages, static files,
/// JSON. No script may run, and nothing may frame us.
pub const DEFAULT_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The end-session dialog and its signed-out page: no script at all, no
/// framing. No `form-action`, for the reason [`page_csp`] gives.
pub const DIALOG_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     frame-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The policy for Leptos pages: scripts only when they carry this response's
/// nonce, or are loaded by one that does (`'strict-dynamic'`), and
/// `wasm-unsafe-eval` so the hydration module can compile. No `'self'`: a
/// same-origin URL that answers with script-like text (the JSONP of
/// `/userStatus.json`) must not be usable as a script gadget.
///
/// No `form-action`: browsers apply it to the redirect that follows a form POST,
/// and the logout form legitimately redirects to a client's registered URI.
///
/// The page may frame exactly `frame_origins` (the apps whose front-channel
/// logout it sends) and nothing else, and may fetch from them too: the
/// probe that tells an app that was reached from one that was not
/// (README, "What the sign-out page claims").
pub fn page_csp(nonce: &str, frame_origins: &[String]) -> String {
    let (frame_src, connect_extra) = if frame_origins.is_empty() {
        ("'none'".to_owned(), String::new())
    } else {
        let origins = frame_origins.join(" ");
        (origins.clone(), format!(" {origins}"))
    };
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{connect_extra}; \
         object-src 'none'; frame-src {frame_src}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// The layer that completes every response: `nosniff`, `no-referrer`, a
/// framing ban, [`DEFAULT_CSP`] unless the response set its own policy, and
/// Strict-Transport-Security for an https issuer (browsers then never talk
/// to signoff over plain http for a year). One service and one plain future
/// for all of them: static values set in place, nothing boxed or copied.
#[derive(Clone, Copy, Debug)]
pub struct SecurityHeadersLayer {
    hsts: bool,
}

impl SecurityHeadersLayer {
    pub fn new(https: bool) -> Self {
        Self { hsts: https }
    }
}

impl<S> Layer<S> for SecurityHeadersLayer {
    type Service = SecurityHeaders<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecurityHeaders {
            inner,
            hsts: self.hsts,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct SecurityHeaders<S> {
    inner: S,
    hsts: bool,
}

/// What a response future is mapped with: a plain function, so the future
/// has a name and needs no box.
type Complete<B, E> = fn(Result<Response<B>, E>) -> Result<Response<B>, E>;

impl<S, ReqBody, B> Service<Request<ReqBody>> for SecurityHeaders<S>
where
    S: Service<Request<ReqBody>, Response = Response<B>>,
{
    type Response = Response<B>;
    type Error = S::Error;
    type Future = Map<S::Future, Complete<B, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let complete: Complete<B, S::Error> = if self.hsts {
            complete_over_https
        } else {
            complete
        };
        self.inner.call(request).map(complete)
    }
}

fn complete<B, E>(response: Result<Response<B>, E>) -> Result<Response<B>, E> {
    response.map(|mut response| {
        set_security_headers(response.headers_mut());
        response
    })
}

fn complete_over_https<B, E>(response: Result<Response<B>, E>) -> Result<Response<B>, E> {
    response.map(|mut response| {
        let headers = response.headers_mut();
        set_security_headers(headers);
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
        response
    })
}

fn set_security_headers(headers: &mut HeaderMap) {
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CSP),
        );
    }
}

/// CORS for the public endpoints (discovery, JWKS, token, userinfo), which
/// any origin may call and which never read cookies: `*`, no credentials. A
/// preflight (`OPTIONS`) is answered here. Static values set in place, where
/// a general CORS layer clones its configuration and joins its `Vary` list
/// into a new string on every request.
#[derive(Clone, Copy, Debug)]
pub struct PublicCorsLayer;

impl<S> Layer<S> for PublicCorsLayer {
    type Service = PublicCors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PublicCors(inner)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct PublicCors<S>(S);

const CORS_VARY: &str = "origin, access-control-request-method, access-control-request-headers";

impl<S, ReqBody> Service<Request<ReqBody>> for PublicCors<S>
where
    S: Service<Request<ReqBody>, Response = axum::response::Response>,
{
    type Response = axum::response::Response;
    type Error = S::Error;
    type Future = Either<
        Ready<Result<axum::response::Response, S::Error>>,
        Map<S::Future, Complete<axum::body::Body, S::Error>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        if request.method() == Method::OPTIONS {
            let mut preflight = axum::response::Response::default();
            let headers = preflight.headers_mut();
            set_cors_headers(headers);
            headers.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET,POST"),
            );
            headers.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization,content-type"),
            );
            return Either::Left(ready(Ok(preflight)));
        }
        Either::Right(self.0.call(request).map(with_cors as Complete<_, _>))
    }
}

fn with_cors<B, E>(response: Result<Response<B>, E>) -> Result<Response<B>, E> {
    response.map(|mut response| {
        set_cors_headers(response.headers_mut());
        response
    })
}

fn set_cors_headers(headers: &mut HeaderMap) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.append(VARY, HeaderValue::from_static(CORS_VARY));
}

/// Called from the Leptos shell during SSR: sets this page's CSP with its nonce.
pub fn provide_page_csp() {
    set_page_csp(&[]);
}

/// Replaces this page's CSP with one that may frame `frame_origins`.
pub fn set_page_csp(frame_origins: &[String]) {
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    let (Some(response), Some(nonce)) =
        (use_context::<ResponseOptions>(), leptos::nonce::use_nonce())
    else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce, frame_origins)) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_forbids_framing_and_names_the_nonce() {
        let csp = page_csp("abc123", &[]);
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("script-src 'nonce-abc123' 'strict-dynamic' 'wasm-unsafe-eval'"));
        assert!(!csp.contains("unsafe-inline"));
        let script_src = csp.split(';').find(|d| d.contains("script-src")).unwrap();
        assert!(
            !script_src.contains("'self'"),
            "no same-origin script gadget: {script_src}"
        );
    }

    #[test]
    fn only_the_front_channel_page_may_frame_and_only_its_clients() {
        assert!(page_csp("n", &[]).contains("frame-src 'none'"));
        let origins = vec![
            "https://a.example".to_owned(),
            "http://127.0.0.1:8080".to_owned(),
        ];
        let csp = page_csp("n", &origins);
        assert!(csp.contains("frame-src https://a.example http://127.0.0.1:8080;"));
        assert!(csp.contains("connect-src 'self' https://a.example http://127.0.0.1:8080;"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn the_default_policy_allows_no_script_at_all() {
        assert!(!DEFAULT_CSP.contains("script-src"));
        assert!(DEFAULT_CSP.starts_with("default-src 'none'"));
        assert!(DEFAULT_CSP.contains("frame-ancestors 'none'"));
    }
}
