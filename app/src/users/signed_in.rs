//! Who is signed in, for a server function: the session the request carries.

use std::sync::Arc;

use crate::context::{piece, request_parts};
use crate::db::Db;
use crate::users::accounts::Accounts;
use crate::users::{session, User};
use crate::error::AppError;

/// The signed-in user of the current request, if any.
pub async fn current_user() -> Result<Option<User>, AppError> {
    let parts = request_parts()?;
    match session::token_from_headers(&parts.headers) {
        Some(token) => session::resolve(&piece::<Db>()?, &piece::<Arc<Accounts>>()?.sessions, &token).await,
        None => Ok(None),
    }
}

/// The signed-in user, or 401.
pub async fn require_user() -> Result<User, AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}

/// The signed-in administrator: 401 for nobody, 403 for anyone else.
pub async fn require_admin() -> Result<User, AppError> {
    let user = require_user().await?;
    if user.is_admin() { Ok(user) } else { Err(AppError::Forbidden) }
}
