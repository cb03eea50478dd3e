//! The frame around every page: the header with the main navigation, which follows the
//! signed-in user's role, and the footer.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use leptos::server_fn::ServerFn;

use crate::i18n::negotiate::LANGUAGE_PATH;
use crate::i18n::{msg, use_i18n, Locale};
use crate::notifications::badge::UnreadBadge;
use crate::users::api::Logout;
use crate::users::session_ui::use_session;
use crate::users::Role;

#[component]
pub fn AppHeader(
    /// Called in the browser whenever the header shows a signed-in user (with their id).
    on_signed_in: fn(String),
) -> impl IntoView {
    let session = use_session();
    let i18n = use_i18n();
    #[cfg(not(feature = "hydrate"))]
    let _ = on_signed_in;
    view! {
        <header class="site-header">
            <div class="header-inner">
                <A href="/" attr:class="brand" attr:aria-label=i18n.t(msg::frame::HOME)>
                    <img src="/icons/icon.svg" alt="" width="32" height="32"/>
                    <span>"Taquilla"</span>
                </A>
                <nav class="main-nav" aria-label=i18n.t(msg::frame::MAIN_NAV)>
                    <A href="/events">{i18n.t(msg::frame::EVENTS)}</A>
                    <Transition fallback=|| ()>
                        {move || session.user.get().map(|result| match result.ok().flatten() {
                            Some(user) => {
                                #[cfg(feature = "hydrate")]
                                on_signed_in(user.id.to_string());
                                // Help for customers, the desk for those who work it.
                                let (help, help_label) = if matches!(user.role, Role::Agent | Role::Admin) {
                                    ("/desk", msg::support::NAV_DESK)
                                } else {
                                    ("/support", msg::support::NAV_HELP)
                                };
                                view! {
                                <A href="/tickets">{i18n.t(msg::frame::MY_TICKETS)}</A>
                                <NotificationsLink/>
                                <A href=help>{i18n.t(help_label)}</A>
                                {matches!(user.role, Role::Organizer | Role::Admin).then(|| view! { <A href="/organizer">{i18n.t(msg::frame::ORGANIZER)}</A> })}
                                {(user.role == Role::Admin).then(|| view! { <A href="/admin/users">{i18n.t(msg::frame::ADMIN)}</A> })}
                                <A href="/account" attr:class="user-chip">{user.display_name.clone()}</A>
                                // A plain form (it works before the page is interactive), sent
                                // by the session's action once it is: no form decoding needed.
                                // Not while actions wait on the device, unless the user says so.
                                <form method="post" action=Logout::url() on:submit=move |ev| {
                                    ev.prevent_default();
                                    #[cfg(feature = "hydrate")]
                                    leptos::task::spawn_local(async move {
                                        let scans = crate::door::device::unsent_scans().await;
                                        if crate::ui::mine::may_forget(i18n, scans).await {
                                            session.logout.dispatch(Logout {});
                                        }
                                    });
                                    #[cfg(not(feature = "hydrate"))]
                                    session.logout.dispatch(Logout {});
                                }>
                                    <button type="submit" class="btn btn-ghost">{i18n.t(msg::frame::LOG_OUT)}</button>
                                </form>
                                }.into_any()
                            }
                            None => view! {
                                <A href="/login">{i18n.t(msg::frame::LOG_IN)}</A>
                                <A href="/register" attr:class="btn btn-primary btn-small">{i18n.t(msg::frame::SIGN_UP)}</A>
                            }.into_any(),
                        })}
                    </Transition>
                    <LanguageSwitch/>
                </nav>
            </div>
        </header>
    }
}

/// The link to the notifications, with the number of unread ones.
#[component]
fn NotificationsLink() -> impl IntoView {
    let i18n = use_i18n();
    let badge = expect_context::<UnreadBadge>();
    // Counted again as notifications come, while someone is signed in (the link is there
    // only then; a visit that never signs in never loads that code). No effect of its
    // own: one more kind of effect in the first visit's code weighs a kilobyte.
    #[cfg(feature = "hydrate")]
    {
        use crate::notifications::badge::follow_live;
        leptos::task::spawn_local(follow_live(true, badge));
        on_cleanup(move || leptos::task::spawn_local(follow_live(false, badge)));
    }
    let label = move || match badge.unread() {
        0 => i18n.t(msg::notifications::NAV).to_owned(),
        n => i18n.plural(msg::notifications::NAV_UNREAD, n, &[]),
    };
    view! {
        <A href="/notifications" attr:class="nav-notifications" attr:aria-label=label>
            {i18n.t(msg::notifications::NAV)}
            {move || match badge.unread() {
                0 => None,
                n => Some(view! { <span class="badge" aria-hidden="true">{i18n.fmt().number(n)}</span> }),
            }}
        </A>
    }
}

/// Makes the badge's count the context of every page: counted again on a login or logout.
pub fn provide_unread_badge() {
    let session = use_session();
    let badge = UnreadBadge::new(move || session.login.version().get() + session.logout.version().get());
    provide_context(badge);
}

/// The other languages, each a button of a plain form: the server remembers the choice
/// (a cookie, and the profile of a signed-in user) and sends the visitor back to the page
/// they were on, now in that language. It works before the page is interactive.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    // The router's `search` may come with or without its "?".
    let back = move || {
        let search = location.search.get();
        let query = search.trim_start_matches('?');
        if query.is_empty() { location.pathname.get() } else { format!("{}?{query}", location.pathname.get()) }
    };
    view! {
        <form method="post" action=LANGUAGE_PATH class="language-switch" aria-label=i18n.t(msg::frame::CHANGE_LANGUAGE)>
            <input type="hidden" name="back" value=back/>
            {Locale::ALL.into_iter().filter(|l| *l != i18n.locale).map(|l| view! {
                <button type="submit" name="lang" value=l.code() lang=l.code() class="btn btn-ghost btn-small">{l.native_name()}</button>
            }).collect_view()}
        </form>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="site-footer">
            <p>{i18n.t(msg::frame::FOOTER)}" "
                <a href="/api/v1/docs">{i18n.t(msg::frame::API)}</a>
            </p>
        </footer>
    }
}
