//! The organizer's event checks and status moves.

use super::*;
use time::macros::datetime;

fn input() -> EventInput {
    EventInput {
        title: "Night".into(),
        description: String::new(),
        category: "concerts".into(),
        venue_id: "v".into(),
        starts_at: datetime!(2030-01-01 20:00 UTC),
        ends_at: datetime!(2030-01-01 22:00 UTC),
        currency: "EUR".into(),
        prices: vec![PriceInput { section_id: "a".into(), price_cents: 1000 }, PriceInput { section_id: "b".into(), price_cents: 500 }],
        image_url: None,
        featured: false,
        max_seats_per_buyer: 8,
    }
}

#[test]
fn events_need_a_price_for_every_section_and_a_future_date() {
    let now = datetime!(2029-01-01 0:00 UTC);
    let sections = vec!["a".to_string(), "b".to_string()];
    assert!(check_event(&input(), &sections, now).is_empty());
    let missing = EventInput { prices: vec![PriceInput { section_id: "a".into(), price_cents: 1000 }], ..input() };
    assert!(check_event(&missing, &sections, now).contains_key("prices"));
    let past = EventInput { starts_at: datetime!(2028-01-01 0:00 UTC), ..input() };
    assert!(check_event(&past, &sections, now).contains_key("starts_at"));
    let backwards = EventInput { ends_at: datetime!(2030-01-01 19:00 UTC), ..input() };
    assert!(check_event(&backwards, &sections, now).contains_key("ends_at"));
    let bad = EventInput { currency: "eur".into(), title: " ".into(), ..input() };
    let errors = check_event(&bad, &sections, now);
    assert!(errors.contains_key("currency") && errors.contains_key("title"));
    let id_title = EventInput { title: uuid::Uuid::new_v4().to_string(), ..input() };
    assert!(check_event(&id_title, &sections, now).contains_key("title"), "a title whose slug reads as an id");
}

#[test]
fn titles_and_descriptions_hold_no_control_characters() {
    let now = datetime!(2029-01-01 0:00 UTC);
    let sections = vec!["a".to_string(), "b".to_string()];
    for title in ["Jazz\nnight", "Jazz\u{1b}[31m night", "Jazz\u{0} night", "Jazz\tnight"] {
        let event = EventInput { title: title.into(), ..input() };
        assert!(check_event(&event, &sections, now).contains_key("title"), "{title:?}");
    }
    let escaped = EventInput { category: "jazz\u{7}".into(), description: "Doors at 19:00.\u{1b}[2J".into(), ..input() };
    let errors = check_event(&escaped, &sections, now);
    assert!(errors.contains_key("category") && errors.contains_key("description"), "{errors:?}");
    let lines = EventInput { description: "Doors at 19:00.\r\nNo re-entry.\n\tBar open.".into(), ..input() };
    assert!(check_event(&lines, &sections, now).is_empty(), "a description keeps its line breaks");
}

#[test]
fn status_changes_follow_the_lifecycle() {
    use EventStatus::*;
    assert!(can_move(Draft, OnSale));
    assert!(can_move(OnSale, Cancelled));
    assert!(!can_move(Cancelled, OnSale));
    assert!(!can_move(OnSale, Draft));
}
