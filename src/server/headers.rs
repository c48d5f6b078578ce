//! Security headers. Every response gets `nosniff`, `no-referrer` and a framing
//! ban; HTML pages rendered by Leptos get a per-request nonce in their CSP so that
//! the hydration script (and nothing else inline) may run.

use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use tower_http::set_header::SetResponseHeaderLayer;

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
/// The page may frame exactly `frame_origins` (the front-channel logout
/// page's clients) and nothing else.
pub fn page_csp(nonce: &str, frame_origins: &[String]) -> String {
    let frame_src = if frame_origins.is_empty() {
        "'none'".to_owned()
    } else {
        frame_origins.join(" ")
    };
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         frame-src {frame_src}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// The layers that complete every response: `nosniff`, `no-referrer`, a
/// framing ban, and [`DEFAULT_CSP`] unless the response set its own policy.
/// Each is a static header set in place: no future to box, nothing to copy.
pub type SecurityHeaders = (
    SetResponseHeaderLayer<HeaderValue>,
    SetResponseHeaderLayer<HeaderValue>,
    SetResponseHeaderLayer<HeaderValue>,
    SetResponseHeaderLayer<HeaderValue>,
);

pub fn security_headers() -> SecurityHeaders {
    let set =
        |name, value| SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value));
    (
        set(X_CONTENT_TYPE_OPTIONS, "nosniff"),
        set(REFERRER_POLICY, "no-referrer"),
        set(X_FRAME_OPTIONS, "DENY"),
        SetResponseHeaderLayer::if_not_present(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CSP),
        ),
    )
}

/// Strict-Transport-Security, for an https issuer: browsers then never talk
/// to signoff over plain http for a year.
pub fn hsts() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(
        STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    )
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
        assert!(csp.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn the_default_policy_allows_no_script_at_all() {
        assert!(!DEFAULT_CSP.contains("script-src"));
        assert!(DEFAULT_CSP.starts_with("default-src 'none'"));
        assert!(DEFAULT_CSP.contains("frame-ancestors 'none'"));
    }
}
