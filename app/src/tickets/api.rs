//! Server functions of the admission tickets (the REST API calls the same services).

use leptos::prelude::*;

use crate::paging::Page;
use crate::tickets::Ticket;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::{context::piece, db::Db, users::signed_in::require_user};

#[server(endpoint = "my_tickets")]
pub async fn my_tickets(page: i64) -> Result<Page<Ticket>, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        crate::tickets::service::list_for(&piece::<Db>()?, &user, page).await
    }
    .await)
}

#[server(endpoint = "get_ticket")]
pub async fn get_ticket(id: String) -> Result<Ticket, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        crate::tickets::service::find_for(&piece::<Db>()?, &user, &id).await
    }
    .await)
}
