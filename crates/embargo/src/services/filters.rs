//! Junk-sender filters for inbound mail: the instance's rules (from the configuration) and
//! each project's own (stored, edited by maintainers), how often each matched, and "block
//! this reporter". The rules themselves are the pure `mail` crate's; inbound mail applies
//! them in `services::inbound`.

use super::{Result, ServiceError, projects};
use crate::AppState;
use domain::{
    ReportId,
    account::{Permission, User},
    audit::{NewAuditEvent, user_actor},
    project::Project,
    report::Report,
};
use jiff::Timestamp;
use mail::{Action, MatchKind, Rule, RuleSpec, Scope};
use serde::{Deserialize, Serialize};
use store::{FilterMatchCount, FilterRuleRecord};

/// A project rule as a maintainer writes it (form or JSON).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RuleInput {
    /// Unique in the project: 1–64 ASCII letters, digits, `.`, `_`, `-`.
    pub id: String,
    /// `sender_address`, `sender_domain`, `subject_regex` or `body_regex`.
    #[serde(rename = "match")]
    pub kind: String,
    /// The address, domain or regular expression.
    pub pattern: String,
    /// `spam` (filed in the likely-spam queue, not acknowledged) or `refuse` (kept for the
    /// maintainers, not filed, not answered).
    pub action: String,
    /// Why the rule exists.
    pub note: String,
}

/// A rule with how often it matched the project's mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RuleView {
    pub id: String,
    /// `instance` or `project`.
    pub scope: String,
    #[serde(rename = "match")]
    pub kind: String,
    pub pattern: String,
    pub action: String,
    pub note: String,
    /// The report whose reporter this rule blocks ("block this reporter").
    pub blocked_report: Option<String>,
    /// How many messages to this project it matched.
    pub matches: i64,
    /// When it last matched one.
    pub last_matched_at: Option<String>,
    #[serde(skip)]
    #[schema(ignore)]
    pub last_matched: Option<Timestamp>,
}

/// The rules that apply to a project's mail.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FiltersView {
    /// Set by the instance's administrators (read-only here).
    pub instance: Vec<RuleView>,
    /// The project's own.
    pub project: Vec<RuleView>,
}

/// Checks a maintainer's rule with the `mail` crate; errors name the field.
pub fn check(input: &RuleInput) -> Result<Rule> {
    let mut errors = domain::FieldErrors::default();
    let kind = MatchKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.push(
            "match",
            "must be sender_address, sender_domain, subject_regex or body_regex",
        );
    }
    let action = Action::parse(input.action.trim());
    if action.is_none() {
        errors.push("action", "must be spam or refuse");
    }
    let (Some(kind), Some(action)) = (kind, action) else {
        return Err(ServiceError::Invalid(errors));
    };
    let spec = RuleSpec {
        id: input.id.trim().to_owned(),
        scope: Scope::Project,
        kind,
        pattern: input.pattern.clone(),
        action,
        note: input.note.trim().to_owned(),
    };
    Rule::compile(&spec).map_err(|e| ServiceError::field(e.field, e.message))
}

/// The project's stored rules, compiled. A stored rule that no longer compiles (it was
/// checked when stored) is logged and left out rather than stopping mail.
pub async fn project_rules(
    conn: &mut store::Conn,
    project: &Project,
) -> Result<Vec<(Rule, uuid::Uuid)>> {
    let records = store::filters::rules(conn, project.id).await?;
    Ok(records
        .iter()
        .filter_map(|r| match compile_record(r) {
            Ok(rule) => Some((rule, r.key)),
            Err(e) => {
                tracing::warn!(project = %project.slug, rule = %r.rule_id, error = %e, "stored filter rule skipped");
                None
            }
        })
        .collect())
}

fn compile_record(r: &FilterRuleRecord) -> std::result::Result<Rule, String> {
    Rule::compile(&RuleSpec {
        id: r.rule_id.clone(),
        scope: Scope::Project,
        kind: r.kind,
        pattern: r.pattern.clone(),
        action: r.action,
        note: r.note.clone(),
    })
    .map_err(|e| e.to_string())
}

/// The rules of the instance and of the project, with their match counts.
pub async fn list(state: &AppState, user: &User, slug: &str) -> Result<(Project, FiltersView)> {
    let (project, _) = projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    let view = view(state, &project).await?;
    Ok((project, view))
}

async fn view(state: &AppState, project: &Project) -> Result<FiltersView> {
    let mut c = state.db.read().await?;
    let counts = store::filters::match_counts(&mut c, project.id).await?;
    let count = |pred: &dyn Fn(&FilterMatchCount) -> bool| {
        counts.iter().filter(|c| pred(c)).fold(
            (0, None),
            |(n, last): (i64, Option<Timestamp>), c| {
                (
                    n + c.matches,
                    Some(last.map_or(c.last_matched_at, |l| l.max(c.last_matched_at))),
                )
            },
        )
    };
    let instance = state
        .config
        .mail
        .rules
        .iter()
        .map(|rule| {
            let (matches, last) = count(&|c| c.scope == Scope::Instance && c.rule_id == rule.id);
            let spec = rule.spec();
            RuleView {
                id: spec.id,
                scope: Scope::Instance.as_str().into(),
                kind: spec.kind.as_str().into(),
                pattern: spec.pattern,
                action: spec.action.as_str().into(),
                note: spec.note,
                blocked_report: None,
                matches,
                last_matched_at: last.map(|t| t.to_string()),
                last_matched: last,
            }
        })
        .collect();
    let project_rules = store::filters::rules(&mut c, project.id)
        .await?
        .into_iter()
        .map(|r| {
            let (matches, last) = count(&|c| c.rule_key == Some(r.key));
            RuleView {
                id: r.rule_id,
                scope: Scope::Project.as_str().into(),
                kind: r.kind.as_str().into(),
                pattern: r.pattern,
                action: r.action.as_str().into(),
                note: r.note,
                blocked_report: r.blocked_report.map(|b| b.to_string()),
                matches,
                last_matched_at: last.map(|t| t.to_string()),
                last_matched: last,
            }
        })
        .collect();
    Ok(FiltersView {
        instance,
        project: project_rules,
    })
}

/// Adds a project rule (audited as `mail_filter.create`).
pub async fn add(state: &AppState, user: &User, slug: &str, input: &RuleInput) -> Result<RuleView> {
    let (project, _) = projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    let rule = check(input)?;
    let record = store_rule(
        state,
        &project,
        &rule,
        None,
        Some(user),
        "mail_filter.create",
    )
    .await?;
    tracing::info!(project = %project.slug, rule = %record.rule_id, "mail filter rule added");
    Ok(RuleView {
        id: record.rule_id,
        scope: Scope::Project.as_str().into(),
        kind: record.kind.as_str().into(),
        pattern: record.pattern,
        action: record.action.as_str().into(),
        note: record.note,
        blocked_report: None,
        matches: 0,
        last_matched_at: None,
        last_matched: None,
    })
}

async fn store_rule(
    state: &AppState,
    project: &Project,
    rule: &Rule,
    blocked_report: Option<&Report>,
    by: Option<&User>,
    action: &str,
) -> Result<FilterRuleRecord> {
    let spec = rule.spec();
    let now = state.now();
    let record = FilterRuleRecord {
        key: uuid::Uuid::now_v7(),
        project: project.id,
        rule_id: spec.id.clone(),
        kind: spec.kind,
        pattern: spec.pattern.clone(),
        action: spec.action,
        note: spec.note.clone(),
        blocked_report: blocked_report.map(|r| r.id),
        created_by: by.map(|u| u.id),
        created_at: now,
    };
    let mut data = serde_json::json!({
        "rule": spec.id,
        "match": spec.kind.as_str(),
        "pattern": spec.pattern,
        "action": spec.action.as_str(),
    });
    if let Some(report) = blocked_report {
        data["report"] = report.id.to_string().into();
    }
    let mut tx = state.db.begin().await?;
    store::filters::insert_rule(&mut tx, &record)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => {
                ServiceError::field("id", "is already the id of another rule of this project")
            }
            other => other.into(),
        })?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: by.map_or_else(
                || domain::audit::SYSTEM_ACTOR.to_owned(),
                |u| user_actor(u.id),
            ),
            action: action.to_owned(),
            subject: format!("project:{}", project.id),
            data,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// Deletes a project rule (audited as `mail_filter.delete`); its match log stays.
pub async fn remove(state: &AppState, user: &User, slug: &str, rule_id: &str) -> Result<()> {
    let (project, _) = projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    delete_rule(state, &project, rule_id, user, "mail_filter.delete", None).await?;
    tracing::info!(project = %project.slug, rule = %rule_id, "mail filter rule deleted");
    Ok(())
}

async fn delete_rule(
    state: &AppState,
    project: &Project,
    rule_id: &str,
    user: &User,
    action: &str,
    report: Option<ReportId>,
) -> Result<FilterRuleRecord> {
    let mut data = serde_json::json!({ "rule": rule_id });
    if let Some(report) = report {
        data["report"] = report.to_string().into();
    }
    let mut tx = state.db.begin().await?;
    let rule = store::filters::rule(&mut tx, project.id, rule_id)
        .await?
        .ok_or(ServiceError::NotFound("rule"))?;
    store::filters::delete_rule(&mut tx, rule.key).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: state.now(),
            actor: user_actor(user.id),
            action: action.to_owned(),
            subject: format!("project:{}", project.id),
            data,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(rule)
}

/// Whether a report's reporter is blocked, and by which rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BlockStatus {
    /// The project rule refusing the reporter's address, if any.
    pub rule: Option<String>,
    /// Whether the report's tracking link was disabled.
    pub tracking_disabled: bool,
}

async fn report_for_maintainer(
    state: &AppState,
    user: &User,
    id: ReportId,
) -> Result<(Project, Report)> {
    // Whoever may not see the report learns nothing (404); whoever sees it without the
    // right to change the project's rules (a triager, a collaborator) is refused (403).
    let view = super::reports::for_user(state, user, id).await?;
    let role = super::reports::user_role(state, user, &view.report)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    if !role.allows(Permission::EditPolicy) {
        return Err(ServiceError::Forbidden);
    }
    Ok((view.project, view.report))
}

/// The refuse rule for this address among the project's rules.
fn block_rule<'a>(rules: &'a [FilterRuleRecord], address: &str) -> Option<&'a FilterRuleRecord> {
    rules.iter().find(|r| {
        r.kind == MatchKind::SenderAddress
            && r.action == Action::Refuse
            && r.pattern.eq_ignore_ascii_case(address)
    })
}

/// Whether the report's reporter is blocked.
pub async fn block_status(state: &AppState, report: &Report) -> Result<BlockStatus> {
    let mut c = state.db.read().await?;
    let rules = store::filters::rules(&mut c, report.project_id).await?;
    let rule = report
        .reporter_email
        .as_ref()
        .and_then(|e| block_rule(&rules, e.as_str()))
        .map(|r| r.rule_id.clone());
    Ok(BlockStatus {
        rule,
        tracking_disabled: store::filters::tracking_disabled_at(&mut c, report.id)
            .await?
            .is_some(),
    })
}

/// "Block this reporter": a project rule refusing the reporter's address (audited as
/// `reporter.block`), then every token the reporter holds for the report is disabled.
/// Blocking again is harmless.
pub async fn block(state: &AppState, user: &User, id: ReportId) -> Result<BlockStatus> {
    let (project, report) = report_for_maintainer(state, user, id).await?;
    let Some(address) = report
        .reporter_email
        .as_ref()
        .map(|e| e.as_str().to_owned())
    else {
        return Err(ServiceError::conflict(
            "no_reporter_address",
            "the report has no reporter address to block",
        ));
    };
    let rules = store::filters::rules(&mut *state.db.read().await?, project.id).await?;
    if block_rule(&rules, &address).is_none() {
        let spec = RuleSpec {
            id: free_rule_id(&rules, &format!("block-report-{}", report.number)),
            scope: Scope::Project,
            kind: MatchKind::SenderAddress,
            pattern: address.clone(),
            action: Action::Refuse,
            note: format!(
                "Blocked from report #{} by {}",
                report.number,
                user.email.as_str()
            ),
        };
        let rule = Rule::compile(&spec).map_err(|e| {
            ServiceError::conflict(
                "unblockable_address",
                format!("the reporter's address cannot be blocked: {}", e.message),
            )
        })?;
        store_rule(
            state,
            &project,
            &rule,
            Some(&report),
            Some(user),
            "reporter.block",
        )
        .await?;
    }
    revoke_reporter_tokens(state, &report).await?;
    tracing::info!(project = %project.slug, report = %report.id, "reporter blocked");
    block_status(state, &report).await
}

/// A rule id based on `base` that the project does not use yet.
fn free_rule_id(rules: &[FilterRuleRecord], base: &str) -> String {
    let taken = |id: &str| rules.iter().any(|r| r.rule_id == id);
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or_else(|| format!("{base}-{}", uuid::Uuid::now_v7().simple()))
}

/// The single place where a blocked reporter loses every way back into the report's
/// thread: the report's tracking token and its reply address (`security+TOKEN@…`, never
/// issued again for the report). Idempotent.
pub async fn revoke_reporter_tokens(state: &AppState, report: &Report) -> Result<()> {
    let mut tx = state.db.begin().await?;
    store::filters::disable_tracking_token(&mut tx, report.id, state.now()).await?;
    store::reply_tokens::disable(&mut tx, report.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the rule that blocks the report's reporter (audited as `reporter.unblock`).
/// Their tracking link stays disabled. Unblocking a reporter who is not blocked changes
/// nothing (a repeated `DELETE` is not an error).
pub async fn unblock(state: &AppState, user: &User, id: ReportId) -> Result<BlockStatus> {
    let (project, report) = report_for_maintainer(state, user, id).await?;
    let rules = store::filters::rules(&mut *state.db.read().await?, project.id).await?;
    let Some(rule) = report
        .reporter_email
        .as_ref()
        .and_then(|e| block_rule(&rules, e.as_str()))
    else {
        return block_status(state, &report).await;
    };
    delete_rule(
        state,
        &project,
        &rule.rule_id,
        user,
        "reporter.unblock",
        Some(report.id),
    )
    .await?;
    tracing::info!(project = %project.slug, report = %report.id, "reporter unblocked");
    block_status(state, &report).await
}
