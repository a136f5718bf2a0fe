//! Accounts and what they may do.

use crate::{EmailAddress, UserId};
use serde::Serialize;

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: EmailAddress,
    pub name: String,
    pub is_admin: bool,
}

/// A user's role in one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectRole {
    /// Reads and acts on every report, changes the policy.
    Maintainer,
    /// Reads and acts on reports; cannot publish or change settings.
    Triager,
}

impl ProjectRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Maintainer => "maintainer",
            Self::Triager => "triager",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "maintainer" => Some(Self::Maintainer),
            "triager" => Some(Self::Triager),
            _ => None,
        }
    }
}

/// What an actor wants to do. The first three are the project-wide permissions the server
/// has checked since the walking skeleton; the others are finer, per report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// List and read every report of the project.
    ReadReports,
    /// Act on any report of the project (transitions, messages, scores).
    ActOnReports,
    /// Change the project's policy and settings.
    EditPolicy,
    /// Read one report and its reporter-visible messages.
    ReadReport,
    /// Read the report's internal messages, scores and findings.
    ReadInternal,
    /// Post a message the reporter sees.
    Comment,
    /// Post an internal message (maintainers, triagers and collaborators only).
    CommentInternal,
    /// Move the report through the workflow (except disclosing).
    Transition,
    /// Close the report as withdrawn.
    Withdraw,
    /// Disclose: the `disclosed` transition, publishing an advisory or a public bug text.
    Disclose,
    /// Add a CVSS vector with a rationale.
    Score,
    /// Invite a collaborator to a report, or revoke one.
    Invite,
    /// Add, remove or change the role of the project's maintainers and triagers.
    ManageMembers,
    /// Read the audit log.
    ReadAudit,
    /// Extend one of a report's deadlines (with a reason the reporter sees).
    ExtendDeadline,
}

impl Permission {
    pub const ALL: [Permission; 15] = [
        Self::ReadReports,
        Self::ActOnReports,
        Self::EditPolicy,
        Self::ReadReport,
        Self::ReadInternal,
        Self::Comment,
        Self::CommentInternal,
        Self::Transition,
        Self::Withdraw,
        Self::Disclose,
        Self::Score,
        Self::Invite,
        Self::ManageMembers,
        Self::ReadAudit,
        Self::ExtendDeadline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadReports => "read_reports",
            Self::ActOnReports => "act_on_reports",
            Self::EditPolicy => "edit_policy",
            Self::ReadReport => "read_report",
            Self::ReadInternal => "read_internal",
            Self::Comment => "comment",
            Self::CommentInternal => "comment_internal",
            Self::Transition => "transition",
            Self::Withdraw => "withdraw",
            Self::Disclose => "disclose",
            Self::Score => "score",
            Self::Invite => "invite",
            Self::ManageMembers => "manage_members",
            Self::ReadAudit => "read_audit",
            Self::ExtendDeadline => "extend_deadline",
        }
    }
}

/// Who someone is with respect to one report. The server works it out once per request:
/// an instance admin, else the user's role in the report's project, else a collaborator
/// invitation to that report (current, not expired or revoked), else the reporter (their
/// account or tracking token). Nobody else may see the report at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Maintainer,
    Triager,
    /// Invited to this one report.
    Collaborator,
    /// The report's reporter.
    Reporter,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::Admin,
        Self::Maintainer,
        Self::Triager,
        Self::Collaborator,
        Self::Reporter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Maintainer => "maintainer",
            Self::Triager => "triager",
            Self::Collaborator => "collaborator",
            Self::Reporter => "reporter",
        }
    }

    /// The strongest role among what the server knows about the caller and the report.
    pub fn resolve(
        is_admin: bool,
        project_role: Option<ProjectRole>,
        is_collaborator: bool,
        is_reporter: bool,
    ) -> Option<Role> {
        if is_admin {
            Some(Self::Admin)
        } else if let Some(r) = project_role {
            Some(r.into())
        } else if is_collaborator {
            Some(Self::Collaborator)
        } else if is_reporter {
            Some(Self::Reporter)
        } else {
            None
        }
    }

    /// The permission table. Admins and maintainers may do everything; triagers everything
    /// but disclosing, extending deadlines, inviting outsiders and changing settings or
    /// members; collaborators
    /// read the report (internal parts too), write internal messages and score; reporters
    /// read what is meant for them, write to the maintainers and may withdraw.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Self::Admin | Self::Maintainer => true,
            Self::Triager => !matches!(
                permission,
                Disclose | Invite | EditPolicy | ManageMembers | ExtendDeadline
            ),
            Self::Collaborator => matches!(
                permission,
                ReadReport | ReadInternal | CommentInternal | Score
            ),
            Self::Reporter => matches!(permission, ReadReport | Comment | Withdraw),
        }
    }
}

impl From<ProjectRole> for Role {
    fn from(r: ProjectRole) -> Self {
        match r {
            ProjectRole::Maintainer => Self::Maintainer,
            ProjectRole::Triager => Self::Triager,
        }
    }
}

/// The permission table for a signed-in user within a project: instance admin, or their
/// project role. Collaborators and reporters go through [`Role::allows`].
pub fn allowed(is_admin: bool, role: Option<ProjectRole>, permission: Permission) -> bool {
    Role::resolve(is_admin, role, false, false).is_some_and(|r| r.allows(permission))
}

/// Minimum password length; the only rule besides not being empty (NIST SP 800-63B).
pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 1024;

pub fn check_password(password: &str) -> Result<(), crate::FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        Err(crate::FieldError::new(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ))
    } else if password.len() > MAX_PASSWORD_LEN {
        Err(crate::FieldError::new(
            "password",
            format!("must be at most {MAX_PASSWORD_LEN} bytes"),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_table() {
        use Permission::*;
        use ProjectRole::*;
        let cases = [
            (false, None, ReadReports, false),
            (false, None, EditPolicy, false),
            (false, Some(Triager), ReadReports, true),
            (false, Some(Triager), ActOnReports, true),
            (false, Some(Triager), EditPolicy, false),
            (false, Some(Maintainer), EditPolicy, true),
            (true, None, EditPolicy, true),
        ];
        for (admin, role, perm, expected) in cases {
            assert_eq!(
                allowed(admin, role, perm),
                expected,
                "{admin} {role:?} {perm:?}"
            );
        }
    }

    #[test]
    fn passwords() {
        assert!(check_password("short").is_err());
        assert!(check_password("correct horse battery").is_ok());
        assert!(check_password(&"x".repeat(2000)).is_err());
    }
}
