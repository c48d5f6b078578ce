use std::time::Duration;

use crate::server::db::Pool;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::db;

/// `GET /healthz`: 200 once the database answers within two seconds, else 503.
pub async fn healthz(State(pool): State<Pool>) -> impl IntoResponse {
    let status = match tokio::time::timeout(Duration::from_secs(2), db::ping(&pool)).await {
        Ok(Ok(())) => StatusCode::OK,
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "health check: database query failed");
            StatusCode::SERVICE_UNAVAILABLE
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer within 2 s");
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    let body = if status == StatusCode::OK {
        "ok\n"
    } else {
        "database unavailable\n"
    };
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        body,
    )
}
