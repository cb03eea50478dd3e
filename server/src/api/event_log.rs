//! `/admin/event-log` (admins): every domain event with its consumers' receipts; retry
//! what FAILED, replay one event to one consumer.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use app::audit::log;
use app::audit::model::{EventLog, EventLogFilter, Redeliveries};
use app::audit::ReceiptState;
use app::state::AppState;
use app::i18n::msg;
use app::AppError;

use crate::api::error::{error_response, ApiError, ApiResult};
use crate::api::extract::{parse_id, AdminUser, ApiJson, ApiQuery, RequestI18n};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    #[serde(default, rename = "type")]
    event_type: Option<String>,
    #[serde(default)]
    consumer: Option<String>,
    #[serde(default)]
    state: Option<ReceiptState>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    to: Option<OffsetDateTime>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

pub async fn list(State(state): State<AppState>, AdminUser(_): AdminUser, ApiQuery(q): ApiQuery<LogQuery>) -> ApiResult<Json<EventLog>> {
    let page = match q.page.unwrap_or(1) {
        p if (1..=app::paging::MAX_PAGE).contains(&p) => p,
        _ => return Err(AppError::field("page", app::i18n::msg::errors::PAGE_START).into()),
    };
    let filter = EventLogFilter { event_type: q.event_type, consumer: q.consumer, state: q.state, from: q.from, to: q.to, request_id: q.request_id };
    Ok(Json(log::read(&state.db, &*state.event_desk, &filter, page).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RetryBody {
    /// One consumer; without it, every consumer whose receipt FAILED.
    #[serde(default)]
    consumer: Option<String>,
    /// Deliver even if that consumer processed it already (needs `consumer`).
    #[serde(default)]
    force: bool,
}

/// Delivers one event again now; answers each delivery's outcome. The body is optional.
pub async fn retry(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    RequestI18n(i18n): RequestI18n,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Redeliveries>, Response> {
    let body: RetryBody = if body.iter().all(u8::is_ascii_whitespace) {
        RetryBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            let (status, code, message) = if e.is_data() {
                (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", i18n.t(msg::errors_api::BODY_FIELDS))
            } else {
                (StatusCode::BAD_REQUEST, "malformed_json", i18n.t(msg::errors_api::MALFORMED_JSON))
            };
            error_response(status, code, message, json!({ "body": e.to_string() }))
        })?
    };
    let answer = async {
        if body.force && body.consumer.is_none() {
            return Err(AppError::field("consumer", msg::admin::REPLAY_NEEDS_CONSUMER).into());
        }
        let id = parse_id(&id)?;
        Ok::<_, ApiError>(Json(log::retry_event(&state.db, &*state.event_desk, &id, body.consumer.as_deref(), body.force).await?))
    };
    answer.await.map_err(IntoResponse::into_response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryFailedBody {
    consumer: String,
}

/// Retries every FAILED delivery of one consumer.
pub async fn retry_failed(State(state): State<AppState>, AdminUser(_): AdminUser, ApiJson(body): ApiJson<RetryFailedBody>) -> ApiResult<Json<Redeliveries>> {
    Ok(Json(log::retry_failed(&state.db, &*state.event_desk, &body.consumer).await?))
}
