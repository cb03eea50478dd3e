//! The page of one of my lists (my orders, my tickets): the items of the page the query
//! names, a pager, and what to show while there is nothing yet.

use std::future::Future;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::paging::Page;
use crate::ui::{Failure, PageTitle, Pager};
use crate::error::AppError;
use crate::i18n::{msg, use_i18n, Msg};

#[component]
pub fn MyListPage<T, L, Fut>(
    title: Msg,
    /// Shown when the list is empty, above a link to the catalog.
    empty: Msg,
    /// The path of the page, for the pager's links.
    base: &'static str,
    /// The class of the `<ul>`.
    list_class: &'static str,
    /// Loads one page (from 1).
    load: L,
    /// One item, as a list element.
    item: fn(T) -> AnyView,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    L: Fn(i64) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Result<Page<T>, AppError>> + Send + 'static,
{
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).max(1);
    // Loaded again when the device's copy changed (see `mine`): back online, say.
    let items = Resource::new(move || (page(), crate::ui::mine::version()), move |(page, _)| load(page));
    let i18n = use_i18n();
    let (title, empty) = (i18n.t(title), i18n.t(empty));
    view! {
        <PageTitle text=title/>
        <h1>{title}</h1>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::ui::LOADING)}</p> }>
            {move || items.get().map(|result| match result {
                Ok(page) if page.items.is_empty() && page.page == 1 => view! {
                    <section class="card empty"><p>{empty}</p><A href="/events" attr:class="btn btn-primary">{i18n.t(msg::ui::FIND_EVENT)}</A></section>
                }.into_any(),
                Ok(page) => {
                    let total_pages = page.total_pages();
                    let current = page.page;
                    view! {
                        <ul class=list_class>{page.items.into_iter().map(item).collect_view()}</ul>
                        {(total_pages > 1).then(|| view! { <Pager base=base.to_string() page=current total_pages/> })}
                    }.into_any()
                }
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}
