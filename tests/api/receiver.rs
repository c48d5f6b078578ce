//! A relying party's back-channel logout endpoint, for tests: it records every
//! POST and answers with the statuses it is given, or never answers at all.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

#[derive(Clone, Copy, Debug)]
pub enum Answer {
    Status(u16),
    /// 200, after this long.
    SlowOk(Duration),
    /// Accept the request, never answer.
    Hang,
}

#[derive(Clone, Debug)]
pub struct Received {
    /// When it arrived (Unix milliseconds), before it was answered.
    #[allow(dead_code)]
    pub at_ms: i64,
    pub content_type: String,
    /// The form's `logout_token`.
    pub logout_token: String,
    /// Every field name of the form.
    pub fields: Vec<String>,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    answers: Mutex<VecDeque<Answer>>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

async fn endpoint(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    shared.received.lock().unwrap().push(Received {
        at_ms,
        content_type: headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        logout_token: fields
            .iter()
            .find(|(k, _)| k == "logout_token")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
        fields: fields.into_iter().map(|(k, _)| k).collect(),
    });
    let answer = {
        let mut answers = shared.answers.lock().unwrap();
        if answers.len() > 1 {
            answers.pop_front()
        } else {
            answers.front().copied()
        }
    };
    match answer.unwrap_or(Answer::Status(200)) {
        Answer::Status(code) => StatusCode::from_u16(code).unwrap(),
        Answer::SlowOk(delay) => {
            tokio::time::sleep(delay).await;
            StatusCode::OK
        }
        Answer::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK
        }
    }
}

impl Receiver {
    /// Answers with `answers` in order, the last one from then on.
    pub async fn start(answers: &[Answer]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::on(listener, answers)
    }

    /// The same, on a listener the test bound (to know the port in advance).
    pub fn on(listener: tokio::net::TcpListener, answers: &[Answer]) -> Self {
        let shared = Arc::new(Shared {
            received: Mutex::default(),
            answers: Mutex::new(answers.iter().copied().collect()),
        });
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/backchannel-logout", post(endpoint))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, shared }
    }

    pub fn uri(&self) -> String {
        format!("http://{}/backchannel-logout", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests have arrived (or `within` has passed) and
    /// returns what arrived.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        while self.received().len() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.received()
    }
}
