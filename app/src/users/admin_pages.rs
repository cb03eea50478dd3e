//! Administration of accounts: list, change role, deactivate.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::hooks::use_query_map;

use crate::i18n::{msg, use_i18n};
use crate::ui::{AdminNav, ErrorNotice, Failure, Pager};
use crate::users::api::{list_users, SetUserActive, SetUserRole};
use crate::users::{Role, User};

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let query = use_query_map();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let users = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("q").unwrap_or_default(),
                q.get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1),
                set_role.version().get(),
                set_active.version().get(),
            )
        },
        |(q, page, _, _)| list_users(q, page),
    );
    let last_error = move || {
        let a = set_role.value().get().and_then(|r| r.err());
        let b = set_active.value().get().and_then(|r| r.err());
        a.or(b)
    };
    let i18n = use_i18n();
    view! {
        <PageTitle text=i18n.t(msg::admin::USERS)/>
        <AdminNav/>
        <h1>{i18n.t(msg::admin::USERS)}</h1>
        <form method="get" action="/admin/users" class="toolbar" role="search">
            <label for="user-search">{i18n.t(msg::admin::SEARCH_USERS)}</label>
            <input id="user-search" type="search" name="q" value=move || query.read().get("q").unwrap_or_default()/>
            <button type="submit" class="btn">{i18n.t(msg::admin::SEARCH)}</button>
        </form>
        {move || last_error().map(|e| view! { <ErrorNotice error=e/> })}
        <Transition fallback=move || view! { <p class="muted">{i18n.t(msg::admin::LOADING_USERS)}</p> }>
            {move || users.get().map(|result| match result {
                Ok(page) => {
                    let total_pages = (page.total + page.per_page - 1) / page.per_page;
                    view! {
                        <p class="muted">{i18n.plural(msg::admin::ACCOUNTS, page.total, &[])}</p>
                        <div class="table-wrap">
                            <table class="data">
                                <thead><tr><th scope="col">{i18n.t(msg::admin::NAME)}</th><th scope="col">{i18n.t(msg::admin::EMAIL)}</th><th scope="col">{i18n.t(msg::admin::ROLE)}</th><th scope="col">{i18n.t(msg::admin::STATUS)}</th><th scope="col">{i18n.t(msg::admin::ACTIONS)}</th></tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|u| view! { <UserRow user=u set_role set_active/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager base="/admin/users".to_string() page=page.page total_pages/>
                    }.into_any()
                }
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn UserRow(user: User, set_role: ServerAction<SetUserRole>, set_active: ServerAction<SetUserActive>) -> impl IntoView {
    let id = user.id.to_string();
    let role_id = id.clone();
    let email = user.email.clone();
    let i18n = use_i18n();
    let role_label = i18n.tf(msg::admin::ROLE_FOR, &[("email", &email)]);
    let save_label = i18n.tf(msg::admin::SAVE_ROLE_FOR, &[("email", &email)]);
    let toggle_label = i18n.tf(if user.active { msg::admin::DEACTIVATE_USER } else { msg::admin::REACTIVATE_USER }, &[("email", &email)]);
    view! {
        <tr class:inactive=!user.active>
            <td>{user.display_name.clone()}</td>
            <td>{email.clone()}</td>
            <td>
                <ActionForm action=set_role>
                    <input type="hidden" name="id" value=role_id/>
                    <select name="role" aria-label=role_label.clone()>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == user.role>{i18n.t(r.label())}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="btn btn-small" aria-label=save_label>{i18n.t(msg::admin::SAVE)}</button>
                </ActionForm>
            </td>
            <td>{i18n.t(if user.active { msg::admin::ACTIVE } else { msg::admin::DEACTIVATED })}</td>
            <td>
                <ActionForm action=set_active>
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="active" value=if user.active { "false" } else { "true" }/>
                    <button type="submit" class=if user.active { "btn btn-small btn-danger" } else { "btn btn-small" } aria-label=toggle_label>
                        {i18n.t(if user.active { msg::admin::DEACTIVATE } else { msg::admin::REACTIVATE })}
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}
