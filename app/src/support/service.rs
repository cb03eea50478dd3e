//! Support tickets as their readers use them: a customer opens one, both sides write in
//! its conversation, and it moves from OPEN to CLOSED. Who may see what is decided here,
//! once, for the pages and the API alike: a customer sees their own support tickets and
//! never an internal note; an agent those of their skills and those given to them; an
//! administrator all. Anything else answers not found.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{event_types, outbox};
use crate::db::{flag, from_ms, like_pattern, new_id, now_ms, Arg, Backend, Db, Filters, Tx};
use crate::error::AppError;
use crate::i18n::msg;
use crate::paging::{clamp_page, Page};
use crate::sealing::DataKeys;
use crate::support::attachments;
use crate::support::model::{Attachment, Category, NewSupportTicket, Person, Priority, SupportMessage, SupportStatus, SupportTicket};
use crate::support::rules::{self, PER_PAGE};
use crate::users::{Role, User};

/// Whether `user` works the desk: an active agent or administrator.
pub fn is_desk(user: &User) -> bool {
    user.active && matches!(user.role, Role::Agent | Role::Admin)
}

/// An agent's skills as one string, `,payments,tickets,`, for `LIKE '%,skill,%'`.
pub(crate) fn skills_key(user: &User) -> String {
    format!(",{},", rules::normalize_skills(&user.skills).join(","))
}

/// The condition (over `support_tickets t`) that `viewer` may see a support ticket, with
/// its values: their own; for an agent also those of their skills and those given to
/// them; everything for an administrator.
fn visible_to(viewer: &User, filters: &mut Filters) {
    let me = viewer.id.to_string();
    match viewer.role {
        Role::Admin if viewer.active => {}
        Role::Agent if viewer.active => filters.add(
            "(t.requester_id = ? OR t.assignee_id = ? OR ? LIKE '%,' || LOWER(t.category) || ',%')",
            vec![Arg::Text(me.clone()), Arg::Text(me), Arg::Text(skills_key(viewer))],
        ),
        _ => filters.add("t.requester_id = ?", vec![Arg::Text(me)]),
    }
}

const COLUMNS: &str = "t.id, t.title, t.description, t.description_sealed, t.phone_sealed, t.category, t.priority, t.status, t.order_id, \
    t.requester_id, r.display_name AS requester_name, t.assignee_id, a.display_name AS assignee_name, t.created_at, t.updated_at, \
    t.first_response_due, t.resolution_due, t.first_response_at, t.resolved_at";
const FROM: &str = "support_tickets t JOIN users r ON r.id = t.requester_id LEFT JOIN users a ON a.id = t.assignee_id";

/// Where a sealed field of a support ticket belongs (its associated data).
pub(crate) fn place(column: &str, ticket_id: &str) -> String {
    format!("support_tickets.{column}:{ticket_id}")
}

fn uuid_of(row: &AnyRow, column: &str) -> Result<uuid::Uuid, AppError> {
    row.try_get::<String, _>(column)?.parse().map_err(|_| AppError::Internal)
}

/// A support ticket read from a row of [`COLUMNS`], its sealed fields opened.
fn from_row(row: &AnyRow, keys: &DataKeys) -> Result<SupportTicket, AppError> {
    let id: String = row.try_get("id")?;
    let description = match row.try_get::<Option<String>, _>("description_sealed")? {
        Some(sealed) => keys.open_text(&sealed, &place("description", &id))?,
        None => row.try_get::<Option<String>, _>("description")?.unwrap_or_default(),
    };
    let phone = match row.try_get::<Option<String>, _>("phone_sealed")? {
        Some(sealed) => Some(keys.open_text(&sealed, &place("phone", &id))?),
        None => None,
    };
    let status = SupportStatus::parse(&row.try_get::<String, _>("status")?).ok_or(AppError::Internal)?;
    let first_response_due: i64 = row.try_get("first_response_due")?;
    let resolution_due: i64 = row.try_get("resolution_due")?;
    let first_response_at: Option<i64> = row.try_get("first_response_at")?;
    let assignee = match row.try_get::<Option<String>, _>("assignee_id")? {
        Some(agent) => Some(Person { id: agent.parse().map_err(|_| AppError::Internal)?, display_name: row.try_get("assignee_name")? }),
        None => None,
    };
    Ok(SupportTicket {
        id: id.parse().map_err(|_| AppError::Internal)?,
        title: row.try_get("title")?,
        description,
        category: Category::parse(&row.try_get::<String, _>("category")?).ok_or(AppError::Internal)?,
        priority: Priority::parse(&row.try_get::<String, _>("priority")?).ok_or(AppError::Internal)?,
        status,
        requester: Person { id: uuid_of(row, "requester_id")?, display_name: row.try_get("requester_name")? },
        assignee,
        order_id: row.try_get::<Option<String>, _>("order_id")?.and_then(|o| o.parse().ok()),
        phone,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
        first_response_due: from_ms(first_response_due),
        resolution_due: from_ms(resolution_due),
        first_response_at: first_response_at.map(from_ms),
        resolved_at: row.try_get::<Option<i64>, _>("resolved_at")?.map(from_ms),
        overdue: rules::overdue(status, now_ms(), first_response_due, first_response_at, resolution_due),
        messages: None,
        attachments: None,
    })
}

/// The support ticket `id` if `viewer` may see it, read in `tx` and locked there until it
/// ends (PostgreSQL; SQLite's write transaction holds the whole database).
pub(crate) async fn locked(tx: &mut Tx, backend: Backend, keys: &DataKeys, viewer: &User, id: &str) -> Result<SupportTicket, AppError> {
    let mut filters = Filters::new();
    filters.add("t.id = ?", vec![Arg::Text(id.to_owned())]);
    visible_to(viewer, &mut filters);
    let lock = if backend == Backend::Postgres { " FOR UPDATE OF t" } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE {}{lock}", filters.sql());
    let row = filters.bind(sqlx::query(&sql)).fetch_optional(&mut **tx).await?.ok_or(AppError::NotFound)?;
    from_row(&row, keys)
}

/// Opens a support ticket for `user`, and answers it with whether it is new: sending the
/// same `client_id` again answers the support ticket it made.
pub async fn create(db: &Db, keys: &DataKeys, user: &User, new: &NewSupportTicket) -> Result<(SupportTicket, bool), AppError> {
    let errors = rules::check_new(new);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let files = attachments::check(&new.attachments)?;
    let me = user.id.to_string();
    if let Some(client_id) = &new.client_id {
        if let Some(id) = by_client_id(db, &me, client_id).await? {
            return Ok((get(db, keys, user, &id).await?, false));
        }
    }
    let now = now_ms();
    let order = match new.order_id.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        Some(order_id) => {
            let order_id = order_id.parse::<uuid::Uuid>().map_err(|_| AppError::field("order_id", msg::errors_support::ORDER_UNKNOWN))?.to_string();
            let starts_at: i64 = sqlx::query_scalar("SELECT e.starts_at FROM orders o JOIN events e ON e.id = o.event_id WHERE o.id = $1 AND o.user_id = $2")
                .bind(&order_id)
                .bind(&me)
                .fetch_optional(&db.pool)
                .await?
                .ok_or_else(|| AppError::field("order_id", msg::errors_support::ORDER_UNKNOWN))?;
            Some((order_id, starts_at))
        }
        None => None,
    };
    let priority = rules::priority_for(new.category, order.as_ref().map(|(_, starts_at)| starts_at - now));
    let (first_response, resolution) = rules::deadlines_ms(priority);
    let id = new_id();
    let description = rules::clean_text(&new.description, true);
    // An accessibility need is personal: sealed, like the phone number.
    let (clear, sealed) = match new.category {
        Category::Accessibility => (None, Some(keys.seal(description.as_bytes(), &place("description", &id)))),
        _ => (Some(description), None),
    };
    let phone = match new.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(phone) => Some(keys.seal(rules::normalize_phone(phone).map_err(|e| AppError::field("phone", e))?.as_bytes(), &place("phone", &id))),
        None => None,
    };
    let mut tx = db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO support_tickets (id, requester_id, order_id, title, description, description_sealed, phone_sealed, category, priority, status, \
         first_response_due, resolution_due, client_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'OPEN', $10, $11, $12, $13, $13) ON CONFLICT (requester_id, client_id) DO NOTHING",
    )
    .bind(&id)
    .bind(&me)
    .bind(order.as_ref().map(|(o, _)| o.clone()))
    .bind(rules::clean_text(&new.title, false))
    .bind(clear)
    .bind(sealed)
    .bind(phone)
    .bind(new.category.as_str())
    .bind(priority.as_str())
    .bind(now + first_response)
    .bind(now + resolution)
    .bind(new.client_id.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        // The same client id, sent twice at once: the other one made it.
        tx.rollback().await?;
        let id = by_client_id(db, &me, new.client_id.as_deref().unwrap_or_default()).await?.ok_or(AppError::Internal)?;
        return Ok((get(db, keys, user, &id).await?, false));
    }
    attachments::store(&mut tx, keys, &id, None, files, now).await?;
    outbox::record(
        &mut tx,
        event_types::SUPPORT_TICKET_CREATED,
        &id,
        &json!({ "ticket_id": id, "requester_id": me, "category": new.category.as_str(), "priority": priority.as_str() }),
    )
    .await?;
    tx.commit().await?;
    db.wake_relay();
    Ok((get(db, keys, user, &id).await?, true))
}

async fn by_client_id(db: &Db, requester: &str, client_id: &str) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM support_tickets WHERE requester_id = $1 AND client_id = $2").bind(requester).bind(client_id).fetch_optional(&db.pool).await?)
}

/// One support ticket with its conversation, as `viewer` may read it (a customer reads no
/// internal notes).
pub async fn get(db: &Db, keys: &DataKeys, viewer: &User, id: &str) -> Result<SupportTicket, AppError> {
    let mut filters = Filters::new();
    filters.add("t.id = ?", vec![Arg::Text(id.to_owned())]);
    visible_to(viewer, &mut filters);
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE {}", filters.sql());
    let row = filters.bind(sqlx::query(&sql)).fetch_optional(&db.pool).await?.ok_or(AppError::NotFound)?;
    let mut ticket = from_row(&row, keys)?;
    let notes = reads_notes(viewer, &ticket);
    let rows = sqlx::query(
        "SELECT m.id, m.author_id, u.display_name, u.role, m.body, m.internal, m.created_at FROM support_messages m JOIN users u ON u.id = m.author_id \
         WHERE m.ticket_id = $1 AND (m.internal = $2 OR m.internal = $3) ORDER BY m.created_at, m.id",
    )
    .bind(id)
    .bind(false)
    .bind(notes)
    .fetch_all(&db.pool)
    .await?;
    let mut messages: Vec<SupportMessage> = rows.iter().map(|r| message_from_row(r, &ticket)).collect::<Result<_, _>>()?;
    // Each file goes with its message; those of a note the reader does not read, nowhere.
    let mut own = Vec::new();
    for (message, file) in attachments::of_ticket(db, keys, id).await? {
        match message {
            None => own.push(file),
            Some(message) => {
                if let Some(m) = messages.iter_mut().find(|m| m.id == message) {
                    m.attachments.push(file);
                }
            }
        }
    }
    ticket.messages = Some(messages);
    ticket.attachments = Some(own);
    Ok(ticket)
}

/// A file of the support ticket `id` with its content, if `viewer` may see both (the
/// file of an internal note only the desk does).
pub async fn attachment(db: &Db, keys: &DataKeys, viewer: &User, id: &str, attachment_id: &str) -> Result<(Attachment, Vec<u8>), AppError> {
    let ticket = get(db, keys, viewer, id).await?;
    let wanted: uuid::Uuid = attachment_id.parse().map_err(|_| AppError::NotFound)?;
    let visible = ticket.attachments.into_iter().flatten().chain(ticket.messages.into_iter().flatten().flat_map(|m| m.attachments));
    let file = visible.into_iter().find(|a| a.id == wanted).ok_or(AppError::NotFound)?;
    let content = attachments::content(db, keys, &file).await?;
    Ok((file, content))
}

/// Whether `viewer` reads the internal notes of `ticket`: the desk does, except on a
/// support ticket of their own.
fn reads_notes(viewer: &User, ticket: &SupportTicket) -> bool {
    is_desk(viewer) && ticket.requester.id != viewer.id
}

fn message_from_row(row: &AnyRow, ticket: &SupportTicket) -> Result<SupportMessage, AppError> {
    let author = uuid_of(row, "author_id")?;
    let role = Role::parse(&row.try_get::<String, _>("role")?).unwrap_or(Role::Customer);
    Ok(SupportMessage {
        id: uuid_of(row, "id")?,
        from_staff: author != ticket.requester.id && matches!(role, Role::Agent | Role::Admin),
        author: Person { id: author, display_name: row.try_get("display_name")? },
        body: row.try_get("body")?,
        internal: flag(row, "internal")?,
        created_at: from_ms(row.try_get("created_at")?),
        attachments: Vec::new(),
    })
}

/// Which support tickets a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Queue {
    /// The ones I opened.
    #[serde(alias = "mine")]
    Mine,
    /// The ones given to me (agents).
    #[serde(alias = "assigned")]
    Assigned,
    /// Open and given to nobody yet, of my skills (agents; all of them for administrators).
    #[serde(alias = "unassigned")]
    Unassigned,
    /// Every support ticket (administrators).
    #[serde(alias = "all")]
    All,
}

/// A list's filters, as the pages and the API take them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    #[serde(default)]
    pub queue: Option<Queue>,
    #[serde(default)]
    pub status: Option<SupportStatus>,
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Words in the title, the description or the public conversation.
    #[serde(default)]
    pub q: Option<String>,
    /// Only the late ones.
    #[serde(default)]
    pub overdue: Option<bool>,
    #[serde(default)]
    pub page: Option<i64>,
}

/// The queue a list shows when none is asked for: a customer's own support tickets, an
/// agent's assigned ones, everything for an administrator.
pub fn default_queue(user: &User) -> Queue {
    match user.role {
        Role::Agent if user.active => Queue::Assigned,
        Role::Admin if user.active => Queue::All,
        _ => Queue::Mine,
    }
}

const OPEN_STATUSES: &str = "('OPEN', 'IN_PROGRESS', 'WAITING')";

/// A page of the support tickets `viewer` asks for. The desk's queues come most urgent
/// first (then by deadline); a customer's own list newest first.
pub async fn list(db: &Db, keys: &DataKeys, viewer: &User, query: &TicketQuery) -> Result<Page<SupportTicket>, AppError> {
    let page = clamp_page(query.page.unwrap_or(1));
    let queue = query.queue.unwrap_or_else(|| default_queue(viewer));
    let me = viewer.id.to_string();
    let mut filters = Filters::new();
    match queue {
        Queue::Mine => filters.add("t.requester_id = ?", vec![Arg::Text(me)]),
        Queue::Assigned if is_desk(viewer) => filters.add("t.assignee_id = ?", vec![Arg::Text(me)]),
        Queue::Unassigned if is_desk(viewer) => {
            filters.add(&format!("t.assignee_id IS NULL AND t.status IN {OPEN_STATUSES}"), vec![]);
            visible_to(viewer, &mut filters);
        }
        Queue::All if viewer.role == Role::Admin && viewer.active => {}
        _ => return Err(AppError::Forbidden),
    }
    if let Some(status) = query.status {
        filters.add("t.status = ?", vec![Arg::Text(status.as_str().into())]);
    }
    if let Some(category) = query.category {
        filters.add("t.category = ?", vec![Arg::Text(category.as_str().into())]);
    }
    if let Some(priority) = query.priority {
        filters.add("t.priority = ?", vec![Arg::Text(priority.as_str().into())]);
    }
    if query.overdue == Some(true) {
        let now = now_ms();
        filters.add(
            &format!("t.status IN {OPEN_STATUSES} AND ((t.first_response_at IS NULL AND t.first_response_due < ?) OR t.resolution_due < ?)"),
            vec![Arg::Int(now), Arg::Int(now)],
        );
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if q.chars().count() > rules::SEARCH_MAX {
            return Err(AppError::field("q", crate::i18n::Text::with(msg::errors_support::TEXT_LONG, &[("max", &rules::SEARCH_MAX)])));
        }
        let pattern = like_pattern(q);
        filters.add(
            "(LOWER(t.title) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(t.description, '')) LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM support_messages m \
             WHERE m.ticket_id = t.id AND m.internal = ? AND LOWER(m.body) LIKE ? ESCAPE '\\'))",
            vec![Arg::Text(pattern.clone()), Arg::Text(pattern.clone()), Arg::Bool(false), Arg::Text(pattern)],
        );
    }
    let where_sql = filters.sql();
    let total: i64 = filters.bind(sqlx::query(&format!("SELECT COUNT(*) AS n FROM support_tickets t WHERE {where_sql}"))).fetch_one(&db.pool).await?.try_get("n")?;
    let order = match queue {
        Queue::Mine => "t.created_at DESC, t.id",
        _ => "CASE t.priority WHEN 'URGENT' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'NORMAL' THEN 2 ELSE 3 END, t.resolution_due, t.id",
    };
    let n = filters.bound();
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE {where_sql} ORDER BY {order} LIMIT ${} OFFSET ${}", n + 1, n + 2);
    let rows = filters.bind(sqlx::query(&sql)).bind(PER_PAGE).bind((page - 1) * PER_PAGE).fetch_all(&db.pool).await?;
    let items = rows.iter().map(|r| from_row(r, keys)).collect::<Result<_, _>>()?;
    Ok(Page { items, total, page, per_page: PER_PAGE })
}

/// Seals again, under the key that seals now, every sealed field of the support tickets
/// and their attachments sealed by another key (a key rotation); answers how many. Rows
/// are read in pages by id and each is rewritten only if it still holds what was read, so
/// it can run while the site serves.
pub async fn reseal_all(db: &Db, keys: &DataKeys) -> Result<u64, AppError> {
    Ok(reseal_tickets(db, keys).await? + attachments::reseal_all(db, keys).await?)
}

async fn reseal_tickets(db: &Db, keys: &DataKeys) -> Result<u64, AppError> {
    let mut resealed = 0;
    let mut after = String::new();
    loop {
        let rows = sqlx::query(
            "SELECT id, description_sealed, phone_sealed FROM support_tickets WHERE id > $1 \
             AND (description_sealed IS NOT NULL OR phone_sealed IS NOT NULL) ORDER BY id LIMIT 500",
        )
        .bind(&after)
        .fetch_all(&db.pool)
        .await?;
        let Some(last) = rows.last() else { return Ok(resealed) };
        after = last.try_get("id")?;
        for row in &rows {
            let id: String = row.try_get("id")?;
            for column in ["description", "phone"] {
                let Some(sealed) = row.try_get::<Option<String>, _>(format!("{column}_sealed").as_str())? else { continue };
                if keys.is_current(&sealed) {
                    continue;
                }
                let fresh = keys.reseal(&sealed, &place(column, &id))?;
                let sql = format!("UPDATE support_tickets SET {column}_sealed = $1 WHERE id = $2 AND {column}_sealed = $3");
                resealed += sqlx::query(&sql).bind(fresh).bind(&id).bind(&sealed).execute(&db.pool).await?.rows_affected();
            }
        }
    }
}
