//! The Leptos UI: the HTML shell, the router and the pages.

pub mod account;
pub mod admin;
#[cfg(feature = "ssr")]
pub mod consent;
pub mod error;
mod home;
mod login;
pub mod logout;
#[cfg(feature = "ssr")]
mod page_template;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use account::AccountPage;
use admin::audit::AuditPageView;
use admin::clients::{ClientListPage, DeleteClientPage, EditClientPage, NewClientPage};
use admin::deliveries::DeliveryLogPage;
use admin::overview::OverviewPage;
use admin::sessions::SessionListPage;
use admin::users::UserListPage;
use error::{ErrorPage, ErrorTemplate, UiError};
use home::HomePage;
use login::LoginPage;
use logout::{FrontchannelPage, LogoutDonePage};

/// The HTML document around [`App`], rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::headers::provide_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.ico" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// A complete, script-free document in the site's frame (header, stylesheet)
/// for pages rendered outside the Leptos router: the signed-out page and the
/// error pages of the plain handlers. None has an island, so there is
/// nothing to hydrate.
#[cfg(feature = "ssr")]
pub fn render_document<V: IntoView + 'static>(
    lang: &'static str,
    title: String,
    body: impl FnOnce() -> V,
) -> String {
    render_page(lang, title, None, body)
}

/// As [`render_document`], for a page with islands (the end-session
/// dialog, whose budget leaves no room for the router's pipeline): with the
/// hydration scripts, carrying `nonce` (the page's CSP names it).
#[cfg(feature = "ssr")]
pub fn render_hydrated_document<V: IntoView + 'static>(
    lang: &'static str,
    title: String,
    options: LeptosOptions,
    nonce: &str,
    body: impl FnOnce() -> V,
) -> String {
    render_page(lang, title, Some((options, nonce)), body)
}

#[cfg(feature = "ssr")]
fn render_page<V: IntoView + 'static>(
    lang: &'static str,
    title: String,
    islands: Option<(LeptosOptions, &str)>,
    body: impl FnOnce() -> V,
) -> String {
    // A root: `Owner::new()` would become a child of whatever owner is
    // current on this thread (another request's render), and see its contexts.
    // Islands render their markers through a shared context, as under leptos_axum.
    let shared = islands.as_ref().map(|_| {
        std::sync::Arc::new(hydration_context::SsrSharedContext::new())
            as std::sync::Arc<dyn hydration_context::SharedContext + Send + Sync>
    });
    Owner::new_root(shared).with(|| {
        let (scripts, marker) = match islands {
            Some((options, nonce)) => {
                provide_context(leptos::nonce::Nonce::from_value(nonce));
                (
                    Some(view! { <HydrationScripts options islands=true /> }),
                    Some(view! { <HydrationMarker /> }),
                )
            }
            None => (None, None),
        };
        view! {
            <!DOCTYPE html>
            <html lang=lang>
                <head>
                    <meta charset="utf-8" />
                    <meta name="viewport" content="width=device-width, initial-scale=1" />
                    <title>{title}</title>
                    <link rel="stylesheet" href="/pkg/signoff.css" />
                    {scripts}
                </head>
                <body>
                    <header class="site-header">
                        <a href="/" class="brand">
                            "signoff"
                        </a>
                        {marker}
                    </header>
                    <main>{body()}</main>
                </body>
            </html>
        }
        .to_html()
    })
}

/// An empty island: once the WASM runs, it marks the document as hydrated.
/// End-to-end tests wait on `html[data-hydrated]` before they rely on islands.
#[island]
fn HydrationMarker() -> impl IntoView {
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/signoff.css" />
        <Title text="signoff" />
        <Router>
            <header class="site-header">
                <a href="/" class="brand">
                    "signoff"
                </a>
                <HydrationMarker />
            </header>
            <main>
                <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors /> }>
                    <Routes fallback=|| view! { <ErrorPage error=UiError::NotFound /> }>
                        <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                        <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                        <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                        <Route path=path!("/logout/done") view=LogoutDonePage ssr=SsrMode::Async />
                        <Route
                            path=path!("/logout/frontchannel")
                            view=FrontchannelPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/admin") view=OverviewPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/admin/clients")
                            view=ClientListPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/admin/clients/new")
                            view=NewClientPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/admin/clients/:client_id")
                            view=EditClientPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/admin/clients/:client_id/delete")
                            view=DeleteClientPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/admin/sessions")
                            view=SessionListPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/admin/users") view=UserListPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/audit") view=AuditPageView ssr=SsrMode::Async />
                        <Route
                            path=path!("/admin/deliveries")
                            view=DeliveryLogPage
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </ErrorBoundary>
            </main>
        </Router>
    }
}
