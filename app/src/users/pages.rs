//! Sign-in, registration and account pages.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::ui::{field_error, form_error, ErrorNotice};
use crate::users::api::Register;
use crate::users::session_ui::use_session;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = use_session().login;
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    // Set by the sign-up form, which says the same whether or not the email was new.
    let registered = move || query.read().get("registered").is_some();
    let pending = login.pending();
    view! {
        <PageTitle text="Log in"/>
        <section class="auth-card card">
            <h1>"Log in"</h1>
            {move || if registered() {
                view! {
                    <p class="notice notice-success" role="status">
                        "Thanks for signing up. Log in with your email and password to continue. "
                        "If you already had an account with this email, use the password you chose for it."
                    </p>
                }.into_any()
            } else {
                view! { <p class="muted">"Welcome back. Your tickets are waiting."</p> }.into_any()
            }}
            <ActionForm action=login>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="login-email">"Email"</label>
                    <input id="login-email" type="email" name="email" autocomplete="email" required/>
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" type="password" name="password" autocomplete="current-password" required/>
                </div>
                {move || form_error(login.value().get()).map(|e| view! { <ErrorNotice error=e/> })}
                <button type="submit" class="btn btn-primary btn-block" disabled=pending>
                    {move || if pending.get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            <p class="auth-switch">"New to Taquilla? " <A href="/register">"Create an account"</A></p>
        </section>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    // Signing up never signs in (see `api::register`): the session stays as it is.
    let register = ServerAction::<Register>::new();
    let result = register.value();
    let pending = register.pending();
    let err = move |field: &'static str| {
        move || field_error(result.get(), field).map(|m| view! { <p class="field-error" id=format!("register-{field}-error")>{m}</p> })
    };
    view! {
        <PageTitle text="Create an account"/>
        <section class="auth-card card">
            <h1>"Create an account"</h1>
            <p class="muted">"Buy tickets, keep them on your phone, and get help when you need it."</p>
            <ActionForm action=register>
                <div class="field">
                    <label for="register-email">"Email"</label>
                    <input id="register-email" type="email" name="email" autocomplete="email" required maxlength="254"/>
                    {err("email")}
                </div>
                <div class="field">
                    <label for="register-name">"Display name"</label>
                    <input id="register-name" type="text" name="display_name" autocomplete="name" required maxlength="80"/>
                    {err("display_name")}
                </div>
                <div class="field">
                    <label for="register-password">"Password"</label>
                    <input id="register-password" type="password" name="password" autocomplete="new-password"
                        required minlength="8" maxlength="128" aria-describedby="register-password-hint"/>
                    <p class="hint" id="register-password-hint">"At least 8 characters. Long passphrases are great."</p>
                    {err("password")}
                </div>
                {move || form_error(result.get()).map(|e| view! { <ErrorNotice error=e/> })}
                <button type="submit" class="btn btn-primary btn-block" disabled=pending>"Create account"</button>
            </ActionForm>
            <p class="auth-switch">"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    view! {
        <PageTitle text="My account"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || session.user.get().map(|result| match result {
                Ok(Some(user)) => view! {
                    <section class="card account">
                        <h1>"Hello, " {user.display_name.clone()}</h1>
                        <dl class="facts">
                            <dt>"Email"</dt><dd>{user.email.clone()}</dd>
                            <dt>"Role"</dt><dd>{user.role.label()}</dd>
                            <dt>"Member since"</dt><dd>{crate::time_fmt::short_date(user.created_at)}</dd>
                        </dl>
                        <p><A href="/events">"Find something to see"</A></p>
                    </section>
                }.into_any(),
                Ok(None) => view! { <crate::ui::SignInPrompt/> }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
        </Suspense>
    }
}
