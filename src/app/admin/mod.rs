//! The admin console: an overview, clients, sessions, users and the audit log.
//!
//! Pages render on the server from a loader server fn; every change is a plain
//! form POST to a server fn that answers 303, so the console works without
//! JavaScript. Hydrated, the URI lists gain Add and Remove buttons.

pub mod audit;
pub mod clients;
pub mod deliveries;
pub mod overview;
pub mod sessions;
#[cfg(feature = "ssr")]
pub(crate) mod ssr;
pub mod users;

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use super::error::{ErrorPage, UiError};
use crate::app::error::FnError;

/// A loader's answer: the page's data, or why the caller may not see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Access<T> {
    Granted(T),
    Denied(Denial),
}

impl<T> From<Result<T, Denial>> for Access<T> {
    fn from(result: Result<T, Denial>) -> Self {
        match result {
            Ok(page) => Access::Granted(page),
            Err(denial) => Access::Denied(denial),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Denial {
    /// Nobody is signed in; the response already redirects to the login page.
    SignInRequired,
    /// Signed in, but not as an admin.
    Forbidden,
    /// The client, user or session does not exist.
    NotFound,
}

/// What every admin page shows around its content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminFrame {
    pub username: String,
    pub csrf: String,
    /// What the last change did ("Client shop saved.").
    pub notice: Option<String>,
    /// Clients (client_id, name) whose back-channel logout the last change
    /// left retrying, each linked to its delivery log.
    pub retrying: Vec<(String, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Clients,
    Sessions,
    Users,
    Audit,
}

/// Renders a loader's answer: the page, the 403/404 page, or nothing while
/// the response redirects to the login page.
pub fn gate<T: 'static>(
    loaded: Result<Access<T>, FnError>,
    page: impl FnOnce(T) -> AnyView,
) -> Result<AnyView, FnError> {
    Ok(match loaded? {
        Access::Granted(data) => page(data),
        Access::Denied(Denial::SignInRequired) => ().into_any(),
        Access::Denied(Denial::Forbidden) => {
            view! { <ErrorPage error=UiError::Forbidden /> }.into_any()
        }
        Access::Denied(Denial::NotFound) => {
            view! { <ErrorPage error=UiError::NotFound /> }.into_any()
        }
    })
}

/// A console page: waits for its loader during SSR, then renders the page or
/// the denial.
pub fn admin_page<T>(
    data: Resource<Result<Access<T>, FnError>>,
    page: fn(T) -> AnyView,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + serde::de::DeserializeOwned + 'static,
{
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move { gate(data.await, page) })}
        </Suspense>
    }
}

/// A query parameter of the page URL, or "".
pub fn query_param(name: &str) -> String {
    leptos_router::hooks::use_query_map()
        .read_untracked()
        .get(name)
        .unwrap_or_default()
}

/// A path parameter of the page's route, or "".
pub fn path_param(name: &str) -> String {
    leptos_router::hooks::use_params_map()
        .read_untracked()
        .get(name)
        .unwrap_or_default()
}

/// The console's navigation, the signed-in admin and the last change's notice.
#[component]
pub fn AdminLayout(
    section: Section,
    title: String,
    frame: AdminFrame,
    children: Children,
) -> impl IntoView {
    let link = move |target: Section, href: &'static str, text: &'static str| {
        let current = (target == section).then_some("page");
        view! {
            <a href=href aria-current=current>
                {text}
            </a>
        }
    };
    view! {
        <Title text=format!("{title} · signoff admin") />
        <div class="admin">
            <nav class="admin-nav" aria-label="Admin console">
                {link(Section::Overview, "/admin", "Overview")}
                {link(Section::Clients, "/admin/clients", "Clients")}
                {link(Section::Sessions, "/admin/sessions", "Sessions")}
                {link(Section::Users, "/admin/users", "Users")}
                {link(Section::Audit, "/admin/audit", "Audit log")}
                <span class="admin-user">"Signed in as " <strong>{frame.username}</strong></span>
            </nav>
            <h1>{title}</h1>
            {frame
                .notice
                .map(|text| {
                    view! {
                        <div class="notice" role="status">
                            <p>{text}</p>
                            {(!frame.retrying.is_empty())
                                .then(|| {
                                    view! {
                                        <ul>
                                            {frame
                                                .retrying
                                                .iter()
                                                .map(|(client_id, name)| {
                                                    view! {
                                                        <li>
                                                            <a href=format!(
                                                                "/admin/deliveries?client_id={client_id}",
                                                            )>{name.clone()}</a>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                    }
                                })}
                        </div>
                    }
                })}
            {children()}
        </div>
    }
}

/// A console table: its column headings, then the rows the caller renders;
/// `empty_text` instead when there are no rows.
#[component]
pub fn AdminTable(
    headings: &'static [&'static str],
    empty: bool,
    empty_text: &'static str,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView {
    if empty {
        return view! { <p>{empty_text}</p> }.into_any();
    }
    view! {
        <table class=format!("admin-table {class}")>
            <thead>
                <tr>
                    {headings.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}
                </tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
    .into_any()
}

/// A one-click change: a form of hidden fields and one small button,
/// labelled `label` for screen readers when `text` alone is ambiguous.
#[component]
pub fn PostButton(
    action: &'static str,
    csrf: String,
    fields: Vec<(&'static str, String)>,
    text: &'static str,
    label: String,
) -> impl IntoView {
    view! {
        <form method="post" action=action class="inline">
            <Csrf token=csrf />
            {fields
                .into_iter()
                .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                .collect_view()}
            <button type="submit" class="secondary small" aria-label=label>
                {text}
            </button>
        </form>
    }
}

/// The hidden CSRF field every admin form carries.
#[component]
pub fn Csrf(token: String) -> impl IntoView {
    view! { <input type="hidden" name="csrf" value=token /> }
}

/// "Redirect URI" → "redirect URI".
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// An editable list of URIs. Without JavaScript every URI is a text field, a
/// blank field adds one and clearing a field removes it; hydrated, each row
/// gets a Remove button and the list an "Add" button.
#[island]
pub fn UriList(
    /// The form field name, e.g. `client[redirect_uris][]`.
    name: String,
    /// Singular, e.g. "Redirect URI"; rows are labelled "Redirect URI 1", ….
    label: String,
    values: Vec<String>,
    /// One entry per value: its error, if it has one.
    row_errors: Vec<Option<String>>,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let mut initial: Vec<(usize, String, Option<String>)> = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| (i, v, row_errors.get(i).cloned().flatten()))
        .collect();
    let blank = initial.len();
    initial.push((blank, String::new(), None));
    let rows = RwSignal::new(initial);
    let next_key = StoredValue::new(blank + 1);
    let lower = lowercase_first(&label);
    let add_label = format!("Add {lower}");
    let row_label = label.clone();

    view! {
        <ul class="uri-list">
            <For each=move || rows.get() key=|row| row.0 let:row>
                {
                    let (key, value, error) = row;
                    let position = rows
                        .with_untracked(|r| r.iter().position(|x| x.0 == key))
                        .unwrap_or(0);
                    let aria = if value.is_empty() {
                        format!("New {lower}")
                    } else {
                        format!("{row_label} {}", position + 1)
                    };
                    let error_id = format!("{name}-{key}-error");
                    view! {
                        <li>
                            <input
                                type="text"
                                inputmode="url"
                                name=name.clone()
                                value=value
                                aria-label=aria.clone()
                                aria-invalid=error.is_some().then_some("true")
                                aria-describedby=error.is_some().then(|| error_id.clone())
                                maxlength="2000"
                                spellcheck="false"
                            />
                            <button
                                type="button"
                                class="secondary small"
                                hidden=move || !hydrated.get()
                                aria-label=format!("Remove {aria}")
                                on:click=move |_| rows.update(|r| r.retain(|x| x.0 != key))
                            >
                                "Remove"
                            </button>
                            {error
                                .map(|e| {
                                    view! {
                                        <p class="field-error" id=error_id>
                                            {e}
                                        </p>
                                    }
                                })}
                        </li>
                    }
                }
            </For>
        </ul>
        <button
            type="button"
            class="secondary small"
            hidden=move || !hydrated.get()
            on:click=move |_| {
                let key = next_key.get_value();
                next_key.set_value(key + 1);
                rows.update(|r| r.push((key, String::new(), None)));
            }
        >
            {add_label}
        </button>
    }
}
