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
//! - OAuth 2.0 (RFC 6749) authorization code grant, with PKCE (RFC 7636) and
//!   the `iss` authorization response parameter (RFC 9207)
//! - JSON Web Key (RFC 7517/7518) and JWK thumbprints (RFC 7638)
//! - OpenID Connect RP-Initiated Logout 1.0 (Final, 2022-09-12)
//! - OpenID Connect Front-Channel Logout 1.0 (Final, 2022-09-12)
//! - OpenID Connect Back-Channel Logout 1.0 (incorporating errata set 1, 2023-12-15)

pub mod authorize;
pub mod client_metadata;
pub mod discovery;
pub mod end_session;
pub mod error;
pub mod frontchannel;
pub mod id_token;
pub mod issuer;
pub mod jwk;
pub mod logout_token;
pub mod params;
pub mod pkce;
pub mod redirect_uri;
pub mod token;

pub use error::{OAuthError, OAuthErrorCode};
pub use issuer::{Issuer, IssuerError};
pub use params::Params;
