//! The report workflow: which state may follow which, who may move a report, and what a
//! transition request must carry.
//!
//! ```text
//! received ──▶ acknowledged ◀──▶ needs_info        (received may also go straight to
//!                   │                 │             needs_info or accepted)
//!                   └──▶ accepted ◀───┘
//!                           │ └──────────┐
//!                           ▼            ▼
//!                        fixing ◀──▶ fixed ──▶ disclosed
//!
//! every open state (all but disclosed and closed) ──▶ closed, with a resolution
//! closed ──▶ acknowledged | accepted                  (reopen)
//! ```
//!
//! `needs_info` belongs to triage: the maintainers ask the reporter a question before they
//! conclude, and return to `acknowledged` (still assessing) or `accepted` once answered.
//! `fixed` and `disclosed` are separate: a fix ships first, disclosure follows; a fix that
//! proves incomplete goes back from `fixed` to `fixing`. `disclosed` is final.
//!
//! Who: admins and maintainers may make every transition; triagers all but `disclosed`;
//! collaborators none; reporters may only withdraw (close as `withdrawn`) and only before the
//! report is accepted: once accepted, the maintainers own the fix.

use crate::{
    ProjectId, ReportId,
    account::{Permission, Role},
    policy::{NonQualifying, Policy},
    replies::ReplyKey,
    report::{Resolution, State},
};
use serde::{Deserialize, Serialize};

/// Whoever asks for a transition, as seen from the report.
pub type Actor = Role;

/// The longest message that may accompany a transition, in bytes.
pub const MAX_MESSAGE: usize = 100_000;

/// A report named by its per-project number (`12`) or its id (a UUID string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReportRef {
    Number(i64),
    Id(ReportId),
}

/// `POST /api/v1/reports/{id}/transitions`, as the client sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub to: State,
    /// Required when `to` is `closed`, refused otherwise.
    #[serde(default)]
    pub resolution: Option<Resolution>,
    /// The original report; required with `duplicate`, refused otherwise.
    #[serde(default)]
    pub duplicate_of: Option<ReportRef>,
    /// The id of one of the policy's non-qualifying classes; required with `out_of_scope`,
    /// refused otherwise.
    #[serde(default)]
    pub non_qualifying: Option<String>,
    /// A note to the reporter that goes into the reply (see [`crate::replies`]).
    #[serde(default)]
    pub message: Option<String>,
}

impl TransitionRequest {
    /// A request with only a target state.
    pub fn to(to: State) -> Self {
        Self {
            to,
            resolution: None,
            duplicate_of: None,
            non_qualifying: None,
            message: None,
        }
    }

    /// A request to close with `resolution`.
    pub fn close(resolution: Resolution) -> Self {
        Self {
            resolution: Some(resolution),
            ..Self::to(State::Closed)
        }
    }
}

/// What a transition does, named for the audit log and notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// received → acknowledged
    Acknowledge,
    /// → needs_info
    RequestInfo,
    /// needs_info → acknowledged
    ResumeTriage,
    /// → accepted
    Accept,
    /// accepted → fixing, or fixed → fixing (the fix was incomplete)
    StartFix,
    /// → fixed
    MarkFixed,
    /// fixed → disclosed
    Disclose,
    /// → closed, by the maintainers
    Close,
    /// → closed as withdrawn, by the reporter
    Withdraw,
    /// closed → acknowledged | accepted
    Reopen,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::RequestInfo => "request_info",
            Self::ResumeTriage => "resume_triage",
            Self::Accept => "accept",
            Self::StartFix => "start_fix",
            Self::MarkFixed => "mark_fixed",
            Self::Disclose => "disclose",
            Self::Close => "close",
            Self::Withdraw => "withdraw",
            Self::Reopen => "reopen",
        }
    }
}

/// A checked transition: what the server stores and whom it tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: State,
    pub to: State,
    pub action: Action,
    /// The report's resolution after the transition: set when closing, `None` otherwise
    /// (reopening clears it).
    pub resolution: Option<Resolution>,
    /// The original, when closed as a duplicate. The server must still check it with
    /// [`check_duplicate_target`] after looking it up.
    pub duplicate_of: Option<ReportRef>,
    /// The named class, in the policy's wording, when closed as out of scope.
    pub non_qualifying: Option<NonQualifying>,
    /// Whether this is the maintainers' first response (it leaves `received`): the server
    /// records `acknowledged_at` and the acknowledgement clock stops.
    pub first_response: bool,
    /// The reply to send the reporter, if any (none when the reporter acted).
    pub reply: Option<ReplyKey>,
    /// The trimmed message, if one was given.
    pub message: Option<String>,
}

/// Why a transition was refused. Every error names the request field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the report is already {}", .0.as_str())]
    Unchanged(State),
    #[error("a report cannot go from {} to {}", .from.as_str(), .to.as_str())]
    Invalid { from: State, to: State },
    #[error("{message}")]
    Forbidden {
        field: &'static str,
        message: String,
    },
    #[error("{message}")]
    Field {
        field: &'static str,
        message: String,
    },
}

impl TransitionError {
    /// The request field at fault: `to`, `resolution`, `duplicate_of`, `non_qualifying` or
    /// `message`.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Unchanged(_) | Self::Invalid { .. } => "to",
            Self::Forbidden { field, .. } | Self::Field { field, .. } => field,
        }
    }

    /// A stable code for the API's error envelope. `forbidden` maps to HTTP 403, the others
    /// to 422 (or 409 for `unchanged` and `invalid_transition`, at the server's choice).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unchanged(_) => "unchanged",
            Self::Invalid { .. } => "invalid_transition",
            Self::Forbidden { .. } => "forbidden",
            Self::Field { .. } => "invalid",
        }
    }

    fn field_error(field: &'static str, message: impl Into<String>) -> Self {
        Self::Field {
            field,
            message: message.into(),
        }
    }

    fn forbidden(field: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            field,
            message: message.into(),
        }
    }
}

impl From<TransitionError> for crate::FieldError {
    fn from(e: TransitionError) -> Self {
        crate::FieldError::new(e.field(), e.to_string())
    }
}

/// Whether a report in `state` is still open (may be closed).
pub fn is_open(state: State) -> bool {
    !matches!(state, State::Disclosed | State::Closed)
}

/// The workflow's edges, regardless of who asks: the action for `from → to`, if allowed.
pub fn edge(from: State, to: State) -> Option<Action> {
    use State::*;
    Some(match (from, to) {
        (f, Closed) if is_open(f) => Action::Close,
        (Received, Acknowledged) => Action::Acknowledge,
        (Received | Acknowledged, NeedsInfo) => Action::RequestInfo,
        (NeedsInfo, Acknowledged) => Action::ResumeTriage,
        (Received | Acknowledged | NeedsInfo, Accepted) => Action::Accept,
        (Accepted | Fixed, Fixing) => Action::StartFix,
        (Accepted | Fixing, Fixed) => Action::MarkFixed,
        (Fixed, Disclosed) => Action::Disclose,
        (Closed, Acknowledged | Accepted) => Action::Reopen,
        _ => return None,
    })
}

/// The states a report in `from` may move to (for any actor), in [`State::ALL`] order.
pub fn next_states(from: State) -> Vec<State> {
    State::ALL
        .into_iter()
        .filter(|to| edge(from, *to).is_some())
        .collect()
}

/// The states `actor` may move a report in `from` to (to offer in a form).
pub fn next_states_for(from: State, actor: Actor) -> Vec<State> {
    next_states(from)
        .into_iter()
        .filter(|to| may(actor, from, *to).is_ok())
        .collect()
}

/// The actor part of the rules: may `actor` take the edge `from → to`?
fn may(actor: Actor, from: State, to: State) -> Result<(), TransitionError> {
    if to == State::Disclosed {
        if actor.allows(Permission::Disclose) {
            return Ok(());
        }
        return Err(TransitionError::forbidden(
            "to",
            format!(
                "a {} may not disclose a report; ask a maintainer",
                actor.as_str()
            ),
        ));
    }
    if actor.allows(Permission::Transition) {
        return Ok(());
    }
    if to == State::Closed && actor.allows(Permission::Withdraw) {
        if matches!(
            from,
            State::Received | State::Acknowledged | State::NeedsInfo
        ) {
            return Ok(());
        }
        return Err(TransitionError::forbidden(
            "to",
            "the report was accepted, so it can no longer be withdrawn; write to the maintainers instead",
        ));
    }
    Err(TransitionError::forbidden(
        "to",
        format!("a {} may not change the report's state", actor.as_str()),
    ))
}

/// Checks a transition request against the workflow, the actor's role and the policy.
///
/// Checks, in order: the target differs from `from` (`to`; for an actor who may take the
/// step at all, else forbidden); the edge exists (`to`); the actor
/// may take it (`to`, forbidden); `resolution` present exactly when closing, and a reporter
/// may only use `withdrawn` (`resolution`); `duplicate_of` exactly with `duplicate`
/// (`duplicate_of`); `non_qualifying` exactly with `out_of_scope`, naming one of the policy's
/// classes (`non_qualifying`); the message's size (`message`).
pub fn check_transition(
    from: State,
    request: &TransitionRequest,
    actor: Actor,
    policy: &Policy,
) -> Result<Transition, TransitionError> {
    let to = request.to;
    if to == from {
        // Someone who may not take this step at all is told so, not the report's state.
        may(actor, from, to)?;
        return Err(TransitionError::Unchanged(from));
    }
    let mut action = edge(from, to).ok_or(TransitionError::Invalid { from, to })?;
    may(actor, from, to)?;

    let resolution = match (to, request.resolution) {
        (State::Closed, None) => {
            return Err(TransitionError::field_error(
                "resolution",
                "is required to close a report: one of not_a_vulnerability, out_of_scope, \
                 duplicate, spam, withdrawn, wont_fix",
            ));
        }
        (State::Closed, Some(r)) => Some(r),
        (_, Some(_)) => {
            return Err(TransitionError::field_error(
                "resolution",
                "only applies when closing a report",
            ));
        }
        (_, None) => None,
    };
    let staff = actor.allows(Permission::Transition);
    if let Some(r) = resolution
        && !staff
    {
        if r != Resolution::Withdrawn {
            return Err(TransitionError::forbidden(
                "resolution",
                "a reporter may only close their report as withdrawn",
            ));
        }
        action = Action::Withdraw;
    }

    let duplicate_of = match (resolution, request.duplicate_of) {
        (Some(Resolution::Duplicate), None) => {
            return Err(TransitionError::field_error(
                "duplicate_of",
                "is required for a duplicate: the original report's number or id",
            ));
        }
        (Some(Resolution::Duplicate), Some(ReportRef::Number(n))) if n < 1 => {
            return Err(TransitionError::field_error(
                "duplicate_of",
                "must be a report number (1 or more) or a report id",
            ));
        }
        (Some(Resolution::Duplicate), Some(r)) => Some(r),
        (_, Some(_)) => {
            return Err(TransitionError::field_error(
                "duplicate_of",
                "only applies when closing as duplicate",
            ));
        }
        (_, None) => None,
    };

    let non_qualifying = match (resolution, request.non_qualifying.as_deref()) {
        (Some(Resolution::OutOfScope), None) => {
            return Err(TransitionError::field_error(
                "non_qualifying",
                if policy.non_qualifying.is_empty() {
                    "is required for out_of_scope, but the policy lists no non-qualifying \
                     classes: add one to the policy or choose another resolution"
                        .to_owned()
                } else {
                    format!("is required for out_of_scope: one of {}", class_ids(policy))
                },
            ));
        }
        (Some(Resolution::OutOfScope), Some(id)) => Some(
            policy
                .non_qualifying
                .iter()
                .find(|c| c.id == id)
                .cloned()
                .ok_or_else(|| {
                    TransitionError::field_error(
                        "non_qualifying",
                        if policy.non_qualifying.is_empty() {
                            format!(
                                "'{id}' is not in the policy, which lists no non-qualifying classes"
                            )
                        } else {
                            format!(
                                "'{id}' is not one of the policy's classes: {}",
                                class_ids(policy)
                            )
                        },
                    )
                })?,
        ),
        (_, Some(_)) => {
            return Err(TransitionError::field_error(
                "non_qualifying",
                "only applies when closing as out_of_scope",
            ));
        }
        (_, None) => None,
    };

    let message = match request.message.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(m) if m.len() > MAX_MESSAGE => {
            return Err(TransitionError::field_error(
                "message",
                format!("is longer than {MAX_MESSAGE} bytes"),
            ));
        }
        Some(m) if m.contains('\0') => {
            return Err(TransitionError::field_error(
                "message",
                "must not contain NUL characters",
            ));
        }
        Some(m) => Some(m.to_owned()),
    };
    if action == Action::RequestInfo && message.is_none() {
        return Err(TransitionError::field_error(
            "message",
            "is required when asking the reporter for information: write the question",
        ));
    }

    let reply = if staff {
        ReplyKey::for_transition(action, to, resolution)
    } else {
        None
    };
    Ok(Transition {
        from,
        to,
        action,
        resolution,
        duplicate_of,
        non_qualifying,
        first_response: from == State::Received,
        reply,
        message,
    })
}

fn class_ids(policy: &Policy) -> String {
    policy
        .non_qualifying
        .iter()
        .map(|c| c.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The second half of the duplicate check, once the server has looked up `duplicate_of`:
/// the original must exist in the same project and not be the report itself. A report of
/// another project gets the same answer as a missing one, so nothing leaks across projects.
pub fn check_duplicate_target(
    this: ReportId,
    this_project: ProjectId,
    original: Option<(ReportId, ProjectId)>,
) -> Result<(), TransitionError> {
    match original {
        Some((id, project)) if project == this_project => {
            if id == this {
                Err(TransitionError::field_error(
                    "duplicate_of",
                    "cannot be the report itself",
                ))
            } else {
                Ok(())
            }
        }
        _ => Err(TransitionError::field_error(
            "duplicate_of",
            "names no report of this project",
        )),
    }
}
