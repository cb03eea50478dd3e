//! Box-office rules as pure functions: seat requests, card checks, the simulated
//! gateway's answers, hold validity and what happens to seats when a payment resolves.

use std::collections::HashSet;

use uuid::Uuid;

use crate::error::FieldErrors;
use crate::i18n::{msg, Msg, Text};
use crate::orders::model::PaymentInput;

pub const MAX_SEATS_PER_HOLD: usize = 8;

/// A hold request names 1 to 8 distinct seats.
pub fn check_seat_request(seat_ids: &[Uuid]) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if seat_ids.is_empty() {
        errors.insert("seat_ids".into(), msg::errors_orders::SEATS_NONE.into());
    } else if seat_ids.len() > MAX_SEATS_PER_HOLD {
        errors.insert("seat_ids".into(), Text::with(msg::errors_orders::SEATS_TOO_MANY, &[("max", &MAX_SEATS_PER_HOLD)]));
    } else if seat_ids.iter().collect::<HashSet<_>>().len() != seat_ids.len() {
        errors.insert("seat_ids".into(), msg::errors_orders::SEAT_TWICE.into());
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// What the simulated gateway will answer for a card, like common payment test cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardOutcome {
    Approve,
    Decline,
    InsufficientFunds,
}

impl CardOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CardOutcome::Approve => "APPROVE",
            CardOutcome::Decline => "DECLINE",
            CardOutcome::InsufficientFunds => "INSUFFICIENT_FUNDS",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CardOutcome::Approve, CardOutcome::Decline, CardOutcome::InsufficientFunds].into_iter().find(|o| o.as_str() == s)
    }

    /// Why the payment is refused, as stored with the order (see [`reasons`]).
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            CardOutcome::Approve => None,
            CardOutcome::Decline => Some(reasons::CARD_DECLINED),
            CardOutcome::InsufficientFunds => Some(reasons::INSUFFICIENT_FUNDS),
        }
    }
}

/// Why an order failed, as stored with it (`orders.failure_reason`) and answered by the
/// REST API: fixed English sentences, which are data, not a language's words. A page puts
/// one into words with [`failure_text`].
pub mod reasons {
    pub const CARD_DECLINED: &str = "Your card was declined.";
    pub const INSUFFICIENT_FUNDS: &str = "Your card has insufficient funds.";
    /// A payment refused because its event was cancelled before it was approved.
    pub const EVENT_CANCELLED_UNCHARGED: &str = "The event was cancelled; nothing was charged.";
    /// An order whose payment never resolved in time.
    pub const PAYMENT_TIMEOUT: &str = "The payment did not complete in time.";
    /// An order cancelled or refunded with its event.
    pub const EVENT_CANCELLED: &str = "The event was cancelled.";
    /// An order refunded by the support desk.
    pub const REFUNDED_BY_SUPPORT: &str = "Our support team refunded your order, as you asked.";
}

/// Each stored reason and its message of the catalog.
const REASONS: [(&str, Msg); 6] = [
    (reasons::CARD_DECLINED, msg::errors_orders::CARD_DECLINED),
    (reasons::INSUFFICIENT_FUNDS, msg::errors_orders::CARD_INSUFFICIENT_FUNDS),
    (reasons::EVENT_CANCELLED_UNCHARGED, msg::errors_orders::EVENT_CANCELLED_NOT_CHARGED),
    (reasons::PAYMENT_TIMEOUT, msg::errors_orders::PAYMENT_TIMEOUT),
    (reasons::EVENT_CANCELLED, msg::errors_orders::EVENT_CANCELLED_REASON),
    (reasons::REFUNDED_BY_SUPPORT, msg::errors_orders::REFUNDED_BY_SUPPORT),
];

/// A stored failure reason (an order's `failure_reason`) as a message for the customer, in
/// their language; one this version does not know is shown as it was stored.
pub fn failure_text(reason: &str) -> Text {
    match REASONS.iter().find(|(stored, _)| *stored == reason) {
        Some((_, message)) => Text::msg(*message),
        None => Text::raw(reason),
    }
}

/// A card that passed the checks: only what may be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCard {
    pub last4: String,
    pub outcome: CardOutcome,
}

fn luhn_ok(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = *d as u32;
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Checks the payment fields before any order exists; `today` is (year, month).
pub fn check_payment(payment: &PaymentInput, today: (i32, u8)) -> Result<CheckedCard, FieldErrors> {
    let mut errors = FieldErrors::new();
    let number: String = payment.card_number.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let digits: Vec<u8> = number.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    if number.is_empty() {
        errors.insert("card_number".into(), msg::errors_orders::CARD_NUMBER_MISSING.into());
    } else if digits.len() != number.len() || !(12..=19).contains(&digits.len()) || !luhn_ok(&digits) {
        errors.insert("card_number".into(), msg::errors_orders::CARD_NUMBER_INVALID.into());
    }
    let (year, month) = today;
    if !(1..=12).contains(&payment.exp_month) {
        errors.insert("exp_month".into(), msg::errors_orders::CARD_MONTH.into());
    }
    let exp_year = if payment.exp_year < 100 { payment.exp_year + 2000 } else { payment.exp_year };
    if !(2000..=2100).contains(&exp_year) {
        errors.insert("exp_year".into(), msg::errors_orders::CARD_YEAR.into());
    } else if (exp_year, payment.exp_month) < (year, month as i32) {
        errors.insert("exp_year".into(), msg::errors_orders::CARD_EXPIRED.into());
    }
    let cvc = payment.cvc.trim();
    if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        errors.insert("cvc".into(), msg::errors_orders::CARD_CVC.into());
    }
    let name = payment.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.insert("name".into(), msg::errors_orders::CARD_NAME.into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let outcome = match number.as_str() {
        "4000000000000002" => CardOutcome::Decline,
        "4000000000009995" => CardOutcome::InsufficientFunds,
        _ => CardOutcome::Approve,
    };
    Ok(CheckedCard { last4: number[number.len() - 4..].to_owned(), outcome })
}

/// After a refused payment the seats go back to the hold if it still runs (so the
/// customer can try another card), otherwise they are released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterRefusal {
    BackToHold,
    Release,
}

pub fn after_refusal(hold_expires_at_ms: i64, now_ms: i64) -> AfterRefusal {
    if now_ms < hold_expires_at_ms { AfterRefusal::BackToHold } else { AfterRefusal::Release }
}

/// The sum of the seat prices.
pub fn total(prices: &[i64]) -> i64 {
    prices.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str) -> PaymentInput {
        PaymentInput { card_number: number.into(), exp_month: 12, exp_year: 2030, cvc: "123".into(), name: "Ana García".into() }
    }

    #[test]
    fn test_cards_decide_the_answer() {
        let today = (2026, 11);
        assert_eq!(check_payment(&card("4242 4242 4242 4242"), today).unwrap().outcome, CardOutcome::Approve);
        assert_eq!(check_payment(&card("4000 0000 0000 0002"), today).unwrap().outcome, CardOutcome::Decline);
        assert_eq!(check_payment(&card("4000-0000-0000-9995"), today).unwrap().outcome, CardOutcome::InsufficientFunds);
        assert_eq!(check_payment(&card("5555555555554444"), today).unwrap().outcome, CardOutcome::Approve);
        assert_eq!(check_payment(&card("4242424242424242"), today).unwrap().last4, "4242");
    }

    #[test]
    fn bad_cards_are_field_errors() {
        let today = (2026, 11);
        assert!(check_payment(&card("4242 4242 4242 4241"), today).unwrap_err().contains_key("card_number"));
        assert!(check_payment(&card("4242abcd42424242"), today).unwrap_err().contains_key("card_number"));
        assert!(check_payment(&card(""), today).unwrap_err().contains_key("card_number"));
        let expired = PaymentInput { exp_month: 10, exp_year: 2026, ..card("4242424242424242") };
        assert!(check_payment(&expired, today).unwrap_err().contains_key("exp_year"));
        let this_month = PaymentInput { exp_month: 11, exp_year: 26, ..card("4242424242424242") };
        assert!(check_payment(&this_month, today).is_ok(), "valid through the end of its month; two-digit years");
        let bad = PaymentInput { exp_month: 13, cvc: "12".into(), name: " ".into(), ..card("4242424242424242") };
        let errors = check_payment(&bad, today).unwrap_err();
        assert!(errors.contains_key("exp_month") && errors.contains_key("cvc") && errors.contains_key("name"));
    }

    #[test]
    fn seat_requests_are_bounded_and_distinct() {
        let a = Uuid::new_v4();
        assert!(check_seat_request(&[]).is_err());
        assert!(check_seat_request(&[a, a]).is_err());
        assert!(check_seat_request(&(0..9).map(|_| Uuid::new_v4()).collect::<Vec<_>>()).is_err());
        assert!(check_seat_request(&(0..8).map(|_| Uuid::new_v4()).collect::<Vec<_>>()).is_ok());
    }

    #[test]
    fn refusals_return_seats_only_while_the_hold_runs() {
        assert_eq!(after_refusal(1_000, 500), AfterRefusal::BackToHold);
        assert_eq!(after_refusal(1_000, 1_000), AfterRefusal::Release);
        assert_eq!(total(&[6500, 4500]), 11_000);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn stored_reasons_read_as_their_messages() {
        use crate::i18n::{I18n, Locale};
        let (en, es) = (I18n::new(Locale::En), I18n::new(Locale::Es));
        for (stored, _) in REASONS {
            assert_eq!(en.text(&failure_text(stored)), stored, "the English message is the stored sentence");
            assert_ne!(es.text(&failure_text(stored)), stored, "{stored} is translated");
        }
        assert_eq!(es.text(&failure_text("A reason from elsewhere.")), "A reason from elsewhere.");
    }
}

/// A seat as the "best available" choice sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatSpot {
    pub id: Uuid,
    pub row: String,
    pub number: i64,
    pub x: i64,
    pub y: i64,
}

/// The best `n` of the available seats of one section: `n` side by side in the row
/// nearest the stage that has room, as close to the centre as possible; when no row has
/// `n` together, the seats nearest the stage and the centre. `None` if fewer than `n`.
pub fn best_seats(available: &[SeatSpot], n: usize) -> Option<Vec<Uuid>> {
    if n == 0 || available.len() < n {
        return None;
    }
    let min_x = available.iter().map(|s| s.x).min()?;
    let max_x = available.iter().map(|s| s.x).max()?;
    let centre = (min_x + max_x) as f64 / 2.0;
    let mut rows: Vec<(i64, Vec<&SeatSpot>)> = Vec::new();
    for seat in available {
        match rows.iter_mut().find(|(y, r)| *y == seat.y && r[0].row == seat.row) {
            Some((_, r)) => r.push(seat),
            None => rows.push((seat.y, vec![seat])),
        }
    }
    rows.sort_by_key(|(y, _)| *y);
    for (_, row) in rows.iter_mut() {
        row.sort_by_key(|s| s.number);
        let mut best: Option<(f64, usize)> = None;
        for start in 0..row.len().saturating_sub(n - 1) {
            let window = &row[start..start + n];
            let together = window.windows(2).all(|w| w[1].number == w[0].number + 1);
            if !together {
                continue;
            }
            let mid = window.iter().map(|s| s.x as f64).sum::<f64>() / n as f64;
            let distance = (mid - centre).abs();
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, start));
            }
        }
        if let Some((_, start)) = best {
            return Some(row[start..start + n].iter().map(|s| s.id).collect());
        }
    }
    let mut scattered: Vec<&SeatSpot> = available.iter().collect();
    scattered.sort_by(|a, b| a.y.cmp(&b.y).then(((a.x as f64 - centre).abs()).total_cmp(&(b.x as f64 - centre).abs())));
    Some(scattered.into_iter().take(n).map(|s| s.id).collect())
}

#[cfg(test)]
mod best_tests {
    use super::*;

    fn row(label: &str, y: i64, numbers: &[i64]) -> Vec<SeatSpot> {
        numbers.iter().map(|&n| SeatSpot { id: Uuid::new_v4(), row: label.into(), number: n, x: n * 10, y }).collect()
    }

    fn numbers(all: &[SeatSpot], chosen: &[Uuid]) -> Vec<(String, i64)> {
        let mut v: Vec<_> = chosen.iter().map(|id| all.iter().find(|s| s.id == *id).map(|s| (s.row.clone(), s.number)).unwrap()).collect();
        v.sort();
        v
    }

    #[test]
    fn prefers_the_front_row_with_room_near_the_centre() {
        let mut seats = row("A", 0, &[1, 2, 4, 9, 10]);
        seats.extend(row("B", 24, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        let chosen = best_seats(&seats, 2).unwrap();
        assert_eq!(numbers(&seats, &chosen), vec![("A".into(), 1), ("A".into(), 2)]);
        let chosen = best_seats(&seats, 3).unwrap();
        assert_eq!(numbers(&seats, &chosen), vec![("B".into(), 4), ("B".into(), 5), ("B".into(), 6)]);
    }

    #[test]
    fn falls_back_to_scattered_seats_and_refuses_too_many() {
        let mut seats = row("A", 0, &[1, 3, 5]);
        seats.extend(row("B", 24, &[2]));
        let chosen = best_seats(&seats, 3).unwrap();
        assert_eq!(chosen.len(), 3);
        assert!(numbers(&seats, &chosen).iter().all(|(r, _)| r == "A"));
        assert_eq!(best_seats(&seats, 5), None);
        assert_eq!(best_seats(&seats, 0), None);
    }
}
