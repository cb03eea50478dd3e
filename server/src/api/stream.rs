//! `GET /api/v1/stream`: the live stream, as server-sent events.
//!
//! Anyone may watch the seats of the events named in `?events=`, each seat named by its id
//! or, with `?seats=index`, by its place in the event's map; a signed-in user (bearer
//! token or session cookie) also hears of their orders, holds and notifications. The
//! stream opens with `hello`, replays what the client missed after `Last-Event-ID` (or
//! `?last_event_id=`) from the event log, then follows this process's
//! [`Hub`](app::live::hub::Hub) with a heartbeat every 15 s. A client that cannot keep up
//! is dropped; its browser reconnects and replays.

use std::collections::HashSet;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::Extension;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream::Stream;
use serde::Deserialize;
use serde_json::json;

use app::i18n::{msg, Text};
use app::live::feed::{self, Topic};
use app::live::admission::Refusal;
use app::live::hub::{Admission, Watch};
use app::live::outlet::{FellBehind, Outlet, Queue, Replayed};
use app::state::AppState;
use app::users::session;
use app::AppError;

use crate::api::error::{error_response, ApiError};
use crate::api::extract::{ApiQuery, ClientIp, RequestI18n};
use crate::stream_socket::SocketOutlet;

/// How many events one stream may watch.
pub const MAX_EVENTS: usize = 20;
/// How often a quiet stream says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting a dropped stream.
const RETRY_MS: u32 = 2000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Comma-separated event ids whose seats to watch.
    #[serde(default)]
    events: Option<String>,
    /// Where to resume, for clients that cannot send `Last-Event-ID`.
    #[serde(default)]
    last_event_id: Option<String>,
    /// How `seats` messages name the seats: `ids` (the default) or `index`.
    #[serde(default)]
    seats: Option<String>,
}

/// Whether `?seats=` asks for seats named by place (`index`) rather than by id (`ids`, or
/// nothing).
fn by_place(raw: Option<&str>) -> Result<bool, ApiError> {
    match raw.map(str::trim) {
        None | Some("ids") => Ok(false),
        Some("index") => Ok(true),
        Some(_) => Err(ApiError(AppError::field("seats", msg::errors_api::STREAM_SEATS))),
    }
}

fn events_error() -> ApiError {
    ApiError(AppError::field("events", Text::with(msg::errors_api::STREAM_EVENTS, &[("max", &MAX_EVENTS)])))
}

/// The events named by `?events=`: UUIDs, at most [`MAX_EVENTS`], each once.
fn watched_events(raw: Option<&str>) -> Result<Vec<String>, ApiError> {
    let mut ids: Vec<String> = Vec::new();
    for part in raw.unwrap_or_default().split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = uuid::Uuid::parse_str(part).map_err(|_| events_error())?.to_string();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > MAX_EVENTS {
        return Err(events_error());
    }
    Ok(ids)
}

/// Where to resume: the `Last-Event-ID` the browser sends when it reconnects by itself
/// (always the newest; a bad one is ignored), else the query's `last_event_id` (a bad one
/// is the client's error: the page that opened the stream named where it stood).
fn resume_after(query: Option<&str>, headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let header = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok()).filter(|n| *n >= 0);
    let query = match query {
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => return Err(ApiError(AppError::field("last_event_id", msg::errors_api::LAST_EVENT_ID))),
        },
        None => None,
    };
    Ok(header.or(query))
}

/// Whether the request's `Accept` names `text/event-stream`.
fn accepts_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| media.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("text/event-stream")))
}

pub async fn stream(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequestI18n(i18n): RequestI18n,
    socket: Option<Extension<Arc<SocketOutlet>>>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<StreamQuery>,
) -> Result<Response, ApiError> {
    // A stream never ends: only clients that ask for one (EventSource always does) get it.
    if !accepts_event_stream(&headers) {
        return Ok(error_response(StatusCode::NOT_ACCEPTABLE, "not_acceptable", i18n.t(msg::errors_api::STREAM_ACCEPT), serde_json::Value::Null));
    }
    let events = watched_events(q.events.as_deref())?;
    let after = resume_after(q.last_event_id.as_deref(), &headers)?;
    let by_place = by_place(q.seats.as_deref())?;
    // A bearer token must be good; a stale session cookie leaves the page anonymous (its
    // seat map still follows), as the pages treat it.
    let user = match session::token_from_headers(&headers) {
        Some(token) => match session::resolve(&state.db, &state.accounts.sessions, &token).await? {
            Some(user) => Some(user),
            None if session::cookie_token(&headers).as_deref() == Some(token.as_str()) => None,
            None => return Err(ApiError(AppError::Unauthorized)),
        },
        None => None,
    };
    let user_id = user.as_ref().map(|u| u.id.to_string());
    let admission = match state.live.admit(ip, user_id.as_deref()) {
        Ok(admission) => admission,
        Err(refusal) => {
            let (text, limit) = match refusal {
                Refusal::TooManyFromAddress => (msg::errors_api::TOO_MANY_STREAMS_ADDRESS, state.live.limits().per_address),
                Refusal::TooManyForUser => (msg::errors_api::TOO_MANY_STREAMS_USER, state.live.limits().per_user),
            };
            let mut res = error_response(StatusCode::TOO_MANY_REQUESTS, "too_many_streams", i18n.t(text), json!({ "limit": limit }));
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
            return Ok(res);
        }
    };
    let mut watches: Vec<Watch> = Vec::with_capacity(events.len() + 1);
    for event in events {
        let places = if by_place { Some(state.live.places(&state.db, &event).await?) } else { None };
        watches.push(Watch { topic: Topic::Event(event), places });
    }
    watches.extend(user_id.map(|u| Topic::User(u).into()));
    // On a connection of the server's own, the hub writes to the socket; under hyper, the
    // batches wait in a queue the body drains.
    let socket = socket.map(|Extension(socket)| socket);
    let (outlet, queue): (Arc<dyn Outlet>, _) = match &socket {
        Some(socket) => (socket.clone(), None),
        None => {
            let queue = Arc::new(Queue::default());
            (queue.clone(), Some(Ended(queue)))
        }
    };
    // Listening first, then reading the log: what happens in between comes twice at
    // most, and the second copy is skipped.
    state.live.subscribe(&watches, outlet);
    let cursor = feed::cursor(&state.db).await?;
    let mut opening = feed::hello(app::db::now_ms(), cursor, RETRY_MS);
    let mut replayed = HashSet::new();
    if let Some(after) = after.filter(|after| *after < cursor) {
        let topics: Vec<Topic> = watches.iter().map(|w| w.topic.clone()).collect();
        match feed::replay(&state.db, &topics, after).await? {
            Some(missed) => {
                for message in missed {
                    replayed.extend(message.seqs());
                    let places = watches.iter().find(|w| w.topic == message.topic).and_then(|w| w.places.as_deref());
                    opening.push_str(&match places {
                        Some(places) => message.frame_by_place(places),
                        None => message.frame(),
                    });
                }
            }
            None => opening.push_str(&feed::reset()),
        }
    }
    let replayed = Replayed::new(replayed);
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (opening, queue) = match (socket, queue) {
        (Some(socket), _) => {
            socket.prepare(Bytes::from(opening), replayed);
            (None, None)
        }
        (None, queue) => (Some(Bytes::from(opening)), queue.map(|queue| (queue, replayed))),
    };
    let body = LiveBody { opening, queue, heartbeat, closing: Box::pin(state.live.closed()), done: false, _admission: admission };
    let mut res = Body::from_stream(body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies (nginx) must pass each message on as it comes.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(res)
}

/// Ends a stream's queue when dropped: with the stream's body, or with a request that
/// failed before it had one.
struct Ended(Arc<Queue>);

impl Drop for Ended {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// The body of one stream: the opening (hello and replay), then the hub's batches for its
/// topics (from its queue, unless the hub writes them itself) and heartbeats, until the
/// client goes, falls behind, or the process stops.
struct LiveBody {
    opening: Option<Bytes>,
    queue: Option<(Ended, Replayed)>,
    heartbeat: tokio::time::Interval,
    closing: Pin<Box<dyn Future<Output = ()> + Send>>,
    done: bool,
    _admission: Admission,
}

impl Stream for LiveBody {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if let Some(opening) = this.opening.take() {
            return Poll::Ready(Some(Ok(opening)));
        }
        if this.closing.as_mut().poll(cx).is_ready() {
            this.done = true;
            return Poll::Ready(None);
        }
        // Everything waiting, in one write.
        if let Some((Ended(queue), replayed)) = &mut this.queue {
            let mut batches = Vec::new();
            match queue.poll_take(cx, &mut batches) {
                Poll::Ready(Ok(())) => {
                    let mut out = Vec::new();
                    for batch in &batches {
                        replayed.told(batch, &mut out);
                    }
                    if !out.is_empty() {
                        return Poll::Ready(Some(Ok(if out.len() == 1 { out.pop().unwrap_or_default() } else { Bytes::from(out.concat()) })));
                    }
                }
                Poll::Ready(Err(FellBehind)) => {
                    tracing::debug!("a live stream fell behind; dropped (it reconnects and replays)");
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => {}
            }
        }
        if this.heartbeat.poll_tick(cx).is_ready() {
            return Poll::Ready(Some(Ok(Bytes::from(feed::heartbeat(app::db::now_ms())))));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_clients_asking_for_events_get_a_stream() {
        let mut headers = HeaderMap::new();
        assert!(!accepts_event_stream(&headers));
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        assert!(!accepts_event_stream(&headers));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json, Text/Event-Stream;q=0.9"));
        assert!(accepts_event_stream(&headers));
    }

    #[test]
    fn watched_events_are_uuids_each_once_and_bounded() {
        let a = uuid::Uuid::new_v4().to_string();
        assert_eq!(watched_events(Some(&format!("{a}, {a},"))).unwrap(), vec![a.clone()]);
        assert!(watched_events(None).unwrap().is_empty());
        assert!(watched_events(Some("nope")).is_err());
        let many = (0..=MAX_EVENTS).map(|_| uuid::Uuid::new_v4().to_string()).collect::<Vec<_>>().join(",");
        assert!(watched_events(Some(&many)).is_err());
    }

    #[test]
    fn seats_are_named_by_id_unless_asked_by_place() {
        assert!(!by_place(None).unwrap());
        assert!(!by_place(Some("ids")).unwrap());
        assert!(by_place(Some("index")).unwrap());
        assert!(by_place(Some("places")).is_err());
    }

    #[test]
    fn resuming_prefers_the_browsers_header_and_reads_the_query_strictly() {
        let mut headers = HeaderMap::new();
        assert_eq!(resume_after(None, &headers).unwrap(), None);
        headers.insert("last-event-id", HeaderValue::from_static("42"));
        assert_eq!(resume_after(None, &headers).unwrap(), Some(42));
        assert_eq!(resume_after(Some("7"), &headers).unwrap(), Some(42), "the browser's own reconnection knows better");
        assert!(resume_after(Some("-1"), &headers).is_err());
        headers.insert("last-event-id", HeaderValue::from_static("junk"));
        assert_eq!(resume_after(None, &headers).unwrap(), None);
        assert_eq!(resume_after(Some("7"), &headers).unwrap(), Some(7));
    }
}
