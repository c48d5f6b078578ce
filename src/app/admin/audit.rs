//! Admin: the audit log, read-only, newest first, a page at a time.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Access, AdminFrame, AdminLayout, AdminTable, Section, admin_page, query_param};
use crate::app::error::FnError;

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
pub async fn admin_audit(#[server(default)] page: u32) -> Result<Access<AuditPage>, FnError> {
    super::ssr::audit::page(page).await
}

#[component]
pub fn AuditPageView() -> impl IntoView {
    let page = query_param("page").parse::<u32>().unwrap_or(1);
    admin_page(Resource::new(move || page, admin_audit), |page| {
        view! { <AuditTable page /> }.into_any()
    })
}

#[component]
fn AuditTable(page: AuditPage) -> impl IntoView {
    let newer = (page.page > 1).then(|| format!("/admin/audit?page={}", page.page - 1));
    let older = page
        .has_older
        .then(|| format!("/admin/audit?page={}", page.page + 1));
    view! {
        <AdminLayout section=Section::Audit title="Audit log".into() frame=page.frame>
            <AdminTable
                headings=&["When", "Who", "What", "Subject", "Detail"]
                empty=page.entries.is_empty()
                empty_text="No events yet."
                class="audit"
            >
                {page
                    .entries
                    .into_iter()
                    .map(|e| {
                        view! {
                            <tr id=format!("event-{}", e.id)>
                                <td class="nowrap">{e.at}</td>
                                <td>{e.actor}</td>
                                <td>
                                    <code>{e.action}</code>
                                </td>
                                <td>
                                    <code class="uri">{e.subject}</code>
                                </td>
                                <td>
                                    <code class="detail">{e.detail}</code>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </AdminTable>
            <nav class="pager" aria-label="Audit log pages">
                {newer
                    .map(|href| {
                        view! {
                            <a href=href rel="prev">
                                "← Newer"
                            </a>
                        }
                    })}
                <span>"Page " {page.page}</span>
                {older
                    .map(|href| {
                        view! {
                            <a href=href rel="next">
                                "Older →"
                            </a>
                        }
                    })}
            </nav>
        </AdminLayout>
    }
}
