//! What door devices download and the organizer sees: the events a user may check in,
//! door staff, the check-in bundle and the door's summary.

use std::collections::HashMap;

use sqlx::Row;
use uuid::Uuid;

use crate::db::{from_ms, now_ms, Db};
use crate::door::{Admission, BundleRules, BundleTicket, CheckinBundle, DoorDevice, DoorEvent, DoorStaff, DoorSummary};
use crate::error::AppError;
use crate::i18n::msg;
use crate::tickets::signing::TicketSigner;
use crate::tickets::TicketStatus;
use crate::users::{Role, User};

pub use crate::door::access::{require_door, require_runner, seat_label};

fn parse_uuid(s: String) -> Result<Uuid, AppError> {
    s.parse().map_err(|_| AppError::Internal)
}

const EVENT_COLUMNS: &str = "e.id, e.title, e.starts_at, v.name AS venue, v.time_zone";

fn door_event(row: &sqlx::any::AnyRow) -> Result<DoorEvent, AppError> {
    let starts_at = from_ms(row.try_get("starts_at")?);
    let zone: String = row.try_get("time_zone")?;
    Ok(DoorEvent {
        id: parse_uuid(row.try_get("id")?)?,
        title: row.try_get("title")?,
        venue: row.try_get("venue")?,
        starts_at,
        starts_at_local: crate::catalog::zone::local_in(starts_at, &zone),
    })
}

async fn find_event(db: &Db, event_id: &str) -> Result<DoorEvent, AppError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id WHERE e.id = $1");
    door_event(&sqlx::query(&sql).bind(event_id).fetch_optional(&db.pool).await?.ok_or(AppError::NotFound)?)
}

/// How long after it starts an event still shows at the door.
const DOOR_OPEN_AFTER_START_MS: i64 = 12 * 3600 * 1000;

/// The events whose door `user` may work that have not long started, soonest first: all of
/// them for an administrator, their own for an organizer, those granted for door staff.
pub async fn my_events(db: &Db, user: &User) -> Result<Vec<DoorEvent>, AppError> {
    let since = now_ms() - DOOR_OPEN_AFTER_START_MS;
    let base = format!("SELECT {EVENT_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id WHERE e.starts_at >= $1 AND e.status <> 'CANCELLED'");
    let user_id = user.id.to_string();
    let rows = if user.is_admin() {
        sqlx::query(&format!("{base} ORDER BY e.starts_at LIMIT 200")).bind(since).fetch_all(&db.pool).await?
    } else {
        // An organizer's own events; anyone's granted ones.
        let own = if user.role == Role::Organizer { "e.organizer_id = $2 OR " } else { "" };
        let sql = format!(
            "{base} AND ({own}EXISTS (SELECT 1 FROM door_staff d WHERE d.event_id = e.id AND d.user_id = $2 AND d.revoked_at IS NULL)) \
             ORDER BY e.starts_at LIMIT 200"
        );
        sqlx::query(&sql).bind(since).bind(&user_id).fetch_all(&db.pool).await?
    };
    rows.iter().map(door_event).collect()
}

/// Everything a door device needs to judge the event's codes offline.
pub async fn bundle(db: &Db, signer: &TicketSigner, user: &User, event_ref: &str) -> Result<CheckinBundle, AppError> {
    let event_id = require_door(db, user, event_ref).await?;
    let event = find_event(db, &event_id).await?;
    let generated_at = now_ms();
    let rows = sqlx::query(
        "SELECT t.id, t.status, sc.name AS section, st.row_label, st.number FROM tickets t JOIN seats st ON st.id = t.seat_id \
         JOIN venue_sections sc ON sc.id = st.section_id WHERE t.event_id = $1 ORDER BY sc.sort_order, st.row_label, st.number",
    )
    .bind(&event_id)
    .fetch_all(&db.pool)
    .await?;
    let mut tickets = Vec::with_capacity(rows.len());
    let mut revocations = Vec::new();
    for row in &rows {
        let id = parse_uuid(row.try_get("id")?)?;
        let status = if row.try_get::<String, _>("status")? == "VALID" { TicketStatus::Valid } else { TicketStatus::Void };
        if status == TicketStatus::Void {
            revocations.push(id);
        }
        let (section, row_label, number): (String, String, i64) = (row.try_get("section")?, row.try_get("row_label")?, row.try_get("number")?);
        tickets.push(BundleTicket { id, seat: seat_label(&section, &row_label, number), status });
    }
    Ok(CheckinBundle {
        rules: BundleRules { event_id: event.id, algorithm: "Ed25519".into(), code_format: "TQ1.<base64url ticket id + event id>.<base64url signature>".into(), single_entry: true },
        event,
        public_key: signer.public_key(),
        tickets,
        revocations,
        admissions: admissions(db, &event_id).await?,
        generated_at: from_ms(generated_at),
    })
}

async fn admissions(db: &Db, event_id: &str) -> Result<Vec<Admission>, AppError> {
    let rows = sqlx::query("SELECT ticket_id, device_id, scanned_at FROM checkins WHERE event_id = $1 AND result = 'ADMITTED'")
        .bind(event_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| Ok(Admission { ticket_id: parse_uuid(r.try_get("ticket_id")?)?, device_id: r.try_get("device_id")?, scanned_at: from_ms(r.try_get("scanned_at")?) }))
        .collect()
}

/// The door at a glance: admissions, duplicates, rejections and each device's share.
pub async fn summary(db: &Db, user: &User, event_ref: &str) -> Result<DoorSummary, AppError> {
    let event_id = require_runner(db, user, event_ref).await?;
    let event = find_event(db, &event_id).await?;
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE event_id = $1 AND status = 'VALID'").bind(&event_id).fetch_one(&db.pool).await?;
    let rows = sqlx::query(
        "SELECT device_id, result, COUNT(*) AS n, MAX(received_at) AS last FROM checkins WHERE event_id = $1 GROUP BY device_id, result ORDER BY device_id",
    )
    .bind(&event_id)
    .fetch_all(&db.pool)
    .await?;
    let mut devices: Vec<DoorDevice> = Vec::new();
    let mut by_device: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        let device: String = row.try_get("device_id")?;
        let (n, last): (i64, i64) = (row.try_get("n")?, row.try_get("last")?);
        let at = *by_device.entry(device.clone()).or_insert_with(|| {
            devices.push(DoorDevice { device_id: device, scans: 0, admitted: 0, duplicates: 0, rejected: 0, last_synced_at: from_ms(last) });
            devices.len() - 1
        });
        let d = &mut devices[at];
        d.scans += n;
        d.last_synced_at = d.last_synced_at.max(from_ms(last));
        match row.try_get::<String, _>("result")?.as_str() {
            "ADMITTED" => d.admitted += n,
            "DUPLICATE" => d.duplicates += n,
            _ => d.rejected += n,
        }
    }
    let latest_duplicates = crate::door::checkins::latest(db, &event_id, crate::door::CheckinResult::Duplicate, 50).await?;
    Ok(DoorSummary {
        event,
        tickets,
        admitted: devices.iter().map(|d| d.admitted).sum(),
        duplicates: devices.iter().map(|d| d.duplicates).sum(),
        rejected: devices.iter().map(|d| d.rejected).sum(),
        devices,
        latest_duplicates,
    })
}

/// The event's door staff (granted, not revoked), by name.
pub async fn staff(db: &Db, user: &User, event_ref: &str) -> Result<Vec<DoorStaff>, AppError> {
    let event_id = require_runner(db, user, event_ref).await?;
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.display_name, d.granted_at FROM door_staff d JOIN users u ON u.id = d.user_id \
         WHERE d.event_id = $1 AND d.revoked_at IS NULL ORDER BY u.display_name, u.email",
    )
    .bind(&event_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DoorStaff { user_id: parse_uuid(r.try_get("id")?)?, email: r.try_get("email")?, display_name: r.try_get("display_name")?, granted_at: from_ms(r.try_get("granted_at")?) })
        })
        .collect()
}

/// Grants the account with `email` door access to the event; granting it again changes
/// nothing. Returns the staff member, and whether the grant is new.
pub async fn grant(db: &Db, user: &User, event_ref: &str, email: &str) -> Result<(DoorStaff, bool), AppError> {
    let event_id = require_runner(db, user, event_ref).await?;
    let row = sqlx::query("SELECT id, email, display_name, active FROM users WHERE email_norm = $1")
        .bind(crate::users::rules::normalize_email(email))
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row.filter(|r| crate::db::flag(r, "active").unwrap_or(false)) else {
        return Err(AppError::field("email", msg::errors_door::NO_SUCH_ACCOUNT));
    };
    let staff_id: String = row.try_get("id")?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    // (granted_at, revoked_at) of an earlier grant, if any.
    let current: Option<(i64, Option<i64>)> = sqlx::query_as("SELECT granted_at, revoked_at FROM door_staff WHERE event_id = $1 AND user_id = $2")
        .bind(&event_id)
        .bind(&staff_id)
        .fetch_optional(&mut *tx)
        .await?;
    let (granted_at, new) = match current {
        Some((at, None)) => (at, false),
        Some((_, Some(_))) => {
            sqlx::query("UPDATE door_staff SET revoked_at = NULL, granted_at = $1, granted_by = $2 WHERE event_id = $3 AND user_id = $4")
                .bind(now)
                .bind(user.id.to_string())
                .bind(&event_id)
                .bind(&staff_id)
                .execute(&mut *tx)
                .await?;
            (now, true)
        }
        None => {
            sqlx::query("INSERT INTO door_staff (event_id, user_id, granted_by, granted_at) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id, user_id) DO NOTHING")
                .bind(&event_id)
                .bind(&staff_id)
                .bind(user.id.to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            (now, true)
        }
    };
    tx.commit().await?;
    let staff = DoorStaff { user_id: parse_uuid(staff_id)?, email: row.try_get("email")?, display_name: row.try_get("display_name")?, granted_at: from_ms(granted_at) };
    Ok((staff, new))
}

/// Takes door access to the event away from a staff member; their scans stay on record.
pub async fn revoke(db: &Db, user: &User, event_ref: &str, staff_id: &str) -> Result<(), AppError> {
    let event_id = require_runner(db, user, event_ref).await?;
    let done = sqlx::query("UPDATE door_staff SET revoked_at = $1 WHERE event_id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(&event_id)
        .bind(staff_id)
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
