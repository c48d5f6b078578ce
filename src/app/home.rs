use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use super::error::FnError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub version: String,
    pub schema_version: i64,
    pub database_version: String,
}

/// What this signoff runs: its version and the database's schema version.
#[server]
pub async fn server_status() -> Result<StatusReport, FnError> {
    use anyhow::Context;

    use crate::server::{db, state::app_state};

    let state = app_state()?;
    let (schema_version, database_version) = db::schema::fetch_schema_version(&state.pool)
        .await
        .context("reading the schema version failed")?;
    Ok(StatusReport {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        database_version,
    })
}

/// Rendered on the server; a failure to read the status is a 500 page.
#[component]
pub fn HomePage() -> impl IntoView {
    let status = Resource::new(|| (), |_| server_status());
    view! {
        <Title text="signoff" />
        <section class="hero">
            <h1>"signoff"</h1>
            <p>
                "An OpenID Provider whose speciality is how a login session ends: "
                "RP-Initiated, front-channel and back-channel logout, done by the book."
            </p>
            <p>
                <a href="/account">"Your sessions"</a>
                " · "
                <a href="/admin">"Admin console"</a>
            </p>
        </section>
        <Suspense fallback=|| {
            view! { <p>"Checking…"</p> }
        }>
            {move || Suspend::new(async move {
                status.await.map(|initial| view! { <StatusCard initial /> })
            })}
        </Suspense>
    }
}

/// The interactive part: "Check again" asks the server afresh (needs the WASM).
#[island]
fn StatusCard(initial: StatusReport) -> impl IntoView {
    let checks = RwSignal::new(1_u32);
    let refresh = ServerAction::<ServerStatus>::new();
    let current = move || match refresh.value().get() {
        Some(result) => result.ok(),
        None => Some(initial.clone()),
    };

    view! {
        <section class="card" aria-labelledby="status-heading">
            <h2 id="status-heading">"Server status"</h2>
            {move || match current() {
                Some(s) => {
                    view! {
                        <dl class="status">
                            <dt>"Version"</dt>
                            <dd>{s.version}</dd>
                            <dt>"Database schema"</dt>
                            <dd data-testid="schema-version">{s.schema_version}</dd>
                            <dt>"Database"</dt>
                            <dd>{s.database_version}</dd>
                        </dl>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <p class="error" role="alert">
                            "The server did not answer. Try again."
                        </p>
                    }
                        .into_any()
                }
            }}
            <p class="muted">
                "Checked " <span data-testid="check-count">{checks}</span>
                " time(s) since this page loaded."
            </p>
            <button
                type="button"
                on:click=move |_| {
                    checks.update(|n| *n += 1);
                    refresh.dispatch(ServerStatus {});
                }
            >
                "Check again"
            </button>
        </section>
    }
}
