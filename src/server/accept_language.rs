//! The `Accept-Language` header, read once for every caller: plain handlers
//! take it as an extractor, server functions through `leptos_axum::extract`.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;

use crate::i18n::{Locale, negotiate};

/// The request's `Accept-Language`, if it sent one (a reference-counted copy
/// of the header: reading it allocates nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AcceptLanguage(Option<HeaderValue>);

impl AcceptLanguage {
    /// The page's language: `ui_locales` first (RP-Initiated Logout §2), then
    /// this header, then English.
    pub fn locale(&self, ui_locales: Option<&str>) -> Locale {
        negotiate(ui_locales, self.0.as_ref().and_then(|v| v.to_str().ok()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AcceptLanguage {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.headers.get(ACCEPT_LANGUAGE).cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_header_picks_the_language_unless_ui_locales_does() {
        let (mut parts, ()) = axum::http::Request::builder()
            .header(ACCEPT_LANGUAGE, "fr-CH, de;q=0.8")
            .body(())
            .unwrap()
            .into_parts();
        let header = AcceptLanguage::from_request_parts(&mut parts, &())
            .await
            .unwrap();
        assert_eq!(header.locale(None), Locale::Fr);
        assert_eq!(header.locale(Some("de")), Locale::De);
        assert_eq!(AcceptLanguage::default().locale(None), Locale::En);
    }
}
