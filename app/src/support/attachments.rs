//! Files sent with a support ticket or a reply: images (PNG, JPEG, GIF, WebP) or PDF, at
//! most [`PER_MESSAGE`] to a message and [`MAX_BYTES`] each (see `rules`). The type is read from the
//! content, never from the name. Name and content are sealed in the database (like the
//! phone number), so every instance serves them and a dump shows neither.

use base64::Engine;
use sqlx::Row;

use crate::db::{new_id, Db, Tx};
use crate::error::AppError;
use crate::i18n::{msg, Text};
use crate::sealing::DataKeys;
use crate::support::model::{Attachment, NewAttachment};
use crate::support::rules::clean_text;

pub use crate::support::rules::{ATTACHMENTS_PER_MESSAGE as PER_MESSAGE, ATTACHMENT_MAX_BYTES as MAX_BYTES};

/// Characters of a file's name, at most.
pub const NAME_MAX: usize = 120;
/// The largest body of a request that may carry files: [`PER_MESSAGE`] of them in base64,
/// beside the text. A larger file still arrives whole, so that it is told apart by name.
pub const BODY_MAX: usize = PER_MESSAGE * (2 * MAX_BYTES) + 256 * 1024;

/// The type of a file, from its first bytes: one of the images a browser shows, or a PDF.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some("image/png"),
        [0xff, 0xd8, 0xff, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some("image/gif"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        [b'%', b'P', b'D', b'F', b'-', ..] => Some("application/pdf"),
        _ => None,
    }
}

/// A file that passed the checks, ready to be kept.
pub struct Checked {
    name: String,
    content_type: &'static str,
    bytes: Vec<u8>,
}

/// A file's name as it is kept: its last part (no folders), without invisible characters.
fn clean_name(name: &str) -> String {
    clean_text(name.rsplit(['/', '\\']).next().unwrap_or_default(), false)
}

/// Checks the files sent with one message: how many, their names, sizes and types.
pub fn check(files: &[NewAttachment]) -> Result<Vec<Checked>, AppError> {
    let refuse = |text: Text| Err(AppError::field("attachments", text));
    if files.len() > PER_MESSAGE {
        return refuse(Text::with(msg::errors_support::ATTACHMENTS_TOO_MANY, &[("max", &PER_MESSAGE)]));
    }
    let megabytes = MAX_BYTES / (1024 * 1024);
    let mut checked = Vec::with_capacity(files.len());
    for file in files {
        let name = clean_name(&file.name);
        if name.is_empty() || name.chars().count() > NAME_MAX {
            return refuse(Text::with(msg::errors_support::ATTACHMENT_NAME, &[("max", &NAME_MAX)]));
        }
        let encoded: String = file.content_base64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        // Too long to be at most MAX_BYTES, before decoding it.
        if encoded.len() > MAX_BYTES.div_ceil(3) * 4 {
            return refuse(Text::with(msg::errors_support::ATTACHMENT_TOO_LARGE, &[("name", &name.as_str()), ("max", &megabytes)]));
        }
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded.as_bytes()) else {
            return refuse(Text::with(msg::errors_support::ATTACHMENT_UNREADABLE, &[("name", &name.as_str())]));
        };
        if bytes.is_empty() {
            return refuse(Text::with(msg::errors_support::ATTACHMENT_UNREADABLE, &[("name", &name.as_str())]));
        }
        if bytes.len() > MAX_BYTES {
            return refuse(Text::with(msg::errors_support::ATTACHMENT_TOO_LARGE, &[("name", &name.as_str()), ("max", &megabytes)]));
        }
        let Some(content_type) = sniff(&bytes) else {
            return refuse(Text::with(msg::errors_support::ATTACHMENT_TYPE, &[("name", &name.as_str())]));
        };
        checked.push(Checked { name, content_type, bytes });
    }
    Ok(checked)
}

/// Where a sealed field of an attachment belongs (its associated data).
fn place(column: &str, id: &str) -> String {
    format!("support_attachments.{column}:{id}")
}

/// Keeps `files` with the support ticket `ticket_id` (and its message `message_id`, if
/// they came with one), sealed, in `tx`.
pub(crate) async fn store(tx: &mut Tx, keys: &DataKeys, ticket_id: &str, message_id: Option<&str>, files: Vec<Checked>, now: i64) -> Result<(), AppError> {
    for (position, file) in files.into_iter().enumerate() {
        let id = new_id();
        sqlx::query(
            "INSERT INTO support_attachments (id, ticket_id, message_id, position, name_sealed, content_type, size, content_sealed, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(ticket_id)
        .bind(message_id)
        .bind(position as i32)
        .bind(keys.seal(file.name.as_bytes(), &place("name", &id)))
        .bind(file.content_type)
        .bind(file.bytes.len() as i64)
        .bind(keys.seal(&file.bytes, &place("content", &id)))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The files of the support ticket `ticket_id`, each with the message it came with (none:
/// the support ticket itself), oldest first. Who may see which is for the caller to say.
pub(crate) async fn of_ticket(db: &Db, keys: &DataKeys, ticket_id: &str) -> Result<Vec<(Option<uuid::Uuid>, Attachment)>, AppError> {
    let rows = sqlx::query("SELECT id, message_id, name_sealed, content_type, size FROM support_attachments WHERE ticket_id = $1 ORDER BY created_at, position")
        .bind(ticket_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            let message = row.try_get::<Option<String>, _>("message_id")?.map(|m| m.parse().map_err(|_| AppError::Internal)).transpose()?;
            let attachment = Attachment {
                id: id.parse().map_err(|_| AppError::Internal)?,
                name: keys.open_text(&row.try_get::<String, _>("name_sealed")?, &place("name", &id))?,
                content_type: row.try_get("content_type")?,
                size: row.try_get("size")?,
            };
            Ok((message, attachment))
        })
        .collect()
}

/// The content of the file `attachment`, known to be one the reader may see.
pub(crate) async fn content(db: &Db, keys: &DataKeys, attachment: &Attachment) -> Result<Vec<u8>, AppError> {
    let id = attachment.id.to_string();
    let sealed: String = sqlx::query_scalar("SELECT content_sealed FROM support_attachments WHERE id = $1").bind(&id).fetch_optional(&db.pool).await?.ok_or(AppError::NotFound)?;
    keys.open(&sealed, &place("content", &id))
}

/// Seals again, under the key that seals now, the attachments sealed by another key;
/// answers how many fields. A few rows at a time: each may hold megabytes.
pub(crate) async fn reseal_all(db: &Db, keys: &DataKeys) -> Result<u64, AppError> {
    let mut resealed = 0;
    let mut after = String::new();
    loop {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM support_attachments WHERE id > $1 ORDER BY id LIMIT 500").bind(&after).fetch_all(&db.pool).await?;
        let Some(last) = ids.last() else { return Ok(resealed) };
        after = last.clone();
        for id in &ids {
            for column in ["name", "content"] {
                let sql = format!("SELECT {column}_sealed FROM support_attachments WHERE id = $1");
                let Some(sealed) = sqlx::query_scalar::<_, String>(&sql).bind(id).fetch_optional(&db.pool).await? else { continue };
                if keys.is_current(&sealed) {
                    continue;
                }
                let fresh = keys.reseal(&sealed, &place(column, id))?;
                let sql = format!("UPDATE support_attachments SET {column}_sealed = $1 WHERE id = $2 AND {column}_sealed = $3");
                resealed += sqlx::query(&sql).bind(fresh).bind(id).bind(&sealed).execute(&db.pool).await?.rows_affected();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, bytes: &[u8]) -> NewAttachment {
        NewAttachment { name: name.into(), content_base64: base64::engine::general_purpose::STANDARD.encode(bytes) }
    }

    fn refusal(files: &[NewAttachment]) -> Text {
        match check(files) {
            Err(AppError::Validation(fields)) => fields.get("attachments").expect("the attachments field").clone(),
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];

    #[test]
    fn the_type_comes_from_the_content() {
        assert_eq!(sniff(PNG), Some("image/png"));
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(sniff(b""), None);
        // A name that says PNG does not make a text file one.
        assert!(refusal(&[file("photo.png", b"just some text")]).is(msg::errors_support::ATTACHMENT_TYPE));
        let checked = check(&[file("C:\\Users\\ana\\scan.pdf", b"%PDF-1.4 ...")]).unwrap();
        assert_eq!((checked[0].name.as_str(), checked[0].content_type), ("scan.pdf", "application/pdf"));
    }

    #[test]
    fn at_most_three_files_of_five_megabytes() {
        let three: Vec<_> = (0..3).map(|i| file(&format!("{i}.png"), PNG)).collect();
        assert_eq!(check(&three).unwrap().len(), 3);
        let four: Vec<_> = (0..4).map(|i| file(&format!("{i}.png"), PNG)).collect();
        assert!(refusal(&four).is(msg::errors_support::ATTACHMENTS_TOO_MANY));

        let mut largest = PNG.to_vec();
        largest.resize(MAX_BYTES, 0);
        assert_eq!(check(&[file("big.png", &largest)]).unwrap()[0].bytes.len(), MAX_BYTES);
        largest.push(0);
        assert!(refusal(&[file("bigger.png", &largest)]).is(msg::errors_support::ATTACHMENT_TOO_LARGE));
    }

    #[test]
    fn unreadable_empty_or_nameless_files_are_refused() {
        let bad = NewAttachment { name: "a.png".into(), content_base64: "not base64!".into() };
        assert!(refusal(&[bad]).is(msg::errors_support::ATTACHMENT_UNREADABLE));
        assert!(refusal(&[file("empty.pdf", b"")]).is(msg::errors_support::ATTACHMENT_UNREADABLE));
        assert!(refusal(&[file(" \u{200b} ", PNG)]).is(msg::errors_support::ATTACHMENT_NAME));
        assert!(refusal(&[file(&"x".repeat(NAME_MAX + 1), PNG)]).is(msg::errors_support::ATTACHMENT_NAME));
    }
}
