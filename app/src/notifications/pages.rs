//! The notifications page (all or unread, paged, mark read) and the settings page (what
//! reaches me in the app and by email).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::i18n::{msg, use_i18n};
use crate::notifications::api::{my_notifications, notification_preferences, MarkAllNotificationsRead, MarkNotificationRead};
use crate::notifications::rules::{field_name, kind_label, SETTINGS_FORM_PATH};
use crate::notifications::badge::UnreadBadge;
use crate::notifications::{Channel, Notification};
use crate::error::AppError;
use crate::ui::mine::{self, Queued, Rest, SavedOffline, SyncStatus};
use crate::ui::{ErrorNotice, Failure, PageTitle, Pager};

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let query = use_query_map();
    let mark_one = ServerAction::<MarkNotificationRead>::new();
    let mark_all = ServerAction::<MarkAllNotificationsRead>::new();
    let unread_only = move || query.read().get("unread").is_some_and(|v| v == "1" || v == "true");
    let list = Resource::new(
        move || {
            let page = query.read().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1);
            (page, unread_only(), mark_one.version().get(), mark_all.version().get(), mine::version())
        },
        |(page, unread, _, _, _)| {
            let keep: fn(&Notification) -> bool = if unread { |n| n.read_at.is_none() } else { |_| true };
            let newest_first = |a: &Notification, b: &Notification| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id));
            mine::page_or_kept(Notification::KEPT, page, |n| n.id.to_string(), keep, newest_first, my_notifications(page, unread))
        },
    );
    // Offline, marking read waits on the device; the kept copy shows it read meanwhile.
    let i18n = use_i18n();
    let one_offline = mine::queue_when_unreachable(
        mark_one,
        move |input: &MarkNotificationRead| {
            let path = format!("/api/v1/notifications/{}/read", input.id.trim());
            Some(Queued::taken("notifications.read", i18n.t(msg::mine::READ_LABEL).to_string(), Rest::patch(path)).about(input.id.trim().to_string()))
        },
        |queued: &Queued| {
            let id = queued.about.clone();
            mine::change_kept(Notification::KEPT, move |n: &mut Notification| mark_read(n, id.as_deref()));
        },
    );
    let all_offline = mine::queue_when_unreachable(
        mark_all,
        move |_: &MarkAllNotificationsRead| {
            let path = "/api/v1/notifications/read-all".to_string();
            Some(Queued::taken("notifications.read_all", i18n.t(msg::mine::READ_ALL_LABEL).to_string(), Rest::post(path, None)))
        },
        |_: &Queued| mine::change_kept(Notification::KEPT, |n: &mut Notification| mark_read(n, None)),
    );
    // The badge counts again after a change here.
    let badge = use_context::<UnreadBadge>();
    Effect::new(move |_| {
        let changed = (mark_one.version().get(), mark_all.version().get());
        if changed != (0, 0) {
            if let Some(badge) = badge {
                badge.refresh();
            }
        }
    });
    // Not reaching the server is no error here: the action waits (see above).
    let last_error = move || {
        let error = mark_one.value().get().and_then(|r| r.err()).or_else(|| mark_all.value().get().and_then(|r| r.err()));
        error.filter(|e| !matches!(e, AppError::Transport(_)))
    };
    view! {
        <PageTitle text=i18n.t(msg::notifications::TITLE)/>
        <SyncStatus/>
        <div class="page-head">
            <h1>{i18n.t(msg::notifications::TITLE)}</h1>
            <A href="/notifications/settings" attr:class="btn btn-ghost">{i18n.t(msg::notifications::SETTINGS)}</A>
        </div>
        <div class="toolbar">
            <nav class="tabs" aria-label=i18n.t(msg::notifications::FILTER)>
                <A href="/notifications" attr:aria-current=move || (!unread_only()).then_some("page")>{i18n.t(msg::notifications::ALL)}</A>
                <A href="/notifications?unread=1" attr:aria-current=move || unread_only().then_some("page")>{i18n.t(msg::notifications::UNREAD)}</A>
            </nav>
            <ActionForm action=mark_all>
                <button type="submit" class="btn">{i18n.t(msg::notifications::MARK_ALL_READ)}</button>
            </ActionForm>
        </div>
        {move || last_error().map(|e| view! { <ErrorNotice error=e/> })}
        <SavedOffline offline=one_offline/>
        <SavedOffline offline=all_offline/>
        <Transition fallback=move || view! { <p class="muted">{i18n.t(msg::notifications::LOADING)}</p> }>
            {move || list.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => view! {
                    <section class="card empty">
                        <p>{i18n.t(if unread_only() { msg::notifications::EMPTY_UNREAD } else { msg::notifications::EMPTY })}</p>
                    </section>
                }.into_any(),
                Ok(page) => {
                    let total_pages = page.total_pages();
                    let base = if unread_only() { "/notifications?unread=1" } else { "/notifications" }.to_string();
                    view! {
                        <ul class="notification-list">
                            {page.items.into_iter().map(|n| view! { <NotificationItem notification=n mark_one/> }).collect_view()}
                        </ul>
                        {(total_pages > 1).then(|| view! { <Pager base page=page.page total_pages/> })}
                    }.into_any()
                }
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Transition>
    }
}

/// Marks a kept notification read (`id`: that one, `None`: any); its id when it changed.
fn mark_read(n: &mut Notification, id: Option<&str>) -> Option<String> {
    let it = id.is_none_or(|id| n.id.to_string() == id.trim());
    (it && n.read_at.is_none()).then(|| {
        n.read_at = Some(crate::ui::clock::from_unix_ms(crate::ui::clock::now_ms()));
        n.id.to_string()
    })
}

#[component]
fn NotificationItem(notification: Notification, mark_one: ServerAction<MarkNotificationRead>) -> impl IntoView {
    let i18n = use_i18n();
    let unread = notification.read_at.is_none();
    let id = notification.id.to_string();
    let open_id = id.clone();
    let mark_label = format!("{}: {}", i18n.t(msg::notifications::MARK_READ), notification.title);
    view! {
        <li class="card notification" class:unread=unread>
            <div class="notification-text">
                <h2 class="notification-title">
                    {unread.then(|| view! { <span class="chip">{i18n.t(msg::notifications::NEW)}</span>" " })}
                    {match notification.link.clone() {
                        // Opening it counts as reading it.
                        Some(link) => view! {
                            <A href=link on:click=move |_| if unread { mark_one.dispatch(MarkNotificationRead { id: open_id.clone() }); }>{notification.title.clone()}</A>
                        }.into_any(),
                        None => view! { <span>{notification.title.clone()}</span> }.into_any(),
                    }}
                </h2>
                <p>{notification.body.clone()}</p>
                <p class="muted"><time datetime=crate::i18n::format::machine(notification.created_at)>{i18n.fmt().datetime(notification.created_at_local)}</time></p>
            </div>
            {unread.then(|| view! {
                <ActionForm action=mark_one>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="btn btn-small" aria-label=mark_label>{i18n.t(msg::notifications::MARK_READ)}</button>
                </ActionForm>
            })}
        </li>
    }
}

#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
    let query = use_query_map();
    let saved = move || query.read().get("saved").is_some();
    let preferences = Resource::new(|| (), |_| notification_preferences());
    let i18n = use_i18n();
    view! {
        <PageTitle text=i18n.t(msg::notifications::SETTINGS)/>
        <h1>{i18n.t(msg::notifications::SETTINGS)}</h1>
        <p>{i18n.t(msg::notifications::SETTINGS_INTRO)}</p>
        {move || saved().then(|| view! { <p class="notice" role="status">{i18n.t(msg::notifications::SAVED)}</p> })}
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::notifications::LOADING)}</p> }>
            {move || preferences.get().map(|result| match result {
                Ok(prefs) => view! {
                    // A plain form: the server saves it and leads back here.
                    <form method="post" action=SETTINGS_FORM_PATH class="card">
                        <div class="table-wrap">
                            <table class="data">
                                <thead><tr>
                                    <th scope="col">{i18n.t(msg::notifications::KIND)}</th>
                                    <th scope="col">{i18n.t(msg::notifications::IN_APP)}</th>
                                    <th scope="col">{i18n.t(msg::notifications::EMAIL)}</th>
                                </tr></thead>
                                <tbody>
                                    {prefs.items.into_iter().map(|p| {
                                        let kind = i18n.t(kind_label(p.kind));
                                        let boxes = [(Channel::InApp, p.in_app, msg::notifications::IN_APP), (Channel::Email, p.email, msg::notifications::EMAIL)];
                                        view! {
                                            <tr>
                                                <th scope="row">{kind}</th>
                                                {boxes.into_iter().map(|(channel, on, name)| view! {
                                                    <td>
                                                        <input type="checkbox" name="on" value=field_name(p.kind, channel) checked=on
                                                            aria-label=i18n.tf(msg::notifications::KIND_SETTING, &[("kind", kind), ("channel", i18n.t(name))])/>
                                                    </td>
                                                }).collect_view()}
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <button type="submit" class="btn btn-primary">{i18n.t(msg::notifications::SAVE)}</button>
                    </form>
                }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}
