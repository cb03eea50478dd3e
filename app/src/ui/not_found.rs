//! The not-found page, shown for an unknown path and for an object that is not there (or
//! not the visitor's).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::ui::PageTitle;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <PageTitle text="Not found"/>
        <section class="card empty">
            <h1>"Page not found"</h1>
            <p>"We could not find that page. It may have moved, or the link may be wrong."</p>
            <A href="/events" attr:class="btn btn-primary">"Browse events"</A>
        </section>
    }
}
