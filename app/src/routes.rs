use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::catalog::organizer::form_pages::{NewEventPage, OrganizerVenuesPage};
use crate::catalog::organizer::pages::OrganizerPage;
use crate::catalog::pages::{EventListPage, EventPage, HomePage};
use crate::orders::pages::{CheckoutPage, MyOrdersPage, OrderPage};
use crate::tickets::pages::{MyTicketsPage, TicketPage};
use crate::frame::{AppHeader, Footer};
use crate::ui::not_found::NotFound;
use crate::users::admin_pages::AdminUsersPage;
use crate::users::pages::{AccountPage, LoginPage, RegisterPage};
use crate::users::session_ui::provide_session;

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#5b21b6"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="icon" href="/icons/icon.svg" type="image/svg+xml"/>
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_session();
    crate::ui::pwa::register_service_worker();

    view! {
        <Title formatter=|text: String| if text.is_empty() { "Taquilla".to_string() } else { format!("{text} · Taquilla") }/>
        <Meta name="description" content="Tickets for concerts, theatre, sport and more."/>
        <Link rel="preload" href="/icons/icon.svg" as_="image"/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <AppHeader/>
            <main id="main" class="page">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/events") view=EventListPage ssr=SsrMode::Async/>
                    <Route path=path!("/events/:id") view=|| view! { <EventPage picker=crate::orders::picker::seat_picker/> } ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/register") view=RegisterPage/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer") view=OrganizerPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/venues") view=OrganizerVenuesPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/events/new") view=NewEventPage ssr=SsrMode::Async/>
                    <Route path=path!("/checkout/:id") view=CheckoutPage ssr=SsrMode::Async/>
                    <Route path=path!("/orders") view=MyOrdersPage ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:id") view=OrderPage ssr=SsrMode::Async/>
                    <Route path=path!("/tickets") view=MyTicketsPage ssr=SsrMode::Async/>
                    <Route path=path!("/tickets/:id") view=TicketPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <Footer/>
        </Router>
    }
}
