//! What an anonymous caller can make signoff do: per-address rate limits
//! (with trusted proxies and IPv6 /64 keys), login throttling that holds
//! under concurrency and cannot lock the real user out, and floods that
//! leave the database as it was.

use std::sync::Arc;

use signoff::server::commands::demo;
use signoff::server::config::SettingsLayer;
use signoff::server::throttle::{FREE_PER_ADDR, FREE_PER_USER_AT_ADDR, Reserved, WINDOW};

use crate::helpers::{
    Browser, TestApp, browser, form_field, header, location, now, now_ms, spawn_app_configured,
};

async fn limited_app(per_minute: u32, trusted: Option<&str>) -> TestApp {
    spawn_app_configured(SettingsLayer {
        allow_private_logout_targets: Some(true),
        rate_limit: Some(per_minute),
        trusted_proxies: trusted.map(str::to_owned),
        ..Default::default()
    })
    .await
}

async fn get_from(app: &TestApp, path: &str, forwarded_for: &str) -> reqwest::Response {
    browser()
        .get(app.url(path))
        .header("x-forwarded-for", forwarded_for)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_over_its_limit_gets_429_with_retry_after_as_html_or_json() {
    let app = limited_app(5, None).await;
    for _ in 0..5 {
        assert_eq!(app.get("/logout").await.status(), 200);
    }

    let page = get_from(&app, "/logout", "198.51.100.1").await;
    assert_eq!(
        page.status(),
        429,
        "X-Forwarded-For from an untrusted peer changes nothing"
    );
    assert!(header(&page, "retry-after").parse::<u64>().unwrap() >= 1);
    assert!(header(&page, "content-type").starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("Too many requests"));

    let token = app.client.post(app.url("/token")).send().await.unwrap();
    assert_eq!(token.status(), 429);
    assert!(header(&token, "retry-after").parse::<u64>().unwrap() >= 1);
    let body: serde_json::Value = token.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");

    for path in [
        "/authorize",
        "/login",
        "/userStatus.json",
        "/signout",
        "/api/login",
    ] {
        assert_eq!(app.get(path).await.status(), 429, "{path}");
    }
    for path in [
        "/.well-known/openid-configuration",
        "/jwks.json",
        "/healthz",
    ] {
        assert_eq!(app.get(path).await.status(), 200, "{path} is never limited");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit_and_ipv6_counts_by_slash_64() {
    let app = limited_app(3, Some("127.0.0.1/32")).await;
    for _ in 0..3 {
        assert_eq!(get_from(&app, "/logout", "203.0.113.7").await.status(), 200);
    }
    assert_eq!(get_from(&app, "/logout", "203.0.113.7").await.status(), 429);
    assert_eq!(get_from(&app, "/logout", "203.0.113.8").await.status(), 200);
    // A forged leftmost entry does not help: the proxy's own entry counts.
    assert_eq!(
        get_from(&app, "/logout", "192.0.2.99, 203.0.113.7")
            .await
            .status(),
        429
    );

    for i in 0..3 {
        let addr = format!("2001:db8:aa:bb::{i:x}");
        assert_eq!(get_from(&app, "/logout", &addr).await.status(), 200);
    }
    assert_eq!(
        get_from(&app, "/logout", "2001:db8:aa:bb:ffff::1")
            .await
            .status(),
        429,
        "the same /64"
    );
    assert_eq!(
        get_from(&app, "/logout", "2001:db8:aa:bc::1")
            .await
            .status(),
        200
    );
}

/// Posts the login form from `addr` (behind the trusted proxy) in `client`.
async fn login_from(
    app: &TestApp,
    client: &reqwest::Client,
    addr: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let html = client
        .get(app.url("/login"))
        .header("x-forwarded-for", addr)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = form_field(&html, "csrf");
    client
        .post(app.url("/api/login"))
        .header("accept", "text/html")
        .header("x-forwarded-for", addr)
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap()
}

async fn failed_logins(app: &TestApp) -> Vec<(Option<String>, String)> {
    sqlx::query_as("SELECT actor, detail FROM audit_events WHERE action = 'login.failed'")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_concurrent_guesses_check_no_more_passwords_than_the_free_allowance() {
    let app = Arc::new(limited_app(0, None).await);
    let client = Browser::new(&app);
    let csrf = client.csrf_on("/login").await;

    let guesses: Vec<_> = (0..40)
        .map(|i| {
            let (app, client, csrf) = (app.clone(), client.clone(), csrf.clone());
            tokio::spawn(async move {
                let response = client
                    .post(app.url("/api/login"))
                    .header("accept", "text/html")
                    .form(&[
                        ("username", demo::USER),
                        ("password", &format!("guess-{i}")),
                        ("csrf", &csrf),
                    ])
                    .send()
                    .await
                    .unwrap();
                response.status()
            })
        })
        .collect();
    for guess in guesses {
        let status = guess.await.unwrap();
        assert!(status.is_redirection() || status == 503, "{status}");
    }

    let checked = failed_logins(&app).await.len();
    assert!(checked > 0);
    assert!(
        checked <= FREE_PER_USER_AT_ADDR as usize,
        "{checked} passwords were checked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_from_one_address_do_not_stop_the_real_user_from_another() {
    let app = limited_app(0, Some("127.0.0.1/32")).await;
    let attacker = Browser::new(&app);
    for _ in 0..10 {
        login_from(&app, &attacker, "203.0.113.66", demo::USER, "wrong guess").await;
    }
    let refused = login_from(&app, &attacker, "203.0.113.66", demo::USER, demo::PASSWORD).await;
    assert_eq!(
        location(&refused).query(),
        Some("error=throttled"),
        "the attacker's address waits, even with the right password"
    );

    let user = Browser::new(&app);
    let signed_in = login_from(&app, &user, "198.51.100.2", demo::USER, demo::PASSWORD).await;
    assert_eq!(location(&signed_in).path(), "/", "the real user signs in");

    let (actor, detail) = failed_logins(&app).await.remove(0);
    assert_eq!(actor, None, "a failed login has an anonymous actor");
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(
        detail["username"],
        demo::USER,
        "the name tried is in the detail"
    );
}

fn ip(s: &str) -> std::net::IpAddr {
    s.parse().unwrap()
}

/// The throttle's counts live in the database, where a transaction locks
/// them: 40 reservations at once for one username and address, none of
/// them finished, get exactly the free allowance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reservations_made_at_once_pass_exactly_the_free_allowance() {
    let app = limited_app(0, None).await;
    let now = now_ms();
    let tries: Vec<_> = (0..40)
        .map(|_| {
            let throttle = app.state().throttle.clone();
            tokio::spawn(async move { throttle.reserve("alice", ip("192.0.2.1"), now).await })
        })
        .collect();
    let mut passed = Vec::new();
    for attempt in tries {
        if let Reserved::Yes(reservation) = attempt.await.unwrap().unwrap() {
            passed.push(reservation);
        }
    }
    assert_eq!(passed.len(), FREE_PER_USER_AT_ADDR as usize);
    match app
        .state()
        .throttle
        .reserve("alice", ip("192.0.2.1"), now)
        .await
        .unwrap()
    {
        Reserved::Wait(wait) => assert_eq!(wait, std::time::Duration::from_secs(2)),
        Reserved::Yes(_) => panic!("over the allowance"),
    }
}

/// A success forgets the user's failures at that address and gives the
/// address its attempt back; an attempt never checked (released) does not
/// count; one address guessing many usernames is throttled as a whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successes_and_released_attempts_give_attempts_back_and_the_address_counts_as_a_whole() {
    let app = limited_app(0, None).await;
    let throttle = &app.state().throttle;
    let (at, now) = (ip("192.0.2.1"), now_ms());
    let reserve = |name: &'static str, addr| async move {
        match throttle.reserve(name, addr, now).await.unwrap() {
            Reserved::Yes(reservation) => Some(reservation),
            Reserved::Wait(_) => None,
        }
    };
    for _ in 0..FREE_PER_USER_AT_ADDR - 1 {
        let _failed = reserve("Alice", at).await.expect("a free attempt");
    }
    throttle
        .succeeded(reserve("alice", at).await.unwrap())
        .await
        .unwrap();
    for _ in 0..FREE_PER_USER_AT_ADDR {
        let _failed = reserve("ALICE", at)
            .await
            .expect("a fresh allowance after a success");
    }
    assert!(reserve("alice", at).await.is_none());

    for _ in 0..10 {
        let reservation = reserve("bob", at)
            .await
            .expect("released attempts do not count");
        throttle.release(reservation).await.unwrap();
    }

    // The address has used FREE_PER_USER_AT_ADDR - 1 + FREE_PER_USER_AT_ADDR.
    let used = 2 * FREE_PER_USER_AT_ADDR - 1;
    let names = [
        "u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10", "u11",
    ];
    for name in names.iter().take((FREE_PER_ADDR - used) as usize) {
        let _failed = reserve(name, at)
            .await
            .expect("within the address's allowance");
    }
    assert!(
        reserve("someone-else", at).await.is_none(),
        "the address waits"
    );
    assert!(reserve("someone-else", ip("192.0.2.8")).await.is_some());
}

/// Throttle counts are purged once out of their window: failed logins from
/// many addresses leave nothing behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttle_counts_out_of_their_window_are_purged() {
    let app = limited_app(0, None).await;
    for i in 0..50 {
        let addr = ip(&format!("198.51.100.{i}"));
        let _failed = app
            .state()
            .throttle
            .reserve("mallory", addr, now_ms())
            .await
            .unwrap();
    }
    let count = || async {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM login_throttle")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        n
    };
    assert_eq!(count().await, 100, "a count per address and per user at it");
    let purged = signoff::server::maintenance::purge_expired(app.state(), now())
        .await
        .unwrap();
    assert_eq!(
        (purged.throttle_keys, count().await),
        (0, 100),
        "still in the window"
    );
    let later = now() + WINDOW.as_secs() as i64 + 1;
    let purged = signoff::server::maintenance::purge_expired(app.state(), later)
        .await
        .unwrap();
    assert_eq!((purged.throttle_keys, count().await), (100, 0));
}

/// The database's size in bytes: its pages, including those the WAL holds.
async fn database_bytes(app: &TestApp) -> i64 {
    if crate::helpers::on_postgres() {
        // Its tables and indexes as they hold live rows. Rows a request
        // inserted and a purge deleted leave dead versions until (auto)vacuum
        // makes their space reusable, a bounded amount SQLite's free list
        // also keeps; VACUUM FULL rewrites the tables without them, so what
        // is measured is what the flood left.
        sqlx::query("VACUUM FULL").execute(&app.pool).await.unwrap();
        let (bytes,): (i64,) = sqlx::query_as(
            "SELECT CAST(SUM(pg_total_relation_size(c.oid)) AS BIGINT) FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        return bytes;
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&app.pool)
        .await
        .unwrap();
    let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (size,): (i64,) = sqlx::query_as("PRAGMA page_size")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    pages * size
}

async fn rows_per_table(app: &TestApp) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    for table in [
        "browser_sessions",
        "logout_requests",
        "audit_events",
        "op_sessions",
        "authorization_codes",
        "frontchannel_pages",
        "login_throttle",
    ] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&app.pool)
            .await
            .unwrap();
        counts.push((table.to_owned(), n));
    }
    counts
}

/// 5,000 anonymous requests to each path that used to write: with the
/// default rate limit (most are refused) and without any limit (every one is
/// served), the database grows by less than 1 MB and, after the purge,
/// holds no row the flood left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_anonymous_requests_leaves_the_database_as_it_was() {
    for limit in [signoff::server::config::DEFAULT_RATE_LIMIT, 0] {
        let app = Arc::new(limited_app(limit, None).await);
        let rows_before = rows_per_table(&app).await;
        let bytes_before = database_bytes(&app).await;
        let hint = "eyJhbGciOiJSUzI1NiJ9.".to_owned() + &"x".repeat(900);
        let authorize = app.authorize_path(&[("state", &"s".repeat(2048))]);
        let flood =
            |make: Arc<dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync>| {
                let tasks: Vec<_> = (0..8)
                    .map(|_| {
                        let make = make.clone();
                        tokio::spawn(async move {
                            let client = browser();
                            for _ in 0..625 {
                                let status = make(&client).send().await.unwrap().status();
                                assert!(status.as_u16() < 500, "{status}");
                            }
                        })
                    })
                    .collect();
                async move {
                    for task in tasks {
                        task.await.unwrap();
                    }
                }
            };
        let (a, b, c, d) = (app.clone(), app.clone(), app.clone(), app.clone());
        let authorize_url = app.url(&authorize);
        flood(Arc::new(move |c| c.get(&authorize_url))).await;
        flood(Arc::new(move |c| c.get(a.url("/login")))).await;
        flood(Arc::new(move |c| {
            c.post(b.url("/logout")).form(&[
                ("id_token_hint", hint.as_str()),
                ("post_logout_redirect_uri", demo::POST_LOGOUT_REDIRECT_URI),
                ("state", "x"),
            ])
        }))
        .await;
        flood(Arc::new(move |client| {
            client.post(c.url("/api/logout/confirm")).form(&[
                ("csrf", "x"),
                ("request", "client_id=demo-rp"),
                ("choice", "yes"),
            ])
        }))
        .await;
        flood(Arc::new(move |client| {
            client.get(d.url("/userStatus.json?logUserOut=true"))
        }))
        .await;

        let grown = database_bytes(&app).await - bytes_before;
        println!("rate limit {limit}: the database grew by {grown} bytes");
        assert!(
            grown < 1_000_000,
            "grew by {grown} bytes with limit {limit}"
        );
        let later = now() + 2 * 24 * 3600;
        signoff::server::maintenance::purge_expired(app.state(), later)
            .await
            .unwrap();
        assert_eq!(rows_per_table(&app).await, rows_before, "limit {limit}");
    }
}

/// No page an anonymous visitor can open stores a browser session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_pages_store_no_browser_session() {
    let app = limited_app(0, None).await;
    for path in [
        "/",
        "/login",
        "/login?next=/admin",
        "/admin",
        "/admin/clients",
        "/admin/users",
        "/logout",
        "/logout?client_id=demo-rp",
        "/logout/done?outcome=signed_out",
        "/logout/frontchannel?id=nope",
        "/userStatus.json",
        "/signout",
        "/no-such-page",
    ] {
        let status = browser().get(app.url(path)).send().await.unwrap().status();
        assert!(status.as_u16() < 500, "{path}: {status}");
    }
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM browser_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}
