//! Junk costs nobody's attention. Every report filed gets a hold (`store::holds`): its
//! receipt (when the policy holds receipts) and the members' "new report" e-mail wait for
//! the triage, which releases them unless it labels the report beg bounty or spam-like
//! (then they stay held until a person decides). A sender a project's filter rule or the
//! instance's ban list names is filed as `blocked`: stored and visible, never answered.
//! A person's decision releases a hold (acknowledging or any other move, or "send
//! receipt") or drops it (closing as spam). A triage that fails for good releases it: a
//! real reporter must not go unanswered because of our bug.

use super::{Result, ServiceError};
use crate::AppState;
use domain::{
    ReportId,
    account::{Permission, User},
    audit::{self, NewAuditEvent},
    notify::NotificationKind,
    project::Project,
};
use store::holds::{Hold, HoldStatus};
use triage::Label;

/// Whether the triage's label marks a report as junk.
pub fn is_junk_label(label: Label) -> bool {
    matches!(label, Label::BegBounty | Label::AiSlop)
}

/// What intake learns about a sender before filing: the project's sender rules (for the
/// web form and the API; mail applied them already) and the instance's bans (every channel).
#[derive(Debug, Default)]
pub struct Screening {
    /// Why the submission is filed as junk, if it is.
    pub blocked: Option<String>,
    /// The bans that matched (their counts rise with the report).
    pub bans: Vec<uuid::Uuid>,
}

/// Screens a sender for `project`: `address` and `name` as given; `project_rules` only for
/// channels whose mail filters did not run.
pub async fn screen(
    conn: &mut store::Conn,
    project: &Project,
    address: Option<&str>,
    name: Option<&str>,
    project_rules: bool,
) -> Result<Screening> {
    let mut screening = Screening::default();
    let bans = super::bans::matching(conn, address, name).await?;
    if let Some((_, why)) = bans.first() {
        screening.blocked = Some(why.clone());
    }
    screening.bans = bans.into_iter().map(|(id, _)| id).collect();
    if project_rules
        && screening.blocked.is_none()
        && let Some(address) = address
    {
        let rules = super::filters::project_rules(conn, project).await?;
        if let Some((rule, _)) = rules.iter().find(|(r, _)| r.matches_address(address)) {
            screening.blocked = Some(format!("project filter rule {}", rule.id));
        }
    }
    Ok(screening)
}

/// After a triage: release what the report's hold keeps back unless the label is junk, in
/// which case it stays held (audited once, as `report.hold`).
pub async fn after_triage(state: &AppState, id: ReportId, label: Label) -> Result<()> {
    let Some(hold) = store::holds::of_report(&mut *state.db.read().await?, id).await? else {
        return Ok(());
    };
    match (hold.status, is_junk_label(label)) {
        (HoldStatus::Pending, true) => {
            let now = state.now();
            let mut tx = state.db.begin().await?;
            let moved = store::holds::decide(
                &mut tx,
                id,
                HoldStatus::Pending,
                HoldStatus::Held,
                Some(label.as_str()),
                "triage",
                now,
            )
            .await?;
            if moved {
                store::audit::append(
                    &mut tx,
                    NewAuditEvent {
                        at: now,
                        actor: audit::SYSTEM_ACTOR.to_owned(),
                        action: "report.hold".into(),
                        subject: audit::report_subject(id),
                        data: serde_json::json!({ "label": label.as_str(), "receipt": hold.receipt.is_some() && !hold.receipt_sent }),
                    },
                )
                .await?;
            }
            tx.commit().await?;
            tracing::info!(report = %id, label = label.as_str(), "junk held: no receipt, no notification");
        }
        (HoldStatus::Pending | HoldStatus::Held, false) => {
            release(state, &hold, "triage", None, false).await?;
        }
        _ => {}
    }
    Ok(())
}

/// The triage of a report failed for good: release what its hold keeps back.
pub async fn triage_failed(state: &AppState, id: ReportId) -> Result<()> {
    let Some(hold) = store::holds::of_report(&mut *state.db.read().await?, id).await? else {
        return Ok(());
    };
    if hold.status == HoldStatus::Pending {
        release(state, &hold, "system", None, false).await?;
    }
    Ok(())
}

/// Releases a hold from the status it was read in: queues the receipt kept back (if any),
/// audits `report.release` unless routine (`explicit`: a person asked for exactly this),
/// then tells the members of the new report (all but `by_user`).
/// `false` when someone decided first.
async fn release(
    state: &AppState,
    hold: &Hold,
    by: &str,
    by_user: Option<&User>,
    explicit: bool,
) -> Result<bool> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let moved = store::holds::decide(
        &mut tx,
        hold.report,
        hold.status,
        HoldStatus::Released,
        None,
        by,
        now,
    )
    .await?;
    if !moved {
        return Ok(false);
    }
    let receipt = hold.receipt.as_ref().filter(|_| !hold.receipt_sent);
    if let Some(receipt) = receipt {
        let mut email = receipt.clone();
        email.created_at = now;
        store::outbox::queue(&mut tx, &email).await?;
    }
    // A report waiting for its triage let through by the triage or by a person's move
    // (audited itself) is the normal course; a held or blocked report let through, "Send
    // receipt" and a failed triage are audited.
    if hold.status != HoldStatus::Pending || by == "system" || explicit {
        store::audit::append(
            &mut tx,
            NewAuditEvent {
                at: now,
                actor: by_user.map_or_else(|| audit::SYSTEM_ACTOR.to_owned(), |u| audit::user_actor(u.id)),
                action: "report.release".into(),
                subject: audit::report_subject(hold.report),
                data: serde_json::json!({ "from": hold.status.as_str(), "by": by, "receipt": receipt.is_some() }),
            },
        )
        .await?;
    }
    let report = store::reports::by_id(&mut tx, hold.report)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    tx.commit().await?;
    state.outbox_notify.notify_one();
    tracing::info!(report = %hold.report, by, receipt = receipt.is_some(), "report released");
    if let Some(project) =
        store::projects::by_id(&mut *state.db.read().await?, report.project_id).await?
    {
        super::notify::members(
            state,
            &project,
            &report,
            NotificationKind::NewReport,
            "",
            by_user.map(|u| u.id),
        )
        .await;
    }
    Ok(true)
}

/// A person moved the report (`closed_as_spam` when to `closed` as spam): closing as spam
/// drops what its hold keeps back, any other move releases it. Runs after the move is
/// stored; a failure is logged and does not undo it.
pub async fn after_transition(state: &AppState, user: &User, id: ReportId, closed_as_spam: bool) {
    let done = async {
        let Some(hold) = store::holds::of_report(&mut *state.db.read().await?, id).await? else {
            return Ok::<_, ServiceError>(());
        };
        if !hold.status.is_open() {
            return Ok(());
        }
        let by = audit::user_actor(user.id);
        if closed_as_spam {
            let mut tx = state.db.begin().await?;
            if store::holds::decide(
                &mut tx,
                id,
                hold.status,
                HoldStatus::Dropped,
                None,
                &by,
                state.now(),
            )
            .await?
            {
                tx.commit().await?;
                tracing::info!(report = %id, "closed as spam: receipt dropped");
            }
        } else {
            release(state, &hold, &by, Some(user), false).await?;
        }
        Ok(())
    };
    if let Err(e) = done.await {
        tracing::error!(report = %id, error = %e, "cannot settle the report's hold");
    }
}

/// "Send receipt": a person decides a held report is not junk. 409 when nothing is held.
pub async fn send_receipt(state: &AppState, user: &User, id: ReportId) -> Result<HoldView> {
    let view = super::reports::for_user(state, user, id).await?;
    let role = store::members::role(&mut *state.db.read().await?, view.project.id, user.id).await?;
    if !domain::account::allowed(user.is_admin, role, Permission::ActOnReports) {
        return Err(ServiceError::Forbidden);
    }
    let hold = store::holds::of_report(&mut *state.db.read().await?, id)
        .await?
        .filter(|h| h.status.is_open())
        .ok_or_else(|| {
            ServiceError::conflict("not_held", "nothing is held back for this report")
        })?;
    if !release(state, &hold, &audit::user_actor(user.id), Some(user), true).await? {
        return Err(ServiceError::conflict(
            "not_held",
            "someone decided on this report meanwhile",
        ));
    }
    Ok(status(state, id).await?.unwrap_or_default())
}

/// What a report's hold says, for its page and the API.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct HoldView {
    /// `pending` (waiting for the triage), `held` (labelled junk), `blocked` (a filter rule
    /// or ban matched), `released`, `dropped` (closed as spam), or `none`.
    pub status: String,
    /// Why it is held (the triage's label, the rule or ban).
    pub reason: Option<String>,
    /// Whether a receipt is still kept back from the reporter.
    pub receipt_held: bool,
    /// Junk nobody decided on yet: the report's clocks stand still.
    pub clocks_stopped: bool,
}

/// The report's hold as shown; `None` for reports filed before holds existed.
pub async fn status(state: &AppState, id: ReportId) -> Result<Option<HoldView>> {
    Ok(store::holds::of_report(&mut *state.db.read().await?, id)
        .await?
        .map(|h| HoldView {
            status: h.status.as_str().to_owned(),
            reason: h.reason.clone(),
            receipt_held: h.status.is_open() && h.receipt.is_some() && !h.receipt_sent,
            clocks_stopped: h.status.is_junk(),
        }))
}
