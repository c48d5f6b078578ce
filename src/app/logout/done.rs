//! `/logout/done`: the result when there is no post-logout redirect.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::i18n::{Locale, texts};

/// `/logout/done?outcome=signed_out|still_signed_in&lang=..`: the result when
/// there is no post-logout redirect. It names nobody: a name in the URL could
/// be anyone's, written by anyone.
#[component]
pub fn LogoutDonePage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::respond::mark_no_store();
    let query = use_query_map();
    let q = query.read_untracked();
    let locale = match q.get("lang").as_deref() {
        Some("de") => Locale::De,
        Some("fr") => Locale::Fr,
        _ => Locale::En,
    };
    let t = texts(locale);
    let still = q.get("outcome").as_deref() == Some("still_signed_in");
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
