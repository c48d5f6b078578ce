//! Prometheus metrics (the OpenMetrics text format, which Prometheus
//! scrapes natively) on a listener of their own,
//! `SIGNOFF_METRICS_LISTEN` (off by default). Counters and histograms live
//! in one process-wide registry, recorded where things happen; the gauges
//! (live OP sessions, pending deliveries) are read from the database at each
//! scrape, so every instance reports the shared truth. Every label takes
//! values from a fixed set, so no request can add a time series.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::http::Request;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tower::{Layer, Service};

/// A label value from a fixed set.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct Label(pub &'static str);

impl EncodeLabelValue for Label {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.0)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub result: Label,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LogoutLabels {
    /// Why the session ended (the termination's reason).
    pub trigger: Label,
    /// `op_session_ended`, or `client_session_ended` (the dialog's No).
    pub outcome: Label,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub status: Label,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: Label,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: Label,
}

/// Every metric signoff exports.
pub struct Metrics {
    registry: Registry,
    pub sign_ins: Family<ResultLabels, Counter>,
    pub logouts: Family<LogoutLabels, Counter>,
    pub deliveries: Family<StatusLabels, Counter>,
    pub frontchannel_frames: Counter,
    pub frontchannel_outcomes: Family<OutcomeLabels, Counter>,
    pub rate_limited: Counter,
    pub request_seconds: Family<RouteLabels, Histogram>,
    pub logout_to_delivery_seconds: Histogram,
    pub live_sessions: Gauge,
    pub pending_deliveries: Gauge,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("signoff");
        let sign_ins = Family::default();
        registry.register("sign_ins", "Sign-in attempts by result", sign_ins.clone());
        let logouts = Family::default();
        registry.register(
            "logouts",
            "Ended OP sessions and client sessions, by trigger and outcome",
            logouts.clone(),
        );
        let deliveries = Family::default();
        registry.register(
            "backchannel_deliveries",
            "Back-channel logout deliveries by final status",
            deliveries.clone(),
        );
        let frontchannel_frames = Counter::default();
        registry.register(
            "frontchannel_frames",
            "Front-channel logout frames sent to browsers",
            frontchannel_frames.clone(),
        );
        let frontchannel_outcomes = Family::default();
        registry.register(
            "frontchannel_outcomes",
            "Front-channel logout frames by what the browser saw: sent, unreachable, no_answer",
            frontchannel_outcomes.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rate_limited_requests",
            "Requests refused by the rate limit",
            rate_limited.clone(),
        );
        let request_seconds = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "request_duration_seconds",
            "Time to answer a request, by route",
            request_seconds.clone(),
        );
        let logout_to_delivery_seconds = Histogram::new(exponential_buckets(0.01, 2.0, 16));
        registry.register(
            "logout_to_delivery_seconds",
            "Time from a logout to its back-channel delivery",
            logout_to_delivery_seconds.clone(),
        );
        let live_sessions = Gauge::default();
        registry.register(
            "live_op_sessions",
            "Live OP sessions",
            live_sessions.clone(),
        );
        let pending_deliveries = Gauge::default();
        registry.register(
            "pending_backchannel_deliveries",
            "Back-channel deliveries not yet settled",
            pending_deliveries.clone(),
        );
        Self {
            registry,
            sign_ins,
            logouts,
            deliveries,
            frontchannel_frames,
            frontchannel_outcomes,
            rate_limited,
            request_seconds,
            logout_to_delivery_seconds,
            live_sessions,
            pending_deliveries,
        }
    }

    /// The registry in Prometheus text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    pub fn sign_in(&self, result: &'static str) {
        self.sign_ins
            .get_or_create(&ResultLabels {
                result: Label(result),
            })
            .inc();
    }

    /// `trigger` is what [`trigger`] made of the termination's reason.
    pub fn logout(&self, trigger: &'static str, outcome: &'static str) {
        self.logouts
            .get_or_create(&LogoutLabels {
                trigger: Label(trigger),
                outcome: Label(outcome),
            })
            .inc();
    }

    /// One front-channel frame's outcome, as its page reported it.
    pub fn frontchannel_outcome(&self, outcome: &'static str) {
        self.frontchannel_outcomes
            .get_or_create(&OutcomeLabels {
                outcome: Label(outcome),
            })
            .inc();
    }

    pub fn delivery_settled(&self, status: &'static str, since_logout_ms: i64) {
        self.deliveries
            .get_or_create(&StatusLabels {
                status: Label(status),
            })
            .inc();
        if status == "delivered" {
            self.logout_to_delivery_seconds
                .observe(since_logout_ms.max(0) as f64 / 1000.0);
        }
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 18))
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Every reason a session ends for; anything else counts as `other`.
const TRIGGERS: &[&str] = &[
    "rp_initiated_logout",
    "forced_logout_user_status",
    "forced_logout_signout",
    "admin_signed_out",
    "admin_signed_out_everywhere",
    "user_signed_out_session",
    "user_signed_out_everywhere",
    "replaced_by_login",
    "user_disabled",
    "password_reset",
    "expired",
    "client_deleted",
];

/// The `trigger` label for a termination's reason.
pub fn trigger(reason: &str) -> &'static str {
    TRIGGERS
        .iter()
        .find(|t| **t == reason)
        .copied()
        .unwrap_or("other")
}

/// The routes requests are counted under; any other path is `other`, and
/// the console, server functions and files are grouped.
pub fn route_of(path: &str) -> &'static str {
    const EXACT: &[&str] = &[
        "/",
        "/authorize",
        "/authorize/continue",
        "/consent",
        "/login",
        "/logout",
        "/logout/done",
        "/logout/frontchannel",
        "/token",
        "/revoke",
        "/introspect",
        "/userinfo",
        "/userStatus.json",
        "/signout",
        "/account",
        "/jwks.json",
        "/.well-known/openid-configuration",
        "/healthz",
    ];
    if let Some(route) = EXACT.iter().find(|r| **r == path) {
        return route;
    }
    if path.starts_with("/admin") {
        "/admin"
    } else if path.starts_with("/api/") {
        "/api"
    } else if path.starts_with("/pkg/") {
        "/pkg"
    } else {
        "other"
    }
}

/// Times every request into `request_duration_seconds` by route. Only
/// layered when metrics are on.
#[derive(Clone, Copy, Debug)]
pub struct RequestMetricsLayer;

impl<S> Layer<S> for RequestMetricsLayer {
    type Service = RequestMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestMetrics { inner }
    }
}

#[derive(Clone, Debug)]
pub struct RequestMetrics<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for RequestMetrics<S>
where
    S: Service<Request<B>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let route = route_of(request.uri().path());
        let started = Instant::now();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let result = answer.await;
            metrics()
                .request_seconds
                .get_or_create(&RouteLabels {
                    route: Label(route),
                })
                .observe(started.elapsed().as_secs_f64());
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_triggers_come_from_fixed_sets() {
        assert_eq!(route_of("/logout"), "/logout");
        assert_eq!(route_of("/admin/clients/shop"), "/admin");
        assert_eq!(route_of("/api/login"), "/api");
        assert_eq!(route_of("/no/such/path/12345"), "other");
        assert_eq!(trigger("rp_initiated_logout"), "rp_initiated_logout");
        assert_eq!(trigger("made-up"), "other");
    }

    #[test]
    fn the_text_format_names_every_metric_with_its_labels() {
        let m = metrics();
        m.sign_in("succeeded");
        m.logout(trigger("expired"), "op_session_ended");
        m.delivery_settled("delivered", 1500);
        let text = m.encode();
        for line in [
            "signoff_sign_ins_total{result=\"succeeded\"}",
            "signoff_logouts_total{trigger=\"expired\",outcome=\"op_session_ended\"}",
            "signoff_backchannel_deliveries_total{status=\"delivered\"}",
            "# EOF",
            "signoff_logout_to_delivery_seconds_count",
            "# TYPE signoff_live_op_sessions gauge",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }
}
