//! The OpenID Connect protocol core of signoff: pure functions and types only.
//!
//! Nothing in here imports axum, leptos, sqlx or tower. Callers load the data
//! (registered clients, sessions, keys, `now`) and pass it in; these functions
//! parse requests and return decisions. Each spec rule lives in one function
//! whose doc comment cites its section.
//!
//! Specifications implemented (or being implemented) here:
//! - OpenID Connect Core 1.0 (incorporating errata set 2): issuer, ID tokens, `sid`
//! - OpenID Connect Discovery 1.0: provider metadata
//! - OAuth 2.0 (RFC 6749) authorization code grant, with PKCE (RFC 7636)
//! - OpenID Connect RP-Initiated Logout 1.0 (Final, 2022-09-12)
//! - OpenID Connect Front-Channel Logout 1.0 (Final, 2022-09-12)
//! - OpenID Connect Back-Channel Logout 1.0 (incorporating errata set 1, 2023-12-15)

pub mod issuer;

pub use issuer::{Issuer, IssuerError};
