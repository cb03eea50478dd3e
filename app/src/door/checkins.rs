//! The scans door devices sync: judged by the server (the first admission of a ticket by
//! scan time wins, later scans are duplicates), kept with their device and time, and read
//! back by devices (what changed since their last sync) and by the organizer.

use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{event_types, outbox};
use crate::db::{from_ms, new_id, now_ms, to_ms, Backend, Db, Tx};
use crate::door::rules::{device_id_ok, scanned_first, MAX_SCANS_PER_SYNC};
use crate::door::access::{require_door, seat_label};
use crate::door::{Admission, Checkin, CheckinResult, RejectReason, Scan, ScanBatch, SyncAnswer};
use crate::error::{AppError, FieldErrors};
use crate::i18n::{msg, Text};
use crate::paging::Page;
use crate::tickets::codes::CodeChecker;
use crate::tickets::signing::TicketSigner;
use crate::users::User;

const CLIENT_ID_MAX: usize = 64;

fn check(batch: &ScanBatch) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    if !device_id_ok(&batch.device_id) {
        errors.insert("device_id".into(), Text::msg(msg::errors_door::DEVICE_ID));
    }
    if batch.scans.is_empty() || batch.scans.len() > MAX_SCANS_PER_SYNC {
        errors.insert("scans".into(), Text::msg(msg::errors_door::SCANS_COUNT));
    }
    for (i, scan) in batch.scans.iter().enumerate() {
        let id = &scan.client_id;
        if id.is_empty() || id.len() > CLIENT_ID_MAX || !id.bytes().all(|b| b.is_ascii_graphic()) {
            errors.insert(format!("scans[{i}].client_id"), Text::msg(msg::errors_door::CLIENT_ID));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Records a device's scans of one event, and answers what the server made of each, in
/// the order sent. A scan whose `client_id` this user sent before is not recorded again:
/// its answer is the one on record (which a later, earlier-timed scan may have changed).
pub async fn sync(db: &Db, signer: &TicketSigner, user: &User, batch: &ScanBatch) -> Result<SyncAnswer, AppError> {
    let event_id = require_door(db, user, &batch.event_id).await?;
    check(batch)?;
    let checker = CodeChecker::new(&signer.public_key()).ok_or(AppError::Internal)?;
    let event: Uuid = event_id.parse().map_err(|_| AppError::Internal)?;
    let now = now_ms();
    // Each scan's ticket, when its code is a genuine one of this event.
    let judged: Vec<(Option<Uuid>, Option<RejectReason>)> = batch
        .scans
        .iter()
        .map(|scan| match checker.verify(&scan.code) {
            None => (None, Some(RejectReason::NotGenuine)),
            Some((_, other)) if other != event => (None, Some(RejectReason::OtherEvent)),
            Some((ticket, _)) => (Some(ticket), None),
        })
        .collect();
    // Tickets are locked in one order (by id) by every sync, so two devices' syncs never
    // wait on each other in a circle.
    let mut order: Vec<usize> = (0..batch.scans.len()).collect();
    order.sort_by_key(|&i| (judged[i].0, to_ms(batch.scans[i].scanned_at)));
    let mut ids = vec![String::new(); batch.scans.len()];
    let mut admitted = Vec::new();
    let mut tx = db.begin_write().await?;
    for i in order {
        let scan = &batch.scans[i];
        // A device's clock may run ahead: a scan "from the future" is taken as now.
        let scanned_at = to_ms(scan.scanned_at).min(now);
        let (id, newly_admitted) = record(db, &mut tx, user, &event_id, &batch.device_id, scan, scanned_at, now, judged[i]).await?;
        if let Some(ticket) = newly_admitted {
            admitted.push((ticket, id.clone(), scanned_at));
        }
        ids[i] = id;
    }
    let events: Vec<(&str, &str, serde_json::Value)> = admitted
        .iter()
        .map(|(ticket, checkin, at)| {
            let payload = serde_json::json!({ "ticket_id": ticket, "event_id": event_id, "checkin_id": checkin, "device_id": batch.device_id, "scanned_at": at });
            (event_types::TICKET_CHECKED_IN, ticket.as_str(), payload)
        })
        .collect();
    outbox::record_all(&mut tx, &events).await?;
    tx.commit().await?;
    if !events.is_empty() {
        db.wake_relay();
    }
    let found: std::collections::HashMap<String, Checkin> = by_ids(db, &ids).await?.into_iter().map(|c| (c.id.to_string(), c)).collect();
    let results = ids.iter().map(|id| found.get(id).cloned().ok_or(AppError::Internal)).collect::<Result<_, _>>()?;
    Ok(SyncAnswer { results })
}

/// Records one scan in `tx`; returns its id, and its ticket's id when it is the ticket's
/// first admission.
#[allow(clippy::too_many_arguments)]
async fn record(
    db: &Db,
    tx: &mut Tx,
    user: &User,
    event_id: &str,
    device_id: &str,
    scan: &Scan,
    scanned_at: i64,
    now: i64,
    (ticket, reason): (Option<Uuid>, Option<RejectReason>),
) -> Result<(String, Option<String>), AppError> {
    let ticket = ticket.map(|t| t.to_string());
    let mut status = None;
    if let Some(ticket) = &ticket {
        let lock = if db.backend == Backend::Postgres { " FOR UPDATE" } else { "" };
        status = sqlx::query_scalar::<_, String>(&format!("SELECT status FROM tickets WHERE id = $1 AND event_id = $2{lock}"))
            .bind(ticket)
            .bind(event_id)
            .fetch_optional(&mut **tx)
            .await?;
    }
    // After the ticket's lock: a replay of this scan that raced us has committed by now.
    let known: Option<String> = sqlx::query_scalar("SELECT id FROM checkins WHERE scanned_by = $1 AND client_id = $2")
        .bind(user.id.to_string())
        .bind(&scan.client_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(id) = known {
        return Ok((id, None));
    }
    let id = new_id();
    let (result, reason, ticket, first) = match (ticket, status.as_deref()) {
        // Signed for this event, yet not a ticket of it: the key signed nothing like it.
        (Some(_), None) => (CheckinResult::Rejected, Some(RejectReason::NotGenuine), None, false),
        (Some(t), Some("VOID")) => (CheckinResult::Rejected, Some(RejectReason::Void), Some(t), false),
        (Some(t), Some(_)) => {
            let current = sqlx::query("SELECT id, scanned_at, received_at FROM checkins WHERE ticket_id = $1 AND result = 'ADMITTED'")
                .bind(&t)
                .fetch_optional(&mut **tx)
                .await?;
            match current {
                None => (CheckinResult::Admitted, None, Some(t), true),
                Some(row) => {
                    let (at, received): (i64, i64) = (row.try_get("scanned_at")?, row.try_get("received_at")?);
                    if scanned_first((scanned_at, now), (at, received)) {
                        // An earlier scan synced late: it is the admission, the other a duplicate.
                        let other: String = row.try_get("id")?;
                        sqlx::query("UPDATE checkins SET result = 'DUPLICATE', updated_at = $1 WHERE id = $2").bind(now).bind(&other).execute(&mut **tx).await?;
                        (CheckinResult::Admitted, None, Some(t), false)
                    } else {
                        (CheckinResult::Duplicate, None, Some(t), false)
                    }
                }
            }
        }
        (None, _) => (CheckinResult::Rejected, reason, None, false),
    };
    sqlx::query(
        "INSERT INTO checkins (id, event_id, ticket_id, device_id, scanned_by, client_id, scanned_at, received_at, updated_at, result, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)",
    )
    .bind(&id)
    .bind(event_id)
    .bind(ticket.clone())
    .bind(device_id)
    .bind(user.id.to_string())
    .bind(&scan.client_id)
    .bind(scanned_at)
    .bind(now)
    .bind(result.as_str())
    .bind(reason.map(RejectReason::as_str))
    .execute(&mut **tx)
    .await?;
    Ok((id, if first { ticket } else { None }))
}

const CHECKIN_SELECT: &str = "SELECT c.id, c.client_id, c.ticket_id, c.device_id, c.scanned_at, c.received_at, c.updated_at, c.result, c.reason, \
    sc.name AS section, st.row_label, st.number, a.device_id AS first_device, a.scanned_at AS first_scanned_at, a.ticket_id AS first_ticket \
    FROM checkins c LEFT JOIN tickets t ON t.id = c.ticket_id LEFT JOIN seats st ON st.id = t.seat_id \
    LEFT JOIN venue_sections sc ON sc.id = st.section_id \
    LEFT JOIN checkins a ON a.ticket_id = c.ticket_id AND a.result = 'ADMITTED' AND c.result = 'DUPLICATE'";

fn checkin_from_row(row: &AnyRow) -> Result<Checkin, AppError> {
    let uuid = |s: String| s.parse::<Uuid>().map_err(|_| AppError::Internal);
    let seat = match row.try_get::<Option<String>, _>("section")? {
        Some(section) => Some(seat_label(&section, &row.try_get::<String, _>("row_label")?, row.try_get("number")?)),
        None => None,
    };
    let admission = match row.try_get::<Option<String>, _>("first_ticket")? {
        Some(ticket) => Some(Admission { ticket_id: uuid(ticket)?, device_id: row.try_get("first_device")?, scanned_at: from_ms(row.try_get("first_scanned_at")?) }),
        None => None,
    };
    Ok(Checkin {
        id: uuid(row.try_get("id")?)?,
        client_id: row.try_get("client_id")?,
        ticket_id: row.try_get::<Option<String>, _>("ticket_id")?.map(uuid).transpose()?,
        seat,
        device_id: row.try_get("device_id")?,
        scanned_at: from_ms(row.try_get("scanned_at")?),
        received_at: from_ms(row.try_get("received_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
        result: CheckinResult::parse(&row.try_get::<String, _>("result")?).ok_or(AppError::Internal)?,
        reason: row.try_get::<Option<String>, _>("reason")?.as_deref().and_then(RejectReason::parse),
        admission,
    })
}

async fn by_ids(db: &Db, ids: &[String]) -> Result<Vec<Checkin>, AppError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("{CHECKIN_SELECT} WHERE c.id IN ({marks})");
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&db.pool).await? {
            found.push(checkin_from_row(&row)?);
        }
    }
    Ok(found)
}

pub const CHECKINS_PER_PAGE: i64 = 1000;

/// The event's scans that changed at or after `since` (ms), oldest change first: a device
/// asks for those since its last sync (less a few seconds: two syncs may commit in the
/// other order than they started) to learn the other devices' admissions and the
/// duplicates of its own.
pub async fn changes(db: &Db, user: &User, event_ref: &str, since: Option<i64>, page: i64) -> Result<Page<Checkin>, AppError> {
    let event_id = require_door(db, user, event_ref).await?;
    let page = crate::paging::clamp_page(page);
    let since = since.unwrap_or(0);
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE event_id = $1 AND updated_at >= $2").bind(&event_id).bind(since).fetch_one(&db.pool).await?;
    let sql = format!("{CHECKIN_SELECT} WHERE c.event_id = $1 AND c.updated_at >= $2 ORDER BY c.updated_at, c.id LIMIT $3 OFFSET $4");
    let rows = sqlx::query(&sql).bind(&event_id).bind(since).bind(CHECKINS_PER_PAGE).bind((page - 1) * CHECKINS_PER_PAGE).fetch_all(&db.pool).await?;
    let items = rows.iter().map(checkin_from_row).collect::<Result<_, _>>()?;
    Ok(Page { items, total, page, per_page: CHECKINS_PER_PAGE })
}

/// The event's latest scans with `result`, newest first.
pub async fn latest(db: &Db, event_id: &str, result: CheckinResult, limit: i64) -> Result<Vec<Checkin>, AppError> {
    let sql = format!("{CHECKIN_SELECT} WHERE c.event_id = $1 AND c.result = $2 ORDER BY c.updated_at DESC, c.id LIMIT $3");
    let rows = sqlx::query(&sql).bind(event_id).bind(result.as_str()).bind(limit).fetch_all(&db.pool).await?;
    rows.iter().map(checkin_from_row).collect()
}
