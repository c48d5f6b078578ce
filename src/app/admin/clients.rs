//! Admin: the client list, the create/edit form, and deletion.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

use super::deliveries::{DeliverySummary, DeliveryTable};
use super::{
    Access, AdminFrame, AdminLayout, AdminTable, Csrf, Section, UriList, admin_page, path_param,
    query_param,
};
use crate::app::error::FnError;
use crate::oidc::client_metadata::{ClientInput, Field, FieldError};
use crate::oidc::logout_token::DeliveryStatus;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub client_id: String,
    pub name: String,
    pub client_type: String,
    pub post_logout_redirect_uris: Vec<String>,
    /// "front-channel, back-channel", or empty.
    pub logout_channels: String,
    pub active_sessions: i64,
    /// Back-channel logouts to this client that failed for good.
    pub failed_deliveries: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientList {
    pub frame: AdminFrame,
    pub search: String,
    pub clients: Vec<ClientSummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientEditor {
    pub frame: AdminFrame,
    /// The client being edited; `None` on the create form.
    pub original: Option<String>,
    pub input: ClientInput,
    pub errors: Vec<FieldError>,
    /// A secret just created: shown this once, never again.
    pub created_at: Option<String>,
    /// The latest back-channel logouts sent to this client.
    pub deliveries: Vec<DeliverySummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDeletion {
    pub frame: AdminFrame,
    pub client_id: String,
    pub name: String,
    pub active_sessions: i64,
}

#[server(endpoint = "admin/clients")]
pub async fn admin_clients(
    #[server(default)] search: String,
) -> Result<Access<ClientList>, FnError> {
    super::ssr::clients::list(search).await
}

/// The edit form of `client_id`, or the create form when it is `None`.
#[server(endpoint = "admin/client")]
pub async fn admin_client(
    #[server(default)] client_id: Option<String>,
) -> Result<Access<ClientEditor>, FnError> {
    super::ssr::clients::editor(client_id).await
}

#[server(endpoint = "admin/client/deletion")]
pub async fn admin_client_deletion(client_id: String) -> Result<Access<ClientDeletion>, FnError> {
    super::ssr::clients::deletion(client_id).await
}

/// Creates (`original` absent) or updates a client. On a validation error the
/// form comes back with what was typed and a message next to each field.
#[server(endpoint = "admin/client/save")]
pub async fn save_client(
    csrf: String,
    #[server(default)] original: Option<String>,
    #[server(default)] client: ClientInput,
) -> Result<(), FnError> {
    super::ssr::clients::save(csrf, original, client).await
}

#[server(endpoint = "admin/client/secret")]
pub async fn regenerate_client_secret(csrf: String, client_id: String) -> Result<(), FnError> {
    super::ssr::clients::regenerate_secret(csrf, client_id).await
}

#[server(endpoint = "admin/client/delete")]
pub async fn delete_client(csrf: String, client_id: String) -> Result<(), FnError> {
    super::ssr::clients::delete(csrf, client_id).await
}

#[component]
pub fn ClientListPage() -> impl IntoView {
    let search = query_param("search");
    admin_page(
        Resource::new(move || search.clone(), admin_clients),
        |list| view! { <ClientListView list /> }.into_any(),
    )
}

#[component]
fn ClientListView(list: ClientList) -> impl IntoView {
    let empty = list.clients.is_empty();
    view! {
        <AdminLayout section=Section::Clients title="Clients".into() frame=list.frame>
            <div class="toolbar">
                <form method="get" action="/admin/clients" role="search" class="inline">
                    <label for="client-search">"Search"</label>
                    <input
                        id="client-search"
                        name="search"
                        type="search"
                        value=list.search
                        placeholder="client_id or name"
                    />
                    <button type="submit" class="secondary">
                        "Search"
                    </button>
                </form>
                <a class="button" href="/admin/clients/new">
                    "New client"
                </a>
            </div>
            <AdminTable
                headings=&[
                    "Name",
                    "client_id",
                    "Type",
                    "Post-logout redirect URIs",
                    "Logout channels",
                    "Signed-in sessions",
                ]
                empty=empty
                empty_text="No clients match."
            >
                {list
                    .clients
                    .into_iter()
                    .map(|c| {
                        let href = format!("/admin/clients/{}", c.client_id);
                        let failed_href = format!("/admin/deliveries?client_id={}", c.client_id);
                        view! {
                            <tr>
                                <td>
                                    <a href=href>{c.name}</a>
                                </td>
                                <td>
                                    <code>{c.client_id}</code>
                                </td>
                                <td>{c.client_type}</td>
                                <td>
                                    {c
                                        .post_logout_redirect_uris
                                        .into_iter()
                                        .map(|u| view! { <code class="uri">{u}</code> })
                                        .collect_view()}
                                </td>
                                <td>
                                    {if c.logout_channels.is_empty() {
                                        "none".to_owned()
                                    } else {
                                        c.logout_channels
                                    }}
                                    {(c.failed_deliveries > 0)
                                        .then(|| {
                                            view! {
                                                <a class="badge failed" href=failed_href>
                                                    {format!("{} failed", c.failed_deliveries)}
                                                </a>
                                            }
                                        })}
                                </td>
                                <td class="number">{c.active_sessions}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </AdminTable>
        </AdminLayout>
    }
}

#[component]
pub fn NewClientPage() -> impl IntoView {
    admin_page(Resource::new(|| (), |_| admin_client(None)), |editor| {
        view! { <ClientEditorView editor /> }.into_any()
    })
}

#[component]
pub fn EditClientPage() -> impl IntoView {
    let client_id = path_param("client_id");
    admin_page(
        Resource::new(move || client_id.clone(), |id| admin_client(Some(id))),
        |editor| view! { <ClientEditorView editor /> }.into_any(),
    )
}

/// The message for a single-valued field, if it has one.
fn message_for(errors: &[FieldError], field: Field) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field && e.index.is_none())
        .map(|e| e.message.clone())
}

/// One message per row of a URI list, aligned with its values.
fn row_errors(errors: &[FieldError], field: Field, rows: usize) -> Vec<Option<String>> {
    (0..rows)
        .map(|i| {
            errors
                .iter()
                .find(|e| e.field == field && e.index == Some(i))
                .map(|e| e.message.clone())
        })
        .collect()
}

/// A message under a field, tied to it by `id` for screen readers.
#[component]
fn FieldMessage(id: &'static str, message: Option<String>) -> impl IntoView {
    message.map(|m| {
        view! {
            <p class="field-error" id=format!("{id}-error")>
                {m}
            </p>
        }
    })
}

/// A front- or back-channel logout URI with its "session required" flag.
#[component]
fn LogoutUriField(
    field: Field,
    label: &'static str,
    value: String,
    session_field: &'static str,
    session_required: bool,
    session_text: &'static str,
    error: Option<String>,
) -> impl IntoView {
    let id = field.as_str();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name=format!("client[{id}]")
                value=value
                inputmode="url"
                spellcheck="false"
                aria-invalid=error.as_ref().map(|_| "true")
                aria-describedby=format!("{id}-error")
            />
            <label class="choice">
                <input
                    type="checkbox"
                    name=format!("client[{session_field}]")
                    value="true"
                    checked=session_required
                />
                {session_text}
            </label>
            <FieldMessage id message=error />
        </div>
    }
}

#[component]
fn ClientEditorView(editor: ClientEditor) -> impl IntoView {
    let ClientEditor {
        frame,
        original,
        input,
        errors,
        created_at,
        deliveries,
    } = editor;
    let csrf = frame.csrf.clone();
    let title = match &original {
        Some(_) => format!("Client {}", input.name),
        None => "New client".to_owned(),
    };
    let err = {
        let errors = errors.clone();
        move |field| message_for(&errors, field)
    };
    let invalid = {
        let errors = errors.clone();
        move |field| message_for(&errors, field).map(|_| "true")
    };
    let redirect_row_errors = row_errors(&errors, Field::RedirectUris, input.redirect_uris.len());
    let post_logout_row_errors = row_errors(
        &errors,
        Field::PostLogoutRedirectUris,
        input.post_logout_redirect_uris.len(),
    );
    let has_errors = !errors.is_empty();
    let public = input.client_type == "public";
    let confirmation = input.logout_confirmation.clone();
    let id_token_alg = input.id_token_signed_response_alg.clone();
    let refresh = input.grant_types.iter().any(|g| g == "refresh_token");
    let editing = original.clone();

    view! {
        <AdminLayout section=Section::Clients title frame>
            {has_errors
                .then(|| {
                    view! {
                        <p class="error" role="alert">
                            "The client was not saved. Correct the fields marked below."
                        </p>
                    }
                })}
            <form method="post" action=SaveClient::PATH class="admin-form" novalidate>
                <Csrf token=csrf.clone() />
                {original
                    .clone()
                    .map(|id| view! { <input type="hidden" name="original" value=id /> })}
                <div class="field">
                    <label for="client_id">"client_id"</label>
                    {match &original {
                        Some(id) => {
                            view! {
                                <input
                                    id="client_id"
                                    value=id.clone()
                                    readonly
                                    aria-readonly="true"
                                />
                                <p class="hint">
                                    {created_at
                                        .clone()
                                        .map(|t| {
                                            format!("Registered {t}. The client_id cannot change.")
                                        })}
                                </p>
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                <input
                                    id="client_id"
                                    name="client[client_id]"
                                    value=input.client_id.clone()
                                    maxlength="64"
                                    spellcheck="false"
                                    placeholder="leave empty to generate one"
                                    aria-invalid=invalid(Field::ClientId)
                                    aria-describedby="client_id-error"
                                />
                            }
                                .into_any()
                        }
                    }}
                    <FieldMessage id="client_id" message=err(Field::ClientId) />
                </div>
                <div class="field">
                    <label for="name">"Name (shown to users)"</label>
                    <input
                        id="name"
                        name="client[name]"
                        value=input.name.clone()
                        maxlength="100"
                        aria-invalid=invalid(Field::Name)
                        aria-describedby="name-error"
                    />
                    <FieldMessage id="name" message=err(Field::Name) />
                </div>
                <fieldset class="field">
                    <legend>"Type"</legend>
                    <label class="choice">
                        <input
                            type="radio"
                            name="client[client_type]"
                            value="confidential"
                            checked=!public
                            aria-invalid=invalid(Field::ClientType)
                        />
                        "Confidential (a server with a secret)"
                    </label>
                    <label class="choice">
                        <input
                            type="radio"
                            name="client[client_type]"
                            value="public"
                            checked=public
                            aria-invalid=invalid(Field::ClientType)
                        />
                        "Public (a browser or native app; PKCE, no secret)"
                    </label>
                    <FieldMessage id="client_type" message=err(Field::ClientType) />
                </fieldset>
                <fieldset class="field">
                    <legend>"Redirect URIs"</legend>
                    <UriList
                        name="client[redirect_uris][]".to_owned()
                        label="Redirect URI".to_owned()
                        row_errors=redirect_row_errors
                        values=input.redirect_uris.clone()
                    />
                    <FieldMessage id="redirect_uris" message=err(Field::RedirectUris) />
                </fieldset>
                <fieldset class="field">
                    <legend>"Post-logout redirect URIs"</legend>
                    <p class="hint">
                        "Where logout may send the user back to. Matched exactly; leave a field empty to remove it."
                    </p>
                    <UriList
                        name="client[post_logout_redirect_uris][]".to_owned()
                        label="Post-logout redirect URI".to_owned()
                        row_errors=post_logout_row_errors
                        values=input.post_logout_redirect_uris.clone()
                    />
                    <FieldMessage
                        id="post_logout_redirect_uris"
                        message=err(Field::PostLogoutRedirectUris)
                    />
                </fieldset>
                <LogoutUriField
                    field=Field::FrontchannelLogoutUri
                    label="Front-channel logout URI"
                    value=input.frontchannel_logout_uri.clone()
                    session_field="frontchannel_logout_session_required"
                    session_required=input.frontchannel_logout_session_required
                    session_text="Requires iss and sid"
                    error=err(Field::FrontchannelLogoutUri)
                />
                <LogoutUriField
                    field=Field::BackchannelLogoutUri
                    label="Back-channel logout URI"
                    value=input.backchannel_logout_uri.clone()
                    session_field="backchannel_logout_session_required"
                    session_text="Requires sid"
                    session_required=input.backchannel_logout_session_required
                    error=err(Field::BackchannelLogoutUri)
                />
                <div class="field">
                    <label for="logout_confirmation">"Logout confirmation"</label>
                    <select
                        id="logout_confirmation"
                        name="client[logout_confirmation]"
                        aria-invalid=invalid(Field::LogoutConfirmation)
                        aria-describedby="logout_confirmation-error"
                    >
                        <option value="always" selected=confirmation == "always">
                            "Always ask the user"
                        </option>
                        <option value="when_required" selected=confirmation == "when_required">
                            "Ask only when the request does not prove itself"
                        </option>
                    </select>
                    <FieldMessage id="logout_confirmation" message=err(Field::LogoutConfirmation) />
                </div>
                <div class="field">
                    <label for="alg">"ID token signing algorithm"</label>
                    <select
                        id="alg"
                        name="client[id_token_signed_response_alg]"
                        aria-invalid=invalid(Field::IdTokenSignedResponseAlg)
                        aria-describedby="id_token_signed_response_alg-error"
                    >
                        {["RS256", "ES256", "EdDSA"]
                            .into_iter()
                            .map(|alg| {
                                view! {
                                    <option value=alg selected=id_token_alg == alg>
                                        {alg}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldMessage
                        id="id_token_signed_response_alg"
                        message=err(Field::IdTokenSignedResponseAlg)
                    />
                </div>
                <fieldset class="field">
                    <legend>"Grant types"</legend>
                    <input type="hidden" name="client[grant_types][]" value="authorization_code" />
                    <label class="choice">
                        <input
                            type="checkbox"
                            name="client[grant_types][]"
                            value="refresh_token"
                            checked=refresh
                            aria-describedby="grant_types-error"
                        />
                        "Refresh tokens (refresh_token): bound to the sign-in session, unless the user allows offline access"
                    </label>
                    <FieldMessage id="grant_types" message=err(Field::GrantTypes) />
                </fieldset>
                <div class="actions">
                    <button type="submit">
                        {if editing.is_some() { "Save changes" } else { "Create client" }}
                    </button>
                    <a href="/admin/clients">"Cancel"</a>
                </div>
            </form>
            {editing
                .clone()
                .map(|id| {
                    let failed = deliveries
                        .iter()
                        .filter(|d| d.status == DeliveryStatus::Failed)
                        .count();
                    let log = format!("/admin/deliveries?client_id={id}");
                    view! {
                        <section class="deliveries" aria-labelledby="deliveries-heading">
                            <h2 id="deliveries-heading">"Back-channel logouts"</h2>
                            {(failed > 0)
                                .then(|| {
                                    view! {
                                        <p class="error" role="alert">
                                            {format!(
                                                "{failed} of the latest back-channel logouts to this client failed.",
                                            )}
                                        </p>
                                    }
                                })}
                            <DeliveryTable
                                deliveries=deliveries
                                csrf=csrf.clone()
                                back=format!("/admin/clients/{id}")
                            />
                            <p>
                                <a href=log>"The whole delivery log of this client"</a>
                            </p>
                        </section>
                    }
                })}
            {editing
                .map(|id| {
                    view! {
                        <section class="danger-zone" aria-labelledby="manage-heading">
                            <h2 id="manage-heading">"Secret and deletion"</h2>
                            {(!public)
                                .then(|| {
                                    view! {
                                        <form
                                            method="post"
                                            action=RegenerateClientSecret::PATH
                                            class="inline"
                                        >
                                            <Csrf token=csrf.clone() />
                                            <input type="hidden" name="client_id" value=id.clone() />
                                            <button type="submit" class="secondary">
                                                "Generate a new secret"
                                            </button>
                                            <span class="hint">
                                                "The old secret stops working at once."
                                            </span>
                                        </form>
                                    }
                                })}
                            <a class="button danger" href=format!("/admin/clients/{id}/delete")>
                                "Delete client…"
                            </a>
                        </section>
                    }
                })}
        </AdminLayout>
    }
}

#[component]
pub fn DeleteClientPage() -> impl IntoView {
    let client_id = path_param("client_id");
    admin_page(
        Resource::new(move || client_id.clone(), admin_client_deletion),
        |deletion| view! { <DeleteClientView deletion /> }.into_any(),
    )
}

#[component]
fn DeleteClientView(deletion: ClientDeletion) -> impl IntoView {
    let back = format!("/admin/clients/{}", deletion.client_id);
    view! {
        <AdminLayout
            section=Section::Clients
            title=format!("Delete {}?", deletion.name)
            frame=deletion.frame.clone()
        >
            <p>
                "Deleting " <code>{deletion.client_id.clone()}</code> " ends its "
                <strong>{deletion.active_sessions}</strong>
                " signed-in client sessions and revokes its tokens. Users stay signed in to signoff. "
                "This cannot be undone."
            </p>
            <form method="post" action=DeleteClient::PATH class="actions">
                <Csrf token=deletion.frame.csrf />
                <input type="hidden" name="client_id" value=deletion.client_id />
                <button type="submit" class="danger">
                    "Delete client"
                </button>
                <a href=back>"Cancel"</a>
            </form>
        </AdminLayout>
    }
}

/// The answer to the change that created a client secret: the secret, shown
/// in this response only. It is never kept in the browser session, not even
/// for the next page.
#[cfg(feature = "ssr")]
pub fn render_secret_document(client_id: &str, secret: &str) -> String {
    let (client_id, secret) = (client_id.to_owned(), secret.to_owned());
    let back = format!("/admin/clients/{client_id}");
    super::super::render_document("en", "New client secret · signoff".to_owned(), move || {
        view! {
            <section class="card narrow" aria-labelledby="secret-heading">
                <h1 id="secret-heading">"New client secret"</h1>
                <div class="secret-once" role="status">
                    <p>
                        "The secret of " <strong>{client_id}</strong>
                        " is shown only now. Store it in the client's configuration; signoff keeps only its hash."
                    </p>
                    <code data-testid="client-secret">{secret}</code>
                </div>
                <p>
                    <a class="button" href=back>
                        "Continue to the client"
                    </a>
                </p>
            </section>
        }
    })
}
