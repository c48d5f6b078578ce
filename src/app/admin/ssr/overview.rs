//! Admin: the overview's figures, read from the audit log, the sessions and
//! the delivery outbox (shared by every instance).

use anyhow::Context;
use time::OffsetDateTime;
use time::macros::format_description;

use super::{AdminContext, format_time};
use crate::app::admin::Access;
use crate::app::admin::overview::{
    ClientDeliveries, ClientFrontchannel, DELIVERY_WINDOW_DAYS, HourlyActivity, Overview,
    failing_first, most_trouble_first,
};
use crate::app::error::FnError;
use crate::oidc::frontchannel::FrontchannelOutcome;
use crate::oidc::logout_token::DeliveryStatus;
use crate::server::clock::now;
use crate::server::db::audit_events::count_events_per_hour;
use crate::server::db::backchannel_deliveries::count_deliveries_by_client;
use crate::server::db::frontchannel_outcomes::count_frontchannel_outcomes_by_client;
use crate::server::db::op_sessions::count_live_op_sessions;

const SIGN_IN: &str = "login.succeeded";
const LOGOUT: &str = "logout.op_session_ended";
const HOUR: i64 = 3600;

pub async fn load() -> Result<Access<Overview>, FnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let flash = ctx.take_flash().await?;
    let pool = &ctx.state.pool;
    let now = now();
    let this_hour = now / HOUR;
    let week_hours = 7 * 24;
    let first_hour = this_hour - (week_hours - 1);
    let counts = count_events_per_hour(pool, &[SIGN_IN, LOGOUT], first_hour * HOUR)
        .await
        .context("counting sign-ins and logouts failed")?;
    let week = activity(&counts, first_hour, week_hours, Span::Week);
    let day = activity(&counts, this_hour - 23, 24, Span::Day);
    let live_sessions = count_live_op_sessions(pool)
        .await
        .context("counting live sessions failed")?;
    let since_ms = (now - DELIVERY_WINDOW_DAYS * 24 * HOUR) * 1000;
    let mut deliveries = by_client(
        count_deliveries_by_client(pool, since_ms)
            .await
            .context("counting deliveries failed")?,
    );
    failing_first(&mut deliveries);
    let mut frontchannel = frontchannel_by_client(
        count_frontchannel_outcomes_by_client(
            pool,
            (now - DELIVERY_WINDOW_DAYS * 24 * HOUR) / HOUR,
        )
        .await
        .context("counting front-channel outcomes failed")?,
    );
    most_trouble_first(&mut frontchannel);
    Ok(Access::Granted(Overview {
        frame: ctx.frame(flash.as_ref()).await?,
        as_of: format_time(now),
        live_sessions,
        day,
        week,
        deliveries,
        frontchannel,
    }))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Span {
    Day,
    Week,
}

/// `hours` hourly buckets from `first_hour` (Unix hours), with the labels,
/// ticks and text rows of `span`.
fn activity(
    counts: &[(String, i64, i64)],
    first_hour: i64,
    hours: i64,
    span: Span,
) -> HourlyActivity {
    let len = hours.max(0) as usize;
    let mut sign_ins = vec![0; len];
    let mut logouts = vec![0; len];
    for (action, hour, n) in counts {
        let Some(i) = usize::try_from(hour - first_hour).ok().filter(|i| *i < len) else {
            continue;
        };
        match action.as_str() {
            SIGN_IN => sign_ins[i] += n,
            LOGOUT => logouts[i] += n,
            _ => {}
        }
    }
    let at = |i: usize| OffsetDateTime::from_unix_timestamp((first_hour + i as i64) * HOUR).ok();
    let hour_label = format_description!("[month]-[day] [hour]:00");
    let hours_labels: Vec<String> = (0..len)
        .map(|i| {
            at(i)
                .and_then(|t| t.format(&hour_label).ok())
                .unwrap_or_default()
        })
        .collect();
    let (ticks, rows) = match span {
        Span::Day => {
            let tick = format_description!("[hour]:00");
            let ticks = (0..len)
                .filter_map(|i| at(i).filter(|t| t.hour() % 4 == 0).map(|t| (i, t)))
                .filter_map(|(i, t)| t.format(&tick).ok().map(|l| (i, l)))
                .collect();
            let rows = (0..len)
                .map(|i| (hours_labels[i].clone(), sign_ins[i], logouts[i]))
                .collect();
            (ticks, rows)
        }
        Span::Week => {
            let date = format_description!("[year]-[month]-[day]");
            let short = format_description!("[month]-[day]");
            let ticks = (0..len)
                .filter_map(|i| at(i).filter(|t| t.hour() == 0).map(|t| (i, t)))
                .filter_map(|(i, t)| t.format(&short).ok().map(|l| (i, l)))
                .collect();
            let mut rows: Vec<(String, i64, i64)> = Vec::new();
            for i in 0..len {
                let day = at(i).and_then(|t| t.format(&date).ok()).unwrap_or_default();
                match rows.last_mut() {
                    Some(row) if row.0 == day => {
                        row.1 += sign_ins[i];
                        row.2 += logouts[i];
                    }
                    _ => rows.push((day, sign_ins[i], logouts[i])),
                }
            }
            (ticks, rows)
        }
    };
    HourlyActivity {
        hours: hours_labels,
        sign_ins,
        logouts,
        ticks,
        rows,
    }
}

/// The entry of `client_id` in `clients`, made by `new` if there is none.
fn entry<'a, T>(
    clients: &'a mut Vec<T>,
    client_id: &str,
    id_of: fn(&T) -> &String,
    new: impl FnOnce() -> T,
) -> &'a mut T {
    let at = match clients.iter().position(|c| id_of(c) == client_id) {
        Some(at) => at,
        None => {
            clients.push(new());
            clients.len() - 1
        }
    };
    &mut clients[at]
}

/// (client_id, name, status, count) rows, one entry per client.
fn by_client(rows: Vec<(String, String, DeliveryStatus, i64)>) -> Vec<ClientDeliveries> {
    let mut clients: Vec<ClientDeliveries> = Vec::new();
    for (client_id, name, status, n) in rows {
        let client = entry(
            &mut clients,
            &client_id,
            |c| &c.client_id,
            || ClientDeliveries {
                client_id: client_id.clone(),
                name,
                delivered: 0,
                failed: 0,
                pending: 0,
            },
        );
        match status {
            DeliveryStatus::Delivered => client.delivered += n,
            DeliveryStatus::Failed => client.failed += n,
            DeliveryStatus::Pending => client.pending += n,
        }
    }
    clients
}

/// (client_id, name, outcome, count) rows, one entry per client.
fn frontchannel_by_client(rows: Vec<(String, String, String, i64)>) -> Vec<ClientFrontchannel> {
    let mut clients: Vec<ClientFrontchannel> = Vec::new();
    for (client_id, name, outcome, n) in rows {
        let client = entry(
            &mut clients,
            &client_id,
            |c| &c.client_id,
            || ClientFrontchannel {
                client_id: client_id.clone(),
                name,
                ..ClientFrontchannel::default()
            },
        );
        match FrontchannelOutcome::parse(&outcome) {
            Some(FrontchannelOutcome::Sent) => client.sent += n,
            Some(FrontchannelOutcome::Unreachable) => client.unreachable += n,
            Some(FrontchannelOutcome::NoAnswer) => client.no_answer += n,
            None => {}
        }
    }
    clients
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hourly_counts_land_in_their_buckets_and_a_week_sums_by_day() {
        // 2026-12-02 00:00 UTC, Unix hour 498_936.
        let midnight = 1_796_169_600 / HOUR;
        let counts = vec![
            (SIGN_IN.to_owned(), midnight - 1, 3),
            (LOGOUT.to_owned(), midnight, 2),
            (SIGN_IN.to_owned(), midnight + 5, 1),
            (SIGN_IN.to_owned(), midnight + 500, 9), // out of range
        ];
        let day = activity(&counts, midnight - 12, 24, Span::Day);
        assert_eq!(day.sign_ins[11], 3);
        assert_eq!(day.logouts[12], 2);
        assert_eq!(day.sign_ins.iter().sum::<i64>(), 4);
        assert_eq!(day.hours[12], "12-02 00:00");
        assert_eq!(day.rows.len(), 24);
        assert!(day.ticks.contains(&(12, "00:00".to_owned())));

        let week = activity(&counts, midnight - 24, 48, Span::Week);
        assert_eq!(
            week.rows,
            [
                ("2026-12-01".to_owned(), 3, 0),
                ("2026-12-02".to_owned(), 1, 2)
            ]
        );
        assert_eq!(
            week.ticks,
            [(0, "12-01".to_owned()), (24, "12-02".to_owned())]
        );
    }

    #[test]
    fn deliveries_are_summed_per_client() {
        let rows = vec![
            ("a".into(), "A".into(), DeliveryStatus::Delivered, 4),
            ("b".into(), "B".into(), DeliveryStatus::Failed, 1),
            ("a".into(), "A".into(), DeliveryStatus::Failed, 1),
            ("a".into(), "A".into(), DeliveryStatus::Pending, 2),
        ];
        let clients = by_client(rows);
        assert_eq!(clients.len(), 2);
        assert_eq!(
            (clients[0].delivered, clients[0].failed, clients[0].pending),
            (4, 1, 2)
        );
        assert_eq!(clients[0].success_percent(), Some(80));
    }
}
