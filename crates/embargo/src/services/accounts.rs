//! Accounts: users, passwords, sessions, API tokens and the first administrator.

use super::{Result, ServiceError};
use crate::{AppState, tokens};
use anyhow::Context;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use domain::{
    EmailAddress, FieldErrors, UserId,
    account::User,
    audit::{NewAuditEvent, user_actor},
};
use store::{NewEmail, NewUser, accounts::ApiTokenInfo};

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
    let found =
        store::accounts::login_credentials(&mut *state.db.read().await?, email.trim()).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, DUMMY_HASH.to_owned()),
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
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::accounts::insert_api_token(&mut tx, user.id, &tokens::hash(&token), name, now).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: "cli".into(),
            action: "token.create".into(),
            subject: format!("user:{}", user.id),
            data: serde_json::json!({ "name": name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The user behind an API token (none when it was revoked or its user disabled); records
/// its use, at most once a minute per token.
pub async fn api_token_user(state: &AppState, token: &str) -> Result<Option<User>> {
    if !token.starts_with(tokens::API) {
        return Ok(None);
    }
    let found =
        store::accounts::api_token_lookup(&mut *state.db.read().await?, &tokens::hash(token))
            .await?;
    let Some((user, info)) = found else {
        return Ok(None);
    };
    let now = state.now();
    let stale = info
        .last_used_at
        .is_none_or(|at| now.duration_since(at) >= jiff::SignedDuration::from_secs(60));
    if stale {
        let mut tx = state.db.begin().await?;
        store::accounts::touch_api_token(&mut tx, info.id, now).await?;
        tx.commit().await?;
    }
    Ok(Some(user))
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

// The account page ----------------------------------------------------------------------

/// Checks `password` against the user's stored hash (argon2 on a blocking thread). The
/// caller applies the sign-in limits first.
pub async fn password_matches(state: &AppState, user: &User, password: &str) -> Result<bool> {
    let hash = store::accounts::password_hash(&mut *state.db.read().await?, user.id)
        .await?
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    verify_password(password.to_owned(), hash).await
}

/// The new password under the rules of account creation, the error naming `field`.
fn check_new_password(field: &str, password: &str) -> Result<()> {
    domain::account::check_password(password).map_err(|e| ServiceError::field(field, e.message))
}

/// Changes the signed-in user's password: `current_password` must be right (the caller
/// applies the sign-in limits before), `new_password` follows the rules of account
/// creation. Every other session of the user ends (the one in use, `session_token`, stays),
/// and so do their unused reset links.
/// Audited `account.password`.
pub async fn change_password(
    state: &AppState,
    user: &User,
    session_token: Option<&str>,
    current: &str,
    new: &str,
) -> Result<()> {
    if current.is_empty() {
        return Err(ServiceError::field("current_password", "is required"));
    }
    if !password_matches(state, user, current).await? {
        return Err(ServiceError::field(
            "current_password",
            "is not your current password",
        ));
    }
    check_new_password("new_password", new)?;
    let hash = hash_password(new.to_owned()).await?;
    let keep = session_token.map(tokens::hash);
    let mut tx = state.db.begin().await?;
    store::accounts::set_password_hash(&mut tx, user.id, &hash).await?;
    store::accounts::end_password_resets(&mut tx, user.id, state.now()).await?;
    let ended = store::accounts::delete_sessions_except(&mut tx, user.id, keep.as_deref()).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: state.now(),
            actor: user_actor(user.id),
            action: "account.password".into(),
            subject: format!("user:{}", user.id),
            data: serde_json::json!({ "how": "change", "sessions_ended": ended }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, sessions_ended = ended, "password changed");
    Ok(())
}

/// A session as its owner sees it: an id that is not the token (nor its stored hash).
#[derive(Debug, Clone)]
pub struct SessionView {
    pub id: String,
    pub created_at: jiff::Timestamp,
    pub expires_at: jiff::Timestamp,
    pub current: bool,
}

/// The public id of a session: derived from its stored hash, so it names the session
/// without being able to open it.
fn session_id(token_hash: &str) -> String {
    tokens::hash(&format!("session-id:{token_hash}"))[..24].to_owned()
}

/// The user's live sessions, newest first, the one in use marked.
pub async fn sessions(
    state: &AppState,
    user: &User,
    session_token: Option<&str>,
) -> Result<Vec<SessionView>> {
    let current = session_token.map(tokens::hash);
    let list =
        store::accounts::sessions_of(&mut *state.db.read().await?, user.id, state.now()).await?;
    Ok(list
        .into_iter()
        .map(|s| SessionView {
            id: session_id(&s.token_hash),
            created_at: s.created_at,
            expires_at: s.expires_at,
            current: current.as_deref() == Some(s.token_hash.as_str()),
        })
        .collect())
}

fn session_event(state: &AppState, user: &User, data: serde_json::Value) -> NewAuditEvent {
    NewAuditEvent {
        at: state.now(),
        actor: user_actor(user.id),
        action: "session.revoke".into(),
        subject: format!("user:{}", user.id),
        data,
    }
}

/// Ends one of the user's sessions by its public id; false when none of theirs has it
/// (ended already). Audited `session.revoke`.
pub async fn revoke_session(state: &AppState, user: &User, id: &str) -> Result<bool> {
    let list =
        store::accounts::sessions_of(&mut *state.db.read().await?, user.id, state.now()).await?;
    let Some(found) = list.into_iter().find(|s| session_id(&s.token_hash) == id) else {
        return Ok(false);
    };
    let mut tx = state.db.begin().await?;
    let ended = store::accounts::delete_user_session(&mut tx, user.id, &found.token_hash).await?;
    if ended {
        store::audit::append(
            &mut tx,
            session_event(
                state,
                user,
                serde_json::json!({ "session": id, "ended": 1 }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ended)
}

/// Ends every session of the user but the one in use; how many ended. Audited
/// `session.revoke`.
pub async fn revoke_other_sessions(
    state: &AppState,
    user: &User,
    session_token: Option<&str>,
) -> Result<u64> {
    let keep = session_token.map(tokens::hash);
    let mut tx = state.db.begin().await?;
    let ended = store::accounts::delete_sessions_except(&mut tx, user.id, keep.as_deref()).await?;
    if ended > 0 {
        store::audit::append(
            &mut tx,
            session_event(
                state,
                user,
                serde_json::json!({ "session": "others", "ended": ended }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ended)
}

/// The user's API tokens (names and times, never the tokens).
pub async fn api_tokens(state: &AppState, user: &User) -> Result<Vec<ApiTokenInfo>> {
    Ok(store::accounts::api_tokens_of(&mut *state.db.read().await?, user.id).await?)
}

/// Issues the signed-in user an API token named `name` (one line, 1–100 bytes); the token
/// is shown once. Audited `token.create`.
pub async fn issue_api_token(state: &AppState, user: &User, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ServiceError::field("name", "is required"));
    }
    if name.len() > 100 || name.chars().any(char::is_control) {
        return Err(ServiceError::field(
            "name",
            "must be one line of at most 100 bytes",
        ));
    }
    let token = tokens::generate(tokens::API);
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::accounts::insert_api_token(&mut tx, user.id, &tokens::hash(&token), name, now).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: user_actor(user.id),
            action: "token.create".into(),
            subject: format!("user:{}", user.id),
            data: serde_json::json!({ "name": name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Revokes one of the user's API tokens by id; `NotFound` when it is not theirs. Audited
/// `token.revoke`.
pub async fn revoke_api_token(state: &AppState, user: &User, id: &str) -> Result<()> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| ServiceError::NotFound("API token"))?;
    let mut tx = state.db.begin().await?;
    let name = store::accounts::delete_api_token(&mut tx, user.id, id)
        .await?
        .ok_or(ServiceError::NotFound("API token"))?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: state.now(),
            actor: user_actor(user.id),
            action: "token.revoke".into(),
            subject: format!("user:{}", user.id),
            data: serde_json::json!({ "token": id.to_string(), "name": name }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, token = %id, "API token revoked");
    Ok(())
}

// Password reset and disabling ---------------------------------------------------------

/// How long a password-reset link works.
pub const RESET_HOURS: i64 = 1;

/// The link a reset e-mail carries.
pub fn reset_url(state: &AppState, token: &str) -> String {
    format!("{}/password/reset/{token}", state.public_url)
}

/// Mails a single-use reset link (valid [`RESET_HOURS`]) when `email` is an enabled
/// account's address; does the same amount of visible work otherwise, so the answer never
/// tells whether the address has an account. Audited `account.reset_requested`.
pub async fn request_password_reset(state: &AppState, email: &str) -> Result<()> {
    let Ok(address) = EmailAddress::parse("email", email) else {
        return Err(ServiceError::field("email", "is not an e-mail address"));
    };
    let found =
        store::accounts::login_credentials(&mut *state.db.read().await?, address.as_str()).await?;
    let Some((user, _)) = found else {
        tracing::info!("password reset asked for an address without an account");
        return Ok(());
    };
    let token = tokens::generate(tokens::RESET);
    let now = state.now();
    let expires = now
        .checked_add(jiff::SignedDuration::from_hours(RESET_HOURS))
        .context("reset link expiry")?;
    let url = reset_url(state, &token);
    let mail = NewEmail {
        id: uuid::Uuid::now_v7(),
        to: user.email.as_str().to_owned(),
        subject: "Reset your Embargo password".into(),
        body_text: format!(
            "Hello {name},\n\nSomeone (we hope you) asked to reset the password of your Embargo\n\
             account. Set a new password here (the link works once, for {RESET_HOURS} hour):\n\n  {url}\n\n\
             Setting it signs you out everywhere. If you did not ask, ignore this e-mail: your\n\
             password stays as it is.\n\n-- \nSent by Embargo\n",
            name = user.name,
        ),
        report: None,
        created_at: now,
        auto_submitted: Some(store::AutoSubmitted::AutoGenerated),
    };
    let mut tx = state.db.begin().await?;
    store::accounts::insert_password_reset(&mut tx, &tokens::hash(&token), user.id, now, expires)
        .await?;
    store::outbox::queue(&mut tx, &mail).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: "anonymous".into(),
            action: "account.reset_requested".into(),
            subject: format!("user:{}", user.id),
            data: serde_json::json!({ "expires_at": expires.to_string() }),
        },
    )
    .await?;
    tx.commit().await?;
    state.outbox_notify.notify_one();
    Ok(())
}

/// The user a live reset link is for; `NotFound` when it was used, has expired or never
/// existed.
pub async fn reset_link_user(state: &AppState, token: &str) -> Result<User> {
    if !token.starts_with(tokens::RESET) {
        return Err(ServiceError::NotFound("reset link"));
    }
    store::accounts::password_reset_user(
        &mut *state.db.read().await?,
        &tokens::hash(token),
        state.now(),
    )
    .await?
    .ok_or(ServiceError::NotFound("reset link"))
}

/// Sets a new password through a reset link (once), ends the user's other reset links and
/// every session of the user.
/// Audited `account.password` (`how: reset`).
pub async fn complete_password_reset(state: &AppState, token: &str, new: &str) -> Result<User> {
    let user = reset_link_user(state, token).await?;
    check_new_password("password", new)?;
    let hash = hash_password(new.to_owned()).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !store::accounts::use_password_reset(&mut tx, &tokens::hash(token), now).await? {
        return Err(ServiceError::NotFound("reset link"));
    }
    store::accounts::set_password_hash(&mut tx, user.id, &hash).await?;
    store::accounts::end_password_resets(&mut tx, user.id, now).await?;
    let ended = store::accounts::delete_sessions_except(&mut tx, user.id, None).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: user_actor(user.id),
            action: "account.password".into(),
            subject: format!("user:{}", user.id),
            data: serde_json::json!({ "how": "reset", "sessions_ended": ended }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, "password reset");
    Ok(user)
}

/// Disables the user with this address: they cannot sign in, their sessions end and their
/// API tokens stop working at once. `actor` is who did it (`user:<id>` or `cli`). Audited
/// `user.disable`; false when the user was disabled already.
pub async fn disable_user(state: &AppState, email: &str, actor: String) -> Result<bool> {
    let (user, _) = store::accounts::credentials(&mut *state.db.read().await?, email.trim())
        .await?
        .ok_or_else(|| ServiceError::field("email", "no user has this address"))?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let changed = store::accounts::disable_user(&mut tx, user.id, now).await?;
    store::accounts::end_password_resets(&mut tx, user.id, now).await?;
    if changed {
        store::audit::append(
            &mut tx,
            NewAuditEvent {
                at: now,
                actor,
                action: "user.disable".into(),
                subject: format!("user:{}", user.id),
                data: serde_json::json!({ "email": user.email.as_str() }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(user = %user.id, "user disabled");
    Ok(changed)
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
mod session_id_tests {
    #[test]
    fn a_session_id_is_not_its_stored_hash() {
        let hash = crate::tokens::hash("ses_example");
        let id = super::session_id(&hash);
        assert_eq!(id.len(), 24);
        assert!(!hash.contains(&id));
    }
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
