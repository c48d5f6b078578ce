//! A small, seeded fuzz run over HTTP: random and mutated requests against
//! every protocol endpoint and the sign-in and sign-out forms, from a
//! signed-in browser and an anonymous one. No 5xx, no panic, no hang.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use signoff::server::commands::demo;

use crate::helpers::{Browser, CHALLENGE, POST_LOGOUT, TestApp, spawn_app};

/// Valid requests, to be mutated: (method, path, query or form).
fn seeds(app: &TestApp, hint: &str) -> Vec<(reqwest::Method, &'static str, String)> {
    use reqwest::Method;
    let form = |pairs: &[(&str, &str)]| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    let authorize = app.authorize_path(&[]);
    let authorize_query = authorize.split_once('?').unwrap().1.to_owned();
    vec![
        (Method::GET, "/authorize", authorize_query),
        (
            Method::GET,
            "/logout",
            form(&[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", POST_LOGOUT),
                ("state", "s"),
                ("client_id", demo::CLIENT_ID),
                ("ui_locales", "de fr"),
            ]),
        ),
        (
            Method::POST,
            "/logout",
            form(&[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", POST_LOGOUT),
            ]),
        ),
        (
            Method::POST,
            "/token",
            form(&[
                ("grant_type", "authorization_code"),
                ("code", "abc"),
                ("redirect_uri", demo::REDIRECT_URIS[0]),
                ("code_verifier", CHALLENGE),
                ("client_id", demo::PUBLIC_CLIENT_ID),
            ]),
        ),
        (
            Method::POST,
            "/revoke",
            form(&[
                ("token", "abc"),
                ("token_type_hint", "access_token"),
                ("client_id", demo::PUBLIC_CLIENT_ID),
            ]),
        ),
        (
            Method::POST,
            "/introspect",
            form(&[
                ("token", "abc"),
                ("client_id", demo::CLIENT_ID),
                ("client_secret", demo::CLIENT_SECRET),
            ]),
        ),
        (
            Method::GET,
            "/userStatus.json",
            form(&[("callback", "cb_1")]),
        ),
        (
            Method::GET,
            "/authorize/continue",
            form(&[("request", "a.b")]),
        ),
        (
            Method::GET,
            "/login",
            form(&[("request", "a.b"), ("next", "/admin")]),
        ),
        (
            Method::POST,
            "/api/login",
            form(&[("username", "demo"), ("password", "x"), ("csrf", "y")]),
        ),
        (
            Method::POST,
            "/api/logout/confirm",
            form(&[
                ("csrf", "x"),
                ("request", "client_id=demo-rp"),
                ("choice", "no"),
            ]),
        ),
        (
            Method::GET,
            "/logout/done",
            form(&[("outcome", "still_signed_in"), ("lang", "fr")]),
        ),
        (Method::GET, "/logout/frontchannel", form(&[("id", "nope")])),
        (
            Method::POST,
            "/token",
            form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "abc"),
                ("scope", "openid profile"),
                ("client_id", demo::CLIENT_ID),
                ("client_secret", demo::CLIENT_SECRET),
            ]),
        ),
        (Method::GET, "/consent", form(&[("request", "a.b")])),
        (
            Method::POST,
            "/consent",
            form(&[("request", "a.b"), ("decision", "allow")]),
        ),
        (Method::GET, "/account", form(&[("result", "a.b")])),
        (
            Method::POST,
            "/api/account/sign-out",
            form(&[("csrf", "x"), ("sid", "y")]),
        ),
        (
            Method::POST,
            "/api/account/sign-out-everywhere",
            form(&[("csrf", "x")]),
        ),
        (
            Method::POST,
            "/api/logout/confirm-live",
            form(&[("csrf", "x"), ("request", "client_id=demo-rp")]),
        ),
        (
            Method::POST,
            "/api/logout/frontchannel-report",
            form(&[("report", "a.b"), ("outcomes", "sent,no_answer")]),
        ),
    ]
}

fn mutate(rng: &mut StdRng, text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.gen_range(1..4) {
        let at = rng.gen_range(0..=bytes.len());
        match rng.gen_range(0..7) {
            0 => bytes.truncate(at),
            1 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] = rng.r#gen();
            }
            2 => bytes
                .splice(at..at, b"%zz%00%ff&=&&".iter().copied())
                .for_each(drop),
            3 => {
                let copy = bytes.clone();
                bytes.push(b'&');
                bytes.extend(copy);
            }
            4 => bytes
                .splice(at..at, vec![b'A'; rng.gen_range(1..9000)])
                .for_each(drop),
            5 => bytes
                .splice(at..at, "é\u{0}💥<script>".bytes())
                .for_each(drop),
            _ => bytes.retain(|_| rng.gen_bool(0.9)),
        }
    }
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_requests_to_every_endpoint_never_get_a_5xx() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;
    let anonymous = Browser::new(&app);
    let mut rng = StdRng::seed_from_u64(0x0516_00FF);
    for (method, path, seed) in seeds(&app, &hint) {
        for round in 0..60 {
            let mutated = mutate(&mut rng, &seed);
            let client = if round % 2 == 0 {
                &app.client
            } else {
                &anonymous
            };
            let request = if method == reqwest::Method::GET {
                // A query must be a valid URI: percent-encode what is not.
                let query: String = mutated
                    .iter()
                    .map(|b| match b {
                        b'!'..=b'~' if *b != b'#' => (*b as char).to_string(),
                        _ => format!("%{b:02X}"),
                    })
                    .collect();
                client.get(format!("{}?{query}", app.url(path)))
            } else {
                client
                    .post(app.url(path))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(mutated.clone())
            };
            let accept = if round % 3 == 0 { "text/html" } else { "*/*" };
            let response = request.header("accept", accept).send().await.unwrap();
            let status = response.status();
            assert!(
                !status.is_server_error(),
                "{method} {path} with {:?} got {status}",
                String::from_utf8_lossy(&mutated)
            );
        }
    }
    assert!(app.get("/healthz").await.status().is_success());
}
