//! The browser entry point: hydrates the server-rendered page.
//!
//! Most pages' code comes in WASM chunks of their own (see `app::load_page_of`). The chunk of
//! the page the visit starts on is loaded first (the server's HTML already asked for it
//! to be preloaded), then the page hydrates in one synchronous pass, is marked as
//! hydrated and the service worker is registered. A user's own page opened offline comes
//! as the app's empty frame from the service worker, and is drawn here instead.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // A panic's message in the console. It costs nothing on the first download: without a
    // hook, std's default one stays in the WASM instead, and weighs more (measured: the
    // main module 16 KB larger on the wire).
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
        if let Some(load) = app::load_page_of(&path) {
            load.await;
        }
        if app::ui::pwa::is_kept_frame(&path) {
            // Offline, one of the user's own pages: drawn here from what the device keeps.
            app::mount_shell().await;
        } else {
            leptos::mount::hydrate_body(app::App);
        }
        app::ui::pwa::hydrated();
    });
}

/// Room for the WASM splitter. It gives each module the read-only data its code uses,
/// every piece at its alignment; when the pieces, so aligned, add up to more than the
/// segment they came from, it gives up and keeps the whole segment in the main module:
/// every page's static data on the first visit (measured: 268 KB on the wire instead of
/// 249 KB, the pieces 476 bytes too long). No code reads these bytes, so no module gets
/// them, and the segment has this much to spare.
#[used]
static SPLIT_SLACK: [u8; 8192] = [0x5a; 8192];
