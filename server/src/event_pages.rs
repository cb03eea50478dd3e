//! Event pages as they are sent. Every buyer of an on-sale reloads the event's page, so
//! the page is not made afresh for each of them:
//!
//! - The page renders a placeholder where the seat map goes
//!   (`app::orders::seatmap::placeholder`); here the map drawn for that event and
//!   language, kept between changes, takes its place. A client that takes gzip gets the
//!   map already compressed.
//! - For visitors who are not signed in the whole page is the same but for its nonce (the
//!   CSP's, on its inline scripts): it is kept per path and language, compressed in
//!   pieces split where the nonce goes, and each response gets a nonce of its own. It is
//!   kept like the drawings (`app::ui::kept`): made anew once a seat change is heard of
//!   (any event's: the path does not say which event it shows before it is rendered), 30
//!   s at most. Signed-in visitors' pages name them and are rendered for each request.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, response, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

use app::i18n::{msg, I18n, Locale};
use app::orders::seatmap::fragment::Drawing;
use app::orders::seatmap::{parse_placeholder, PLACEHOLDER_END, PLACEHOLDER_START};
use app::state::AppState;
use app::ui::gzip::{gzip, Part, Piece};
use app::ui::kept::{lock, Slots};
use app::ui::title::escape_html;

/// The largest page read whole to find its placeholder.
const MOST_PAGE_BYTES: usize = 8 << 20;
/// Pages kept at most (paths × languages); the one kept longest ago goes first.
const PAGES_KEPT_AT_MOST: usize = 512;
/// How long a path whose page could not be kept (not found, an error, a cookie set) is
/// rendered for each request without waiting for the others.
const REFUSED_FOR: Duration = Duration::from_secs(1);

/// The kept pages and the seat maps they show.
#[derive(Clone)]
pub struct EventPages {
    state: AppState,
    pages: Arc<Slots<(String, Locale), Page>>,
    refused: Arc<Mutex<std::collections::HashMap<(String, Locale), Instant>>>,
}

impl EventPages {
    pub fn new(state: AppState) -> EventPages {
        EventPages { state, pages: Arc::new(Slots::new(PAGES_KEPT_AT_MOST)), refused: Arc::default() }
    }

    fn refused_lately(&self, key: &(String, Locale)) -> bool {
        lock(&self.refused).get(key).is_some_and(|at| at.elapsed() < REFUSED_FOR)
    }

    fn refuse(&self, key: (String, Locale)) {
        let mut refused = lock(&self.refused);
        if refused.len() >= PAGES_KEPT_AT_MOST {
            refused.retain(|_, at| at.elapsed() < REFUSED_FOR);
        }
        if refused.len() < PAGES_KEPT_AT_MOST {
            refused.insert(key, Instant::now());
        }
    }
}

/// Sends event pages (see the module's comment).
pub async fn put_in(State(pages): State<EventPages>, req: Request, next: Next) -> Response {
    let event_page = matches!(*req.method(), Method::GET | Method::HEAD) && req.uri().path().starts_with("/events/");
    if !event_page {
        return next.run(req).await;
    }
    let takes_gzip = accepts_gzip(req.headers());
    let state = pages.state.clone();
    let locale = req.extensions().get::<Locale>().copied();
    // (A HEAD is answered as rendered: its body, if any, is not a page to keep.)
    let key = match locale {
        Some(locale) if anonymous(req.headers()) && req.method() == Method::GET => (req.uri().path_and_query().map_or(req.uri().path(), |p| p.as_str()).to_owned(), locale),
        _ => return send_rendered(&state, next.run(req).await, takes_gzip).await,
    };
    if pages.refused_lately(&key) {
        return send_rendered(&state, next.run(req).await, takes_gzip).await;
    }
    let slot = pages.pages.of(key.clone());
    let made = slot
        .get(
            || state.seat_maps.heard(),
            || async {
                // Refused while this request waited for the one rendering it.
                if pages.refused_lately(&key) {
                    return Err(NotKept::Untried(req, next));
                }
                match read(next.run(req).await).await {
                    Ok(rendered) => match Page::of(&rendered) {
                        Some(page) => Ok(page),
                        None => {
                            pages.refuse(key.clone());
                            Err(NotKept::Rendered(Ok(rendered)))
                        }
                    },
                    Err(res) => {
                        pages.refuse(key.clone());
                        Err(NotKept::Rendered(Err(res)))
                    }
                }
            },
        )
        .await;
    match made {
        Ok(page) => page.send(&state, takes_gzip).await,
        Err(NotKept::Untried(req, next)) => send_rendered(&state, next.run(req).await, takes_gzip).await,
        Err(NotKept::Rendered(Ok(rendered))) => rendered.send(&state, takes_gzip).await,
        Err(NotKept::Rendered(Err(res))) => res,
    }
}

/// Why a page was not kept: it was not rendered (refused meanwhile), or it cannot be
/// kept (then it is sent as rendered).
enum NotKept {
    Untried(Request, Next),
    Rendered(Result<Rendered, Response>),
}

/// Not signed in: no session cookie, no bearer token.
fn anonymous(headers: &HeaderMap) -> bool {
    app::users::session::cookie_token(headers).is_none() && !headers.contains_key(header::AUTHORIZATION)
}

/// A page as rendered, read whole, and where its placeholder is.
struct Rendered {
    parts: response::Parts,
    page: Bytes,
    map: Option<(usize, usize, Uuid, Locale)>,
}

/// `res` read whole when it is an uncompressed HTML page; else `res` as it is.
async fn read(res: Response) -> Result<Rendered, Response> {
    let html = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if !html || res.headers().contains_key(header::CONTENT_ENCODING) {
        return Err(res);
    }
    let (mut parts, body) = res.into_parts();
    let page = match axum::body::to_bytes(body, MOST_PAGE_BYTES).await {
        Ok(page) => page,
        Err(e) => {
            tracing::error!(error = %e, "an event page could not be read whole");
            return Err(Response::from_parts(parts, Body::empty()));
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let map = find_placeholder(&page);
    Ok(Rendered { parts, page, map })
}

async fn send_rendered(state: &AppState, res: Response, takes_gzip: bool) -> Response {
    match read(res).await {
        Ok(rendered) => rendered.send(state, takes_gzip).await,
        Err(res) => res,
    }
}

impl Rendered {
    /// The page with its map, as rendered for this request.
    async fn send(self, state: &AppState, takes_gzip: bool) -> Response {
        let Rendered { mut parts, page, map } = self;
        let Some((start, end, event, locale)) = map else { return Response::from_parts(parts, Body::from(page)) };
        let body = with_map(state, &mut parts.headers, &[Side::text(&page[..start])], Some((event, locale)), &[Side::text(&page[end..])], takes_gzip).await;
        Response::from_parts(parts, body)
    }
}

/// A stretch of a page: its text, and the same compressed when it is kept so.
#[derive(Clone, Copy)]
struct Side<'a> {
    text: &'a [u8],
    gzip: Option<&'a Piece>,
}

impl<'a> Side<'a> {
    fn text(text: &'a [u8]) -> Side<'a> {
        Side { text, gzip: None }
    }
}

/// The body of a page: `before`, `event`'s map as drawn now (or a notice saying it cannot
/// be shown), then `after`; gzipped (and said so in `headers`) when the client takes it,
/// the kept stretches as they were compressed and the others compressed here.
async fn with_map(state: &AppState, headers: &mut HeaderMap, before: &[Side<'_>], map: Option<(Uuid, Locale)>, after: &[Side<'_>], takes_gzip: bool) -> Body {
    let map = match map {
        Some((event, locale)) => Some(the_map(state, event, locale).await),
        None => None,
    };
    let middle = match &map {
        Some(Ok(drawing)) => Some(Side { text: drawing.html.as_bytes(), gzip: Some(&drawing.gzip) }),
        Some(Err(notice)) => Some(Side::text(notice.as_bytes())),
        None => None,
    };
    let sides = before.iter().chain(&middle).chain(after);
    if takes_gzip {
        gzipped(headers);
        let parts: Vec<Part<'_>> = sides.map(|side| side.gzip.map_or(Part::Text(side.text), Part::Piece)).collect();
        Body::from(gzip(&parts))
    } else {
        let mut body = Vec::with_capacity(sides.clone().map(|side| side.text.len()).sum());
        for side in sides {
            body.extend_from_slice(side.text);
        }
        Body::from(body)
    }
}

/// The drawing of `event`'s map, or a notice saying it cannot be shown now.
async fn the_map(state: &AppState, event: Uuid, locale: Locale) -> Result<Arc<Drawing>, String> {
    state.seat_maps.drawing(&state.db, event, locale).await.map_err(|e| {
        tracing::warn!(error = %e, %event, "the seat map could not be drawn");
        format!("<p class=\"notice\" role=\"alert\">{}</p>", escape_html(I18n::new(locale).t(msg::errors::UNAVAILABLE)))
    })
}

fn gzipped(headers: &mut HeaderMap) {
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
}

/// A page kept for visitors who are not signed in: its text cut where the nonce goes,
/// before and after the map.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    /// The CSP, cut where its nonce goes.
    policy: Option<(String, String)>,
    before: Vec<Chunk>,
    map: Option<(Uuid, Locale)>,
    after: Vec<Chunk>,
}

/// Text between two nonces, and the same compressed.
struct Chunk {
    text: Bytes,
    gzip: Piece,
}

impl Page {
    /// `rendered` kept, when it is a page like every other visitor's (found, no cookie
    /// set, a nonce in its CSP if its scripts have one).
    fn of(rendered: &Rendered) -> Option<Page> {
        let headers = &rendered.parts.headers;
        if rendered.parts.status != StatusCode::OK || headers.contains_key(header::SET_COOKIE) {
            return None;
        }
        let csp = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let nonce = csp.split_once("'nonce-").and_then(|(_, rest)| rest.split_once('\'')).map(|(nonce, _)| nonce).filter(|n| n.len() >= 16);
        if nonce.is_none() && rendered.page.windows(7).any(|w| w == b"nonce=\"") {
            return None;
        }
        let policy = nonce.and_then(|n| csp.split_once(n)).map(|(a, b)| (a.to_owned(), b.to_owned()));
        let chunks = |text: &[u8]| -> Vec<Chunk> {
            let cut: Vec<&[u8]> = match nonce {
                Some(nonce) => split(text, nonce.as_bytes()),
                None => vec![text],
            };
            cut.into_iter().map(|t| Chunk { text: Bytes::copy_from_slice(t), gzip: Piece::new(t, 6) }).collect()
        };
        let page = &rendered.page;
        let (before, map, after) = match rendered.map {
            Some((start, end, event, locale)) => (chunks(&page[..start]), Some((event, locale)), chunks(&page[end..])),
            None => (chunks(page), None, Vec::new()),
        };
        let mut headers = headers.clone();
        headers.remove(header::CONTENT_SECURITY_POLICY);
        Some(Page { status: rendered.parts.status, headers, policy, before, map, after })
    }

    /// The page with a nonce of its own and the map as drawn now.
    async fn send(&self, state: &AppState, takes_gzip: bool) -> Response {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let mut res = Response::new(Body::empty());
        *res.status_mut() = self.status;
        *res.headers_mut() = self.headers.clone();
        if let Some((a, b)) = &self.policy {
            if let Ok(value) = HeaderValue::from_str(&format!("{a}{nonce}{b}")) {
                res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
            }
        }
        let (before, after) = (sides(&self.before, nonce.as_bytes()), sides(&self.after, nonce.as_bytes()));
        *res.body_mut() = with_map(state, res.headers_mut(), &before, self.map, &after, takes_gzip).await;
        res
    }
}

/// `chunks` as stretches of a page, the nonce between each two.
fn sides<'a>(chunks: &'a [Chunk], nonce: &'a [u8]) -> Vec<Side<'a>> {
    let mut sides = Vec::with_capacity(2 * chunks.len());
    for (i, chunk) in chunks.iter().enumerate() {
        if i > 0 {
            sides.push(Side::text(nonce));
        }
        sides.push(Side { text: &chunk.text, gzip: Some(&chunk.gzip) });
    }
    sides
}

/// `text` cut at every `sep` (which is left out).
fn split<'a>(text: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut cut = Vec::new();
    let mut rest = text;
    while let Some(at) = find(rest, sep) {
        cut.push(&rest[..at]);
        rest = &rest[at + sep.len()..];
    }
    cut.push(rest);
    cut
}

/// Where the page's placeholder starts and ends, and what it names.
fn find_placeholder(page: &[u8]) -> Option<(usize, usize, uuid::Uuid, Locale)> {
    let start = find(page, PLACEHOLDER_START.as_bytes())?;
    let inside = start + PLACEHOLDER_START.len();
    let len = find(&page[inside..], PLACEHOLDER_END.as_bytes())?;
    let (event, locale) = parse_placeholder(std::str::from_utf8(&page[inside..inside + len]).ok()?)?;
    Some((start, inside + len + PLACEHOLDER_END.len(), event, locale))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether the client takes gzip (`Accept-Encoding`, a q of 0 refusing it).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused = parts.any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_taken_unless_refused() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            accepts_gzip(&h)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, GZIP;q=0.5"));
        assert!(with("*"));
        assert!(!with("br"));
        assert!(!with("gzip;q=0, br"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_text_is_cut_at_every_separator() {
        assert_eq!(split(b"a-n-b-n-", b"-n-"), vec![&b"a"[..], b"b", b""]);
        assert_eq!(split(b"abc", b"xyz"), vec![&b"abc"[..]]);
    }

    #[test]
    fn the_placeholder_is_found_and_read() {
        let id = uuid::Uuid::new_v4();
        let page = format!("<main><div class=\"seat-map-wrap\">{}</div></main>", app::orders::seatmap::placeholder(&id.to_string(), Locale::Es));
        let (start, end, event, locale) = find_placeholder(page.as_bytes()).unwrap();
        assert_eq!((event, locale), (id, Locale::Es));
        assert_eq!(&page[..start], "<main><div class=\"seat-map-wrap\">");
        assert_eq!(&page[end..], "</div></main>");
        assert!(find_placeholder(b"<!--seat-map:nonsense-->").is_none());
    }
}
