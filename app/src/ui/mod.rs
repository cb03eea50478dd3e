//! Pieces of page shared by every domain.

pub mod clock;
pub mod codec;
#[cfg(feature = "ssr")]
pub mod gzip;
#[cfg(feature = "ssr")]
pub mod kept;
pub mod not_found;
pub mod online;
pub mod list;
#[cfg(feature = "hydrate")]
pub mod idb;
pub mod mine;
pub mod pwa;
pub mod stream;
pub mod title;

pub use list::MyListPage;
pub use online::NeedsConnection;
pub use title::PageTitle;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::error::AppError;
use crate::i18n::{msg, use_i18n};

/// The message for one field, if the last submission was refused because of it.
pub fn field_error<T>(result: Option<Result<T, AppError>>, field: &str) -> Option<String> {
    match result {
        Some(Err(AppError::Validation(errors))) => errors.get(field).map(|text| use_i18n().text(text)),
        _ => None,
    }
}

/// A non-field error of the last submission, to show above the button.
pub fn form_error<T>(result: Option<Result<T, AppError>>) -> Option<AppError> {
    match result {
        Some(Err(AppError::Validation(_))) | None | Some(Ok(_)) => None,
        Some(Err(e)) => Some(e),
    }
}

/// What a page shows when loading its data failed: the sign-in prompt when nobody is
/// signed in, the not-found page for an unknown (or someone else's) object, otherwise the
/// error itself.
#[component]
pub fn Failure(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthorized => view! { <SignInPrompt/> }.into_any(),
        AppError::NotFound => view! { <not_found::NotFound/> }.into_any(),
        e => view! { <ErrorNotice error=e/> }.into_any(),
    }
}

/// Shown where a page needs a signed-in user.
#[component]
pub fn SignInPrompt() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card empty">
            <h1>{i18n.t(msg::ui::SIGN_IN_TITLE)}</h1>
            <p>{i18n.t(msg::ui::SIGN_IN_TEXT)}</p>
            <A href="/login" attr:class="btn btn-primary">{i18n.t(msg::ui::LOG_IN)}</A>
        </section>
    }
}

/// A readable error, announced to screen readers.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! { <p class="notice notice-error" role="alert">{error.user_message(use_i18n())}</p> }
}

/// Previous/next links that keep the other query parameters of `base`.
#[component]
pub fn Pager(
    /// The path plus query string without `page`, e.g. `/events?q=jazz`.
    base: String,
    page: i64,
    total_pages: i64,
) -> impl IntoView {
    let sep = if base.contains('?') { '&' } else { '?' };
    let link = move |p: i64| format!("{base}{sep}page={p}");
    let prev = (page > 1).then(|| link(page - 1));
    let next = (page < total_pages).then(|| link(page + 1));
    let i18n = use_i18n();
    let status = i18n.tf(msg::ui::PAGE_OF, &[("page", &i18n.fmt().number(page)), ("pages", &i18n.fmt().number(total_pages.max(1)))]);
    view! {
        <nav class="pager" aria-label=i18n.t(msg::ui::PAGINATION)>
            {prev.map(|href| view! { <A href=href attr:class="btn" attr:rel="prev">{i18n.t(msg::ui::PREVIOUS_PAGE)}</A> })}
            <span class="pager-status">{status}</span>
            {next.map(|href| view! { <A href=href attr:class="btn" attr:rel="next">{i18n.t(msg::ui::NEXT_PAGE)}</A> })}
        </nav>
    }
}

/// The links between the administration pages.
#[component]
pub fn AdminNav() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="tabs admin-nav" aria-label=i18n.t(msg::admin::ADMIN_SECTIONS)>
            <A href="/admin/users">{i18n.t(msg::admin::USERS)}</A>
            <A href="/admin/events">{i18n.t(msg::admin::EVENT_LOG)}</A>
        </nav>
    }
}
