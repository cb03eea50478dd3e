//! Event pages as they are sent. The page renders a placeholder where the seat map goes
//! (`app::orders::seatmap::placeholder`); here the map drawn for that event and language,
//! kept between changes, takes its place. A client that takes gzip gets the map already
//! compressed, and only the page around it, a few kilobytes, is compressed here: the map
//! is most of the page, and an on-sale's crowd reloads it.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

use app::i18n::{msg, I18n, Locale};
use app::orders::seatmap::{parse_placeholder, PLACEHOLDER_END, PLACEHOLDER_START};
use app::state::AppState;
use app::ui::gzip::{gzip, Part};
use app::ui::title::escape_html;

/// The largest page read whole to find its placeholder.
const MOST_PAGE_BYTES: usize = 8 << 20;

/// Puts the seat map in the event pages (see the module's comment).
pub async fn put_in(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let event_page = matches!(*req.method(), Method::GET | Method::HEAD) && req.uri().path().starts_with("/events/");
    let takes_gzip = accepts_gzip(req.headers());
    let res = next.run(req).await;
    let html = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if !event_page || !html || res.headers().contains_key(header::CONTENT_ENCODING) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let page = match axum::body::to_bytes(body, MOST_PAGE_BYTES).await {
        Ok(page) => page,
        Err(e) => {
            tracing::error!(error = %e, "an event page could not be read whole");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let Some((start, end, event, locale)) = find_placeholder(&page) else { return Response::from_parts(parts, Body::from(page)) };
    parts.headers.remove(header::CONTENT_LENGTH);
    let (before, after) = (&page[..start], &page[end..]);
    let drawing = match state.seat_maps.drawing(&state.db, event, locale).await {
        Ok(drawing) => drawing,
        Err(e) => {
            tracing::warn!(error = %e, %event, "the seat map could not be drawn");
            let notice = format!("<p class=\"notice\" role=\"alert\">{}</p>", escape_html(I18n::new(locale).t(msg::errors::UNAVAILABLE)));
            return Response::from_parts(parts, Body::from([before, notice.as_bytes(), after].concat()));
        }
    };
    if takes_gzip {
        parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        parts.headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        let body = gzip(&[Part::Text(before), Part::Piece(&drawing.gzip), Part::Text(after)]);
        Response::from_parts(parts, Body::from(body))
    } else {
        Response::from_parts(parts, Body::from([before, drawing.html.as_bytes(), after].concat()))
    }
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
