//! Back-channel logout delivery (BCL §2.5): the outbox rows the termination
//! path writes are POSTed to each client, in parallel, with a new logout token
//! per attempt, retried with backoff and jitter on recoverable failures, and
//! picked up again after a restart.

use crate::oidc::jwk::SigningAlg;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::server::db::{Backend, Pool};
use rand::Rng;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use url::{Host, Url};

use super::clock::now_ms;
use super::crypto::random_token;
use super::db::backchannel_deliveries::{
    AttemptResult, DeliveryRow, Lease, claim_deliveries, hand_back_deliveries, next_due_at,
    record_attempt, release_leases,
};
use super::keys::SigningKeys;
use super::ssrf::{ForbiddenTarget, find_forbidden, forbidden_reason, guarded_resolver};
use crate::oidc::Issuer;
use crate::oidc::logout_token::{
    DeliveryOutcome, DeliveryStatus, LOGOUT_TOKEN_TYP, LogoutTokenSubject, classify_response,
    logout_token_claims, retry_delay_ms, status_after,
};

/// One attempt may take this long, connection included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The user's redirect waits this long, at most, for the first attempts.
pub const FIRST_ATTEMPT_WAIT: Duration = Duration::from_millis(2500);
/// A claimed row is not claimed again for this long (six attempts' time):
/// when its instance dies mid-attempt, another one takes it over then.
const LEASE_MS: i64 = 30_000;
/// At most this many deliveries are in flight at once (per instance).
const MAX_IN_FLIGHT: usize = 64;
/// At most this many rows are claimed in one statement.
const MAX_CLAIM: usize = 256;
/// The worker looks for due rows at least this often.
const MAX_IDLE: Duration = Duration::from_secs(30);

/// Delivers back-channel logouts. Cloning shares it.
#[derive(Clone)]
pub struct BackchannelNotifier(Arc<Inner>);

impl std::fmt::Debug for BackchannelNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackchannelNotifier")
            .field("instance", &self.0.instance)
            .finish_non_exhaustive()
    }
}

struct Inner {
    pool: Pool,
    backend: Backend,
    /// This instance's name in the rows it leases.
    instance: String,
    keys: SigningKeys,
    issuer: Issuer,
    http: reqwest::Client,
    /// Skip the SSRF guard: private targets allowed, or a proxy enforces it.
    unguarded: bool,
    in_flight: Arc<Semaphore>,
    /// Set when due rows found no free slot: the attempt that frees one wakes
    /// the worker.
    starved: AtomicBool,
    wake: Notify,
}

/// Why an attempt did not get a status code.
enum SendError {
    /// The SSRF guard refused the target: final.
    Forbidden(String),
    /// Connection, DNS, TLS or timeout: worth a retry.
    Network(String),
}

impl BackchannelNotifier {
    /// `proxy`: send through this proxy, which then enforces the outbound
    /// policy. Without one, `HTTP(S)_PROXY` and `ALL_PROXY` are ignored: a
    /// proxy from the environment would reach what the SSRF guard refuses.
    pub fn new(
        pool: Pool,
        instance: String,
        keys: SigningKeys,
        issuer: Issuer,
        allow_private: bool,
        proxy: Option<&str>,
    ) -> anyhow::Result<Self> {
        let mut http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            // A redirect would send the token somewhere the client did not register.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "signoff/",
                env!("CARGO_PKG_VERSION"),
                " back-channel logout"
            ));
        http = match proxy {
            Some(proxy) => http.proxy(reqwest::Proxy::all(proxy)?),
            None => http.no_proxy(),
        };
        let unguarded = allow_private || proxy.is_some();
        if !unguarded {
            http = http.dns_resolver(guarded_resolver());
        }
        Ok(Self(Arc::new(Inner {
            backend: Backend::of(&pool),
            pool,
            instance,
            keys,
            issuer,
            http: http.build()?,
            unguarded,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            starved: AtomicBool::new(false),
            wake: Notify::new(),
        })))
    }

    /// Makes the first attempt of each delivery now, in parallel, and waits for
    /// them at most [`FIRST_ATTEMPT_WAIT`]. Attempts still running go on in the
    /// background; retries are the worker's.
    pub async fn deliver_now(&self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        match self.start_attempts(Some(ids)).await {
            Ok(running) => wait_for_first_attempts(running).await,
            Err(err) => {
                // The worker delivers them instead.
                tracing::error!(error = %err, "claiming back-channel deliveries failed");
                self.0.wake.notify_one();
            }
        }
    }

    /// The lease of rows this instance claims as it writes them, to attempt
    /// them right after their transaction commits
    /// ([`start_leased`](Self::start_leased)).
    pub fn lease(&self, now_ms: i64) -> Lease<'_> {
        Lease {
            owner: &self.0.instance,
            now_ms,
            until_ms: now_ms + LEASE_MS,
        }
    }

    /// As [`deliver_now`](Self::deliver_now), for rows written already
    /// leased to this instance: no claim needed.
    pub async fn deliver_leased(&self, rows: Vec<DeliveryRow>) {
        wait_for_first_attempts(self.start_leased(rows).await).await;
    }

    /// Starts the first attempt of each row written leased to this instance,
    /// each with an in-flight slot. Rows there is no slot for are handed
    /// back at once, due for whichever worker has one, so none waits out a
    /// lease nobody is using.
    pub async fn start_leased(&self, mut rows: Vec<DeliveryRow>) -> Vec<JoinHandle<()>> {
        let slots = self.free_slots(rows.len());
        let left = rows.split_off(slots.len());
        if !left.is_empty() {
            let ids: Vec<i64> = left.iter().map(|row| row.id).collect();
            if let Err(err) =
                hand_back_deliveries(&self.0.pool, &ids, &self.0.instance, now_ms()).await
            {
                tracing::error!(error = %err, "handing back-channel deliveries back failed; their leases run out in 30 s");
            }
            // Only once they are due: the attempt that frees a slot wakes the
            // worker for them, and so does this, in case every attempt
            // ended meanwhile.
            self.0.starved.store(true, Ordering::Release);
            self.0.wake.notify_one();
        }
        self.spawn_attempts(rows, slots)
    }

    /// At shutdown, after the worker and the attempts have stopped: the rows
    /// this instance still leases are due again at once, for the others.
    pub async fn release_leases(&self) {
        match release_leases(&self.0.pool, &self.0.instance, now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                count = n,
                "handed back-channel deliveries in flight over to the other instances"
            ),
            Err(err) => {
                tracing::error!(error = %err, "releasing back-channel leases failed; they run out in 30 s")
            }
        }
    }

    /// Tells the worker that new rows are due.
    pub fn wake(&self) {
        self.0.wake.notify_one();
    }

    /// The worker: delivers due rows (those left by a restart, and retries),
    /// then sleeps until the next one is due or a logout wakes it.
    pub fn spawn_worker(&self) -> JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                let sleep = match this.deliver_due().await {
                    Ok(sleep) => sleep,
                    Err(err) => {
                        tracing::error!(error = %err, "the back-channel logout worker failed a round");
                        Duration::from_secs(5)
                    }
                };
                tokio::select! {
                    () = tokio::time::sleep(sleep) => {},
                    () = this.0.wake.notified() => {},
                }
            }
        })
    }

    /// Claims and starts every due delivery there is a slot for; returns how
    /// long to sleep.
    async fn deliver_due(&self) -> sqlx::Result<Duration> {
        self.start_attempts(None).await?;
        let now = now_ms();
        Ok(match next_due_at(&self.0.pool).await? {
            Some(at) => {
                Duration::from_millis((at - now).clamp(10, MAX_IDLE.as_millis() as i64) as u64)
            }
            None => MAX_IDLE,
        })
    }

    /// Starts one attempt for each due row (of `only`, when given) there is a
    /// free in-flight slot for. A row is claimed (its lease starts) only
    /// with a slot in hand, so no lease runs out while its row waits here;
    /// rows left without a slot stay due, and the attempt that frees one
    /// wakes the worker for them.
    async fn start_attempts(&self, only: Option<&[i64]>) -> sqlx::Result<Vec<JoinHandle<()>>> {
        let wanted = only.map_or(MAX_CLAIM, |ids| ids.len().min(MAX_CLAIM));
        let slots = self.free_slots(wanted);
        if slots.is_empty() {
            self.0.starved.store(true, Ordering::Release);
            return Ok(Vec::new());
        }
        let claimed = claim_deliveries(
            &self.0.pool,
            self.0.backend,
            only,
            slots.len(),
            self.lease(now_ms()),
        )
        .await?;
        if claimed.len() == slots.len() && slots.len() < wanted {
            // Every slot found a row: more may be due than there were slots.
            self.0.starved.store(true, Ordering::Release);
        }
        Ok(self.spawn_attempts(claimed, slots))
    }

    /// Up to `wanted` free in-flight slots.
    fn free_slots(&self, wanted: usize) -> Vec<OwnedSemaphorePermit> {
        let mut slots = Vec::with_capacity(wanted);
        while slots.len() < wanted {
            match self.0.in_flight.clone().try_acquire_owned() {
                Ok(slot) => slots.push(slot),
                Err(_) => break,
            }
        }
        slots
    }

    /// One task per claimed row, each holding its slot until its attempt ends.
    fn spawn_attempts(
        &self,
        rows: Vec<DeliveryRow>,
        slots: Vec<OwnedSemaphorePermit>,
    ) -> Vec<JoinHandle<()>> {
        rows.into_iter()
            .zip(slots)
            .map(|(row, slot)| {
                let this = self.clone();
                tokio::spawn(async move {
                    this.attempt(row).await;
                    drop(slot);
                    if this.0.starved.swap(false, Ordering::AcqRel) {
                        this.0.wake.notify_one();
                    }
                })
            })
            .collect()
    }

    /// One attempt for a claimed row: a fresh token, one POST, the outcome saved.
    async fn attempt(&self, row: DeliveryRow) {
        let jti = random_token();
        let claims = logout_token_claims(
            &self.0.issuer,
            &LogoutTokenSubject {
                client_id: &row.client_id,
                subject: &row.subject,
                sid: &row.sid,
            },
            jti.clone(),
            now_ms() / 1000,
        );
        // Signed like the client's ID tokens (its id_token_signed_response_alg).
        let alg = row
            .signing_alg
            .as_deref()
            .and_then(SigningAlg::parse)
            .unwrap_or(SigningAlg::Rs256);
        let sent = match self.0.keys.sign_typed(&claims, LOGOUT_TOKEN_TYP, alg).await {
            Ok(token) => self.post(&row.uri, &token).await,
            Err(err) => Err(SendError::Network(format!(
                "signing the logout token failed: {err}"
            ))),
        };
        let now = now_ms();
        let (outcome, last_status, error) = match sent {
            Ok(code) => {
                let outcome = classify_response(code);
                let error = match outcome {
                    DeliveryOutcome::Delivered => None,
                    DeliveryOutcome::Refused => {
                        Some(format!("the client answered HTTP {code}; not retried"))
                    }
                    DeliveryOutcome::Retry => Some(format!("HTTP {code}")),
                };
                (outcome, Some(code), error)
            }
            Err(SendError::Forbidden(why)) => (DeliveryOutcome::Refused, None, Some(why)),
            Err(SendError::Network(why)) => (DeliveryOutcome::Retry, None, Some(why)),
        };
        let (status, gave_up) = status_after(outcome, row.attempts, now - row.created_at);
        let error = match gave_up {
            true => error.map(|e| format!("gave up after {} attempts: {e}", row.attempts)),
            false => error,
        };
        let jitter = rand::thread_rng().gen_range(0.5..1.5);
        let next_attempt_at = if status == DeliveryStatus::Pending {
            now + retry_delay_ms(row.attempts.try_into().unwrap_or(u32::MAX), jitter)
        } else {
            now
        };
        let result = AttemptResult {
            status,
            next_attempt_at,
            last_status,
            last_error: error.as_deref(),
            jti: &jti,
        };
        match record_attempt(
            &self.0.pool,
            row.id,
            row.attempts,
            &self.0.instance,
            &result,
            now,
        )
        .await
        {
            Ok(true) if status != DeliveryStatus::Pending => {
                super::metrics::metrics().delivery_settled(status.as_str(), now - row.created_at);
            }
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                id = row.id,
                "a back-channel attempt outlived its lease; the instance that took the row over records its outcome"
            ),
            Err(err) => {
                tracing::error!(error = %err, id = row.id, "recording a back-channel attempt failed");
            }
        }
        tracing::info!(
            id = row.id,
            client_id = %row.client_id,
            attempt = row.attempts,
            status = status.as_str(),
            http_status = ?last_status,
            error = error.as_deref().unwrap_or(""),
            "back-channel logout attempt"
        );
        if status == DeliveryStatus::Pending {
            self.0.wake.notify_one();
        }
    }

    /// POSTs `logout_token=…` (BCL §2.5) and returns the HTTP status.
    async fn post(&self, uri: &str, token: &str) -> Result<u16, SendError> {
        let url = Url::parse(uri).map_err(|e| SendError::Forbidden(format!("not a URL: {e}")))?;
        if !self.0.unguarded {
            check_ip_literal(&url).map_err(|e| SendError::Forbidden(e.to_string()))?;
        }
        let response = self
            .0
            .http
            .post(url)
            .form(&[("logout_token", token)])
            .send()
            .await
            .map_err(|err| match find_forbidden(&err) {
                Some(forbidden) => SendError::Forbidden(forbidden.to_string()),
                None => SendError::Network(describe(&err)),
            })?;
        Ok(response.status().as_u16())
    }
}

/// Waits for first attempts at most [`FIRST_ATTEMPT_WAIT`]; those still
/// running go on. No wake-up for the worker here: an attempt that must be
/// retried wakes it itself, and so does the one that frees a slot rows wait
/// for, so a logout whose clients all answered costs the worker nothing.
async fn wait_for_first_attempts(running: Vec<JoinHandle<()>>) {
    let all = async {
        for task in running {
            let _ = task.await;
        }
    };
    if tokio::time::timeout(FIRST_ATTEMPT_WAIT, all).await.is_err() {
        tracing::info!(
            "back-channel logout: some first attempts are still running; not waiting longer"
        );
    }
}

/// reqwest does not resolve IP literals, so the guard checks them here.
fn check_ip_literal(url: &Url) -> Result<(), ForbiddenTarget> {
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
        _ => return Ok(()),
    };
    match forbidden_reason(ip) {
        Some(reason) => Err(ForbiddenTarget {
            host: ip.to_string(),
            ip,
            reason,
        }),
        None => Ok(()),
    }
}

/// A network error in a line, with its innermost cause (e.g. "connection refused").
fn describe(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    format!("{kind}: {cause}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_inside_the_network_are_refused_before_connecting() {
        for uri in [
            "http://127.0.0.1:9000/bc",
            "https://10.1.2.3/bc",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:8080/bc",
        ] {
            assert!(
                check_ip_literal(&Url::parse(uri).unwrap()).is_err(),
                "{uri}"
            );
        }
        for uri in ["https://93.184.216.34/bc", "https://rp.example.com/bc"] {
            assert!(check_ip_literal(&Url::parse(uri).unwrap()).is_ok(), "{uri}");
        }
    }
}
