//! Accounts: users, their browser sessions and their API tokens. Tokens are stored as
//! hashes only; the caller hashes what the client presented.

use crate::{
    Conn, NewUser, Result, StoreError,
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::{EmailAddress, UserId, account::User};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// Maps the `id, email, name, is_admin` columns of `users` (aliased or not) to a [`User`].
pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    let email: String = get(row, "email")?;
    Ok(User {
        id: UserId(uuid(&get::<String>(row, "id")?)?),
        email: EmailAddress::parse("email", &email)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: get(row, "name")?,
        is_admin: get::<i64>(row, "is_admin")? != 0,
    })
}

/// Stores a user; [`StoreError::Conflict`] when the e-mail address (case-insensitive) is
/// taken.
pub async fn insert_user(c: &mut Conn, user: &NewUser) -> Result<User> {
    sqlx::query(
        "INSERT INTO users (id, email, email_norm, name, password_hash, is_admin, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.id.to_string())
    .bind(user.email.as_str())
    .bind(user.email.normalized())
    .bind(&user.name)
    .bind(user.password_hash.as_deref())
    .bind(i64::from(user.is_admin))
    .bind(micros(user.created_at))
    .execute(c)
    .await
    .map_err(|e| StoreError::unique(e, "a user with this e-mail address exists"))?;
    Ok(User {
        id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        is_admin: user.is_admin,
    })
}

pub async fn user_by_id(c: &mut Conn, id: UserId) -> Result<Option<User>> {
    sqlx::query("SELECT u.id, u.email, u.name, u.is_admin FROM users u WHERE u.id = $1")
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
}

/// The user and their password hash, by e-mail address (case-insensitive).
pub async fn credentials(c: &mut Conn, email: &str) -> Result<Option<(User, Option<String>)>> {
    let row = sqlx::query(
        "SELECT u.id, u.email, u.name, u.is_admin, u.password_hash FROM users u \
         WHERE u.email_norm = $1",
    )
    .bind(email.trim().to_lowercase())
    .fetch_optional(c)
    .await?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some((user_from_row(&row)?, get(&row, "password_hash")?))),
    }
}

/// Whether any administrator exists.
pub async fn any_admin(c: &mut Conn) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) AS n FROM users WHERE is_admin = 1")
        .fetch_one(c)
        .await?;
    Ok(n > 0)
}

/// The address of the earliest administrator, if any.
pub async fn first_admin_email(c: &mut Conn) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT email FROM users WHERE is_admin = 1 ORDER BY created_at, id LIMIT 1",
    )
    .fetch_optional(c)
    .await?)
}

/// Stores a session valid until `expires`.
pub async fn insert_session(
    c: &mut Conn,
    token_hash: &str,
    user: UserId,
    now: Timestamp,
    expires: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user.to_string())
    .bind(micros(now))
    .bind(micros(expires))
    .execute(c)
    .await?;
    Ok(())
}

/// The user of a session that has not expired at `now`.
pub async fn session_user(c: &mut Conn, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
    sqlx::query(
        "SELECT u.id, u.email, u.name, u.is_admin FROM sessions s \
         JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .bind(micros(now))
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(user_from_row)
    .transpose()
}

pub async fn delete_session(c: &mut Conn, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(c)
        .await?;
    Ok(())
}

/// Stores an API token of `user`, named for the user's own reference.
pub async fn insert_api_token(
    c: &mut Conn,
    user: UserId,
    token_hash: &str,
    name: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(token_hash)
    .bind(user.to_string())
    .bind(name)
    .bind(micros(now))
    .execute(c)
    .await?;
    Ok(())
}

/// The user an API token belongs to.
pub async fn api_token_user(c: &mut Conn, token_hash: &str) -> Result<Option<User>> {
    sqlx::query(
        "SELECT u.id, u.email, u.name, u.is_admin FROM api_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(user_from_row)
    .transpose()
}

/// [`credentials`] for signing in: nothing for a disabled user.
pub async fn login_credentials(c: &mut Conn, email: &str) -> Result<Option<(User, String)>> {
    let row = sqlx::query(
        "SELECT u.id, u.email, u.name, u.is_admin, u.password_hash FROM users u \
         WHERE u.email_norm = $1 AND u.disabled_at IS NULL AND u.password_hash IS NOT NULL",
    )
    .bind(email.trim().to_lowercase())
    .fetch_optional(c)
    .await?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some((user_from_row(&row)?, get(&row, "password_hash")?))),
    }
}

/// The password hash of an enabled user.
pub async fn password_hash(c: &mut Conn, user: UserId) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1 AND disabled_at IS NULL")
            .bind(user.to_string())
            .fetch_optional(c)
            .await?
            .flatten(),
    )
}

/// Replaces a user's password hash.
pub async fn set_password_hash(c: &mut Conn, user: UserId, hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Marks a user disabled at `now` and ends their sessions; false when there is no such
/// user or they were disabled already.
pub async fn disable_user(c: &mut Conn, user: UserId, now: Timestamp) -> Result<bool> {
    let changed =
        sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
            .bind(micros(now))
            .bind(user.to_string())
            .execute(&mut *c)
            .await?
            .rows_affected();
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&mut *c)
        .await?;
    Ok(changed > 0)
}

/// A live session of a user, as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub token_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// The user's sessions that have not expired at `now`, newest first.
pub async fn sessions_of(c: &mut Conn, user: UserId, now: Timestamp) -> Result<Vec<SessionInfo>> {
    let rows = sqlx::query(
        "SELECT token_hash, created_at, expires_at FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, token_hash",
    )
    .bind(user.to_string())
    .bind(micros(now))
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(SessionInfo {
                token_hash: get(row, "token_hash")?,
                created_at: ts(get(row, "created_at")?)?,
                expires_at: ts(get(row, "expires_at")?)?,
            })
        })
        .collect()
}

/// Ends one session of `user`; false when it is not theirs (or gone).
pub async fn delete_user_session(c: &mut Conn, user: UserId, token_hash: &str) -> Result<bool> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash = $2")
            .bind(user.to_string())
            .bind(token_hash)
            .execute(c)
            .await?
            .rows_affected()
            > 0,
    )
}

/// Ends every session of `user` but `keep` (every one when `None`); how many ended.
pub async fn delete_sessions_except(c: &mut Conn, user: UserId, keep: Option<&str>) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user.to_string())
            .bind(keep.unwrap_or(""))
            .execute(c)
            .await?
            .rows_affected(),
    )
}

/// An API token as its owner sees it (never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

fn token_info(row: &AnyRow) -> Result<ApiTokenInfo> {
    Ok(ApiTokenInfo {
        id: uuid(&get::<String>(row, "id")?)?,
        name: get(row, "name")?,
        created_at: ts(get(row, "created_at")?)?,
        last_used_at: opt_ts(get(row, "last_used_at")?)?,
    })
}

/// The user's API tokens, newest first.
pub async fn api_tokens_of(c: &mut Conn, user: UserId) -> Result<Vec<ApiTokenInfo>> {
    let rows = sqlx::query(
        "SELECT id, name, created_at, last_used_at FROM api_tokens \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(user.to_string())
    .fetch_all(c)
    .await?;
    rows.iter().map(token_info).collect()
}

/// The enabled user an API token belongs to, with the token's id and last use.
pub async fn api_token_lookup(
    c: &mut Conn,
    token_hash: &str,
) -> Result<Option<(User, ApiTokenInfo)>> {
    let row = sqlx::query(
        "SELECT u.id AS user_id, u.email, u.name AS user_name, u.is_admin, \
         t.id, t.name, t.created_at, t.last_used_at FROM api_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(c)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let email: String = get(&row, "email")?;
    let user = User {
        id: UserId(uuid(&get::<String>(&row, "user_id")?)?),
        email: EmailAddress::parse("email", &email)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: get(&row, "user_name")?,
        is_admin: get::<i64>(&row, "is_admin")? != 0,
    };
    Ok(Some((user, token_info(&row)?)))
}

/// Records that a token was used at `now`.
pub async fn touch_api_token(c: &mut Conn, id: Uuid, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(micros(now))
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Deletes one of the user's API tokens; its name, or `None` when it is not theirs.
pub async fn delete_api_token(c: &mut Conn, user: UserId, id: Uuid) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("DELETE FROM api_tokens WHERE user_id = $1 AND id = $2 RETURNING name")
            .bind(user.to_string())
            .bind(id.to_string())
            .fetch_optional(c)
            .await?,
    )
}

/// Stores a password-reset link's hash, valid until `expires`.
pub async fn insert_password_reset(
    c: &mut Conn,
    token_hash: &str,
    user: UserId,
    now: Timestamp,
    expires: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user.to_string())
    .bind(micros(now))
    .bind(micros(expires))
    .execute(c)
    .await?;
    Ok(())
}

/// The enabled user of an unused, unexpired reset link.
pub async fn password_reset_user(
    c: &mut Conn,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<User>> {
    sqlx::query(
        "SELECT u.id, u.email, u.name, u.is_admin FROM password_resets r \
         JOIN users u ON u.id = r.user_id WHERE r.token_hash = $1 AND r.used_at IS NULL \
         AND r.expires_at > $2 AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .bind(micros(now))
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(user_from_row)
    .transpose()
}

/// Marks a reset link used, once: true for the one caller that used it while it was live.
pub async fn use_password_reset(c: &mut Conn, token_hash: &str, now: Timestamp) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE password_resets SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(micros(now))
    .bind(token_hash)
    .bind(micros(now))
    .execute(c)
    .await?
    .rows_affected()
        > 0)
}

/// Ends every unused reset link of `user` (after a password change, a reset or disabling).
pub async fn end_password_resets(c: &mut Conn, user: UserId, now: Timestamp) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
    )
    .bind(micros(now))
    .bind(user.to_string())
    .execute(c)
    .await?
    .rows_affected())
}
