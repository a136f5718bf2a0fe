//! How times read for people, the same on pages and in e-mails.

/// Formats a timestamp for people: `2026-11-23 14:05 UTC`.
///
/// The due date of a clock the policy switches off ([`domain::report::Sla::OFF`]) reads
/// "no target".
pub fn human_time(t: jiff::Timestamp) -> String {
    if t == domain::report::Sla::OFF {
        return "no target".to_owned();
    }
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// How long ago, coarsely: `3 days`, `5 hours`, `12 minutes`.
pub fn age(from: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let secs = now.as_second().saturating_sub(from.as_second()).max(0);
    let (n, unit) = if secs >= 2 * 86_400 {
        (secs / 86_400, "days")
    } else if secs >= 2 * 3600 {
        (secs / 3600, "hours")
    } else {
        (secs / 60, "minutes")
    };
    if n == 1 {
        format!("1 {}", unit.trim_end_matches('s'))
    } else {
        format!("{n} {unit}")
    }
}

/// One group of triage findings on the report page ("Checked against the source", "Policy",
/// "About the report", "Notes"), in plain words. The mapping of signals to groups and
/// titles is the triage crate's ([`triage::Group::of`], [`triage::Signal::title`]); this
/// only arranges the stored findings for the page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TriageGroup {
    /// `source`, `policy`, `report` or `notes`.
    pub id: &'static str,
    pub heading: &'static str,
    pub explanation: &'static str,
    /// The revisions this group's findings were checked at (source group only).
    pub checked_at: Vec<String>,
    /// Findings that confirm the report's material is the project's (source group only).
    pub confirmed: Vec<serde_json::Value>,
    /// The other findings, strongest first, as stored.
    pub findings: Vec<serde_json::Value>,
}

/// The stored findings (as `services::triage::view` gives them, with `group` and `title`)
/// grouped for the page; empty groups are left out. Each finding gains `level_plain`,
/// `policy_class` and `policy_wording` (the policy's own words; empty without a policy
/// reference).
pub fn triage_groups(findings: &[serde_json::Value]) -> Vec<TriageGroup> {
    triage::Group::ALL
        .into_iter()
        .filter_map(|group| {
            let mut checked_at: Vec<String> = Vec::new();
            let mut confirmed = Vec::new();
            let mut rest = Vec::new();
            for f in findings
                .iter()
                .filter(|f| f.get("group").and_then(|g| g.as_str()) == Some(group.as_str()))
            {
                let mut f = f.clone();
                let signal = f
                    .get("signal")
                    .and_then(|s| s.as_str())
                    .and_then(triage::Signal::parse);
                let level_plain = match f.get("level").and_then(|l| l.as_str()) {
                    Some("strong") => triage::Level::Strong.plain(),
                    Some("weak") => triage::Level::Weak.plain(),
                    _ => triage::Level::Info.plain(),
                };
                for label in f
                    .get("checked_at")
                    .and_then(|c| c.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l.as_str())
                {
                    if !checked_at.iter().any(|c| c == label) {
                        checked_at.push(label.to_owned());
                    }
                }
                let policy = f
                    .get("policy_ref")
                    .and_then(|p| p.as_str())
                    .map(split_policy_ref);
                if let Some(o) = f.as_object_mut() {
                    o.insert("level_plain".into(), level_plain.into());
                    let (class, wording) = policy.unwrap_or_default();
                    o.insert("policy_class".into(), class.into());
                    o.insert("policy_wording".into(), wording.into());
                }
                if group == triage::Group::Source && signal.is_some_and(triage::Signal::confirms) {
                    confirmed.push(f);
                } else {
                    rest.push(f);
                }
            }
            (!confirmed.is_empty() || !rest.is_empty()).then_some(TriageGroup {
                id: group.as_str(),
                heading: group.heading(),
                explanation: group.explanation(),
                checked_at,
                confirmed,
                findings: rest,
            })
        })
        .collect()
}

/// `non_qualifying[2] local-attacker: "the wording"` → (`non_qualifying[2] local-attacker`,
/// `the wording`); a reference without wording is all class.
fn split_policy_ref(r: &str) -> (String, String) {
    match r.split_once(": ") {
        Some((class, wording)) => (
            class.to_owned(),
            wording
                .strip_prefix('"')
                .and_then(|w| w.strip_suffix('"'))
                .unwrap_or(wording)
                .to_owned(),
        ),
        None => (r.to_owned(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn findings_are_grouped_with_confirmations_first_and_the_revisions_checked() {
        let findings = vec![
            json!({"key": "a", "signal": "unknown_symbol", "level": "info", "group": "source",
                   "checked_at": ["main @ 1"]}),
            json!({"key": "b", "signal": "quoted_code_found", "level": "info", "group": "source",
                   "checked_at": ["v1.0.0 @ 2", "main @ 1"]}),
            json!({"key": "c", "signal": "non_qualifying_class", "level": "strong",
                   "group": "policy",
                   "policy_ref": "non_qualifying[0] local-attacker: \"needs a local shell\""}),
            json!({"key": "d", "signal": "boilerplate", "level": "info", "group": "notes"}),
        ];
        let groups = triage_groups(&findings);
        let ids: Vec<&str> = groups.iter().map(|g| g.id).collect();
        assert_eq!(ids, ["source", "policy", "notes"]);
        let source = &groups[0];
        assert_eq!(source.heading, "Checked against the source");
        assert_eq!(source.checked_at, ["main @ 1", "v1.0.0 @ 2"]);
        assert_eq!(source.confirmed.len(), 1);
        assert_eq!(source.confirmed[0]["key"], "b");
        assert_eq!(source.findings[0]["key"], "a");
        assert_eq!(
            source.findings[0]["level_plain"],
            "information, never decisive"
        );
        let policy = &groups[1];
        assert_eq!(
            policy.findings[0]["policy_class"],
            "non_qualifying[0] local-attacker"
        );
        assert_eq!(policy.findings[0]["policy_wording"], "needs a local shell");
        assert_eq!(policy.findings[0]["level_plain"], "strong finding");
        assert!(triage_groups(&[]).is_empty());
    }

    #[test]
    fn a_clock_switched_off_reads_no_target() {
        assert_eq!(human_time(domain::report::Sla::OFF), "no target");
        let t: jiff::Timestamp = "2026-11-23T14:05:00Z".parse().expect("timestamp");
        assert_eq!(human_time(t), "2026-11-23 14:05 UTC");
    }
}
