//! Admin: the console's landing page. Sign-ins and logouts per hour, live
//! sessions, and each client's back-channel delivery record, failing
//! clients first. The charts are inline SVG drawn on the server (no chart
//! script), each with a text equivalent, so the page reads the same with
//! JavaScript off and to a screen reader.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Access, AdminFrame, AdminLayout, AdminTable, Section, admin_page};
use crate::app::error::FnError;

/// Sign-ins and logouts per hour, oldest hour first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourlyActivity {
    /// Each hour's label ("12-02 14:00"), one per bucket.
    pub hours: Vec<String>,
    pub sign_ins: Vec<i64>,
    pub logouts: Vec<i64>,
    /// Where the x axis is labelled: (bucket index, label).
    pub ticks: Vec<(usize, String)>,
    /// The text equivalent's rows: (period, sign-ins, logouts). Every hour
    /// for a day, every day for a week.
    pub rows: Vec<(String, i64, i64)>,
}

impl HourlyActivity {
    fn totals(&self) -> (i64, i64) {
        (self.sign_ins.iter().sum(), self.logouts.iter().sum())
    }
}

/// One client's back-channel deliveries over the overview's window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDeliveries {
    pub client_id: String,
    pub name: String,
    pub delivered: i64,
    pub failed: i64,
    pub pending: i64,
}

impl ClientDeliveries {
    /// Delivered out of the settled ones, in whole percent; `None` before
    /// any settled.
    pub fn success_percent(&self) -> Option<i64> {
        let settled = self.delivered + self.failed;
        (settled > 0).then(|| (self.delivered * 100) / settled)
    }
}

/// Failing clients first: the lowest success rate, then the most failures;
/// clients with nothing settled yet last.
pub fn failing_first(clients: &mut [ClientDeliveries]) {
    clients.sort_by(|a, b| {
        let rate = |c: &ClientDeliveries| c.success_percent().unwrap_or(i64::MAX);
        rate(a)
            .cmp(&rate(b))
            .then(b.failed.cmp(&a.failed))
            .then(a.name.cmp(&b.name))
    });
}

/// One client's front-channel logouts over the overview's window, as the
/// browsers that sent them reported (README, "What the sign-out page claims").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientFrontchannel {
    pub client_id: String,
    pub name: String,
    pub sent: i64,
    pub unreachable: i64,
    pub no_answer: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub frame: AdminFrame,
    /// When the figures were read ("2026-12-02 14:05 UTC").
    pub as_of: String,
    pub live_sessions: i64,
    pub day: HourlyActivity,
    pub week: HourlyActivity,
    /// Over the last [`DELIVERY_WINDOW_DAYS`] days.
    pub deliveries: Vec<ClientDeliveries>,
    /// Over the same days, clients with the most trouble first.
    pub frontchannel: Vec<ClientFrontchannel>,
}

/// The window of the delivery figures.
pub const DELIVERY_WINDOW_DAYS: i64 = 7;

#[server(endpoint = "admin/overview")]
pub async fn admin_overview() -> Result<Access<Overview>, FnError> {
    super::ssr::overview::load().await
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    admin_page(Resource::new(|| (), |()| admin_overview()), |overview| {
        view! { <OverviewView overview /> }.into_any()
    })
}

#[component]
fn OverviewView(overview: Overview) -> impl IntoView {
    let Overview {
        frame,
        as_of,
        live_sessions,
        day,
        week,
        deliveries,
        frontchannel,
    } = overview;
    let (day_in, day_out) = day.totals();
    view! {
        <AdminLayout section=Section::Overview title="Overview".into() frame>
            <p class="muted">"Figures as of " {as_of} "."</p>
            <ul class="stats">
                <li>
                    <strong>{live_sessions}</strong>
                    " live sessions"
                </li>
                <li>
                    <strong>{day_in}</strong>
                    " sign-ins in the last 24 hours"
                </li>
                <li>
                    <strong>{day_out}</strong>
                    " logouts in the last 24 hours"
                </li>
            </ul>
            <ActivityChart
                id="day"
                title="Sign-ins and logouts per hour, last 24 hours"
                activity=day
            />
            <ActivityChart
                id="week"
                title="Sign-ins and logouts per hour, last 7 days"
                activity=week
            />
            <DeliveryRates deliveries />
            <FrontchannelOutcomes frontchannel />
        </AdminLayout>
    }
}

/// The chart's drawing box, in SVG user units (it scales to the page).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

/// The smallest of 1, 2, 5, 10, 20, 50, … at or above `max`: the y axis's top.
pub fn nice_ceiling(max: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= max {
                return m * step;
            }
        }
        step = step.saturating_mul(10);
        if step == i64::MAX {
            return i64::MAX;
        }
    }
}

/// One bar: x, y, width and height in the drawing box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// Two bars per bucket, sign-ins left and logouts right, scaled so that
/// `ceiling` reaches the top. A zero gets no height.
pub fn bars(sign_ins: &[i64], logouts: &[i64], ceiling: i64) -> Vec<(Bar, Bar)> {
    let n = sign_ins.len().max(1) as f64;
    let slot = (WIDTH - LEFT) / n;
    let width = (slot * 0.4).max(0.5);
    let plot = HEIGHT - BOTTOM - TOP;
    let bar = |x: f64, value: i64| {
        let height = plot * value.max(0) as f64 / ceiling.max(1) as f64;
        Bar {
            x,
            y: HEIGHT - BOTTOM - height,
            width,
            height,
        }
    };
    sign_ins
        .iter()
        .zip(logouts)
        .enumerate()
        .map(|(i, (&s, &l))| {
            let x = LEFT + slot * i as f64 + slot * 0.1;
            (bar(x, s), bar(x + width, l))
        })
        .collect()
}

#[component]
fn ActivityChart(id: &'static str, title: &'static str, activity: HourlyActivity) -> impl IntoView {
    let max = activity
        .sign_ins
        .iter()
        .chain(&activity.logouts)
        .copied()
        .max()
        .unwrap_or(0);
    let ceiling = nice_ceiling(max.max(1));
    let (sign_ins, logouts) = activity.totals();
    let peak = activity
        .sign_ins
        .iter()
        .zip(&activity.logouts)
        .enumerate()
        .max_by_key(|(i, (s, l))| (**s + **l, usize::MAX - i))
        .filter(|(_, (s, l))| **s + **l > 0)
        .map(|(i, _)| activity.hours[i].clone());
    let summary = match peak {
        Some(hour) => format!(
            "{sign_ins} sign-ins and {logouts} logouts in all; the busiest hour began {hour} UTC."
        ),
        None => "No sign-ins or logouts in this period.".to_owned(),
    };
    let slot = (WIDTH - LEFT) / activity.sign_ins.len().max(1) as f64;
    let title_id = format!("{id}-chart-title");
    let desc_id = format!("{id}-chart-desc");
    let gridlines = [0, ceiling / 2, ceiling]
        .into_iter()
        .filter(|v| *v > 0 || ceiling > 0)
        .map(|v| {
            let y = HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * v as f64 / ceiling as f64;
            view! {
                <line class="grid" x1=LEFT x2=WIDTH y1=y y2=y />
                <text class="axis" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">
                    {v}
                </text>
            }
        })
        .collect_view();
    let drawn = bars(&activity.sign_ins, &activity.logouts, ceiling)
        .into_iter()
        .map(|(s, l)| {
            view! {
                <rect class="sign-ins" x=s.x y=s.y width=s.width height=s.height />
                <rect class="logouts" x=l.x y=l.y width=l.width height=l.height />
            }
        })
        .collect_view();
    let ticks = activity
        .ticks
        .iter()
        .map(|(i, label)| {
            let x = LEFT + slot * *i as f64;
            view! {
                <text class="axis" x=x y=HEIGHT - 6.0>
                    {label.clone()}
                </text>
            }
        })
        .collect_view();
    let rows = activity
        .rows
        .iter()
        .map(|(period, s, l)| {
            view! {
                <tr>
                    <th scope="row">{period.clone()}</th>
                    <td class="number">{*s}</td>
                    <td class="number">{*l}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption id=title_id.clone()>{title}</figcaption>
            <p class="legend" aria-hidden="true">
                <span class="key sign-ins"></span>
                " Sign-ins "
                <span class="key logouts"></span>
                " Logouts"
            </p>
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="img"
                aria-labelledby=format!("{title_id} {desc_id}")
            >
                {gridlines}
                {drawn}
                {ticks}
            </svg>
            <p id=desc_id>{summary}</p>
            <details>
                <summary>"The figures as a table"</summary>
                <table class="admin-table">
                    <thead>
                        <tr>
                            <th scope="col">"Period (UTC)"</th>
                            <th scope="col">"Sign-ins"</th>
                            <th scope="col">"Logouts"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}

#[component]
fn DeliveryRates(deliveries: Vec<ClientDeliveries>) -> impl IntoView {
    let empty = deliveries.is_empty();
    let rows = deliveries
        .into_iter()
        .map(|c| {
            let percent = c.success_percent();
            let failing = c.failed > 0;
            let (text, width) = match percent {
                Some(p) if failing => (format!("{p} % (some failed)"), p),
                Some(p) => (format!("{p} %"), p),
                None => ("nothing settled yet".to_owned(), 0),
            };
            let href = format!("/admin/deliveries?client_id={}", c.client_id);
            view! {
                <tr class=failing.then_some("failing")>
                    <th scope="row">
                        <a href=href>{c.name}</a>
                    </th>
                    <td class="rate">
                        <svg class="meter" viewBox="0 0 100 8" aria-hidden="true">
                            <rect class="track" x="0" y="0" width="100" height="8" />
                            <rect class="fill" x="0" y="0" width=width height="8" />
                        </svg>
                        {text}
                    </td>
                    <td class="number">{c.delivered}</td>
                    <td class="number">{c.failed}</td>
                    <td class="number">{c.pending}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="deliveries-title">
            <h2 id="deliveries-title">
                {format!("Back-channel logout, last {DELIVERY_WINDOW_DAYS} days")}
            </h2>
            <AdminTable
                headings=&["Client", "Success rate", "Delivered", "Failed", "Still retried"]
                empty
                empty_text="No back-channel logouts in this period."
                class="rates"
            >
                {rows}
            </AdminTable>
        </section>
    }
}

#[component]
fn FrontchannelOutcomes(frontchannel: Vec<ClientFrontchannel>) -> impl IntoView {
    let empty = frontchannel.is_empty();
    let (unreachable, no_answer) = frontchannel
        .iter()
        .fold((0, 0), |(u, n), c| (u + c.unreachable, n + c.no_answer));
    let rows = frontchannel
        .into_iter()
        .map(|c| {
            let failing = c.unreachable + c.no_answer > 0;
            view! {
                <tr class=failing.then_some("failing")>
                    <th scope="row">{c.name}</th>
                    <td class="number">{c.sent}</td>
                    <td class="number">{c.unreachable}</td>
                    <td class="number">{c.no_answer}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="frontchannel-title">
            <h2 id="frontchannel-title">
                {format!("Front-channel logout, last {DELIVERY_WINDOW_DAYS} days")}
            </h2>
            <p>
                {format!(
                    "Browsers could not reach an app {unreachable} times, and got no answer {no_answer} times.",
                )}
            </p>
            <AdminTable
                headings=&["Client", "Sent", "Could not reach", "No answer"]
                empty
                empty_text="No front-channel logouts reported in this period."
                class="frontchannel-outcomes"
            >
                {rows}
            </AdminTable>
        </section>
    }
}

/// Clients with the most unreached or unanswered frames first.
pub fn most_trouble_first(clients: &mut [ClientFrontchannel]) {
    clients.sort_by(|a, b| {
        (b.unreachable + b.no_answer)
            .cmp(&(a.unreachable + a.no_answer))
            .then(a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_y_axis_tops_at_the_next_one_two_or_five() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(500), 500);
        assert_eq!(nice_ceiling(501), 1000);
    }

    #[test]
    fn bars_fill_the_plot_to_the_ceiling_and_zero_has_no_height() {
        let drawn = bars(&[10, 0], &[5, 10], 10);
        assert_eq!(drawn.len(), 2);
        let (s0, l0) = drawn[0];
        assert_eq!(s0.height, HEIGHT - BOTTOM - TOP);
        assert_eq!(s0.y, TOP);
        assert_eq!(l0.height, s0.height / 2.0);
        assert_eq!(drawn[1].0.height, 0.0);
        assert!(l0.x > s0.x && drawn[1].0.x > l0.x, "left to right");
        assert!(drawn[1].1.x + drawn[1].1.width <= WIDTH);
    }

    fn client(name: &str, delivered: i64, failed: i64) -> ClientDeliveries {
        ClientDeliveries {
            client_id: name.into(),
            name: name.into(),
            delivered,
            failed,
            pending: 0,
        }
    }

    #[test]
    fn failing_clients_come_first_and_clients_with_nothing_settled_last() {
        let mut clients = vec![
            client("fine", 10, 0),
            client("new", 0, 0),
            client("down", 0, 4),
            client("flaky", 9, 1),
        ];
        failing_first(&mut clients);
        let names: Vec<&str> = clients.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["down", "flaky", "fine", "new"]);
        assert_eq!(clients[1].success_percent(), Some(90));
        assert_eq!(clients[3].success_percent(), None);
    }
}
