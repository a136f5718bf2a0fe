//! The daily watch of a security.txt a project serves from its own website (the policy's
//! `security_txt_url`): fetch it with RFC 9116's retrieval rules, lint it, and tell the
//! project's maintainers what is news — errors the last check did not have, and `Expires`
//! coming within 30 days (once per date). Checks are claimed in the database, so with
//! several servers on one database each file is checked once a day.

use crate::AppState;
use anyhow::Context;
use domain::{account::ProjectRole, project::Project};
use jiff::{SignedDuration, Timestamp};
use securitytxt::{
    EXPIRY_NOTICE_DAYS, LintOptions, Report, SignatureVerifier, WatchNotice, WatchState,
    openpgp::KeyringVerifier,
};
use std::fmt::Write as _;
use store::{NewEmail, WatchClaim, WatchResult};

/// How often each watched file is checked.
pub const CHECK_EVERY: SignedDuration = SignedDuration::from_hours(24);
/// When a claimed check is tried again if the server checking it stops first.
const RETRY_AFTER: SignedDuration = SignedDuration::from_hours(1);
/// Checks run in one go at most; the rest wait for the worker's next round.
const MAX_PER_ROUND: usize = 50;

/// Checks every watched file that is due; returns how many were checked.
pub async fn run_due(state: &AppState) -> anyhow::Result<usize> {
    let mut client = None;
    let mut checked = 0;
    while checked < MAX_PER_ROUND {
        let now = state.now();
        let retry_at = now.saturating_add(RETRY_AFTER).unwrap_or(now);
        let Some(claim) = state.store.claim_watch(now, retry_at).await? else {
            break;
        };
        let client = match &client {
            Some(c) => c,
            None => client.insert(crate::fetch::http_client()?),
        };
        // One file's trouble must not stop the others; it is retried after RETRY_AFTER.
        if let Err(e) = check(state, client, &claim).await {
            tracing::error!(project = %claim.project, error = %e, "security.txt watch failed");
        }
        checked += 1;
    }
    Ok(checked)
}

/// Fetches, lints and compares one file, then stores the outcome with its e-mails.
async fn check(
    state: &AppState,
    client: &reqwest::Client,
    claim: &WatchClaim,
) -> anyhow::Result<()> {
    let project = state
        .store
        .project_by_id(claim.project)
        .await?
        .context("watched project is gone")?;
    let now = state.now();
    let report = retrieve_and_lint(
        client,
        &claim.url,
        project.policy.openpgp_key.as_deref(),
        now,
    )
    .await?;
    // A state that no longer parses (an older format) is treated as no previous run.
    let previous: Option<WatchState> = claim
        .state
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    let (notice, next) = securitytxt::watch(previous.as_ref(), &report, now, EXPIRY_NOTICE_DAYS);
    let emails = if notice.is_empty() {
        Vec::new()
    } else {
        let (subject, body) = notice_text(&project, &claim.url, &notice, now, &state.public_url);
        recipients(state, &project)
            .await?
            .into_iter()
            .map(|to| NewEmail {
                id: uuid::Uuid::now_v7(),
                to,
                subject: subject.clone(),
                body_text: body.clone(),
                report: None,
                created_at: now,
            })
            .collect()
    };
    let result = WatchResult {
        checked_at: now,
        next_check_at: now.saturating_add(CHECK_EVERY).unwrap_or(now),
        valid: report.is_valid(),
        summary: serde_json::to_string(&report.summary(&claim.url))?,
        state: serde_json::to_string(&next)?,
    };
    let stored = state.store.record_watch(claim, &result, &emails).await?;
    if stored && !emails.is_empty() {
        state.outbox_notify.notify_one();
    }
    tracing::info!(
        project = %project.slug,
        valid = result.valid,
        new_errors = notice.new_errors.len(),
        expires_soon = notice.expires_soon.is_some(),
        "security.txt watch checked"
    );
    Ok(())
}

/// The retrieval does blocking calls into the async client, so it runs on a blocking thread.
async fn retrieve_and_lint(
    client: &reqwest::Client,
    url: &str,
    key: Option<&str>,
    now: Timestamp,
) -> anyhow::Result<Report> {
    let handle = tokio::runtime::Handle::current();
    let (client, url) = (client.clone(), url.to_owned());
    // A key the policy holds but that does not parse was refused when the policy was saved;
    // should one still fail here, the signature is reported unverified rather than failing.
    let verifier = key.and_then(|k| KeyringVerifier::from_bytes(k.as_bytes()).ok());
    tokio::task::spawn_blocking(move || {
        let mut get = |u: &str| handle.block_on(crate::fetch::fetch(&client, u));
        let retrieved = securitytxt::retrieve(&url, &mut get);
        let options = LintOptions {
            verifier: verifier.as_ref().map(|v| v as &dyn SignatureVerifier),
            ..LintOptions::at(now)
        };
        securitytxt::lint_retrieved(&retrieved, &options)
    })
    .await
    .context("security.txt check stopped")
}

/// The project's maintainers; the first administrator when it has none.
async fn recipients(state: &AppState, project: &Project) -> anyhow::Result<Vec<String>> {
    let mut to: Vec<String> = state
        .store
        .project_members(project.id)
        .await?
        .into_iter()
        .filter(|(_, role)| *role == ProjectRole::Maintainer)
        .map(|(user, _)| user.email.as_str().to_owned())
        .collect();
    if to.is_empty()
        && let Some(admin) = state.store.first_admin_email().await?
    {
        to.push(admin);
    }
    Ok(to)
}

/// Subject and plain-text body of the notice.
pub fn notice_text(
    project: &Project,
    url: &str,
    notice: &WatchNotice<'_>,
    now: Timestamp,
    public_url: &str,
) -> (String, String) {
    let errors = notice.new_errors.len();
    let subject = match (errors, notice.expires_soon) {
        (0, Some(at)) => format!(
            "[{}] security.txt expires on {}",
            project.slug,
            at.strftime("%Y-%m-%d")
        ),
        (1, _) => format!("[{}] security.txt has a new error", project.slug),
        (n, _) => format!("[{}] security.txt has {n} new errors", project.slug),
    };
    let mut body = format!(
        "Embargo checked the security.txt that {} serves at\n{url}\non {}.\n",
        project.name,
        now.strftime("%Y-%m-%d %H:%M UTC")
    );
    if errors > 0 {
        body.push_str("\nNew errors since the last check:\n");
        for f in &notice.new_errors {
            let line = f.line.map(|l| format!("line {l}: ")).unwrap_or_default();
            let _ = writeln!(body, "  - {line}{} [{}]", f.message(), f.code.id());
        }
    }
    if let Some(at) = notice.expires_soon {
        let days = (at.as_second() - now.as_second()).div_euclid(86_400);
        let _ = write!(
            body,
            "\nIts Expires date, {}, is {days} day{} away. After it passes, RFC 9116 says \
             the file must no longer be trusted: publish a renewed file before then.\n",
            at.strftime("%Y-%m-%d %H:%M UTC"),
            if days == 1 { "" } else { "s" }
        );
    }
    let _ = write!(
        body,
        "\nEmbargo serves a security.txt for {} that it renews itself, so it never expires:\n\
         {public_url}/p/{}/security.txt\n\
         Serving that file (or redirecting to it) ends these reminders.\n\n\
         The watch is set by security_txt_url in the project's policy.\n",
        project.name, project.slug
    );
    (subject, body)
}
