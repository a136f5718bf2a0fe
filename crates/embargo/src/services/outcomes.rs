//! What a closed report leaves behind: the link from a duplicate to the report it
//! duplicates (and the credit its reporter is offered on the original), and the public bug
//! text of a report assessed as not a vulnerability.

use super::{Result, ServiceError, reports};
use crate::AppState;
use domain::{
    ReportId,
    account::{Permission, User},
    report::Report,
};
use serde::Serialize;

/// A report's duplicate links as one caller may see them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DuplicateLinks {
    /// The number of the report this one duplicates (same project).
    pub duplicate_of: Option<i64>,
    /// The reports closed as duplicates of this one, with the credit their reporters chose:
    /// for the project's maintainers only (empty for the reporter).
    pub duplicates: Vec<DuplicateEntry>,
}

/// One report closed as a duplicate of another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DuplicateEntry {
    pub number: i64,
    pub title: String,
    /// The name or handle its reporter asked to be credited as; `None` for no credit.
    pub credit: Option<String>,
}

/// The links of `report`; `internal` adds the duplicates of it (maintainers' view).
pub async fn links(state: &AppState, report: &Report, internal: bool) -> Result<DuplicateLinks> {
    let original = store::reports::duplicate_of(&mut *state.db.read().await?, report.id).await?;
    let duplicate_of = match original {
        Some(original) => store::reports::by_id(&mut *state.db.read().await?, original)
            .await?
            .filter(|o| o.project_id == report.project_id)
            .map(|o| o.number),
        None => None,
    };
    let duplicates = if internal {
        store::reports::duplicates_of(&mut *state.db.read().await?, report.id)
            .await?
            .into_iter()
            .filter(|d| d.project_id == report.project_id)
            .map(|d| DuplicateEntry {
                number: d.number,
                credit: credit_name(&d),
                title: d.title,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(DuplicateLinks {
        duplicate_of,
        duplicates,
    })
}

/// The name a report's reporter chose to be credited under, if any.
fn credit_name(report: &Report) -> Option<String> {
    super::advisories::credit_choice(report)
        .and_then(|c| c.to_credit(advisory::CreditType::Finder))
        .map(|c| c.name)
}

/// Credits for an advisory made from `original`: its duplicates' reporters who chose to be
/// credited, as finders, each name once and never one already credited.
pub async fn duplicate_credits(
    state: &AppState,
    original: ReportId,
    already: &[advisory::Credit],
) -> Result<Vec<advisory::Credit>> {
    let mut credits: Vec<advisory::Credit> = Vec::new();
    let duplicates = store::reports::duplicates_of(&mut *state.db.read().await?, original).await?;
    for d in duplicates {
        let Some(credit) = super::advisories::credit_choice(&d)
            .and_then(|c| c.to_credit(advisory::CreditType::Finder))
        else {
            continue;
        };
        let known = |c: &advisory::Credit| c.name.eq_ignore_ascii_case(&credit.name);
        if !already.iter().any(known) && !credits.iter().any(known) {
            credits.push(credit);
        }
    }
    Ok(credits)
}

/// Longest assessment the maintainers may add to a public bug text.
pub const MAX_ASSESSMENT: usize = 16 * 1024;

/// The public bug text (Markdown) of a report closed as not a vulnerability or out of scope,
/// for the maintainers to file as a regular bug. Exporting is a disclosure: it needs the
/// `Disclose` permission and is recorded in the audit log (with the assessment's size, not
/// its text). `non_qualifying` names the policy's class to quote for out-of-scope reports.
pub async fn public_bug(
    state: &AppState,
    user: &User,
    id: ReportId,
    assessment: &str,
    non_qualifying: Option<&str>,
) -> Result<String> {
    use domain::audit;
    let view = reports::for_user(state, user, id).await?;
    let role = store::members::role(&mut *state.db.read().await?, view.project.id, user.id).await?;
    if !domain::account::allowed(user.is_admin, role, Permission::Disclose) {
        return Err(ServiceError::Forbidden);
    }
    if assessment.len() > MAX_ASSESSMENT {
        return Err(ServiceError::field(
            "assessment",
            format!("is longer than {MAX_ASSESSMENT} bytes"),
        ));
    }
    let class = match non_qualifying.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(wanted) => Some(
            view.project
                .policy
                .non_qualifying
                .iter()
                .find(|c| c.id == wanted)
                .ok_or_else(|| {
                    ServiceError::field("non_qualifying", "is not a class of the project's policy")
                })?,
        ),
    };
    let text =
        domain::replies::public_bug_text(&view.report, &view.project.name, assessment, class)
            .map_err(|e| ServiceError::conflict("not_public_bug", e.message.clone()))?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::audit::append(
        &mut tx,
        audit::NewAuditEvent {
            at: now,
            actor: audit::user_actor(user.id),
            action: "report.export_public_bug".into(),
            subject: audit::report_subject(id),
            data: serde_json::json!({
                "resolution": view.report.resolution.map(|r| r.as_str()),
                "non_qualifying": class.map(|c| c.id.clone()),
                "assessment_bytes": assessment.len(),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(text)
}
