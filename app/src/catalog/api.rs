//! Server functions of the catalog.

use leptos::prelude::*;

use crate::catalog::{EventDetail, EventFilter, EventSummary, Facets, HomeEvents, Page};
use crate::error::AppError;

#[server(endpoint = "catalog_home", output = crate::ui::codec::TextJson)]
pub async fn load_home() -> Result<HomeEvents, AppError> {
    crate::error::respond(async move {
        let db = crate::context::piece::<crate::db::Db>()?;
        crate::catalog::service::home(&db).await
    }
    .await)
}

#[server(endpoint = "catalog_list")]
pub async fn list_events(#[server(default)] filter: EventFilter) -> Result<Page<EventSummary>, AppError> {
    crate::error::respond(async move {
        let db = crate::context::piece::<crate::db::Db>()?;
        crate::catalog::service::list(&db, &filter).await
    }
    .await)
}

#[server(endpoint = "catalog_facets")]
pub async fn load_facets() -> Result<Facets, AppError> {
    crate::error::respond(async move {
        let db = crate::context::piece::<crate::db::Db>()?;
        crate::catalog::service::facets(&db).await
    }
    .await)
}

#[server(endpoint = "catalog_event")]
pub async fn get_event(id: String) -> Result<EventDetail, AppError> {
    crate::error::respond(async move {
        let db = crate::context::piece::<crate::db::Db>()?;
        crate::catalog::service::find(&db, &id).await
    }
    .await)
}
