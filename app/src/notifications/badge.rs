//! The header's count of unread notifications.

use leptos::prelude::*;

/// The header's count of unread notifications, shared with the pages that change it.
#[derive(Clone, Copy)]
pub struct UnreadBadge {
    pub count: Resource<Result<i64, crate::error::AppError>>,
    changed: RwSignal<u32>,
}

impl UnreadBadge {
    /// Counts for the signed-in user, again whenever `user_version` changes (a login, a
    /// logout) or [`UnreadBadge::refresh`] is called.
    pub fn new(user_version: impl Fn() -> usize + Send + Sync + 'static) -> UnreadBadge {
        let changed = RwSignal::new(0u32);
        let count = Resource::new(move || (user_version(), changed.get()), |_| crate::notifications::api::unread_notifications());
        UnreadBadge { count, changed }
    }

    pub fn refresh(&self) {
        self.changed.update(|n| *n += 1);
    }

    pub fn unread(&self) -> i64 {
        self.count.get().and_then(|r| r.ok()).unwrap_or(0)
    }
}

#[cfg(feature = "hydrate")]
thread_local! {
    static FOLLOWING: std::cell::RefCell<Option<crate::ui::stream::Follow>> = const { std::cell::RefCell::new(None) };
    static SEEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The badge counts again whenever the live stream tells of a new notification (signed
/// in), and when the stream opens or lost track (a notification made before it opened,
/// or beyond what it replays, counts too). After a sign-in or sign-out the stream is opened again, with the session that is
/// now the page's. Its code comes with the first signed-in page, not with every visit.
#[cfg(feature = "hydrate")]
#[lazy]
pub fn follow_live(signed_in: bool, badge: UnreadBadge) {
    use crate::notifications::NotificationCreated;
    let first = !SEEN.with(|seen| seen.replace(true));
    let following = FOLLOWING.with(|f| f.borrow().is_some());
    if signed_in == following {
        return;
    }
    if signed_in {
        // Counted again on each new notification, and whenever the stream (re)opens or
        // lost track: what came before it opened, or while it was away, counts too.
        let follow = crate::ui::stream::follow(Vec::new(), &[NotificationCreated::KIND, crate::ui::stream::HELLO], move |_, _| badge.refresh());
        FOLLOWING.with(|f| *f.borrow_mut() = Some(follow));
    } else {
        FOLLOWING.with(|f| f.borrow_mut().take());
    }
    if !first {
        crate::ui::stream::reopen();
    }
}
