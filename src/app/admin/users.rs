//! Admin: users. Create, reset a password, grant or revoke admin, disable.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

use super::{Access, AdminFrame, AdminLayout, AdminTable, Csrf, PostButton, Section, admin_page};
use crate::app::error::FnError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub username: String,
    pub is_admin: bool,
    pub disabled: bool,
    pub created: String,
    pub active_sessions: i64,
    /// The admin looking at the list.
    pub is_self: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub frame: AdminFrame,
    pub users: Vec<UserSummary>,
    /// Why the last change was refused, and for which user.
    pub error: Option<String>,
    pub error_user: Option<String>,
}

/// What can be done to an existing user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    ResetPassword,
    GrantAdmin,
    RevokeAdmin,
    Disable,
    Enable,
    SignOutEverywhere,
}

impl UserAction {
    pub fn done_text(self) -> &'static str {
        match self {
            UserAction::ResetPassword => "has a new password",
            UserAction::GrantAdmin => "is now an admin",
            UserAction::RevokeAdmin => "is no longer an admin",
            UserAction::Disable => "is disabled and signed out everywhere",
            UserAction::Enable => "is enabled",
            UserAction::SignOutEverywhere => "is signed out everywhere",
        }
    }

    fn value(self) -> &'static str {
        match self {
            UserAction::ResetPassword => "reset_password",
            UserAction::GrantAdmin => "grant_admin",
            UserAction::RevokeAdmin => "revoke_admin",
            UserAction::Disable => "disable",
            UserAction::Enable => "enable",
            UserAction::SignOutEverywhere => "sign_out_everywhere",
        }
    }
}

#[server(endpoint = "admin/users")]
pub async fn admin_users() -> Result<Access<UserList>, FnError> {
    super::ssr::users::list().await
}

#[server(endpoint = "admin/user/create")]
pub async fn create_user(
    csrf: String,
    username: String,
    password: String,
    #[server(default)] admin: bool,
) -> Result<(), FnError> {
    super::ssr::users::create(csrf, username, password, admin).await
}

#[server(endpoint = "admin/user/change")]
pub async fn change_user(
    csrf: String,
    username: String,
    action: UserAction,
    #[server(default)] password: String,
) -> Result<(), FnError> {
    super::ssr::users::change(csrf, username, action, password).await
}

#[component]
pub fn UserListPage() -> impl IntoView {
    admin_page(Resource::new(|| (), |_| admin_users()), |list| {
        view! { <UserListView list /> }.into_any()
    })
}

/// A one-button form that applies `action` to `username`.
#[component]
fn ActionButton(
    csrf: String,
    username: String,
    action: UserAction,
    text: &'static str,
) -> impl IntoView {
    let label = format!("{text} {username}");
    let fields = vec![
        ("username", username),
        ("action", action.value().to_owned()),
    ];
    view! { <PostButton action=ChangeUser::PATH csrf fields text label /> }
}

#[component]
fn UserListView(list: UserList) -> impl IntoView {
    let csrf = list.frame.csrf.clone();
    let row_csrf = csrf.clone();
    let error = list.error.clone();
    view! {
        <AdminLayout section=Section::Users title="Users".into() frame=list.frame>
            {error
                .map(|e| {
                    view! {
                        <p class="error" role="alert">
                            {list.error_user.clone().unwrap_or_default()}
                            ": "
                            {e}
                        </p>
                    }
                })}
            <AdminTable
                headings=&["Username", "Role", "Status", "Created", "Sessions", "Actions"]
                empty=false
                empty_text="No users."
            >
                {list
                    .users
                    .into_iter()
                    .map(|u| {
                        let csrf = row_csrf.clone();
                        let name = u.username.clone();
                        let password_id = format!("password-{name}");
                        view! {
                            <tr>
                                <td>{u.username.clone()}{u.is_self.then_some(" (you)")}</td>
                                <td>{if u.is_admin { "admin" } else { "user" }}</td>
                                <td>{if u.disabled { "disabled" } else { "active" }}</td>
                                <td class="nowrap">{u.created}</td>
                                <td class="number">{u.active_sessions}</td>
                                <td class="actions">
                                    <form method="post" action=ChangeUser::PATH class="inline">
                                        <Csrf token=csrf.clone() />
                                        <input type="hidden" name="username" value=name.clone() />
                                        <input type="hidden" name="action" value="reset_password" />
                                        <label for=password_id.clone() class="visually-hidden">
                                            {format!("New password for {name}")}
                                        </label>
                                        <input
                                            id=password_id
                                            type="password"
                                            name="password"
                                            autocomplete="new-password"
                                            minlength="8"
                                            maxlength="1024"
                                            placeholder="new password"
                                        />
                                        <button type="submit" class="secondary small">
                                            "Reset password"
                                        </button>
                                    </form>
                                    {(!u.is_self)
                                        .then(|| {
                                            let admin_action = if u.is_admin {
                                                (UserAction::RevokeAdmin, "Revoke admin")
                                            } else {
                                                (UserAction::GrantAdmin, "Make admin")
                                            };
                                            let status_action = if u.disabled {
                                                (UserAction::Enable, "Enable")
                                            } else {
                                                (UserAction::Disable, "Disable")
                                            };
                                            view! {
                                                <ActionButton
                                                    csrf=csrf.clone()
                                                    username=name.clone()
                                                    action=admin_action.0
                                                    text=admin_action.1
                                                />
                                                <ActionButton
                                                    csrf=csrf.clone()
                                                    username=name.clone()
                                                    action=status_action.0
                                                    text=status_action.1
                                                />
                                                {(u.active_sessions > 0)
                                                    .then(|| {
                                                        view! {
                                                            <ActionButton
                                                                csrf=csrf.clone()
                                                                username=name.clone()
                                                                action=UserAction::SignOutEverywhere
                                                                text="Sign out everywhere"
                                                            />
                                                        }
                                                    })}
                                            }
                                        })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </AdminTable>
            <section aria-labelledby="new-user-heading" class="card">
                <h2 id="new-user-heading">"New user"</h2>
                <form method="post" action=CreateUser::PATH class="admin-form">
                    <Csrf token=csrf.clone() />
                    <div class="field">
                        <label for="new-username">"Username"</label>
                        <input
                            id="new-username"
                            name="username"
                            required
                            maxlength="64"
                            autocomplete="off"
                        />
                    </div>
                    <div class="field">
                        <label for="new-password">"Password"</label>
                        <input
                            id="new-password"
                            name="password"
                            type="password"
                            required
                            minlength="8"
                            maxlength="1024"
                            autocomplete="new-password"
                        />
                    </div>
                    <label class="choice">
                        <input type="checkbox" name="admin" value="true" />
                        "Admin (may use this console)"
                    </label>
                    <div class="actions">
                        <button type="submit">"Create user"</button>
                    </div>
                </form>
            </section>
        </AdminLayout>
    }
}
