//! What became of front-channel logouts, as the browser saw them: the page
//! that sent the frames (the interactive dialog, or `/logout/frontchannel`)
//! reports one outcome per frame, once. Counted per client and hour for the
//! console's overview, and in the metrics.
//!
//! The report needs a ticket the server sealed when the logout ended the
//! session: it names the frames' clients in order, expires after
//! [`TICKET_LIFETIME_SECS`], and counts once (its id is spent). So only a
//! real logout can add to the counts, each at most once, and an anonymous
//! request can store nothing.

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::clock::now;
use super::crypto::random_token;
use super::db::frontchannel_outcomes::add_frontchannel_outcome;
use super::db::spent_authorization_requests::insert_spent_authorization_request;
use super::signed::{Purpose, Signer};
use super::state::AppState;
use crate::oidc::frontchannel::parse_report;

/// How long after a logout its page may report: the frames' bound and
/// then some, for a slow machine.
pub const TICKET_LIFETIME_SECS: i64 = 600;

#[derive(Serialize, Deserialize)]
struct Ticket {
    /// Spent when the report is counted.
    id: String,
    /// The frames' clients, in frame order.
    clients: Vec<String>,
}

/// A ticket for reporting on frames to `clients` (in frame order).
pub fn ticket(signer: &Signer, clients: Vec<String>) -> String {
    let ticket = Ticket {
        id: random_token(),
        clients,
    };
    signer.seal(
        Purpose::FrontchannelReport,
        &ticket,
        now() + TICKET_LIFETIME_SECS,
    )
}

/// What a report did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reported {
    Counted,
    /// Its ticket was used already: counted the first time only.
    AlreadyCounted,
}

/// Why a report is refused (400): nothing is counted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReportError {
    #[error("the report's ticket is not ours, or has expired")]
    BadTicket,
    #[error("the report needs one known outcome per frame")]
    BadOutcomes,
}

/// Counts `outcomes` (one per frame, comma-separated) for the ticket `report`.
pub async fn record(
    state: &AppState,
    report: &str,
    outcomes: &str,
) -> anyhow::Result<Result<Reported, ReportError>> {
    let now = now();
    let Some(ticket) = state
        .signer
        .open::<Ticket>(Purpose::FrontchannelReport, report, now)
    else {
        return Ok(Err(ReportError::BadTicket));
    };
    let Some(outcomes) = parse_report(outcomes, ticket.clients.len()) else {
        return Ok(Err(ReportError::BadOutcomes));
    };
    let mut tx = super::db::begin_write(&state.pool).await?;
    let spent = format!("frontchannel-report:{}", ticket.id);
    if !insert_spent_authorization_request(&mut *tx, &spent, now + TICKET_LIFETIME_SECS)
        .await
        .context("spending the report's ticket")?
    {
        return Ok(Ok(Reported::AlreadyCounted));
    }
    let hour = now / 3600;
    for (client_id, outcome) in ticket.clients.iter().zip(&outcomes) {
        // A client deleted since has no row to count against: skip it.
        if client_id.is_empty()
            || super::db::clients::find_client(&mut *tx, client_id)
                .await
                .context("loading the client")?
                .is_none()
        {
            continue;
        }
        add_frontchannel_outcome(&mut *tx, client_id, hour, *outcome)
            .await
            .context("counting the outcome")?;
    }
    tx.commit().await.context("committing the report")?;
    for outcome in outcomes {
        super::metrics::metrics().frontchannel_outcome(outcome.as_str());
    }
    Ok(Ok(Reported::Counted))
}
