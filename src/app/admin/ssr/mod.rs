//! The admin console's server functions' bodies (server only). Every loader and every change starts with
//! [`AdminContext`], which checks the admin role on the server itself (never
//! only the route), and every change also checks the CSRF token. Changes write
//! their audit event in the same transaction as the change.

pub mod audit;
pub mod clients;
pub mod deliveries;
pub mod overview;
pub mod sessions;
pub mod users;

use anyhow::Context;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::app::admin::{AdminFrame, Denial};
use crate::app::error::FnError;
use crate::oidc::client_metadata::{ClientInput, FieldError};
use crate::server::browser_session::{BrowserSession, browser_session};
use crate::server::db::audit_events::record_audit_event;
use crate::server::respond::{Redirect, SHOW_SECRET_HEADER, mark_no_store, set_status};
use crate::server::state::{AppState, app_state};
use crate::server::urls::local_url;

/// What one admin page tells the next one, through the browser session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum AdminFlash {
    Notice(String),
    /// A user signed out everywhere: the notice, and the clients whose
    /// back-channel logout is still retried (client_id, name).
    SignedOut {
        notice: String,
        retrying: Vec<(String, String)>,
    },
    /// A new client secret: shown once, on the client's page.
    Secret {
        client_id: String,
        secret: String,
    },
    /// A client form that did not validate, to show again as typed.
    ClientForm {
        original: Option<String>,
        input: Box<ClientInput>,
        errors: Vec<FieldError>,
    },
    /// A user form that was refused.
    UserError {
        username: String,
        message: String,
    },
}

/// A signed-in admin, and what every admin handler needs.
pub struct AdminContext {
    pub state: AppState,
    pub session: BrowserSession,
    pub username: String,
}

impl AdminContext {
    /// For a page's loader. Denied: an anonymous page view is sent to the login
    /// page (and back here afterwards); anyone else, and any direct call of the
    /// loader, gets a 403.
    pub async fn for_page() -> Result<Result<Self, Denial>, FnError> {
        mark_no_store();
        let state = app_state()?;
        let session = browser_session().await?;
        let parts: Parts = leptos_axum::extract()
            .await
            .context("request parts are missing")?;
        let current = session
            .active_op_session(&state.pool)
            .await
            .context("loading the session failed")?;
        match current {
            Some(s) if s.is_admin => Ok(Ok(Self {
                state,
                session,
                username: s.username,
            })),
            None if !parts.uri.path().starts_with("/api/") => {
                let back = parts
                    .uri
                    .path_and_query()
                    .map_or("/admin", |p| p.as_str())
                    .to_owned();
                let login = local_url(&state.settings.issuer, "/login", &[("next", &back)])
                    .context("building a local URL")?;
                Redirect::found(&login).apply();
                Ok(Err(Denial::SignInRequired))
            }
            _ => {
                set_status(StatusCode::FORBIDDEN);
                Ok(Err(Denial::Forbidden))
            }
        }
    }

    /// For a change: the caller must be an admin (403 otherwise) and the form
    /// must carry this browser's CSRF token (400 otherwise).
    pub async fn for_change(csrf: &str) -> Result<Self, FnError> {
        mark_no_store();
        let state = app_state()?;
        let session = browser_session().await?;
        let current = session
            .active_op_session(&state.pool)
            .await
            .context("loading the session failed")?;
        let Some(admin) = current.filter(|s| s.is_admin) else {
            return Err(FnError::Forbidden);
        };
        if !session
            .verify_csrf(csrf)
            .await
            .context("reading the CSRF token failed")?
        {
            return Err(FnError::BadRequest(
                "the form's CSRF token is not this browser's".into(),
            ));
        }
        Ok(Self {
            state,
            session,
            username: admin.username,
        })
    }

    /// The frame every admin page shows: who is signed in, the CSRF token for
    /// its forms, and the notice the last change left.
    pub async fn frame(&self, flash: Option<&AdminFlash>) -> Result<AdminFrame, FnError> {
        let (notice, retrying) = match flash {
            Some(AdminFlash::Notice(text)) => (Some(text.clone()), Vec::new()),
            Some(AdminFlash::SignedOut { notice, retrying }) => {
                (Some(notice.clone()), retrying.clone())
            }
            _ => (None, Vec::new()),
        };
        Ok(AdminFrame {
            username: self.username.clone(),
            csrf: self
                .session
                .csrf_token()
                .await
                .context("reading the CSRF token failed")?,
            notice,
            retrying,
        })
    }

    pub async fn take_flash(&self) -> Result<Option<AdminFlash>, FnError> {
        Ok(self
            .session
            .take_flash()
            .await
            .context("reading the flash failed")?)
    }

    /// Answers a change with a 303 to `path`, leaving `flash` for that page.
    /// A new client secret is the exception: it is shown in this response
    /// itself (see [`crate::server::error::server_fn_responses`]) and never
    /// stored in the browser session.
    pub async fn done(
        &self,
        path: &str,
        pairs: &[(&str, &str)],
        flash: AdminFlash,
    ) -> Result<(), FnError> {
        if let AdminFlash::Secret { client_id, secret } = &flash {
            show_secret_page(client_id, secret)?;
            return Ok(());
        }
        self.session
            .set_flash(&flash)
            .await
            .context("storing the flash failed")?;
        Redirect::see_other(&self.url(path, pairs)?).apply();
        Ok(())
    }

    pub fn url(&self, path: &str, pairs: &[(&str, &str)]) -> Result<Url, FnError> {
        Ok(local_url(&self.state.settings.issuer, path, pairs).context("building a local URL")?)
    }

    /// Records an admin change in the change's own transaction.
    pub async fn audit(
        &self,
        tx: &mut sqlx::Transaction<'_, crate::server::db::Db>,
        action: &str,
        subject: &str,
        detail: serde_json::Value,
        now: i64,
    ) -> Result<(), FnError> {
        record_audit_event(
            &mut **tx,
            Some(&self.username),
            action,
            Some(subject),
            detail,
            now,
        )
        .await
        .context("writing the audit event failed")?;
        Ok(())
    }

    pub async fn begin(&self) -> Result<crate::server::db::Tx, FnError> {
        Ok(crate::server::db::begin_write(&self.state.pool)
            .await
            .context("starting a transaction failed")?)
    }
}

/// "2026-11-21 08:15 UTC": how the console shows a Unix time.
pub fn format_time(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// Sets 404 for a loader whose object does not exist.
pub fn not_found<T>() -> Result<Result<T, Denial>, FnError> {
    set_status(StatusCode::NOT_FOUND);
    Ok(Err(Denial::NotFound))
}

/// Asks the server-function middleware to answer with the secret's page.
fn show_secret_page(client_id: &str, secret: &str) -> Result<(), FnError> {
    let value = HeaderValue::from_str(&format!("{client_id} {secret}"))
        .context("the secret page header is not valid")?;
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(SHOW_SECRET_HEADER.clone(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time(1_795_000_000), "2026-11-18 11:06 UTC");
    }
}
