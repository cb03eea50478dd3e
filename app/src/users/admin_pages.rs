//! Administration of accounts: list, change role, deactivate.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::hooks::use_query_map;

use crate::ui::{ErrorNotice, Failure, Pager};
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
    view! {
        <PageTitle text="Users"/>
        <h1>"Users"</h1>
        <form method="get" action="/admin/users" class="toolbar" role="search">
            <label for="user-search">"Search users"</label>
            <input id="user-search" type="search" name="q" value=move || query.read().get("q").unwrap_or_default()/>
            <button type="submit" class="btn">"Search"</button>
        </form>
        {move || last_error().map(|e| view! { <ErrorNotice error=e/> })}
        <Transition fallback=|| view! { <p class="muted">"Loading users…"</p> }>
            {move || users.get().map(|result| match result {
                Ok(page) => {
                    let total_pages = (page.total + page.per_page - 1) / page.per_page;
                    view! {
                        <p class="muted">{format!("{} accounts", page.total)}</p>
                        <div class="table-wrap">
                            <table class="data">
                                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th></tr></thead>
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
    let role_label = format!("Role for {email}");
    let toggle_label = if user.active { format!("Deactivate {email}") } else { format!("Reactivate {email}") };
    view! {
        <tr class:inactive=!user.active>
            <td>{user.display_name.clone()}</td>
            <td>{email.clone()}</td>
            <td>
                <ActionForm action=set_role>
                    <input type="hidden" name="id" value=role_id/>
                    <select name="role" aria-label=role_label.clone()>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == user.role>{r.label()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="btn btn-small" aria-label=format!("Save role for {email}")>"Save"</button>
                </ActionForm>
            </td>
            <td>{if user.active { "Active" } else { "Deactivated" }}</td>
            <td>
                <ActionForm action=set_active>
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="active" value=if user.active { "false" } else { "true" }/>
                    <button type="submit" class=if user.active { "btn btn-small btn-danger" } else { "btn btn-small" } aria-label=toggle_label>
                        {if user.active { "Deactivate" } else { "Reactivate" }}
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}
