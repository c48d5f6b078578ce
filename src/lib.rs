//! signoff: an OpenID Provider whose speciality is how a login session ends.
//!
//! - [`oidc`]: the protocol, as pure functions (both targets).
//! - [`i18n`]: the pages' languages and their texts (both targets).
//! - [`app`]: the Leptos UI and its server functions (both targets).
//! - `server`: HTTP wiring, persistence, start-up (server only).

pub mod app;
pub mod i18n;
pub mod oidc;
#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: hydrates the `#[island]` components in the
/// server-rendered HTML. Everything outside an island stays plain HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
