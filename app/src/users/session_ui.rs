//! The signed-in user as the pages see it, and the actions that change it.

use leptos::prelude::*;

use crate::users::api::{Login, Logout};
use crate::users::User;
use crate::error::AppError;

/// The signed-in user and the actions that change who it is, provided once for every
/// page. They live here, above the pages, so that the user is loaded again when one
/// completes even though its page has gone (a login leads elsewhere). Signing up is not
/// one of them: it never signs in, and its action is the sign-up page's own.
#[derive(Clone, Copy)]
pub struct Session {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    /// The current user; refetched whenever one of the actions completes.
    pub user: Resource<Result<Option<User>, AppError>>,
}

pub fn provide_session() {
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(move || (login.version().get(), logout.version().get()), |_| me_or_kept());
    Effect::new(move |previous: Option<usize>| {
        let version = logout.version().get();
        if previous.is_some_and(|p| p != version) {
            crate::ui::pwa::forget_cached_pages();
            #[cfg(feature = "hydrate")]
            leptos::task::spawn_local(crate::ui::mine::forget());
        }
        version
    });
    // Signing in brings the profile's language (the server set its cookie): a page in
    // another language is loaded again in it, once the login has led where it leads.
    let page_locale = crate::i18n::use_i18n().locale;
    Effect::new(move |_| {
        let profile = login.value().get().and_then(|r| r.ok()).and_then(|u| u.locale).and_then(|l| crate::i18n::Locale::parse(&l));
        if profile.is_some_and(|l| l != page_locale) {
            #[cfg(feature = "hydrate")]
            leptos::leptos_dom::helpers::set_timeout(
                || {
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().reload();
                    }
                },
                std::time::Duration::from_millis(100),
            );
        }
    });
    provide_context(Session { login, logout, user });
}

/// The signed-in user; in a page drawn offline (see `ui::mine`), the one this device kept.
async fn me_or_kept() -> Result<Option<User>, AppError> {
    let answer = crate::users::api::me().await;
    #[cfg(feature = "hydrate")]
    if let Err(AppError::Transport(_)) = answer {
        if let Some(user) = crate::ui::mine::kept_user().await.and_then(|json| serde_json::from_str::<User>(&json).ok()) {
            return Ok(Some(user));
        }
    }
    answer
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

impl Session {
    /// The user, once known (untracked reads stay reactive through `get`).
    pub fn current(&self) -> Option<User> {
        self.user.get().and_then(|r| r.ok()).flatten()
    }
}
