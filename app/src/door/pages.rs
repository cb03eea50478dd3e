//! The door's pages: the events a user may check in, and one event's door (the scanner,
//! and for its organizer the door at a glance and its staff). They work from what the
//! device keeps (see `device`): the server renders their frame, the browser the rest.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::door::camera::CameraTrouble;
use crate::door::scanner::{Door, Shown};
use crate::door::{Checkin, CheckinResult, DoorEvent, DoorStaff, DoorSummary, RejectReason};
use crate::i18n::{msg, use_i18n, I18n};
use crate::ui::{PageTitle, SignInPrompt};

#[component]
pub fn DoorListPage() -> impl IntoView {
    let i18n = use_i18n();
    let events: RwSignal<Option<Result<Vec<DoorEvent>, u16>>> = RwSignal::new(None);
    crate::door::scanner::load_events(events);
    view! {
        <PageTitle text=i18n.t(msg::door::TITLE)/>
        <h1>{i18n.t(msg::door::TITLE)}</h1>
        <p class="muted">{i18n.t(msg::door::INTRO)}</p>
        <noscript><p class="notice">{i18n.t(msg::door::NEEDS_JS)}</p></noscript>
        {move || match events.get() {
            None => view! { <p class="muted" role="status">{i18n.t(msg::door::LOADING)}</p> }.into_any(),
            Some(Err(401)) => view! { <SignInPrompt/> }.into_any(),
            Some(Err(_)) => view! { <p class="notice notice-error" role="alert">{i18n.t(msg::door::NO_LIST_OFFLINE)}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="card empty">{i18n.t(msg::door::NO_EVENTS)}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <ul class="door-events">
                    {list.into_iter().map(|e| view! {
                        <li class="card">
                            <A href=format!("/door/{}", e.id)>{e.title.clone()}</A>
                            <span class="muted">{format!("{} · {}", e.venue, i18n.fmt().datetime(e.starts_at_local))}</span>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}

#[component]
pub fn DoorEventPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let event_id = params.read_untracked().get("id").unwrap_or_default();
    let door = Door::new(event_id.clone());
    door.start();
    let code = NodeRef::<leptos::html::Input>::new();
    let camera_on = RwSignal::new(false);
    let video = NodeRef::<leptos::html::Video>::new();
    let camera_trouble = RwSignal::new(None::<CameraTrouble>);
    crate::door::camera::watch(door, camera_on, video, camera_trouble);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(input) = code.get() {
            let value = input.value();
            input.set_value("");
            if !value.trim().is_empty() {
                door.check(value);
            }
            let _ = input.focus();
        }
    };
    view! {
        <PageTitle text=i18n.t(msg::door::TITLE)/>
        <p><A href="/door">{i18n.t(msg::door::BACK)}</A></p>
        <h1>{move || door.event.get().map(|e| e.title).unwrap_or_else(|| i18n.t(msg::door::TITLE).to_string())}</h1>
        <noscript><p class="notice">{i18n.t(msg::door::NEEDS_JS)}</p></noscript>
        {move || (door.denied.get() == Some(401)).then(|| view! { <SignInPrompt/> })}
        <section class="door-status card" aria-live="polite">
            <p>
                <span class=move || if door.online.get() { "chip chip-ok" } else { "chip chip-warn" } data-testid="door-online">
                    {move || if door.online.get() { i18n.t(msg::door::ONLINE) } else { i18n.t(msg::door::OFFLINE) }}
                </span>
                " "
                <span data-testid="door-pending">{move || i18n.plural(msg::door::PENDING, door.pending.get() as i64, &[])}</span>
            </p>
            <p class="muted">
                <span data-testid="door-synced">{move || match door.synced_at.get() {
                    Some(t) => i18n.tf(msg::door::LAST_SYNCED, &[("time", &crate::ui::clock::on_this_device(t))]),
                    None => i18n.t(msg::door::NEVER_SYNCED).to_string(),
                }}</span>
                " · "
                {move || i18n.tf(msg::door::DEVICE, &[("id", &door.device.get())])}
            </p>
            <p class="muted">
                {move || door.list_info.get().map(|(n, at)| i18n.plural(msg::door::LIST_OF, n as i64, &[("time", &crate::ui::clock::on_this_device(at))]))}
                {move || door.no_list.get().then(|| view! { <span class="notice notice-error" role="alert">{i18n.t(msg::door::NO_LIST_OFFLINE)}</span> })}
            </p>
            {move || door.refused.get().map(|m| view! { <p class="notice notice-error" role="alert">{i18n.tf(msg::door::SYNC_REFUSED, &[("message", &m)])}</p> })}
        </section>
        <form class="door-check card" on:submit=on_submit>
            <label for="door-code">{i18n.t(msg::door::CODE_LABEL)}</label>
            <p class="muted" id="door-code-hint">{i18n.t(msg::door::CODE_HINT)}</p>
            <div class="row">
                <input id="door-code" node_ref=code type="text" autocomplete="off" autocapitalize="off" spellcheck="false" aria-describedby="door-code-hint"
                    disabled=move || !door.ready.get()/>
                <button class="btn btn-primary" type="submit" disabled=move || !door.ready.get()>{i18n.t(msg::door::CHECK)}</button>
            </div>
            <p>
                <button class="btn" type="button" aria-pressed=move || camera_on.get().to_string() disabled=move || !door.ready.get()
                    on:click=move |_| camera_on.update(|on| *on = !*on)>
                    {move || i18n.t(if camera_on.get() { msg::door::CAMERA_STOP } else { msg::door::CAMERA })}
                </button>
            </p>
            {move || camera_on.get().then(|| view! {
                <video node_ref=video class="door-camera" autoplay muted playsinline aria-label=i18n.t(msg::door::CAMERA_VIEW)></video>
            })}
            {move || camera_trouble.get().map(|t| {
                let text = match t {
                    CameraTrouble::Refused(why) if !why.is_empty() => i18n.tf(msg::door::CAMERA_REFUSED, &[("reason", &why)]),
                    _ => i18n.t(msg::door::CAMERA_UNAVAILABLE).to_string(),
                };
                view! { <p class="notice notice-error" role="alert">{text}</p> }
            })}
        </form>
        {move || door.shown.get().map(|shown| verdict_view(i18n, door, shown))}
        <section class="card">
            <h2>{i18n.t(msg::door::CONFLICTS)}</h2>
            {move || {
                let conflicts = door.conflicts.get();
                if conflicts.is_empty() {
                    view! { <p class="muted">{i18n.t(msg::door::NO_CONFLICTS)}</p> }.into_any()
                } else {
                    view! { <ul class="door-conflicts" data-testid="door-conflicts">{conflicts.into_iter().map(|c| view! { <li>{conflict_text(i18n, &c)}</li> }).collect_view()}</ul> }.into_any()
                }
            }}
        </section>
        <section class="card">
            <h2>{i18n.t(msg::door::RECENT)}</h2>
            {move || {
                let recent = door.recent.get();
                if recent.is_empty() {
                    return view! { <p class="muted">{i18n.t(msg::door::NO_SCANS)}</p> }.into_any();
                }
                view! {
                    <ul class="door-recent">
                        {recent.into_iter().map(|s| {
                            let verdict = if s.admitted { i18n.t(msg::door::ADMIT) } else { i18n.t(msg::door::STOP) };
                            let server = match s.result {
                                None => i18n.t(msg::door::WAITING),
                                Some(CheckinResult::Admitted) => i18n.t(msg::door::SERVER_ADMITTED),
                                Some(CheckinResult::Duplicate) => i18n.t(msg::door::SERVER_DUPLICATE),
                                Some(CheckinResult::Rejected) => i18n.t(msg::door::SERVER_REJECTED),
                            };
                            view! {
                                <li>
                                    <strong>{verdict}</strong>" "
                                    {s.seat.clone().unwrap_or_default()}" · "
                                    {crate::ui::clock::on_this_device(s.scanned_at)}" · "
                                    <span class="muted">{server}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        {move || door.summary.get().map(|s| view! { <DoorPanel summary=s door=door/> })}
    }
}

fn reason_text(i18n: I18n, reason: RejectReason) -> &'static str {
    i18n.t(match reason {
        RejectReason::NotGenuine => msg::door::REASON_NOT_GENUINE,
        RejectReason::OtherEvent => msg::door::REASON_OTHER_EVENT,
        RejectReason::Void => msg::door::REASON_VOID,
        RejectReason::AlreadyAdmitted => msg::door::REASON_ALREADY_ADMITTED,
    })
}

/// The answer to a scan, over the whole screen: green to let in, red to stop.
fn verdict_view(i18n: I18n, door: Door, shown: Shown) -> impl IntoView {
    let (class, word) = if shown.admitted { ("door-verdict door-admit", msg::door::ADMIT) } else { ("door-verdict door-stop", msg::door::STOP) };
    view! {
        <div class=class role="alert" data-testid="door-verdict" on:click=move |_| door.dismiss()>
            <p class="door-verdict-word">{i18n.t(word)}</p>
            {shown.seat.map(|seat| view! { <p class="door-verdict-seat">{i18n.tf(msg::door::SEAT, &[("seat", &seat)])}</p> })}
            {shown.reason.map(|r| view! { <p class="door-verdict-reason">{reason_text(i18n, r)}</p> })}
            <button class="btn" type="button" on:click=move |_| door.dismiss()>{i18n.t(msg::door::NEXT)}</button>
        </div>
    }
}

fn conflict_text(i18n: I18n, c: &Checkin) -> String {
    let seat = c.seat.clone().unwrap_or_else(|| i18n.tf(msg::door::UNKNOWN_SEAT, &[("id", &c.ticket_id.map(|t| t.to_string()).unwrap_or_default())]));
    let (first, first_time) = match &c.admission {
        Some(a) => (a.device_id.clone(), crate::ui::clock::on_this_device(a.scanned_at)),
        None => (String::from("?"), String::new()),
    };
    i18n.tf(
        msg::door::CONFLICT,
        &[("seat", &seat), ("first", &first), ("first_time", &first_time), ("other", &c.device_id), ("other_time", &crate::ui::clock::on_this_device(c.scanned_at))],
    )
}

/// The door at a glance and its staff, for the event's organizer.
#[component]
fn DoorPanel(summary: DoorSummary, door: Door) -> impl IntoView {
    let i18n = use_i18n();
    let fmt = i18n.fmt();
    let email = NodeRef::<leptos::html::Input>::new();
    let on_grant = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(input) = email.get() {
            door.grant(input.value());
            input.set_value("");
        }
    };
    view! {
        <section class="card door-panel" aria-labelledby="door-panel-title">
            <h2 id="door-panel-title">{i18n.t(msg::door::PANEL)}</h2>
            <dl class="door-counts" data-testid="door-counts">
                <div><dt>{i18n.t(msg::door::TICKETS)}</dt><dd>{fmt.number(summary.tickets)}</dd></div>
                <div><dt>{i18n.t(msg::door::ADMITTED)}</dt><dd data-testid="door-admitted">{fmt.number(summary.admitted)}</dd></div>
                <div><dt>{i18n.t(msg::door::DUPLICATES)}</dt><dd data-testid="door-duplicates">{fmt.number(summary.duplicates)}</dd></div>
                <div><dt>{i18n.t(msg::door::REJECTED)}</dt><dd>{fmt.number(summary.rejected)}</dd></div>
            </dl>
            <h3>{i18n.t(msg::door::DEVICES)}</h3>
            <table class="table">
                <thead><tr><th scope="col">{i18n.t(msg::door::DEVICE_COL)}</th><th scope="col">{i18n.t(msg::door::SCANS_COL)}</th>
                    <th scope="col">{i18n.t(msg::door::ADMITTED)}</th><th scope="col">{i18n.t(msg::door::DUPLICATES)}</th><th scope="col">{i18n.t(msg::door::LAST_COL)}</th></tr></thead>
                <tbody>
                    {summary.devices.into_iter().map(|d| view! {
                        <tr><td>{d.device_id}</td><td>{fmt.number(d.scans)}</td><td>{fmt.number(d.admitted)}</td><td>{fmt.number(d.duplicates)}</td>
                            <td>{crate::ui::clock::on_this_device(d.last_synced_at)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h3>{i18n.t(msg::door::STAFF)}</h3>
            {move || {
                let staff: Vec<DoorStaff> = door.staff.get();
                if staff.is_empty() {
                    return view! { <p class="muted">{i18n.t(msg::door::NO_STAFF)}</p> }.into_any();
                }
                view! {
                    <ul class="door-staff">
                        {staff.into_iter().map(|s| {
                            let id = s.user_id.to_string();
                            view! {
                                <li>{format!("{} <{}>", s.display_name, s.email)}" "
                                    <button class="btn btn-small" type="button" on:click=move |_| door.revoke(id.clone())>
                                        {i18n.tf(msg::door::REVOKE, &[("name", &s.display_name)])}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <form class="row" on:submit=on_grant>
                <label for="door-staff-email">{i18n.t(msg::door::STAFF_EMAIL)}</label>
                <input id="door-staff-email" node_ref=email type="email" required autocomplete="off"/>
                <button class="btn" type="submit">{i18n.t(msg::door::GRANT)}</button>
            </form>
            {move || door.staff_error.get().map(|m| {
                let m = if m.is_empty() { i18n.t(msg::errors::TRANSPORT).to_string() } else { m };
                view! { <p class="notice notice-error" role="alert">{m}</p> }
            })}
        </section>
    }
}
