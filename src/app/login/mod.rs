//! The sign-in page and its server functions.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::error::FnError;

#[cfg(feature = "ssr")]
mod ssr;

/// The CSRF token for the login form, bound to this browser's login cookie.
#[server]
pub async fn login_form_token() -> Result<String, FnError> {
    ssr::login_form_token().await
}

/// Signs in. Always answers with a redirect, so it works as a plain form POST:
/// on success to the pending authorization request (or home), on failure back
/// to the login page with a generic error.
#[server(endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    csrf: String,
    request: Option<String>,
    #[server(default)] next: Option<String>,
) -> Result<(), FnError> {
    let target = ssr::sign_in(username, password, csrf, request, next).await?;
    crate::server::respond::Redirect::see_other(&target).apply();
    Ok(())
}

fn error_message(code: &str) -> &'static str {
    match code {
        "throttled" => "Too many failed attempts. Wait a few minutes, then try again.",
        "expired" => "This form had expired. Please sign in again.",
        _ => "The username or password is incorrect.",
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let request = query.read_untracked().get("request");
    let next = query.read_untracked().get("next");
    let error = query
        .read_untracked()
        .get("error")
        .map(|code| error_message(&code));
    let token = Resource::new(|| (), |_| login_form_token());

    view! {
        <Title text="Sign in · signoff" />
        <section class="card narrow" aria-labelledby="login-heading">
            <h1 id="login-heading">"Sign in"</h1>
            {error
                .map(|message| {
                    view! {
                        <p class="error" role="alert">
                            {message}
                        </p>
                    }
                })}
            <Suspense fallback=|| ()>
                {move || {
                    let request = request.clone();
                    let next = next.clone();
                    Suspend::new(async move {
                        token
                            .await
                            .map(|csrf| {
                                view! {
                                    <form method="post" action=Login::PATH class="stack">
                                        <input type="hidden" name="csrf" value=csrf />
                                        {request
                                            .map(|r| {
                                                view! { <input type="hidden" name="request" value=r /> }
                                            })}
                                        {next
                                            .map(|n| {
                                                view! { <input type="hidden" name="next" value=n /> }
                                            })}
                                        <label for="username">"Username"</label>
                                        <input
                                            id="username"
                                            name="username"
                                            autocomplete="username"
                                            required
                                            maxlength="64"
                                            autofocus
                                        />
                                        <label for="password">"Password"</label>
                                        <PasswordInput />
                                        <button type="submit">"Sign in"</button>
                                    </form>
                                }
                            })
                    })
                }}
            </Suspense>
        </section>
    }
}

/// The password field; once hydrated it gains a Show/Hide toggle.
#[island]
fn PasswordInput() -> impl IntoView {
    let visible = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <div class="password-row">
            <input
                id="password"
                name="password"
                type=move || if visible.get() { "text" } else { "password" }
                autocomplete="current-password"
                required
                maxlength="1024"
            />
            <button
                type="button"
                class="secondary"
                hidden=move || !hydrated.get()
                aria-pressed=move || visible.get().to_string()
                on:click=move |_| visible.update(|v| *v = !*v)
            >
                {move || if visible.get() { "Hide" } else { "Show" }}
            </button>
        </div>
    }
}
