//! `/account`: a signed-in user's live sessions, each with its browser, its
//! apps and "this device", and "Sign out" for one or "Sign out everywhere".
//! Every ended session goes through the termination path (its apps are told
//! on both channels, its tokens revoked); the page then says which apps were
//! told and which are still being tried. Plain forms: the same with JS off.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use super::admin::Csrf;
use crate::app::error::FnError;
use crate::i18n::{AccountTexts, Locale, account_texts};

#[cfg(feature = "ssr")]
mod ssr;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSession {
    pub sid: String,
    pub started: String,
    pub browser: String,
    pub apps: Vec<String>,
    pub this_device: bool,
}

/// What the last sign-out did, shown once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOutResult {
    pub sessions: usize,
    pub told: Vec<String>,
    pub retrying: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountData {
    pub locale: Locale,
    /// `None` when the browser is not signed in.
    pub username: Option<String>,
    pub csrf: String,
    pub sessions: Vec<AccountSession>,
    pub result: Option<SignOutResult>,
}

#[server(endpoint = "account")]
pub async fn account() -> Result<AccountData, FnError> {
    ssr::load().await
}

/// Ends one of the user's own sessions.
#[server(endpoint = "account/sign-out")]
pub async fn sign_out_session(csrf: String, sid: String) -> Result<(), FnError> {
    ssr::sign_out(csrf, Some(sid)).await
}

/// Ends every session of the user.
#[server(endpoint = "account/sign-out-everywhere")]
pub async fn sign_out_everywhere(csrf: String) -> Result<(), FnError> {
    ssr::sign_out(csrf, None).await
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| account());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                data.await.map(|data| view! { <AccountView data /> })
            })}
        </Suspense>
    }
}

fn not_signed_in(t: &'static AccountTexts) -> impl IntoView {
    view! { <p>{t.not_signed_in} " " <a href="/login?next=/account">{t.sign_in}</a></p> }
}

#[component]
fn AccountView(data: AccountData) -> impl IntoView {
    let t = account_texts(data.locale);
    let csrf = data.csrf.clone();
    let result = data.result.clone().map(|r| {
        view! {
            <div class="notice" role="status" data-testid="sign-out-result">
                <p>{t.ended_sessions} " " {r.sessions}</p>
                {(!r.told.is_empty())
                    .then(|| {
                        view! {
                            <p>{t.told}</p>
                            <ul data-testid="told">
                                {r.told.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}
                            </ul>
                        }
                    })}
                {(!r.retrying.is_empty())
                    .then(|| {
                        view! {
                            <p>{t.retrying}</p>
                            <ul data-testid="retrying">
                                {r
                                    .retrying
                                    .into_iter()
                                    .map(|a| view! { <li>{a}</li> })
                                    .collect_view()}
                            </ul>
                        }
                    })}
            </div>
        }
    });
    let body = match data.username {
        None => not_signed_in(t).into_any(),
        Some(username) => {
            let rows = data
                .sessions
                .into_iter()
                .map(|s| {
                    let label = format!("{} ({}, {})", t.sign_out, s.browser, s.started);
                    view! {
                        <tr data-this-device=s.this_device.then_some("true")>
                            <td class="nowrap">{s.started}</td>
                            <td>
                                {s.browser}
                                {s
                                    .this_device
                                    .then(|| {
                                        view! {
                                            " "
                                            <strong class="tag">{t.this_device}</strong>
                                        }
                                    })}
                            </td>
                            <td>
                                {if s.apps.is_empty() {
                                    t.no_apps.to_owned()
                                } else {
                                    s.apps.join(", ")
                                }}
                            </td>
                            <td>
                                <form method="post" action=SignOutSession::PATH class="inline">
                                    <Csrf token=csrf.clone() />
                                    <input type="hidden" name="sid" value=s.sid />
                                    <button type="submit" class="secondary small" aria-label=label>
                                        {t.sign_out}
                                    </button>
                                </form>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <p>{t.intro}</p>
                <p>
                    <strong data-testid="username">{username}</strong>
                </p>
                <table class="admin-table">
                    <thead>
                        <tr>
                            <th scope="col">{t.started}</th>
                            <th scope="col">{t.browser}</th>
                            <th scope="col">{t.apps}</th>
                            <th scope="col">
                                <span class="visually-hidden">{t.sign_out}</span>
                            </th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                <form method="post" action=SignOutEverywhere::PATH>
                    <Csrf token=csrf.clone() />
                    <button type="submit">{t.sign_out_everywhere}</button>
                </form>
            }
            .into_any()
        }
    };
    view! {
        <Title text=format!("{} · signoff", t.title) />
        <section class="card" lang=data.locale.tag() aria-labelledby="account-heading">
            <h1 id="account-heading">{t.title}</h1>
            {result}
            {body}
        </section>
    }
}
