use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub version: String,
    pub schema_version: i64,
    pub sqlite_version: String,
}

/// What this signoff runs: its version and the database's schema version.
#[server]
pub async fn server_status() -> Result<StatusReport, ServerFnError> {
    use crate::server::{db, error::internal, state::app_state};

    let state = app_state()?;
    let (schema_version, sqlite_version) = db::schema::fetch_schema_version(&state.pool)
        .await
        .map_err(internal("reading the schema version failed"))?;
    Ok(StatusReport {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        sqlite_version,
    })
}

#[component]
pub fn HomePage() -> impl IntoView {
    // Each press of "Check again" bumps the counter, which refetches the status.
    let checks = RwSignal::new(1_u32);
    let status = Resource::new(move || checks.get(), |_| server_status());

    view! {
        <Title text="signoff" />
        <section class="hero">
            <h1>"signoff"</h1>
            <p>
                "An OpenID Provider whose speciality is how a login session ends: "
                "RP-Initiated, front-channel and back-channel logout, done by the book."
            </p>
        </section>
        <section class="card" aria-labelledby="status-heading">
            <h2 id="status-heading">"Server status"</h2>
            <Suspense fallback=|| view! { <p>"Checking…"</p> }>
                {move || Suspend::new(async move {
                    status
                        .await
                        .map(|s| {
                            view! {
                                <dl class="status">
                                    <dt>"Version"</dt>
                                    <dd>{s.version}</dd>
                                    <dt>"Database schema"</dt>
                                    <dd data-testid="schema-version">{s.schema_version}</dd>
                                    <dt>"SQLite"</dt>
                                    <dd>{s.sqlite_version}</dd>
                                </dl>
                            }
                        })
                })}
            </Suspense>
            <p class="muted">
                "Checked " <span data-testid="check-count">{checks}</span>
                " time(s) since this page loaded."
            </p>
            <button type="button" on:click=move |_| checks.update(|n| *n += 1)>
                "Check again"
            </button>
        </section>
    }
}
