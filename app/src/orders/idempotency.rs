//! Idempotent orders: the same `Idempotency-Key` answers the first order, provided it
//! asks for the same thing.

use sqlx::Row;

use crate::db::Db;
use crate::orders::model::PaymentInput;
use crate::error::AppError;

/// What an order request asks for, beside its card.
pub(crate) struct OrderRequest<'a> {
    pub key: &'a str,
    /// See [`request_fingerprint`].
    pub fingerprint: String,
}

/// Identifies what a request with an idempotency key asks for: the hold, and the card by
/// its last four digits, expiry and name (never the whole number nor the security code).
/// A retry must send the same; a different order needs a new key.
pub(crate) fn request_fingerprint(hold_id: &str, payment: &PaymentInput) -> String {
    use sha2::{Digest, Sha256};
    let digits: String = payment.card_number.chars().filter(char::is_ascii_digit).collect();
    let last4 = &digits[digits.len().saturating_sub(4)..];
    let text = format!("{}\n{last4}\n{}\n{}\n{}", hold_id.trim().to_ascii_lowercase(), payment.exp_month, payment.exp_year, payment.name.trim());
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The id of the order first placed with this key, if any; refused when it was asked for
/// another hold or card.
pub(crate) async fn placed_with_key(db: &Db, user_id: &str, request: &OrderRequest<'_>) -> Result<Option<String>, AppError> {
    let Some(row) = sqlx::query("SELECT id, request_fingerprint FROM orders WHERE user_id = $1 AND idempotency_key = $2")
        .bind(user_id)
        .bind(request.key)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let first: Option<String> = row.try_get("request_fingerprint")?;
    if first.is_some_and(|f| f != request.fingerprint) {
        return Err(AppError::field("idempotency_key", crate::i18n::msg::errors_orders::IDEMPOTENCY_KEY_REUSED));
    }
    Ok(Some(row.try_get("id")?))
}

#[cfg(test)]
mod tests {
    use super::request_fingerprint;
    use crate::orders::model::PaymentInput;

    fn card(number: &str, name: &str) -> PaymentInput {
        PaymentInput { card_number: number.into(), exp_month: 12, exp_year: 2031, cvc: "123".into(), name: name.into() }
    }

    #[test]
    fn a_retry_matches_and_another_request_does_not() {
        let hold = "5b1c1d7e-0000-4000-8000-000000000001";
        let first = request_fingerprint(hold, &card("4242 4242 4242 4242", "Ana"));
        assert_eq!(first, request_fingerprint(hold, &card("4242424242424242", " Ana ")), "spacing does not matter");
        assert_eq!(first, request_fingerprint(&hold.to_uppercase(), &PaymentInput { cvc: "999".into(), ..card("4242424242424242", "Ana") }),
            "the security code is not part of it");
        assert_ne!(first, request_fingerprint("5b1c1d7e-0000-4000-8000-000000000002", &card("4242424242424242", "Ana")));
        assert_ne!(first, request_fingerprint(hold, &card("5555 5555 5555 4444", "Ana")));
        assert_ne!(first, request_fingerprint(hold, &card("4242 4242 4242 4242", "Ben")));
        assert_eq!(first.len(), 64, "a SHA-256 in hex, not the card");
    }
}
