use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use axum::http::Request;
use tracing::Span;
use tracing_subscriber::EnvFilter;

use super::config::LogFormat;

/// Installs the global subscriber on stderr, filtered by `SIGNOFF_LOG`
/// (tracing's EnvFilter syntax): readable lines, or with
/// `SIGNOFF_LOG_FORMAT=json` one JSON object per line, each carrying the
/// request span's `request_id` and `route`.
pub fn init(filter: &str, format: LogFormat) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(filter)
        .with_context(|| format!("SIGNOFF_LOG {filter:?} is not a valid log filter"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    }
    .map_err(|e| anyhow::anyhow!(e))
    .context("a log subscriber is already installed")
}

/// Numbers the requests of this process.
static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// The span each request runs in. With JSON logs it is an `info` span that
/// names the request (`request_id`: the proxy's `X-Request-Id` when it sent a
/// sane one, else this process's next number) and its `route`, so every line
/// a request logs says which request and route it belongs to. With text logs
/// it stays `debug`, as tower-http's default: disabled under the default
/// filter, so the hot path pays nothing for it.
pub fn request_span<B>(format: LogFormat) -> impl Fn(&Request<B>) -> Span + Clone {
    move |request: &Request<B>| match format {
        LogFormat::Json => {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .filter(|v| {
                    !v.is_empty()
                        && v.len() <= 64
                        && v.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                })
                .map(str::to_owned)
                .unwrap_or_else(|| NEXT_REQUEST.fetch_add(1, Ordering::Relaxed).to_string());
            tracing::info_span!(
                "request",
                request_id = %id,
                method = %request.method(),
                route = %request.uri().path(),
            )
        }
        LogFormat::Text => tracing::debug_span!(
            "request",
            method = %request.method(),
            uri = %request.uri(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged_in_request(request: Request<()>) -> serde_json::Value {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = request_span(LogFormat::Json)(&request);
            let _entered = span.enter();
            tracing::info!(answered = 200, "done");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        serde_json::from_str(text.trim()).unwrap()
    }

    #[test]
    fn a_json_line_names_its_request_and_route() {
        let line = logged_in_request(
            Request::get("/logout?id_token_hint=secret")
                .body(())
                .unwrap(),
        );
        assert_eq!(line["fields"]["message"], "done");
        assert_eq!(
            line["span"]["route"], "/logout",
            "the path, never the query"
        );
        assert!(!line["span"]["request_id"].as_str().unwrap().is_empty());
    }

    #[test]
    fn a_proxys_request_id_is_kept_when_it_is_sane() {
        let line = logged_in_request(
            Request::get("/token")
                .header("x-request-id", "abc-123")
                .body(())
                .unwrap(),
        );
        assert_eq!(line["span"]["request_id"], "abc-123");
        let line = logged_in_request(
            Request::get("/token")
                .header("x-request-id", "a b\"c")
                .body(())
                .unwrap(),
        );
        assert_ne!(line["span"]["request_id"], "a b\"c");
    }
}
