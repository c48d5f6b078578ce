//! Admin: the audit log, read-only, newest first, a page at a time,
//! filtered by action, actor, subject and days, and exported as JSON Lines.

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
    /// The event's detail as (field, value) pairs.
    pub fields: Vec<(String, String)>,
}

/// The filter as typed, shown back in its form and carried by the pager
/// and the export link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilterInput {
    pub action: String,
    pub actor: String,
    pub subject: String,
    pub from: String,
    pub to: String,
}

impl AuditFilterInput {
    fn from_query() -> Self {
        Self {
            action: query_param("action"),
            actor: query_param("actor"),
            subject: query_param("subject"),
            from: query_param("from"),
            to: query_param("to"),
        }
    }

    /// The filter's non-empty fields as a query string, with `extra` first.
    pub fn query(&self, extra: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(extra);
        for (name, value) in [
            ("action", &self.action),
            ("actor", &self.actor),
            ("subject", &self.subject),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub frame: AdminFrame,
    pub filter: AuditFilterInput,
    /// Why the filter was refused (then no event is listed).
    pub filter_error: Option<String>,
    /// 1 is the newest page.
    pub page: u32,
    pub has_older: bool,
    pub entries: Vec<AuditEntry>,
}

#[server(endpoint = "admin/audit")]
pub async fn admin_audit(
    #[server(default)] page: u32,
    #[server(default)] filter: AuditFilterInput,
) -> Result<Access<AuditPage>, FnError> {
    super::ssr::audit::page(page, filter).await
}

#[component]
pub fn AuditPageView() -> impl IntoView {
    let page = query_param("page").parse::<u32>().unwrap_or(1);
    let filter = AuditFilterInput::from_query();
    admin_page(
        Resource::new(
            move || (page, filter.clone()),
            |(page, filter)| admin_audit(page, filter),
        ),
        |page| view! { <AuditTable page /> }.into_any(),
    )
}

#[component]
fn FilterField(
    name: &'static str,
    label: &'static str,
    value: String,
    kind: &'static str,
) -> impl IntoView {
    let id = format!("audit-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id type=kind name=name value=value />
        </div>
    }
}

#[component]
fn AuditTable(page: AuditPage) -> impl IntoView {
    let filter = page.filter.clone();
    let page_link = |n: u32| format!("/admin/audit?{}", filter.query(&[("page", &n.to_string())]));
    let newer = (page.page > 1).then(|| page_link(page.page - 1));
    let older = page.has_older.then(|| page_link(page.page + 1));
    let export = format!("/admin/audit/export?{}", filter.query(&[]));
    view! {
        <AdminLayout section=Section::Audit title="Audit log".into() frame=page.frame>
            <form
                method="get"
                action="/admin/audit"
                role="search"
                class="inline toolbar audit-filter"
            >
                <FilterField
                    name="action"
                    label="Action (or its beginning)"
                    value=filter.action.clone()
                    kind="search"
                />
                <FilterField name="actor" label="Actor" value=filter.actor.clone() kind="search" />
                <FilterField
                    name="subject"
                    label="Subject"
                    value=filter.subject.clone()
                    kind="search"
                />
                <FilterField
                    name="from"
                    label="From (UTC day)"
                    value=filter.from.clone()
                    kind="date"
                />
                <FilterField name="to" label="To (UTC day)" value=filter.to.clone() kind="date" />
                <button type="submit" class="secondary">
                    "Filter"
                </button>
                <a href="/admin/audit">"Clear"</a>
                <a href=export download="audit.jsonl">
                    "Export as JSON Lines"
                </a>
            </form>
            {page
                .filter_error
                .map(|e| {
                    view! {
                        <p class="error" role="alert">
                            {e}
                        </p>
                    }
                })}
            <AdminTable
                headings=&["When", "Who", "What", "Subject", "Detail"]
                empty=page.entries.is_empty()
                empty_text="No events match."
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
                                    <dl class="detail">
                                        {e
                                            .fields
                                            .into_iter()
                                            .map(|(name, value)| {
                                                view! {
                                                    <dt>{name}</dt>
                                                    <dd>{value}</dd>
                                                }
                                            })
                                            .collect_view()}
                                    </dl>
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
