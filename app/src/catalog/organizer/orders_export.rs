//! The organizer's export of an event's orders as CSV, safe to open in a spreadsheet.

use sqlx::Row;

use crate::catalog::organizer::service::require_owner;
use crate::db::Db;
use crate::users::User;
use crate::error::AppError;

/// One CSV field, always quoted (a spreadsheet that splits on `;` or tabs still sees one
/// cell), with embedded quotes doubled, and never starting a formula: a field that
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
fn csv_field(value: &str) -> String {
    let guard = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { "'" } else { "" };
    format!("\"{guard}{}\"", value.replace('"', "\"\""))
}

/// The event's orders as CSV, oldest first.
pub async fn orders_csv(db: &Db, user: &User, event_id: &str) -> Result<String, AppError> {
    let id = require_owner(db, user, event_id).await?;
    let rows = sqlx::query(
        "SELECT o.id, o.status, o.created_at, o.paid_at, u.email, u.display_name, o.total_cents, o.currency, \
         (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS seats \
         FROM orders o JOIN users u ON u.id = o.user_id WHERE o.event_id = $1 ORDER BY o.created_at, o.id",
    )
    .bind(&id)
    .fetch_all(&db.pool)
    .await?;
    let header = ["order_id", "status", "created_at", "paid_at", "customer_email", "customer_name", "seats", "total_cents", "currency"];
    let mut out = header.map(csv_field).join(",");
    out.push('\n');
    let rfc = |ms: i64| crate::db::from_ms(ms).format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    for r in rows {
        let paid_at: Option<i64> = r.try_get("paid_at")?;
        let fields = [
            r.try_get::<String, _>("id")?,
            r.try_get::<String, _>("status")?,
            rfc(r.try_get("created_at")?),
            paid_at.map(rfc).unwrap_or_default(),
            r.try_get::<String, _>("email")?,
            r.try_get::<String, _>("display_name")?,
            r.try_get::<i64, _>("seats")?.to_string(),
            r.try_get::<i64, _>("total_cents")?.to_string(),
            r.try_get::<String, _>("currency")?,
        ];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formula_safe() {
        assert_eq!(csv_field("plain"), "\"plain\"");
        assert_eq!(csv_field(""), "\"\"");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "\"'=SUM(A1)\"");
        // A spreadsheet that splits on `;` sees one cell, not a second one starting `=`.
        assert_eq!(csv_field("x;=cmd|' /C calc'!A0"), "\"x;=cmd|' /C calc'!A0\"");
        for lead in ["+", "-", "@", "\t", "\r"] {
            assert_eq!(csv_field(&format!("{lead}1")), format!("\"'{lead}1\""));
        }
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
    }
}
