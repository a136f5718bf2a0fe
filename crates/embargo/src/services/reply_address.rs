//! Each report's reply address, `local+TOKEN@domain` beside the project's `mailto:`
//! contact. The token is an HMAC of the report id under the instance secret, so it is
//! unguessable, needs no storage of its own and is the same every time the report's mail
//! is sent; only its SHA-256 is stored (`reply_tokens`), which is how mail to the address
//! finds the report. A report's tokens can be disabled for good
//! (`store::reply_tokens::disable`), after which mail to its address is refused.

use super::Result;
use crate::{AppState, tokens};
use domain::{ReportId, project::Project};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The report's token: 160 bits of HMAC-SHA-256 over a label and the report id, in
/// lower-case base32 (32 characters).
pub fn token(state: &AppState, report: ReportId) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(state.secret.key())
        .expect("HMAC takes keys of any length");
    mac.update(b"embargo reply address\0");
    mac.update(report.to_string().as_bytes());
    let digest = mac.finalize().into_bytes();
    mail::token_from_bytes(&digest[..20])
}

/// The stored form of a token (case-folded first: some MTAs fold local parts).
pub fn token_hash(token: &str) -> String {
    tokens::hash(&token.to_ascii_lowercase())
}

/// The project's `mailto:` contacts in lower case, split into local part and domain:
/// those in `mail_in.domains` when that lists any.
pub fn contacts(state: &AppState, project: &Project) -> Vec<(String, String)> {
    let domains = &state.config.mail_in.domains;
    project
        .policy
        .contacts
        .iter()
        .filter_map(|c| c.strip_prefix("mailto:"))
        .map(|a| a.split('?').next().unwrap_or(a).to_ascii_lowercase())
        .filter_map(|a| {
            let (local, domain) = a.rsplit_once('@')?;
            Some((local.to_owned(), domain.to_owned()))
        })
        .filter(|(_, domain)| domains.is_empty() || domains.iter().any(|d| d == domain))
        .collect()
}

/// The reply address for mail about `report`, issuing its token on first use; `None`
/// when the project has no usable `mailto:` contact or the report's tokens were disabled.
pub async fn for_report(
    state: &AppState,
    project: &Project,
    report: ReportId,
) -> Result<Option<String>> {
    let Some(address) = contacts(state, project)
        .into_iter()
        .find_map(|(local, domain)| {
            mail::reply_address(&local, &token(state, report), &domain).ok()
        })
    else {
        return Ok(None);
    };
    let token = token(state, report);
    let mut tx = state.db.begin().await?;
    let in_effect = store::reply_tokens::ensure(&mut tx, report, &token_hash(&token)).await?;
    tx.commit().await?;
    if in_effect {
        Ok(Some(address))
    } else {
        Ok(None)
    }
}

/// The reply address for a queued e-mail: the one of the report it is about, if any.
pub async fn for_email(state: &AppState, email: &store::Email) -> Result<Option<String>> {
    let Some(report_id) = email.report_id else {
        return Ok(None);
    };
    let Some(report) = store::reports::by_id(&mut *state.db.read().await?, report_id).await? else {
        return Ok(None);
    };
    let Some(project) =
        store::projects::by_id(&mut *state.db.read().await?, report.project_id).await?
    else {
        return Ok(None);
    };
    for_report(state, &project, report_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_valid_in_a_plus_address_and_hash_without_regard_to_case() {
        let t = "abcdefghijklmnopqrstuvwxyz234567";
        assert!(mail::is_valid_token(t));
        assert_eq!(token_hash(t), token_hash(&t.to_ascii_uppercase()));
        assert_eq!(
            mail::reply_address("security", t, "Example.ORG").as_deref(),
            Ok("security+abcdefghijklmnopqrstuvwxyz234567@example.org")
        );
    }
}
