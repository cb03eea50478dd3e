//! Server functions of the box office (the REST API calls the same services).

use leptos::prelude::*;

use crate::orders::model::{Hold, Order};
use crate::paging::Page;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::{context::piece, db::Db, users::signed_in::require_user};

#[server(endpoint = "hold_seats")]
pub async fn hold_seats(event_id: String, #[server(default)] seat_ids: Vec<String>) -> Result<Hold, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let ids = seat_ids
            .iter()
            .map(|s| s.parse().map_err(|_| AppError::field("seat_ids", crate::i18n::msg::errors_orders::SEATS_UNKNOWN)))
            .collect::<Result<Vec<uuid::Uuid>, _>>()?;
        let ip = crate::context::client_ip(&crate::context::request_parts()?)?;
        let desk = piece::<std::sync::Arc<crate::orders::holds::HoldDesk>>()?;
        let hold = crate::orders::holds::create(&piece::<Db>()?, &desk, &user, ip, &event_id, &ids).await?;
        leptos_axum::redirect(&format!("/checkout/{}", hold.id));
        Ok(hold)
    }
    .await)
}

#[server(endpoint = "hold_best")]
pub async fn hold_best(event_id: String, section_id: String, quantity: String) -> Result<Hold, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let quantity = quantity.trim().parse::<usize>().map_err(|_| {
            AppError::field(
                "quantity",
                crate::i18n::Text::with(crate::i18n::msg::errors::HOLD_QUANTITY, &[("max", &crate::orders::rules::MAX_SEATS_PER_HOLD)]),
            )
        })?;
        let ip = crate::context::client_ip(&crate::context::request_parts()?)?;
        let desk = piece::<std::sync::Arc<crate::orders::holds::HoldDesk>>()?;
        let hold = crate::orders::holds::create_best(&piece::<Db>()?, &desk, &user, ip, &event_id, &section_id, quantity).await?;
        leptos_axum::redirect(&format!("/checkout/{}", hold.id));
        Ok(hold)
    }
    .await)
}

#[server(endpoint = "get_hold")]
pub async fn get_hold(id: String) -> Result<Hold, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        crate::orders::holds::find_for(&piece::<Db>()?, &user, &id).await.map(|h| h.hold)
    }
    .await)
}

#[server(endpoint = "release_hold")]
pub async fn release_hold(id: String, event_slug: String) -> Result<(), AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        crate::orders::holds::release(&piece::<Db>()?, &user, &id).await?;
        leptos_axum::redirect(&format!("/events/{}", crate::catalog::rules::encode(&event_slug)));
        Ok(())
    }
    .await)
}

/// Every field arrives as text so that bad input becomes field errors, not a failure
/// to decode the request.
#[server(endpoint = "place_order")]
pub async fn place_order(
    hold_id: String,
    idempotency_key: String,
    card_number: String,
    exp_month: String,
    exp_year: String,
    cvc: String,
    name: String,
) -> Result<Order, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let payment = crate::orders::model::PaymentInput {
            card_number,
            exp_month: exp_month.trim().parse().unwrap_or(0),
            exp_year: exp_year.trim().parse().unwrap_or(0),
            cvc,
            name,
        };
        let order = crate::orders::service::place(&piece::<Db>()?, &*piece::<std::sync::Arc<dyn crate::orders::store::OrderStore>>()?, &piece()?, &user, &hold_id, &idempotency_key, &payment).await?;
        leptos_axum::redirect(&format!("/orders/{}", order.id));
        Ok(order)
    }
    .await)
}

#[server(endpoint = "get_order")]
pub async fn get_order(id: String) -> Result<Order, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        crate::orders::service::find_for(&piece::<Db>()?, &user, &id).await
    }
    .await)
}

#[server(endpoint = "my_orders")]
pub async fn my_orders(page: i64) -> Result<Page<Order>, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        crate::orders::service::list_for(&piece::<Db>()?, &user, page).await
    }
    .await)
}

#[server(endpoint = "cancel_order")]
pub async fn cancel_order(id: String) -> Result<Order, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        crate::orders::service::cancel(&piece::<Db>()?, &user, &id).await
    }
    .await)
}

/// The seat map of an event, in the visitor's language, for a page that opened without
/// a load of its own (a page the server sends has it already).
#[server(endpoint = "seat_map")]
pub async fn seat_map(event_id: String) -> Result<String, AppError> {
    crate::error::respond(async move {
        let event = event_id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?;
        let maps = piece::<std::sync::Arc<crate::orders::seatmap::fragment::SeatMaps>>()?;
        let drawing = maps.drawing(&piece::<Db>()?, event, crate::i18n::use_i18n().locale).await?;
        Ok(drawing.html.to_string())
    }
    .await)
}

/// The statuses of an event's seats, in the map's order, read again (when the live stream
/// lost track, or a hold found a seat taken).
#[server(endpoint = "seat_statuses")]
pub async fn seat_statuses(event_id: String) -> Result<crate::orders::seatmap::SeatStatuses, AppError> {
    crate::error::respond(async move {
        let event = event_id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?;
        let maps = piece::<std::sync::Arc<crate::orders::seatmap::fragment::SeatMaps>>()?;
        Ok(maps.statuses(&piece::<Db>()?, event).await?.board.clone())
    }
    .await)
}
