//! Admin: live OP sessions, filterable by user, each with a sign-out action.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

use super::{
    Access, AdminFrame, AdminLayout, AdminTable, PostButton, Section, admin_page, query_param,
};
use crate::app::error::FnError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub sid: String,
    /// Enough of the sid to tell sessions apart on screen.
    pub sid_prefix: String,
    pub username: String,
    pub started: String,
    pub clients: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionList {
    pub frame: AdminFrame,
    pub user: String,
    pub sessions: Vec<SessionSummary>,
}

#[server(endpoint = "admin/sessions")]
pub async fn admin_sessions(
    #[server(default)] user: String,
) -> Result<Access<SessionList>, FnError> {
    super::ssr::sessions::list(user).await
}

/// Ends an OP session as an OP-initiated logout (the same path as every logout).
#[server(endpoint = "admin/session/end")]
pub async fn end_session(
    csrf: String,
    sid: String,
    #[server(default)] user: String,
) -> Result<(), FnError> {
    super::ssr::sessions::end(csrf, sid, user).await
}

#[component]
pub fn SessionListPage() -> impl IntoView {
    let user = query_param("user");
    admin_page(
        Resource::new(move || user.clone(), admin_sessions),
        |list| view! { <SessionListView list /> }.into_any(),
    )
}

#[component]
fn SessionListView(list: SessionList) -> impl IntoView {
    let csrf = list.frame.csrf.clone();
    let user = list.user.clone();
    let empty = list.sessions.is_empty();
    view! {
        <AdminLayout section=Section::Sessions title="Active sessions".into() frame=list.frame>
            <form method="get" action="/admin/sessions" role="search" class="inline toolbar">
                <label for="session-user">"User"</label>
                <input id="session-user" name="user" type="search" value=list.user />
                <button type="submit" class="secondary">
                    "Filter"
                </button>
            </form>
            <AdminTable
                headings=&["User", "Session", "Started", "Clients in the session", "Action"]
                empty=empty
                empty_text="No active sessions."
            >
                {list
                    .sessions
                    .into_iter()
                    .map(|s| {
                        let label = format!("Sign out {} (session {})", s.username, s.sid_prefix);
                        view! {
                            <tr>
                                <td>{s.username}</td>
                                <td>
                                    <code>{s.sid_prefix}"…"</code>
                                </td>
                                <td>{s.started}</td>
                                <td>
                                    {s
                                        .clients
                                        .into_iter()
                                        .map(|c| view! { <code class="tag">{c}</code> })
                                        .collect_view()}
                                    <a
                                        class="small-link"
                                        href=format!("/admin/deliveries?sid={}", s.sid)
                                    >
                                        "Logout deliveries"
                                    </a>
                                </td>
                                <td>
                                    <PostButton
                                        action=EndSession::PATH
                                        csrf=csrf.clone()
                                        fields=vec![("sid", s.sid), ("user", user.clone())]
                                        text="Sign out"
                                        label
                                    />
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </AdminTable>
        </AdminLayout>
    }
}
