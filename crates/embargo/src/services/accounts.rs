//! Accounts: users, passwords, sessions, API tokens and the first administrator.

use super::{Result, ServiceError};
use crate::{AppState, tokens};
use anyhow::Context;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use domain::{EmailAddress, FieldErrors, UserId, account::User};
use store::NewUser;

/// How long a sign-in lasts.
pub const SESSION_DAYS: i64 = 14;

/// Hashes a password with argon2id (OWASP parameters: 19 MiB, 2 passes) on a blocking
/// thread, so a burst of sign-ins does not stall the server.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    })
    .await
    .context("password hashing task")?
    .map_err(ServiceError::Internal)
}

async fn verify_password(password: String, hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .context("password verification task")
    .map_err(ServiceError::Internal)
}

/// A hash of no one's password, verified when the address is unknown so that the time a
/// failed sign-in takes does not reveal which addresses have accounts.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$O4m2RMV+fUYu3d7dsUAoZTpsaMTUcdSrrpLFlxwnlRY";

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub is_admin: bool,
}

impl std::fmt::Debug for NewAccount<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("email", &self.email)
            .field("is_admin", &self.is_admin)
            .finish_non_exhaustive()
    }
}

/// Creates a user; names the field at fault.
pub async fn create_user(state: &AppState, new: NewAccount<'_>) -> Result<User> {
    let mut errors = FieldErrors::default();
    let email = EmailAddress::parse("email", new.email)
        .map_err(|e| errors.0.push(e))
        .ok();
    let name = new.name.trim();
    if name.is_empty() {
        errors.push("name", "is required");
    } else if name.len() > 200 || name.chars().any(char::is_control) {
        errors.push("name", "must be one line of at most 200 bytes");
    }
    if let Err(e) = domain::account::check_password(new.password) {
        errors.0.push(e);
    }
    let email = errors
        .into_result(email)?
        .ok_or_else(|| ServiceError::field("email", "is required"))?;
    let password_hash = hash_password(new.password.to_owned()).await?;
    let new_user = NewUser {
        id: UserId::new(),
        email,
        name: name.to_owned(),
        password_hash: Some(password_hash),
        is_admin: new.is_admin,
        created_at: state.now(),
    };
    let mut tx = state.db.begin().await?;
    let user = store::accounts::insert_user(&mut tx, &new_user)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::field("email", "is already registered"),
            other => other.into(),
        })?;
    tx.commit().await?;
    Ok(user)
}

/// Checks credentials and opens a session; returns the user and the session token.
pub async fn login(state: &AppState, email: &str, password: &str) -> Result<(User, String)> {
    let found = store::accounts::credentials(&mut *state.db.read().await?, email.trim()).await?;
    let (user, hash) = match found {
        Some((user, Some(hash))) => (Some(user), hash),
        _ => (None, DUMMY_HASH.to_owned()),
    };
    let ok = verify_password(password.to_owned(), hash).await?;
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!("sign-in refused");
        return Err(ServiceError::Unauthenticated);
    };
    let token = tokens::generate(tokens::SESSION);
    let now = state.now();
    let expires = now
        .checked_add(jiff::SignedDuration::from_hours(24 * SESSION_DAYS))
        .context("session expiry")?;
    let mut tx = state.db.begin().await?;
    store::accounts::insert_session(&mut tx, &tokens::hash(&token), user.id, now, expires).await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, "signed in");
    Ok((user, token))
}

pub async fn logout(state: &AppState, session_token: &str) -> Result<()> {
    let mut tx = state.db.begin().await?;
    store::accounts::delete_session(&mut tx, &tokens::hash(session_token)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn session_user(state: &AppState, session_token: &str) -> Result<Option<User>> {
    Ok(store::accounts::session_user(
        &mut *state.db.read().await?,
        &tokens::hash(session_token),
        state.now(),
    )
    .await?)
}

/// Issues an API token for the user with this address; only its hash is kept.
pub async fn create_api_token(state: &AppState, email: &str, name: &str) -> Result<String> {
    let (user, _) = store::accounts::credentials(&mut *state.db.read().await?, email.trim())
        .await?
        .ok_or_else(|| ServiceError::field("email", "no user has this address"))?;
    let token = tokens::generate(tokens::API);
    let mut tx = state.db.begin().await?;
    store::accounts::insert_api_token(&mut tx, user.id, &tokens::hash(&token), name, state.now())
        .await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn api_token_user(state: &AppState, token: &str) -> Result<Option<User>> {
    if !token.starts_with(tokens::API) {
        return Ok(None);
    }
    Ok(store::accounts::api_token_user(&mut *state.db.read().await?, &tokens::hash(token)).await?)
}

/// The address of the earliest administrator, if any (the instance's own contact).
pub async fn first_admin_email(state: &AppState) -> Result<Option<String>> {
    Ok(store::accounts::first_admin_email(&mut *state.db.read().await?).await?)
}

/// Whether `token` is the live one-time setup token.
pub fn setup_token_valid(state: &AppState, token: &str) -> bool {
    let hash = tokens::hash(token);
    state
        .setup_token_hash
        .lock()
        .ok()
        .and_then(|slot| slot.as_ref().map(|h| tokens::constant_time_eq(h, &hash)))
        .unwrap_or(false)
}

/// Creates the first administrator through the one-time setup link, then retires the link.
pub async fn complete_setup(
    state: &AppState,
    token: &str,
    account: NewAccount<'_>,
) -> Result<(User, String)> {
    if !setup_token_valid(state, token)
        || store::accounts::any_admin(&mut *state.db.read().await?).await?
    {
        return Err(ServiceError::NotFound("setup link"));
    }
    let password = account.password.to_owned();
    let user = create_user(
        state,
        NewAccount {
            is_admin: true,
            ..account
        },
    )
    .await?;
    if let Ok(mut slot) = state.setup_token_hash.lock() {
        *slot = None;
    }
    tracing::info!(user = %user.id, "first administrator created");
    adopt_orphan_projects(state, &user).await?;
    login(state, user.email.as_str(), &password).await
}

/// Makes the first administrator the maintainer of the projects nobody is a member of yet
/// (the `serve --demo` project, projects created from the command line without
/// `--maintainer`), so their reminders and notices reach someone; audited as `member.set`.
async fn adopt_orphan_projects(state: &AppState, admin: &User) -> Result<()> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    for project in store::members::projects_without_members(&mut tx, 100).await? {
        store::members::set_at(
            &mut tx,
            project,
            admin.id,
            domain::account::ProjectRole::Maintainer,
            now,
        )
        .await?;
        store::audit::append(
            &mut tx,
            domain::audit::NewAuditEvent {
                at: now,
                actor: domain::audit::user_actor(admin.id),
                action: "member.set".into(),
                subject: domain::audit::project_subject(project),
                data: serde_json::json!({
                    "user": admin.id.to_string(),
                    "role": "maintainer",
                    "reason": "first administrator",
                }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_valid_argon2id_hash() {
        let parsed = PasswordHash::new(DUMMY_HASH).expect("parses");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert!(
            Argon2::default()
                .verify_password(b"not the password", &parsed)
                .is_err()
        );
    }
}
