//! Installable-app glue: registers the service worker once the page is hydrated.

/// Registers `/sw.js` after hydration and marks the document as hydrated
/// (`<html data-hydrated>`), which end-to-end tests wait for.
pub fn register_service_worker() {
    #[cfg(feature = "hydrate")]
    leptos::prelude::Effect::new(move |_| {
        let Some(window) = web_sys::window() else { return };
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-hydrated", "true");
        }
        let container = window.navigator().service_worker();
        let _ = container.register("/sw.js");
    });
}
