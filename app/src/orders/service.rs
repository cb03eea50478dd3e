//! Orders: placing one from a valid hold (idempotent), reading them, cancelling a paid one.
//! The payment's outcome is [`payments`](crate::orders::payments).

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{event_types, outbox};
use crate::paging::Page;
use crate::db::{from_ms, new_id, now_ms, Db};
use crate::orders::holds;
use crate::orders::idempotency::{self, request_fingerprint, OrderRequest};
use crate::orders::model::{Order, OrderStatus, PaymentInput};
use crate::orders::payments::Gateway;
use crate::orders::rules;
use crate::orders::store::{OrderStore, PlaceRequest, Placed};
use crate::users::User;
use crate::error::AppError;
use crate::i18n::msg;

fn today() -> (i32, u8) {
    let now = time::OffsetDateTime::now_utc();
    (now.year(), now.month() as u8)
}

/// Places an order from `hold_id`, written by `store`. The same idempotency key returns
/// the first order, if it is asked for the same hold with the same card; otherwise it is
/// refused (422).
///
/// The store is asked first, with everything decided: a request that placed nothing
/// (most retries, and every refusal) then asks why, so the first request with a key
/// costs one write.
pub async fn place(
    db: &Db,
    store: &dyn OrderStore,
    gateway: &Gateway,
    user: &User,
    hold_id: &str,
    idempotency_key: &str,
    payment: &PaymentInput,
) -> Result<Order, AppError> {
    let key = idempotency_key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(AppError::field("idempotency_key", msg::errors_orders::IDEMPOTENCY_KEY_LENGTH));
    }
    let order = OrderRequest { key, fingerprint: request_fingerprint(hold_id, payment) };
    let user_id = user.id.to_string();
    let card = match rules::check_payment(payment, today()) {
        Ok(card) => card,
        Err(errors) => {
            // A retry of an order already placed gets that order.
            if let Some(existing) = placed_with_key(db, &user_id, &order).await? {
                return Ok(existing);
            }
            return Err(AppError::Validation(errors));
        }
    };
    let order_id = new_id();
    let token = format!("tok_{}", Uuid::new_v4().simple());
    let now = now_ms();
    let request = PlaceRequest {
        order_id: &order_id,
        user_id: &user_id,
        hold_id,
        idempotency_key: key,
        token: &token,
        outcome: card.outcome.as_str(),
        last4: &card.last4,
        now,
        payment_deadline: now + gateway.deadline_ms(),
        fingerprint: &order.fingerprint,
    };
    if let Some(placed) = store.place(db, &request).await? {
        return pending_order(&order_id, hold_id, placed, card.last4, now);
    }
    if let Some(existing) = placed_with_key(db, &user_id, &order).await? {
        return Ok(existing);
    }
    Err(not_placed(db, user, hold_id).await)
}

/// Why an order could not be placed on `hold_id`: not this user's hold (not found), its
/// event cancelled or started, or the hold ended.
async fn not_placed(db: &Db, user: &User, hold_id: &str) -> AppError {
    let stored = match holds::find_for(db, user, hold_id).await {
        Ok(stored) => stored,
        Err(e) => return e,
    };
    let status: Result<Option<String>, _> =
        sqlx::query_scalar("SELECT status FROM events WHERE id = $1").bind(stored.hold.event_id.to_string()).fetch_optional(&db.pool).await;
    match status {
        Ok(Some(status)) if status == "CANCELLED" => {
            AppError::conflict("event_cancelled", msg::errors_orders::EVENT_CANCELLED)
        }
        Ok(_) if stored.event_starts_at <= now_ms() => {
            AppError::conflict("event_started", msg::errors::EVENT_STARTED)
        }
        Ok(_) => AppError::conflict("hold_not_active", msg::errors_orders::HOLD_ENDED),
        Err(e) => e.into(),
    }
}

/// The order first placed with this request's key, if any (see [`idempotency`]).
async fn placed_with_key(db: &Db, user_id: &str, request: &OrderRequest<'_>) -> Result<Option<Order>, AppError> {
    match idempotency::placed_with_key(db, user_id, request).await? {
        Some(order_id) => find(db, &order_id).await.map(Some),
        None => Ok(None),
    }
}

/// The answer to a placed order: PENDING, no tickets yet.
fn pending_order(order_id: &str, hold_id: &str, placed: Placed, card_last4: String, now: i64) -> Result<Order, AppError> {
    let parse = |s: &str| s.parse::<Uuid>().map_err(|_| AppError::Internal);
    Ok(Order {
        id: parse(order_id)?,
        event_id: parse(&placed.event_id)?,
        event_title: placed.event_title,
        event_slug: placed.event_slug,
        event_starts_at: from_ms(placed.event_starts_at),
        event_time_zone: None,
        event_starts_at_local: None,
        hold_id: parse(hold_id)?,
        status: OrderStatus::Pending,
        total_cents: placed.total_cents,
        currency: placed.currency,
        card_last4,
        failure_reason: None,
        items: placed.items,
        ticket_ids: Vec::new(),
        created_at: from_ms(now),
        paid_at: None,
    })
}

const ORDER_COLUMNS: &str = "o.id, o.event_id, e.title, e.slug, e.starts_at, \
    (SELECT v.time_zone FROM venues v WHERE v.id = e.venue_id) AS time_zone, o.hold_id, o.status, o.total_cents, o.currency, \
    o.card_last4, o.failure_reason, o.created_at, o.paid_at, o.user_id";

async fn order_from_row(db: &Db, row: &AnyRow) -> Result<Order, AppError> {
    let id: String = row.try_get("id")?;
    let status: String = row.try_get("status")?;
    let items = holds::seat_lines(
        &db.pool,
        "SELECT seat_id, section, row_label, number, price_cents FROM order_items WHERE order_id = $1 ORDER BY section, row_label, number",
        &id,
    )
    .await?;
    let ticket_ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tickets WHERE order_id = $1 ORDER BY issued_at, id")
        .bind(&id)
        .fetch_all(&db.pool)
        .await?;
    let parse = |s: String| s.parse::<Uuid>().map_err(|_| AppError::Internal);
    let starts_at = from_ms(row.try_get("starts_at")?);
    let time_zone: String = row.try_get("time_zone")?;
    Ok(Order {
        id: parse(id.clone())?,
        event_id: parse(row.try_get("event_id")?)?,
        event_title: row.try_get("title")?,
        event_slug: row.try_get("slug")?,
        event_starts_at: starts_at,
        event_starts_at_local: Some(crate::catalog::zone::local_in(starts_at, &time_zone)),
        event_time_zone: Some(time_zone),
        hold_id: parse(row.try_get("hold_id")?)?,
        status: OrderStatus::parse(&status).ok_or(AppError::Internal)?,
        total_cents: row.try_get("total_cents")?,
        currency: row.try_get("currency")?,
        card_last4: row.try_get("card_last4")?,
        failure_reason: row.try_get("failure_reason")?,
        items,
        ticket_ids: ticket_ids.into_iter().map(parse).collect::<Result<_, _>>()?,
        created_at: from_ms(row.try_get("created_at")?),
        paid_at: row.try_get::<Option<i64>, _>("paid_at")?.map(from_ms),
    })
}

pub async fn find(db: &Db, order_id: &str) -> Result<Order, AppError> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders o JOIN events e ON e.id = o.event_id WHERE o.id = $1");
    let row = sqlx::query(&sql).bind(order_id).fetch_optional(&db.pool).await?.ok_or(AppError::NotFound)?;
    order_from_row(db, &row).await
}

/// The order if `user` owns it or is an admin; otherwise "not found".
pub async fn find_for(db: &Db, user: &User, order_id: &str) -> Result<Order, AppError> {
    let owner: Option<String> = sqlx::query_scalar("SELECT user_id FROM orders WHERE id = $1").bind(order_id).fetch_optional(&db.pool).await?;
    match owner {
        Some(owner) if owner == user.id.to_string() || user.is_admin() => find(db, order_id).await,
        _ => Err(AppError::NotFound),
    }
}

pub const ORDERS_PER_PAGE: i64 = 20;

/// A user's orders, newest first.
pub async fn list_for(db: &Db, user: &User, page: i64) -> Result<Page<Order>, AppError> {
    let page = crate::paging::clamp_page(page);
    let user_id = user.id.to_string();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE user_id = $1").bind(&user_id).fetch_one(&db.pool).await?;
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM orders o JOIN events e ON e.id = o.event_id WHERE o.user_id = $1 \
         ORDER BY o.created_at DESC, o.id LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(&sql).bind(&user_id).bind(ORDERS_PER_PAGE).bind((page - 1) * ORDERS_PER_PAGE).fetch_all(&db.pool).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(order_from_row(db, row).await?);
    }
    Ok(Page { items, total, page, per_page: ORDERS_PER_PAGE })
}

/// Puts the seats of a paid order that ends (cancelled, refunded) on sale again and voids
/// its tickets, in `tx`; answers the seats freed, for the live stream.
pub(crate) async fn free_seats_and_void_tickets(tx: &mut crate::db::Tx, order_id: &str, now: i64) -> Result<Vec<String>, AppError> {
    let freed: Vec<String> = sqlx::query_scalar(
        "UPDATE event_seats SET status = 'AVAILABLE', hold_id = NULL, order_id = NULL, version = version + 1, updated_at = $1 \
         WHERE order_id = $2 RETURNING seat_id",
    )
    .bind(now)
    .bind(order_id)
    .fetch_all(&mut **tx)
    .await?;
    crate::tickets::service::void_for_order(tx, order_id, now).await?;
    Ok(freed)
}

/// The customer cancels a paid order before the event starts: seats are released and
/// the tickets void.
pub async fn cancel(db: &Db, user: &User, order_id: &str) -> Result<Order, AppError> {
    let order = find_for(db, user, order_id).await?;
    if order.status == OrderStatus::Cancelled {
        return Ok(order);
    }
    if order.status != OrderStatus::Paid {
        return Err(AppError::conflict("not_cancellable", msg::errors_orders::NOT_CANCELLABLE));
    }
    let now = now_ms();
    if crate::db::to_ms(order.event_starts_at) <= now {
        return Err(AppError::conflict("event_started", msg::errors_orders::CANCEL_STARTED));
    }
    let mut tx = db.begin_write().await?;
    let changed = sqlx::query("UPDATE orders SET status = 'CANCELLED', cancelled_at = $1, updated_at = $1 WHERE id = $2 AND status = 'PAID'")
        .bind(now)
        .bind(order_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 1 {
        let freed = free_seats_and_void_tickets(&mut tx, order_id, now).await?;
        let owner = sqlx::query("SELECT event_id, user_id FROM orders WHERE id = $1").bind(order_id).fetch_one(&mut *tx).await?;
        let (event_id, owner_id): (String, String) = (owner.try_get("event_id")?, owner.try_get("user_id")?);
        // The buyer (an admin may cancel for them), and the seats freed, for the live stream.
        let payload = json!({ "order_id": order_id, "user_id": owner_id, "cancelled_by": user.id, "event_id": event_id, "seat_ids": freed });
        outbox::record(&mut tx, event_types::ORDER_CANCELLED, order_id, &payload).await?;
    }
    tx.commit().await?;
    db.wake_relay();
    find(db, order_id).await
}
