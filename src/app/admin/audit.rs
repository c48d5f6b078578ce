//! Admin: the audit log, read-only, newest first, a page at a time.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::{Access, AdminFrame, AdminLayout, Section, gate};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// The event's JSON detail, as stored.
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub frame: AdminFrame,
    /// 1 is the newest page.
    pub page: u32,
    pub has_older: bool,
    pub entries: Vec<AuditEntry>,
}

#[server(endpoint = "admin/audit")]
pub async fn admin_audit(#[server(default)] page: u32) -> Result<Access<AuditPage>, ServerFnError> {
    crate::server::admin::audit::page(page).await
}

#[component]
pub fn AuditPageView() -> impl IntoView {
    let page = use_query_map()
        .read_untracked()
        .get("page")
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1);
    let data = Resource::new(move || page, admin_audit);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                gate(data.await, |page| view! { <AuditTable page /> }.into_any())
            })}
        </Suspense>
    }
}

#[component]
fn AuditTable(page: AuditPage) -> impl IntoView {
    let newer = (page.page > 1).then(|| format!("/admin/audit?page={}", page.page - 1));
    let older = page
        .has_older
        .then(|| format!("/admin/audit?page={}", page.page + 1));
    view! {
        <AdminLayout section=Section::Audit title="Audit log".into() frame=page.frame>
            <table class="admin-table audit">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"Detail"</th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .entries
                        .into_iter()
                        .map(|e| {
                            view! {
                                <tr id=format!("event-{}", e.id)>
                                    <td class="nowrap">{e.at}</td>
                                    <td>{e.actor}</td>
                                    <td><code>{e.action}</code></td>
                                    <td><code class="uri">{e.subject}</code></td>
                                    <td><code class="detail">{e.detail}</code></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <nav class="pager" aria-label="Audit log pages">
                {newer.map(|href| view! { <a href=href rel="prev">"← Newer"</a> })}
                <span>"Page " {page.page}</span>
                {older.map(|href| view! { <a href=href rel="next">"Older →"</a> })}
            </nav>
        </AdminLayout>
    }
}
