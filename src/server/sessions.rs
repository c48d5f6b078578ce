//! OP sessions: finding the browser's live one, and the one termination path
//! every way a session ends goes through (the dialog's Yes and No,
//! `/userStatus.json?logUserOut=true`, `/signout`, the console, a login that
//! replaces another user's session, disabling a user or resetting their
//! password, and expiry). Leptos-free: the CLI, the console, maintenance and
//! the protocol handlers all call it.

use anyhow::Context;

use super::backchannel::BackchannelNotifier;
use super::browser_session::BrowserSession;
use super::clock::{now, now_ms};
use super::crypto::random_token;
use super::db::access_tokens::revoke_access_tokens_for_user;
use super::db::audit_events::record_audit_event;
use super::db::backchannel_deliveries::{DeliveryRow, list_delivery_outcomes};
use super::db::op_sessions::{
    ActiveOpSession, OP_SESSION_LIFETIME_SECS, find_live_op_session, insert_op_session,
    list_active_sids_for_user, renew_op_session,
};
use super::db::refresh_tokens::revoke_refresh_tokens_for_user;
use super::db::rp_sessions::EndedRpSession;
use super::db::terminations::{SessionEnd, end_session_rows};
use super::db::users::UserRow;
use super::db::{Backend, Pool, Tx};
use super::state::{AppState, LiveOpSession};
use crate::oidc::end_session::CurrentSession;
use crate::oidc::frontchannel::FrontchannelTarget;
use crate::oidc::logout_token::DeliveryStatus;

/// The browser's live OP session, if it has one: from the cache when it is
/// there, since the dialog and ORCID's status poll ask on every request.
pub async fn current_session(
    state: &AppState,
    session: &BrowserSession,
) -> anyhow::Result<Option<CurrentSession>> {
    Ok(current_live_session(state, session)
        .await?
        .map(|live| live.session))
}

/// [`current_session`] with what the end-session endpoint also keeps of it.
pub async fn current_live_session(
    state: &AppState,
    session: &BrowserSession,
) -> anyhow::Result<Option<LiveOpSession>> {
    let Some(sid) = session
        .op_sid()
        .await
        .context("reading the browser session")?
    else {
        return Ok(None);
    };
    let now = now();
    if let Some(live) = state.op_sessions.get(&sid) {
        return Ok((live.expires_at > now).then_some(live));
    }
    let began = state.op_sessions.generation();
    let Some(found) = find_live_op_session(&state.pool, &sid, now)
        .await
        .context("loading the OP session")?
    else {
        return Ok(None);
    };
    let live = LiveOpSession {
        session: CurrentSession {
            sid: found.sid,
            subject: found.subject,
            username: found.username,
        },
        expires_at: found.auth_time + OP_SESSION_LIFETIME_SECS,
        frontchannel_origins: frontchannel_origins(found.frontchannel_uris.as_deref()).into(),
    };
    state.op_sessions.put(began, sid, live.clone());
    Ok(Some(live))
}

/// The origins of space-separated URIs, sorted, each once.
fn frontchannel_origins(uris: Option<&str>) -> Vec<String> {
    let mut origins: Vec<String> = uris
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|u| url::Url::parse(u).ok())
        .map(|u| crate::oidc::frontchannel::frame_origin(&u))
        .collect();
    origins.sort();
    origins.dedup();
    origins
}

/// What ending a session (or one client of it) did: the clients that left,
/// those of them to tell by front-channel, and the back-channel deliveries
/// queued for them.
#[derive(Debug, Default)]
pub struct Ended {
    pub sid: String,
    pub clients: Vec<String>,
    /// The clients with a front-channel logout URI, by name.
    pub frontchannel: Vec<FrontchannelTarget>,
    pub deliveries: Vec<i64>,
}

impl Ended {
    fn new(sid: &str, closed: Vec<EndedRpSession>, deliveries: Vec<i64>) -> Self {
        let clients = closed.iter().map(|c| c.client_id.clone()).collect();
        let mut frontchannel: Vec<FrontchannelTarget> = closed
            .into_iter()
            .filter_map(|c| {
                Some(FrontchannelTarget {
                    uri: c.frontchannel_logout_uri?,
                    client_id: c.client_id,
                    client_name: c.name,
                })
            })
            .collect();
        frontchannel.sort_by(|a, b| {
            (a.client_name.to_lowercase(), &a.client_id)
                .cmp(&(b.client_name.to_lowercase(), &b.client_id))
        });
        Self {
            sid: sid.to_owned(),
            clients,
            frontchannel,
            deliveries,
        }
    }
}

/// What a termination ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// The OP session and every client session in it.
    OpSession,
    /// One client's part of the OP session (the dialog's No); the OP session stays.
    Client(&'a str),
}

/// Who ended a session, and why: what the audit log and the logout tokens' outbox record.
#[derive(Clone, Copy, Debug)]
pub struct Cause<'a> {
    /// The user or admin who acted; `None` for an anonymous request.
    pub actor: Option<&'a str>,
    /// The reason the outbox rows and the audit event carry (`rp_initiated_logout`, `expired`…).
    pub reason: &'a str,
}

/// Terminations made inside one transaction. Its [`commit`](Self::commit)
/// does every termination's duty in order: commit, then forget the ended
/// sessions' cached copies (`AppState::op_sessions`), then start their
/// back-channel deliveries. Nothing else does any of the three.
#[derive(Debug)]
#[must_use = "commit it: that is what forgets the cache entries and starts the deliveries"]
pub struct Terminations {
    tx: Tx,
    backend: Backend,
    now_ms: i64,
    sids: Vec<String>,
    /// The server that attempts the deliveries right after the commit; the
    /// rows are written leased to it. `None`: they are queued for the workers.
    notifier: Option<BackchannelNotifier>,
    deliveries: Vec<DeliveryRow>,
    /// Browser sessions whose rows this transaction deletes.
    browser_rows: Vec<tower_sessions::session::Id>,
    /// (trigger, outcome) of each end, counted in the metrics once committed.
    counted: Vec<(&'static str, &'static str)>,
}

impl Terminations {
    /// Starts a write transaction for terminations and whatever the caller
    /// commits with them (a login, a user change).
    /// This server makes the first delivery attempts itself when it commits.
    pub async fn begin(state: &AppState) -> anyhow::Result<Self> {
        let mut ends = Self::begin_on(&state.pool).await?;
        ends.notifier = Some(state.notifier.clone());
        Ok(ends)
    }

    /// As [`begin`](Self::begin), with the deliveries queued for the
    /// workers instead: outside any server (the operator CLI, which commits
    /// with [`commit_announced`](Self::commit_announced)), or for a batch
    /// nobody waits on (the expiry sweep).
    pub async fn begin_on(pool: &Pool) -> anyhow::Result<Self> {
        Ok(Self {
            backend: Backend::of(pool),
            tx: super::db::begin_write(pool)
                .await
                .context("starting the transaction")?,
            now_ms: now_ms(),
            sids: Vec::new(),
            notifier: None,
            deliveries: Vec::new(),
            browser_rows: Vec::new(),
            counted: Vec::new(),
        })
    }

    /// The transaction, for the caller's own writes.
    pub fn tx(&mut self) -> &mut crate::server::db::Tx {
        &mut self.tx
    }

    /// The time every write of this transaction records, in milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Ends `scope` of OP session `sid`: the client sessions (all, or the
    /// one), their access tokens and the refresh tokens bound to the session
    /// (Back-Channel Logout §2.7; `offline_access` ones stay), the
    /// back-channel outbox rows, and an audit event; for
    /// [`Scope::OpSession`] also the session row itself.
    pub async fn end(
        &mut self,
        sid: &str,
        scope: Scope<'_>,
        cause: Cause<'_>,
        detail: serde_json::Value,
    ) -> anyhow::Result<Ended> {
        self.end_with(sid, scope, None, cause, detail).await
    }

    /// As [`end`](Self::end) for the whole OP session, deleting the row of
    /// the browser session that carried it in the same transaction: the
    /// browser's own logout, where it is deleted anyway (see
    /// [`sign_out_browser`]), with no round trip of its own.
    pub async fn end_in_browser(
        &mut self,
        sid: &str,
        browser: tower_sessions::session::Id,
        cause: Cause<'_>,
        detail: serde_json::Value,
    ) -> anyhow::Result<Ended> {
        let ended = self
            .end_with(sid, Scope::OpSession, Some(browser), cause, detail)
            .await?;
        self.browser_rows.push(browser);
        Ok(ended)
    }

    async fn end_with(
        &mut self,
        sid: &str,
        scope: Scope<'_>,
        browser: Option<tower_sessions::session::Id>,
        cause: Cause<'_>,
        detail: serde_json::Value,
    ) -> anyhow::Result<Ended> {
        let now_ms = self.now_ms;
        let browser_row = browser.map(|id| id.to_string());
        let now = now_ms / 1000;
        let end = SessionEnd {
            sid,
            only_client: match scope {
                Scope::OpSession => None,
                Scope::Client(client_id) => Some(client_id),
            },
            reason: cause.reason,
            now,
            now_ms,
            lease: self.notifier.as_ref().map(|n| n.lease(now_ms)),
            browser_session: browser_row.as_deref(),
        };
        let rows = end_session_rows(&mut self.tx, self.backend, &end)
            .await
            .context("ending the session's rows")?;
        let ended = rows.op_session_ended;
        let tokens_revoked = rows.access_tokens_revoked + rows.refresh_tokens_revoked;
        let deliveries: Vec<i64> = rows.deliveries.iter().map(|row| row.id).collect();
        let result = Ended::new(sid, rows.rp_sessions, deliveries);
        let tx = &mut *self.tx;
        let event = match scope {
            Scope::OpSession if ended => Some((
                "logout.op_session_ended",
                serde_json::json!({
                    "reason": cause.reason,
                    "clients": result.clients,
                    "backchannel_deliveries": result.deliveries.len(),
                    "tokens_revoked": tokens_revoked,
                    "detail": detail,
                }),
            )),
            Scope::OpSession => None,
            Scope::Client(client_id) => Some((
                "logout.client_session_ended",
                serde_json::json!({
                    "client_id": client_id,
                    "closed": !result.clients.is_empty(),
                    "tokens_revoked": tokens_revoked,
                    "detail": detail,
                }),
            )),
        };
        if event.is_some() {
            let outcome = match scope {
                Scope::OpSession => "op_session_ended",
                Scope::Client(_) => "client_session_ended",
            };
            self.counted
                .push((super::metrics::trigger(cause.reason), outcome));
        }
        if let Some((action, detail)) = event {
            record_audit_event(&mut *tx, cause.actor, action, Some(sid), detail, now)
                .await
                .context("writing the audit event")?;
        }
        self.sids.push(sid.to_owned());
        self.deliveries.extend(rows.deliveries);
        Ok(result)
    }

    /// Ends every live OP session of a user. Returns the ends.
    pub async fn end_user_sessions(
        &mut self,
        user_id: i64,
        cause: Cause<'_>,
        detail: serde_json::Value,
    ) -> anyhow::Result<Vec<Ended>> {
        let sids = list_active_sids_for_user(&mut *self.tx, user_id)
            .await
            .context("listing the user's sessions")?;
        let mut ended = Vec::with_capacity(sids.len());
        for sid in &sids {
            ended.push(
                self.end(sid, Scope::OpSession, cause, detail.clone())
                    .await?,
            );
        }
        Ok(ended)
    }

    /// Revokes every token of a user, `offline_access` ones too: its
    /// account was disabled or its password reset, so nothing issued
    /// before may go on. Returns how many were revoked.
    pub async fn revoke_user_tokens(&mut self, user_id: i64) -> anyhow::Result<u64> {
        let now = self.now_ms / 1000;
        let access = revoke_access_tokens_for_user(&mut *self.tx, user_id, now)
            .await
            .context("revoking the user's access tokens")?;
        let refresh = revoke_refresh_tokens_for_user(&mut *self.tx, user_id, now)
            .await
            .context("revoking the user's refresh tokens")?;
        Ok(access + refresh)
    }

    /// A session this transaction changed without ending it (a login renewed
    /// it): its cached copy is forgotten after the commit too.
    pub fn changed(&mut self, sid: &str) {
        self.sids.push(sid.to_owned());
    }

    /// Commits, forgets the cached sessions, and makes the first delivery
    /// attempts now, with a user waiting: before it returns, each client with
    /// a back-channel logout URI has had its first attempt, or
    /// [`super::backchannel::FIRST_ATTEMPT_WAIT`] has passed (RP-Initiated
    /// Logout §3: notify before redirecting, but never hold the user hostage
    /// to a slow client).
    pub async fn commit(self, state: &AppState) -> anyhow::Result<()> {
        match self.commit_and_forget(state).await? {
            (Some(notifier), rows) => notifier.deliver_leased(rows).await,
            (None, _) => state.notifier.wake(),
        }
        Ok(())
    }

    /// Commits and forgets as [`commit`](Self::commit) does, with nobody
    /// waiting: the attempts run on their own (begun with
    /// [`begin`](Self::begin)) or the worker makes them.
    pub async fn commit_in_background(self, state: &AppState) -> anyhow::Result<()> {
        match self.commit_and_forget(state).await? {
            (Some(notifier), rows) => drop(notifier.start_leased(rows).await),
            (None, _) => state.notifier.wake(),
        }
        Ok(())
    }

    /// Commits from outside any server (the operator CLI), announcing the
    /// change in the same transaction: every running server then forgets its
    /// cached sessions and wakes its delivery worker, which sends the
    /// back-channel logouts queued here (`server::changes`).
    pub async fn commit_announced(mut self) -> anyhow::Result<()> {
        super::changes::announce(&mut self.tx)
            .await
            .context("announcing the change")?;
        self.tx.commit().await.context("committing the change")?;
        Ok(())
    }

    async fn commit_and_forget(
        self,
        state: &AppState,
    ) -> anyhow::Result<(Option<BackchannelNotifier>, Vec<DeliveryRow>)> {
        self.tx.commit().await.context("committing the change")?;
        for sid in &self.sids {
            state.op_sessions.forget(sid);
        }
        for (trigger, outcome) in self.counted {
            super::metrics::metrics().logout(trigger, outcome);
        }
        for id in self.browser_rows {
            state.browser_rows_gone.mark(id);
        }
        Ok((self.notifier, self.deliveries))
    }
}

/// A browser carries at most one live OP session. The same user signing in
/// again keeps it (same `sid`, same clients, a fresh `auth_time`); another
/// user's session is ended through the termination path first, so its
/// clients are told and its tokens die (reason `replaced_by_login`).
/// `browser` is the summary of its User-Agent (`/account` shows it).
/// Returns the sid the browser now carries.
pub async fn start_op_session(
    state: &AppState,
    user: &UserRow,
    previous: Option<ActiveOpSession>,
    browser: &str,
    now: i64,
) -> anyhow::Result<String> {
    let mut ends = Terminations::begin(state).await?;
    let renewed = match &previous {
        Some(p) if p.user_id == user.id => renew_op_session(&mut **ends.tx(), &p.sid, now)
            .await?
            .then(|| p.sid.clone()),
        _ => None,
    };
    let sid = match renewed.clone() {
        Some(sid) => sid,
        None => {
            if let Some(p) = previous.filter(|p| p.user_id != user.id) {
                let cause = Cause {
                    actor: Some(&user.username),
                    reason: "replaced_by_login",
                };
                let detail = serde_json::json!({ "previous_user": p.username });
                ends.end(&p.sid, Scope::OpSession, cause, detail).await?;
            }
            let sid = random_token();
            insert_op_session(&mut **ends.tx(), &sid, user.id, browser, now).await?;
            sid
        }
    };
    record_audit_event(
        &mut **ends.tx(),
        Some(&user.username),
        "login.succeeded",
        Some(&sid),
        serde_json::json!({ "renewed": renewed.is_some() }),
        now,
    )
    .await?;
    // A renewed session's expiry moved: its cached copy goes too.
    if renewed.is_some() {
        ends.changed(&sid);
    }
    ends.commit(state).await.context("committing the login")?;
    if renewed.is_none() {
        // Written through: the logout that ends this session (often its
        // first use of the cache) needs no query to find it. A new session
        // has no clients yet, so nothing to frame.
        let began = state.op_sessions.generation();
        let live = LiveOpSession {
            session: CurrentSession {
                sid: sid.clone(),
                subject: user.subject.clone(),
                username: user.username.clone(),
            },
            expires_at: now + OP_SESSION_LIFETIME_SECS,
            frontchannel_origins: Vec::new().into(),
        };
        state.op_sessions.put(began, sid.clone(), live);
    }
    Ok(sid)
}

/// A client signed into session `sid`: adds its front-channel logout
/// origin to the cached copy (the dialog's CSP frames and probes it).
pub fn add_frontchannel_origin(state: &AppState, sid: &str, origin: String) {
    state.op_sessions.amend(&sid.to_owned(), |live| {
        if !live.frontchannel_origins.contains(&origin) {
            let mut origins = live.frontchannel_origins.to_vec();
            origins.push(origin);
            origins.sort();
            live.frontchannel_origins = origins.into();
        }
    });
}

/// What signing a user out of some or all of their sessions did, app by app:
/// the result page names it.
#[derive(Debug, Default)]
pub struct SignOutReport {
    pub ended: Vec<Ended>,
    /// Apps told: their back-channel logout was delivered, or their
    /// front-channel logout page comes next (client names, sorted).
    pub told: Vec<String>,
    /// Apps whose back-channel logout is not delivered yet and is retried:
    /// (client_id, name).
    pub retrying: Vec<(String, String)>,
}

/// Signs a user out of one of their live sessions (`only`) or all of them,
/// through the termination path, and reports what each app heard. A sid
/// that is not one of the user's live sessions ends nothing.
pub async fn sign_out_user(
    state: &AppState,
    user_id: i64,
    only: Option<&str>,
    cause: Cause<'_>,
) -> anyhow::Result<SignOutReport> {
    let mut ends = Terminations::begin(state).await?;
    let ended = match only {
        None => {
            ends.end_user_sessions(user_id, cause, serde_json::json!({}))
                .await?
        }
        Some(sid) => {
            let live = list_active_sids_for_user(&mut **ends.tx(), user_id)
                .await
                .context("listing the user's sessions")?;
            match live.iter().any(|s| s == sid) {
                true => vec![
                    ends.end(sid, Scope::OpSession, cause, serde_json::json!({}))
                        .await?,
                ],
                false => Vec::new(),
            }
        }
    };
    ends.commit(state).await?;
    let ids: Vec<i64> = ended.iter().flat_map(|e| e.deliveries.clone()).collect();
    let outcomes = list_delivery_outcomes(&state.pool, &ids)
        .await
        .context("loading the deliveries' outcomes")?;
    let mut told: Vec<String> = ended
        .iter()
        .flat_map(|e| e.frontchannel.iter().map(|t| t.client_name.clone()))
        .collect();
    let mut retrying = Vec::new();
    for outcome in outcomes {
        match outcome.status {
            DeliveryStatus::Delivered => told.push(outcome.name),
            _ => retrying.push((outcome.client_id, outcome.name)),
        }
    }
    told.sort();
    told.dedup();
    retrying.sort();
    retrying.dedup();
    Ok(SignOutReport {
        ended,
        told,
        retrying,
    })
}

/// One termination in a transaction of its own, committed with a user waiting.
pub async fn terminate(
    state: &AppState,
    sid: &str,
    scope: Scope<'_>,
    cause: Cause<'_>,
    detail: serde_json::Value,
) -> anyhow::Result<Ended> {
    let mut ends = Terminations::begin(state).await?;
    let ended = ends.end(sid, scope, cause, detail).await?;
    ends.commit(state).await?;
    Ok(ended)
}

/// Signs this browser out: the OP session everywhere, then the browser session
/// itself (its row and cookie). The dialog's Yes, the `when_required` skip,
/// `/userStatus.json?logUserOut=true` and `/signout` all come through here.
pub async fn sign_out_browser(
    state: &AppState,
    session: &BrowserSession,
    current: &CurrentSession,
    reason: &str,
    detail: serde_json::Value,
) -> anyhow::Result<Ended> {
    let cause = Cause {
        actor: Some(&current.username),
        reason,
    };
    let mut ends = Terminations::begin(state).await?;
    let ended = match session.row_id() {
        Some(row) => {
            ends.end_in_browser(&current.sid, row, cause, detail)
                .await?
        }
        None => {
            ends.end(&current.sid, Scope::OpSession, cause, detail)
                .await?
        }
    };
    ends.commit(state).await?;
    // Its row went with the OP session; this drops the cookie and the
    // cached copy.
    session.end().await.context("ending the browser session")?;
    Ok(ended)
}

/// Records a logout decision that changed nothing (the user stayed signed in).
pub async fn audit_decision(
    state: &AppState,
    actor: Option<&str>,
    subject: &str,
    detail: serde_json::Value,
) -> anyhow::Result<()> {
    let mut tx = super::db::begin_write(&state.pool).await?;
    record_audit_event(
        &mut *tx,
        actor,
        "logout.decided",
        Some(subject),
        detail,
        now(),
    )
    .await
    .context("writing the audit event")?;
    tx.commit().await?;
    Ok(())
}
