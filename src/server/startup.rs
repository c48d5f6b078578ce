use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use std::convert::Infallible;

use crate::server::db::Pool;
use axum::Router;
use axum::ServiceExt as _;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::config::{LeptosOptions, get_configuration};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use super::backchannel::BackchannelNotifier;
use super::browser_session::BrowserSessionLayer;
use super::config::{LogFormat, Settings};
use super::db::audit_events::{NewAuditEvent, insert_audit_event};
use super::db::backchannel_deliveries::count_pending_deliveries;
use super::db::op_sessions::count_live_op_sessions;
use super::keys::SigningKeys;
use super::rate_limit::{self, RateLimit};
use super::read_cache::{CACHED_CLIENTS, CACHED_ROWS, ReadCache, Ttls};
use super::signed::Signer;
use super::state::{AppState, Shared};
use super::telemetry;
use super::throttle::LoginThrottle;
use super::{
    browser_session, commands, db, error, headers, health, maintenance, metrics, protocol,
};
use crate::app::{App, shell};

/// No legitimate request body here comes close; anything larger is a 413.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// A bound, migrated, ready-to-serve signoff.
pub struct Application {
    listener: TcpListener,
    /// Where `/metrics` is served, when it is.
    metrics_addr: Option<SocketAddr>,
    service: AppService,
    state: AppState,
    background: Vec<JoinHandle<()>>,
    /// Held while serving: one server per SQLite database.
    database: db::Database,
    _serve_lock: Option<db::ServeLock>,
}

impl Application {
    /// Binds `settings.listen`, opens and migrates the database, builds the router.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        Self::build_with_listener(settings, listener).await
    }

    /// As [`Application::build`], on a listener the caller bound (tests bind port 0).
    pub async fn build_with_listener(
        settings: Settings,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        let local_addr = listener.local_addr()?;
        let serve_lock = db::lock_for_serving(&settings.database_url)?;
        let database = db::connect_and_migrate(&settings.database_url).await?;
        let pool = database.pool.clone();
        let ttls = Ttls::for_backend(db::Backend::of(&pool));
        // The keys first: a client registers only for an algorithm that signs.
        let keys = SigningKeys::load_or_create(&pool, &settings.issuer).await?;
        if settings.demo && commands::seed_demo(&pool, settings.demo_rp_ports).await? {
            tracing::info!("seeded the demo users and clients (see README)");
            keys.reload(&pool).await?;
        }
        let leptos_options = leptos_options(local_addr)?;
        let browser_rows_gone = Arc::new(browser_session::RowsGone::default());
        let (session_layer, session_cleanup) = browser_session::layer(
            &database.native,
            &settings.issuer,
            settings.cookie_same_site,
            browser_rows_gone.clone(),
        )
        .await?;
        let key_reloader = keys.spawn_reloader(pool.clone());
        let instance = instance_name(local_addr);
        tracing::info!(%instance, "this instance's name in the back-channel leases it takes");
        let notifier = BackchannelNotifier::new(
            pool.clone(),
            instance,
            keys.clone(),
            settings.issuer.clone(),
            settings.allow_private_logout_targets,
            settings.logout_proxy.as_deref(),
        )?;
        // Deliveries a previous process left pending start right away.
        let deliveries = notifier.spawn_worker();

        let state = AppState::new(Shared {
            leptos_options: Arc::new(leptos_options),
            pool: pool.clone(),
            settings: Arc::new(settings),
            keys,
            throttle: Arc::new(LoginThrottle::new(pool.clone())),
            signer: Signer::load_or_create(&pool).await?,
            notifier,
            op_sessions: Arc::new(ReadCache::new(CACHED_ROWS, ttls.sessions)),
            logout_clients: Arc::new(ReadCache::new(CACHED_CLIENTS, ttls.clients)),
            browser_rows_gone,
        });
        let router = router(state.clone(), session_layer);
        record_start(&pool, local_addr).await?;
        let maintenance = maintenance::spawn(state.clone());
        let limit = RateLimit::new(
            state.settings.rate_limit,
            state.settings.trusted_proxies.clone(),
        );
        let watcher = super::changes::spawn_watcher(state.clone());
        let mut background = vec![
            session_cleanup,
            key_reloader,
            deliveries,
            maintenance,
            watcher,
        ];
        background.extend(limit.as_ref().map(RateLimit::spawn_sweeper));
        let metrics_addr = match state.settings.metrics_listen {
            None => None,
            Some(addr) => {
                let (bound, server) = serve_metrics(addr, pool.clone()).await?;
                tracing::info!(address = %bound, "serving metrics");
                background.push(server);
                Some(bound)
            }
        };

        let service = with_common_layers(
            router,
            limit,
            state.settings.issuer.is_https(),
            state.settings.log_format,
            metrics_addr.is_some(),
        );

        Ok(Self {
            listener,
            metrics_addr,
            service,
            state,
            background,
            database,
            _serve_lock: serve_lock,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Where `/metrics` is served (`SIGNOFF_METRICS_LISTEN`), if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let result = axum::serve(
            self.listener,
            self.service
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("the HTTP server failed");
        for task in self.background {
            task.abort();
        }
        self.state.notifier.release_leases().await;
        self.database.close().await;
        result
    }
}

/// The Leptos route list, generated once per process. Generating it sets a
/// process-wide flag that parks, forever, every resource first polled
/// meanwhile (leptos#4773, leptos_server 0.8.8). A second app built in the same
/// process, as every API test does, hung pages of the apps already serving.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The browser-session layer wraps only the routes that may read the
/// browser session; discovery, JWKS, the token endpoint, userinfo and the
/// health check never do, and skip its cookie parsing and store lookup.
fn router(state: AppState, session_layer: BrowserSessionLayer) -> Router {
    let routes = route_list();
    let options = (*state.leptos_options).clone();
    let with_browser_session = Router::new()
        .merge(protocol::browser_routes())
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback_service(site_files(&state))
        .layer(session_layer);
    Router::new()
        .route("/healthz", get(health::healthz))
        .merge(protocol::api_routes())
        .merge(with_browser_session)
        .with_state(state)
}

/// The site's files (`LEPTOS_SITE_ROOT`: the WASM, JS, CSS, favicon), and
/// for any other path Leptos' error page (404). Served here rather than by
/// `leptos_axum::file_and_error_handler`, which answers a file from inside a
/// reactive owner that inherits whatever owner is current on the thread:
/// with a page render in flight on the same thread, the file's response took
/// that page's `ResponseOptions` headers (its CSP and `Cache-Control`), and
/// the page went out with the default CSP, which blocks its own scripts.
fn site_files(state: &AppState) -> ServeDir<axum::routing::MethodRouter> {
    ServeDir::new(&*state.leptos_options.site_root)
        .precompressed_gzip()
        .precompressed_br()
        .call_fallback_on_method_not_allowed(true)
        .fallback(axum::routing::any(not_found_page).with_state(state.clone()))
}

/// Leptos' page for a path nothing else answers: the app's 404.
async fn not_found_page(
    uri: axum::http::Uri,
    state: axum::extract::State<AppState>,
    request: Request,
) -> Response {
    leptos_axum::file_and_error_handler::<AppState, _>(shell)(uri, state, request).await
}

/// The whole application as one service: the router inside the layers every
/// response passes through, the error and panic pages included.
pub type AppService = BoxCloneSyncService<Request, Response, Infallible>;

/// Serves `GET /metrics` on a listener of its own: the registry, with the
/// gauges read from the shared database first.
async fn serve_metrics(
    addr: SocketAddr,
    pool: Pool,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot serve metrics on {addr}"))?;
    let bound = listener.local_addr()?;
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let pool = pool.clone();
            async move {
                let m = metrics::metrics();
                match (
                    count_live_op_sessions(&pool).await,
                    count_pending_deliveries(&pool).await,
                ) {
                    (Ok(live), Ok(pending)) => {
                        m.live_sessions.set(live);
                        m.pending_deliveries.set(pending);
                    }
                    (Err(err), _) | (_, Err(err)) => {
                        tracing::error!(error = %err, "reading the metrics' gauges failed");
                    }
                }
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        // What prometheus-client's text encoder writes.
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    m.encode(),
                )
            }
        }),
    );
    let server = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(error = %err, "the metrics listener failed");
        }
    });
    Ok((bound, server))
}

/// The common layers wrap the router once, outside it. Layered onto the
/// router instead, each would wrap every route separately, and serving a
/// request would clone (and allocate) each route's whole stack of boxes.
fn with_common_layers(
    router: Router,
    limit: Option<RateLimit>,
    https: bool,
    log_format: LogFormat,
    timed: bool,
) -> AppService {
    let service = ServiceBuilder::new()
        .option_layer(timed.then_some(metrics::RequestMetricsLayer))
        .map_response(IntoResponse::into_response)
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span(log_format)))
        .layer(headers::SecurityHeadersLayer::new(https))
        .option_layer(limit.map(rate_limit::RateLimitLayer))
        .map_response(IntoResponse::into_response)
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(error::ServerFnResponsesLayer)
        .service(router);
    BoxCloneSyncService::new(service)
}

/// cargo-leptos bakes `LEPTOS_OUTPUT_NAME` into release builds, and the site
/// location comes from `LEPTOS_SITE_ROOT`. A plain `cargo build`/`cargo test`
/// has neither, so read the `[package.metadata.leptos]` table instead.
fn leptos_options(local_addr: SocketAddr) -> anyhow::Result<LeptosOptions> {
    let built_by_cargo_leptos = option_env!("LEPTOS_OUTPUT_NAME").is_some()
        || std::env::var_os("LEPTOS_OUTPUT_NAME").is_some();
    let conf = if built_by_cargo_leptos {
        get_configuration(None)
    } else {
        get_configuration(Some(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")))
    }
    .context("cannot read the Leptos configuration (LEPTOS_* variables)")?;
    let mut options = conf.leptos_options;
    options.site_addr = local_addr;
    Ok(options)
}

/// A name for this process among the instances sharing the database: the
/// host, the port and the process id, which may repeat (every container's
/// server is process 1), then a random part, which does not.
fn instance_name(local_addr: SocketAddr) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    let random = super::crypto::random_token();
    format!(
        "{host}:{}/{}/{}",
        local_addr.port(),
        std::process::id(),
        &random[..8]
    )
}

async fn record_start(pool: &Pool, addr: SocketAddr) -> anyhow::Result<()> {
    let event = NewAuditEvent {
        occurred_at: time::OffsetDateTime::now_utc().unix_timestamp(),
        actor: Some("system"),
        action: "server.started",
        subject: None,
        detail: serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "listen": addr.to_string(),
        }),
    };
    insert_audit_event(pool, &event)
        .await
        .context("cannot write the start-up audit event")?;
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
