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
