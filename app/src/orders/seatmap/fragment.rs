//! The map as the server draws it: once per event and language, with its compressed
//! form beside it, kept while no seat of the event changed and, once one did, for at most
//! [`REFRESH`](crate::ui::kept::REFRESH) more (see [`crate::ui::kept`]). The pages of an on-sale share one drawing and one compression; each
//! drawing names where the event log stood when its seats were read, and the page's live
//! stream goes on from there, so a page sent with a drawing a moment old is brought up
//! to date at once. The compact statuses are kept the same way.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use super::{seat_class, seat_name, status_letter, SeatStatuses};
use crate::catalog::{SeatStatus, SeatView};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{msg, I18n, Locale};
use crate::ui::gzip::Piece;
use crate::ui::kept::{lock, Slots};
use crate::ui::title::escape_html;

/// Drawings kept at most (two languages of the events on sale); the oldest goes first.
const KEPT_AT_MOST: usize = 256;

const SEAT_RADIUS: i64 = 8;
const PAD: i64 = 30;

/// One event's map in one language.
pub struct Drawing {
    pub html: Arc<str>,
    /// `html`, compressed once for every page it goes in.
    pub gzip: Piece,
}

/// One event's statuses, and the same as the API's JSON.
pub struct Statuses {
    pub board: SeatStatuses,
    pub json: Arc<str>,
}

/// This process's drawings and statuses, and the changes it heard of (see
/// [`SeatMaps::changed`]).
pub struct SeatMaps {
    changes: Mutex<HashMap<Uuid, u64>>,
    /// Every change heard of, of any event, and every loss of track.
    heard: AtomicU64,
    drawings: Slots<(Uuid, Locale), Drawing>,
    statuses: Slots<Uuid, Statuses>,
}

impl Default for SeatMaps {
    fn default() -> Self {
        SeatMaps { changes: Mutex::default(), heard: AtomicU64::new(0), drawings: Slots::new(KEPT_AT_MOST), statuses: Slots::new(KEPT_AT_MOST) }
    }
}

impl SeatMaps {
    pub fn new() -> SeatMaps {
        SeatMaps::default()
    }

    /// A seat of `event_id` changed (the live feed heard of it): its drawings are redrawn.
    pub fn changed(&self, event_id: &str) {
        if let Ok(id) = Uuid::parse_str(event_id) {
            *lock(&self.changes).entry(id).or_insert(0) += 1;
            self.heard.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Changes may have been missed (the feed lost its queue): everything is redrawn.
    pub fn forget_all(&self) {
        self.heard.fetch_add(1, Ordering::SeqCst);
        self.drawings.clear();
        self.statuses.clear();
    }

    /// How many changes of any event were heard of (and losses of track): what is made
    /// of several events' seats, or of an event not known beforehand, is made anew when
    /// this moves.
    pub fn heard(&self) -> u64 {
        self.heard.load(Ordering::SeqCst)
    }

    fn changes_of(&self, event: Uuid) -> u64 {
        lock(&self.changes).get(&event).copied().unwrap_or(0)
    }

    /// The map of `event` in `locale`.
    pub async fn drawing(&self, db: &Db, event: Uuid, locale: Locale) -> Result<Arc<Drawing>, AppError> {
        let slot = self.drawings.of((event, locale));
        slot.get(|| self.changes_of(event), || draw(db, event, locale)).await
    }

    /// The statuses of `event`'s seats.
    pub async fn statuses(&self, db: &Db, event: Uuid) -> Result<Arc<Statuses>, AppError> {
        let slot = self.statuses.of(event);
        slot.get(|| self.changes_of(event), || read_statuses(db, event)).await
    }
}

/// The seats of `event` and where the log stood before they were read.
async fn seats_of(db: &Db, event: Uuid) -> Result<(Vec<SeatView>, i64), AppError> {
    // The log first: a change made while the seats are read is told again, not missed.
    let cursor = crate::audit::outbox::newest_seq(db).await?;
    Ok((crate::catalog::service::seats(db, &event.to_string()).await?, cursor))
}

async fn draw(db: &Db, event: Uuid, locale: Locale) -> Result<Drawing, AppError> {
    let (seats, cursor) = seats_of(db, event).await?;
    let html = render(&seats, I18n::new(locale), cursor);
    let gzip = Piece::new(html.as_bytes(), 6);
    Ok(Drawing { html: html.into(), gzip })
}

async fn read_statuses(db: &Db, event: Uuid) -> Result<Statuses, AppError> {
    let (seats, cursor) = seats_of(db, event).await?;
    let board = SeatStatuses { cursor, statuses: seats.iter().map(|s| status_letter(s.status)).collect() };
    let json = serde_json::to_string(&board).map_err(|_| AppError::Internal)?;
    Ok(Statuses { board, json: json.into() })
}

/// The map's HTML: an SVG with the stage, the sections' names and every seat, each a
/// checkbox named with its label, price and status. `cursor` is where the event log stood
/// when the seats were read (`data-cursor`).
pub fn render(seats: &[SeatView], i18n: I18n, cursor: i64) -> String {
    if seats.is_empty() {
        return format!("<p class=\"muted\">{}</p>", escape_html(i18n.t(msg::orders::NO_SEATING)));
    }
    let min_x = seats.iter().map(|s| s.x).min().unwrap_or(0) - PAD;
    let max_x = seats.iter().map(|s| s.x).max().unwrap_or(0) + PAD;
    let min_y = seats.iter().map(|s| s.y).min().unwrap_or(0) - PAD - 60;
    let max_y = seats.iter().map(|s| s.y).max().unwrap_or(0) + PAD;
    let stage_width = (max_x - min_x) / 2;
    let stage_x = min_x + (max_x - min_x - stage_width) / 2;
    let mut out = String::with_capacity(seats.len() * 360 + 1024);
    let _ = write!(
        out,
        "<svg class=\"seat-map\" viewBox=\"{min_x} {min_y} {} {}\" role=\"group\" aria-label=\"{}\" preserveAspectRatio=\"xMidYMin meet\" data-cursor=\"{cursor}\">\
         <rect class=\"stage\" x=\"{stage_x}\" y=\"{}\" width=\"{stage_width}\" height=\"28\" rx=\"6\"></rect>\
         <text class=\"stage-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        max_x - min_x,
        max_y - min_y,
        escape_html(i18n.t(msg::orders::SEAT_MAP)),
        min_y + 10,
        stage_x + stage_width / 2,
        min_y + 29,
        escape_html(i18n.t(msg::orders::STAGE)),
    );
    // Each section's name above it, centred on its seats.
    let mut sections: Vec<(Uuid, &str, i64, i64, i64)> = Vec::new();
    for seat in seats {
        match sections.iter_mut().find(|(id, ..)| *id == seat.section_id) {
            Some(entry) => {
                entry.2 = entry.2.min(seat.y);
                entry.3 += seat.x;
                entry.4 += 1;
            }
            None => sections.push((seat.section_id, &seat.section, seat.y, seat.x, 1)),
        }
    }
    for (_, name, top, sum_x, count) in sections {
        let _ = write!(out, "<text class=\"section-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", sum_x / count, top - 14, escape_html(name));
    }
    for seat in seats {
        let label = seat.label(i18n);
        let name = escape_html(&seat_name(i18n, &label, seat.price_cents, &seat.currency, seat.status));
        let available = seat.status == SeatStatus::Available;
        let _ = write!(
            out,
            "<circle class=\"{}\" cx=\"{}\" cy=\"{}\" r=\"{SEAT_RADIUS}\" role=\"checkbox\" aria-label=\"{name}\" aria-checked=\"false\" \
             aria-disabled=\"{}\" tabindex=\"{}\" data-seat-id=\"{}\" data-status=\"{}\" data-label=\"{}\" data-price=\"{}\"{}><title>{name}</title></circle>",
            seat_class(seat.status, seat.accessible, false),
            seat.x,
            seat.y,
            if available { "false" } else { "true" },
            if available { "0" } else { "-1" },
            seat.id,
            status_letter(seat.status),
            escape_html(&label),
            seat.price_cents,
            if seat.accessible { " data-accessible=\"\"" } else { "" },
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(section: &str, row: &str, number: i64, status: SeatStatus) -> SeatView {
        SeatView {
            id: Uuid::new_v4(),
            section_id: Uuid::nil(),
            section: section.into(),
            row: row.into(),
            number,
            x: number * 20,
            y: 40,
            accessible: number == 1,
            status,
            price_cents: 4500,
            currency: "EUR".into(),
        }
    }

    #[test]
    fn every_seat_is_drawn_with_its_status_and_names_are_escaped() {
        let seats = [seat("Patio <\"A\">", "A", 1, SeatStatus::Available), seat("Patio <\"A\">", "A", 2, SeatStatus::Held)];
        let html = render(&seats, I18n::new(Locale::En), 41);
        assert!(html.starts_with("<svg class=\"seat-map\""), "{html}");
        assert!(html.contains("data-cursor=\"41\""));
        assert!(!html.contains("<\"A\">"), "section names are escaped: {html}");
        assert!(html.contains("Patio &lt;&quot;A&quot;&gt;"));
        assert_eq!(html.matches("<circle ").count(), 2);
        assert!(html.contains("class=\"seat seat-available seat-accessible\""));
        assert!(html.contains("class=\"seat seat-held\""));
        assert!(html.contains("aria-disabled=\"true\" tabindex=\"-1\""));
        assert!(html.contains(", available\""));
        assert!(html.contains(", held by another buyer\""), "{html}");
        assert!(html.ends_with("</svg>"));
    }

    #[test]
    fn no_seats_draw_a_sentence() {
        let html = render(&[], I18n::new(Locale::En), 0);
        assert!(html.starts_with("<p class=\"muted\">"));
    }
}
