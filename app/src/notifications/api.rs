//! Server functions of the notifications (the REST API calls the same services).

use leptos::prelude::*;

use crate::error::AppError;
use crate::notifications::{MarkedRead, Notification, Preferences};
use crate::paging::Page;

#[cfg(feature = "ssr")]
use crate::{context::piece, db::Db, i18n::use_i18n, notifications::service, users::signed_in::require_user};

#[server(endpoint = "my_notifications")]
pub async fn my_notifications(page: i64, unread: bool) -> Result<Page<Notification>, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        service::list_for(&piece::<Db>()?, &user, unread, page, use_i18n()).await
    }
    .await)
}

/// The badge's count: the signed-in user's unread notifications (none for a visitor).
#[server(endpoint = "unread_notifications", output = crate::ui::codec::TextJson)]
pub async fn unread_notifications() -> Result<i64, AppError> {
    crate::error::respond(async move {
        match crate::users::signed_in::current_user().await? {
            Some(user) => service::unread_count(&piece::<Db>()?, &user).await,
            None => Ok(0),
        }
    }
    .await)
}

#[server(endpoint = "mark_notification_read")]
pub async fn mark_notification_read(id: String) -> Result<Notification, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?.to_string();
        service::mark_read(&piece::<Db>()?, &user, &id, use_i18n()).await
    }
    .await)
}

#[server(endpoint = "mark_all_notifications_read")]
pub async fn mark_all_notifications_read() -> Result<MarkedRead, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        service::mark_all_read(&piece::<Db>()?, &user).await
    }
    .await)
}

#[server(endpoint = "notification_preferences")]
pub async fn notification_preferences() -> Result<Preferences, AppError> {
    crate::error::respond(async move {
        let user = require_user().await?;
        service::preferences(&piece::<Db>()?, &user).await
    }
    .await)
}
