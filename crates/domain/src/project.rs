//! Projects: a name, a slug and a versioned policy.

use crate::{ProjectId, ProjectSlug, policy::Policy};
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    pub id: ProjectId,
    pub slug: ProjectSlug,
    pub name: String,
    pub policy: Policy,
    /// Incremented on every policy change; older versions are kept.
    pub policy_version: i64,
    pub created_at: Timestamp,
}

pub const MAX_NAME: usize = 200;

pub fn check_name(name: &str) -> Result<String, crate::FieldError> {
    let name = name.trim();
    if name.is_empty() {
        Err(crate::FieldError::new("name", "is required"))
    } else if name.len() > MAX_NAME {
        Err(crate::FieldError::new(
            "name",
            format!("is longer than {MAX_NAME} bytes"),
        ))
    } else if name.chars().any(char::is_control) {
        Err(crate::FieldError::new(
            "name",
            "must be one line without control characters",
        ))
    } else {
        Ok(name.to_owned())
    }
}
