//! The Leptos UI: the HTML shell, the router and the pages.

pub mod error;
mod home;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use error::{ErrorPage, ErrorTemplate, UiError};
use home::HomePage;

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
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    // Effects run only in the browser, so this flips once the WASM has hydrated
    // the page. End-to-end tests wait on `data-hydrated` before interacting.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Stylesheet id="leptos" href="/pkg/signoff.css" />
        <Title text="signoff" />
        <Router>
            <header class="site-header">
                <a href="/" class="brand">
                    "signoff"
                </a>
            </header>
            <main data-hydrated=move || hydrated.get().then_some("true")>
                <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors /> }>
                    <Routes fallback=|| view! { <ErrorPage error=UiError::NotFound /> }>
                        <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    </Routes>
                </ErrorBoundary>
            </main>
        </Router>
    }
}
