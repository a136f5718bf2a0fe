//! Reports: what a reporter sends, the states a report moves through, and its clocks.

use crate::{EmailAddress, FieldErrors, ProjectId, ReportId, policy::Targets};
use jiff::{Timestamp, tz::TimeZone};
use serde::{Deserialize, Serialize};

/// Limits on what a reporter may send, per field, in bytes.
pub mod limits {
    pub const TITLE: usize = 200;
    pub const DESCRIPTION: usize = 100_000;
    pub const REPRODUCTION: usize = 100_000;
    pub const IMPACT: usize = 20_000;
    pub const VERSION: usize = 200;
    pub const CVSS_VECTOR: usize = 200;
    pub const NAME: usize = 200;
}

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Web,
    Api,
    Email,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Api => "api",
            Self::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "web" => Self::Web,
            "api" => Self::Api,
            "email" => Self::Email,
            _ => return None,
        })
    }
}

/// A report's state, as written in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Received,
    Acknowledged,
    NeedsInfo,
    Accepted,
    Fixing,
    Fixed,
    Disclosed,
    Closed,
}

impl State {
    pub const ALL: [State; 8] = [
        Self::Received,
        Self::Acknowledged,
        Self::NeedsInfo,
        Self::Accepted,
        Self::Fixing,
        Self::Fixed,
        Self::Disclosed,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Acknowledged => "acknowledged",
            Self::NeedsInfo => "needs_info",
            Self::Accepted => "accepted",
            Self::Fixing => "fixing",
            Self::Fixed => "fixed",
            Self::Disclosed => "disclosed",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Received => "Received",
            Self::Acknowledged => "Acknowledged",
            Self::NeedsInfo => "Needs information",
            Self::Accepted => "Accepted",
            Self::Fixing => "Fixing",
            Self::Fixed => "Fixed",
            Self::Disclosed => "Disclosed",
            Self::Closed => "Closed",
        }
    }

    /// Whether the report still waits for the maintainers' first response.
    pub fn awaits_acknowledgement(self) -> bool {
        self == Self::Received
    }

    /// Whether the maintainers may acknowledge a report in this state.
    pub fn can_acknowledge(self) -> bool {
        self == Self::Received
    }
}

/// Why a report was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    NotAVulnerability,
    OutOfScope,
    Duplicate,
    Spam,
    Withdrawn,
    WontFix,
}

impl Resolution {
    pub const ALL: [Resolution; 6] = [
        Self::NotAVulnerability,
        Self::OutOfScope,
        Self::Duplicate,
        Self::Spam,
        Self::Withdrawn,
        Self::WontFix,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAVulnerability => "not_a_vulnerability",
            Self::OutOfScope => "out_of_scope",
            Self::Duplicate => "duplicate",
            Self::Spam => "spam",
            Self::Withdrawn => "withdrawn",
            Self::WontFix => "wont_fix",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A report as a reporter submits it, before validation. Field names are the API's.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub affected_version: Option<String>,
    #[serde(default)]
    pub reproduction: Option<String>,
    #[serde(default)]
    pub impact: Option<String>,
    #[serde(default)]
    pub cvss_vector: Option<String>,
    #[serde(default)]
    pub reporter: ReporterInput,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReporterInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub credit_as: Option<String>,
    /// How to be credited in the advisory: `name`, `handle` or `anonymous`. Without it, a
    /// `credit_as` is a name and no `credit_as` means no credit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<CreditMode>,
}

/// How a reporter chose to be credited in the advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditMode {
    /// Under a name (`credit_as`, else the reporter's name).
    Name,
    /// Under a handle (`credit_as`, written as given).
    Handle,
    /// Not at all.
    Anonymous,
}

impl CreditMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Handle => "handle",
            Self::Anonymous => "anonymous",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "name" => Some(Self::Name),
            "handle" => Some(Self::Handle),
            "anonymous" => Some(Self::Anonymous),
            _ => None,
        }
    }
}

/// A validated report submission: every field within its limits, text stored verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub title: String,
    pub description: String,
    pub affected_version: Option<String>,
    pub reproduction: Option<String>,
    pub impact: Option<String>,
    pub cvss_vector: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<EmailAddress>,
    /// The name or handle to credit; `None` when the reporter chose anonymity.
    pub credit_as: Option<String>,
    /// The reporter's explicit choice, when they made one.
    pub credit_mode: Option<CreditMode>,
}

impl ReportInput {
    /// Validates every field and names each one that fails.
    pub fn validate(self) -> Result<NewReport, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            errors.push("title", "is required");
        } else if title.len() > limits::TITLE {
            errors.push("title", format!("is longer than {} bytes", limits::TITLE));
        } else if title.chars().any(char::is_control) {
            errors.push("title", "must be one line without control characters");
        }
        if self.description.trim().is_empty() {
            errors.push("description", "is required");
        }
        check_body(
            &mut errors,
            "description",
            &self.description,
            limits::DESCRIPTION,
        );
        let affected_version = optional_line(
            &mut errors,
            "affected_version",
            self.affected_version,
            limits::VERSION,
        );
        let reproduction = optional_body(
            &mut errors,
            "reproduction",
            self.reproduction,
            limits::REPRODUCTION,
        );
        let impact = optional_body(&mut errors, "impact", self.impact, limits::IMPACT);
        let cvss_vector = optional_line(
            &mut errors,
            "cvss_vector",
            self.cvss_vector,
            limits::CVSS_VECTOR,
        );
        if let Some(v) = &cvss_vector
            && !looks_like_cvss(v)
        {
            errors.push(
                "cvss_vector",
                "must be a CVSS vector such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            );
        }
        let reporter_name = optional_line(
            &mut errors,
            "reporter.name",
            self.reporter.name,
            limits::NAME,
        );
        let mut credit_as = optional_line(
            &mut errors,
            "reporter.credit_as",
            self.reporter.credit_as,
            limits::NAME,
        );
        match self.reporter.credit {
            Some(CreditMode::Anonymous) => credit_as = None,
            Some(CreditMode::Name) if credit_as.is_none() => {
                credit_as = reporter_name.clone();
                if credit_as.is_none() {
                    errors.push(
                        "reporter.credit_as",
                        "is required to be credited by name (or give reporter.name)",
                    );
                }
            }
            Some(CreditMode::Handle) if credit_as.is_none() => {
                errors.push("reporter.credit_as", "is required to be credited by handle");
            }
            _ => {}
        }
        let reporter_email = match self.reporter.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => match EmailAddress::parse("reporter.email", e) {
                Ok(e) => Some(e),
                Err(e) => {
                    errors.0.push(e);
                    None
                }
            },
        };
        errors.into_result(NewReport {
            title,
            description: self.description,
            affected_version,
            reproduction,
            impact,
            cvss_vector,
            reporter_name,
            reporter_email,
            credit_as,
            credit_mode: self.reporter.credit,
        })
    }
}

/// A cheap shape check; full CVSS validation lives in the `cvss` crate.
fn looks_like_cvss(v: &str) -> bool {
    let body = v
        .strip_prefix("CVSS:4.0/")
        .or_else(|| v.strip_prefix("CVSS:3.1/"))
        .or_else(|| v.strip_prefix("CVSS:3.0/"))
        .unwrap_or(v.trim_start_matches('(').trim_end_matches(')'));
    !body.is_empty()
        && body.split('/').all(|part| {
            part.split_once(':').is_some_and(|(k, val)| {
                !k.is_empty()
                    && !val.is_empty()
                    && k.bytes().all(|b| b.is_ascii_alphabetic())
                    && val.bytes().all(|b| b.is_ascii_alphanumeric())
            })
        })
}

fn check_body(errors: &mut FieldErrors, field: &str, value: &str, max: usize) {
    if value.len() > max {
        errors.push(field, format!("is longer than {max} bytes"));
    } else if value.contains('\0') {
        errors.push(field, "must not contain NUL characters");
    }
}

fn optional_body(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value.filter(|v| !v.trim().is_empty())?;
    check_body(errors, field, &value, max);
    Some(value)
}

fn optional_line(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    if value.len() > max {
        errors.push(field, format!("is longer than {max} bytes"));
    } else if value.chars().any(char::is_control) {
        errors.push(field, "must be one line without control characters");
    }
    Some(value)
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub id: ReportId,
    pub project_id: ProjectId,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub affected_version: Option<String>,
    pub reproduction: Option<String>,
    pub impact: Option<String>,
    pub cvss_vector: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub credit_as: Option<String>,
    /// How the reporter chose to be credited; `None` on reports from before it was asked.
    pub credit_mode: Option<CreditMode>,
    pub source: Source,
    pub state: State,
    pub resolution: Option<Resolution>,
    pub received_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub sla: Sla,
}

/// The report's clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sla {
    pub acknowledge_due: Timestamp,
    pub triage_due: Timestamp,
    pub disclosure_due: Timestamp,
}

impl Sla {
    /// The due date of a clock whose target the policy switches off: the last instant
    /// jiff can represent, stored like any other due date and never reached.
    pub const OFF: Timestamp = Timestamp::MAX;

    /// The due date of `clock`, or `None` when its target is switched off.
    pub fn deadline(&self, clock: crate::calendar::SlaClock) -> Option<Timestamp> {
        Some(self.due(clock)).filter(|t| *t != Self::OFF)
    }
}

impl Sla {
    /// The due dates for a report received at `received`, in the targets' time zone:
    /// acknowledgement and triage in calendar or business days (weekends and the listed
    /// holidays skipped), the disclosure deadline always in calendar days. Calendar days keep
    /// the local time of day across daylight-saving changes.
    ///
    /// A target the policy switches off gets no deadline: its due date is [`Sla::OFF`], which
    /// no clock reaches, and [`Sla::deadline`] reports it as `None`.
    pub fn compute(targets: &Targets, received: Timestamp) -> Sla {
        let calendar = targets.business_calendar();
        let add = |days: Option<u16>, business: bool| match days {
            None => Sla::OFF,
            Some(days) if business => calendar.add_business_days(received, days),
            Some(days) => crate::calendar::add_calendar_days(received, days, &calendar.time_zone),
        };
        Sla {
            acknowledge_due: add(targets.acknowledge_days, targets.business_days),
            triage_due: add(targets.triage_days, targets.business_days),
            disclosure_due: add(targets.disclosure_days, false),
        }
    }
}

/// `start` plus `days` working days (Monday to Friday) in `tz`: the same local time of day on
/// the `days`-th weekday after the start. A report that arrives on a weekend starts counting on
/// Monday at 00:00 local time. See [`crate::calendar::BusinessCalendar`] for holidays.
pub fn add_business_days(start: Timestamp, days: u16, tz: &TimeZone) -> Timestamp {
    crate::calendar::BusinessCalendar {
        time_zone: tz.clone(),
        holidays: &[],
    }
    .add_business_days(start, days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("needs_info"), Some(State::NeedsInfo));
        assert_eq!(State::parse("Received"), None);
        for r in Resolution::ALL {
            assert_eq!(Resolution::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn calendar_days() {
        let t = Targets::default();
        let sla = Sla::compute(&t, ts("2026-03-06T10:00:00Z"));
        assert_eq!(sla.acknowledge_due, ts("2026-03-13T10:00:00Z"));
        assert_eq!(sla.triage_due, ts("2026-03-20T10:00:00Z"));
        assert_eq!(sla.disclosure_due, ts("2026-06-04T10:00:00Z"));
    }

    #[test]
    fn targets_switched_off_have_no_deadline_and_no_reminder() {
        use crate::calendar::{ReminderSettings, SlaClock, due_reminders, next_reminder_at};
        let t = Targets {
            triage_days: None,
            disclosure_days: None,
            ..Targets::default()
        };
        let received = ts("2026-03-06T10:00:00Z");
        let sla = Sla::compute(&t, received);
        assert_eq!(sla.acknowledge_due, ts("2026-03-13T10:00:00Z"));
        assert_eq!(
            sla.deadline(SlaClock::Acknowledge),
            Some(sla.acknowledge_due)
        );
        assert_eq!(sla.deadline(SlaClock::Triage), None);
        assert_eq!(sla.deadline(SlaClock::Disclosure), None);
        // Years later, only the acknowledgement clock has anything to say.
        let lead = ReminderSettings { hours_before: 24 };
        let later = ts("2036-01-01T00:00:00Z");
        let keys = due_reminders(&sla, State::Received, &lead, later, &[]);
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert_eq!(keys[0].clock, SlaClock::Acknowledge);
        assert!(due_reminders(&sla, State::Acknowledged, &lead, later, &[]).is_empty());
        assert_eq!(
            next_reminder_at(&sla, State::Acknowledged, &lead, received),
            None
        );
        let plan = crate::reminders::ReminderPlan::for_targets(&t);
        assert!(
            plan.due_reminders(&sla, State::Accepted, later, &[])
                .is_empty()
        );
        assert_eq!(plan.earliest(&sla, State::Accepted), None);
        assert_eq!(
            plan.earliest(&sla, State::Received),
            Some(ts("2026-03-12T10:00:00Z"))
        );
    }

    #[test]
    fn business_days_skip_weekends() {
        let utc = TimeZone::UTC;
        // Friday + 1 business day = Monday.
        assert_eq!(
            add_business_days(ts("2026-03-06T10:00:00Z"), 1, &utc),
            ts("2026-03-09T10:00:00Z")
        );
        // Thursday + 5 = next Thursday.
        assert_eq!(
            add_business_days(ts("2026-03-05T10:00:00Z"), 5, &utc),
            ts("2026-03-12T10:00:00Z")
        );
        // Saturday counts from Monday 00:00: + 1 = Tuesday 00:00.
        assert_eq!(
            add_business_days(ts("2026-03-07T15:00:00Z"), 1, &utc),
            ts("2026-03-10T00:00:00Z")
        );
    }

    #[test]
    fn valid_input_is_kept_verbatim() {
        let r = ReportInput {
            title: "  XSS in <b>search</b>  ".into(),
            description: "<script>alert(1)</script>\n".into(),
            cvss_vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N".into()),
            reporter: ReporterInput {
                email: Some("r@example.org".into()),
                ..Default::default()
            },
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(r.title, "XSS in <b>search</b>");
        assert_eq!(r.description, "<script>alert(1)</script>\n");
        assert_eq!(r.reporter_email.unwrap().as_str(), "r@example.org");
    }

    #[test]
    fn invalid_input_names_every_field() {
        let e = ReportInput {
            title: "a\nb".into(),
            description: " ".into(),
            cvss_vector: Some("critical!!".into()),
            reporter: ReporterInput {
                email: Some("not-an-address".into()),
                ..Default::default()
            },
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        for f in ["title", "description", "cvss_vector", "reporter.email"] {
            assert!(e.get(f).is_some(), "{f} not named in {e}");
        }
    }

    #[test]
    fn oversized_fields_are_refused() {
        let e = ReportInput {
            title: "t".into(),
            description: "x".repeat(limits::DESCRIPTION + 1),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.first().unwrap().field, "description");
    }

    #[test]
    fn the_credit_choice_is_kept_and_anonymity_drops_the_name() {
        let with = |credit, credit_as: Option<&str>, name: Option<&str>| {
            ReportInput {
                title: "t".into(),
                description: "d".into(),
                reporter: ReporterInput {
                    name: name.map(Into::into),
                    credit_as: credit_as.map(Into::into),
                    credit,
                    ..Default::default()
                },
                ..Default::default()
            }
            .validate()
        };
        let r = with(Some(CreditMode::Handle), Some("@mlind"), None).unwrap();
        assert_eq!(
            (r.credit_as.as_deref(), r.credit_mode),
            (Some("@mlind"), Some(CreditMode::Handle))
        );
        let r = with(Some(CreditMode::Anonymous), Some("Mara"), Some("Mara")).unwrap();
        assert_eq!(
            (r.credit_as, r.credit_mode),
            (None, Some(CreditMode::Anonymous))
        );
        let r = with(Some(CreditMode::Name), None, Some("Mara Lind")).unwrap();
        assert_eq!(r.credit_as.as_deref(), Some("Mara Lind"));
        let e = with(Some(CreditMode::Handle), None, Some("Mara")).unwrap_err();
        assert_eq!(e.first().unwrap().field, "reporter.credit_as");
        for m in [CreditMode::Name, CreditMode::Handle, CreditMode::Anonymous] {
            assert_eq!(CreditMode::parse(m.as_str()), Some(m));
        }
    }
}
