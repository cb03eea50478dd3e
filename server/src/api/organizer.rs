//! The organizer's API: `GET /venues`, `POST /venues`, `POST /events`, `PATCH /events/{id}`,
//! `GET /events/{id}/sales`, `GET /events/{id}/orders.csv`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use app::catalog::manage::NewVenue;
use app::catalog::organizer::service::{self as organizer, EventInput, EventPatch, VenueView};
use app::catalog::{EventDetail, Page, SalesReport};
use app::state::AppState;

use crate::api::error::ApiResult;
use crate::api::extract::{event_ref, ApiJson, AuthUser};

pub async fn list_venues(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<Page<VenueView>>> {
    let items = organizer::venues_for(&state.db, &user).await?;
    let total = items.len() as i64;
    Ok(Json(Page { items, total, page: 1, per_page: total.max(1) }))
}

pub async fn create_venue(State(state): State<AppState>, AuthUser(user): AuthUser, ApiJson(body): ApiJson<NewVenue>) -> ApiResult<(StatusCode, Json<VenueView>)> {
    Ok((StatusCode::CREATED, Json(organizer::new_venue(&state.db, &user, &body).await?)))
}

pub async fn create_event(State(state): State<AppState>, AuthUser(user): AuthUser, ApiJson(body): ApiJson<EventInput>) -> ApiResult<(StatusCode, Json<EventDetail>)> {
    Ok((StatusCode::CREATED, Json(organizer::new_event(&state.db, &user, &body).await?)))
}

pub async fn update_event(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EventPatch>,
) -> ApiResult<Json<EventDetail>> {
    Ok(Json(organizer::update_event(&state.db, &user, event_ref(&id)?, &body).await?))
}

pub async fn sales(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<SalesReport>> {
    Ok(Json(organizer::sales(&state.db, &user, event_ref(&id)?).await?))
}

pub async fn orders_csv(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Response> {
    let csv = app::catalog::organizer::orders_export::orders_csv(&state.db, &user, event_ref(&id)?).await?;
    let disposition = format!("attachment; filename=\"orders-{}.csv\"", id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>());
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], csv).into_response())
}
