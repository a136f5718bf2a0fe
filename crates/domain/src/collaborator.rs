//! Collaborators: someone a maintainer invites to ONE report (a security friend, a
//! downstream maintainer). What they may do is [`crate::account::Role::Collaborator`]'s row
//! of the permission table; this module checks an invitation and says whether it is live.

use crate::{EmailAddress, FieldErrors};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// Days an invitation (and the access it gives) lasts when the maintainer does not say.
pub const DEFAULT_DAYS: i64 = 14;
/// The longest an invitation may last.
pub const MAX_DAYS: i64 = 90;
/// Longest note a maintainer may add to an invitation.
pub const MAX_NOTE: usize = 2000;

/// What a maintainer typed to invite someone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvitationInput {
    pub email: String,
    /// Days until the access ends; `None` for [`DEFAULT_DAYS`].
    pub days: Option<i64>,
    pub note: Option<String>,
}

/// A checked invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub email: EmailAddress,
    pub expires_at: Timestamp,
    pub note: Option<String>,
}

impl InvitationInput {
    /// Checks every field at once, naming each bad one (`email`, `days`, `note`).
    pub fn validate(&self, now: Timestamp) -> Result<Invitation, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email = EmailAddress::parse("email", self.email.trim())
            .map_err(|e| errors.0.push(e))
            .ok();
        let days = self.days.unwrap_or(DEFAULT_DAYS);
        if !(1..=MAX_DAYS).contains(&days) {
            errors.push("days", format!("must be between 1 and {MAX_DAYS}"));
        }
        let note = self
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        if let Some(n) = &note {
            if n.chars().count() > MAX_NOTE {
                errors.push("note", format!("is longer than {MAX_NOTE} characters"));
            } else if n.contains('\0') {
                errors.push("note", "must not contain NUL characters");
            }
        }
        let expires_at = now
            .checked_add(SignedDuration::from_hours(24 * days.clamp(1, MAX_DAYS)))
            .unwrap_or(now);
        let email = errors.into_result(email)?;
        match email {
            Some(email) => Ok(Invitation {
                email,
                expires_at,
                note,
            }),
            None => Err(FieldErrors(vec![crate::FieldError::new(
                "email",
                "is required",
            )])),
        }
    }
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Sent, not yet accepted; the link still works.
    Pending,
    /// Accepted: the collaborator may read and work on the report.
    Active,
    /// Past its expiry: the link no longer works and any access ended.
    Expired,
    /// Revoked by a maintainer: no access, whatever the expiry.
    Revoked,
}

impl Status {
    /// Revocation wins over expiry, expiry over acceptance.
    pub fn of(accepted: bool, revoked: bool, expires_at: Timestamp, now: Timestamp) -> Self {
        if revoked {
            Self::Revoked
        } else if now >= expires_at {
            Self::Expired
        } else if accepted {
            Self::Active
        } else {
            Self::Pending
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    /// Whether the invitation still stands (its link works or its access lasts).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Pending | Self::Active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Permission, Role};

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + s).expect("timestamp")
    }

    fn fields(e: FieldErrors) -> Vec<String> {
        e.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn an_invitation_lasts_fourteen_days_unless_told_otherwise() {
        let input = InvitationInput {
            email: " Friend@Example.org ".into(),
            days: None,
            note: Some("  Please look at the parser.  ".into()),
        };
        let inv = input.validate(at(0)).expect("valid");
        assert_eq!(inv.email.as_str(), "Friend@Example.org");
        assert_eq!(inv.expires_at, at(14 * 86_400));
        assert_eq!(inv.note.as_deref(), Some("Please look at the parser."));
        let inv = InvitationInput {
            days: Some(90),
            note: Some("   ".into()),
            ..input
        }
        .validate(at(0))
        .expect("valid");
        assert_eq!(inv.expires_at, at(90 * 86_400));
        assert_eq!(inv.note, None, "a blank note is no note");
    }

    #[test]
    fn bad_fields_are_named_together() {
        let e = InvitationInput {
            email: "not an address".into(),
            days: Some(91),
            note: Some("x".repeat(MAX_NOTE + 1)),
        }
        .validate(at(0))
        .expect_err("invalid");
        assert_eq!(fields(e), ["email", "days", "note"]);
        for days in [0, -3, 1000] {
            let e = InvitationInput {
                email: "a@example.org".into(),
                days: Some(days),
                note: None,
            }
            .validate(at(0))
            .expect_err("days");
            assert_eq!(fields(e), ["days"], "{days}");
        }
        let e = InvitationInput::default()
            .validate(at(0))
            .expect_err("empty");
        assert_eq!(fields(e), ["email"]);
        let e = InvitationInput {
            email: "a@example.org".into(),
            days: Some(1),
            note: Some("a\0b".into()),
        }
        .validate(at(0))
        .expect_err("nul");
        assert_eq!(fields(e), ["note"]);
        let ok = InvitationInput {
            email: "a@example.org".into(),
            days: Some(1),
            note: Some("é".repeat(MAX_NOTE)),
        };
        assert!(ok.validate(at(0)).is_ok(), "the limit counts characters");
    }

    #[test]
    fn status_revoked_beats_expired_beats_accepted() {
        let exp = at(100);
        assert_eq!(Status::of(false, false, exp, at(0)), Status::Pending);
        assert_eq!(Status::of(true, false, exp, at(99)), Status::Active);
        assert_eq!(Status::of(true, false, exp, at(100)), Status::Expired);
        assert_eq!(Status::of(false, false, exp, at(200)), Status::Expired);
        assert_eq!(Status::of(true, true, exp, at(0)), Status::Revoked);
        assert_eq!(Status::of(true, true, exp, at(200)), Status::Revoked);
        assert!(Status::Pending.is_live() && Status::Active.is_live());
        assert!(!Status::Expired.is_live() && !Status::Revoked.is_live());
    }

    #[test]
    fn collaborators_read_and_score_but_never_act_for_the_project() {
        let allowed: Vec<Permission> = Permission::ALL
            .into_iter()
            .filter(|p| Role::Collaborator.allows(*p))
            .collect();
        assert_eq!(
            allowed,
            [
                Permission::ReadReport,
                Permission::ReadInternal,
                Permission::CommentInternal,
                Permission::Score
            ]
        );
        assert_eq!(
            Role::resolve(false, None, true, true),
            Some(Role::Collaborator),
            "an invitation outranks being the reporter"
        );
    }
}
