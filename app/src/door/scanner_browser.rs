//! The door's behaviour in the browser (see `scanner`).

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use rexie::Rexie;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Door, RECENT};
use crate::door::device::{self, Fail};
use crate::door::rules::{DoorList, Verdict, MAX_SCANS_PER_SYNC};
use crate::door::{Admission, Checkin, CheckinBundle, CheckinResult, DeviceScan, DoorEvent, Scan};

/// What the page's door keeps beside its signals: the list, the database, the sync's
/// cursor. One door page is open at a time.
#[derive(Default)]
struct Kept {
    db: Option<Rc<Rexie>>,
    list: Option<DoorList>,
    /// The tickets this device scanned: duplicates of these are its conflicts.
    mine: HashSet<Uuid>,
    /// The newest change the server told of.
    cursor: Option<OffsetDateTime>,
    bundle_at: Option<OffsetDateTime>,
    busy: bool,
    /// The door's summary is not this user's to see (door staff).
    no_panel: bool,
}

thread_local! {
    static KEPT: RefCell<Kept> = RefCell::new(Kept::default());
    static AUDIO: RefCell<Option<(web_sys::HtmlAudioElement, web_sys::HtmlAudioElement)>> = const { RefCell::new(None) };
}

fn kept<R>(f: impl FnOnce(&mut Kept) -> R) -> R {
    KEPT.with(|k| f(&mut k.borrow_mut()))
}

/// Now, by the server's clock as this device last learnt it (from each list downloaded,
/// and from the live stream): scans are stamped in the server's time, so that a device
/// whose clock is wrong does not win (or lose) a ticket's first admission.
fn server_now() -> OffsetDateTime {
    crate::ui::clock::from_unix_ms(crate::ui::clock::now_ms())
}

/// How often a device syncs while online, and downloads its list again.
const SYNC_EVERY: Duration = Duration::from_secs(2);
const BUNDLE_EVERY_SECS: i64 = 60;
const SUMMARY_EVERY: Duration = Duration::from_secs(3);
/// Two syncs may commit in the other order than they started: ask again for a little
/// before the newest change seen.
const CURSOR_OVERLAP: time::Duration = time::Duration::seconds(5);

pub fn load_events(events: RwSignal<Option<Result<Vec<DoorEvent>, u16>>>) {
    Effect::new(move |_| {
        spawn_local(async move {
            events.set(Some(device::fetch_events().await.map_err(|e| match e {
                Fail::Server { status, .. } => status,
                _ => 0,
            })));
        });
    });
}

async fn db() -> Result<Rc<Rexie>, Fail> {
    if let Some(db) = kept(|k| k.db.clone()) {
        return Ok(db);
    }
    let db = Rc::new(device::open().await?);
    kept(|k| k.db = Some(db.clone()));
    Ok(db)
}

/// The door's two sounds (`public/sounds`, made by `tools/door-sounds.py`): a rising
/// double beep to let in, a low buzz to stop. Each is one audio element, loaded once and
/// played again from its start.
fn beep(admitted: bool) {
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            let load = |src: &str| web_sys::HtmlAudioElement::new_with_src(src).ok();
            *audio = load("/sounds/admit.wav").zip(load("/sounds/stop.wav"));
        }
        let Some((admit, stop)) = audio.as_ref() else { return };
        let sound = if admitted { admit } else { stop };
        sound.set_current_time(0.0);
        // A browser may refuse to play before the page was touched: the screen still answers.
        let _ = sound.play();
    });
}

impl Door {
    pub fn start(self) {
        // Back online, the door syncs at once.
        let online = crate::ui::online::use_online();
        Effect::new(move |was: Option<bool>| {
            let now = online.get();
            self.online.set(now);
            if now && was == Some(false) {
                spawn_local(async move { self.sync().await });
            }
            now
        });
        Effect::new(move |_| {
            self.device.set(device::device_id());
            self.online.set(crate::ui::online::online_now());
            spawn_local(async move { self.load().await });
        });
        let sync = set_interval_with_handle(move || spawn_local(async move { self.sync().await }), SYNC_EVERY).ok();
        let summary = set_interval_with_handle(move || spawn_local(async move { self.refresh_summary().await }), SUMMARY_EVERY).ok();
        on_cleanup(move || {
            sync.into_iter().chain(summary).for_each(|h| h.clear());
            kept(|k| *k = Kept { db: k.db.take(), ..Kept::default() });
        });
    }

    fn event_id(self) -> String {
        self.event_id.get_value()
    }

    /// Opens the kept list (downloading it first when online), this device's scans and
    /// what it learnt before.
    async fn load(self) {
        let db = match db().await {
            Ok(db) => db,
            Err(e) => {
                self.refused.set(Some(format!("{e:?}")));
                return;
            }
        };
        if self.online.get_untracked() {
            self.forget_other_users(&db).await;
        }
        let event_id = self.event_id();
        let fresh = if self.online.get_untracked() { self.download(&db).await } else { None };
        let bundle = match fresh {
            Some(b) => Some(b),
            None => device::get::<CheckinBundle>(&db, "bundles", &event_id).await.ok().flatten(),
        };
        let Some(bundle) = bundle else {
            self.no_list.set(self.denied.get_untracked().is_none());
            return;
        };
        let mut list = DoorList::from_bundle(&bundle);
        let learnt: Vec<Admission> = device::all_of(&db, "admissions", &event_id).await.unwrap_or_default();
        learnt.iter().for_each(|a| list.admitted(a.ticket_id));
        let mut scans: Vec<DeviceScan> = device::all_of(&db, "scans", &event_id).await.unwrap_or_default();
        scans.sort_by_key(|s| std::cmp::Reverse(s.scanned_at));
        let mine: HashSet<Uuid> = scans.iter().filter_map(|s| s.ticket_id).collect();
        scans.iter().filter(|s| s.admitted).filter_map(|s| s.ticket_id).for_each(|t| list.admitted(t));
        let cursor = device::get::<OffsetDateTime>(&db, "meta", &format!("cursor:{event_id}")).await.ok().flatten();
        let mut conflicts: Vec<Checkin> = device::all_of(&db, "conflicts", &event_id).await.unwrap_or_default();
        conflicts.sort_by_key(|c| c.scanned_at);
        kept(|k| {
            k.list = Some(list);
            k.mine = mine;
            k.cursor = cursor.or(Some(bundle.generated_at));
            k.bundle_at = Some(bundle.generated_at);
        });
        self.event.set(Some(bundle.event.clone()));
        self.list_info.set(Some((bundle.tickets.len(), bundle.generated_at)));
        self.pending.set(scans.iter().filter(|s| !s.synced).count());
        scans.truncate(RECENT);
        self.recent.set(scans);
        self.conflicts.set(conflicts);
        self.no_list.set(false);
        self.ready.set(true);
        self.sync().await;
        self.refresh_summary().await;
    }

    /// A device kept by another user starts afresh: what it kept was theirs.
    async fn forget_other_users(self, db: &Rexie) {
        let Some(user) = device::fetch_me().await else { return };
        let owner = device::get::<String>(db, "meta", "owner").await.ok().flatten();
        if owner.as_deref() != Some(user.as_str()) {
            let _ = device::clear(db).await;
            let _ = device::put_all(db, "meta", "", &[("owner".to_string(), &user)]).await;
        }
    }

    /// Downloads and keeps the event's list; `None` when it could not.
    async fn download(self, db: &Rexie) -> Option<CheckinBundle> {
        let event_id = self.event_id();
        let asked = js_sys::Date::now();
        match device::fetch_bundle(&event_id).await {
            Ok(bundle) => {
                // The server made the list about halfway between the question and the answer.
                let halfway = (asked + js_sys::Date::now()) / 2.0;
                crate::ui::clock::learn_server_clock(crate::ui::clock::unix_ms(bundle.generated_at), halfway);
                let _ = device::put_all(db, "bundles", &event_id, &[(event_id.clone(), &bundle)]).await;
                Some(bundle)
            }
            Err(Fail::Server { status, .. }) if status == 401 || status == 404 => {
                self.denied.set(Some(status));
                None
            }
            Err(_) => None,
        }
    }

    /// Judges a code against the kept list, answers on screen at once, then keeps the scan.
    pub fn check(self, code: String) {
        let Some(verdict) = kept(|k| k.list.as_ref().map(|l| l.judge(&code))) else { return };
        let (admitted, ticket_id, seat, reason) = match verdict {
            Verdict::Admit { ticket_id, seat } => (true, Some(ticket_id), seat, None),
            Verdict::Refuse { reason, ticket_id, seat } => (false, ticket_id, seat, Some(reason)),
        };
        let serial = self.show(admitted, seat.clone(), reason);
        beep(admitted);
        kept(|k| {
            if let Some(t) = ticket_id {
                k.mine.insert(t);
                if let (true, Some(list)) = (admitted, k.list.as_mut()) {
                    list.admitted(t);
                }
            }
        });
        set_timeout(
            move || {
                if self.shown.get_untracked().is_some_and(|s| s.serial == serial) {
                    self.dismiss();
                }
            },
            Duration::from_millis(2500),
        );
        let scan = DeviceScan {
            client_id: Uuid::new_v4().to_string(),
            event_id: self.event_id(),
            code: code.trim().to_string(),
            scanned_at: server_now(),
            ticket_id,
            seat,
            admitted,
            reason,
            synced: false,
            result: None,
            admission: None,
        };
        self.recent.update(|r| {
            r.insert(0, scan.clone());
            r.truncate(RECENT);
        });
        self.pending.update(|n| *n += 1);
        spawn_local(async move {
            if let Ok(db) = db().await {
                let _ = device::put_all(&db, "scans", &scan.event_id, &[(scan.client_id.clone(), &scan)]).await;
            }
            self.sync().await;
        });
    }

    /// Sends the waiting scans, then learns what changed: the other devices' admissions,
    /// and the conflicts of the tickets this device scanned.
    async fn sync(self) {
        if !self.online.get_untracked() || !self.ready.get_untracked() || kept(|k| std::mem::replace(&mut k.busy, true)) {
            return;
        }
        let result = self.sync_once().await;
        kept(|k| k.busy = false);
        match result {
            Ok(()) => {
                self.refused.set(None);
                self.synced_at.set(Some(server_now()));
            }
            Err(Fail::Server { status, message }) if status != 503 && status != 429 => {
                if status == 401 || status == 404 {
                    self.denied.set(Some(status));
                }
                self.refused.set(Some(message));
            }
            Err(_) => {}
        }
    }

    async fn sync_once(self) -> Result<(), Fail> {
        let db = db().await?;
        let event_id = self.event_id();
        let mut scans: Vec<DeviceScan> = device::all_of(&db, "scans", &event_id).await?;
        scans.sort_by_key(|s| s.scanned_at);
        let waiting: Vec<DeviceScan> = scans.into_iter().filter(|s| !s.synced).collect();
        for chunk in waiting.chunks(MAX_SCANS_PER_SYNC) {
            let batch = chunk.iter().map(|s| Scan { client_id: s.client_id.clone(), code: s.code.clone(), scanned_at: s.scanned_at }).collect();
            let answer = device::push(&event_id, &self.device.get_untracked(), batch).await?;
            let done: Vec<DeviceScan> = chunk.iter().zip(answer.results).map(|(s, r)| settled(s.clone(), &r)).collect();
            let items: Vec<(String, &DeviceScan)> = done.iter().map(|s| (s.client_id.clone(), s)).collect();
            device::put_all(&db, "scans", &event_id, &items).await?;
            self.pending.update(|n| *n = n.saturating_sub(done.len()));
            self.recent.update(|r| {
                for s in r.iter_mut() {
                    if let Some(d) = done.iter().find(|d| d.client_id == s.client_id) {
                        *s = d.clone();
                    }
                }
            });
        }
        self.learn(&db, &event_id).await?;
        if kept(|k| k.bundle_at).is_none_or(|at| (server_now() - at).whole_seconds() > BUNDLE_EVERY_SECS) {
            if let Some(bundle) = self.download(&db).await {
                kept(|k| {
                    if let Some(list) = k.list.as_mut() {
                        bundle.revocations.iter().for_each(|t| list.voided(*t));
                        bundle.admissions.iter().for_each(|a| list.admitted(a.ticket_id));
                    }
                    k.bundle_at = Some(bundle.generated_at);
                });
                self.list_info.set(Some((bundle.tickets.len(), bundle.generated_at)));
            }
        }
        Ok(())
    }

    /// Reads what changed since the cursor and keeps what concerns this device.
    async fn learn(self, db: &Rexie, event_id: &str) -> Result<(), Fail> {
        let since = kept(|k| k.cursor).unwrap_or(OffsetDateTime::UNIX_EPOCH) - CURSOR_OVERLAP;
        let changes = device::fetch_changes(event_id, since).await?;
        if changes.is_empty() {
            return Ok(());
        }
        let mine = kept(|k| k.mine.clone());
        let admissions: Vec<Admission> = changes
            .iter()
            .filter(|c| c.result == CheckinResult::Admitted)
            .filter_map(|c| c.ticket_id.map(|t| Admission { ticket_id: t, device_id: c.device_id.clone(), scanned_at: c.scanned_at }))
            .collect();
        let conflicts: Vec<&Checkin> = changes.iter().filter(|c| c.result == CheckinResult::Duplicate && c.ticket_id.is_some_and(|t| mine.contains(&t))).collect();
        let newest = changes.iter().map(|c| c.updated_at).max();
        let items: Vec<(String, &Admission)> = admissions.iter().map(|a| (a.ticket_id.to_string(), a)).collect();
        device::put_all(db, "admissions", event_id, &items).await?;
        let items: Vec<(String, &Checkin)> = conflicts.iter().map(|c| (c.id.to_string(), *c)).collect();
        device::put_all(db, "conflicts", event_id, &items).await?;
        if let Some(newest) = newest {
            device::put_all(db, "meta", event_id, &[(format!("cursor:{event_id}"), &newest)]).await?;
        }
        kept(|k| {
            if let Some(list) = k.list.as_mut() {
                admissions.iter().for_each(|a| list.admitted(a.ticket_id));
            }
            k.cursor = newest.max(k.cursor);
        });
        if !conflicts.is_empty() {
            self.conflicts.update(|all| {
                for c in conflicts {
                    match all.iter_mut().find(|k| k.id == c.id) {
                        Some(known) => *known = c.clone(),
                        None => all.push(c.clone()),
                    }
                }
                all.sort_by_key(|c| c.scanned_at);
            });
        }
        Ok(())
    }

    async fn refresh_summary(self) {
        if !self.online.get_untracked() || kept(|k| k.no_panel || k.bundle_at.is_none()) {
            return;
        }
        let event_id = self.event_id();
        match device::fetch_summary(&event_id).await {
            Ok(summary) => {
                if self.summary.get_untracked().is_none() {
                    self.staff.set(device::fetch_staff(&event_id).await.unwrap_or_default());
                }
                self.summary.set(Some(summary));
            }
            Err(Fail::Server { status, .. }) => {
                kept(|k| k.no_panel = status == 404);
                self.summary.set(None);
            }
            Err(_) => {}
        }
    }

    pub fn grant(self, email: String) {
        let event_id = self.event_id();
        spawn_local(async move {
            match device::grant(&event_id, &email).await {
                Ok(_) => {
                    self.staff_error.set(None);
                    self.staff.set(device::fetch_staff(&event_id).await.unwrap_or_default());
                }
                Err(Fail::Server { message, .. }) => self.staff_error.set(Some(message)),
                // The page words it: no connection.
                Err(_) => self.staff_error.set(Some(String::new())),
            }
        });
    }

    pub fn revoke(self, user_id: String) {
        let event_id = self.event_id();
        spawn_local(async move {
            let _ = device::revoke(&event_id, &user_id).await;
            self.staff.set(device::fetch_staff(&event_id).await.unwrap_or_default());
        });
    }
}

/// A kept scan with the server's answer.
fn settled(mut scan: DeviceScan, answer: &Checkin) -> DeviceScan {
    scan.synced = true;
    scan.result = Some(answer.result);
    scan.admission = answer.admission.clone();
    scan
}
