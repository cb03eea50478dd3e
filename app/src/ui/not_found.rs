//! The not-found page, shown for an unknown path and for an object that is not there (or
//! not the visitor's).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{msg, use_i18n};
use crate::ui::PageTitle;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <PageTitle text=i18n.t(msg::ui::NOT_FOUND_TITLE)/>
        <section class="card empty">
            <h1>{i18n.t(msg::ui::NOT_FOUND_HEADING)}</h1>
            <p>{i18n.t(msg::ui::NOT_FOUND_TEXT)}</p>
            <A href="/events" attr:class="btn btn-primary">{i18n.t(msg::ui::BROWSE_EVENTS)}</A>
        </section>
    }
}
