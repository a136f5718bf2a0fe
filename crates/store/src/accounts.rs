//! Accounts: users, their browser sessions and their API tokens. Tokens are stored as
//! hashes only; the caller hashes what the client presented.

use crate::{
    Conn, NewUser, Result, StoreError,
    rows::{get, micros, uuid},
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
         JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
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
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(user_from_row)
    .transpose()
}
