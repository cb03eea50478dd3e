//! Email: what a notification's email says ([`compose`]), and the mailer that sends the
//! queued ones ([`send_queued`]) through SMTP, or in the embedded mode into `.eml` files
//! a newcomer can open.

use std::path::PathBuf;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;

use crate::db::{now_ms, Db};
use crate::error::AppError;
use crate::i18n::{msg, I18n};
use crate::ui::title::escape_html as escape;

/// What a notification's email is made from.
pub struct Letter<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// A path of this site.
    pub link: Option<&'a str>,
    /// The tickets it carries: id and seat.
    pub tickets: &'a [(String, String)],
}

/// An email as it is queued: its subject, a plain-text part and an HTML part. The HTML
/// shows each ticket's QR code as an inline image (`cid:qr-<ticket id>`), attached when
/// the email is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Writes a notification's email in `i18n`'s language.
pub fn compose(i18n: I18n, public_url: &str, letter: &Letter<'_>) -> Composed {
    let base = public_url.trim_end_matches('/');
    let greeting = i18n.tf(msg::mail::GREETING, &[("name", letter.name)]);
    let settings = format!("{base}/notifications/settings");
    let footer = i18n.tf(msg::mail::FOOTER, &[("link", &settings)]);
    let open = i18n.t(msg::mail::OPEN_LINK);

    let mut text = format!("{greeting}\n\n{}\n\n{}\n", letter.title, letter.body);
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"margin:0;padding:24px;background:#f5f3ff;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f1b2e\">\
         <div style=\"max-width:560px;margin:0 auto;background:#ffffff;border-radius:12px;padding:24px\">\
         <p style=\"font-weight:700;color:#5b21b6;margin:0 0 16px\">Taquilla</p>\
         <p>{greeting}</p><h1 style=\"font-size:20px\">{title}</h1><p>{body}</p>",
        lang = i18n.locale.code(),
        title = escape(letter.title),
        greeting = escape(&greeting),
        body = escape(letter.body),
    );
    if let Some(link) = letter.link {
        let url = format!("{base}{link}");
        text.push_str(&format!("\n{open}: {url}\n"));
        html.push_str(&format!(
            "<p><a href=\"{url}\" style=\"display:inline-block;background:#5b21b6;color:#ffffff;padding:10px 16px;border-radius:8px;text-decoration:none\">{open}</a></p>",
            url = escape(&url),
            open = escape(open),
        ));
    }
    if !letter.tickets.is_empty() {
        let heading = i18n.t(msg::mail::TICKETS_HEADING);
        text.push_str(&format!("\n{heading}\n"));
        html.push_str(&format!("<h2 style=\"font-size:16px\">{}</h2>", escape(heading)));
        for (id, seat) in letter.tickets {
            let url = format!("{base}/tickets/{id}");
            text.push_str(&format!("- {}\n", i18n.tf(msg::mail::TICKET_LINE, &[("seat", seat), ("link", &url)])));
            html.push_str(&format!(
                "<p style=\"margin:16px 0 4px\"><a href=\"{url}\">{seat}</a></p>\
                 <img src=\"cid:{cid}\" width=\"200\" height=\"200\" alt=\"{alt}\" style=\"display:block;border:0\">",
                url = escape(&url),
                seat = escape(seat),
                cid = qr_content_id(id),
                alt = escape(&i18n.tf(msg::mail::TICKET_QR_ALT, &[("seat", seat)])),
            ));
        }
        let door = i18n.t(msg::mail::SHOW_AT_DOOR);
        text.push_str(&format!("\n{door}\n"));
        html.push_str(&format!("<p>{}</p>", escape(door)));
    }
    text.push_str(&format!("\n-- \n{footer}\n"));
    html.push_str(&format!(
        "<hr style=\"border:0;border-top:1px solid #e5e1f0;margin:24px 0\"><p style=\"font-size:13px;color:#5f5a6e\">{}</p></div></body></html>",
        escape(&footer)
    ));
    Composed { subject: letter.title.to_owned(), text, html }
}

fn qr_content_id(ticket_id: &str) -> String {
    format!("qr-{ticket_id}@taquilla")
}

/// Where email goes.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: std::sync::Arc<Transport>,
}

enum Transport {
    /// One `.eml` file per message in a directory (the embedded mode).
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Mailer {
    /// Messages written as `.eml` files into `dir` (created if missing).
    pub fn files(dir: PathBuf, from: &str) -> Result<Mailer, String> {
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create the mail directory {}: {e}", dir.display()))?;
        Ok(Mailer { from: parse_from(from)?, transport: std::sync::Arc::new(Transport::Files(AsyncFileTransport::new(&dir), dir)) })
    }

    /// Messages sent to an SMTP server: `smtps://user:pass@host:465` (TLS), or
    /// `smtp://host:587?tls=required` (STARTTLS), as lettre reads them.
    pub fn smtp(url: &str, from: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| format!("TAQUILLA_SMTP_URL is not usable: {e}"))?.build();
        Ok(Mailer { from: parse_from(from)?, transport: std::sync::Arc::new(Transport::Smtp(transport)) })
    }

    /// Where the `.eml` files go, in the embedded mode.
    pub fn directory(&self) -> Option<&PathBuf> {
        match &*self.transport {
            Transport::Files(_, dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match &*self.transport {
            Transport::Files(files, _) => files.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

fn parse_from(from: &str) -> Result<Mailbox, String> {
    from.parse::<Mailbox>().map_err(|e| format!("TAQUILLA_MAIL_FROM ({from}) is not an address: {e}"))
}

/// What became of a queued email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Now,
    /// Sent before (a redelivered `email.queued`): not sent again.
    Already,
    /// It can never be sent (its address does not parse); recorded, not retried.
    Undeliverable,
}

/// Sends one queued email, once: an email already sent is not sent again, and a failed
/// send is recorded on the email and answered as an error, for the consumer to retry.
pub async fn send_queued(db: &Db, mailer: &Mailer, email_id: &str) -> Result<Sent, AppError> {
    let Some(row) = sqlx::query("SELECT to_address, subject, text_body, html_body, qr_ticket_ids, sent_at FROM outgoing_emails WHERE id = $1")
        .bind(email_id)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(Sent::Already);
    };
    if row.try_get::<Option<i64>, _>("sent_at")?.is_some() {
        return Ok(Sent::Already);
    }
    sqlx::query("UPDATE outgoing_emails SET attempts = attempts + 1 WHERE id = $1").bind(email_id).execute(&db.pool).await?;
    let to: String = row.try_get("to_address")?;
    let Ok(to) = to.parse::<Mailbox>() else {
        record_failure(db, email_id, "the recipient's address does not parse").await?;
        return Ok(Sent::Undeliverable);
    };
    let ids: Vec<String> = serde_json::from_str(&row.try_get::<String, _>("qr_ticket_ids")?).unwrap_or_default();
    let mut related = MultiPart::related().singlepart(SinglePart::html(row.try_get::<String, _>("html_body")?));
    for id in &ids {
        // A ticket voided since the email was written travels without its code.
        let code: Option<String> = sqlx::query_scalar("SELECT code FROM tickets WHERE id = $1 AND status = 'VALID'").bind(id).fetch_optional(&db.pool).await?;
        if let Some(png) = code.as_deref().and_then(qr_png) {
            related = related.singlepart(Attachment::new_inline(qr_content_id(id)).body(png, ContentType::parse("image/png").expect("a valid content type")));
        }
    }
    let message = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(row.try_get::<String, _>("subject")?)
        .multipart(MultiPart::alternative().singlepart(SinglePart::plain(row.try_get::<String, _>("text_body")?)).multipart(related));
    let message = match message {
        Ok(m) => m,
        Err(e) => {
            record_failure(db, email_id, &e.to_string()).await?;
            return Ok(Sent::Undeliverable);
        }
    };
    if let Err(e) = mailer.send(message).await {
        record_failure(db, email_id, &e).await?;
        tracing::warn!(email_id, error = %e, "sending an email failed");
        return Err(AppError::BadRequest(crate::i18n::Text::raw(format!("sending the email failed: {e}"))));
    }
    sqlx::query("UPDATE outgoing_emails SET sent_at = $1, last_error = NULL WHERE id = $2").bind(now_ms()).bind(email_id).execute(&db.pool).await?;
    Ok(Sent::Now)
}

async fn record_failure(db: &Db, email_id: &str, error: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE outgoing_emails SET last_error = $1 WHERE id = $2").bind(error).bind(email_id).execute(&db.pool).await?;
    Ok(())
}

/// A ticket's code as a QR image (PNG, black on white, 4 px a module with the quiet zone),
/// which mail clients show where they would not show SVG.
pub fn qr_png(code: &str) -> Option<Vec<u8>> {
    const SCALE: usize = 4;
    const QUIET: usize = 4;
    let qr = qrcode::QrCode::new(code.as_bytes()).ok()?;
    let modules = qr.width();
    let colors = qr.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = ((i % modules + QUIET) * SCALE, (i / modules + QUIET) * SCALE);
            for dy in 0..SCALE {
                pixels[(y + dy) * side + x..(y + dy) * side + x + SCALE].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&pixels).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn an_email_has_both_parts_and_escapes_what_people_typed() {
        let tickets = vec![("t1".to_owned(), "Stalls, row A, seat 3".to_owned())];
        let letter = Letter { name: "Ana <b>", title: "Tickets & more", body: "Body", link: Some("/orders/o1"), tickets: &tickets };
        let c = compose(I18n::new(Locale::En), "https://tickets.example/", &letter);
        assert_eq!(c.subject, "Tickets & more");
        assert!(c.text.contains("https://tickets.example/orders/o1"));
        assert!(c.text.contains("https://tickets.example/tickets/t1"));
        assert!(c.html.contains("Ana &lt;b&gt;") && !c.html.contains("Ana <b>"));
        assert!(c.html.contains("cid:qr-t1@taquilla"));
        assert!(c.html.contains("https://tickets.example/notifications/settings"));
    }

    #[test]
    fn a_qr_image_is_a_png() {
        let png = qr_png("TQ1.abc.def").expect("encodes");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
