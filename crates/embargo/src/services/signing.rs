//! Signed security.txt: each project gets an OpenPGP key pair on first use (Ed25519 to
//! sign, X25519 to receive encrypted reports; `keys` crate), stored with
//! its secret part encrypted under a passphrase derived from the instance secret (which is
//! not in the database). Signed files are cached and renewed daily, so `Expires` stays about
//! six months ahead and never passes.

use super::{Result, ServiceError};
use crate::AppState;
use anyhow::Context;
use domain::{ProjectId, project::Project};
use sha2::{Digest, Sha256};
use std::{collections::HashMap, sync::Mutex};
use store::SigningKeyRecord;

/// The instance secret; never printed.
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Self(s)
    }

    /// The secret itself, for deriving per-project secrets from it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The secret's bytes, as a key for deriving other secrets (never log them).
    pub fn key(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Debug, Clone)]
struct Cached {
    policy_version: i64,
    day: jiff::civil::Date,
    text: String,
}

/// Most signed files kept in memory (a few kilobytes each); beyond it a file is signed
/// again when asked for, so an instance with many projects stays within a few megabytes.
pub const MAX_CACHED_FILES: usize = 1_000;

/// Signed files by project, at most [`MAX_CACHED_FILES`].
#[derive(Debug, Default)]
pub struct Cache(Mutex<HashMap<ProjectId, Cached>>);

/// The passphrase of one project's key: SHA-256 over a label, the instance secret and the
/// project id, so each key has its own and none is stored.
fn passphrase(state: &AppState, project: ProjectId) -> String {
    let mut h = Sha256::new();
    h.update(b"embargo security.txt signing key\0");
    h.update(state.secret.0.as_bytes());
    h.update(b"\0");
    h.update(project.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// The project's signing key, made on first use.
pub async fn project_key(state: &AppState, project: &Project) -> Result<SigningKeyRecord> {
    let key = store::projects::signing_key(&mut *state.db.read().await?, project.id).await?;
    if let Some(key) = key {
        return Ok(key);
    }
    let pass = passphrase(state, project.id);
    let user_id = key_user_id(state, project);
    let created = state.now();
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("random seed: {e}"))?;
    let generated = tokio::task::spawn_blocking(move || {
        let mut entropy = keys::SeededRng::from_seed(seed);
        let key = keys::ProjectKey::generate(&user_id, created, &mut entropy)?;
        Ok::<_, keys::KeyError>((
            key.fingerprint(),
            key.to_protected_armored(&pass, &mut entropy)?,
            key.public_armored()?,
        ))
    })
    .await
    .context("key generation task")?
    .map_err(|e| anyhow::anyhow!("key generation: {e}"))?;
    let (fingerprint, secret_armored, public_armored) = generated;
    let record = SigningKeyRecord {
        fingerprint,
        secret_armored,
        public_armored,
        created_at: created,
    };
    let mut tx = state.db.begin().await?;
    let stored = store::projects::insert_signing_key(&mut tx, project.id, &record).await?;
    tx.commit().await?;
    tracing::info!(project = %project.slug.as_str(), fingerprint = %stored.fingerprint, "security.txt signing key created");
    Ok(stored)
}

/// The key's user ID: the project's first `mailto:` contact (so WKD and mail clients find
/// it by that address), else `security@<this host>`.
fn key_user_id(state: &AppState, project: &Project) -> String {
    format!(
        "{} security <{}>",
        project.name.replace(['<', '>', '\n', '\r', '"'], ""),
        key_address(state, project)
    )
}

fn key_address(state: &AppState, project: &Project) -> String {
    project
        .policy
        .contacts
        .iter()
        .find_map(|c| c.strip_prefix("mailto:"))
        .map(|a| a.split('?').next().unwrap_or(a).to_owned())
        .unwrap_or_else(|| format!("security@{}", host(&state.public_url)))
}

/// The Web Key Directory answer for `hash` (z-base-32 SHA-1 of a local part) at `domain`:
/// the binary public key of the project whose key address it is, with only that user ID.
/// A project with a key of its own in the policy publishes that one.
pub async fn wkd_key(state: &AppState, domain: &str, hash: &str) -> Result<Option<Vec<u8>>> {
    let projects = store::projects::list(&mut *state.db.read().await?).await?;
    for project in projects {
        let address = key_address(state, &project);
        let Some((local, address_domain)) = address.rsplit_once('@') else {
            continue;
        };
        if !address_domain.eq_ignore_ascii_case(domain) || keys::wkd_hash(local) != hash {
            continue;
        }
        let armored = match &project.policy.openpgp_key {
            Some(own) => own.clone(),
            None => project_key(state, &project).await?.public_armored,
        };
        let key = keys::PublicKey::from_armored(&armored)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("published key: {e}")))?;
        // A maintainers' key without this address has nothing to publish here.
        return Ok(key.wkd_binary(&address).ok());
    }
    Ok(None)
}

/// The project's key pair, unlocked, for decrypting mail sent to it. Keys made before
/// projects had encryption keys (signing only) are reported as such.
pub async fn unlocked_project_key(state: &AppState, project: &Project) -> Result<keys::ProjectKey> {
    let record = project_key(state, project).await?;
    let pass = passphrase(state, project.id);
    tokio::task::spawn_blocking(move || {
        keys::ProjectKey::from_protected_armored(&record.secret_armored, &pass)
    })
    .await
    .context("key unlock task")?
    .map_err(|e| ServiceError::Internal(anyhow::anyhow!("the project's key: {e}")))
}

fn host(url: &str) -> String {
    url.split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or("localhost")
        .to_owned()
}

/// The project's security.txt, rendered from its policy and signed; cached for the day.
pub async fn project_security_txt(state: &AppState, project: &Project) -> Result<String> {
    let now = state.now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    if let Ok(cache) = state.security_txt_cache.0.lock()
        && let Some(c) = cache.get(&project.id)
        && c.policy_version == project.policy_version
        && c.day == today
    {
        return Ok(c.text.clone());
    }
    let urls = domain::render::ProjectUrls::new(&state.public_url, project);
    let mut fields = domain::render::security_txt_fields(project, &urls, &urls.security_txt, now);
    if project.policy.openpgp_key.is_none() {
        // The project's own key pair receives encrypted reports.
        let at = fields
            .iter()
            .rposition(|(name, _)| *name == "Contact")
            .map_or(0, |i| i + 1);
        fields.insert(
            at,
            (
                "Encryption",
                format!("{}/pgp-key.asc", project_base(state, project)),
            ),
        );
    }
    if state.config.csaf.enabled && project.policy.csaf_provider_url.is_none() {
        fields.push(("CSAF", csaf_provider_url(state)));
    }
    fields.insert(
        0,
        (
            "#",
            format!(
                "Security contacts and policy for {}",
                project.name.replace(['\r', '\n'], " ")
            ),
        ),
    );
    let expires = securitytxt::expiry_for(
        now,
        u32::try_from(domain::render::SECURITY_TXT_VALIDITY_DAYS).unwrap_or(180),
    );
    let text = match securitytxt::render(&fields, expires) {
        Ok(text) => text,
        // RFC 9116 wants https everywhere; a server still on plain http (a local trial)
        // serves the file anyway, and the linter will say what is wrong with it.
        Err(securitytxt::BuildError::NotHttps { .. })
            if state.public_url.starts_with("http://") =>
        {
            plain(&fields, expires)
        }
        Err(e) => {
            return Err(ServiceError::Internal(anyhow::anyhow!(
                "the policy renders an invalid security.txt: {e}"
            )));
        }
    };
    let key = project_key(state, project).await?;
    let pass = passphrase(state, project.id);
    // A key made on first use, just now, may be a second younger than `now`; a signature
    // older than its key is refused by OpenPGP tools ("time conflict").
    let signed_at = now.max(key.created_at);
    let signed = tokio::task::spawn_blocking(move || {
        let key = securitytxt::openpgp::SigningKey::from_armored(&key.secret_armored)?;
        key.sign(&text, &pass, signed_at)
    })
    .await
    .context("signing task")?
    .map_err(|e| anyhow::anyhow!("signing security.txt: {e}"))?;
    if let Ok(mut cache) = state.security_txt_cache.0.lock() {
        if cache.len() >= MAX_CACHED_FILES && !cache.contains_key(&project.id) {
            // Full: yesterday's files go first; if none, one of today's makes room.
            cache.retain(|_, c| c.day == today);
            if cache.len() >= MAX_CACHED_FILES
                && let Some(any) = cache.keys().next().copied()
            {
                cache.remove(&any);
            }
        }
        cache.insert(
            project.id,
            Cached {
                policy_version: project.policy_version,
                day: today,
                text: signed.clone(),
            },
        );
    }
    Ok(signed)
}

fn project_base(state: &AppState, project: &Project) -> String {
    format!(
        "{}/p/{}",
        state.public_url.trim_end_matches('/'),
        project.slug.as_str()
    )
}

/// `Name: value` lines, `# comment` lines, with `Expires` set to `expires`.
fn plain(fields: &[(&str, String)], expires: jiff::Timestamp) -> String {
    let mut out = String::new();
    for (name, value) in fields {
        if *name == "#" {
            out.push_str(&format!("# {value}\n"));
        } else if *name == "Expires" {
            out.push_str(&format!(
                "Expires: {}\n",
                securitytxt::format_expires(expires)
            ));
        } else {
            out.push_str(&format!("{name}: {value}\n"));
        }
    }
    out
}

/// Where this instance's CSAF provider metadata is served (when `csaf.enabled`).
pub fn csaf_provider_url(state: &AppState) -> String {
    format!(
        "{}/.well-known/csaf/provider-metadata.json",
        state.public_url
    )
}
