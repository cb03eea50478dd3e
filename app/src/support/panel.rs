//! The order panel beside a support ticket's conversation: the order it is about, with its
//! payment and tickets, and what the desk may do with it. The actions go through the box
//! office's own rules and events: tickets sent again to their buyer; an order refunded
//! before its event (REFUNDED, tickets void, seats on sale again).
//!
//! Who may: anyone at the desk who sees the support ticket resends; refunds are for
//! administrators and for agents whose skills include payments.

use crate::db::{now_ms, to_ms, Db};
use crate::error::AppError;
use crate::orders::model::OrderStatus;
use crate::orders::{refunds, service as orders};
use crate::sealing::DataKeys;
use crate::support::model::{Category, OrderPanel};
use crate::support::service::{get, is_desk};
use crate::users::{Role, User};

/// Whether `user` may refund an order from the desk.
fn refunds_money(user: &User) -> bool {
    is_desk(user) && (user.role == Role::Admin || user.skills.iter().any(|s| s == Category::Payments.skill()))
}

/// The order of the support ticket `ticket_id`, as the desk's `viewer` sees it (none when
/// the support ticket names no order).
pub async fn panel(db: &Db, keys: &DataKeys, viewer: &User, ticket_id: &str) -> Result<Option<OrderPanel>, AppError> {
    if !is_desk(viewer) {
        return Err(AppError::Forbidden);
    }
    let ticket = get(db, keys, viewer, ticket_id).await?;
    let Some(order_id) = ticket.order_id else { return Ok(None) };
    let order = orders::find(db, &order_id.to_string()).await?;
    let paid = order.status == OrderStatus::Paid;
    let before_event = to_ms(order.event_starts_at) > now_ms();
    Ok(Some(OrderPanel { can_refund: paid && before_event && refunds_money(viewer), can_resend: paid, order }))
}

/// The order of the support ticket `ticket_id`, checked for `viewer`: (its id, the panel).
async fn order_of(db: &Db, keys: &DataKeys, viewer: &User, ticket_id: &str) -> Result<(String, OrderPanel), AppError> {
    let panel = panel(db, keys, viewer, ticket_id).await?.ok_or(AppError::NotFound)?;
    Ok((panel.order.id.to_string(), panel))
}

/// Refunds the order of the support ticket `ticket_id`.
pub async fn refund(db: &Db, keys: &DataKeys, viewer: &User, ticket_id: &str) -> Result<OrderPanel, AppError> {
    let (order_id, panel) = order_of(db, keys, viewer, ticket_id).await?;
    if !refunds_money(viewer) {
        return Err(AppError::Forbidden);
    }
    if panel.order.status != OrderStatus::Refunded {
        refunds::refund(db, viewer, &order_id).await?;
    }
    order_of(db, keys, viewer, ticket_id).await.map(|(_, panel)| panel)
}

/// Sends the tickets of the support ticket's order to their buyer again.
pub async fn resend(db: &Db, keys: &DataKeys, viewer: &User, ticket_id: &str) -> Result<OrderPanel, AppError> {
    let (order_id, panel) = order_of(db, keys, viewer, ticket_id).await?;
    refunds::resend_tickets(db, viewer, &order_id).await?;
    Ok(panel)
}
