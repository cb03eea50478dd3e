//! Installable-app glue: registers the service worker once the page is hydrated.

/// Called by the browser entry point once the whole page is hydrated (its lazy chunk
/// included): marks the document (`<html data-hydrated>`, which end-to-end tests wait
/// for) and registers `/sw.js`.
#[cfg(feature = "hydrate")]
pub fn hydrated() {
    let Some(window) = web_sys::window() else { return };
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-hydrated", "true");
    }
    let _ = window.navigator().service_worker().register("/sw.js");
}

/// Whether the page is the app's empty frame, which the service worker answers an
/// offline navigation to one of the user's kept pages with: the browser draws the page
/// the address names instead of hydrating the frame.
#[cfg(feature = "hydrate")]
pub fn is_kept_frame(path: &str) -> bool {
    path != "/app-shell" && web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app-shell")).is_some()
}

/// Asks the service worker to drop its copies of visited pages (they may show the
/// signed-in user's data). Called after logout.
pub fn forget_cached_pages() {
    #[cfg(feature = "hydrate")]
    {
        let Some(window) = web_sys::window() else { return };
        let Some(worker) = window.navigator().service_worker().controller() else { return };
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"CLEAR_PAGES".into());
        let _ = worker.post_message(&message);
    }
}
