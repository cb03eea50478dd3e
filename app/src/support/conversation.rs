//! What happens in a support ticket: replies, internal notes, and its status moving on.
//! A customer's reply reopens a WAITING or RESOLVED support ticket; the desk's first
//! public reply stops the first-response timer and starts the work.

use serde_json::json;

use crate::audit::{event_types, outbox};
use crate::db::{new_id, now_ms, Db, Tx};
use crate::error::AppError;
use crate::i18n::{msg, Text};
use crate::sealing::DataKeys;
use crate::support::attachments;
use crate::support::model::{NewMessage, SupportMessage, SupportStatus, SupportTicket};
use crate::support::rules::{self, Mover};
use crate::support::service::{get, is_desk, locked};
use crate::users::User;

/// How `viewer` moves `ticket`: as its requester (their own, even an agent's), or as the
/// desk.
fn mover(viewer: &User, ticket: &SupportTicket) -> Mover {
    if ticket.requester.id == viewer.id || !is_desk(viewer) { Mover::Requester } else { Mover::Desk }
}

/// Writes `new` in the support ticket `id`, as `viewer`, and answers the message with
/// whether it is new. Sending the same `client_id` again answers the message it made.
pub async fn reply(db: &Db, keys: &DataKeys, viewer: &User, id: &str, new: &NewMessage) -> Result<(SupportMessage, bool), AppError> {
    if let Some(e) = rules::check_body(&new.body) {
        return Err(AppError::field("body", e));
    }
    if let Some(e) = new.client_id.as_deref().and_then(rules::check_client_id) {
        return Err(AppError::field("client_id", e));
    }
    let files = attachments::check(&new.attachments)?;
    let me = viewer.id.to_string();
    let mut tx = db.begin_write().await?;
    let ticket = locked(&mut tx, db.backend, keys, viewer, id).await?;
    let mover = mover(viewer, &ticket);
    if new.internal && mover != Mover::Desk {
        return Err(AppError::field("internal", msg::errors_support::NOTES_FOR_DESK));
    }
    if let Some(client_id) = &new.client_id {
        let known: Option<String> = sqlx::query_scalar("SELECT id FROM support_messages WHERE author_id = $1 AND client_id = $2")
            .bind(&me)
            .bind(client_id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(message_id) = known {
            tx.rollback().await?;
            return Ok((message(db, keys, viewer, id, &message_id).await?, false));
        }
    }
    if ticket.status == SupportStatus::Closed {
        return Err(AppError::conflict("support_ticket_closed", msg::errors_support::CLOSED));
    }
    let now = now_ms();
    let message_id = new_id();
    sqlx::query("INSERT INTO support_messages (id, ticket_id, author_id, body, internal, client_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&message_id)
        .bind(id)
        .bind(&me)
        .bind(rules::clean_text(&new.body, true))
        .bind(new.internal)
        .bind(new.client_id.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    attachments::store(&mut tx, keys, id, Some(&message_id), files, now).await?;
    let next = match (mover, new.internal) {
        (_, true) => None,
        (Mover::Requester, false) => rules::after_customer_reply(ticket.status),
        (Mover::Desk, false) => {
            sqlx::query("UPDATE support_tickets SET first_response_at = $1 WHERE id = $2 AND first_response_at IS NULL").bind(now).bind(id).execute(&mut *tx).await?;
            rules::after_desk_reply(ticket.status)
        }
    };
    sqlx::query("UPDATE support_tickets SET updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
    // The text stays out of the event: an internal note never travels where a customer
    // might read it.
    outbox::record(
        &mut tx,
        event_types::SUPPORT_TICKET_REPLIED,
        id,
        &json!({
            "ticket_id": id, "message_id": message_id, "author_id": me, "requester_id": ticket.requester.id,
            "assignee_id": ticket.assignee.as_ref().map(|a| a.id), "internal": new.internal, "from_desk": mover == Mover::Desk,
        }),
    )
    .await?;
    if let Some(to) = next {
        set_status(&mut tx, &ticket, to, viewer, now).await?;
    }
    tx.commit().await?;
    db.wake_relay();
    Ok((message(db, keys, viewer, id, &message_id).await?, true))
}

async fn message(db: &Db, keys: &DataKeys, viewer: &User, ticket_id: &str, message_id: &str) -> Result<SupportMessage, AppError> {
    let ticket = get(db, keys, viewer, ticket_id).await?;
    let id: uuid::Uuid = message_id.parse().map_err(|_| AppError::Internal)?;
    ticket.messages.unwrap_or_default().into_iter().find(|m| m.id == id).ok_or(AppError::NotFound)
}

/// Moves the support ticket `id` to `to`, as `viewer` may (see [`rules::can_move`]). Asking
/// for the status it has changes nothing.
pub async fn change_status(db: &Db, keys: &DataKeys, viewer: &User, id: &str, to: SupportStatus) -> Result<SupportTicket, AppError> {
    let mut tx = db.begin_write().await?;
    let ticket = locked(&mut tx, db.backend, keys, viewer, id).await?;
    if ticket.status == to {
        tx.rollback().await?;
        return get(db, keys, viewer, id).await;
    }
    if !rules::can_move(ticket.status, to, mover(viewer, &ticket)) {
        let message = Text::with(msg::errors_support::MOVE_REFUSED, &[("from", &ticket.status.as_str()), ("to", &to.as_str())]);
        return Err(AppError::conflict("status_change_refused", message));
    }
    set_status(&mut tx, &ticket, to, viewer, now_ms()).await?;
    tx.commit().await?;
    db.wake_relay();
    get(db, keys, viewer, id).await
}

/// Writes the move of `ticket` to `to` and its event, in `tx`.
async fn set_status(tx: &mut Tx, ticket: &SupportTicket, to: SupportStatus, by: &User, now: i64) -> Result<(), AppError> {
    let id = ticket.id.to_string();
    let sql = match to {
        SupportStatus::Resolved => "UPDATE support_tickets SET status = $1, updated_at = $2, resolved_at = $2 WHERE id = $3",
        SupportStatus::Closed => "UPDATE support_tickets SET status = $1, updated_at = $2, closed_at = $2 WHERE id = $3",
        SupportStatus::Open => "UPDATE support_tickets SET status = $1, updated_at = $2, resolved_at = NULL WHERE id = $3",
        _ => "UPDATE support_tickets SET status = $1, updated_at = $2 WHERE id = $3",
    };
    sqlx::query(sql).bind(to.as_str()).bind(now).bind(&id).execute(&mut **tx).await?;
    outbox::record(
        tx,
        event_types::SUPPORT_TICKET_STATUS_CHANGED,
        &id,
        &json!({
            "ticket_id": id, "from": ticket.status.as_str(), "to": to.as_str(), "by": by.id,
            "requester_id": ticket.requester.id, "assignee_id": ticket.assignee.as_ref().map(|a| a.id),
        }),
    )
    .await?;
    Ok(())
}
