//! Reporters' OpenPGP keys: given in the report form or the API, attached to their mail
//! (`application/pgp-keys`), or carried in an Autocrypt header of mail whose signature that
//! key verifies. Stored per report with the reporter's address; replies are encrypted to
//! them ([`super::outgoing`]) and signatures on later mail are checked against them.

use super::{Result, ServiceError};
use crate::AppState;
use domain::{ReportId, project::Project};
use keys::{PublicKey, SignatureCheck};
use store::{InboundSignature, KeySource, ReporterKey, SignatureStatus};

/// Longest key accepted from the form or the API, in bytes (armored).
pub const MAX_FORM_KEY: usize = 64 * 1024;

/// A key a message carries.
#[derive(Debug, Clone)]
pub struct Offered {
    pub key: PublicKey,
    pub source: KeySource,
}

/// The keys known for a report, newest first, for whoever may read the report.
pub async fn of_report(state: &AppState, report: ReportId) -> Result<Vec<ReporterKey>> {
    Ok(store::reporter_keys::of_report(&mut *state.db.read().await?, report).await?)
}

/// Keys known for `address` in any report of the project.
pub async fn known_for(
    state: &AppState,
    project: &Project,
    address: &str,
) -> Result<Vec<PublicKey>> {
    Ok(store::reporter_keys::by_address(
        &mut *state.db.read().await?,
        project.id,
        &address.to_ascii_lowercase(),
    )
    .await?
    .iter()
    .filter_map(|k| PublicKey::from_armored(&k.armored).ok())
    .collect())
}

/// Keys in the message: attached, and in an Autocrypt header naming the sender.
pub fn offered(parsed: &mail::Parsed) -> Vec<Offered> {
    let mut out = offered_in(&parsed.attachments);
    let sender = parsed.from.as_ref().map(|m| m.address.as_str());
    if let Some(key) = parsed
        .header("Autocrypt")
        .and_then(|value| autocrypt_key(value, sender?))
    {
        out.push(Offered {
            key,
            source: KeySource::SignedMail,
        });
    }
    out
}

/// Keys among text attachments: `application/pgp-keys`, or any armored public key block.
pub fn offered_in(attachments: &[mail::TextAttachment]) -> Vec<Offered> {
    attachments
        .iter()
        .filter(|a| {
            a.content_type == "application/pgp-keys"
                || a.text.contains("-----BEGIN PGP PUBLIC KEY BLOCK-----")
        })
        .filter_map(|a| PublicKey::from_armored(&a.text).ok())
        .map(|key| Offered {
            key,
            source: KeySource::Attachment,
        })
        .collect()
}

/// The key of an Autocrypt header (`addr=…; [prefer-encrypt=…;] keydata=BASE64`) whose
/// `addr` is the sender's.
fn autocrypt_key(value: &str, sender: &str) -> Option<PublicKey> {
    use base64::Engine;
    let mut addr = None;
    let mut keydata = None;
    for attribute in value.split(';') {
        let (name, val) = attribute.split_once('=')?;
        match name.trim() {
            "addr" => addr = Some(val.trim()),
            "keydata" => keydata = Some(val),
            _ => {}
        }
    }
    if !addr?.eq_ignore_ascii_case(sender) {
        return None;
    }
    let compact: String = keydata?.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()?;
    PublicKey::from_binary(&bytes).ok()
}

/// Checks a signed message's signature (PGP/MIME or cleartext) against `known`.
pub fn check_signature(signed: Option<&mail::Signed>, known: &[PublicKey]) -> SignatureCheck {
    let Some(signed) = signed else {
        return SignatureCheck::Unsigned;
    };
    match signed.kind {
        mail::SignatureKind::PgpMime => {
            keys::verify_detached(&signed.signed_bytes, &signed.signature, known)
        }
        mail::SignatureKind::PgpCleartext => {
            match keys::verify_cleartext(&String::from_utf8_lossy(&signed.signed_bytes), known) {
                Ok(clearsigned) => clearsigned.signature,
                Err(e) => SignatureCheck::Bad {
                    reason: e.to_string(),
                },
            }
        }
        // Detected only: S/MIME certificates are not checked.
        mail::SignatureKind::Smime => SignatureCheck::Unsigned,
    }
}

/// What to store for a signature check; `None` for unsigned mail.
pub fn signature_record(check: &SignatureCheck) -> Option<InboundSignature> {
    match check {
        SignatureCheck::Unsigned => None,
        SignatureCheck::Verified { fingerprint } => Some(InboundSignature {
            status: SignatureStatus::Good,
            key: Some(fingerprint.clone()),
            note: None,
        }),
        SignatureCheck::UnknownKey { issuer } => Some(InboundSignature {
            status: SignatureStatus::UnknownKey,
            key: Some(issuer.clone()),
            note: None,
        }),
        SignatureCheck::Bad { reason } => Some(InboundSignature {
            status: SignatureStatus::Bad,
            key: None,
            note: Some(reason.clone()),
        }),
    }
}

/// The line shown beside a signed message on the report page (escaped by the template).
pub fn signature_label(signature: &InboundSignature) -> String {
    match (signature.status, &signature.key) {
        (SignatureStatus::Good, Some(key)) => format!("Signed by 0x{key} — good signature"),
        (SignatureStatus::Good, None) => "Good signature".to_owned(),
        (SignatureStatus::UnknownKey, Some(key)) => {
            format!("Signed by 0x{key} — unknown key, not checked")
        }
        (SignatureStatus::UnknownKey, None) => "Signed by an unknown key — not checked".to_owned(),
        (SignatureStatus::Bad, _) => format!(
            "Signed — bad signature: {}",
            signature.note.as_deref().unwrap_or("does not verify")
        ),
    }
}

/// Stores the keys a message carried for the report it opened or joined: attached keys, and
/// an Autocrypt key only when the message's signature verified with it.
pub async fn keep_offered(
    state: &AppState,
    project: &Project,
    report: ReportId,
    address: &str,
    offered: &[Offered],
    signature: &SignatureCheck,
) -> Result<()> {
    for o in offered {
        let verified_by_it = matches!(signature, SignatureCheck::Verified { fingerprint } if *fingerprint == o.key.fingerprint());
        if o.source == KeySource::SignedMail && !verified_by_it {
            continue;
        }
        store_key(state, project, report, Some(address), &o.key, o.source).await?;
    }
    Ok(())
}

/// Reads a key pasted in the form or given to the API; 422 on `reporter.pgp_key` when it is
/// not a usable public key.
pub fn parse_form_key(text: &str, now: jiff::Timestamp) -> Result<PublicKey> {
    let field = "reporter.pgp_key";
    if text.len() > MAX_FORM_KEY {
        return Err(ServiceError::field(
            field,
            format!("is longer than {MAX_FORM_KEY} bytes"),
        ));
    }
    let key = PublicKey::from_armored(text).map_err(|e| {
        ServiceError::field(field, format!("is not an armored OpenPGP public key ({e})"))
    })?;
    if !key.can_encrypt_at(now) {
        return Err(ServiceError::field(
            field,
            "cannot be encrypted to (expired, revoked or without an encryption subkey)",
        ));
    }
    Ok(key)
}

/// Stores a key for a report; nothing when the report has it already.
pub async fn store_key(
    state: &AppState,
    project: &Project,
    report: ReportId,
    address: Option<&str>,
    key: &PublicKey,
    source: KeySource,
) -> Result<()> {
    let armored = key
        .armored()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("armoring a reporter key: {e}")))?;
    let mut tx = state.db.begin().await?;
    let added = store::reporter_keys::insert(
        &mut tx,
        &ReporterKey {
            id: uuid::Uuid::now_v7(),
            project: project.id,
            report,
            address: address.map(str::to_ascii_lowercase),
            fingerprint: key.fingerprint(),
            armored,
            source,
            created_at: state.now(),
        },
    )
    .await?;
    tx.commit().await?;
    if added {
        tracing::info!(report = %report, key = %key.fingerprint(), source = source.as_str(), "reporter key stored");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_signature_result_reads_on_its_own() {
        let check = |c: SignatureCheck| signature_record(&c).map(|s| signature_label(&s));
        assert_eq!(check(SignatureCheck::Unsigned), None);
        assert_eq!(
            check(SignatureCheck::Verified {
                fingerprint: "ABCD".into()
            })
            .as_deref(),
            Some("Signed by 0xABCD — good signature")
        );
        assert_eq!(
            check(SignatureCheck::UnknownKey {
                issuer: "1234".into()
            })
            .as_deref(),
            Some("Signed by 0x1234 — unknown key, not checked")
        );
        assert_eq!(
            check(SignatureCheck::Bad {
                reason: "changed after signing".into()
            })
            .as_deref(),
            Some("Signed — bad signature: changed after signing")
        );
    }

    #[test]
    fn an_autocrypt_header_must_name_the_sender() {
        // keydata that is not a key, and an address that is not the sender's: nothing.
        assert!(autocrypt_key("addr=eve@example.net; keydata=AAAA", "mara@example.org").is_none());
        assert!(autocrypt_key("addr=mara@example.org; keydata=AAAA", "mara@example.org").is_none());
        assert!(autocrypt_key("no attributes", "mara@example.org").is_none());
    }
}
