//! Admin: the back-channel logout delivery log, per client or per session,
//! with a Resend action that sends a new logout token.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

use super::{
    Access, AdminFrame, AdminLayout, AdminTable, PostButton, Section, admin_page, query_param,
};
use crate::app::error::FnError;
use crate::oidc::logout_token::DeliveryStatus;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySummary {
    pub id: i64,
    pub client_id: String,
    pub sid_prefix: String,
    pub sid: String,
    pub reason: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_result: String,
    pub updated: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLog {
    pub frame: AdminFrame,
    pub client_id: String,
    pub sid: String,
    pub deliveries: Vec<DeliverySummary>,
}

#[server(endpoint = "admin/deliveries")]
pub async fn admin_deliveries(
    #[server(default)] client_id: String,
    #[server(default)] sid: String,
) -> Result<Access<DeliveryLog>, FnError> {
    super::ssr::deliveries::log(client_id, sid).await
}

/// Sends the logout again, as a new delivery with a new token.
#[server(endpoint = "admin/delivery/resend")]
pub async fn resend_delivery(
    csrf: String,
    id: i64,
    #[server(default)] back: String,
) -> Result<(), FnError> {
    super::ssr::deliveries::resend(csrf, id, back).await
}

#[component]
pub fn DeliveryLogPage() -> impl IntoView {
    let filter = (query_param("client_id"), query_param("sid"));
    admin_page(
        Resource::new(move || filter.clone(), |(c, s)| admin_deliveries(c, s)),
        |log| view! { <DeliveryLogView log /> }.into_any(),
    )
}

#[component]
fn DeliveryLogView(log: DeliveryLog) -> impl IntoView {
    let title = match (log.client_id.as_str(), log.sid.as_str()) {
        ("", "") => "Back-channel deliveries".to_owned(),
        (client, "") => format!("Back-channel deliveries to {client}"),
        (_, sid) => format!(
            "Back-channel deliveries for session {}…",
            sid.chars().take(8).collect::<String>()
        ),
    };
    let back = match (log.client_id.as_str(), log.sid.as_str()) {
        ("", "") => "/admin/deliveries".to_owned(),
        (client, "") => format!("/admin/deliveries?client_id={client}"),
        (_, sid) => format!("/admin/deliveries?sid={sid}"),
    };
    view! {
        <AdminLayout section=Section::Clients title frame=log.frame.clone()>
            <DeliveryTable deliveries=log.deliveries csrf=log.frame.csrf back />
        </AdminLayout>
    }
}

/// The delivery rows, each with a Resend button; `back` is where Resend returns.
#[component]
pub fn DeliveryTable(
    deliveries: Vec<DeliverySummary>,
    csrf: String,
    back: String,
) -> impl IntoView {
    view! {
        <AdminTable
            headings=&["When", "Client", "Session", "Why", "Status", "Attempts", "Last result", ""]
            empty=deliveries.is_empty()
            empty_text="No back-channel logouts yet."
            class="deliveries"
        >
            {deliveries
                .into_iter()
                .map(|d| {
                    let session_href = format!("/admin/deliveries?sid={}", d.sid);
                    let client_href = format!("/admin/clients/{}", d.client_id);
                    let label = format!("Resend to {} for session {}", d.client_id, d.sid_prefix);
                    view! {
                        <tr data-status=d.status.as_str()>
                            <td class="nowrap">{d.updated}</td>
                            <td>
                                <a href=client_href>{d.client_id}</a>
                            </td>
                            <td>
                                <a href=session_href>
                                    <code>{d.sid_prefix}"…"</code>
                                </a>
                            </td>
                            <td>{d.reason}</td>
                            <td>
                                <span class=format!(
                                    "badge {}",
                                    d.status.as_str(),
                                )>{d.status.as_str()}</span>
                            </td>
                            <td class="number">{d.attempts}</td>
                            <td>{d.last_result}</td>
                            <td>
                                <PostButton
                                    action=ResendDelivery::PATH
                                    csrf=csrf.clone()
                                    fields=vec![("id", d.id.to_string()), ("back", back.clone())]
                                    text="Resend"
                                    label
                                />
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
        </AdminTable>
    }
}
