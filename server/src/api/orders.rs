//! The box office: `/events/{id}/holds`, `/holds/{id}`, `/orders`, `/tickets`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use app::paging::Page;
use app::orders::model::{Hold, Order, PaymentInput};
use app::orders::{holds, service};
use app::state::AppState;
use app::tickets::{service as tickets, Revocation, Ticket};
use app::AppError;

use crate::api::error::ApiResult;
use crate::api::extract::{event_ref, parse_id, ApiJson, ApiQuery, AuthUser, ClientIp};

/// Either the seats picked on the map, or "the best `quantity` seats of a section".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldBody {
    #[serde(default)]
    seat_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    section_id: Option<Uuid>,
    #[serde(default)]
    quantity: Option<usize>,
}

pub async fn create_hold(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ClientIp(ip): ClientIp,
    Path(event_id): Path<String>,
    ApiJson(body): ApiJson<HoldBody>,
) -> ApiResult<(StatusCode, Json<Hold>)> {
    let event_id = event_ref(&event_id)?;
    let hold = match (body.seat_ids, body.section_id, body.quantity) {
        (Some(seat_ids), None, None) => holds::create(&state.db, &state.holds, &user, ip, event_id, &seat_ids).await?,
        (None, Some(section), Some(quantity)) => holds::create_best(&state.db, &state.holds, &user, ip, event_id, &section.to_string(), quantity).await?,
        _ => return Err(AppError::field("seat_ids", app::i18n::msg::errors_api::HOLD_BODY).into()),
    };
    Ok((StatusCode::CREATED, Json(hold)))
}

pub async fn get_hold(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<Hold>> {
    Ok(Json(holds::find_for(&state.db, &user, &parse_id(&id)?).await?.hold))
}

pub async fn release_hold(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    holds::release(&state.db, &user, &parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    hold_id: Uuid,
    payment: PaymentInput,
}

/// Places an order; the payment is processed asynchronously (202). The same
/// `Idempotency-Key` returns the first order.
pub async fn place_order(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<OrderBody>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let order = service::place(&state.db, &*state.order_store, &state.gateway, &user, &body.hold_id.to_string(), key, &body.payment).await?;
    Ok((StatusCode::ACCEPTED, Json(order)))
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

fn page_of(q: &PageQuery) -> Result<i64, AppError> {
    match q.page.unwrap_or(1) {
        p if (1..=app::paging::MAX_PAGE).contains(&p) => Ok(p),
        _ => Err(AppError::field("page", app::i18n::msg::errors::PAGE_START)),
    }
}

pub async fn list_orders(State(state): State<AppState>, AuthUser(user): AuthUser, ApiQuery(q): ApiQuery<PageQuery>) -> ApiResult<Json<Page<Order>>> {
    Ok(Json(service::list_for(&state.db, &user, page_of(&q)?).await?))
}

pub async fn get_order(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<Order>> {
    Ok(Json(service::find_for(&state.db, &user, &parse_id(&id)?).await?))
}

pub async fn cancel_order(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<Order>> {
    Ok(Json(service::cancel(&state.db, &user, &parse_id(&id)?).await?))
}

pub async fn list_tickets(State(state): State<AppState>, AuthUser(user): AuthUser, ApiQuery(q): ApiQuery<PageQuery>) -> ApiResult<Json<Page<Ticket>>> {
    Ok(Json(tickets::list_for(&state.db, &user, page_of(&q)?).await?))
}

pub async fn get_ticket(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<Ticket>> {
    Ok(Json(tickets::find_for(&state.db, &user, &parse_id(&id)?).await?))
}

/// The ticket's QR code as a downloadable SVG file.
pub async fn ticket_qr(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Response> {
    let (ticket, svg) = tickets::qr_for(&state.db, &user, &parse_id(&id)?).await?;
    let disposition = format!("attachment; filename=\"taquilla-ticket-{}.svg\"", ticket.id);
    Ok(([(header::CONTENT_TYPE, "image/svg+xml".to_string()), (header::CONTENT_DISPOSITION, disposition)], svg).into_response())
}

#[derive(Deserialize)]
pub struct RevocationQuery {
    #[serde(default)]
    page: Option<i64>,
    /// Only tickets voided at or after this time (RFC 3339), for a device's next fetch.
    #[serde(default, with = "time::serde::rfc3339::option")]
    since: Option<time::OffsetDateTime>,
}

/// The event's void tickets, for its organizer's door devices.
pub async fn revocations(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RevocationQuery>,
) -> ApiResult<Json<Page<Revocation>>> {
    let page = page_of(&PageQuery { page: q.page })?;
    let event = event_ref(&id)?;
    Ok(Json(tickets::revocations(&state.db, &user, event, q.since.map(app::db::to_ms), page).await?))
}

/// The public key door devices verify admission codes with.
pub async fn signing_key(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "algorithm": "Ed25519", "public_key": state.signer.public_key(), "format": "TQ1.<base64url ticket id + event id>.<base64url signature>" }))
}
