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

/// What an actor wants to do within a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadReports,
    ActOnReports,
    EditPolicy,
}

/// The permission table: which project role (or instance admin) may do what.
pub fn allowed(is_admin: bool, role: Option<ProjectRole>, permission: Permission) -> bool {
    if is_admin {
        return true;
    }
    match (role, permission) {
        (None, _) => false,
        (Some(ProjectRole::Maintainer), _) => true,
        (Some(ProjectRole::Triager), Permission::ReadReports | Permission::ActOnReports) => true,
        (Some(ProjectRole::Triager), Permission::EditPolicy) => false,
    }
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
