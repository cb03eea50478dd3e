//! The administration pages that look across the domains: the event log (the audit
//! domain's events with every consumer's receipts). Accounts are administered in `users`.

pub mod api;
pub mod event_log;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::ui::not_found::NotFound;

/// `/admin/users` and `/admin/events`: one route, whose page is picked by its section.
#[component]
pub fn AdminPage() -> impl IntoView {
    let params = use_params_map();
    move || match params.read().get("section").as_deref() {
        Some("users") => view! { <crate::users::admin_pages::AdminUsersPage/> }.into_any(),
        Some("events") => view! { <event_log::EventLogPage/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}
