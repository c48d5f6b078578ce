//! The confirmation dialog (RP-Initiated Logout §2) and the signed-out page
//! GET /logout shows. GET /logout is the end-session endpoint's hot path, so
//! a plain handler renders these without the router, and the dialog is
//! filled into markup rendered once per shape.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::live::LiveLogoutDialog;
use super::{ConfirmLogout, ProblemKind, ProblemNotice, ReturnTo, SignedOutView};
use crate::i18n::{Locale, texts};

/// The confirmation dialog's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    pub locale: Locale,
    pub client_name: Option<String>,
    pub username: String,
    pub mismatch: bool,
    pub problem: Option<ProblemKind>,
    /// The original request, form-encoded: the confirm step decides afresh from it.
    pub request: String,
    pub csrf: String,
    /// This response's CSP nonce: the hydration scripts carry it.
    pub nonce: String,
}

/// What GET /logout shows when it does not redirect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogoutView {
    Dialog(Dialog),
    /// No OP session (or nothing left to ask): the signed-out page.
    SignedOut {
        locale: Locale,
        problem: Option<ProblemKind>,
        return_to: Option<ReturnTo>,
    },
}

impl LogoutView {
    /// The whole page. GET /logout is the end-session endpoint's hot path, so
    /// a plain handler renders it without the router, and the dialog (with
    /// its island) is filled into markup rendered once per shape.
    pub fn render(self, options: &LeptosOptions) -> String {
        match self {
            LogoutView::Dialog(dialog) => {
                dialog_template(&dialog, options).fill(|slot| match slot {
                    "client_name" => dialog.client_name.as_deref().unwrap_or_default(),
                    "username" => &dialog.username,
                    "request" => &dialog.request,
                    "nonce" => &dialog.nonce,
                    _ => &dialog.csrf,
                })
            }
            LogoutView::SignedOut {
                locale,
                problem,
                return_to,
            } => {
                let t = texts(locale);
                crate::app::render_document(
                    locale.tag(),
                    t.signed_out_title.to_owned(),
                    move || {
                        view! { <SignedOutView locale problem return_to /> }
                    },
                )
            }
        }
    }
}

/// What the dialog's markup depends on besides the per-request values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct DialogShape {
    locale: Locale,
    names_client: bool,
    mismatch: bool,
    problem: Option<ProblemKind>,
}

/// The dialog for `dialog`'s shape, rendered on first use (at most 72 shapes).
/// `options` are the same for the whole process (where the hydration
/// scripts are).
fn dialog_template(
    dialog: &Dialog,
    options: &LeptosOptions,
) -> std::sync::Arc<crate::app::page_template::PageTemplate> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, RwLock};

    use crate::app::page_template::{PageTemplate, slot};

    static TEMPLATES: LazyLock<RwLock<HashMap<DialogShape, Arc<PageTemplate>>>> =
        LazyLock::new(RwLock::default);
    let shape = DialogShape {
        locale: dialog.locale,
        names_client: dialog.client_name.is_some(),
        mismatch: dialog.mismatch,
        problem: dialog.problem,
    };
    if let Some(template) = TEMPLATES
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(&shape)
    {
        return template.clone();
    }
    let slotted = Dialog {
        client_name: dialog.client_name.as_ref().map(|_| slot("client_name")),
        username: slot("username"),
        request: slot("request"),
        csrf: slot("csrf"),
        nonce: slot("nonce"),
        ..dialog.clone()
    };
    let template = Arc::new(PageTemplate::compile(&render_dialog(slotted, options)));
    TEMPLATES
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(shape, template.clone());
    template
}

fn render_dialog(dialog: Dialog, options: &LeptosOptions) -> String {
    let t = texts(dialog.locale);
    let nonce = dialog.nonce.clone();
    crate::app::render_hydrated_document(
        dialog.locale.tag(),
        t.dialog_title.to_owned(),
        options.clone(),
        &nonce,
        || view! { <DialogView dialog /> },
    )
}

#[component]
fn DialogView(dialog: Dialog) -> impl IntoView {
    let t = texts(dialog.locale);
    view! {
        <section class="card narrow" lang=dialog.locale.tag() aria-labelledby="logout-heading">
            <h1 id="logout-heading">{t.dialog_title}</h1>
            {dialog.problem.map(|problem| view! { <ProblemNotice problem t /> })}
            {dialog
                .mismatch
                .then(|| {
                    view! {
                        <p class="warning" role="alert">
                            {t.mismatch}
                        </p>
                    }
                })}
            {dialog
                .client_name
                .map(|name| {
                    view! {
                        <p>
                            {t.client_asks} " " <strong data-testid="client-name">{name}</strong>
                            "."
                        </p>
                    }
                })}
            <p>
                {t.signed_in_as} " " <strong data-testid="username">{dialog.username}</strong> "."
            </p>
            <p class="question">{t.question}</p>
            <LiveLogoutDialog locale=dialog.locale>
                <form method="post" action=ConfirmLogout::PATH class="choices">
                    <input type="hidden" name="csrf" value=dialog.csrf />
                    <input type="hidden" name="request" value=dialog.request />
                    <button type="submit" name="choice" value="yes">
                        {t.yes}
                    </button>
                    <button type="submit" name="choice" value="no" class="secondary">
                        {t.no}
                    </button>
                </form>
            </LiveLogoutDialog>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialog(
        locale: Locale,
        client: bool,
        mismatch: bool,
        problem: Option<ProblemKind>,
    ) -> Dialog {
        Dialog {
            locale,
            client_name: client.then(|| "Shop and more".to_owned()),
            username: "ada.lovelace".to_owned(),
            mismatch,
            problem,
            request: "id_token_hint=eyJ.x.y&state=s-1".to_owned(),
            csrf: "Zm9vYmFy".to_owned(),
            nonce: "bm9uY2U".to_owned(),
        }
    }

    fn options() -> LeptosOptions {
        LeptosOptions::builder().output_name("signoff").build()
    }

    #[test]
    fn the_filled_dialog_is_the_page_leptos_renders_for_every_shape() {
        let problems = [
            None,
            Some(ProblemKind::InvalidHint),
            Some(ProblemKind::UnknownClient),
            Some(ProblemKind::UnverifiableRedirect),
            Some(ProblemKind::UnregisteredRedirect),
            Some(ProblemKind::BadRequest),
        ];
        for locale in [Locale::En, Locale::De, Locale::Fr] {
            for client in [false, true] {
                for mismatch in [false, true] {
                    for problem in problems {
                        let d = dialog(locale, client, mismatch, problem);
                        // Twice: the first call renders the template, the second reuses it.
                        for _ in 0..2 {
                            assert_eq!(
                                LogoutView::Dialog(d.clone()).render(&options()),
                                render_dialog(d.clone(), &options()),
                                "{locale:?} {client} {mismatch} {problem:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn values_in_the_filled_dialog_are_escaped() {
        let mut d = dialog(Locale::En, true, false, None);
        d.client_name = Some("<img src=x onerror=alert(1)>".to_owned());
        d.request = "state=\"><script>x</script>".to_owned();
        let html = LogoutView::Dialog(d).render(&options());
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!html.contains("<script>x"));
        assert!(html.contains("value=\"state=&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
    }
}
