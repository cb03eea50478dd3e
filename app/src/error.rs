//! The one error type of the domain, shared by server functions and the REST API.
//!
//! It is serialisable so that server functions can return it to the browser without
//! leaking internals: `Internal` carries no detail; the cause is logged where it happens.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::i18n::{msg, I18n, Msg, Text};

/// Field name → the message for a person, put into words where it is shown.
pub type FieldErrors = BTreeMap<String, Text>;

/// The message of the unique-email constraint.
pub const EMAIL_TAKEN: Msg = msg::errors::EMAIL_TAKEN;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "WireError", from = "WireError")]
pub enum AppError {
    #[error("{0}")]
    BadRequest(Text),
    #[error("you need to sign in first")]
    Unauthorized,
    /// Wrong email or password; never says which.
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    #[error("you are not allowed to do that")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// A conflict with the current state, with a machine-readable code.
    #[error("{message}")]
    Conflict { code: String, message: Text, details: serde_json::Value },
    #[error("some fields are not valid")]
    Validation(FieldErrors),
    #[error("too many requests; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the service is temporarily unavailable")]
    Unavailable,
    /// Something went wrong on our side; the cause has been logged.
    #[error("something went wrong on our side")]
    Internal,
    /// A transport problem between the browser and the server.
    #[error("could not reach the server: {0}")]
    Transport(String),
}

/// How an [`AppError`] travels to the browser (a server function's answer, a resource in
/// the page): one flat object, `kind` being [`AppError::code`] except for conflicts, whose
/// code is `code`. A flat struct rather than serde's tagged enum: its deserializer is a
/// fraction of the size in the browser's first download. An unknown kind reads as
/// `Internal`.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct WireError {
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
    #[serde(skip_serializing_if = "String::is_empty")]
    code: String,
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    details: serde_json::Value,
    #[serde(skip_serializing_if = "FieldErrors::is_empty")]
    fields: FieldErrors,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_secs: Option<u64>,
}

impl From<AppError> for WireError {
    fn from(e: AppError) -> WireError {
        let kind = match &e {
            AppError::Conflict { .. } => "conflict".to_string(),
            other => other.code().to_string(),
        };
        let mut wire = WireError { kind, ..WireError::default() };
        match e {
            AppError::BadRequest(message) => wire.message = Some(message),
            AppError::Transport(message) => wire.message = Some(Text::raw(message)),
            AppError::Conflict { code, message, details } => {
                wire.code = code;
                wire.message = Some(message);
                wire.details = details;
            }
            AppError::Validation(fields) => wire.fields = fields,
            AppError::RateLimited { retry_after_secs } => wire.retry_after_secs = Some(retry_after_secs),
            _ => {}
        }
        wire
    }
}

impl From<WireError> for AppError {
    fn from(w: WireError) -> AppError {
        match w.kind.as_str() {
            "bad_request" => AppError::BadRequest(w.message.unwrap_or_else(|| Text::raw(""))),
            "unauthorized" => AppError::Unauthorized,
            "invalid_credentials" => AppError::InvalidCredentials,
            "forbidden" => AppError::Forbidden,
            "not_found" => AppError::NotFound,
            "conflict" => AppError::Conflict { code: w.code, message: w.message.unwrap_or_else(|| Text::raw("")), details: w.details },
            "validation_failed" => AppError::Validation(w.fields),
            "rate_limited" => AppError::RateLimited { retry_after_secs: w.retry_after_secs.unwrap_or(1) },
            "unavailable" => AppError::Unavailable,
            "transport" => AppError::Transport(w.message.map(|m| m.to_string()).unwrap_or_default()),
            _ => AppError::Internal,
        }
    }
}

impl AppError {
    pub fn conflict(code: &str, message: impl Into<Text>) -> Self {
        AppError::Conflict { code: code.into(), message: message.into(), details: serde_json::Value::Null }
    }

    pub fn field(field: &str, message: impl Into<Text>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_string(), message.into());
        AppError::Validation(errors)
    }

    /// The stable code used in JSON error bodies.
    pub fn code(&self) -> &str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict { code, .. } => code,
            AppError::Validation(_) => "validation_failed",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Unavailable => "unavailable",
            AppError::Internal => "internal",
            AppError::Transport(_) => "transport",
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Unauthorized | AppError::InvalidCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict { .. } => 409,
            AppError::Validation(_) => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// True for the refusal of a second account with the same email (staff see it;
    /// self-registration hides it).
    pub fn is_email_taken(&self) -> bool {
        matches!(self, AppError::Validation(errors) if errors.get("email").is_some_and(|m| m.is(EMAIL_TAKEN)))
    }

    /// True when the failure is the database or the broker being out of reach for a
    /// moment (a restart, a full pool): the same request can succeed later. Consumers
    /// wait and retry these without using up a delivery's attempts.
    pub fn is_transient(&self) -> bool {
        matches!(self, AppError::Unavailable)
    }

    /// Field errors, if this is a validation error.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(errors) => Some(errors),
            _ => None,
        }
    }

    /// A message to show a person, in their language.
    pub fn user_message(&self, i18n: I18n) -> String {
        match self {
            AppError::BadRequest(text) | AppError::Conflict { message: text, .. } => i18n.text(text),
            AppError::Validation(errors) if !errors.is_empty() => {
                errors.values().map(|text| i18n.text(text)).collect::<Vec<_>>().join(" ")
            }
            AppError::Validation(_) => i18n.t(msg::errors::VALIDATION).to_string(),
            AppError::Unauthorized => i18n.t(msg::errors::UNAUTHORIZED).to_string(),
            AppError::InvalidCredentials => i18n.t(msg::errors::INVALID_CREDENTIALS).to_string(),
            AppError::Forbidden => i18n.t(msg::errors::FORBIDDEN).to_string(),
            AppError::NotFound => i18n.t(msg::errors::NOT_FOUND).to_string(),
            AppError::RateLimited { retry_after_secs } => {
                i18n.plural(msg::errors::RATE_LIMITED, i64::try_from(*retry_after_secs).unwrap_or(i64::MAX), &[])
            }
            AppError::Unavailable => i18n.t(msg::errors::UNAVAILABLE).to_string(),
            AppError::Internal => i18n.t(msg::errors::INTERNAL).to_string(),
            AppError::Transport(_) => i18n.t(msg::errors::TRANSPORT).to_string(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => AppError::BadRequest(Text::raw(msg)),
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Response(msg) => AppError::Transport(msg),
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failure");
                let _ = other;
                AppError::Internal
            }
        }
    }
}

/// Gives a server function's HTTP response the status of its error (server functions
/// answer 500 for every error otherwise).
#[cfg(feature = "ssr")]
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        if let (Some(response), Ok(status)) =
            (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(e.status()))
        {
            response.set_status(status);
        }
    }
    result
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;
    use crate::i18n::{msg, Msg, Text};

    /// Maps database constraint names to domain conflicts. SQLite reports the columns of a
    /// failed UNIQUE constraint rather than its name; both are listed here, in one place.
    const CONSTRAINTS: &[(&str, &str, &str, Msg)] = &[
        ("users_email_key", "users.email_norm", "email", super::EMAIL_TAKEN),
        ("events_slug_key", "events.slug", "slug", msg::errors::SLUG_TAKEN),
        ("venue_sections_name_key", "venue_sections.venue_id, venue_sections.name", "sections", msg::errors::SECTION_NAME_TAKEN),
        ("seats_position_key", "seats.section_id, seats.row_label, seats.number", "sections", msg::errors::SEAT_POSITION_TAKEN),
        ("support_messages_client_key", "support_messages.author_id, support_messages.client_id", "client_id", msg::errors_support::CLIENT_ID_USED),
    ];

    /// SQLSTATEs of a server that is going away or not there yet, or of work the
    /// server gave up on and that succeeds when tried again: connection exceptions
    /// (class 08), shutdown and start-up (57P01–57P03), too many connections (53300),
    /// serialisation failures and deadlocks (40001, 40P01). SQLite's busy and locked
    /// (5, 6 and their extended codes) mean another writer, for a moment.
    fn transient_code(code: &str) -> bool {
        code.starts_with("08")
            || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01")
            || matches!(code, "5" | "6" | "261" | "262" | "517")
    }

    /// A failure that says nothing about the request: the database was out of reach.
    pub fn is_transient(err: &sqlx::Error) -> bool {
        match err {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db_err) => db_err.code().is_some_and(|code| transient_code(&code)),
            _ => false,
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            if let sqlx::Error::RowNotFound = err {
                return AppError::NotFound;
            }
            if let Some(db_err) = err.as_database_error() {
                let name = db_err.constraint().map(str::to_owned);
                let message = db_err.message().to_owned();
                for (constraint, columns, field, text) in CONSTRAINTS {
                    if name.as_deref() == Some(*constraint) || message.ends_with(columns) {
                        return AppError::field(field, *text);
                    }
                }
                if matches!(db_err.kind(), sqlx::error::ErrorKind::ForeignKeyViolation) {
                    return AppError::BadRequest(Text::msg(msg::errors::MISSING_REFERENCE));
                }
            }
            if is_transient(&err) {
                tracing::warn!(error = %err, "the database is out of reach");
                return AppError::Unavailable;
            }
            tracing::error!(error = %err, "database error");
            AppError::Internal
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::AppError;

    #[test]
    fn an_unreachable_database_is_unavailable_not_internal() {
        for err in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused")),
            sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "gone")),
        ] {
            let e = AppError::from(err);
            assert_eq!(e, AppError::Unavailable);
            assert!(e.is_transient());
            assert_eq!(e.status(), 503);
        }
        assert_eq!(AppError::from(sqlx::Error::RowNotFound), AppError::NotFound);
        assert!(!AppError::Internal.is_transient());
        assert!(!AppError::NotFound.is_transient());
    }
}

#[cfg(test)]
mod wire_tests {
    use super::{AppError, FieldErrors};
    use crate::i18n::{msg, Text};

    #[test]
    fn every_error_reads_back_as_it_was_sent() {
        let mut fields = FieldErrors::new();
        fields.insert("email".into(), Text::msg(msg::errors::EMAIL_TAKEN));
        fields.insert("quantity".into(), Text::with(msg::errors::HOLD_QUANTITY, &[("max", &8)]));
        for e in [
            AppError::BadRequest(Text::raw("bad")),
            AppError::Unauthorized,
            AppError::InvalidCredentials,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::Conflict { code: "seats_unavailable".into(), message: msg::errors::SEATS_UNAVAILABLE.into(), details: serde_json::json!({ "seat_ids": ["a"] }) },
            AppError::conflict("event_started", msg::errors::EVENT_STARTED),
            AppError::Validation(fields),
            AppError::RateLimited { retry_after_secs: 7 },
            AppError::Unavailable,
            AppError::Internal,
            AppError::Transport("offline".into()),
        ] {
            let text = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<AppError>(&text).unwrap(), e, "{text}");
        }
    }

    #[test]
    fn an_unknown_kind_reads_as_internal() {
        assert_eq!(serde_json::from_str::<AppError>(r#"{"kind":"from_the_future"}"#).unwrap(), AppError::Internal);
    }
}
