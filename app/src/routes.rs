use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    lazy_route, path, Lazy, LazyRoute, SsrMode,
};

use crate::catalog::organizer::form_pages::{NewEventPage, OrganizerVenuesPage};
use crate::catalog::organizer::pages::OrganizerPage;
use crate::catalog::pages::{EventListPage, EventPage, HomePage};
use crate::orders::pages::{CheckoutPage, MyOrdersPage, OrderPage};
use crate::tickets::pages::{MyTicketsPage, TicketPage};
use crate::admin::AdminPage;
use crate::door::pages::{DoorEventPage, DoorListPage};
use crate::frame::{provide_unread_badge, AppHeader, Footer};
use crate::notifications::pages::{NotificationSettingsPage, NotificationsPage};
use crate::support::desk_pages::{DeskPage, DeskTicketPage};
use crate::support::pages::{MySupportPage, NewSupportTicketPage, SupportTicketPage};
use crate::i18n::{msg, provide_i18n, use_i18n};
use crate::ui::not_found::NotFound;
use crate::users::pages::{AccountPage, LoginPage, RegisterPage};
use crate::users::session_ui::provide_session;

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    let i18n = use_i18n();
    view! {
        <!DOCTYPE html>
        <html lang=i18n.locale.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#5b21b6"/>
                <meta name="description" content=i18n.t(msg::frame::DESCRIPTION)/>
                <link rel="preload" href="/icons/icon.svg" r#as="image"/>
                <link rel="manifest" href=format!("/manifest.webmanifest?lang={}", i18n.locale.code())/>
                <link rel="icon" href="/icons/icon.svg" type="image/svg+xml"/>
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
                {messages_script()}
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// A per-response nonce for Leptos' inline scripts, and the CSP that allows only those,
/// the app's own files and its WASM.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    use leptos::nonce::{provide_nonce, use_nonce};
    provide_nonce();
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The page's texts for the browser (see `i18n`).
fn messages_script() -> impl IntoView {
    #[cfg(feature = "ssr")]
    return view! { <crate::i18n::MessagesScript/> };
    #[cfg(not(feature = "ssr"))]
    ()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let i18n = provide_i18n();
    provide_session();
    provide_unread_badge();

    view! {
        <Title formatter=|text: String| if text.is_empty() { "Taquilla".to_string() } else { format!("{text} · Taquilla") }/>
        <Router>
            <a class="skip-link" href="#main">{i18n.t(msg::frame::SKIP)}</a>
            <AppHeader on_signed_in=keep_mine/>
            <main id="main" class="page">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/events/:id?") view={Lazy::<EventsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
                    <Route path=path!("/register") view={Lazy::<RegisterRoute>::new()}/>
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                    // The router's code, which every visit downloads, grows with each route,
                    // and past 16 routes the router's types nest one level deeper (about
                    // 10 KB more): an area's pages share one route, and its page is picked
                    // by the parameter (see `by_param`).
                    <Route path=path!("/admin/:section") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/:id?") view={Lazy::<OrganizerRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/checkout/:id") view={Lazy::<CheckoutRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:id?") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tickets/:id?") view={Lazy::<TicketsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/notifications/:id?") view={Lazy::<NotificationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/support/:id?") view={Lazy::<SupportRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/desk/:id?") view={Lazy::<DeskRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/door/:id?") view={Lazy::<DoorRoute>::new()}/>
                    <Route path=path!("/app-shell") view=AppShell/>
                </Routes>
            </main>
            <Footer/>
        </Router>
    }
}

/// The frame of the app with nothing in it, rendered for nobody: the service worker
/// keeps it, and answers with it a navigation to one of the user's own pages (kept on the
/// device, see `ui::mine`) while offline; the browser then draws that page itself (see
/// `frontend`).
#[component]
fn AppShell() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p id="app-shell" class="muted" role="status">{i18n.t(msg::mine::OPENING)}</p> }
}

/// The paths whose pages show the data a device keeps for its user, and open offline.
pub const KEPT_PAGES: [&str; 4] = ["/tickets", "/orders", "/notifications", "/support"];

/// Keeps the signed-in user's data on this device (see `sync`), with the code that
/// draws the pages that show it offline.
fn keep_mine(user_id: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(crate::sync::keep_mine(user_id, || {
        leptos::task::spawn_local(__preload_mount_shell());
        leptos::task::spawn_local(crate::ui::mine::__preload_kept_user());
        leptos::task::spawn_local(crate::ui::mine::__preload_may_forget());
        leptos::task::spawn_local(crate::door::device::__preload_unsent_scans());
        for path in KEPT_PAGES {
            if let Some(load) = load_page_of(path) {
                leptos::task::spawn_local(load);
            }
        }
    }));
    #[cfg(not(feature = "hydrate"))]
    let _ = user_id;
}

/// Draws the app in the browser in place of the frame the service worker answered with
/// (see [`AppShell`]): the page the address names, from what the device keeps. Its code
/// comes apart from the first visit's, fetched ahead for a signed-in user.
#[cfg(feature = "hydrate")]
#[lazy]
pub fn mount_shell() {
    if let Some(body) = document().body() {
        body.set_inner_html("");
    }
    leptos::mount::mount_to_body(App);
}

/// A page whose code comes in its own WASM chunk, fetched the first time the page is shown
/// (and preloaded by the server's HTML when a visit starts on it), so that a first visit
/// downloads only what the home page needs. Its data loads inside the page, as before.
macro_rules! lazy_page {
    ($($route:ident => $page:expr;)*) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page.into_any()
            }
        }
    )*};
}

lazy_page! {
    EventsRoute => by_param(|id| match id {
        None => view! { <EventListPage/> }.into_any(),
        Some(_) => view! { <EventPage picker=crate::orders::picker::seat_picker/> }.into_any(),
    });
    LoginRoute => view! { <LoginPage/> };
    RegisterRoute => view! { <RegisterPage/> };
    AccountRoute => view! { <AccountPage/> };
    AdminRoute => view! { <AdminPage/> };
    OrganizerRoute => by_param(|section| match section.as_deref() {
        None => view! { <OrganizerPage/> }.into_any(),
        Some("venues") => view! { <OrganizerVenuesPage/> }.into_any(),
        Some("new") => view! { <NewEventPage/> }.into_any(),
        Some(_) => view! { <NotFound/> }.into_any(),
    });
    CheckoutRoute => view! { <CheckoutPage/> };
    OrdersRoute => by_param(|id| match id {
        None => view! { <MyOrdersPage/> }.into_any(),
        Some(_) => view! { <OrderPage/> }.into_any(),
    });
    TicketsRoute => by_param(|id| match id {
        None => view! { <MyTicketsPage/> }.into_any(),
        Some(_) => view! { <TicketPage/> }.into_any(),
    });
    NotificationsRoute => by_param(|section| match section.as_deref() {
        None => view! { <NotificationsPage/> }.into_any(),
        Some("settings") => view! { <NotificationSettingsPage/> }.into_any(),
        Some(_) => view! { <NotFound/> }.into_any(),
    });
    SupportRoute => by_param(|id| match id.as_deref() {
        None => view! { <MySupportPage/> }.into_any(),
        Some("new") => view! { <NewSupportTicketPage/> }.into_any(),
        Some(_) => view! { <SupportTicketPage/> }.into_any(),
    });
    DeskRoute => by_param(|id| match id {
        None => view! { <DeskPage/> }.into_any(),
        Some(_) => view! { <DeskTicketPage/> }.into_any(),
    });
    DoorRoute => by_param(|id| match id {
        None => view! { <DoorListPage/> }.into_any(),
        Some(_) => view! { <DoorEventPage/> }.into_any(),
    });
}

/// The page of an area that the route's optional `id` picks (`None` on the area's own
/// path): one route for the area's pages. Drawn again only when the parameter changes.
fn by_param(page: fn(Option<String>) -> AnyView) -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let id = Memo::new(move |_| params.read().get("id").filter(|id| !id.is_empty()));
    move || page(id.get())
}

/// Loads the chunk of the lazy page that `path` shows, if it shows one, so that the
/// browser can hydrate the server's HTML in one synchronous pass once it resolves (see
/// `frontend`); on the server it resolves at once. It follows the routes of [`App`]: a
/// test checks that every route but the home page has its entry.
pub fn load_page_of(path: &str) -> Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>> {
    fn load<T: LazyRoute>() -> Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>> {
        Some(Box::pin(T::preload()))
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["events"] | ["events", _] => load::<EventsRoute>(),
        ["login"] => load::<LoginRoute>(),
        ["register"] => load::<RegisterRoute>(),
        ["account"] => load::<AccountRoute>(),
        ["admin", "users" | "events"] => load::<AdminRoute>(),
        ["organizer"] | ["organizer", _] => load::<OrganizerRoute>(),
        ["checkout", _] => load::<CheckoutRoute>(),
        ["orders"] | ["orders", _] => load::<OrdersRoute>(),
        ["tickets"] | ["tickets", _] => load::<TicketsRoute>(),
        ["notifications"] | ["notifications", _] => load::<NotificationsRoute>(),
        ["support"] | ["support", _] => load::<SupportRoute>(),
        ["desk"] | ["desk", _] => load::<DeskRoute>(),
        ["door"] | ["door", _] => load::<DoorRoute>(),
        _ => None,
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[tokio::test]
    async fn every_lazy_route_has_its_chunk_loaded_before_hydration() {
        let routes = leptos_axum::generate_route_list(super::App);
        assert!(routes.len() > 10, "{} routes", routes.len());
        for route in &routes {
            let path = route.path();
            let example = path.replace(":id", "0b6e1c1e-6a47-4f0e-9d0e-2f1d3c4b5a69").replace(":section", "users").replace("{section}", "users");
            // The home page and the app's empty frame come with the first visit's code.
            let in_main = path == "/" || path.is_empty() || path == "/app-shell";
            assert_eq!(super::load_page_of(&example).is_some(), !in_main, "route {path}");
        }
    }
}
