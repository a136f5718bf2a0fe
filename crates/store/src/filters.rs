//! Junk-sender filters as stored (migration 0010): a project's rules, the log of rules
//! that matched inbound messages, and the likely-spam queue they feed; also the report's
//! tracking token, which "block this reporter" disables.
//!
//! Rules are stored as the `mail` crate writes them; it checks them before they are stored
//! and compiles them again when they are read.

use crate::{
    Conn, Result, StoreError,
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::{ProjectId, ReportId, UserId};
use jiff::Timestamp;
use mail::{Action, MatchKind, Scope};
use serde::Serialize;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// One of a project's filter rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterRuleRecord {
    /// The row's id (the log refers to it).
    pub key: Uuid,
    pub project: ProjectId,
    /// The rule's id, unique in its project.
    pub rule_id: String,
    pub kind: MatchKind,
    pub pattern: String,
    pub action: Action,
    pub note: String,
    /// The report whose reporter "block this reporter" blocked with this rule.
    pub blocked_report: Option<ReportId>,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
}

/// A rule that matched an inbound message, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterMatch {
    pub scope: Scope,
    pub rule_id: String,
    /// The project rule's [`FilterRuleRecord::key`]; `None` for instance rules.
    pub rule_key: Option<Uuid>,
    pub action: Action,
    /// What matched, one line (e.g. `From: x@spam.example`).
    pub matched: String,
    /// Whether this rule's action was taken.
    pub decided: bool,
}

/// How often a rule matched a project's mail, and when last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterMatchCount {
    pub scope: Scope,
    pub rule_id: String,
    /// The project rule's row id; `None` for instance rules.
    pub rule_key: Option<Uuid>,
    pub matches: i64,
    pub last_matched_at: Timestamp,
}

/// `SELECT` of filter rules with a `WHERE`/`ORDER` tail.
macro_rules! select_rules {
    ($tail:literal) => {
        concat!(
            "SELECT id, project_id, rule_id, kind, pattern, action, note, blocked_report_id, \
             created_by, created_at FROM mail_filter_rules ",
            $tail
        )
    };
}

fn parse_scope(s: &str) -> Result<Scope> {
    Scope::parse(s).ok_or_else(|| StoreError::Corrupt(format!("filter scope {s:?}")))
}

fn parse_action(s: &str) -> Result<Action> {
    Action::parse(s).ok_or_else(|| StoreError::Corrupt(format!("filter action {s:?}")))
}

fn rule_from_row(row: &AnyRow) -> Result<FilterRuleRecord> {
    let kind: String = get(row, "kind")?;
    Ok(FilterRuleRecord {
        key: uuid(&get::<String>(row, "id")?)?,
        project: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        rule_id: get(row, "rule_id")?,
        kind: MatchKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("filter match {kind:?}")))?,
        pattern: get(row, "pattern")?,
        action: parse_action(&get::<String>(row, "action")?)?,
        note: get(row, "note")?,
        blocked_report: get::<Option<String>>(row, "blocked_report_id")?
            .map(|r| uuid(&r).map(ReportId))
            .transpose()?,
        created_by: get::<Option<String>>(row, "created_by")?
            .map(|u| uuid(&u).map(UserId))
            .transpose()?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

/// A project's rules, oldest first.
pub async fn rules(c: &mut Conn, project: ProjectId) -> Result<Vec<FilterRuleRecord>> {
    sqlx::query(select_rules!(
        "WHERE project_id = $1 ORDER BY created_at, id"
    ))
    .bind(project.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(rule_from_row)
    .collect()
}

/// A project's rule by its id.
pub async fn rule(
    c: &mut Conn,
    project: ProjectId,
    rule_id: &str,
) -> Result<Option<FilterRuleRecord>> {
    sqlx::query(select_rules!("WHERE project_id = $1 AND rule_id = $2"))
        .bind(project.to_string())
        .bind(rule_id)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(rule_from_row)
        .transpose()
}

/// Stores a rule; `Conflict` when the project has a rule with that id.
pub async fn insert_rule(c: &mut Conn, rule: &FilterRuleRecord) -> Result<()> {
    let inserted = sqlx::query(
        "INSERT INTO mail_filter_rules (id, project_id, rule_id, kind, pattern, action, note, \
         blocked_report_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (project_id, rule_id) DO NOTHING",
    )
    .bind(rule.key.to_string())
    .bind(rule.project.to_string())
    .bind(&rule.rule_id)
    .bind(rule.kind.as_str())
    .bind(&rule.pattern)
    .bind(rule.action.as_str())
    .bind(&rule.note)
    .bind(rule.blocked_report.map(|r| r.to_string()))
    .bind(rule.created_by.map(|u| u.to_string()))
    .bind(micros(rule.created_at))
    .execute(c)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::Conflict(format!(
            "the project has a rule with the id {:?}",
            rule.rule_id
        )));
    }
    Ok(())
}

/// Deletes a rule by its row id ([`FilterRuleRecord::key`]); its log stays. `false` when
/// there was none.
pub async fn delete_rule(c: &mut Conn, key: Uuid) -> Result<bool> {
    let n = sqlx::query("DELETE FROM mail_filter_rules WHERE id = $1")
        .bind(key.to_string())
        .execute(c)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Logs the rules that matched a stored inbound message, at `at` (for the message's
/// project).
pub async fn record_matches(
    c: &mut Conn,
    inbound: Uuid,
    matches: &[FilterMatch],
    at: Timestamp,
) -> Result<()> {
    for m in matches {
        sqlx::query(
            "INSERT INTO mail_filter_matches (id, inbound_id, project_id, scope, rule_id, \
             rule_key, action, matched, decided, matched_at) \
             SELECT $1, id, project_id, $2, $3, $4, $5, $6, $7, $8 FROM inbound_messages \
             WHERE id = $9",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(m.scope.as_str())
        .bind(&m.rule_id)
        .bind(m.rule_key.map(|k| k.to_string()))
        .bind(m.action.as_str())
        .bind(&m.matched)
        .bind(i64::from(m.decided))
        .bind(micros(at))
        .bind(inbound.to_string())
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// How often each rule (instance and project) matched the project's mail, and when last.
pub async fn match_counts(c: &mut Conn, project: ProjectId) -> Result<Vec<FilterMatchCount>> {
    let rows = sqlx::query(
        "SELECT scope, rule_id, rule_key, COUNT(*) AS matches, MAX(matched_at) AS last_at \
         FROM mail_filter_matches WHERE project_id = $1 \
         GROUP BY scope, rule_id, rule_key ORDER BY scope, rule_id",
    )
    .bind(project.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FilterMatchCount {
                scope: parse_scope(&get::<String>(row, "scope")?)?,
                rule_id: get(row, "rule_id")?,
                rule_key: get::<Option<String>>(row, "rule_key")?
                    .map(|k| uuid(&k))
                    .transpose()?,
                matches: get(row, "matches")?,
                last_matched_at: ts(get(row, "last_at")?)?,
            })
        })
        .collect()
}

/// The rules that matched one inbound message, deciding one first.
pub async fn matches_of(c: &mut Conn, inbound: Uuid) -> Result<Vec<FilterMatch>> {
    let rows = sqlx::query(
        "SELECT scope, rule_id, rule_key, action, matched, decided FROM mail_filter_matches \
         WHERE inbound_id = $1 ORDER BY decided DESC, id",
    )
    .bind(inbound.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FilterMatch {
                scope: parse_scope(&get::<String>(row, "scope")?)?,
                rule_id: get(row, "rule_id")?,
                rule_key: get::<Option<String>>(row, "rule_key")?
                    .map(|k| uuid(&k))
                    .transpose()?,
                action: parse_action(&get::<String>(row, "action")?)?,
                matched: get(row, "matched")?,
                decided: get::<i64>(row, "decided")? != 0,
            })
        })
        .collect()
}

/// Reports of the project opened by a message a `spam` rule decided on, with that rule's
/// id: the filters' part of the likely-spam queue.
pub async fn spam_filtered_reports(
    c: &mut Conn,
    project: ProjectId,
) -> Result<Vec<(ReportId, String)>> {
    let rows = sqlx::query(
        "SELECT i.report_id, m.rule_id FROM inbound_messages i \
         JOIN mail_filter_matches m ON m.inbound_id = i.id \
         WHERE i.project_id = $1 AND i.disposition = 'report' AND i.report_id IS NOT NULL \
           AND m.decided = 1 AND m.action = 'spam' \
         ORDER BY i.received_at",
    )
    .bind(project.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|row| {
            let id: String = get(row, "report_id")?;
            Ok((ReportId(uuid(&id)?), get(row, "rule_id")?))
        })
        .collect()
}

/// Disables a report's tracking token (it no longer opens the report); `true` when it was
/// enabled until now, `NotFound` when the report does not exist.
pub async fn disable_tracking_token(
    c: &mut Conn,
    report: ReportId,
    now: Timestamp,
) -> Result<bool> {
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM reports WHERE id = $1")
        .bind(report.to_string())
        .fetch_optional(&mut *c)
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    let changed = sqlx::query(
        "UPDATE reports SET tracking_disabled_at = $1 \
         WHERE id = $2 AND tracking_disabled_at IS NULL",
    )
    .bind(micros(now))
    .bind(report.to_string())
    .execute(c)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// When the report's tracking token was disabled, if it was.
pub async fn tracking_disabled_at(c: &mut Conn, report: ReportId) -> Result<Option<Timestamp>> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT tracking_disabled_at FROM reports WHERE id = $1")
            .bind(report.to_string())
            .fetch_optional(c)
            .await?;
    opt_ts(at.flatten())
}
