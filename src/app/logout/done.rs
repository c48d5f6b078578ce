//! `/logout/done`: the result when there is no post-logout redirect.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::i18n::{Locale, texts};
use crate::oidc::end_session::Outcome;

/// `/logout/done?outcome=signed_out|still_signed_in&lang=..`: the result when
/// there is no post-logout redirect. It names nobody: a name in the URL could
/// be anyone's, written by anyone.
#[component]
pub fn LogoutDonePage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::respond::mark_no_store();
    let query = use_query_map();
    let q = query.read_untracked();
    let locale = q
        .get("lang")
        .and_then(|tag| Locale::from_tag(&tag))
        .unwrap_or_default();
    let t = texts(locale);
    let outcome = q
        .get("outcome")
        .map(|o| Outcome::parse(&o))
        .unwrap_or_default();
    let still = outcome == Outcome::StillSignedIn;
    view! {
        <Title text=if still { t.still_signed_in_title } else { t.signed_out_title } />
        <section class="card narrow" lang=locale.tag() aria-labelledby="done-heading">
            {if still {
                view! {
                    <h1 id="done-heading">{t.still_signed_in_title}</h1>
                    <p>{t.still_signed_in_body}</p>
                }
                    .into_any()
            } else {
                view! {
                    <h1 id="done-heading">{t.signed_out_title}</h1>
                    <p>{t.signed_out_body}</p>
                }
                    .into_any()
            }}
        </section>
    }
}
