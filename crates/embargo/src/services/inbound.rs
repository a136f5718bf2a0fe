//! Reports and replies by e-mail. Every message is stored exactly as it arrived before
//! anything reads it, so nothing is lost when it cannot be read; then the `mail` crate
//! reads it and it either joins the thread of the report it answers (by the `Message-ID`s
//! it quotes, and only from that report's reporter) or opens a new report. OpenPGP mail
//! (PGP/MIME or inline) is decrypted with the project's key pair first. The automatic
//! acknowledgement follows RFC 3834: never to auto-submitted mail, bounces or mailing lists,
//! never to ourselves. Signatures are checked against the keys known for the sender and the
//! keys the message carries (`reporter_keys`); the result is stored with the message.

use super::{Result, ServiceError, filters, projects, reply_address, reports};
use crate::AppState;
use domain::{
    ReportId,
    project::Project,
    report::{ReportInput, ReporterInput, Source},
};
use mail::{AutoReply, EncryptionKind, Limits, OurAddresses, Parsed};
use store::{AuthorKind, Disposition, FilterMatch, NewEmail, NewInbound, NewMessage, Visibility};

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
    /// Whether an automatic refusal (what was not accepted, and why) was queued.
    pub refusal_replied: bool,
}

/// The domain part of our own `Message-ID`s (see `jobs::mailer`): a reply quoting one
/// names the e-mail we sent, and so its report.
const OUR_MESSAGE_ID_DOMAIN: &str = "@embargo";

/// Who an envelope recipient is.
#[derive(Debug, Clone)]
pub enum Addressee {
    /// A project's `mailto:` contact.
    Project(Project),
    /// A report's reply address (`local+TOKEN@domain`) in effect.
    Report(Project, ReportId),
    /// A reply address beside a project's contact whose token is unknown or disabled.
    DeadReplyAddress(Project),
    /// Not an address of ours.
    Unknown,
}

impl Addressee {
    pub fn project(&self) -> Option<&Project> {
        match self {
            Self::Project(p) | Self::Report(p, _) | Self::DeadReplyAddress(p) => Some(p),
            Self::Unknown => None,
        }
    }
}

/// Who `address` (bare, `<address>` or `Name <address>`) is, among `projects`.
pub async fn addressee(state: &AppState, projects: &[Project], address: &str) -> Result<Addressee> {
    let address = mail::bare_address(address).to_ascii_lowercase();
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Ok(Addressee::Unknown);
    };
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let domains = &state.config.mail_in.domains;
    if !domains.is_empty() && !domains.iter().any(|d| d == domain) {
        return Ok(Addressee::Unknown);
    }
    let (base, token) = match local.split_once('+') {
        Some((base, token)) => (base, Some(token)),
        None => (local, None),
    };
    let Some(project) = projects.iter().find(|p| {
        reply_address::contacts(state, p)
            .iter()
            .any(|(l, d)| l == base && d == domain)
    }) else {
        return Ok(Addressee::Unknown);
    };
    let Some(token) = token else {
        return Ok(Addressee::Project(project.clone()));
    };
    if !mail::is_valid_token(token) {
        return Ok(Addressee::DeadReplyAddress(project.clone()));
    }
    let Some(found) = store::reply_tokens::by_hash(
        &mut *state.db.read().await?,
        &reply_address::token_hash(token),
    )
    .await?
    .filter(|t| !t.disabled) else {
        return Ok(Addressee::DeadReplyAddress(project.clone()));
    };
    // The token must belong to a report of the project whose contact it was sent beside.
    let report = store::reports::by_id(&mut *state.db.read().await?, found.report).await?;
    match report {
        Some(r) if r.project_id == project.id => Ok(Addressee::Report(project.clone(), r.id)),
        _ => Ok(Addressee::DeadReplyAddress(project.clone())),
    }
}

/// Stores, reads and files one RFC 5322 message for the project `slug` or, without one,
/// the project its recipients name: the envelope `recipients` first (from the SMTP/LMTP
/// listener or `ingest-mail --recipient`), then those the message itself records
/// (`Delivered-To`, …, `To`, `Cc`). A report's reply address among them threads the
/// message into that report, when its reporter sent it.
pub async fn ingest(
    state: &AppState,
    raw: &[u8],
    slug: Option<&str>,
    recipients: &[String],
) -> Result<Ingested> {
    ingest_sized(state, raw, raw.len(), slug, recipients).await
}

/// [`ingest`] for a message of `size` bytes of which only `raw` was read (the caller stops
/// reading a message once it is larger than accepted). A message larger than
/// [`Limits::max_message_bytes`] is refused with an explanation, and only its header block
/// is kept.
pub async fn ingest_sized(
    state: &AppState,
    raw: &[u8],
    size: usize,
    slug: Option<&str>,
    recipients: &[String],
) -> Result<Ingested> {
    let limits = Limits::default();
    let size = size.max(raw.len());
    let oversized = size > limits.max_message_bytes;
    let mut parsed = mail::parse(raw, &limits);
    if let Some(mail::Refusal::TooLarge { size: s, .. }) = &mut parsed.refusal {
        *s = size;
    }
    let mut project = match slug {
        Some(slug) => Some(projects::public(state, slug).await?),
        None => None,
    };
    // The first reply address among the recipients (of the message's project): the report
    // it names, or `None` for an unknown or disabled one.
    let mut reply: Option<Option<ReportId>> = None;
    let named: Vec<&str> = recipients
        .iter()
        .map(String::as_str)
        .chain(parsed.recipients())
        .take(2 * mail::MAX_THREAD_REFS)
        .collect();
    let candidates = projects::for_addresses(state, &named).await?;
    for address in named {
        let who = addressee(state, &candidates, address).await?;
        let Some(p) = who.project() else { continue };
        if project.as_ref().is_some_and(|q| q.id != p.id) {
            continue;
        }
        if project.is_none() {
            project = Some(p.clone());
        }
        match who {
            Addressee::Report(_, report) if reply.is_none() => reply = Some(Some(report)),
            Addressee::DeadReplyAddress(_) if reply.is_none() => reply = Some(None),
            _ => {}
        }
    }
    let project = project.ok_or(ServiceError::NotFound("project for these recipients"))?;
    let id = uuid::Uuid::now_v7();
    let mut tx = state.db.begin().await?;
    store::inbound::insert(
        &mut tx,
        &NewInbound {
            id,
            project: Some(project.id),
            received_at: state.now(),
            // Too large to accept: its header block says who sent it and what it was.
            raw: if oversized {
                header_block(raw).to_vec()
            } else {
                raw.to_vec()
            },
            sender: parsed.from.as_ref().map(|m| m.address.clone()),
            subject: parsed.subject.clone(),
            message_id: parsed.message_id.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    // The message is safe from here on; what follows only decides where it goes.
    let filed = file(state, &project, &parsed, id, reply).await?;
    let mut detail = filed.detail;
    if oversized {
        detail["size"] = size.into();
        detail["kept"] = "the header block only".into();
    }
    let detail = detail.to_string();
    // What became of it, the rules that matched it and the automatic answer (always sent
    // as `Auto-Submitted: auto-replied`), together.
    let mut tx = state.db.begin().await?;
    store::inbound::settle(
        &mut tx,
        id,
        filed.outcome.disposition,
        filed.outcome.report.map(|(r, _)| r),
        Some(&detail),
    )
    .await?;
    store::filters::record_matches(&mut tx, id, &filed.matches, state.now()).await?;
    if let Some((report, _)) = filed.outcome.report {
        // A `spam` rule that filed it puts the report in the inbox's "likely junk".
        store::report_pages::refresh_junk(&mut tx, report).await?;
    }
    if let Some(reply) = &filed.reply {
        let reply = NewEmail {
            auto_submitted: Some(store::AutoSubmitted::AutoReplied),
            ..reply.clone()
        };
        store::outbox::queue(&mut tx, &reply).await?;
    }
    tx.commit().await?;
    // The receipt of a report opened by this message, or the automatic answer, is due now
    // that the message is linked to its report.
    if filed.reply.is_some() || filed.outcome.report.is_some() {
        state.outbox_notify.notify_one();
    }
    tracing::info!(
        project = %project.slug,
        message = %id,
        disposition = filed.outcome.disposition.as_str(),
        acknowledged = filed.outcome.acknowledged,
        refusal_reply = filed.reply.is_some(),
        "mail received"
    );
    Ok(Ingested {
        id,
        refusal_replied: filed.reply.is_some(),
        ..filed.outcome
    })
}

/// The header block of a message (up to the first empty line), at most
/// [`mail::limits::MAX_HEADER_BLOCK_BYTES`].
fn header_block(raw: &[u8]) -> &[u8] {
    let head = &raw[..raw.len().min(mail::limits::MAX_HEADER_BLOCK_BYTES)];
    let end = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .into_iter()
        .chain(head.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .min();
    &head[..end.unwrap_or(head.len())]
}

/// What filing a message decided.
struct Filed {
    outcome: Ingested,
    /// What the reading found, JSON.
    detail: serde_json::Value,
    /// The filter rules that matched.
    matches: Vec<FilterMatch>,
    /// An automatic refusal to send.
    reply: Option<NewEmail>,
}

/// Fewest hours between two automatic answers to one address.
pub const AUTO_REPLY_INTERVAL_HOURS: i64 = 24;

/// Fewest words of text that make a report: a message with refused attachments and less
/// text than this ("see the attached PDF") is refused rather than filed.
pub const MIN_REPORT_WORDS: usize = 12;

/// Whether a message whose attachments were refused carries no report of its own.
fn nothing_but_attachments(text: &str) -> bool {
    text.split_whitespace().take(MIN_REPORT_WORDS).count() < MIN_REPORT_WORDS
}

/// Decides where a stored message goes: the filter rules first, then the reading.
async fn file(
    state: &AppState,
    project: &Project,
    parsed: &Parsed,
    inbound_id: uuid::Uuid,
    reply: Option<Option<ReportId>>,
) -> Result<Filed> {
    let mut filed = Filed {
        outcome: Ingested {
            id: inbound_id,
            disposition: Disposition::Ignored,
            report: None,
            acknowledged: false,
            refusal_replied: false,
        },
        detail: serde_json::json!({
            "problems": parsed.problems,
            "refused_attachments": parsed.refused,
        }),
        matches: Vec::new(),
        reply: None,
    };

    // Filter rules: every match is logged; the deciding one's action is taken.
    let project_rules = filters::project_rules(&mut *state.db.read().await?, project).await?;
    let mut rules: Vec<mail::Rule> = state.config.mail.rules.clone();
    rules.extend(project_rules.iter().map(|(r, _)| r.clone()));
    let verdicts = mail::evaluate_all(&rules, parsed);
    let decisive = mail::evaluate(&rules, parsed);
    for (i, v) in verdicts.iter().enumerate() {
        let decided = i == 0 && decisive.is_some();
        tracing::info!(
            project = %project.slug,
            message = %inbound_id,
            rule = %v.rule_id,
            scope = v.scope.as_str(),
            action = v.action.as_str(),
            decided,
            "mail filter matched"
        );
        filed.matches.push(FilterMatch {
            scope: v.scope,
            rule_id: v.rule_id.clone(),
            rule_key: (v.scope == mail::Scope::Project)
                .then(|| {
                    project_rules
                        .iter()
                        .find(|(r, _)| r.id == v.rule_id)
                        .map(|(_, key)| *key)
                })
                .flatten(),
            action: v.action,
            matched: v.matched.clone(),
            decided,
        });
    }
    if let Some(verdict) = &decisive {
        filed.detail["filter"] = serde_json::json!({
            "rule": verdict.rule_id,
            "scope": verdict.scope.as_str(),
            "action": verdict.action.as_str(),
            "matched": verdict.matched,
        });
        if verdict.action == mail::Action::Refuse {
            filed.detail["why"] = format!("refused by filter rule {}", verdict.rule_id).into();
            filed.outcome.disposition = Disposition::Refused;
            return Ok(filed);
        }
    }
    let spam = decisive.is_some();

    let ours = OurAddresses::new(our_addresses(state, project));
    let answer_to = match mail::auto_reply_decision(parsed, &ours) {
        AutoReply::Send { to } => Some(to),
        AutoReply::Suppress(why) => {
            filed.detail["auto_reply"] = serde_json::json!(format!("none: {why}"));
            None
        }
    };
    let reasons = parsed.refusal_reasons();
    // Who gets an explanation of what was not accepted (never junk, never automatic mail).
    let mut refusal_to = answer_to.as_ref().filter(|_| !spam && !reasons.is_empty());
    // RFC 3834 §2: not the same sender over and over (nor a responder that ignores
    // `Auto-Submitted` into a loop): one automatic answer a day at most.
    if let Some(to) = refusal_to {
        let now = state.now();
        let since = now
            .checked_sub(jiff::SignedDuration::from_hours(AUTO_REPLY_INTERVAL_HOURS))
            .unwrap_or(now);
        if store::outbox::auto_replies_to(&mut *state.db.read().await?, &to.address, since).await?
            > 0
        {
            filed.detail["auto_reply"] = format!(
                "none: {} had an automatic answer in the last {AUTO_REPLY_INTERVAL_HOURS} hours",
                to.address
            )
            .into();
            refusal_to = None;
        }
    }

    if let Some(refusal) = &parsed.refusal {
        filed.detail["refusal"] = serde_json::json!(refusal.to_string());
        filed.reply =
            refusal_to.map(|to| refusal_email(state, project, parsed, &reasons, to, None));
        filed.outcome.disposition = match refusal {
            // Not read at all: nothing for the maintainers but who sent what, and the
            // sender knows.
            mail::Refusal::TooLarge { .. } => Disposition::Refused,
            _ => Disposition::Unparsed,
        };
        return Ok(filed);
    }
    let Some(sender) = parsed.from.as_ref().filter(|m| m.is_valid()) else {
        filed.detail["why"] = "no valid sender address".into();
        return Ok(filed);
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
                    filed.detail["decrypted"] = true.into();
                    filed.detail["signature"] = signature.to_string().into();
                    offered.extend(inner_keys);
                    (text, signature)
                }
                Err(why) => {
                    // Kept for the maintainers, who may hold another key for it.
                    filed.detail["decryption"] = why.into();
                    filed.outcome.disposition = Disposition::Unparsed;
                    return Ok(filed);
                }
            }
        }
        _ => {
            let signature =
                super::reporter_keys::check_signature(parsed.signature.as_ref(), &candidates);
            if signature != keys::SignatureCheck::Unsigned {
                filed.detail["signature"] = signature.to_string().into();
            }
            (
                with_attachments(&parsed.body.text, &parsed.attachments),
                signature,
            )
        }
    };
    if let Some(record) = super::reporter_keys::signature_record(&signature) {
        let mut tx = state.db.begin().await?;
        store::inbound::set_signature(&mut tx, inbound_id, &record).await?;
        tx.commit().await?;
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

    let answered = match reply {
        // Sent to a report's reply address: that report's thread or nothing — the address
        // says what the message answers, and it must not open a report of its own.
        Some(None) => {
            filed.detail["refusal"] = "reply address unknown or disabled".into();
            return Ok(filed);
        }
        Some(Some(id)) => match store::reports::by_id(&mut *state.db.read().await?, id).await? {
            Some(report) if is_reporter(&report, &sender.address) => Some(report),
            Some(report) => {
                filed.detail["why"] = serde_json::json!(format!(
                    "sent to the reply address of report #{} by someone other than its reporter",
                    report.number
                ));
                return Ok(filed);
            }
            None => {
                filed.detail["refusal"] = "the report of this reply address is gone".into();
                return Ok(filed);
            }
        },
        None => answered_report(state, project, parsed, &sender.address).await?,
    };
    if let Some(report) = answered {
        if text.trim().is_empty() {
            filed.detail["why"] = "an empty reply".into();
            filed.reply =
                refusal_to.map(|to| refusal_email(state, project, parsed, &reasons, to, None));
            if filed.reply.is_some() {
                filed.outcome.disposition = Disposition::Refused;
            }
            return Ok(filed);
        }
        super::report_writes::add_message(
            state,
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
        super::notify::members(
            state,
            project,
            &report,
            domain::notify::NotificationKind::ReporterMessage,
            "",
            None,
        )
        .await;
        filed.reply = refusal_to
            .map(|to| refusal_email(state, project, parsed, &reasons, to, Some(report.number)));
        filed.outcome.disposition = Disposition::Reply;
        filed.outcome.report = Some((report.id, report.number));
        return Ok(filed);
    }

    // Attachments we do not open, and too little text to be a report without them.
    // (Inline images of an HTML body are not counted: nobody attached them on purpose.)
    if !reasons.is_empty() && !spam && nothing_but_attachments(&text) {
        filed.detail["why"] = "nothing but refused attachments".into();
        filed.reply =
            refusal_to.map(|to| refusal_email(state, project, parsed, &reasons, to, None));
        filed.outcome.disposition = Disposition::Refused;
        return Ok(filed);
    }

    let acknowledge = answer_to.is_some() && !spam;
    if spam && answer_to.is_some() {
        filed.detail["acknowledgement"] = "not sent: filtered as spam".into();
    } else if let Some(why) = filed.detail.get("auto_reply").cloned() {
        filed.detail["acknowledgement"] = why;
    }
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
                answer_to
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
    let target = reports::Target::of(state, project.clone()).await?;
    match reports::submit_with(
        state,
        target,
        input,
        Source::Email,
        None,
        acknowledge,
        decisive
            .as_ref()
            .map(|v| format!("mail filter rule {}", v.rule_id))
            .as_deref(),
        first_key
            .as_ref()
            .map(|(armored, source)| (armored.as_str(), *source)),
    )
    .await
    {
        Ok(reports::SubmitOutcome::Created(s) | reports::SubmitOutcome::Replayed(s)) => {
            keep_keys(s.id).await?;
            filed.reply = refusal_to
                .map(|to| refusal_email(state, project, parsed, &reasons, to, Some(s.number)));
            filed.outcome.disposition = Disposition::Report;
            filed.outcome.report = Some((s.id, s.number));
            filed.outcome.acknowledged = acknowledge;
            Ok(filed)
        }
        // Nothing to file (an empty body): kept, not filed — as unreadable when the reading
        // met problems (nesting too deep, an unknown charset), so maintainers look at it.
        Err(ServiceError::Invalid(errors)) => {
            filed.detail["why"] = serde_json::json!(errors.to_string());
            filed.outcome.disposition = if parsed.problems.is_empty() {
                Disposition::Ignored
            } else {
                Disposition::Unparsed
            };
            Ok(filed)
        }
        Err(e) => Err(e),
    }
}

/// The automatic answer to a message of which something was not accepted: what and why
/// (`mail::refusal_text`), quoting the project's policy. `filed` is the number of the
/// report the rest of the message went to, if it was filed.
fn refusal_email(
    state: &AppState,
    project: &Project,
    parsed: &Parsed,
    reasons: &[mail::RefusalReason],
    to: &mail::Mailbox,
    filed: Option<i64>,
) -> NewEmail {
    let mut body = String::from("Hello,\n\n");
    if let Some(number) = filed {
        body.push_str(&format!(
            "the text of your message was filed with report #{number} of {}, but not all of \
             it was accepted.\n\n",
            project.name
        ));
    } else {
        body.push_str(&format!(
            "your message to the security contact of {} was not filed as a report.\n\n",
            project.name
        ));
    }
    body.push_str(&mail::refusal_text(reasons, &policy_excerpt(project)));
    body.push_str(&format!(
        "\nThe whole policy: {}/p/{}/policy\n\n-- \nSent automatically by Embargo for {}\n",
        state.public_url,
        project.slug.as_str(),
        project.name
    ));
    let about = parsed
        .subject
        .as_deref()
        .map(|s| truncate(&mail::one_line(s), 120))
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "your message".to_owned());
    NewEmail {
        id: uuid::Uuid::now_v7(),
        to: to.address.clone(),
        subject: format!("[{}] Not accepted: {about}", project.name),
        body_text: body,
        report: None,
        created_at: state.now(),
        auto_submitted: Some(store::AutoSubmitted::AutoReplied),
    }
}

/// What the project's own policy says about sending reports: the paragraphs of its
/// introduction about e-mail, attachments or plain text; else the rule in general words.
fn policy_excerpt(project: &Project) -> String {
    const WORDS: [&str; 6] = [
        "plain text",
        "plain-text",
        "attach",
        "e-mail",
        "email",
        "pdf",
    ];
    let own: Vec<&str> = project
        .policy
        .introduction
        .as_deref()
        .unwrap_or("")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| {
            let lower = p.to_lowercase();
            !p.is_empty() && WORDS.iter().any(|w| lower.contains(w))
        })
        .collect();
    if own.is_empty() {
        format!(
            "Reports to {} are read as plain text. Describe the issue, the affected version \
             and how to reproduce it in the body of your message; attach scripts, logs or \
             patches as text files.",
            project.name
        )
    } else {
        own.join("\n\n")
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
    let mut c = state.db.read().await?;
    let mut candidate = None;
    for r in &refs {
        if let Some(uuid) = r
            .strip_suffix(OUR_MESSAGE_ID_DOMAIN)
            .and_then(|u| uuid::Uuid::parse_str(u).ok())
            && let Some(email) = store::outbox::by_id(&mut c, uuid).await?
            && email.report_id.is_some()
        {
            candidate = email.report_id;
            break;
        }
    }
    if candidate.is_none() {
        candidate = store::inbound::report_of(&mut c, project.id, &refs).await?;
    }
    drop(c);
    let Some(id) = candidate else {
        return Ok(None);
    };
    let Some(report) = store::reports::by_id(&mut *state.db.read().await?, id).await? else {
        return Ok(None);
    };
    Ok((report.project_id == project.id && is_reporter(&report, sender)).then_some(report))
}

/// Whether `sender` is the report's reporter.
fn is_reporter(report: &domain::report::Report, sender: &str) -> bool {
    report
        .reporter_email
        .as_ref()
        .is_some_and(|e| e.as_str().eq_ignore_ascii_case(sender))
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

/// The messages a report came by and its reporter's replies, oldest first (raw text left
/// out), for whoever may read the report.
pub async fn of_report(state: &AppState, report: ReportId) -> Result<Vec<store::InboundMessage>> {
    Ok(store::inbound::of_report(&mut *state.db.read().await?, report).await?)
}

/// One message of the mail log, with the number of the report it opened or joined.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub message: store::InboundMessage,
    pub report_number: Option<i64>,
}

/// A page of the project's inbound messages (refused and unread ones too), newest first,
/// for its members: one keyset range read of at most `limit + 1` messages, with their
/// reports' numbers joined in the same query. `limit` and `cursor` come as the caller wrote
/// them and are refused naming the field.
pub async fn log(
    state: &AppState,
    user: &domain::account::User,
    slug: &str,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<(Project, super::paging::Page<LogEntry>)> {
    let request = super::paging::PageRequest::parse(limit, cursor)?;
    let (project, _) =
        projects::for_user(state, user, slug, domain::account::Permission::ReadReports).await?;
    let rows = store::inbound::page(
        &mut *state.db.read().await?,
        project.id,
        request.after.as_ref(),
        request.fetch(),
    )
    .await?
    .into_iter()
    .map(|(message, report_number)| LogEntry {
        message,
        report_number,
    })
    .collect();
    let page = request.finish(rows, |e| store::Keyset {
        at: e.message.received_at,
        id: e.message.id,
    });
    Ok((project, page))
}

/// One inbound message exactly as it arrived, for the project's members.
pub async fn raw(
    state: &AppState,
    user: &domain::account::User,
    slug: &str,
    id: uuid::Uuid,
) -> Result<Vec<u8>> {
    let (project, _) =
        projects::for_user(state, user, slug, domain::account::Permission::ReadReports).await?;
    let mut c = state.db.read().await?;
    let message = store::inbound::by_id(&mut c, id)
        .await?
        .filter(|m| m.project == Some(project.id))
        .ok_or(ServiceError::NotFound("message"))?;
    store::inbound::raw(&mut c, message.id)
        .await?
        .ok_or(ServiceError::NotFound("message"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_and_an_attachment_is_no_report_but_a_paragraph_is() {
        assert!(nothing_but_attachments(""));
        assert!(nothing_but_attachments(
            "Please find my report attached.\n\n-- \nPat"
        ));
        assert!(!nothing_but_attachments(
            "The upload handler joins the user's file name to the target directory \
             without normalising it, so ../ escapes it."
        ));
    }

    #[test]
    fn the_header_block_ends_at_the_first_empty_line() {
        assert_eq!(
            header_block(b"From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n\r\nmore"),
            b"From: a@b.example\r\nSubject: x\r\n\r\n"
        );
        assert_eq!(
            header_block(b"From: a@b.example\n\nbody"),
            b"From: a@b.example\n\n"
        );
        let endless = vec![b'A'; mail::limits::MAX_HEADER_BLOCK_BYTES + 10];
        assert_eq!(
            header_block(&endless).len(),
            mail::limits::MAX_HEADER_BLOCK_BYTES
        );
    }

    #[test]
    fn the_policy_is_quoted_by_its_paragraphs_about_mail() {
        let mut project = Project {
            id: domain::ProjectId::new(),
            slug: domain::ProjectSlug::parse("demo").expect("slug"),
            name: "PrintDesk".to_owned(),
            policy: domain::policy::Policy::default(),
            policy_version: 1,
            created_at: jiff::Timestamp::UNIX_EPOCH,
        };
        let general = policy_excerpt(&project);
        assert!(general.starts_with("Reports to PrintDesk are read as plain text."));
        project.policy.introduction = Some(
            "PrintDesk runs on your local network.\n\nBy e-mail, send plain text only; \
             we never open a PDF.\n\nThanks!"
                .to_owned(),
        );
        assert_eq!(
            policy_excerpt(&project),
            "By e-mail, send plain text only; we never open a PDF."
        );
    }
}
