//! The report page's thread form: maintainers and triagers write an internal note or a
//! message the reporter sees (and is e-mailed), through `services::reports::post_message`,
//! as the JSON API does.

use super::{
    auth::CurrentUser,
    csrf::{self, CsrfToken},
    error::PageError,
    intake::parse_form,
};
use crate::{
    AppState,
    services::{ServiceError, reports},
};
use axum::{
    Extension,
    body::Bytes,
    extract::{Path, State, rejection::BytesRejection},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use store::Visibility;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct MessageForm {
    csrf_token: Option<String>,
    body: String,
    visibility: String,
}

/// The form's `visibility`: `internal` or `reporter`; anything else names the field.
fn visibility(value: &str) -> Result<Visibility, ServiceError> {
    match value {
        "internal" => Ok(Visibility::Internal),
        "reporter" => Ok(Visibility::Reporter),
        "" => Err(ServiceError::field("visibility", "is required")),
        _ => Err(ServiceError::field(
            "visibility",
            "must be internal or reporter",
        )),
    }
}

/// `POST /inbox/{slug}/reports/{number}/messages`: adds to the report's thread, then back to
/// the thread.
pub async fn post_message(
    State(state): State<AppState>,
    Path((slug, number)): Path<(String, i64)>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let form: MessageForm = parse_form(body)?;
    csrf::check(&csrf, form.csrf_token.as_deref())?;
    let view = reports::by_number(&state, &user, &slug, number).await?;
    let visibility = visibility(&form.visibility)?;
    reports::post_message(
        &state,
        reports::Caller::User(&user),
        view.report.id,
        &form.body,
        visibility,
    )
    .await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}#thread")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visibility_is_one_of_two_words() {
        assert_eq!(visibility("internal").ok(), Some(Visibility::Internal));
        assert_eq!(visibility("reporter").ok(), Some(Visibility::Reporter));
        for bad in ["", "Internal", "everyone", "reporter "] {
            match visibility(bad) {
                Err(ServiceError::Invalid(errors)) => {
                    assert_eq!(errors.first().map(|e| e.field.as_str()), Some("visibility"));
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }
}
