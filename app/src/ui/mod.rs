//! Pieces of page shared by every domain.

pub mod clock;
pub mod not_found;
pub mod list;
pub mod pwa;
pub mod title;

pub use list::MyListPage;
pub use title::PageTitle;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::error::AppError;

/// The message for one field, if the last submission was refused because of it.
pub fn field_error<T>(result: Option<Result<T, AppError>>, field: &str) -> Option<String> {
    match result {
        Some(Err(AppError::Validation(errors))) => errors.get(field).cloned(),
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
    view! {
        <section class="card empty">
            <h1>"Please log in"</h1>
            <p>"You need to be signed in to see this page."</p>
            <A href="/login" attr:class="btn btn-primary">"Log in"</A>
        </section>
    }
}

/// A readable error, announced to screen readers.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! { <p class="notice notice-error" role="alert">{error.user_message()}</p> }
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
    view! {
        <nav class="pager" aria-label="Pagination">
            {prev.map(|href| view! { <A href=href attr:class="btn" attr:rel="prev">"Previous page"</A> })}
            <span class="pager-status">{format!("Page {} of {}", page, total_pages.max(1))}</span>
            {next.map(|href| view! { <A href=href attr:class="btn" attr:rel="next">"Next page"</A> })}
        </nav>
    }
}
