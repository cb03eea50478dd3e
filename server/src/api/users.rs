//! `/users` (administrators only).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use app::state::AppState;
use app::paging::Page;
use app::users::service::{self, NewUser, UserChange};
use app::users::{Role, User};

use crate::api::error::ApiResult;
use crate::api::extract::{parse_id, AdminUser, ApiJson, ApiQuery};

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

pub async fn list(State(state): State<AppState>, AdminUser(_): AdminUser, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<Page<User>>> {
    let page = q.page.unwrap_or(1);
    if page < 1 {
        return Err(app::AppError::field("page", app::i18n::msg::errors::PAGE_START).into());
    }
    Ok(Json(service::list(&state.db, q.q.as_deref().unwrap_or(""), page).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    email: String,
    display_name: String,
    password: String,
    #[serde(default = "customer")]
    role: Role,
    #[serde(default)]
    skills: Vec<String>,
}

fn customer() -> Role {
    Role::Customer
}

pub async fn create(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let skills = app::support::rules::check_skills(&body.skills).map_err(|e| app::AppError::field("skills", e))?;
    let new = NewUser { email: body.email, display_name: body.display_name, password: body.password, role: body.role, skills };
    let user = service::register(&state.db, &state.accounts.hasher, new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    active: Option<bool>,
}

pub async fn update(
    State(state): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchBody>,
) -> ApiResult<Json<User>> {
    let id = parse_id(&id)?;
    let user = service::change(&state.db, &state.accounts, &actor, &id, UserChange { role: body.role, active: body.active }).await?;
    Ok(Json(user))
}
