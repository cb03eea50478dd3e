//! The camera in the browser (see `camera`).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::CameraTrouble;
use crate::door::scanner::Door;

/// How often a frame is looked at.
const LOOK_EVERY: Duration = Duration::from_millis(200);
/// The same code read again within this many milliseconds is the same scan.
const SAME_SCAN_MS: f64 = 3000.0;
/// Frames are read at most this wide (a QR code on a phone fills much of the picture).
const MAX_WIDTH: u32 = 640;

/// The running camera: its stream and the timer that looks at its frames.
struct Running {
    stream: web_sys::MediaStream,
    timer: IntervalHandle,
}

thread_local! {
    static RUNNING: RefCell<Option<Running>> = const { RefCell::new(None) };
}

/// Keeps the camera running into `video` while `on` is true, and stops it when it turns
/// false or the page goes.
pub fn watch(door: Door, on: RwSignal<bool>, video: NodeRef<leptos::html::Video>, trouble: RwSignal<Option<CameraTrouble>>) {
    Effect::new(move |_| {
        let wanted = on.get();
        let element = video.get();
        stop();
        if let (true, Some(element)) = (wanted, element) {
            trouble.set(None);
            spawn_local(async move {
                if let Err(e) = start(door, element).await {
                    trouble.set(Some(e));
                    on.set(false);
                }
            });
        }
    });
    on_cleanup(stop);
}

fn stop() {
    if let Some(running) = RUNNING.with(|r| r.borrow_mut().take()) {
        running.timer.clear();
        for track in running.stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                track.stop();
            }
        }
    }
}

async fn start(door: Door, video: web_sys::HtmlVideoElement) -> Result<(), CameraTrouble> {
    let devices = web_sys::window().and_then(|w| w.navigator().media_devices().ok()).ok_or(CameraTrouble::Unavailable)?;
    let constraints = web_sys::MediaStreamConstraints::new();
    let wanted = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&wanted, &"facingMode".into(), &"environment".into());
    constraints.set_video(&wanted);
    constraints.set_audio(&false.into());
    let asked = devices.get_user_media_with_constraints(&constraints).map_err(|_| CameraTrouble::Unavailable)?;
    let stream: web_sys::MediaStream = JsFuture::from(asked)
        .await
        .map_err(|e| CameraTrouble::Refused(error_text(&e)))?
        .unchecked_into();
    video.set_src_object(Some(&stream));
    let _ = video.play();
    let reader = Rc::new(Reader::new());
    let last: Rc<RefCell<Option<(String, f64)>>> = Rc::default();
    let look = move || {
        let (reader, last, video) = (reader.clone(), last.clone(), video.clone());
        spawn_local(async move {
            if reader.busy.replace(true) {
                return;
            }
            let code = reader.read(&video).await;
            reader.busy.set(false);
            let Some(code) = code else { return };
            let now = js_sys::Date::now();
            let repeated = last.borrow().as_ref().is_some_and(|(c, at)| *c == code && now - at < SAME_SCAN_MS);
            *last.borrow_mut() = Some((code.clone(), now));
            // A verdict still on screen: the staff have not turned to the next ticket.
            if !repeated && door.shown.get_untracked().is_none() {
                door.check(code);
            }
        });
    };
    let timer = set_interval_with_handle(look, LOOK_EVERY).map_err(|e| CameraTrouble::Refused(error_text(&e)))?;
    stop();
    RUNNING.with(|r| *r.borrow_mut() = Some(Running { stream, timer }));
    Ok(())
}

fn error_text(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_default()
}

/// Reads a QR code from a video's current frame.
struct Reader {
    /// The browser's detector, when it has one that knows QR codes.
    detector: Option<JsValue>,
    canvas: RefCell<Option<web_sys::HtmlCanvasElement>>,
    busy: std::cell::Cell<bool>,
}

impl Reader {
    fn new() -> Reader {
        Reader { detector: browser_detector(), canvas: RefCell::new(None), busy: std::cell::Cell::new(false) }
    }

    async fn read(&self, video: &web_sys::HtmlVideoElement) -> Option<String> {
        if video.video_width() == 0 {
            return None;
        }
        match &self.detector {
            Some(detector) => detect_in_browser(detector, video).await,
            None => self.decode_in_wasm(video),
        }
    }

    fn decode_in_wasm(&self, video: &web_sys::HtmlVideoElement) -> Option<String> {
        let (w, h) = (video.video_width(), video.video_height());
        let scale = (MAX_WIDTH as f64 / w as f64).min(1.0);
        let (w, h) = (((w as f64) * scale) as u32, ((h as f64) * scale) as u32);
        let mut canvas = self.canvas.borrow_mut();
        if canvas.is_none() {
            *canvas = web_sys::window()?.document()?.create_element("canvas").ok()?.dyn_into().ok();
        }
        let canvas = canvas.as_ref()?;
        canvas.set_width(w);
        canvas.set_height(h);
        let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        ctx.draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, w as f64, h as f64).ok()?;
        let rgba = ctx.get_image_data(0.0, 0.0, w as f64, h as f64).ok()?.data();
        crate::door::qr_read::decode_rgba(&rgba, w as usize, h as usize)
    }
}

/// `new BarcodeDetector({formats: ['qr_code']})`, where the browser has it.
fn browser_detector() -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    let class = js_sys::Reflect::get(&window, &"BarcodeDetector".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"formats".into(), &js_sys::Array::of1(&"qr_code".into())).ok()?;
    js_sys::Reflect::construct(&class, &js_sys::Array::of1(&options)).ok()
}

/// `detector.detect(video)`: the first code's `rawValue`.
async fn detect_in_browser(detector: &JsValue, video: &web_sys::HtmlVideoElement) -> Option<String> {
    let detect = js_sys::Reflect::get(detector, &"detect".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    let found = detect.call1(detector, video).ok()?.dyn_into::<js_sys::Promise>().ok()?;
    let found: js_sys::Array = JsFuture::from(found).await.ok()?.dyn_into().ok()?;
    let first = found.get(0);
    js_sys::Reflect::get(&first, &"rawValue".into()).ok()?.as_string()
}
