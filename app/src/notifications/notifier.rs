//! The notifier: turns domain events into notifications for the people they concern, in
//! the app and by email, as each person chose.
//!
//! Each (source, recipient) gets one notification and one email at most: both tables are
//! unique on it, so a redelivered event creates nothing new. A notification keeps its kind
//! and parameters, and is put into words when it is read, in the reader's language; an
//! email is written once, in the language of its recipient's profile, and queued for the
//! mailer in the same transaction (`email.queued`).

use serde_json::{json, Value};
use sqlx::Row;

use crate::audit::{event_types, outbox, EventEnvelope};
use crate::catalog::seat_label;
use crate::db::{new_id, now_ms, Db};
use crate::error::AppError;
use crate::i18n::{I18n, Locale};
use crate::notifications::mail;
use crate::notifications::rules;
use crate::notifications::service::chosen;
use crate::notifications::texts::render;
use crate::notifications::{Channel, NotificationKind};
use crate::orders::rules::reasons;

/// The event types the notifier handles.
pub const EVENT_TYPES: &[&str] = &[
    event_types::USER_CREATED,
    event_types::USER_DEACTIVATED,
    event_types::HOLD_EXPIRING,
    event_types::HOLD_EXPIRED,
    event_types::TICKET_ISSUED,
    event_types::PAYMENT_REJECTED,
    event_types::ORDER_CANCELLED,
    event_types::ORDER_REFUNDED,
    event_types::TICKETS_RESENT,
    event_types::ASSIGNMENT_CREATED,
    event_types::SUPPORT_TICKET_REPLIED,
    event_types::SUPPORT_TICKET_STATUS_CHANGED,
];

/// One thing to tell one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub user_id: String,
    pub kind: NotificationKind,
    /// What the texts are made from (see [`render`]).
    pub params: Value,
    /// A path of this site.
    pub link: Option<String>,
    /// What makes it unique for its recipient: the source event's id, or for what several
    /// events announce together (an order's tickets), a key of that.
    pub source: String,
}

/// Handles one event: works out who is told what, and tells them.
pub async fn notify(db: &Db, public_url: &str, event: &EventEnvelope) -> Result<(), AppError> {
    for notice in notices_for(db, event).await? {
        deliver(db, public_url, &notice).await?;
    }
    Ok(())
}

fn text(payload: &Value, field: &str, event: &EventEnvelope) -> Result<String, AppError> {
    payload[field].as_str().map(str::to_owned).ok_or_else(|| {
        tracing::error!(event_id = %event.id, event_type = event.event_type, field, "an event without a field the notifier needs");
        AppError::BadRequest(crate::i18n::Text::raw(format!("{} without {field}", event.event_type)))
    })
}

/// What an event tells whom.
pub async fn notices_for(db: &Db, event: &EventEnvelope) -> Result<Vec<Notice>, AppError> {
    let p = &event.payload;
    let source = event.id.to_string();
    let notices = match event.event_type.as_str() {
        event_types::USER_CREATED => vec![Notice {
            user_id: text(p, "user_id", event)?,
            kind: NotificationKind::Welcome,
            params: json!({ "name": p["display_name"].as_str().unwrap_or_default() }),
            link: Some("/events".into()),
            source,
        }],
        event_types::USER_DEACTIVATED => {
            let user_id = text(p, "user_id", event)?;
            let by = p["by"].as_str().unwrap_or_default();
            let Some(user) = sqlx::query("SELECT display_name, email FROM users WHERE id = $1").bind(&user_id).fetch_optional(&db.pool).await? else {
                return Ok(Vec::new());
            };
            let params = json!({ "name": user.try_get::<String, _>("display_name")?, "email": user.try_get::<String, _>("email")? });
            let admins: Vec<String> = sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' AND id <> $1 AND id <> $2 ORDER BY id")
                .bind(&user_id)
                .bind(by)
                .fetch_all(&db.pool)
                .await?;
            admins
                .into_iter()
                .map(|admin| Notice { user_id: admin, kind: NotificationKind::AccountDeactivated, params: params.clone(), link: Some("/admin/users".into()), source: source.clone() })
                .collect()
        }
        event_types::HOLD_EXPIRING | event_types::HOLD_EXPIRED => {
            let hold_id = text(p, "hold_id", event)?;
            let row = sqlx::query(
                "SELECT h.user_id, h.event_id, h.expires_at, e.title, v.time_zone, (SELECT COUNT(*) FROM hold_seats s WHERE s.hold_id = h.id) AS seats \
                 FROM holds h JOIN events e ON e.id = h.event_id JOIN venues v ON v.id = e.venue_id WHERE h.id = $1",
            )
            .bind(&hold_id)
            .fetch_optional(&db.pool)
            .await?;
            let Some(row) = row else { return Ok(Vec::new()) };
            let event_id: String = row.try_get("event_id")?;
            let expiring = event.event_type == event_types::HOLD_EXPIRING;
            vec![Notice {
                user_id: row.try_get("user_id")?,
                kind: if expiring { NotificationKind::HoldExpiring } else { NotificationKind::HoldExpired },
                params: json!({
                    "event": row.try_get::<String, _>("title")?,
                    "seats": row.try_get::<i64, _>("seats")?,
                    "expires_at_ms": row.try_get::<i64, _>("expires_at")?,
                    "time_zone": row.try_get::<String, _>("time_zone")?,
                }),
                link: Some(if expiring { format!("/checkout/{hold_id}") } else { format!("/events/{event_id}") }),
                source,
            }]
        }
        event_types::TICKET_ISSUED | event_types::TICKETS_RESENT => {
            let order_id = text(p, "order_id", event)?;
            let Some(order) = order_facts(db, &order_id).await? else { return Ok(Vec::new()) };
            let tickets = sqlx::query(
                "SELECT t.id, sc.name AS section, st.row_label, st.number FROM tickets t JOIN seats st ON st.id = t.seat_id \
                 JOIN venue_sections sc ON sc.id = st.section_id WHERE t.order_id = $1 AND t.status = 'VALID' \
                 ORDER BY sc.sort_order, st.row_label, st.number",
            )
            .bind(&order_id)
            .fetch_all(&db.pool)
            .await?;
            let tickets = tickets
                .iter()
                .map(|t| {
                    Ok(json!({
                        "id": t.try_get::<String, _>("id")?,
                        "section": t.try_get::<String, _>("section")?,
                        "row": t.try_get::<String, _>("row_label")?,
                        "number": t.try_get::<i64, _>("number")?,
                    }))
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            if tickets.is_empty() {
                return Ok(Vec::new());
            }
            vec![Notice {
                user_id: order.user_id,
                kind: NotificationKind::OrderPaid,
                params: json!({ "event": order.event, "count": tickets.len(), "total_cents": order.total_cents, "currency": order.currency, "tickets": tickets }),
                link: Some(format!("/orders/{order_id}")),
                // Every ticket of an order is announced by its own event, all committed
                // together: the first to arrive tells, the others find it told. Sent
                // again by the desk, they are told again.
                source: if event.event_type == event_types::TICKETS_RESENT { source } else { format!("order-paid:{order_id}") },
            }]
        }
        event_types::PAYMENT_REJECTED => {
            let order_id = text(p, "order_id", event)?;
            let Some(order) = order_facts(db, &order_id).await? else { return Ok(Vec::new()) };
            let reason = order.failure_reason.unwrap_or_else(|| reasons::CARD_DECLINED.to_owned());
            vec![Notice {
                user_id: order.user_id,
                kind: NotificationKind::PaymentDeclined,
                params: json!({ "event": order.event, "reason": reason }),
                link: Some(format!("/orders/{order_id}")),
                source,
            }]
        }
        event_types::ORDER_CANCELLED | event_types::ORDER_REFUNDED => {
            let order_id = text(p, "order_id", event)?;
            let Some(order) = order_facts(db, &order_id).await? else { return Ok(Vec::new()) };
            let refunded = event.event_type == event_types::ORDER_REFUNDED;
            vec![Notice {
                user_id: order.user_id,
                kind: NotificationKind::OrderCancelled,
                params: json!({
                    "event": order.event,
                    "reason": if p["reason"] == reasons::REFUNDED_BY_SUPPORT { reasons::REFUNDED_BY_SUPPORT } else { reasons::EVENT_CANCELLED },
                    "refunded": refunded,
                    "total_cents": p["amount_cents"].as_i64().unwrap_or(order.total_cents),
                    "currency": order.currency,
                }),
                link: Some(format!("/orders/{order_id}")),
                source,
            }]
        }
        event_types::ASSIGNMENT_CREATED | event_types::SUPPORT_TICKET_REPLIED | event_types::SUPPORT_TICKET_STATUS_CHANGED => support_notices(db, event).await?,
        _ => Vec::new(),
    };
    Ok(notices)
}

/// What the support desk's events tell: an agent that a support ticket is theirs; the
/// other side of the conversation that someone wrote (never of an internal note); the
/// customer that the desk moved their support ticket on.
async fn support_notices(db: &Db, event: &EventEnvelope) -> Result<Vec<Notice>, AppError> {
    let p = &event.payload;
    let source = event.id.to_string();
    let ticket_id = text(p, "ticket_id", event)?;
    let Some(ticket) = sqlx::query("SELECT title, priority, requester_id, assignee_id FROM support_tickets WHERE id = $1").bind(&ticket_id).fetch_optional(&db.pool).await? else {
        return Ok(Vec::new());
    };
    let title: String = ticket.try_get("title")?;
    let requester: String = ticket.try_get("requester_id")?;
    let for_customer = format!("/support/{ticket_id}");
    let for_desk = format!("/desk/{ticket_id}");
    let notices = match event.event_type.as_str() {
        event_types::ASSIGNMENT_CREATED => {
            let agent = text(p, "agent_id", event)?;
            // An agent who took it knows.
            if p["by"].as_str() == Some(agent.as_str()) {
                return Ok(Vec::new());
            }
            let params = json!({ "title": title, "priority": ticket.try_get::<String, _>("priority")? });
            vec![Notice { user_id: agent, kind: NotificationKind::SupportAssigned, params, link: Some(for_desk), source }]
        }
        event_types::SUPPORT_TICKET_REPLIED if p["internal"] == false => {
            let author = text(p, "author_id", event)?;
            let name: Option<String> = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1").bind(&author).fetch_optional(&db.pool).await?;
            let params = json!({ "title": title, "author": name.unwrap_or_default() });
            let (to, link) = if author == requester { (ticket.try_get::<Option<String>, _>("assignee_id")?, for_desk) } else { (Some(requester), for_customer) };
            to.into_iter().map(|user_id| Notice { user_id, kind: NotificationKind::SupportReply, params: params.clone(), link: Some(link.clone()), source: source.clone() }).collect()
        }
        event_types::SUPPORT_TICKET_STATUS_CHANGED => {
            let to = text(p, "to", event)?;
            let by_customer = p["by"].as_str() == Some(requester.as_str());
            if by_customer || !matches!(to.as_str(), "WAITING" | "RESOLVED" | "CLOSED") {
                return Ok(Vec::new());
            }
            vec![Notice { user_id: requester, kind: NotificationKind::SupportStatus, params: json!({ "title": title, "status": to }), link: Some(for_customer), source }]
        }
        _ => Vec::new(),
    };
    Ok(notices)
}

struct OrderFacts {
    user_id: String,
    event: String,
    total_cents: i64,
    currency: String,
    failure_reason: Option<String>,
}

async fn order_facts(db: &Db, order_id: &str) -> Result<Option<OrderFacts>, AppError> {
    let row = sqlx::query("SELECT o.user_id, e.title, o.total_cents, o.currency, o.failure_reason FROM orders o JOIN events e ON e.id = o.event_id WHERE o.id = $1")
        .bind(order_id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| {
        Ok(OrderFacts {
            user_id: r.try_get("user_id")?,
            event: r.try_get("title")?,
            total_cents: r.try_get("total_cents")?,
            currency: r.try_get("currency")?,
            failure_reason: r.try_get("failure_reason")?,
        })
    })
    .transpose()
}

/// Tells one person, on the channels they keep open for this kind: the notification, and
/// the email queued for the mailer, with their events, in one transaction. An inactive
/// account is told nothing.
pub async fn deliver(db: &Db, public_url: &str, notice: &Notice) -> Result<(), AppError> {
    let Some(person) = sqlx::query("SELECT email, display_name, locale, active FROM users WHERE id = $1").bind(&notice.user_id).fetch_optional(&db.pool).await? else {
        return Ok(());
    };
    if !crate::db::flag(&person, "active")? {
        return Ok(());
    }
    let chosen = chosen(db, &notice.user_id).await?;
    let on = |channel| chosen.iter().find(|(k, c, _)| *k == notice.kind && *c == channel).map(|(_, _, on)| *on).unwrap_or_else(|| rules::default_enabled(notice.kind, channel));
    let (in_app, by_email) = (on(Channel::InApp), on(Channel::Email));
    if !in_app && !by_email {
        return Ok(());
    }
    let locale: Option<String> = person.try_get("locale")?;
    let i18n = I18n::new(locale.as_deref().and_then(Locale::parse).unwrap_or_default());
    let (title, body) = render(notice.kind, &notice.params, i18n);
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let mut announced = false;
    if in_app {
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO notifications (id, user_id, kind, title, body, params, link, source_event_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id, source_event_id) DO NOTHING",
        )
        .bind(&id)
        .bind(&notice.user_id)
        .bind(notice.kind.as_str())
        .bind(&title)
        .bind(&body)
        .bind(notice.params.to_string())
        .bind(&notice.link)
        .bind(&notice.source)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            let payload = json!({ "notification_id": id, "user_id": notice.user_id, "kind": notice.kind.as_str() });
            outbox::record(&mut tx, event_types::NOTIFICATION_CREATED, &notice.user_id, &payload).await?;
            announced = true;
        }
    }
    if by_email {
        let tickets: Vec<(String, String)> = notice.params["tickets"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .map(|t| {
                        let seat = seat_label(i18n, t["section"].as_str().unwrap_or_default(), t["row"].as_str().unwrap_or_default(), t["number"].as_i64().unwrap_or_default());
                        (t["id"].as_str().unwrap_or_default().to_owned(), seat)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let letter = mail::compose(
            i18n,
            public_url,
            &mail::Letter { name: &person.try_get::<String, _>("display_name")?, title: &title, body: &body, link: notice.link.as_deref(), tickets: &tickets },
        );
        let id = new_id();
        let qr_ids = serde_json::to_string(&tickets.iter().map(|(id, _)| id).collect::<Vec<_>>()).map_err(|_| AppError::Internal)?;
        let inserted = sqlx::query(
            "INSERT INTO outgoing_emails (id, user_id, kind, source_event_id, to_address, subject, text_body, html_body, qr_ticket_ids, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (user_id, source_event_id) DO NOTHING",
        )
        .bind(&id)
        .bind(&notice.user_id)
        .bind(notice.kind.as_str())
        .bind(&notice.source)
        .bind(person.try_get::<String, _>("email")?)
        .bind(&letter.subject)
        .bind(&letter.text)
        .bind(&letter.html)
        .bind(qr_ids)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            outbox::record(&mut tx, event_types::EMAIL_QUEUED, &id, &json!({ "email_id": id, "user_id": notice.user_id, "kind": notice.kind.as_str() })).await?;
            announced = true;
        }
    }
    tx.commit().await?;
    if announced {
        db.wake_relay();
    }
    Ok(())
}
