//! The consent page for `offline_access` (OIDC Core §11): asked once per
//! authorization request that carries it with `prompt=consent`. A plain form
//! with no script, so it is the same page with JavaScript on or off.

use leptos::prelude::*;

use crate::i18n::{Locale, texts};

/// Where the form posts: the consent handler.
pub const CONSENT_PATH: &str = "/consent";

/// The whole document: the question about `client_name`, and a form that
/// posts the sealed `request` back with the user's answer.
pub fn render_consent(locale: Locale, client_name: String, request: String) -> String {
    let t = texts(locale);
    crate::app::render_document(locale.tag(), t.consent_title.to_owned(), move || {
        view! {
            <section class="card narrow" lang=locale.tag() aria-labelledby="consent-heading">
                <h1 id="consent-heading">{t.consent_title}</h1>
                <p class="question">
                    {t.consent_question.0} " "
                    <strong data-testid="client-name">{client_name}</strong> " "
                    {t.consent_question.1}
                </p>
                <p>{t.consent_explained}</p>
                <form method="post" action=CONSENT_PATH class="choices">
                    <input type="hidden" name="request" value=request />
                    <button type="submit" name="decision" value="allow">
                        {t.consent_allow}
                    </button>
                    <button type="submit" name="decision" value="deny" class="secondary">
                        {t.consent_deny}
                    </button>
                </form>
            </section>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consent_page_names_the_client_escaped_in_each_language() {
        for (locale, allow) in [
            (Locale::En, "Allow"),
            (Locale::De, "Erlauben"),
            (Locale::Fr, "Autoriser"),
        ] {
            let html = render_consent(locale, "<b>Shop</b>".into(), "a.b".into());
            assert!(html.contains(&format!("lang=\"{}\"", locale.tag())));
            assert!(html.contains(allow));
            assert!(html.contains("&lt;b&gt;Shop&lt;/b&gt;"));
            assert!(html.contains("value=\"a.b\""));
        }
    }
}
