//! The frame around every page: the header with the main navigation, which follows the
//! signed-in user's role, and the footer.

use leptos::prelude::*;
use leptos_router::components::A;

use leptos::server_fn::ServerFn;

use crate::users::api::Logout;
use crate::users::session_ui::use_session;
use crate::users::Role;

#[component]
pub fn AppHeader() -> impl IntoView {
    let session = use_session();
    view! {
        <header class="site-header">
            <div class="header-inner">
                <A href="/" attr:class="brand" attr:aria-label="Taquilla home">
                    <img src="/icons/icon.svg" alt="" width="32" height="32"/>
                    <span>"Taquilla"</span>
                </A>
                <nav class="main-nav" aria-label="Main">
                    <A href="/events">"Events"</A>
                    <Transition fallback=|| ()>
                        {move || session.user.get().map(|result| match result.ok().flatten() {
                            Some(user) => view! {
                                <A href="/tickets">"My tickets"</A>
                                {matches!(user.role, Role::Organizer | Role::Admin).then(|| view! { <A href="/organizer">"Organizer"</A> })}
                                {(user.role == Role::Admin).then(|| view! { <A href="/admin/users">"Admin"</A> })}
                                <A href="/account" attr:class="user-chip">{user.display_name.clone()}</A>
                                // A plain form (it works before the page is interactive), sent
                                // by the session's action once it is: no form decoding needed.
                                <form method="post" action=Logout::url() on:submit=move |ev| {
                                    ev.prevent_default();
                                    session.logout.dispatch(Logout {});
                                }>
                                    <button type="submit" class="btn btn-ghost">"Log out"</button>
                                </form>
                            }.into_any(),
                            None => view! {
                                <A href="/login">"Log in"</A>
                                <A href="/register" attr:class="btn btn-primary btn-small">"Sign up"</A>
                            }.into_any(),
                        })}
                    </Transition>
                </nav>
            </div>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>"Taquilla — tickets for live events. "
                <a href="/api/v1/docs">"API"</a>
            </p>
        </footer>
    }
}
