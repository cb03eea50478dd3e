//! What a notification says: its title and body, put into words from its kind and
//! parameters in the reader's language.

use serde_json::Value;

use crate::catalog::zone;
use crate::db::from_ms;
use crate::i18n::{msg, I18n};
use crate::notifications::NotificationKind;
use crate::orders::rules::failure_text;
use crate::support::{Priority, SupportStatus};

/// A notification's title and body in `i18n`'s language, from its kind and parameters.
pub fn render(kind: NotificationKind, params: &Value, i18n: I18n) -> (String, String) {
    let s = |field: &str| params[field].as_str().unwrap_or_default().to_owned();
    let n = |field: &str| params[field].as_i64().unwrap_or_default();
    let money = || i18n.fmt().money(n("total_cents"), params["currency"].as_str().unwrap_or("EUR"));
    let event = s("event");
    let reason = || i18n.text(&failure_text(&s("reason")));
    match kind {
        NotificationKind::Welcome => (i18n.tf(msg::notices::WELCOME_TITLE, &[("name", &s("name"))]), i18n.t(msg::notices::WELCOME_BODY).to_owned()),
        NotificationKind::HoldExpiring => {
            let until = zone::local_in(from_ms(n("expires_at_ms")), &s("time_zone"));
            (
                i18n.tf(msg::notices::HOLD_EXPIRING_TITLE, &[("event", &event)]),
                i18n.plural(msg::notices::HOLD_EXPIRING_BODY, n("seats"), &[("time", &i18n.fmt().clock(until))]),
            )
        }
        NotificationKind::HoldExpired => (i18n.tf(msg::notices::HOLD_EXPIRED_TITLE, &[("event", &event)]), i18n.t(msg::notices::HOLD_EXPIRED_BODY).to_owned()),
        NotificationKind::OrderPaid => (
            i18n.tf(msg::notices::ORDER_PAID_TITLE, &[("event", &event)]),
            i18n.plural(msg::notices::ORDER_PAID_BODY, n("count"), &[("total", &money())]),
        ),
        NotificationKind::PaymentDeclined => (
            i18n.tf(msg::notices::PAYMENT_DECLINED_TITLE, &[("event", &event)]),
            i18n.tf(msg::notices::PAYMENT_DECLINED_BODY, &[("reason", &reason())]),
        ),
        NotificationKind::OrderCancelled => {
            let body = if params["refunded"].as_bool().unwrap_or(false) {
                i18n.tf(msg::notices::ORDER_REFUNDED_BODY, &[("reason", &reason()), ("total", &money())])
            } else {
                i18n.tf(msg::notices::ORDER_CANCELLED_BODY, &[("reason", &reason())])
            };
            (i18n.tf(msg::notices::ORDER_CANCELLED_TITLE, &[("event", &event)]), body)
        }
        NotificationKind::AccountDeactivated => {
            let args = [("name", s("name")), ("email", s("email"))];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (i18n.tf(msg::notices::ACCOUNT_DEACTIVATED_TITLE, &args), i18n.tf(msg::notices::ACCOUNT_DEACTIVATED_BODY, &args))
        }
        NotificationKind::SupportAssigned => {
            let priority = Priority::parse(&s("priority")).map(|p| i18n.t(p.label())).unwrap_or_default();
            (i18n.tf(msg::notices::SUPPORT_ASSIGNED_TITLE, &[("title", &s("title"))]), i18n.tf(msg::notices::SUPPORT_ASSIGNED_BODY, &[("priority", priority)]))
        }
        NotificationKind::SupportReply => {
            (i18n.tf(msg::notices::SUPPORT_REPLY_TITLE, &[("title", &s("title"))]), i18n.tf(msg::notices::SUPPORT_REPLY_BODY, &[("name", &s("author"))]))
        }
        NotificationKind::SupportStatus => {
            let status = SupportStatus::parse(&s("status"));
            let body = match status {
                Some(SupportStatus::Waiting) => msg::notices::SUPPORT_WAITING_BODY,
                Some(SupportStatus::Resolved) => msg::notices::SUPPORT_RESOLVED_BODY,
                _ => msg::notices::SUPPORT_CLOSED_BODY,
            };
            (i18n.tf(msg::notices::SUPPORT_STATUS_TITLE, &[("title", &s("title"))]), i18n.t(body).to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use crate::orders::rules::reasons;
    use serde_json::json;

    #[test]
    fn texts_follow_the_reader() {
        let params = json!({ "event": "Rosalía", "count": 2, "total_cents": 13000, "currency": "EUR" });
        let (title, body) = render(NotificationKind::OrderPaid, &params, I18n::new(Locale::En));
        assert_eq!(title, "Your tickets for Rosalía are ready");
        assert!(body.contains("€130.00") && body.contains("2 tickets"), "{body}");
        let (title, body) = render(NotificationKind::OrderPaid, &params, I18n::new(Locale::Es));
        assert_eq!(title, "Tus entradas para Rosalía están listas");
        assert!(body.contains("130,00 €") && body.contains("2 entradas"), "{body}");
    }

    #[test]
    fn a_hold_warning_gives_the_venue_clock() {
        // 19:58 UTC on 7 Dec 2026 is 20:58 in Madrid.
        let params = json!({ "event": "Jazz", "seats": 1, "expires_at_ms": 1_796_673_480_000_i64, "time_zone": "Europe/Madrid" });
        let (_, body) = render(NotificationKind::HoldExpiring, &params, I18n::new(Locale::Es));
        assert!(body.contains("20:58"), "{body}");
        assert!(body.starts_with("Tu asiento"), "{body}");
    }

    #[test]
    fn reasons_are_put_in_the_readers_words() {
        let params = json!({ "event": "Jazz", "reason": reasons::INSUFFICIENT_FUNDS });
        let (_, en) = render(NotificationKind::PaymentDeclined, &params, I18n::new(Locale::En));
        let (_, es) = render(NotificationKind::PaymentDeclined, &params, I18n::new(Locale::Es));
        assert!(en.starts_with("Your card has insufficient funds."), "{en}");
        assert_ne!(en, es);
        let refunded = json!({ "event": "Jazz", "reason": reasons::EVENT_CANCELLED, "refunded": true, "total_cents": 6500, "currency": "EUR" });
        let (_, body) = render(NotificationKind::OrderCancelled, &refunded, I18n::new(Locale::En));
        assert!(body.contains("€65.00"), "{body}");
    }
}
