//! What each administrative command does and prints. Every change goes
//! through the same functions as the admin console (`server::operations`,
//! the termination path), is audited with the actor `cli`, and is announced
//! in its own transaction (`server::changes`), so running servers drop
//! their cached rows and send the logouts it queued within a second.

use anyhow::{Context, bail};
use serde::Serialize;

use super::audit::rfc3339;
use super::cli::{
    AdminCommand, ClientCommand, DeliveriesCommand, KeysCommand, Output, SessionsCommand,
    UserCommand,
};
use super::clock::{now, now_ms};
use super::db::Pool;
use super::db::backchannel_deliveries::{
    DeliveryFilter, DeliveryRow, DeliveryStatus, count_failed_deliveries_by_client, last_result,
    list_deliveries,
};
use super::db::clients::{ClientRow, find_client, list_clients};
use super::db::op_sessions::{find_active_op_session, list_active_op_sessions};
use super::db::rp_sessions::count_active_rp_sessions_by_client;
use super::db::users::{UserRow, find_user_by_username, list_users};
use super::operations::{UserChange, change_user, remove_client, resend_delivery};
use super::sessions::{Cause, Ended, Scope, Terminations};
use super::{changes, commands, keys};

/// The actor the audit log names for the command line.
pub const CLI: &str = "cli";

/// The most rows a list prints unless told otherwise.
const LIST_LIMIT: i64 = 10_000;

/// Runs one administrative command against `pool`.
pub async fn run(command: AdminCommand, pool: &Pool) -> anyhow::Result<()> {
    match command {
        AdminCommand::User { command } => user(command, pool).await,
        AdminCommand::Client { command } => client(command, pool).await,
        AdminCommand::Keys { command } => keys(command, pool).await,
        AdminCommand::Sessions { command } => sessions(command, pool).await,
        AdminCommand::Deliveries { command } => deliveries(command, pool).await,
    }
}

async fn user(command: UserCommand, pool: &Pool) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(spec) => {
            let (username, admin) = (spec.username.clone(), spec.admin);
            super::accounts::add_user(pool, spec, CLI).await?;
            println!(
                "added user {username}{}",
                if admin { " (admin)" } else { "" }
            );
        }
        UserCommand::List { output } => {
            let users: Vec<UserView> = list_users(pool, LIST_LIMIT)
                .await
                .context("listing users")?
                .into_iter()
                .map(|u| UserView {
                    username: u.username,
                    admin: u.is_admin,
                    disabled: u.disabled_at.is_some(),
                    created_at: rfc3339(u.created_at),
                    live_sessions: u.active_sessions,
                })
                .collect();
            print(output, &users, || {
                table(
                    &["USERNAME", "ROLE", "STATE", "SESSIONS", "CREATED"],
                    users.iter().map(|u| {
                        vec![
                            u.username.clone(),
                            if u.admin { "admin" } else { "user" }.into(),
                            if u.disabled { "disabled" } else { "active" }.into(),
                            u.live_sessions.to_string(),
                            u.created_at.clone(),
                        ]
                    }),
                )
            })?;
        }
        UserCommand::Disable { username, output } => {
            change(pool, &username, UserChange::Disable, output).await?;
        }
        UserCommand::Enable { username, output } => {
            change(pool, &username, UserChange::Enable, output).await?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct UserView {
    username: String,
    admin: bool,
    disabled: bool,
    created_at: String,
    live_sessions: i64,
}

async fn find_user(pool: &Pool, username: &str) -> anyhow::Result<UserRow> {
    find_user_by_username(pool, username)
        .await
        .context("loading the user")?
        .with_context(|| format!("there is no user {username:?}"))
}

async fn change(
    pool: &Pool,
    username: &str,
    change: UserChange,
    output: Output,
) -> anyhow::Result<()> {
    let user = find_user(pool, username).await?;
    let mut ends = Terminations::begin_on(pool).await?;
    let changed = change_user(&mut ends, &user, &change, CLI).await?;
    ends.commit_announced().await?;
    #[derive(Serialize)]
    struct Changed<'a> {
        username: &'a str,
        action: &'a str,
        #[serde(flatten)]
        changed: super::operations::UserChanged,
    }
    let report = Changed {
        username: &user.username,
        action: change.audit_action(),
        changed,
    };
    print(output, &report, || match change {
        UserChange::Disable => format!(
            "{} is disabled: {} session(s) ended, {} token(s) revoked",
            user.username, changed.ended_sessions, changed.tokens_revoked
        ),
        _ => format!("{} is enabled", user.username),
    })
}

async fn client(command: ClientCommand, pool: &Pool) -> anyhow::Result<()> {
    match command {
        ClientCommand::Add(spec) => {
            let client_id = spec.client_id.clone();
            let generated = commands::add_client(pool, *spec, CLI).await?;
            println!("added client {client_id}");
            if let Some(secret) = generated {
                println!("client secret (shown once, stored only as a hash): {secret}");
            }
        }
        ClientCommand::List { output } => {
            let clients: Vec<ClientView> = list_clients(pool, "", LIST_LIMIT)
                .await
                .context("listing clients")?
                .into_iter()
                .map(ClientView::from)
                .collect();
            print(output, &clients, || {
                table(
                    &["CLIENT_ID", "NAME", "TYPE", "LOGOUT", "GRANTS"],
                    clients.iter().map(|c| {
                        vec![
                            c.client_id.clone(),
                            c.name.clone(),
                            c.client_type.into(),
                            c.logout_channels(),
                            c.grant_types.join(","),
                        ]
                    }),
                )
            })?;
        }
        ClientCommand::Show { client_id, output } => {
            let row = find_client(pool, &client_id)
                .await
                .context("loading the client")?
                .with_context(|| format!("there is no client {client_id:?}"))?;
            let live = count_active_rp_sessions_by_client(pool)
                .await
                .context("counting client sessions")?;
            let failed = count_failed_deliveries_by_client(pool)
                .await
                .context("counting failed deliveries")?;
            let shown = ClientShown {
                live_client_sessions: live.get(&client_id).copied().unwrap_or(0),
                failed_deliveries: failed.get(&client_id).copied().unwrap_or(0),
                client: ClientView::from(row),
            };
            print(output, &shown, || shown.text())?;
        }
        ClientCommand::Remove { client_id, output } => {
            let mut tx = super::db::begin_write(pool).await?;
            let Some(ended) = remove_client(&mut tx, &client_id, CLI, now()).await? else {
                bail!("there is no client {client_id:?}");
            };
            changes::announce(&mut tx)
                .await
                .context("announcing the change")?;
            tx.commit().await.context("committing the removal")?;
            let report = serde_json::json!({
                "client_id": client_id,
                "removed": true,
                "ended_client_sessions": ended,
            });
            print(output, &report, || {
                format!("removed client {client_id}; {ended} client session(s) ended")
            })?;
        }
    }
    Ok(())
}

/// A client as the CLI shows it: its registration, without the secret's hash.
#[derive(Serialize)]
struct ClientView {
    client_id: String,
    name: String,
    client_type: &'static str,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    frontchannel_logout_uri: Option<String>,
    backchannel_logout_uri: Option<String>,
    logout_confirmation: String,
    id_token_signed_response_alg: String,
    grant_types: Vec<String>,
    created_at: String,
}

impl From<ClientRow> for ClientView {
    fn from(row: ClientRow) -> Self {
        Self {
            client_type: row.client_type().as_str(),
            client_id: row.client_id,
            name: row.name,
            redirect_uris: row.redirect_uris.0,
            post_logout_redirect_uris: row.post_logout_redirect_uris.0,
            frontchannel_logout_uri: row.frontchannel_logout_uri,
            backchannel_logout_uri: row.backchannel_logout_uri,
            logout_confirmation: row.logout_confirmation,
            id_token_signed_response_alg: row.id_token_signed_response_alg,
            grant_types: row.grant_types.0,
            created_at: rfc3339(row.created_at),
        }
    }
}

impl ClientView {
    /// "front, back", or "-" for a client told of nothing.
    fn logout_channels(&self) -> String {
        let channels: Vec<&str> = [
            self.frontchannel_logout_uri.as_ref().map(|_| "front"),
            self.backchannel_logout_uri.as_ref().map(|_| "back"),
        ]
        .into_iter()
        .flatten()
        .collect();
        match channels.is_empty() {
            true => "-".into(),
            false => channels.join(","),
        }
    }
}

#[derive(Serialize)]
struct ClientShown {
    #[serde(flatten)]
    client: ClientView,
    live_client_sessions: i64,
    failed_deliveries: i64,
}

impl ClientShown {
    fn text(&self) -> String {
        let c = &self.client;
        let none = || "-".to_owned();
        let lines = [
            ("client_id", c.client_id.clone()),
            ("name", c.name.clone()),
            ("type", c.client_type.to_owned()),
            ("redirect URIs", c.redirect_uris.join(" ")),
            (
                "post-logout redirect URIs",
                match c.post_logout_redirect_uris.is_empty() {
                    true => none(),
                    false => c.post_logout_redirect_uris.join(" "),
                },
            ),
            (
                "front-channel logout URI",
                c.frontchannel_logout_uri.clone().unwrap_or_else(none),
            ),
            (
                "back-channel logout URI",
                c.backchannel_logout_uri.clone().unwrap_or_else(none),
            ),
            ("logout confirmation", c.logout_confirmation.clone()),
            ("ID token algorithm", c.id_token_signed_response_alg.clone()),
            ("grant types", c.grant_types.join(", ")),
            ("created", c.created_at.clone()),
            (
                "live client sessions",
                self.live_client_sessions.to_string(),
            ),
            ("failed deliveries", self.failed_deliveries.to_string()),
        ];
        lines
            .iter()
            .map(|(k, v)| format!("{k:<26} {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

async fn keys(command: KeysCommand, pool: &Pool) -> anyhow::Result<()> {
    match command {
        KeysCommand::Rotate { alg, now } => {
            let kid = commands::rotate_keys(pool, alg, now).await?;
            if now {
                println!(
                    "new {alg} signing key {kid}; running servers sign with it within a second"
                );
            } else {
                println!(
                    "new {alg} signing key {kid}; running servers publish it within a second and sign with it in {} s",
                    keys::PUBLISH_BEFORE_SIGNING.as_secs()
                );
            }
        }
        KeysCommand::Retire { kid, now } => {
            commands::retire_key(pool, &kid, now).await?;
            if now {
                println!(
                    "key {kid} retired and unpublished; running servers drop it within a second"
                );
            } else {
                println!(
                    "key {kid} no longer signs; it stays in /jwks.json for 48 hours so its tokens still verify"
                );
            }
        }
    }
    Ok(())
}

async fn sessions(command: SessionsCommand, pool: &Pool) -> anyhow::Result<()> {
    match command {
        SessionsCommand::List {
            user,
            limit,
            output,
        } => {
            // The list's filter matches part of a name; --user means one user.
            let name = match &user {
                Some(name) => find_user(pool, name).await?.username,
                None => String::new(),
            };
            let sessions: Vec<SessionView> = list_active_op_sessions(pool, &name, limit.max(0))
                .await
                .context("listing sessions")?
                .into_iter()
                .filter(|s| name.is_empty() || s.username == name)
                .map(|s| SessionView {
                    sid: s.sid,
                    username: s.username,
                    started_at: rfc3339(s.created_at),
                    auth_time: rfc3339(s.auth_time),
                    clients: s
                        .clients
                        .map(|c| c.split(' ').map(str::to_owned).collect())
                        .unwrap_or_default(),
                })
                .collect();
            print(output, &sessions, || {
                table(
                    &["SID", "USER", "STARTED", "CLIENTS"],
                    sessions.iter().map(|s| {
                        vec![
                            s.sid.clone(),
                            s.username.clone(),
                            s.started_at.clone(),
                            s.clients.join(","),
                        ]
                    }),
                )
            })?;
        }
        SessionsCommand::End { sid, user, output } => {
            let ended = end_sessions(pool, sid.as_deref(), user.as_deref()).await?;
            let report: Vec<EndedView> = ended
                .iter()
                .map(|e| EndedView {
                    sid: &e.sid,
                    clients: &e.clients,
                    backchannel_deliveries: e.deliveries.len(),
                })
                .collect();
            print(output, &report, || {
                match report.is_empty() {
                true => "no live sessions to end".to_owned(),
                false => report
                    .iter()
                    .map(|e| {
                        format!(
                            "ended session {} ({} client session(s), {} back-channel logout(s) queued)",
                            e.sid,
                            e.clients.len(),
                            e.backchannel_deliveries
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
            })?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct SessionView {
    sid: String,
    username: String,
    started_at: String,
    auth_time: String,
    clients: Vec<String>,
}

#[derive(Serialize)]
struct EndedView<'a> {
    sid: &'a str,
    clients: &'a [String],
    backchannel_deliveries: usize,
}

/// Ends one live session, or every one of a user's, as an operator's
/// logout (reason `admin_signed_out`), announced to the running servers.
async fn end_sessions(
    pool: &Pool,
    sid: Option<&str>,
    user: Option<&str>,
) -> anyhow::Result<Vec<Ended>> {
    let cause = Cause {
        actor: Some(CLI),
        reason: "admin_signed_out",
    };
    let mut ends = Terminations::begin_on(pool).await?;
    let ended = match (sid, user) {
        (Some(sid), _) => {
            if find_active_op_session(&mut **ends.tx(), sid, now())
                .await
                .context("loading the session")?
                .is_none()
            {
                bail!("there is no live session {sid:?}");
            }
            vec![
                ends.end(sid, Scope::OpSession, cause, serde_json::json!({}))
                    .await?,
            ]
        }
        (None, Some(username)) => {
            let user = find_user(pool, username).await?;
            ends.end_user_sessions(user.id, cause, serde_json::json!({ "user": user.username }))
                .await?
        }
        (None, None) => bail!("say which sessions: --sid SID or --user USERNAME"),
    };
    ends.commit_announced().await?;
    Ok(ended)
}

async fn deliveries(command: DeliveriesCommand, pool: &Pool) -> anyhow::Result<()> {
    match command {
        DeliveriesCommand::List {
            status,
            client,
            limit,
            output,
        } => {
            let filter = DeliveryFilter {
                client_id: client.as_deref(),
                sid: None,
                status: status.as_deref().and_then(DeliveryStatus::parse),
            };
            let rows: Vec<DeliveryView> = list_deliveries(pool, filter, limit.max(0))
                .await
                .context("listing deliveries")?
                .into_iter()
                .map(DeliveryView::from)
                .collect();
            print(output, &rows, || {
                table(
                    &[
                        "ID",
                        "CLIENT",
                        "STATUS",
                        "ATTEMPTS",
                        "LAST RESULT",
                        "UPDATED",
                    ],
                    rows.iter().map(|d| {
                        vec![
                            d.id.to_string(),
                            d.client_id.clone(),
                            d.status.into(),
                            d.attempts.to_string(),
                            d.last_result(),
                            d.updated_at.clone(),
                        ]
                    }),
                )
            })?;
        }
        DeliveriesCommand::Resend { id, output } => {
            let mut tx = super::db::begin_write(pool).await?;
            let Some(new_id) = resend_delivery(&mut tx, id, CLI, now_ms()).await? else {
                bail!("there is no delivery {id}");
            };
            changes::announce(&mut tx)
                .await
                .context("announcing the change")?;
            tx.commit().await.context("committing the resend")?;
            let report = serde_json::json!({ "resent": id, "delivery": new_id });
            print(output, &report, || {
                format!(
                    "delivery {id} queued again as delivery {new_id}; a running server sends it within a second"
                )
            })?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct DeliveryView {
    id: i64,
    client_id: String,
    sid: String,
    reason: String,
    status: &'static str,
    attempts: i64,
    last_status: Option<i64>,
    last_error: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<DeliveryRow> for DeliveryView {
    fn from(row: DeliveryRow) -> Self {
        Self {
            id: row.id,
            client_id: row.client_id,
            sid: row.sid,
            reason: row.reason,
            status: row.status.as_str(),
            attempts: row.attempts,
            last_status: row.last_status,
            last_error: row.last_error,
            created_at: rfc3339(row.created_at / 1000),
            updated_at: rfc3339(row.updated_at / 1000),
        }
    }
}

impl DeliveryView {
    fn last_result(&self) -> String {
        last_result(self.last_status, self.last_error.as_deref())
    }
}

/// Prints `value` as JSON with `--json`, else the text `text` makes.
fn print<T: Serialize>(
    output: Output,
    value: &T,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    if output.json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        println!("{}", text());
    }
    Ok(())
}

/// Rows in columns as wide as their widest cell; "(none)" for no rows.
fn table(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let rows: Vec<Vec<String>> = rows.collect();
    if rows.is_empty() {
        return "(none)".into();
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(headers.to_vec())];
    out.extend(
        rows.iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_aligns_its_columns_and_says_when_it_is_empty() {
        let rows = vec![
            vec!["alice".to_owned(), "1".to_owned()],
            vec!["bo".to_owned(), "12".to_owned()],
        ];
        assert_eq!(
            table(&["USER", "N"], rows.into_iter()),
            "USER   N\nalice  1\nbo     12"
        );
        assert_eq!(table(&["USER"], std::iter::empty()), "(none)");
    }
}
