//! Sign-in, registration and account pages.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::i18n::{msg, use_i18n};
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
    let i18n = use_i18n();
    view! {
        <PageTitle text=i18n.t(msg::users::LOG_IN)/>
        <section class="auth-card card">
            <h1>{i18n.t(msg::users::LOG_IN)}</h1>
            {move || if registered() {
                view! {
                    <p class="notice notice-success" role="status">
                        {i18n.t(msg::users::REGISTERED_THANKS)}
                        {i18n.t(msg::users::REGISTERED_EXISTING)}
                    </p>
                }.into_any()
            } else {
                view! { <p class="muted">{i18n.t(msg::users::WELCOME_BACK)}</p> }.into_any()
            }}
            <ActionForm action=login>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="login-email">{i18n.t(msg::users::EMAIL)}</label>
                    <input id="login-email" type="email" name="email" autocomplete="email" required/>
                </div>
                <div class="field">
                    <label for="login-password">{i18n.t(msg::users::PASSWORD)}</label>
                    <input id="login-password" type="password" name="password" autocomplete="current-password" required/>
                </div>
                {move || form_error(login.value().get()).map(|e| view! { <ErrorNotice error=e/> })}
                <button type="submit" class="btn btn-primary btn-block" disabled=pending>
                    {move || i18n.t(if pending.get() { msg::users::LOGGING_IN } else { msg::users::LOG_IN })}
                </button>
            </ActionForm>
            <p class="auth-switch">{i18n.t(msg::users::NEW_TO_TAQUILLA)} <A href="/register">{i18n.t(msg::users::CREATE_AN_ACCOUNT)}</A></p>
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
    let i18n = use_i18n();
    view! {
        <PageTitle text=i18n.t(msg::users::CREATE_AN_ACCOUNT)/>
        <section class="auth-card card">
            <h1>{i18n.t(msg::users::CREATE_AN_ACCOUNT)}</h1>
            <p class="muted">{i18n.t(msg::users::REGISTER_INTRO)}</p>
            <ActionForm action=register>
                <div class="field">
                    <label for="register-email">{i18n.t(msg::users::EMAIL)}</label>
                    <input id="register-email" type="email" name="email" autocomplete="email" required maxlength="254"/>
                    {err("email")}
                </div>
                <div class="field">
                    <label for="register-name">{i18n.t(msg::users::DISPLAY_NAME)}</label>
                    <input id="register-name" type="text" name="display_name" autocomplete="name" required maxlength="80"/>
                    {err("display_name")}
                </div>
                <div class="field">
                    <label for="register-password">{i18n.t(msg::users::PASSWORD)}</label>
                    <input id="register-password" type="password" name="password" autocomplete="new-password"
                        required minlength="8" maxlength="128" aria-describedby="register-password-hint"/>
                    <p class="hint" id="register-password-hint">{i18n.t(msg::users::PASSWORD_HINT)}</p>
                    {err("password")}
                </div>
                {move || form_error(result.get()).map(|e| view! { <ErrorNotice error=e/> })}
                <button type="submit" class="btn btn-primary btn-block" disabled=pending>{i18n.t(msg::users::CREATE_ACCOUNT)}</button>
            </ActionForm>
            <p class="auth-switch">{i18n.t(msg::users::HAVE_ACCOUNT)} <A href="/login">{i18n.t(msg::users::LOG_IN)}</A></p>
        </section>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    let i18n = use_i18n();
    view! {
        <PageTitle text=i18n.t(msg::users::MY_ACCOUNT)/>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::ui::LOADING)}</p> }>
            {move || session.user.get().map(|result| match result {
                Ok(Some(user)) => view! {
                    <section class="card account">
                        <h1>{i18n.tf(msg::users::HELLO, &[("name", &user.display_name)])}</h1>
                        <dl class="facts">
                            <dt>{i18n.t(msg::users::EMAIL)}</dt><dd>{user.email.clone()}</dd>
                            <dt>{i18n.t(msg::users::ROLE)}</dt><dd>{i18n.t(user.role.label())}</dd>
                            <dt>{i18n.t(msg::users::MEMBER_SINCE)}</dt><dd>{i18n.fmt().date(user.created_at)}</dd>
                        </dl>
                        <p><A href="/notifications/settings">{i18n.t(msg::notifications::SETTINGS)}</A></p>
                        <p><A href="/events">{i18n.t(msg::users::FIND_SOMETHING)}</A></p>
                        <p><A href="/door">{i18n.t(msg::users::DOOR)}</A></p>
                    </section>
                }.into_any(),
                Ok(None) => view! { <crate::ui::SignInPrompt/> }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
        </Suspense>
    }
}
