//! Deadline reminders: before each of a report's due dates (the policy's lead time, counted
//! in business hours for clocks counted in business days) and when it passes, every
//! maintainer of the project who has not turned reminders off gets an e-mail through the
//! outbox. Each reminder is recorded under its (report, clock, kind, due date) key in the
//! same transaction as its e-mails, so it goes out once however many servers run the pass;
//! an extension moves the due date and so makes new reminders. A breach found more than a
//! week late (after an upgrade or a long outage) is recorded without e-mail.

use crate::AppState;
use domain::{
    account::ProjectRole, calendar::MAX_REMINDER_HOURS, notify::NotificationKind, project::Project,
    reminders::ReminderPlan,
};
use jiff::{SignedDuration, Timestamp};
use store::NewEmail;

/// Reports looked at per project and pass; the rest wait for the next pass.
const MAX_PER_PROJECT: i64 = 200;

/// Sends the reminders due now; returns how many reminders were recorded.
pub async fn run_due(state: &AppState) -> anyhow::Result<usize> {
    let now = state.now();
    let mut sent = 0;
    for project in state.store.list_projects().await? {
        // One project's trouble must not stop the others.
        match run_project(state, &project, now).await {
            Ok(n) => sent += n,
            Err(e) => {
                tracing::error!(project = %project.slug, error = %e, "reminders failed");
            }
        }
    }
    if sent > 0 {
        state.outbox_notify.notify_one();
    }
    tracing::debug!(now = %now, sent, "reminder pass done");
    Ok(sent)
}

/// The latest due date whose early reminder is due at `now`.
fn horizon(plan: &ReminderPlan<'_>, now: Timestamp) -> Timestamp {
    let hours = i64::from(plan.lead.hours_before.min(MAX_REMINDER_HOURS));
    let plain = now
        .saturating_add(SignedDuration::from_hours(hours))
        .unwrap_or(Timestamp::MAX);
    match &plan.business {
        Some(calendar) => {
            domain::reminders::business_time_after(calendar, now, SignedDuration::from_hours(hours))
                .max(plain)
        }
        None => plain,
    }
}

async fn run_project(state: &AppState, project: &Project, now: Timestamp) -> anyhow::Result<usize> {
    let plan = ReminderPlan::for_targets(&project.policy.targets);
    let reports = state
        .store
        .reminder_candidates(project.id, horizon(&plan, now), MAX_PER_PROJECT)
        .await?;
    if reports.is_empty() {
        return Ok(0);
    }
    let recipients = recipients(state, project).await?;
    let mut sent = 0;
    for report in reports {
        let already = state.store.sent_reminders(report.id).await?;
        for key in plan.due_reminders(&report.sla, report.state, now, &already) {
            let url = format!(
                "{}/inbox/{}/reports/{}",
                state.public_url, project.slug, report.number
            );
            let (subject, body) = domain::reminders::reminder_text(
                &project.name,
                report.number,
                &report.title,
                &key,
                now,
                &url,
            );
            let stale = domain::reminders::is_stale(&key, now);
            let emails: Vec<NewEmail> = recipients
                .iter()
                .filter(|_| !stale)
                .map(|to| NewEmail {
                    id: uuid::Uuid::now_v7(),
                    to: to.clone(),
                    subject: subject.clone(),
                    body_text: body.clone(),
                    report: Some(report.id),
                    created_at: now,
                })
                .collect();
            if state
                .store
                .record_reminder(report.id, &key, now, &emails)
                .await?
            {
                sent += 1;
                tracing::info!(
                    project = %project.slug,
                    report = report.number,
                    clock = key.clock.as_str(),
                    kind = key.kind.as_str(),
                    recipients = emails.len(),
                    stale,
                    at = %now,
                    "deadline reminder sent"
                );
            }
        }
    }
    Ok(sent)
}

/// The project's maintainers who want reminders. A project without any maintainer reminds
/// the first administrator, so a deadline never passes unannounced.
async fn recipients(state: &AppState, project: &Project) -> anyhow::Result<Vec<String>> {
    let maintainers: Vec<_> = state
        .store
        .members_with_prefs(project.id)
        .await?
        .into_iter()
        .filter(|(_, role, _)| *role == ProjectRole::Maintainer)
        .collect();
    if maintainers.is_empty() {
        return Ok(state.store.first_admin_email().await?.into_iter().collect());
    }
    Ok(maintainers
        .into_iter()
        .filter(|(_, _, prefs)| prefs.allows(NotificationKind::Reminders))
        .map(|(user, _, _)| user.email.as_str().to_owned())
        .collect())
}
