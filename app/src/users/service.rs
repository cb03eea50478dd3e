//! Account use cases, shared by server functions, the REST API and the command line.

use std::net::IpAddr;

use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{event_types, outbox};
use crate::db::{from_ms, new_id, now_ms, Db};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Locale;
use crate::paging::Page;
use crate::users::accounts::Accounts;
use crate::users::password::PasswordHasher;
use crate::users::rules::{self, canonical_email, normalize_email};
use crate::users::session::{self, SessionKind};
use crate::users::{Role, User};

pub use crate::users::rows::{user_from_row, USER_COLUMNS};

/// A new account, as entered.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub skills: Vec<String>,
}

/// Creates an account and emits `user.created` in the same transaction. For staff (an
/// administrator, the command line): a taken email is a field error.
pub async fn register(db: &Db, hasher: &PasswordHasher, new: NewUser) -> Result<User, AppError> {
    let errors = rules::check_registration(&new.email, &new.display_name, &new.password);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = hasher.hash(&new.password).await?;
    let user = insert_user(db, &new, &hash).await?;
    db.wake_relay();
    Ok(user)
}

/// The answer to a sign-up.
pub struct SignUp {
    /// The new account; for a taken email, a look-alike that was not stored.
    pub user: User,
    /// False when the email already had an account, which was left as it was.
    pub created: bool,
}

/// Self-registration, which must not tell whether an email is registered (login does
/// not either): a taken email gets the same answer as a new one, after the same argon2
/// work, and nothing changes. Neither signs in; the person logs in next, with the
/// password of the account that has the email. Every attempt counts against the limit
/// of sign-ups from `ip`, whichever door it came through. A new account keeps `locale`,
/// the language the person signed up in, as its preferred one.
pub async fn sign_up(db: &Db, accounts: &Accounts, ip: IpAddr, new: NewUser, locale: Option<Locale>) -> Result<SignUp, AppError> {
    accounts.sign_up_per_address.admit(&ip.to_string())?;
    let errors = rules::check_registration(&new.email, &new.display_name, &new.password);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = accounts.hasher.hash(&new.password).await?;
    match insert(db, &new, &hash, locale).await {
        Ok(user) => {
            db.wake_relay();
            Ok(SignUp { user, created: true })
        }
        Err(e) if e.is_email_taken() => Ok(SignUp { user: unsaved_user(&new, locale)?, created: false }),
        Err(e) => Err(e),
    }
}

/// What [`insert`] would have answered for `new`.
fn unsaved_user(new: &NewUser, locale: Option<Locale>) -> Result<User, AppError> {
    Ok(User {
        id: new_id().parse().map_err(|_| AppError::Internal)?,
        email: canonical_email(&new.email),
        display_name: new.display_name.trim().to_owned(),
        role: new.role,
        active: true,
        skills: new.skills.clone(),
        created_at: from_ms(now_ms()),
        locale: locale.map(|l| l.code().to_owned()),
    })
}

/// Inserts a user whose password is already hashed (registration, seeding, CLI).
pub async fn insert_user(db: &Db, new: &NewUser, password_hash: &str) -> Result<User, AppError> {
    insert(db, new, password_hash, None).await
}

/// [`insert_user`], with the account's preferred language.
async fn insert(db: &Db, new: &NewUser, password_hash: &str, locale: Option<Locale>) -> Result<User, AppError> {
    let locale = locale.map(|l| l.code().to_owned());
    let id = new_id();
    let now = now_ms();
    let email = canonical_email(&new.email);
    let display_name = new.display_name.trim().to_owned();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO users (id, email, email_norm, display_name, password_hash, role, active, skills, created_at, updated_at, locale) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
    )
    .bind(&id)
    .bind(&email)
    .bind(normalize_email(&email))
    .bind(&display_name)
    .bind(password_hash)
    .bind(new.role.as_str())
    .bind(true)
    .bind(new.skills.join(","))
    .bind(now)
    .bind(locale.clone())
    .execute(&mut *tx)
    .await?;
    outbox::record(
        &mut tx,
        event_types::USER_CREATED,
        &id,
        &json!({ "user_id": id, "email": email, "display_name": display_name, "role": new.role }),
    )
    .await?;
    tx.commit().await?;
    Ok(User {
        id: id.parse().map_err(|_| AppError::Internal)?,
        email,
        display_name,
        role: new.role,
        active: true,
        skills: new.skills.clone(),
        created_at: from_ms(now),
        locale,
    })
}

/// Checks a login. Unknown emails and wrong passwords get the same answer, after the
/// same amount of work; a deactivated account is refused only once the password is right.
pub async fn check_credentials(db: &Db, hasher: &PasswordHasher, email: &str, password: &str) -> Result<User, AppError> {
    let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email_norm = $1");
    let row = sqlx::query(&sql).bind(normalize_email(email)).fetch_optional(&db.pool).await?;
    let Some(row) = row else {
        hasher.verify_dummy(password).await?;
        return Err(AppError::InvalidCredentials);
    };
    let hash: String = row.try_get("password_hash")?;
    if !hasher.verify(password, &hash).await? {
        return Err(AppError::InvalidCredentials);
    }
    let user = user_from_row(&row)?;
    if !user.active {
        return Err(AppError::conflict("account_deactivated", crate::i18n::msg::errors_users::ACCOUNT_DEACTIVATED));
    }
    Ok(user)
}

/// A session just started: who, its token, and the `Set-Cookie` value that carries it.
pub struct SignedIn {
    pub user: User,
    pub token: String,
    pub cookie: String,
}

/// A login from `ip`, for both doors: the per-address limit on every attempt, then the
/// throttle on failures (refusal for this account from this address, or a wait that grows
/// with the account's failures from anywhere), then the password check, then a new
/// session of `kind`. The session the request came with, if any, ends: a login never
/// leaves the previous one behind.
pub async fn log_in(
    db: &Db,
    accounts: &Accounts,
    ip: IpAddr,
    email: &str,
    password: &str,
    kind: SessionKind,
    previous: Option<&str>,
) -> Result<SignedIn, AppError> {
    accounts.login_per_address.admit(&ip.to_string())?;
    let account = normalize_email(email);
    let throttle = &accounts.login_failures;
    let delay = throttle.before_attempt(&account, ip)?;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let result = check_credentials(db, &accounts.hasher, email, password).await;
    match &result {
        Ok(_) => throttle.succeeded(&account, ip),
        Err(AppError::InvalidCredentials) => throttle.failed(&account, ip),
        Err(_) => {}
    }
    let user = result?;
    if let Some(previous) = previous {
        session::revoke(db, &accounts.sessions, previous).await?;
    }
    let token = session::create(db, &user.id.to_string(), kind, accounts.session_ttl).await?;
    let cookie = session::session_cookie(&token, accounts.secure_cookies, accounts.session_ttl);
    Ok(SignedIn { user, token, cookie })
}

/// Ends the session of `token`, if any, and answers the `Set-Cookie` value that removes
/// the cookie. Idempotent.
pub async fn log_out(db: &Db, accounts: &Accounts, token: Option<&str>) -> Result<String, AppError> {
    if let Some(token) = token {
        session::revoke(db, &accounts.sessions, token).await?;
    }
    Ok(session::clear_cookie(accounts.secure_cookies))
}

/// Stores a user's preferred language (the header's switch, for a signed-in user); the
/// next login sets the language cookie from it. This process's cached sessions of the
/// user still hold the old profile: the caller forgets them
/// (`accounts.sessions.forget_user`), as after [`change`]; other processes' caches expire
/// within `session::SESSION_CACHE_FOR`.
pub async fn set_locale(db: &Db, user_id: Uuid, locale: Locale) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3")
        .bind(locale.code())
        .bind(now_ms())
        .bind(user_id.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn find(db: &Db, id: &str) -> Result<User, AppError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&db.pool).await?.ok_or(AppError::NotFound)?;
    user_from_row(&row)
}

pub const USERS_PER_PAGE: i64 = 25;

/// Users matching `q` (email or name), newest first.
pub async fn list(db: &Db, q: &str, page: i64) -> Result<Page<User>, AppError> {
    let page = crate::paging::clamp_page(page);
    let pattern = format!("%{}%", q.trim().to_lowercase());
    let total: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM users u WHERE u.email_norm LIKE $1 OR LOWER(u.display_name) LIKE $1",
    )
    .bind(&pattern)
    .fetch_one(&db.pool)
    .await?
    .try_get("n")?;
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.email_norm LIKE $1 OR LOWER(u.display_name) LIKE $1 \
         ORDER BY u.created_at DESC, u.email_norm LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(&sql)
        .bind(&pattern)
        .bind(USERS_PER_PAGE)
        .bind((page - 1) * USERS_PER_PAGE)
        .fetch_all(&db.pool)
        .await?;
    let items = rows.iter().map(user_from_row).collect::<Result<_, _>>()?;
    Ok(Page { items, total, page, per_page: USERS_PER_PAGE })
}

/// An administrator's change to an account.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserChange {
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// Changes role and/or active flag. Deactivation ends the user's sessions and emits
/// `user.deactivated`. Administrators cannot lock themselves out.
pub async fn change(db: &Db, accounts: &Accounts, actor: &User, id: &str, change: UserChange) -> Result<User, AppError> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden);
    }
    let target = find(db, id).await?;
    if target.id == actor.id && (change.active == Some(false) || change.role.is_some_and(|r| r != Role::Admin)) {
        let mut errors = FieldErrors::new();
        errors.insert("id".into(), crate::i18n::msg::errors_users::OWN_ACCOUNT.into());
        return Err(AppError::Validation(errors));
    }
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    if let Some(role) = change.role {
        sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
            .bind(role.as_str())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(active) = change.active {
        if active != target.active {
            sqlx::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3")
                .bind(active)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if !active {
                session::revoke_all(&mut tx, id).await?;
                outbox::record(
                    &mut tx,
                    event_types::USER_DEACTIVATED,
                    id,
                    &json!({ "user_id": id, "by": actor.id }),
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    accounts.sessions.forget_user(id);
    db.wake_relay();
    find(db, id).await
}
