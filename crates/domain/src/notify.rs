//! Which e-mails a project member gets. Every kind is on until the member turns it off, per
//! project; a member without stored preferences gets everything.

use serde::{Deserialize, Serialize};

/// The kinds of e-mail a member may turn off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A report arrived.
    NewReport,
    /// The reporter wrote on a report's thread.
    ReporterMessage,
    /// A deadline is near or has passed.
    Reminders,
    /// A report changed state.
    StateChanges,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 4] = [
        Self::NewReport,
        Self::ReporterMessage,
        Self::Reminders,
        Self::StateChanges,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewReport => "new_report",
            Self::ReporterMessage => "reporter_message",
            Self::Reminders => "reminders",
            Self::StateChanges => "state_changes",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A short label for forms.
    pub fn label(self) -> &'static str {
        match self {
            Self::NewReport => "New reports",
            Self::ReporterMessage => "Messages from reporters",
            Self::Reminders => "Deadline reminders",
            Self::StateChanges => "State changes",
        }
    }
}

/// One member's choices for one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationPrefs {
    #[serde(default = "on")]
    pub new_report: bool,
    #[serde(default = "on")]
    pub reporter_message: bool,
    #[serde(default = "on")]
    pub reminders: bool,
    #[serde(default = "on")]
    pub state_changes: bool,
}

fn on() -> bool {
    true
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        Self {
            new_report: true,
            reporter_message: true,
            reminders: true,
            state_changes: true,
        }
    }
}

impl NotificationPrefs {
    pub fn allows(&self, kind: NotificationKind) -> bool {
        match kind {
            NotificationKind::NewReport => self.new_report,
            NotificationKind::ReporterMessage => self.reporter_message,
            NotificationKind::Reminders => self.reminders,
            NotificationKind::StateChanges => self.state_changes,
        }
    }

    pub fn set(&mut self, kind: NotificationKind, on: bool) {
        match kind {
            NotificationKind::NewReport => self.new_report = on,
            NotificationKind::ReporterMessage => self.reporter_message = on,
            NotificationKind::Reminders => self.reminders = on,
            NotificationKind::StateChanges => self.state_changes = on,
        }
    }
}

/// The subject and plain-text body of an e-mail telling a project member about a report.
/// `what` says what happened (for a state change, e.g. `acknowledged -> accepted`); report
/// contents beyond the title are never included.
pub fn member_text(
    kind: NotificationKind,
    project_name: &str,
    report_number: i64,
    report_title: &str,
    what: &str,
    report_url: &str,
) -> (String, String) {
    let (subject, line) = match kind {
        NotificationKind::NewReport => (
            format!("[{project_name}] New report #{report_number}: {report_title}"),
            format!("A new report arrived: #{report_number}, \"{report_title}\"."),
        ),
        NotificationKind::ReporterMessage => (
            format!("[{project_name}] Report #{report_number}: the reporter wrote"),
            format!("The reporter of #{report_number}, \"{report_title}\", added a message."),
        ),
        NotificationKind::StateChanges => (
            format!("[{project_name}] Report #{report_number}: {what}"),
            format!("Report #{report_number}, \"{report_title}\", moved: {what}."),
        ),
        NotificationKind::Reminders => (
            format!("[{project_name}] Report #{report_number}: {what}"),
            format!("Report #{report_number}, \"{report_title}\": {what}."),
        ),
    };
    let body = format!(
        "Hello,\n\n{line}\n\n  {report_url}\n\n\
         You get this e-mail as a member of {project_name}; change which e-mails you get on\n\
         your notification settings page.\n\n-- \nSent by Embargo for {project_name}\n"
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_on_by_default_and_each_kind_turns_off_alone() {
        let all = NotificationPrefs::default();
        for kind in NotificationKind::ALL {
            assert!(all.allows(kind), "{kind:?}");
            let mut p = all;
            p.set(kind, false);
            for other in NotificationKind::ALL {
                assert_eq!(p.allows(other), other != kind, "{kind:?} off, {other:?}");
            }
        }
    }

    #[test]
    fn member_texts_name_the_report_and_what_happened() {
        let (subject, body) = member_text(
            NotificationKind::StateChanges,
            "Desk",
            3,
            "XSS",
            "acknowledged -> accepted",
            "https://x.example/inbox/desk/reports/3",
        );
        assert_eq!(subject, "[Desk] Report #3: acknowledged -> accepted");
        assert!(body.contains("moved: acknowledged -> accepted."), "{body}");
        assert!(
            body.contains("https://x.example/inbox/desk/reports/3"),
            "{body}"
        );
        let (subject, _) = member_text(NotificationKind::NewReport, "Desk", 4, "SSRF", "", "u");
        assert_eq!(subject, "[Desk] New report #4: SSRF");
        let (subject, _) = member_text(
            NotificationKind::ReporterMessage,
            "Desk",
            4,
            "SSRF",
            "",
            "u",
        );
        assert_eq!(subject, "[Desk] Report #4: the reporter wrote");
    }

    #[test]
    fn kinds_have_stable_names_and_missing_json_fields_default_on() {
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(NotificationKind::parse("everything"), None);
        let p: NotificationPrefs = serde_json::from_str(r#"{"reminders": false}"#).expect("json");
        assert!(!p.reminders && p.new_report && p.reporter_message && p.state_changes);
        assert!(serde_json::from_str::<NotificationPrefs>(r#"{"remind": false}"#).is_err());
    }
}
