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
