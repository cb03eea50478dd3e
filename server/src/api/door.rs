//! The door: `/door/events`, `/events/{id}/checkin-bundle`, `/events/{id}/checkins`,
//! `/events/{id}/door`, `/events/{id}/door-staff` and `POST /checkins` (a device's scans,
//! synced in a batch; their client ids make a replay change nothing).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use app::door::{checkins, service, Checkin, CheckinBundle, DoorEvent, DoorStaff, DoorSummary, ScanBatch, SyncAnswer};
use app::paging::Page;
use app::state::AppState;
use app::AppError;

use crate::api::error::ApiResult;
use crate::api::extract::{event_ref, parse_id, ApiJson, ApiQuery, AuthUser};

/// The events whose door the caller may work.
pub async fn events(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<Vec<DoorEvent>>> {
    Ok(Json(service::my_events(&state.db, &user).await?))
}

pub async fn bundle(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<CheckinBundle>> {
    Ok(Json(service::bundle(&state.db, &state.signer, &user, event_ref(&id)?).await?))
}

/// Records a device's scans; 200 with what the server made of each, in the order sent.
pub async fn sync(State(state): State<AppState>, AuthUser(user): AuthUser, ApiJson(batch): ApiJson<ScanBatch>) -> ApiResult<Json<SyncAnswer>> {
    Ok(Json(checkins::sync(&state.db, &state.signer, &user, &batch).await?))
}

#[derive(Deserialize)]
pub struct ChangesQuery {
    #[serde(default)]
    page: Option<i64>,
    /// Only scans recorded or judged again at or after this time (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    since: Option<time::OffsetDateTime>,
}

pub async fn changes(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>, ApiQuery(q): ApiQuery<ChangesQuery>) -> ApiResult<Json<Page<Checkin>>> {
    let page = match q.page.unwrap_or(1) {
        p if (1..=app::paging::MAX_PAGE).contains(&p) => p,
        _ => return Err(AppError::field("page", app::i18n::msg::errors::PAGE_START).into()),
    };
    Ok(Json(checkins::changes(&state.db, &user, event_ref(&id)?, q.since.map(app::db::to_ms), page).await?))
}

pub async fn summary(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<DoorSummary>> {
    Ok(Json(service::summary(&state.db, &user, event_ref(&id)?).await?))
}

pub async fn staff(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<Vec<DoorStaff>>> {
    Ok(Json(service::staff(&state.db, &user, event_ref(&id)?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    email: String,
}

/// Grants an account door access: 201 when new, 200 when it had it already.
pub async fn grant(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>, ApiJson(body): ApiJson<GrantBody>) -> ApiResult<(StatusCode, Json<DoorStaff>)> {
    let (staff, new) = service::grant(&state.db, &user, event_ref(&id)?, &body.email).await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(staff)))
}

pub async fn revoke(State(state): State<AppState>, AuthUser(user): AuthUser, Path((id, staff_id)): Path<(String, String)>) -> ApiResult<StatusCode> {
    service::revoke(&state.db, &user, event_ref(&id)?, &parse_id(&staff_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
