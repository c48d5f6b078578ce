//! signoff: an OpenID Provider whose speciality is how a login session ends.
//!
//! - [`oidc`]: the protocol, as pure functions (both targets).
//! - [`i18n`]: the pages' languages and their texts (both targets).
//! - [`app`]: the Leptos UI and its server functions (both targets).
//! - `server`: HTTP wiring, persistence, start-up (server only).

// Crate-private, so the dead-code lint sees what nothing uses. The `ssr`
// build is where that is judged: the WASM build (`hydrate`) compiles every
// module but ships only the islands, so most of it is unused there.
#[cfg_attr(not(feature = "ssr"), allow(dead_code, unused_imports))]
pub(crate) mod app;
#[cfg_attr(not(feature = "ssr"), allow(dead_code, unused_imports))]
pub(crate) mod i18n;
#[cfg_attr(not(feature = "ssr"), allow(dead_code, unused_imports))]
pub(crate) mod oidc;
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
