//! Reports and replies by e-mail. Every message is stored exactly as it arrived before
//! anything reads it, so nothing is lost when it cannot be read; then the `mail` crate
//! reads it and it either joins the thread of the report it answers (by the `Message-ID`s
//! it quotes, and only from that report's reporter) or opens a new report. OpenPGP mail
//! (PGP/MIME or inline) is decrypted with the project's key pair first. The automatic
//! acknowledgement follows RFC 3834: never to auto-submitted mail, bounces or mailing lists,
//! never to ourselves. Signatures are checked against the keys known for the sender and the
//! keys the message carries (`reporter_keys`); the result is stored with the message.

use super::{Result, ServiceError, projects, reports};
use crate::AppState;
use domain::{
    ReportId,
    project::Project,
    report::{ReportInput, ReporterInput, Source},
};
use mail::{AutoReply, EncryptionKind, Limits, OurAddresses, Parsed};
use store::{AuthorKind, Disposition, NewInbound, NewMessage, Visibility};

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// The stored message.
    pub id: uuid::Uuid,
    pub disposition: Disposition,
    /// The report it opened or joined, with its number.
    pub report: Option<(ReportId, i64)>,
    /// Whether an acknowledgement was queued for the sender.
    pub acknowledged: bool,
}

/// The domain part of our own `Message-ID`s (see `jobs::mailer`): a reply quoting one
/// names the e-mail we sent, and so its report.
const OUR_MESSAGE_ID_DOMAIN: &str = "@embargo";

/// Stores, reads and files one RFC 5322 message for the project `slug` (or, without one,
/// the project whose policy lists a recipient's address as a `mailto:` contact).
pub async fn ingest(state: &AppState, raw: &[u8], slug: Option<&str>) -> Result<Ingested> {
    let limits = Limits::default();
    if raw.len() > limits.max_message_bytes {
        return Err(ServiceError::field(
            "message",
            format!(
                "is {} bytes, more than the {} bytes accepted",
                raw.len(),
                limits.max_message_bytes
            ),
        ));
    }
    let parsed = mail::parse(raw, &limits);
    let project = match slug {
        Some(slug) => projects::public(state, slug).await?,
        None => addressed_project(state, &parsed)
            .await?
            .ok_or(ServiceError::NotFound("project for these recipients"))?,
    };
    let id = uuid::Uuid::now_v7();
    state
        .store
        .insert_inbound(&NewInbound {
            id,
            project: Some(project.id),
            received_at: state.now(),
            raw: raw.to_vec(),
            sender: parsed.from.as_ref().map(|m| m.address.clone()),
            subject: parsed.subject.clone(),
            message_id: parsed.message_id.clone(),
        })
        .await?;
    // The message is safe from here on; what follows only decides where it goes.
    let (outcome, detail) = file(state, &project, &parsed, id).await?;
    state
        .store
        .settle_inbound(
            id,
            outcome.disposition,
            outcome.report.map(|(r, _)| r),
            Some(&detail.to_string()),
        )
        .await?;
    tracing::info!(
        project = %project.slug,
        message = %id,
        disposition = outcome.disposition.as_str(),
        acknowledged = outcome.acknowledged,
        "mail received"
    );
    Ok(Ingested { id, ..outcome })
}

/// Decides where a stored message goes; returns the outcome and what the reading found.
async fn file(
    state: &AppState,
    project: &Project,
    parsed: &Parsed,
    inbound_id: uuid::Uuid,
) -> Result<(Ingested, serde_json::Value)> {
    let mut detail = serde_json::json!({
        "problems": parsed.problems,
        "refused_attachments": parsed.refused,
    });
    let unfiled = |disposition| Ingested {
        id: uuid::Uuid::nil(),
        disposition,
        report: None,
        acknowledged: false,
    };
    if let Some(refusal) = &parsed.refusal {
        detail["refusal"] = serde_json::json!(refusal.to_string());
        return Ok((unfiled(Disposition::Unparsed), detail));
    }
    let Some(sender) = parsed.from.as_ref().filter(|m| m.is_valid()) else {
        detail["why"] = "no valid sender address".into();
        return Ok((unfiled(Disposition::Ignored), detail));
    };
    // Keys the sender gave before, and keys this message carries (attached, or in an
    // Autocrypt header), to check its signature with.
    let mut candidates = super::reporter_keys::known_for(state, project, &sender.address).await?;
    let mut offered = super::reporter_keys::offered(parsed);
    candidates.extend(offered.iter().map(|o| o.key.clone()));
    let (text, signature) = match &parsed.encryption {
        Some(encrypted) if encrypted.kind != EncryptionKind::Smime => {
            match decrypt(state, project, encrypted, &candidates).await {
                Ok((text, signature, inner_keys)) => {
                    detail["decrypted"] = true.into();
                    detail["signature"] = signature.to_string().into();
                    offered.extend(inner_keys);
                    (text, signature)
                }
                Err(why) => {
                    // Kept for the maintainers, who may hold another key for it.
                    detail["decryption"] = why.into();
                    return Ok((unfiled(Disposition::Unparsed), detail));
                }
            }
        }
        _ => {
            let signature =
                super::reporter_keys::check_signature(parsed.signature.as_ref(), &candidates);
            if signature != keys::SignatureCheck::Unsigned {
                detail["signature"] = signature.to_string().into();
            }
            (
                with_attachments(&parsed.body.text, &parsed.attachments),
                signature,
            )
        }
    };
    if let Some(record) = super::reporter_keys::signature_record(&signature) {
        state
            .store
            .set_inbound_signature(inbound_id, &record)
            .await?;
    }
    let keep_keys = |report: ReportId| {
        super::reporter_keys::keep_offered(
            state,
            project,
            report,
            &sender.address,
            &offered,
            &signature,
        )
    };

    if let Some(report) = answered_report(state, project, parsed, &sender.address).await? {
        if text.trim().is_empty() {
            detail["why"] = "an empty reply".into();
            return Ok((unfiled(Disposition::Ignored), detail));
        }
        state
            .store
            .add_message(
                &NewMessage {
                    // The inbound message's id, so the report page finds its signature.
                    id: inbound_id,
                    report: report.id,
                    author_kind: AuthorKind::Reporter,
                    author: None,
                    visibility: Visibility::Reporter,
                    body: truncate(&text, reports::MAX_MESSAGE),
                    created_at: state.now(),
                },
                None,
            )
            .await?;
        keep_keys(report.id).await?;
        return Ok((
            Ingested {
                id: uuid::Uuid::nil(),
                disposition: Disposition::Reply,
                report: Some((report.id, report.number)),
                acknowledged: false,
            },
            detail,
        ));
    }

    let ours = OurAddresses::new(our_addresses(state, project));
    let reply_to = match mail::auto_reply_decision(parsed, &ours) {
        AutoReply::Send { to } => Some(to),
        AutoReply::Suppress(why) => {
            detail["acknowledgement"] = serde_json::json!(format!("not sent: {why}"));
            None
        }
    };
    let input = ReportInput {
        title: truncate(
            parsed.subject.as_deref().unwrap_or("(no subject)"),
            domain::report::limits::TITLE,
        ),
        description: truncate(&text, domain::report::limits::DESCRIPTION),
        reporter: ReporterInput {
            name: sender
                .name
                .as_deref()
                .map(|n| truncate(n, domain::report::limits::NAME)),
            email: Some(
                reply_to
                    .as_ref()
                    .map_or_else(|| sender.address.clone(), |m| m.address.clone()),
            ),
            ..ReporterInput::default()
        },
        ..ReportInput::default()
    };
    // The first usable key the message carries is stored with the report, in its
    // transaction, so the acknowledgement is already encrypted to it.
    let now = state.now();
    let first_key = offered
        .iter()
        .filter(|o| o.source == store::KeySource::Attachment || matches!(&signature, keys::SignatureCheck::Verified { fingerprint } if *fingerprint == o.key.fingerprint()))
        .filter(|o| o.key.can_encrypt_at(now))
        .find_map(|o| o.key.armored().ok().map(|a| (a, o.source)));
    match reports::submit_with(
        state,
        project.slug.as_str(),
        input,
        Source::Email,
        None,
        reply_to.is_some(),
        first_key
            .as_ref()
            .map(|(armored, source)| (armored.as_str(), *source)),
    )
    .await
    {
        Ok(reports::SubmitOutcome::Created(s) | reports::SubmitOutcome::Replayed(s)) => {
            keep_keys(s.id).await?;
            Ok((
                Ingested {
                    id: uuid::Uuid::nil(),
                    disposition: Disposition::Report,
                    report: Some((s.id, s.number)),
                    acknowledged: reply_to.is_some(),
                },
                detail,
            ))
        }
        // Nothing to file (an empty body): kept, not filed — as unreadable when the reading
        // met problems (nesting too deep, an unknown charset), so maintainers look at it.
        Err(ServiceError::Invalid(errors)) => {
            detail["why"] = serde_json::json!(errors.to_string());
            let disposition = if parsed.problems.is_empty() {
                Disposition::Ignored
            } else {
                Disposition::Unparsed
            };
            Ok((unfiled(disposition), detail))
        }
        Err(e) => Err(e),
    }
}

/// The report this message answers: one whose e-mail it quotes (ours, or an earlier mail
/// of the thread), and only when it comes from that report's reporter — a `Message-ID` is
/// no secret, so it alone must not let anyone write into a thread.
async fn answered_report(
    state: &AppState,
    project: &Project,
    parsed: &Parsed,
    sender: &str,
) -> Result<Option<domain::report::Report>> {
    let refs = mail::thread_refs(parsed);
    let mut candidate = None;
    for r in &refs {
        if let Some(uuid) = r
            .strip_suffix(OUR_MESSAGE_ID_DOMAIN)
            .and_then(|u| uuid::Uuid::parse_str(u).ok())
            && let Some(email) = state.store.email(uuid).await?
            && email.report_id.is_some()
        {
            candidate = email.report_id;
            break;
        }
    }
    if candidate.is_none() {
        candidate = state.store.report_of_inbound(project.id, &refs).await?;
    }
    let Some(id) = candidate else {
        return Ok(None);
    };
    let Some(report) = state.store.report_by_id(id).await? else {
        return Ok(None);
    };
    let from_reporter = report
        .reporter_email
        .as_ref()
        .is_some_and(|e| e.as_str().eq_ignore_ascii_case(sender));
    Ok((report.project_id == project.id && from_reporter).then_some(report))
}

/// The project whose policy lists one of the message's recipients as a `mailto:` contact.
async fn addressed_project(state: &AppState, parsed: &Parsed) -> Result<Option<Project>> {
    let recipients: Vec<String> = parsed.recipients().map(str::to_ascii_lowercase).collect();
    for project in state.store.list_projects().await? {
        if our_addresses(state, &project)
            .iter()
            .any(|a| recipients.contains(a))
        {
            return Ok(Some(project));
        }
    }
    Ok(None)
}

/// The project's `mailto:` contacts and the instance's sender address, lower case.
fn our_addresses(state: &AppState, project: &Project) -> Vec<String> {
    let mut ours: Vec<String> = project
        .policy
        .contacts
        .iter()
        .filter_map(|c| c.strip_prefix("mailto:"))
        .map(|a| a.split('?').next().unwrap_or(a).to_ascii_lowercase())
        .collect();
    let from = mail::bare_address(&state.config.smtp.from);
    if !from.is_empty() {
        ours.push(from.to_ascii_lowercase());
    }
    ours
}

/// Decrypts OpenPGP mail (PGP/MIME or inline) with the project's key pair; returns the
/// readable text, what the signature (inside, or of a signed entity inside) said, and the
/// keys attached inside; or why it could not be read.
async fn decrypt(
    state: &AppState,
    project: &Project,
    encrypted: &mail::Encrypted,
    candidates: &[keys::PublicKey],
) -> Result<
    (
        String,
        keys::SignatureCheck,
        Vec<super::reporter_keys::Offered>,
    ),
    String,
> {
    let key = super::signing::unlocked_project_key(state, project)
        .await
        .map_err(|e| e.to_string())?;
    let payload = encrypted.payload.clone();
    let mut known = candidates.to_vec();
    let decrypted = tokio::task::spawn_blocking(move || key.decrypt(&payload, &known))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let mut signature = decrypted.signature;
    let (text, inner_keys) = match encrypted.kind {
        // The plaintext is a MIME entity: read it like any message body.
        EncryptionKind::PgpMime => {
            let content = mail::parse_decrypted(&decrypted.plaintext, &Limits::default());
            let inner_keys = super::reporter_keys::offered_in(&content.attachments);
            if signature == keys::SignatureCheck::Unsigned {
                known = candidates.to_vec();
                known.extend(inner_keys.iter().map(|o| o.key.clone()));
                signature =
                    super::reporter_keys::check_signature(content.signature.as_ref(), &known);
            }
            (
                with_attachments(&content.body.text, &content.attachments),
                inner_keys,
            )
        }
        _ => (
            String::from_utf8_lossy(&decrypted.plaintext).into_owned(),
            Vec::new(),
        ),
    };
    Ok((text, signature, inner_keys))
}

/// The body, then each kept text attachment under a heading.
fn with_attachments(body: &str, attachments: &[mail::TextAttachment]) -> String {
    let mut text = body.to_owned();
    // Keys are kept as keys (see `reporter_keys`), not as report text.
    for a in attachments
        .iter()
        .filter(|a| a.content_type != "application/pgp-keys")
    {
        text.push_str(&format!(
            "\n\n--- attachment: {} ({}, {} bytes) ---\n{}",
            a.filename, a.content_type, a.size, a.text
        ));
    }
    text
}

/// At most `max` bytes, cut at a character boundary.
fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
