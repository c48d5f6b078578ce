use signoff::server::config::{Settings, SettingsLayer};
use signoff::server::startup::Application;
use sqlx::SqlitePool;
use tempfile::TempDir;
use tokio::net::TcpListener;

pub struct TestApp {
    pub address: String,
    pub pool: SqlitePool,
    /// Does not follow redirects, so tests can assert on them.
    pub client: reqwest::Client,
    _data_dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    let data_dir = tempfile::tempdir().expect("temporary directory");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let addr = listener.local_addr().expect("local address");
    let overrides = SettingsLayer {
        listen: Some(addr.to_string()),
        issuer: Some(format!("http://{addr}")),
        database_url: Some(format!(
            "sqlite://{}/signoff.db?mode=rwc",
            data_dir.path().display()
        )),
        log: None,
        demo: Some(true),
    };
    let settings = Settings::resolve(SettingsLayer::default(), overrides).expect("settings");
    let app = Application::build_with_listener(settings, listener)
        .await
        .expect("the application builds");
    let pool = app.state().pool.clone();
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    TestApp {
        address: format!("http://{addr}"),
        pool,
        client,
        _data_dir: data_dir,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request completes")
    }
}

pub fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .expect("header is ASCII")
}
