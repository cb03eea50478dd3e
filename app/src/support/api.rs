//! Server functions of the support desk (the REST API calls the same services). Every
//! field of a form arrives as text, so that bad input becomes field errors.

use leptos::prelude::*;

use crate::error::AppError;
use crate::paging::Page;
use crate::support::model::{Agent, OrderPanel, SupportMessage, SupportTicket};

#[cfg(feature = "ssr")]
use crate::{context::piece, db::Db, sealing::DataKeys, users::signed_in::require_user};
#[cfg(feature = "ssr")]
use std::sync::Arc;

/// An enumeration's value from a form: empty means none.
#[cfg(feature = "ssr")]
fn pick<T>(raw: &str, field: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        value => parse(value).map(Some).ok_or_else(|| AppError::field(field, crate::i18n::msg::errors_support::CHOOSE_LISTED)),
    }
}

/// A list of support tickets: the queue and filters as the page's query has them.
#[server(endpoint = "support_tickets")]
pub async fn support_tickets(
    #[server(default)] queue: String,
    #[server(default)] status: String,
    #[server(default)] category: String,
    #[server(default)] q: String,
    #[server(default)] overdue: bool,
    page: i64,
) -> Result<Page<SupportTicket>, AppError> {
    use crate::support::service::{self, Queue, TicketQuery};
    use crate::support::{Category, SupportStatus};
    crate::error::respond(async move {
        let user = require_user().await?;
        let queue = pick(&queue, "queue", |q| match q {
            "MINE" => Some(Queue::Mine),
            "ASSIGNED" => Some(Queue::Assigned),
            "UNASSIGNED" => Some(Queue::Unassigned),
            "ALL" => Some(Queue::All),
            _ => None,
        })?;
        let query = TicketQuery {
            queue,
            status: pick(&status, "status", SupportStatus::parse)?,
            category: pick(&category, "category", Category::parse)?,
            priority: None,
            q: Some(q).filter(|q| !q.trim().is_empty()),
            overdue: overdue.then_some(true),
            page: Some(page),
        };
        service::list(&piece::<Db>()?, &*piece::<Arc<DataKeys>>()?, &user, &query).await
    }
    .await)
}

#[server(endpoint = "get_support_ticket")]
pub async fn get_support_ticket(id: String) -> Result<SupportTicket, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?.to_string();
        crate::support::service::get(&piece::<Db>()?, &*piece::<Arc<DataKeys>>()?, &user, &id).await
    }
    .await)
}

/// Opens a support ticket and leads to it.
#[server(endpoint = "open_support_ticket")]
pub async fn open_support_ticket(
    title: String,
    description: String,
    category: String,
    #[server(default)] order_id: String,
    #[server(default)] phone: String,
    #[server(default)] client_id: String,
    #[server(default)] attachments: String,
) -> Result<SupportTicket, AppError> {
    use crate::support::{Category, NewSupportTicket};
    crate::error::respond(async move {
        let user = require_user().await?;
        let category = pick(&category, "category", Category::parse)?.ok_or_else(|| AppError::field("category", crate::i18n::msg::errors_support::CHOOSE_LISTED))?;
        let new = NewSupportTicket {
            title,
            description,
            category,
            order_id: Some(order_id).filter(|o| !o.trim().is_empty()),
            phone: Some(phone).filter(|p| !p.trim().is_empty()),
            client_id: Some(client_id).filter(|c| !c.is_empty()),
            attachments: files(&attachments)?,
        };
        let (ticket, _) = crate::support::service::create(&piece::<Db>()?, &*piece::<Arc<DataKeys>>()?, &user, &new).await?;
        leptos_axum::redirect(&format!("/support/{}", ticket.id));
        Ok(ticket)
    }
    .await)
}

/// The files a page's form carries: the JSON list the browser read them into.
#[cfg(feature = "ssr")]
fn files(attachments: &str) -> Result<Vec<crate::support::NewAttachment>, AppError> {
    if attachments.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(attachments)
        .map_err(|_| AppError::field("attachments", crate::i18n::Text::with(crate::i18n::msg::errors_support::ATTACHMENT_UNREADABLE, &[("name", &"…")])))
}

/// Where a page of the support desk leads back to after a change: the customer's page or
/// the desk's.
#[cfg(feature = "ssr")]
fn back_to(from_desk: bool, id: &str) -> String {
    if from_desk { format!("/desk/{id}") } else { format!("/support/{id}") }
}

/// A reply (or, from the desk, an internal note: `internal` is "on").
#[server(endpoint = "reply_support_ticket")]
pub async fn reply_support_ticket(
    id: String,
    body: String,
    #[server(default)] internal: String,
    #[server(default)] desk: String,
    #[server(default)] client_id: String,
    #[server(default)] attachments: String,
) -> Result<SupportMessage, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?.to_string();
        let new = crate::support::NewMessage { body, internal: !internal.is_empty(), client_id: Some(client_id).filter(|c| !c.is_empty()), attachments: files(&attachments)? };
        let (message, _) = crate::support::conversation::reply(&piece::<Db>()?, &*piece::<Arc<DataKeys>>()?, &user, &id, &new).await?;
        leptos_axum::redirect(&back_to(!desk.is_empty(), &id));
        Ok(message)
    }
    .await)
}

#[server(endpoint = "move_support_ticket")]
pub async fn move_support_ticket(id: String, status: String, #[server(default)] desk: String) -> Result<SupportTicket, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?.to_string();
        let to = pick(&status, "status", crate::support::SupportStatus::parse)?.ok_or_else(|| AppError::field("status", crate::i18n::msg::errors_support::CHOOSE_LISTED))?;
        let ticket = crate::support::conversation::change_status(&piece::<Db>()?, &*piece::<Arc<DataKeys>>()?, &user, &id, to).await?;
        leptos_axum::redirect(&back_to(!desk.is_empty(), &id));
        Ok(ticket)
    }
    .await)
}

/// An agent takes a support ticket nobody has.
#[server(endpoint = "take_support_ticket")]
pub async fn take_support_ticket(id: String) -> Result<SupportTicket, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?.to_string();
        let ticket = crate::support::desk::assign_to(&piece::<Db>()?, &*piece::<Arc<DataKeys>>()?, &user, &id, &user.id.to_string()).await?;
        leptos_axum::redirect(&back_to(true, &id));
        Ok(ticket)
    }
    .await)
}

/// The signed-in agent as the desk sees them (none for anyone else).
#[server(endpoint = "my_agent")]
pub async fn my_agent() -> Result<Option<Agent>, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        if !crate::support::service::is_desk(&user) {
            return Ok(None);
        }
        Ok(crate::support::desk::agents(&piece::<Db>()?, &user).await?.into_iter().find(|a| a.id == user.id))
    }
    .await)
}

#[server(endpoint = "set_my_availability")]
pub async fn set_my_availability(availability: String) -> Result<Agent, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let availability = pick(&availability, "availability", crate::support::Availability::parse)?
            .ok_or_else(|| AppError::field("availability", crate::i18n::msg::errors_support::CHOOSE_LISTED))?;
        let agent = crate::support::desk::set_availability(&piece::<Db>()?, &user, &user.id.to_string(), availability).await?;
        leptos_axum::redirect("/desk");
        Ok(agent)
    }
    .await)
}

/// My orders, newest first, to name one in a new support ticket: (id, what it reads as).
#[server(endpoint = "orders_to_name")]
pub async fn orders_to_name() -> Result<Vec<(String, String)>, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let i18n = crate::i18n::use_i18n();
        let page = crate::orders::service::list_for(&piece::<Db>()?, &user, 1).await?;
        Ok(page
            .items
            .into_iter()
            .map(|o| {
                let when = o.event_starts_at_local.map(|t| i18n.fmt().date(t)).unwrap_or_else(|| i18n.fmt().date(o.event_starts_at));
                (o.id.to_string(), format!("{} · {} · {}", o.event_title, when, i18n.t(o.status.label())))
            })
            .collect())
    }
    .await)
}

/// The order panel of a support ticket (the desk's).
#[server(endpoint = "support_order")]
pub async fn support_order(id: String) -> Result<Option<OrderPanel>, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?.to_string();
        crate::support::panel::panel(&piece::<Db>()?, &*piece::<Arc<DataKeys>>()?, &user, &id).await
    }
    .await)
}

#[server(endpoint = "refund_support_order")]
pub async fn refund_support_order(id: String) -> Result<OrderPanel, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?.to_string();
        let panel = crate::support::panel::refund(&piece::<Db>()?, &*piece::<Arc<DataKeys>>()?, &user, &id).await?;
        leptos_axum::redirect(&back_to(true, &id));
        Ok(panel)
    }
    .await)
}

#[server(endpoint = "resend_support_tickets")]
pub async fn resend_support_tickets(id: String) -> Result<OrderPanel, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?.to_string();
        crate::support::panel::resend(&piece::<Db>()?, &*piece::<Arc<DataKeys>>()?, &user, &id).await
    }
    .await)
}

/// The agents with their skills, availability and load (the desk).
#[server(endpoint = "desk_agents")]
pub async fn desk_agents() -> Result<Vec<Agent>, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        crate::support::desk::agents(&piece::<Db>()?, &user).await
    }
    .await)
}

/// An administrator gives a support ticket to an agent.
#[server(endpoint = "assign_support_ticket")]
pub async fn assign_support_ticket(id: String, agent_id: String) -> Result<SupportTicket, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?.to_string();
        let agent = agent_id.parse::<uuid::Uuid>().map_err(|_| AppError::field("agent_id", crate::i18n::msg::errors_support::NOT_AN_AGENT))?.to_string();
        let ticket = crate::support::desk::assign_to(&piece::<Db>()?, &*piece::<Arc<DataKeys>>()?, &user, &id, &agent).await?;
        leptos_axum::redirect(&back_to(true, &id));
        Ok(ticket)
    }
    .await)
}
