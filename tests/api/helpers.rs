use signoff::server::commands::demo;
use signoff::server::config::{Settings, SettingsLayer};
use signoff::server::db::Pool;
use signoff::server::startup::Application;
use signoff::server::state::AppState;
use tempfile::TempDir;
use tokio::net::TcpListener;
use url::Url;

/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const CALLBACK: &str = demo::REDIRECT_URIS[0];

pub struct TestApp {
    pub address: String,
    pub pool: Pool,
    /// The application's state when it runs in this process.
    in_process: Option<AppState>,
    /// Keeps cookies (one browser) and does not follow redirects.
    pub client: reqwest::Client,
    /// Where `/metrics` is served, when `metrics_listen` was set.
    #[allow(dead_code)]
    pub metrics: Option<std::net::SocketAddr>,
    _data_dir: TempDir,
}

/// A signoff on port 0 with a fresh database holding the demo data. Logout
/// receivers in tests listen on loopback, so private targets are allowed;
/// every test comes from 127.0.0.1, so the per-address limit is off.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(true).await
}

/// As [`spawn_app`], choosing whether the SSRF guard lets loopback through.
pub async fn spawn_app_with(allow_private_logout_targets: bool) -> TestApp {
    spawn_app_configured(SettingsLayer {
        allow_private_logout_targets: Some(allow_private_logout_targets),
        rate_limit: Some(0),
        ..Default::default()
    })
    .await
}

/// As [`spawn_app`], with these settings over the test defaults (listen,
/// issuer, a fresh database, demo data).
pub async fn spawn_app_configured(settings: SettingsLayer) -> TestApp {
    // `SIGNOFF_TEST_LOG=debug cargo test ... one_test` shows the server's log.
    if let Ok(filter) = std::env::var("SIGNOFF_TEST_LOG") {
        let _ = signoff::server::telemetry::init(&filter, signoff::server::config::LogFormat::Text);
    }
    let data_dir = tempfile::tempdir().expect("temporary directory");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let addr = listener.local_addr().expect("local address");
    let overrides = SettingsLayer {
        listen: Some(addr.to_string()),
        issuer: settings.issuer.clone().or(Some(format!("http://{addr}"))),
        database_url: Some(match settings.database_url.clone() {
            Some(shared) => shared,
            None => fresh_database_url(&data_dir).await,
        }),
        demo: settings.demo.or(Some(true)),
        ..settings
    };
    let settings = Settings::resolve(SettingsLayer::default(), overrides).expect("settings");
    let app = Application::build_with_listener(settings, listener)
        .await
        .expect("the application builds");
    let state = app.state().clone();
    let pool = state.pool.clone();
    let metrics = app.metrics_addr();
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    TestApp {
        metrics,
        address: format!("http://{addr}"),
        pool,
        in_process: Some(state),
        client: browser(),
        _data_dir: data_dir,
    }
}

/// The PostgreSQL server the API tests run on instead of SQLite, when
/// `SIGNOFF_TEST_POSTGRES` names one (`make unit` starts one with
/// `scripts/postgres.sh`).
pub fn postgres_server() -> Option<String> {
    std::env::var("SIGNOFF_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether this run's apps store on PostgreSQL; SQLite-only tests skip then.
pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// A database no other test uses: a new SQLite file in `data_dir`, or a new
/// database on the PostgreSQL server.
pub async fn fresh_database_url(data_dir: &TempDir) -> String {
    let Some(server) = postgres_server() else {
        return format!("sqlite://{}/signoff.db?mode=rwc", data_dir.path().display());
    };
    use sqlx::Connection as _;
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .expect("the PostgreSQL server of SIGNOFF_TEST_POSTGRES answers");
    let name = format!(
        "signoff_test_{}",
        data_dir
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("x")
            .to_ascii_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let mut url = Url::parse(&server).expect("SIGNOFF_TEST_POSTGRES is a URL");
    url.set_path(&name);
    url.to_string()
}

/// Another instance of `app`'s signoff: the same database (PostgreSQL) and
/// issuer, on its own port, and the same browser (cookies do not depend on
/// the port), as two instances behind a load balancer are.
pub async fn spawn_instance_of(app: &TestApp) -> TestApp {
    let state = app.state();
    let mut other = spawn_app_configured(SettingsLayer {
        issuer: Some(state.settings.issuer.to_string()),
        database_url: Some(state.settings.database_url.to_string()),
        allow_private_logout_targets: Some(true),
        rate_limit: Some(0),
        ..Default::default()
    })
    .await;
    other.client = app.client.clone();
    other
}

impl TestApp {
    /// A signoff running elsewhere (another process) at `address`, on the
    /// database `pool` also opens. Used by `tests/durability.rs`.
    #[allow(dead_code)]
    pub fn external(address: String, pool: Pool, data_dir: TempDir) -> Self {
        Self {
            address,
            pool,
            in_process: None,
            client: browser(),
            metrics: None,
            _data_dir: data_dir,
        }
    }

    /// The in-process application's state.
    pub fn state(&self) -> &AppState {
        self.in_process
            .as_ref()
            .expect("only an in-process app has its state here")
    }
}

/// Unix time in seconds, as the server counts it.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Unix time in milliseconds.
#[allow(dead_code)]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A fresh "browser": its own cookie jar, no redirect following. A request
/// that gets no answer in 30 s fails the test instead of hanging the run.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request completes")
    }

    /// `/authorize` for the demo client with PKCE, plus `extra` query pairs
    /// (one named like a default, `scope` say, replaces it).
    pub fn authorize_path(&self, extra: &[(&str, &str)]) -> String {
        let mut url = Url::parse(&self.url("/authorize")).unwrap();
        let defaults = [
            ("client_id", demo::CLIENT_ID),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("state", "st-1"),
            ("nonce", "nonce-1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in defaults {
            if !extra.iter().any(|(e, _)| *e == k) {
                url.query_pairs_mut().append_pair(k, v);
            }
        }
        for (k, v) in extra {
            url.query_pairs_mut().append_pair(k, v);
        }
        format!("{}?{}", url.path(), url.query().unwrap_or_default())
    }

    /// The CSRF token of the login form this browser is shown.
    pub async fn login_csrf(&self, request: Option<&str>) -> String {
        let path = match request {
            Some(r) => format!(
                "/login?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("request", r)
                    .finish()
            ),
            None => "/login".to_owned(),
        };
        let page = self.get(&path).await.text().await.unwrap();
        let marker = "name=\"csrf\" value=\"";
        let start = page.find(marker).expect("the login form has a CSRF field") + marker.len();
        page[start..].split('"').next().unwrap().to_owned()
    }

    /// Posts the login form as a browser without JavaScript does.
    pub async fn post_login(
        &self,
        username: &str,
        password: &str,
        csrf: &str,
        request: Option<&str>,
    ) -> reqwest::Response {
        let mut form = vec![
            ("username", username),
            ("password", password),
            ("csrf", csrf),
        ];
        if let Some(r) = request {
            form.push(("request", r));
        }
        self.client
            .post(self.url("/api/login"))
            .header("accept", "text/html")
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Runs /authorize → /login → /authorize/continue as the demo user and
    /// returns the redirect to the client's callback.
    pub async fn sign_in_and_authorize(&self, extra: &[(&str, &str)]) -> Url {
        self.sign_in_and_authorize_as(demo::USER, demo::PASSWORD, extra)
            .await
    }

    /// As [`TestApp::sign_in_and_authorize`], signing in as `username`.
    pub async fn sign_in_and_authorize_as(
        &self,
        username: &str,
        password: &str,
        extra: &[(&str, &str)],
    ) -> Url {
        let response = self.get(&self.authorize_path(extra)).await;
        let login = location(&response);
        assert_eq!(login.path(), "/login", "{login}");
        let request = query_param(&login, "request").expect("a waiting request");
        let csrf = self.login_csrf(Some(&request)).await;
        let response = self
            .post_login(username, password, &csrf, Some(&request))
            .await;
        let next = location(&response);
        assert_eq!(next.path(), "/authorize/continue", "{next}");
        location(
            &self
                .get(&format!("{}?{}", next.path(), next.query().unwrap()))
                .await,
        )
    }

    /// Exchanges a code as the demo client (client_secret_basic).
    pub async fn redeem(&self, code: &str, verifier: Option<&str>) -> reqwest::Response {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        self.client
            .post(self.url("/token"))
            .basic_auth(demo::CLIENT_ID, Some(demo::CLIENT_SECRET))
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

/// The absolute URL a redirect points to.
pub fn location(response: &reqwest::Response) -> Url {
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {} for {}",
        response.status(),
        response.url()
    );
    let raw = header(response, "location");
    Url::parse(raw)
        .or_else(|_| response.url().join(raw))
        .expect("a valid Location")
}

pub fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .expect("header is ASCII")
}

pub const POST_LOGOUT: &str = demo::POST_LOGOUT_REDIRECT_URI;

/// What the token endpoint gave the demo client.
pub struct Tokens {
    pub id_token: String,
    pub access_token: String,
    /// The demo client is registered for the refresh_token grant.
    #[allow(dead_code)]
    pub refresh_token: Option<String>,
}

/// The dialog's form fields.
pub struct DialogForm {
    pub csrf: String,
    pub request: String,
}

impl TestApp {
    /// Signs in through the demo client and returns the ID token it got.
    pub async fn signed_in_id_token(&self) -> String {
        self.tokens_for(&self.sign_in_and_authorize(&[]).await)
            .await
            .id_token
    }

    /// An ID token for the demo client now: through single sign-on when this
    /// browser is signed in already, else after signing in.
    #[allow(dead_code)]
    pub async fn id_token(&self) -> String {
        let next = location(&self.get(&self.authorize_path(&[])).await);
        let callback = match next.path() {
            "/login" => self.sign_in_and_authorize(&[]).await,
            _ => next,
        };
        self.tokens_for(&callback).await.id_token
    }

    /// Redeems the code of a callback redirect as the demo client.
    pub async fn tokens_for(&self, callback: &Url) -> Tokens {
        let code = query_param(callback, "code").expect("a code");
        let body: serde_json::Value = self
            .redeem(&code, Some(VERIFIER))
            .await
            .json()
            .await
            .unwrap();
        Tokens {
            id_token: body["id_token"].as_str().expect("an ID token").to_owned(),
            access_token: body["access_token"]
                .as_str()
                .expect("an access token")
                .to_owned(),
            refresh_token: body["refresh_token"].as_str().map(str::to_owned),
        }
    }

    /// The status `/userinfo` answers for an access token.
    pub async fn userinfo_status(&self, access_token: &str) -> reqwest::StatusCode {
        self.client
            .get(self.url("/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
            .status()
    }

    pub fn logout_path(&self, pairs: &[(&str, &str)]) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("/logout?{query}")
    }

    /// Submits the dialog as a browser without JavaScript does.
    pub async fn confirm(&self, form: &DialogForm, choice: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/logout/confirm"))
            .header("accept", "text/html")
            .form(&[
                ("csrf", form.csrf.as_str()),
                ("request", form.request.as_str()),
                ("choice", choice),
            ])
            .send()
            .await
            .unwrap()
    }

    /// `prompt=none` for the demo client: Ok(code) or Err(error).
    pub async fn silent_authorize(&self) -> Result<String, String> {
        let target = location(&self.get(&self.authorize_path(&[("prompt", "none")])).await);
        query_param(&target, "code")
            .ok_or_else(|| query_param(&target, "error").unwrap_or_default())
    }
}

/// Reads the dialog's hidden fields from its HTML.
pub fn dialog_form(html: &str) -> DialogForm {
    DialogForm {
        csrf: form_field(html, "csrf"),
        request: form_field(html, "request"),
    }
}

/// The value of the first form field called `name` in a page, as the
/// browser would submit it (the HTML is parsed, entities decoded).
pub fn form_field(html: &str, name: &str) -> String {
    let selector = scraper::Selector::parse(&format!("[name=\"{name}\"]"))
        .unwrap_or_else(|e| panic!("a selector for {name}: {e}"));
    scraper::Html::parse_document(html)
        .select(&selector)
        .next()
        .and_then(|field| field.value().attr("value"))
        .unwrap_or_else(|| panic!("no {name} field with a value in {html}"))
        .to_owned()
}

/// The `name` attribute of the first element `selector` matches.
pub fn attribute(html: &str, selector: &str, name: &str) -> Option<String> {
    let selector = scraper::Selector::parse(selector)
        .unwrap_or_else(|e| panic!("the selector {selector}: {e}"));
    scraper::Html::parse_document(html)
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr(name))
        .map(str::to_owned)
}

/// The text of every element `selector` matches, whitespace collapsed.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(selector)
        .unwrap_or_else(|e| panic!("the selector {selector}: {e}"));
    scraper::Html::parse_document(html)
        .select(&selector)
        .map(|e| {
            e.text()
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// A browser of its own: its cookie jar, talking to one signoff, following
/// no redirect. `Deref`s to its `reqwest::Client` for requests of any shape.
#[derive(Clone)]
pub struct Browser {
    address: String,
    client: reqwest::Client,
}

impl std::ops::Deref for Browser {
    type Target = reqwest::Client;

    fn deref(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Browser {
    /// Nobody signed in yet.
    pub fn new(app: &TestApp) -> Self {
        Self {
            address: app.address.clone(),
            client: browser(),
        }
    }

    /// Signed in as `username`, through the login form.
    pub async fn signed_in(app: &TestApp, username: &str, password: &str) -> Self {
        Self::signed_in_with_agent(app, username, password, "signoff-api-tests").await
    }

    /// Signed in as `username` by a browser that calls itself `user_agent`.
    pub async fn signed_in_with_agent(
        app: &TestApp,
        username: &str,
        password: &str,
        user_agent: &str,
    ) -> Self {
        let browser = Self::new(app);
        let csrf = browser.csrf_on("/login").await;
        let response = browser
            .post(browser.url("/api/login"))
            .header("accept", "text/html")
            .header("user-agent", user_agent)
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&response).path(), "/", "signing in as {username}");
        browser
    }

    /// Signed in as the demo admin.
    pub async fn admin(app: &TestApp) -> Self {
        Self::signed_in(app, demo::ADMIN, demo::ADMIN_PASSWORD).await
    }

    /// The same browser (its cookies), talking to another instance.
    #[allow(dead_code)]
    pub fn at(&self, instance: &TestApp) -> Self {
        Self {
            address: instance.address.clone(),
            client: self.client.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// GETs `path`: its status and its page.
    pub async fn page(&self, path: &str) -> (reqwest::StatusCode, String) {
        let response = self.get(self.url(path)).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// The CSRF token of the forms `path` shows this browser.
    pub async fn csrf_on(&self, path: &str) -> String {
        let (_, html) = self.page(path).await;
        form_field(&html, "csrf")
    }

    /// Submits an admin form as a browser without JavaScript does, with this
    /// browser's CSRF token.
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.try_submit(path, form).await.unwrap()
    }

    /// [`Self::submit`], for a server that may be gone: its network error.
    pub async fn try_submit(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Result<reqwest::Response> {
        let page = self.get(self.url("/admin/users")).send().await?;
        let csrf = form_field(&page.text().await?, "csrf");
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post(self.url(path))
            .header("accept", "text/html")
            .form(&fields)
            .send()
            .await
    }
}

/// Checks a JWT's RS256 signature against the key `/jwks.json` publishes
/// under its `kid`, and its `iss` and `aud`; returns the claims.
pub async fn verify_with_jwks(app: &TestApp, jwt: &str, audience: &str) -> serde_json::Value {
    verify_with_jwks_of(app, jwt, audience, &app.address).await
}

/// As [`verify_with_jwks`], against the JWK Set one instance publishes, for
/// a token whose issuer is `issuer` (any instance may have signed it).
pub async fn verify_with_jwks_of(
    app: &TestApp,
    jwt: &str,
    audience: &str,
    issuer: &str,
) -> serde_json::Value {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
    let jwks: serde_json::Value = app.get("/jwks.json").await.json().await.unwrap();
    let kid = decode_header(jwt).unwrap().kid.expect("a kid");
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .expect("the kid is published");
    // Any of the three key types, each only with its own algorithm.
    let alg = decode_header(jwt).unwrap().alg;
    assert!(
        matches!(alg, Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA),
        "{alg:?}"
    );
    assert_eq!(jwk["alg"].as_str(), Some(format!("{alg:?}").as_str()));
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
    let key = DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = Validation::new(alg);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[issuer]);
    decode::<serde_json::Value>(jwt, &key, &validation)
        .unwrap()
        .claims
}

/// `n` live OP sessions of the demo user, each with a client session at
/// `client_id`, begun at `auth_time`, written straight into the database
/// (no logins: what a test of the ends needs); returns their sids.
#[allow(dead_code)]
pub async fn insert_sessions(
    pool: &Pool,
    n: usize,
    client_id: &str,
    auth_time: i64,
) -> Vec<String> {
    let mut sids = Vec::with_capacity(n);
    let mut tx = pool.begin().await.unwrap();
    for i in 0..n {
        let sid = format!("test-session-{i}-{}", rand::random::<u64>());
        sqlx::query(
            "INSERT INTO op_sessions (sid, user_id, auth_time, created_at) \
             SELECT $1, id, $2, $2 FROM users WHERE username = $3",
        )
        .bind(&sid)
        .bind(auth_time)
        .bind(demo::USER)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO rp_sessions (sid, client_id, first_login_at, last_login_at) \
             VALUES ($1, $2, $3, $3)",
        )
        .bind(&sid)
        .bind(client_id)
        .bind(auth_time)
        .execute(&mut *tx)
        .await
        .unwrap();
        sids.push(sid);
    }
    tx.commit().await.unwrap();
    sids
}

/// Moves a rotated-in key's time to sign into the past (what waiting
/// `PUBLISH_BEFORE_SIGNING` would do), then reloads `app`'s keys.
#[allow(dead_code)]
pub async fn let_key_sign_now(app: &TestApp, kid: &str) {
    sqlx::query("UPDATE signing_keys SET sign_from = $1 WHERE kid = $2")
        .bind(now() - 1)
        .bind(kid)
        .execute(&app.pool)
        .await
        .unwrap();
    app.state().keys.reload(&app.pool).await.unwrap();
}

/// A JWT's claims, unverified (for tests that verify elsewhere or need not).
pub fn claims_of(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// POSTs `form` to `path` as `client_id` with its secret (HTTP Basic), or
/// with no secret at all (`None`: a public client names itself).
#[allow(dead_code)]
pub async fn call(
    app: &TestApp,
    path: &str,
    client_id: &str,
    secret: Option<&str>,
    form: &[(&str, &str)],
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut request = browser().post(app.url(path));
    let mut fields = form.to_vec();
    match secret {
        Some(secret) => request = request.basic_auth(client_id, Some(secret)),
        None => fields.push(("client_id", client_id)),
    }
    let response = request.form(&fields).send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}
