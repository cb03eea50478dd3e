//! `/events` (public catalog).

use axum::extract::{Path, State};
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
