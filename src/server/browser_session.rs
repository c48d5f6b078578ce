//! The *browser session*: tower-sessions' cookie session, stored in the
//! application's database (SQLite or PostgreSQL). It says which browser this is, which OP session it
//! carries, and holds its CSRF token. It exists only once someone has signed
//! in: the sign-in page and a waiting authorization request store nothing.
//!
//! It is not the *OP session* (`op_sessions`, keyed by `sid`), which is what an
//! ID token names and what logout ends. The two have separate names on purpose.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Serialize;
use tokio::task::JoinHandle;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions::{Expiry, Session, SessionManagerLayer, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::config::CookieSameSite;
use super::crypto::{constant_time_eq, random_token};
use super::db::op_sessions::{ActiveOpSession, find_active_op_session};
use super::db::{NativePool, Pool};
use super::read_cache::{CACHE_TTL, CACHED_ROWS, ReadCache};
use crate::oidc::Issuer;

/// `__Host-` makes browsers insist on `Secure`, `Path=/` and no `Domain`.
pub const COOKIE_NAME_HTTPS: &str = "__Host-signoff";
/// Used only when the issuer is plain http (a loopback development setup).
pub const COOKIE_NAME_HTTP: &str = "signoff";
pub const TABLE_NAME: &str = "browser_sessions";
/// A browser session idle for this long is gone.
pub const IDLE_EXPIRY: time::Duration = time::Duration::hours(12);
const CLEANUP_PERIOD: Duration = Duration::from_secs(300);

pub type BrowserSessionLayer = SessionManagerLayer<CachedSessionStore>;

/// tower-sessions' store for the database in use.
#[derive(Clone, Debug)]
enum DatabaseStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

#[async_trait]
impl SessionStore for DatabaseStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.create(record).await,
            Self::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.save(record).await,
            Self::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite(store) => store.load(id).await,
            Self::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete(id).await,
            Self::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for DatabaseStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete_expired().await,
            Self::Postgres(store) => store.delete_expired().await,
        }
    }
}

/// The browser session store, with the sessions in use kept in memory on
/// SQLite, so a request that only reads its session (the logout dialog,
/// ORCID's status poll) costs no database round trip. Writes go to the
/// database first and then forget the cached copy (see `read_cache` for why
/// that stays coherent in one process). On PostgreSQL another instance may
/// write a session at any moment, so nothing is cached.
#[derive(Clone, Debug)]
pub struct CachedSessionStore {
    store: DatabaseStore,
    cache: Option<Arc<ReadCache<Id, Record>>>,
    gone: Arc<RowsGone>,
}

/// Browser sessions whose row a termination deleted in its own transaction
/// (`Terminations::end_in_browser`): the store's `delete` that ending the
/// browser session makes next, for tower-sessions to drop the cookie, finds
/// the row gone already and skips the round trip. A mark is taken by that
/// `delete` right after the commit; only the newest few are kept, so marks
/// a failed request never took cannot pile up.
#[derive(Debug, Default)]
pub struct RowsGone(std::sync::Mutex<std::collections::VecDeque<Id>>);

impl RowsGone {
    const KEPT: usize = 64;

    /// The browser session `id`'s row was deleted in a committed transaction.
    pub fn mark(&self, id: Id) {
        let mut marks = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if marks.len() == Self::KEPT {
            marks.pop_front();
        }
        marks.push_back(id);
    }

    /// Whether `id`'s row is known gone; forgets the mark.
    fn take(&self, id: &Id) -> bool {
        let mut marks = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match marks.iter().position(|marked| marked == id) {
            Some(at) => {
                marks.remove(at);
                true
            }
            None => false,
        }
    }
}

#[async_trait]
impl SessionStore for CachedSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.store.create(record).await?;
        if let Some(cache) = &self.cache {
            cache.forget(&record.id);
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.store.save(record).await?;
        if let Some(cache) = &self.cache {
            cache.forget(&record.id);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(cache) = &self.cache else {
            return self.store.load(id).await;
        };
        if let Some(record) = cache.get(id) {
            // As the database stores do: an expired session is no session.
            return Ok((record.expiry_date > time::OffsetDateTime::now_utc()).then_some(record));
        }
        let began = cache.generation();
        let found = self.store.load(id).await?;
        if let Some(record) = &found {
            cache.put(began, *id, record.clone());
        }
        Ok(found)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        if !self.gone.take(id) {
            self.store.delete(id).await?;
        }
        if let Some(cache) = &self.cache {
            cache.forget(id);
        }
        Ok(())
    }
}

/// Builds the session layer and starts the task that deletes expired sessions.
pub async fn layer(
    pool: &NativePool,
    issuer: &Issuer,
    same_site: CookieSameSite,
    gone: Arc<RowsGone>,
) -> anyhow::Result<(BrowserSessionLayer, JoinHandle<()>)> {
    let store = match pool {
        NativePool::Sqlite(pool) => {
            let store = SqliteStore::new(pool.clone())
                .with_table_name(TABLE_NAME)
                .map_err(|e| anyhow::anyhow!(e))
                .context("invalid browser session table name")?;
            store
                .migrate()
                .await
                .context("cannot create the browser session table")?;
            DatabaseStore::Sqlite(store)
        }
        NativePool::Postgres(pool) => {
            // The table comes with migrations/postgres (see there).
            let store = PostgresStore::new(pool.clone())
                .with_schema_name("public")
                .and_then(|store| store.with_table_name(TABLE_NAME))
                .map_err(|e| anyhow::anyhow!(e))
                .context("invalid browser session table name")?;
            DatabaseStore::Postgres(store)
        }
    };

    let cleanup = tokio::spawn({
        let store = store.clone();
        async move {
            if let Err(err) = store.continuously_delete_expired(CLEANUP_PERIOD).await {
                tracing::error!(error = %err, "expired browser session cleanup stopped");
            }
        }
    });

    let secure = issuer.is_https();
    // On PostgreSQL another instance may change a session at any moment.
    let cache = matches!(store, DatabaseStore::Sqlite(_))
        .then(|| Arc::new(ReadCache::new(CACHED_ROWS, CACHE_TTL)));
    let store = CachedSessionStore { store, cache, gone };
    let layer = SessionManagerLayer::new(store)
        .with_name(if secure {
            COOKIE_NAME_HTTPS
        } else {
            COOKIE_NAME_HTTP
        })
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(match same_site {
            CookieSameSite::Lax => SameSite::Lax,
            CookieSameSite::None => SameSite::None,
        })
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(IDLE_EXPIRY));
    Ok((layer, cleanup))
}

/// Typed access to the browser session.
#[derive(Clone, Debug)]
pub struct BrowserSession(Session);

/// The browser session of the current server-function call or SSR request.
pub async fn browser_session() -> anyhow::Result<BrowserSession> {
    let session: Session = leptos_axum::extract()
        .await
        .context("the browser session layer is missing")?;
    Ok(BrowserSession::new(session))
}

impl BrowserSession {
    const OP_SID: &'static str = "op.sid";
    const CSRF: &'static str = "csrf";
    const FLASH: &'static str = "flash";

    pub fn new(session: Session) -> Self {
        Self(session)
    }

    /// The OP session this browser is signed in to, if any (it may have ended since).
    pub async fn op_sid(&self) -> anyhow::Result<Option<String>> {
        Ok(self.0.get(Self::OP_SID).await?)
    }

    /// The live OP session this browser carries: not ended, user not disabled.
    pub async fn active_op_session(&self, pool: &Pool) -> anyhow::Result<Option<ActiveOpSession>> {
        let Some(sid) = self.op_sid().await.context("reading the browser session")? else {
            return Ok(None);
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        find_active_op_session(pool, &sid, now)
            .await
            .context("loading the OP session")
    }

    /// After a successful login: a new session id (against fixation), the new
    /// OP session, and a new CSRF token.
    pub async fn begin_op_session(&self, sid: &str) -> anyhow::Result<()> {
        self.0.cycle_id().await?;
        self.0.insert(Self::OP_SID, sid).await?;
        self.0.insert(Self::CSRF, random_token()).await?;
        Ok(())
    }

    /// The id its row is stored under, if it has been stored.
    pub fn row_id(&self) -> Option<Id> {
        self.0.id()
    }

    /// Forgets this browser entirely: the stored session and its cookie.
    pub async fn end(&self) -> anyhow::Result<()> {
        self.0.flush().await?;
        Ok(())
    }

    /// The CSRF token for forms in this browser, created on first use.
    pub async fn csrf_token(&self) -> anyhow::Result<String> {
        if let Some(token) = self.0.get::<String>(Self::CSRF).await? {
            return Ok(token);
        }
        let token = random_token();
        self.0.insert(Self::CSRF, &token).await?;
        Ok(token)
    }

    /// Whether a submitted form carries this browser's CSRF token.
    pub async fn verify_csrf(&self, presented: &str) -> anyhow::Result<bool> {
        let stored: Option<String> = self.0.get(Self::CSRF).await?;
        Ok(stored.is_some_and(|s| constant_time_eq(&s, presented)))
    }

    /// Keeps a value for the next page this browser loads (after a redirect):
    /// a form to show again with its errors, or a secret to show once.
    pub async fn set_flash<T: Serialize>(&self, value: &T) -> anyhow::Result<()> {
        self.0.insert(Self::FLASH, value).await?;
        Ok(())
    }

    /// Takes the flashed value, if there is one of this type.
    pub async fn take_flash<T: serde::de::DeserializeOwned>(&self) -> anyhow::Result<Option<T>> {
        let Some(raw) = self.0.get::<serde_json::Value>(Self::FLASH).await? else {
            return Ok(None);
        };
        self.0.remove_value(Self::FLASH).await?;
        Ok(serde_json::from_value(raw).ok())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for BrowserSession {
    type Rejection = <Session as FromRequestParts<S>>::Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Session::from_request_parts(parts, state).await.map(Self)
    }
}
