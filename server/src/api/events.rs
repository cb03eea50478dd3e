//! `/events` (public catalog).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

use app::catalog::{service, EventDetail, EventFilter, EventSummary, Page, SeatView};
use app::state::AppState;

use crate::api::error::ApiResult;
use crate::api::extract::{event_ref, ApiQuery};

pub async fn list(State(state): State<AppState>, ApiQuery(filter): ApiQuery<EventFilter>) -> ApiResult<Json<Page<EventSummary>>> {
    Ok(Json(service::list(&state.db, &filter).await?))
}

/// An event by id (or by slug, which the pages use).
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<EventDetail>> {
    Ok(Json(service::find(&state.db, event_ref(&id)?).await?))
}

pub async fn seats(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Page<SeatView>>> {
    let items = service::seats(&state.db, event_ref(&id)?).await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total, page: 1, per_page: total.max(1) }))
}

/// The statuses of an event's seats, one letter each (`A`vailable, `H`eld, `S`old) in the
/// order of `/seats`, with the event log's sequence number they were read at: the live
/// stream (`?last_event_id=`) goes on from there. Kept between changes, shared by every
/// visitor, so it answers an on-sale's crowd from memory.
pub async fn seat_statuses(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let reference = event_ref(&id)?;
    let event = match uuid::Uuid::parse_str(reference) {
        Ok(id) => id,
        Err(_) => service::find(&state.db, reference).await?.summary.id,
    };
    let statuses = state.seat_maps.statuses(&state.db, event).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], statuses.json.to_string()).into_response())
}
