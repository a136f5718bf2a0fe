//! Creating an advisory from an accepted report, its lifecycle (draft → published →
//! withdrawn), the reporter's credit choice, and release-note snippets.

use jiff::Timestamp;

use crate::cvss::{CvssError, CvssVector};
use crate::model::{
    Advisory, Affected, Credit, CreditType, Event, Package, Range, RangeKind, Status,
};

/// How the reporter chose to be credited at submission.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "as", content = "value", rename_all = "snake_case")]
pub enum CreditChoice {
    /// Credit under a name (`Jane Doe`, `Example Corp`).
    Name(String),
    /// Credit under a handle (`@jdoe`, `jdoe`); written as given.
    Handle(String),
    /// No credit.
    Anonymous,
}

impl CreditChoice {
    /// The credit this choice gives, with the given role; `None` for anonymous (or blank).
    #[must_use]
    pub fn to_credit(&self, kind: CreditType) -> Option<Credit> {
        let name = match self {
            Self::Name(n) | Self::Handle(n) => n.trim(),
            Self::Anonymous => return None,
        };
        (!name.is_empty()).then(|| Credit {
            name: name.to_owned(),
            contact: Vec::new(),
            kind: Some(kind),
        })
    }
}

/// What an accepted report contributes to a new advisory. The caller (the server) fills it
/// from its report; this crate does not know the report type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportSeed {
    pub title: String,
    pub description: String,
    /// The affected package, when the project knows it (ecosystem + name, or vendor product).
    pub package: Option<Package>,
    /// Affected version(s) as the reporter wrote them: a version (`2.3.0`) or a range
    /// (`>= 2.3.0, < 2.31.0`, `< 1.5.5`).
    pub affected_version: Option<String>,
    /// The report's current CVSS vector (the latest of its score history).
    pub cvss_vector: Option<String>,
    /// The reporter's credit choice; `None` is treated as anonymous.
    pub credit: Option<CreditChoice>,
}

/// A lifecycle step that is not allowed from the advisory's status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("cannot {action} an advisory that is {from:?}")]
    Transition { action: &'static str, from: Status },
    #[error("an advisory needs a summary before it is published")]
    NoSummary,
}

/// Parses `>= A, < B`, `< B`, `<= B` (GitHub-CNA style free text) into range events.
pub(crate) fn parse_free_text(s: &str) -> Option<Vec<Event>> {
    let mut intro = None;
    let mut end = None;
    for part in s.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix(">=") {
            intro = Some(Event::Introduced(v.trim().to_owned()));
        } else if let Some(v) = part.strip_prefix("<=") {
            end = Some(Event::LastAffected(v.trim().to_owned()));
        } else if let Some(v) = part.strip_prefix('<') {
            end = Some(Event::Fixed(v.trim().to_owned()));
        } else {
            return None;
        }
    }
    let end = end?;
    if end.version().is_empty() {
        return None;
    }
    Some(vec![
        intro.unwrap_or_else(|| Event::Introduced("0".to_owned())),
        end,
    ])
}

impl Advisory {
    /// A draft prefilled from an accepted report: title, description, affected version
    /// (as a range when it is written as one), the current CVSS vector and the reporter's
    /// chosen credit (type `reporter`).
    ///
    /// # Errors
    /// When the report's CVSS vector is not valid.
    pub fn from_report(
        id: impl Into<String>,
        seed: &ReportSeed,
        now: Timestamp,
    ) -> Result<Self, CvssError> {
        let mut a = Self::new(id, now);
        a.summary = seed.title.trim().to_owned();
        a.details = seed.description.trim().to_owned();
        if let Some(v) = seed
            .cvss_vector
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            a.severity.push(CvssVector::parse(v)?);
        }
        if let Some(pkg) = &seed.package {
            let mut af = Affected {
                package: pkg.clone(),
                ..Affected::default()
            };
            if let Some(v) = seed
                .affected_version
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
            {
                match parse_free_text(v) {
                    Some(events) => af.ranges.push(Range {
                        kind: RangeKind::Ecosystem,
                        repo: None,
                        events,
                        version_type: None,
                    }),
                    None => af.versions.push(v.to_owned()),
                }
            }
            a.affected.push(af);
        }
        if let Some(c) = seed
            .credit
            .as_ref()
            .and_then(|c| c.to_credit(CreditType::Reporter))
        {
            a.credits.push(c);
        }
        Ok(a)
    }

    /// Publishes a draft at `now` (keeps an earlier `published` time when one was set, e.g.
    /// for a scheduled publication).
    ///
    /// # Errors
    /// When the advisory is not a draft, or has no summary.
    pub fn publish(&mut self, now: Timestamp) -> Result<(), LifecycleError> {
        if self.status != Status::Draft {
            return Err(LifecycleError::Transition {
                action: "publish",
                from: self.status,
            });
        }
        if self.summary.trim().is_empty() {
            return Err(LifecycleError::NoSummary);
        }
        self.status = Status::Published;
        self.published = Some(self.published.unwrap_or(now));
        self.modified = now;
        Ok(())
    }

    /// Withdraws a published advisory; the reason becomes the summary (as OSV asks).
    ///
    /// # Errors
    /// When the advisory is not published.
    pub fn withdraw(&mut self, now: Timestamp, reason: &str) -> Result<(), LifecycleError> {
        if self.status != Status::Published {
            return Err(LifecycleError::Transition {
                action: "withdraw",
                from: self.status,
            });
        }
        self.status = Status::Withdrawn;
        self.withdrawn = Some(now);
        self.modified = now;
        let reason = reason.trim();
        if !reason.is_empty() {
            self.summary = reason.to_owned();
        }
        Ok(())
    }

    /// Whether the advisory may be shown outside the project (published or withdrawn).
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.status != Status::Draft
    }

    /// The highest qualitative severity of its CVSS vectors (`Critical`, `High`, `Medium`,
    /// `Low`, `None`); v2.0 vectors have no such rating and v4.0 ones only with a known score.
    #[must_use]
    pub fn severity_label(&self) -> Option<&'static str> {
        self.severity
            .iter()
            .filter(|v| v.version() != crate::cvss::CvssVersion::V2)
            .filter_map(CvssVector::base_score)
            .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
            .map(|s| match crate::cvss::severity_of(s) {
                "CRITICAL" => "Critical",
                "HIGH" => "High",
                "MEDIUM" => "Medium",
                "LOW" => "Low",
                _ => "None",
            })
    }

    /// Whether a fix for this advisory ships in `version` (a `fixed` event naming it).
    #[must_use]
    pub fn fixed_in(&self, package: Option<&str>, version: &str) -> bool {
        self.affected
            .iter()
            .filter(|a| package.is_none_or(|p| a.package.name == p))
            .flat_map(|a| &a.ranges)
            .flat_map(|r| &r.events)
            .any(|e| matches!(e, Event::Fixed(v) if v == version))
    }
}

/// Escapes Markdown's inline syntax in text that comes from people (names, summaries).
#[must_use]
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '+'
                | '!'
                | '<'
                | '>'
                | '|'
                | '~'
        ) {
            out.push('\\');
        }
        if c == '\n' || c == '\r' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// One release-note line for an advisory, e.g.
/// `- Fixed CVE-2023-32681 (Medium): Unintended leak of …, reported by Jane Doe.`
///
/// Finders and reporters (and credits without a role) are "reported by"; remediation
/// developers "fixed by"; everyone else is thanked with their role.
#[must_use]
pub fn release_note_line(a: &Advisory) -> String {
    let id = a.cve_id().unwrap_or(&a.id);
    let mut line = format!("- Fixed {}", escape_markdown(id));
    if let Some(sev) = a.severity_label() {
        line.push_str(&format!(" ({sev})"));
    }
    if !a.summary.trim().is_empty() {
        line.push_str(": ");
        line.push_str(&escape_markdown(a.summary.trim()));
    }
    let names = |pred: &dyn Fn(Option<CreditType>) -> bool| -> Vec<String> {
        a.credits
            .iter()
            .filter(|c| pred(c.kind) && !c.name.trim().is_empty())
            .map(|c| escape_markdown(c.name.trim()))
            .collect()
    };
    let reporters = names(&|k| matches!(k, None | Some(CreditType::Finder | CreditType::Reporter)));
    let fixers = names(&|k| k == Some(CreditType::RemediationDeveloper));
    let others: Vec<String> = a
        .credits
        .iter()
        .filter(|c| {
            !matches!(
                c.kind,
                None | Some(
                    CreditType::Finder | CreditType::Reporter | CreditType::RemediationDeveloper
                )
            ) && !c.name.trim().is_empty()
        })
        .map(|c| {
            format!(
                "{} ({})",
                escape_markdown(c.name.trim()),
                c.kind.map_or("other", CreditType::as_cve)
            )
        })
        .collect();
    if !reporters.is_empty() {
        line.push_str(&format!(", reported by {}", join_names(&reporters)));
    }
    if !fixers.is_empty() {
        line.push_str(&format!(", fixed by {}", join_names(&fixers)));
    }
    if !others.is_empty() {
        line.push_str(&format!(", with thanks to {}", join_names(&others)));
    }
    line.push('.');
    line
}

/// A Markdown "Security" section for the release `version` (of `package`, when given): one
/// line per published advisory fixed in it, most severe first, then by id. Empty when none.
#[must_use]
pub fn release_notes(advisories: &[Advisory], package: Option<&str>, version: &str) -> String {
    let mut picked: Vec<&Advisory> = advisories
        .iter()
        .filter(|a| a.status == Status::Published && a.fixed_in(package, version))
        .collect();
    if picked.is_empty() {
        return String::new();
    }
    let rank = |a: &Advisory| match a.severity_label() {
        Some("Critical") => 0,
        Some("High") => 1,
        Some("Medium") => 2,
        Some("Low") => 3,
        _ => 4,
    };
    picked.sort_by(|x, y| rank(x).cmp(&rank(y)).then_with(|| x.id.cmp(&y.id)));
    let mut out = String::from("### Security\n\n");
    for a in picked {
        out.push_str(&release_note_line(a));
        out.push('\n');
    }
    out
}

impl Advisory {
    /// Whether `version` of the package `name` (in `ecosystem`, when given) is affected, as
    /// OSV's query API answers it: `Some(true)`/`Some(false)` when the listed versions and
    /// ranges decide it, `None` when a range cannot be compared here (GIT ranges, version
    /// schemes other than SemVer and dotted numbers).
    #[must_use]
    pub fn affects(&self, ecosystem: Option<&str>, name: &str, version: &str) -> Option<bool> {
        let mut undecided = false;
        for af in &self.affected {
            if af.package.name != name
                || ecosystem.is_some_and(|e| af.package.ecosystem.as_deref() != Some(e))
            {
                continue;
            }
            if af.versions.iter().any(|v| v == version) {
                return Some(true);
            }
            for r in &af.ranges {
                if r.kind == RangeKind::Git {
                    undecided = true;
                    continue;
                }
                let semver = r.kind == RangeKind::Semver;
                // ECOSYSTEM ranges: dotted numbers, else SemVer when both sides are SemVer.
                let cmp = |a: &str, b: &str| {
                    crate::semantic::compare(a, b, semver)
                        .or_else(|| crate::semantic::compare(a, b, true))
                };
                for span in r.spans() {
                    let Some(after_start) =
                        cmp(span.introduced, version).map(|o| o != std::cmp::Ordering::Greater)
                    else {
                        undecided = true;
                        continue;
                    };
                    let before_end = match span.end {
                        None | Some(Event::Introduced(_)) => Some(true),
                        Some(Event::Fixed(v) | Event::Limit(v)) => {
                            cmp(version, v).map(|o| o == std::cmp::Ordering::Less)
                        }
                        Some(Event::LastAffected(v)) => {
                            cmp(version, v).map(|o| o != std::cmp::Ordering::Greater)
                        }
                    };
                    match before_end {
                        Some(true) if after_start => return Some(true),
                        Some(_) => {}
                        None => undecided = true,
                    }
                }
            }
        }
        if undecided { None } else { Some(false) }
    }
}
