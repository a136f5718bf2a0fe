//! The advisory lifecycle: create (from a report or from scratch), edit, publish now or
//! at a chosen time, withdraw.

use crate::AppState;
use crate::jobs::publish_advisory::PublishAdvisory;
use crate::services::{
    Result, ServiceError, projects,
    reports::{self, Caller},
};
use advisory::{Advisory, CreditChoice, Format, ReportSeed, Status};
use domain::{
    FieldError, FieldErrors, ReportId,
    account::{Permission, User, allowed},
    audit,
    project::Project,
    report::{CreditMode, State},
};
use jiff::Timestamp;
use serde_json::Value;
use store::{AdvisoryRecord, NewJob};

use super::{
    MAX_ADVISORY_JSON, MAX_REASON, conflict_on_stale, event, for_user, insert_record, update_record,
};

/// Fields only the lifecycle changes (publish, withdraw), never an edit.
const LIFECYCLE_FIELDS: [&str; 3] = ["status", "published", "withdrawn"];

/// What a new advisory starts from.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdvisory {
    /// The advisory's id; default `x_<slug>-<year>-<n>`. CVE and GHSA ids must match their
    /// syntax, anything else must be an OSV id (a registered prefix or `x_…`).
    #[serde(default)]
    pub id: Option<String>,
    /// The accepted report to prefill from: its number in the project, or its id.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub report: Option<Value>,
    /// The affected package when prefilling from a report (default: a product named after
    /// the project).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub package: Option<advisory::Package>,
    /// Fields of the advisory model to start with (merged over the prefilled ones).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub advisory: Option<Value>,
}

/// The reporter's credit choice as the advisory crate takes it.
pub fn credit_choice(report: &domain::report::Report) -> Option<CreditChoice> {
    let name = report.credit_as.clone().filter(|c| !c.trim().is_empty());
    Some(match (report.credit_mode, name) {
        (Some(CreditMode::Anonymous), _) | (_, None) => CreditChoice::Anonymous,
        (Some(CreditMode::Handle), Some(n)) => CreditChoice::Handle(n),
        (_, Some(n)) => CreditChoice::Name(n),
    })
}

async fn report_of_project(
    state: &AppState,
    project: &Project,
    reference: &Value,
) -> Result<domain::report::Report> {
    let report = match reference {
        Value::Number(n) => {
            let n = n
                .as_i64()
                .ok_or_else(|| ServiceError::field("report", "is not a report number"))?;
            store::reports::by_number(&mut *state.db.read().await?, project.id, n).await?
        }
        Value::String(s) => match s.parse::<uuid::Uuid>() {
            Ok(id) => store::reports::by_id(&mut *state.db.read().await?, ReportId(id)).await?,
            Err(_) => match s.trim_start_matches('#').parse::<i64>() {
                Ok(n) => {
                    store::reports::by_number(&mut *state.db.read().await?, project.id, n).await?
                }
                Err(_) => None,
            },
        },
        _ => {
            return Err(ServiceError::field(
                "report",
                "must be a report number or id",
            ));
        }
    };
    report
        .filter(|r| r.project_id == project.id)
        .ok_or_else(|| ServiceError::field("report", "no such report in this project"))
}

/// The next free `x_<slug>-<year>-<nnnn>` id of a project.
async fn next_id(state: &AppState, project: &Project, now: Timestamp) -> Result<String> {
    let year = now.to_zoned(jiff::tz::TimeZone::UTC).year();
    let prefix = format!("x_{}-{year}-", project.slug.as_str());
    let highest =
        store::advisories::ids_with_prefix(&mut *state.db.read().await?, project.id, &prefix)
            .await?
            .iter()
            .filter_map(|id| id.strip_prefix(&prefix)?.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
    Ok(format!("{prefix}{:04}", highest + 1))
}

/// RFC 7396 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(serde_json::Map::new());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Reads the model from JSON, naming the path of the first problem.
fn parse_model(value: Value) -> Result<Advisory> {
    let text_len = value.to_string().len();
    if text_len > MAX_ADVISORY_JSON {
        return Err(ServiceError::field(
            "advisory",
            format!("is larger than {MAX_ADVISORY_JSON} bytes"),
        ));
    }
    let advisory: Advisory = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "advisory".to_owned()
        } else {
            format!("advisory.{path}")
        };
        ServiceError::field(&field, e.inner().to_string())
    })?;
    check_model(&advisory)?;
    Ok(advisory)
}

/// Rules every stored advisory keeps: a well-formed id, one-line summary.
pub(super) fn check_model(a: &Advisory) -> Result<()> {
    let mut errors = FieldErrors::default();
    if !advisory::ids::is_well_formed_id(&a.id) {
        errors.push(
            "advisory.id",
            "must be a CVE or GHSA id, or an OSV id (a registered prefix or x_…)",
        );
    }
    if a.summary.chars().any(char::is_control) {
        errors.push("advisory.summary", "must be one line");
    }
    if a.summary.len() > 500 {
        errors.push("advisory.summary", "is longer than 500 bytes");
    }
    for (i, alias) in a.aliases.iter().enumerate() {
        if !advisory::ids::is_well_formed_id(alias) {
            errors.push(format!("advisory.aliases[{i}]"), "is not a well-formed id");
        }
    }
    Ok(errors.into_result(())?)
}

/// Creates a draft: prefilled from an accepted report (title, description, affected
/// version, CVSS vector, the reporter's chosen credit) or from scratch.
pub async fn create(
    state: &AppState,
    user: &User,
    slug: &str,
    new: NewAdvisory,
) -> Result<AdvisoryRecord> {
    let (project, _) = projects::for_user(state, user, slug, Permission::ActOnReports).await?;
    let now = state.now();
    let id = match new.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => id.to_owned(),
        None => next_id(state, &project, now).await?,
    };
    let (report_id, mut draft) = match &new.report {
        None | Some(Value::Null) => (None, Advisory::new(id.clone(), now)),
        Some(reference) => {
            let report = report_of_project(state, &project, reference).await?;
            if !matches!(
                report.state,
                State::Accepted | State::Fixing | State::Fixed | State::Disclosed
            ) {
                return Err(ServiceError::conflict(
                    "report_not_accepted",
                    format!(
                        "report #{} is {}; an advisory is made from an accepted report",
                        report.number,
                        report.state.label()
                    ),
                ));
            }
            // The current score: the latest maintainer rescoring, else the reporter's vector.
            let rescored = store::scores::of_report(&mut *state.db.read().await?, report.id)
                .await?
                .pop()
                .map(|s| s.vector);
            let seed = ReportSeed {
                title: report.title.clone(),
                description: report.description.clone(),
                package: Some(new.package.clone().unwrap_or_else(|| advisory::Package {
                    name: project.name.clone(),
                    ..advisory::Package::default()
                })),
                affected_version: report.affected_version.clone(),
                cvss_vector: rescored.or_else(|| report.cvss_vector.clone()),
                credit: credit_choice(&report),
            };
            let mut a = Advisory::from_report(id.clone(), &seed, now)
                .map_err(|e| ServiceError::field("report.cvss_vector", e.to_string()))?;
            // Reporters of its duplicates were offered credit on this report.
            let more =
                crate::services::outcomes::duplicate_credits(state, report.id, &a.credits).await?;
            a.credits.extend(more);
            (Some(report.id), a)
        }
    };
    if let Some(fields) = &new.advisory {
        let mut value = serde_json::to_value(&draft).map_err(anyhow::Error::from)?;
        if let Some(k) = LIFECYCLE_FIELDS.iter().find(|k| fields.get(**k).is_some()) {
            return Err(ServiceError::field(
                &format!("advisory.{k}"),
                "is set by publishing and withdrawing, not by editing",
            ));
        }
        merge_patch(&mut value, fields);
        value["id"] = Value::String(id.clone());
        draft = parse_model(value)?;
    }
    draft.modified = now;
    check_model(&draft)?;
    let record = AdvisoryRecord::new(project.id, report_id, draft, now);
    let stored = insert_record(state,
            &record,
            event(
                audit::user_actor(user.id),
                "advisory.create",
                &id,
                now,
                serde_json::json!({ "project": project.id.to_string(), "report": report_id.map(|r| r.to_string()) }),
            ),
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::field("id", "is already taken"),
            other => other.into(),
        })?;
    tracing::info!(project = %project.slug.as_str(), advisory = %stored.id(), "advisory created");
    Ok(stored)
}

/// How an edit applies to the stored model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// A JSON merge patch (RFC 7396): only the fields named change, `null` removes one.
    Merge,
    /// The whole model, as in the editor's text area.
    Replace,
}

/// Edits an advisory. `expected_version` (when given) guards against overwriting someone
/// else's change. The id and the lifecycle fields cannot be edited. Members edit drafts;
/// published and withdrawn advisories only those who may disclose.
pub async fn update(
    state: &AppState,
    user: &User,
    id: &str,
    expected_version: Option<i64>,
    patch: &Value,
    edit: Edit,
) -> Result<AdvisoryRecord> {
    let (project, record) = for_user(state, user, id, Permission::ActOnReports).await?;
    // Changing what the public sees is disclosing: maintainers only.
    if record.is_public() {
        let role = store::members::role(&mut *state.db.read().await?, project.id, user.id).await?;
        if !allowed(user.is_admin, role, Permission::Disclose) {
            return Err(ServiceError::Forbidden);
        }
    }
    if !patch.is_object() {
        return Err(ServiceError::field("advisory", "must be a JSON object"));
    }
    if patch.get("id").is_some_and(|v| v.as_str() != Some(id)) {
        return Err(ServiceError::field("advisory.id", "cannot be changed"));
    }
    let mut value = serde_json::to_value(&record.advisory).map_err(anyhow::Error::from)?;
    for k in LIFECYCLE_FIELDS {
        if patch.get(k).is_some_and(|v| Some(v) != value.get(k)) {
            return Err(ServiceError::field(
                &format!("advisory.{k}"),
                "is set by publishing and withdrawing, not by editing",
            ));
        }
    }
    match edit {
        Edit::Merge => merge_patch(&mut value, patch),
        Edit::Replace => {
            let mut whole = patch.clone();
            for k in LIFECYCLE_FIELDS {
                match value.get(k) {
                    Some(v) => whole[k] = v.clone(),
                    None => {
                        if let Some(o) = whole.as_object_mut() {
                            o.remove(k);
                        }
                    }
                }
            }
            whole["id"] = Value::String(id.to_owned());
            value = whole;
        }
    }
    let mut advisory = parse_model(value)?;
    let now = state.now();
    advisory.modified = now;
    let version = expected_version.unwrap_or(record.version);
    let updated = AdvisoryRecord { advisory, ..record };
    let stored = update_record(
        state,
        &updated,
        version,
        event(
            audit::user_actor(user.id),
            "advisory.update",
            id,
            now,
            serde_json::json!({ "version": version + 1 }),
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, version = stored.version, "advisory edited");
    Ok(stored)
}

/// Checks that a draft can go public: a summary, and an OSV export that the official
/// schema accepts (problems are named by JSON path).
fn check_publishable(a: &Advisory, now: Timestamp) -> Result<()> {
    let mut trial = a.clone();
    trial
        .publish(now)
        .map_err(|e| ServiceError::field("advisory.summary", e.to_string()))?;
    let osv = advisory::osv::to_osv(&trial)
        .map_err(|e| ServiceError::field("advisory.id", e.to_string()))?;
    let problems = advisory::validate(Format::Osv, &osv);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(FieldErrors(
            problems
                .into_iter()
                .map(|p| {
                    FieldError::new(format!("osv{}", p.path.trim_start_matches('$')), p.message)
                })
                .collect(),
        )))
    }
}

/// Publishes a draft now, or schedules it when `at` is in the future. Publishing moves the
/// report it came from to `disclosed` through the workflow (audited, the reporter told);
/// publishing now requires that report to be fixed (or already disclosed or closed).
pub async fn publish(
    state: &AppState,
    user: &User,
    id: &str,
    at: Option<Timestamp>,
) -> Result<AdvisoryRecord> {
    let (project, record) = for_user(state, user, id, Permission::Disclose).await?;
    if record.advisory.status != Status::Draft {
        return Err(ServiceError::conflict(
            "invalid_transition",
            "only a draft can be published",
        ));
    }
    let now = state.now();
    check_publishable(&record.advisory, now)?;
    match at {
        Some(at) if at > now => schedule(state, user, &project, record, at).await,
        _ => publish_now(state, user, record, true).await,
    }
}

async fn schedule(
    state: &AppState,
    user: &User,
    project: &Project,
    record: AdvisoryRecord,
    at: Timestamp,
) -> Result<AdvisoryRecord> {
    let now = state.now();
    let version = record.version;
    let id = record.id().to_owned();
    let job = NewJob::of(&PublishAdvisory::new(&id, at), at, now)?;
    let scheduled = AdvisoryRecord {
        scheduled_at: Some(at),
        scheduled_by: Some(user.id),
        ..record
    };
    let stored = update_record(
        state,
        &scheduled,
        version,
        event(
            audit::user_actor(user.id),
            "advisory.schedule",
            &id,
            now,
            serde_json::json!({ "at": at.to_string() }),
        ),
        Some(job),
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(project = %project.slug.as_str(), advisory = %id, at = %at, "advisory publication scheduled");
    Ok(stored)
}

/// Cancels a scheduled publication; the advisory stays a draft (its job, when it comes due,
/// finds nothing to do).
pub async fn unschedule(state: &AppState, user: &User, id: &str) -> Result<AdvisoryRecord> {
    let (_, record) = for_user(state, user, id, Permission::Disclose).await?;
    if record.scheduled_at.is_none() || record.advisory.status != Status::Draft {
        return Err(ServiceError::conflict(
            "not_scheduled",
            "the advisory has no scheduled publication",
        ));
    }
    let now = state.now();
    let version = record.version;
    let stored = update_record(
        state,
        &AdvisoryRecord {
            scheduled_at: None,
            scheduled_by: None,
            ..record
        },
        version,
        event(
            audit::user_actor(user.id),
            "advisory.unschedule",
            id,
            now,
            Value::Null,
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, "scheduled publication cancelled");
    Ok(stored)
}

/// Publishes now, acting as `user`. `strict`: refuse when the linked report is not fixed yet
/// (a scheduled publication goes ahead and leaves such a report where it is).
async fn publish_now(
    state: &AppState,
    user: &User,
    record: AdvisoryRecord,
    strict: bool,
) -> Result<AdvisoryRecord> {
    let id = record.id().to_owned();
    let report = match record.report_id {
        Some(id) => store::reports::by_id(&mut *state.db.read().await?, id).await?,
        None => None,
    };
    if let Some(report_id) = record.report_id
        && let Some(report) = report
    {
        match report.state {
            State::Fixed => {
                let request = domain::workflow::TransitionRequest::to(State::Disclosed);
                reports::transition(state, Caller::User(user), report_id, request).await?;
            }
            State::Disclosed | State::Closed => {}
            other if strict => {
                return Err(ServiceError::conflict(
                    "report_not_fixed",
                    format!(
                        "report #{} is {}; mark it fixed before publishing its advisory",
                        report.number,
                        other.label()
                    ),
                ));
            }
            other => {
                tracing::warn!(advisory = %id, report = %report_id, state = other.as_str(), "scheduled advisory published while its report is not fixed");
            }
        }
    }
    let now = state.now();
    let version = record.version;
    let mut advisory = record.advisory.clone();
    advisory
        .publish(now)
        .map_err(|e| ServiceError::conflict("invalid_transition", e.to_string()))?;
    let published = AdvisoryRecord {
        advisory,
        scheduled_at: None,
        scheduled_by: None,
        ..record
    };
    let stored = update_record(
        state,
        &published,
        version,
        event(
            audit::user_actor(user.id),
            "advisory.publish",
            &id,
            now,
            serde_json::json!({ "report": published.report_id.map(|r| r.to_string()) }),
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, "advisory published");
    // Webhook deliveries of `advisory.published` are due now.
    state.outbox_notify.notify_one();
    Ok(stored)
}

/// Runs a scheduled publication (the `publish_advisory` job). Does nothing when the
/// advisory was published, withdrawn or rescheduled meanwhile.
pub async fn run_scheduled(state: &AppState, id: &str, scheduled_at: Option<i64>) -> Result<()> {
    let Some(record) = store::advisories::by_id(&mut *state.db.read().await?, id).await? else {
        return Ok(());
    };
    if record.advisory.status != Status::Draft
        || record.scheduled_at.map(Timestamp::as_microsecond) != scheduled_at
    {
        return Ok(());
    }
    let user = match record.scheduled_by {
        Some(u) => store::accounts::user_by_id(&mut *state.db.read().await?, u).await?,
        None => None,
    }
    .ok_or_else(|| ServiceError::conflict("no_scheduler", "the user who scheduled it is gone"))?;
    let role =
        store::members::role(&mut *state.db.read().await?, record.project_id, user.id).await?;
    if !allowed(user.is_admin, role, Permission::Disclose) {
        return Err(ServiceError::Forbidden);
    }
    publish_now(state, &user, record, false).await.map(|_| ())
}

/// Withdraws a published advisory; the reason becomes its summary (as OSV asks).
pub async fn withdraw(
    state: &AppState,
    user: &User,
    id: &str,
    reason: &str,
) -> Result<AdvisoryRecord> {
    let (_, record) = for_user(state, user, id, Permission::Disclose).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::field("reason", "is required"));
    }
    if reason.len() > MAX_REASON || reason.chars().any(char::is_control) {
        return Err(ServiceError::field(
            "reason",
            format!("must be one line of at most {MAX_REASON} bytes"),
        ));
    }
    let now = state.now();
    let version = record.version;
    let mut advisory = record.advisory.clone();
    advisory
        .withdraw(now, reason)
        .map_err(|e| ServiceError::conflict("invalid_transition", e.to_string()))?;
    let stored = update_record(
        state,
        &AdvisoryRecord { advisory, ..record },
        version,
        event(
            audit::user_actor(user.id),
            "advisory.withdraw",
            id,
            now,
            serde_json::json!({ "reason": reason }),
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, "advisory withdrawn");
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = serde_json::json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(
            &mut target,
            &serde_json::json!({"a": "z", "c": {"f": null}}),
        );
        assert_eq!(target, serde_json::json!({"a": "z", "c": {"d": "e"}}));
        let mut target = serde_json::json!({"list": [1, 2]});
        merge_patch(&mut target, &serde_json::json!({"list": [3]}));
        assert_eq!(target, serde_json::json!({"list": [3]}));
    }
}
