//! Which notifications a person can get, and where they get them unless they chose
//! otherwise. Pure, shared with the browser (the settings page).

use crate::i18n::{msg, Msg};
use crate::notifications::{Channel, NotificationKind, Preference};
use crate::users::Role;

/// How long before a hold runs out its holder is told.
pub const EXPIRY_WARNING_MS: i64 = 2 * 60 * 1000;

/// How many notifications a page of the list shows.
pub const PER_PAGE: i64 = 20;

/// The kinds a person of `role` can be sent (and so can choose about).
pub fn kinds_for(role: Role) -> Vec<NotificationKind> {
    NotificationKind::ALL
        .into_iter()
        .filter(|k| match k {
            NotificationKind::AccountDeactivated => role == Role::Admin,
            NotificationKind::SupportAssigned => matches!(role, Role::Agent | Role::Admin),
            _ => true,
        })
        .collect()
}

/// Where a kind goes when its person has not chosen: everything in the app; by email what
/// matters after the page is closed (not the hold's minute-by-minute news, which the page
/// in front of them already shows).
pub fn default_enabled(kind: NotificationKind, channel: Channel) -> bool {
    match channel {
        Channel::InApp => true,
        Channel::Email => !matches!(kind, NotificationKind::HoldExpiring | NotificationKind::HoldExpired),
    }
}

/// A person's settings: their choices where they made one, the defaults elsewhere.
pub fn preferences(role: Role, chosen: &[(NotificationKind, Channel, bool)]) -> Vec<Preference> {
    let pick = |kind, channel| {
        chosen.iter().find(|(k, c, _)| *k == kind && *c == channel).map(|(_, _, on)| *on).unwrap_or_else(|| default_enabled(kind, channel))
    };
    kinds_for(role)
        .into_iter()
        .map(|kind| Preference { kind, in_app: pick(kind, Channel::InApp), email: pick(kind, Channel::Email) })
        .collect()
}

/// The kind's name on the settings page.
pub fn kind_label(kind: NotificationKind) -> Msg {
    match kind {
        NotificationKind::Welcome => msg::notifications::KIND_WELCOME,
        NotificationKind::HoldExpiring => msg::notifications::KIND_HOLD_EXPIRING,
        NotificationKind::HoldExpired => msg::notifications::KIND_HOLD_EXPIRED,
        NotificationKind::OrderPaid => msg::notifications::KIND_ORDER_PAID,
        NotificationKind::PaymentDeclined => msg::notifications::KIND_PAYMENT_DECLINED,
        NotificationKind::OrderCancelled => msg::notifications::KIND_ORDER_CANCELLED,
        NotificationKind::AccountDeactivated => msg::notifications::KIND_ACCOUNT_DEACTIVATED,
        NotificationKind::SupportAssigned => msg::notifications::KIND_SUPPORT_ASSIGNED,
        NotificationKind::SupportReply => msg::notifications::KIND_SUPPORT_REPLY,
        NotificationKind::SupportStatus => msg::notifications::KIND_SUPPORT_STATUS,
    }
}

/// The settings page.
pub const SETTINGS_PAGE_PATH: &str = "/notifications/settings";

/// Where the settings page's form is sent (a plain form: it works without JavaScript).
pub const SETTINGS_FORM_PATH: &str = "/notifications/preferences";

/// The name of the settings form's box for one kind on one channel: `KIND:CHANNEL`.
pub fn field_name(kind: NotificationKind, channel: Channel) -> String {
    format!("{}:{}", kind.as_str(), channel.as_str())
}

/// The settings form as sent: every kind `role` can be sent, on where its box was ticked
/// (an unticked box sends nothing). Fields it does not know are ignored.
pub fn from_form(role: Role, ticked: &[String]) -> Vec<Preference> {
    kinds_for(role)
        .into_iter()
        .map(|kind| {
            let on = |channel| ticked.iter().any(|t| *t == field_name(kind, channel));
            Preference { kind, in_app: on(Channel::InApp), email: on(Channel::Email) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_hear_of_deactivated_accounts() {
        assert!(kinds_for(Role::Admin).contains(&NotificationKind::AccountDeactivated));
        for role in [Role::Customer, Role::Organizer, Role::Agent] {
            assert!(!kinds_for(role).contains(&NotificationKind::AccountDeactivated));
            assert!(kinds_for(role).contains(&NotificationKind::OrderPaid));
        }
    }

    #[test]
    fn choices_override_defaults_and_nothing_else() {
        let none = preferences(Role::Customer, &[]);
        let paid = none.iter().find(|p| p.kind == NotificationKind::OrderPaid).unwrap();
        assert!(paid.in_app && paid.email);
        let expiring = none.iter().find(|p| p.kind == NotificationKind::HoldExpiring).unwrap();
        assert!(expiring.in_app && !expiring.email);

        let chosen = preferences(Role::Customer, &[(NotificationKind::OrderPaid, Channel::Email, false), (NotificationKind::HoldExpiring, Channel::Email, true)]);
        let paid = chosen.iter().find(|p| p.kind == NotificationKind::OrderPaid).unwrap();
        assert!(paid.in_app && !paid.email);
        let expiring = chosen.iter().find(|p| p.kind == NotificationKind::HoldExpiring).unwrap();
        assert!(expiring.email);
        assert_eq!(chosen.len(), kinds_for(Role::Customer).len());
    }

    #[test]
    fn the_form_turns_off_what_was_not_ticked() {
        let ticked = vec!["ORDER_PAID:EMAIL".to_owned(), "WELCOME:IN_APP".to_owned(), "ACCOUNT_DEACTIVATED:EMAIL".to_owned(), "junk".to_owned()];
        let items = from_form(Role::Customer, &ticked);
        assert_eq!(items.len(), kinds_for(Role::Customer).len());
        let paid = items.iter().find(|p| p.kind == NotificationKind::OrderPaid).unwrap();
        assert!(!paid.in_app && paid.email);
        assert!(items.iter().all(|p| p.kind != NotificationKind::AccountDeactivated));
        assert!(items.iter().filter(|p| p.kind != NotificationKind::OrderPaid && p.kind != NotificationKind::Welcome).all(|p| !p.in_app && !p.email));
    }
}
