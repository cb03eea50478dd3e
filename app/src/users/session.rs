//! Server-side sessions: a random token in an HttpOnly cookie (browsers) or an
//! `Authorization: Bearer` header (REST clients). Only the token's SHA-256 is stored.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::HeaderMap;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{now_ms, Db};
use crate::users::rows::{user_from_row, USER_COLUMNS};
use crate::users::User;
use crate::error::AppError;

pub const COOKIE_NAME: &str = "taquilla_session";

/// How a session was created: by the web login (cookie) or the REST login (token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Cookie,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Cookie => "cookie",
            SessionKind::Api => "api",
        }
    }
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 256 random bits, hex-encoded.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Starts a session and returns its token. Each login gets a new token.
pub async fn create(db: &Db, user_id: &str, kind: SessionKind, ttl: std::time::Duration) -> Result<String, AppError> {
    let token = new_token();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, kind, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(kind.as_str())
    .bind(now)
    .bind(now + ttl.as_millis() as i64)
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// How long a session this process resolved is believed without asking the database
/// again. Ending a session or changing a user in this process forgets it at once; other
/// processes (several web processes in production) notice within this time.
pub const SESSION_CACHE_FOR: Duration = Duration::from_secs(2);
const SESSION_CACHE_MAX: usize = 50_000;

struct Cached {
    user: User,
    checked: Instant,
    expires_at: i64,
}

/// Sessions resolved in the last [`SESSION_CACHE_FOR`], by token hash: a buyer's
/// requests during an on-sale cost one database round trip each instead of two.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, Cached>>,
}

impl SessionCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, hash: &str, now: i64) -> Option<User> {
        let entries = self.entries();
        let cached = entries.get(hash)?;
        (cached.checked.elapsed() < SESSION_CACHE_FOR && cached.expires_at > now).then(|| cached.user.clone())
    }

    fn put(&self, hash: String, user: User, expires_at: i64) {
        let mut entries = self.entries();
        if entries.len() >= SESSION_CACHE_MAX {
            entries.retain(|_, c| c.checked.elapsed() < SESSION_CACHE_FOR);
            if entries.len() >= SESSION_CACHE_MAX {
                entries.clear();
            }
        }
        entries.insert(hash, Cached { user, checked: Instant::now(), expires_at });
    }

    fn forget(&self, hash: &str) {
        self.entries().remove(hash);
    }

    /// Forgets every session of a user whose role, state or sessions changed.
    pub fn forget_user(&self, user_id: &str) {
        self.entries().retain(|_, c| c.user.id.to_string() != user_id);
    }
}

/// The active user behind a token, if the session is valid.
pub async fn resolve(db: &Db, cache: &SessionCache, token: &str) -> Result<Option<User>, AppError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let hash = token_hash(token);
    let now = now_ms();
    if let Some(user) = cache.get(&hash, now) {
        return Ok(Some(user));
    }
    let sql = format!(
        "SELECT {USER_COLUMNS}, s.expires_at AS session_expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.active = $3"
    );
    let row = sqlx::query(&sql).bind(&hash).bind(now).bind(true).fetch_optional(&db.pool).await?;
    let Some(row) = row else { return Ok(None) };
    let user = user_from_row(&row)?;
    cache.put(hash, user.clone(), row.try_get("session_expires_at")?);
    Ok(Some(user))
}

/// Ends one session. Unknown tokens are fine: logging out twice is the same as once.
pub async fn revoke(db: &Db, cache: &SessionCache, token: &str) -> Result<(), AppError> {
    let hash = token_hash(token);
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(&hash)
        .execute(&db.pool)
        .await?;
    cache.forget(&hash);
    Ok(())
}

/// Ends every session of a user (deactivation).
pub async fn revoke_all(tx: &mut crate::db::Tx, user_id: &str) -> Result<u64, AppError> {
    let done = sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// Removes sessions that ended more than a day ago.
pub async fn purge_expired(db: &Db) -> Result<u64, AppError> {
    let cutoff = now_ms() - 24 * 3600 * 1000;
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1")
        .bind(cutoff)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// The token a request carries: a bearer token first, else the session cookie.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    if let Some(auth) = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(token) = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")) {
            return Some(token.trim().to_owned());
        }
    }
    cookie_token(headers)
}

/// The session cookie's value, if any.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
}

/// `Set-Cookie` value that stores the session token.
pub fn session_cookie(token: &str, secure: bool, ttl: std::time::Duration) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", ttl.as_secs())
}

/// `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn reads_bearer_before_cookie() {
        let mut h = HeaderMap::new();
        h.insert(http::header::COOKIE, "other=1; taquilla_session=abc".parse().unwrap());
        assert_eq!(token_from_headers(&h).as_deref(), Some("abc"));
        h.insert(http::header::AUTHORIZATION, "Bearer xyz".parse().unwrap());
        assert_eq!(token_from_headers(&h).as_deref(), Some("xyz"));
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let c = session_cookie("t", true, std::time::Duration::from_secs(60));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!session_cookie("t", false, std::time::Duration::from_secs(60)).contains("Secure"));
    }
}
