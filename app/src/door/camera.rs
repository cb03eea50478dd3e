//! Scanning with the camera: the back camera's picture in the page, and a few times a
//! second a look for a QR code in it. The browser's own `BarcodeDetector` reads it where
//! there is one (Chrome on Android and macOS); elsewhere (Chromium on Linux and Windows,
//! Firefox, Safari) the frame is read in WASM with `rqrr` (see `qr_read`). A code read goes
//! to the door's check like a typed one; the same code is not checked again while it
//! stays in the picture.

use leptos::prelude::*;

use crate::door::scanner::Door;

/// Why the camera does not scan, for the page.
#[derive(Debug, Clone, PartialEq)]
pub enum CameraTrouble {
    /// No camera API (an old browser, or a page not served over https).
    Unavailable,
    /// The user or the system refused, or there is no camera: the browser's words.
    Refused(String),
}

/// Keeps the camera scanning into `video` while `on`; nothing on the server.
pub fn watch(door: Door, on: RwSignal<bool>, video: NodeRef<leptos::html::Video>, trouble: RwSignal<Option<CameraTrouble>>) {
    #[cfg(feature = "hydrate")]
    browser::watch(door, on, video, trouble);
    #[cfg(not(feature = "hydrate"))]
    let _ = (door, on, video, trouble);
}

#[cfg(feature = "hydrate")]
#[path = "camera_browser.rs"]
mod browser;
