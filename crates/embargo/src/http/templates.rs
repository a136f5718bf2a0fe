//! HTML templates (minijinja), embedded in the binary and auto-escaped. See
//! `docs/decisions/0002-templates.md`.

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

/// A serialisable value as a template value.
pub fn ser<T: Serialize>(value: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}
use std::sync::LazyLock;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("policy.html", include_str!("../../templates/policy.html")),
    (
        "report_form.html",
        include_str!("../../templates/report_form.html"),
    ),
    ("track.html", include_str!("../../templates/track.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("setup.html", include_str!("../../templates/setup.html")),
    ("account.html", include_str!("../../templates/account.html")),
    (
        "password_forgot.html",
        include_str!("../../templates/password_forgot.html"),
    ),
    (
        "password_reset.html",
        include_str!("../../templates/password_reset.html"),
    ),
    ("inbox.html", include_str!("../../templates/inbox.html")),
    (
        "project_inbox.html",
        include_str!("../../templates/project_inbox.html"),
    ),
    ("report.html", include_str!("../../templates/report.html")),
    (
        "report_workflow.html",
        include_str!("../../templates/report_workflow.html"),
    ),
    (
        "public_bug.html",
        include_str!("../../templates/public_bug.html"),
    ),
    (
        "invitation.html",
        include_str!("../../templates/invitation.html"),
    ),
    (
        "mail_log.html",
        include_str!("../../templates/mail_log.html"),
    ),
    (
        "mail_filters.html",
        include_str!("../../templates/mail_filters.html"),
    ),
    (
        "policy_edit.html",
        include_str!("../../templates/policy_edit.html"),
    ),
    (
        "source_edit.html",
        include_str!("../../templates/source_edit.html"),
    ),
    (
        "project_new.html",
        include_str!("../../templates/project_new.html"),
    ),
    ("outbox.html", include_str!("../../templates/outbox.html")),
    ("members.html", include_str!("../../templates/members.html")),
    ("join.html", include_str!("../../templates/join.html")),
    ("bans.html", include_str!("../../templates/bans.html")),
    (
        "notifications.html",
        include_str!("../../templates/notifications.html"),
    ),
    (
        "webhooks.html",
        include_str!("../../templates/webhooks.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    (
        "advisory_body.html",
        include_str!("../../templates/advisory_body.html"),
    ),
    (
        "advisories.html",
        include_str!("../../templates/advisories.html"),
    ),
    (
        "advisory.html",
        include_str!("../../templates/advisory.html"),
    ),
    (
        "inbox_advisories.html",
        include_str!("../../templates/inbox_advisories.html"),
    ),
    (
        "advisory_edit.html",
        include_str!("../../templates/advisory_edit.html"),
    ),
    (
        "cve_packet.html",
        include_str!("../../templates/cve_packet.html"),
    ),
];

/// The compiled templates.
#[derive(Debug)]
pub struct Templates {
    env: Result<Environment<'static>, String>,
}

static GLOBAL: LazyLock<Templates> = LazyLock::new(Templates::compile);

impl Templates {
    pub fn global() -> &'static Templates {
        &GLOBAL
    }

    fn compile() -> Templates {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        // A variable a page needs but was not given is an error, not an empty string: optional
        // values are tested with `is defined` in the templates.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                return Templates {
                    env: Err(format!("{name}: {e}")),
                };
            }
        }
        Templates { env: Ok(env) }
    }

    pub fn render(&self, name: &str, context: minijinja::Value) -> anyhow::Result<String> {
        let env = self
            .env
            .as_ref()
            .map_err(|e| anyhow::anyhow!("templates failed to compile: {e}"))?;
        let template = env.get_template(name)?;
        Ok(template.render(context)?)
    }
}

/// What every page's layout needs: the signed-in user (if any) and the CSRF token.
pub fn base(
    user: Option<&domain::account::User>,
    csrf: &super::csrf::CsrfToken,
) -> minijinja::Value {
    minijinja::context! {
        user => user.map(|u| minijinja::context! { name => u.name.clone(), is_admin => u.is_admin }),
        csrf => csrf.0.clone(),
    }
}

/// The first message for each field, for templates to show beside the field.
pub fn field_errors(errors: &domain::FieldErrors) -> std::collections::BTreeMap<String, String> {
    let mut map = std::collections::BTreeMap::new();
    for e in &errors.0 {
        map.entry(e.field.clone())
            .or_insert_with(|| e.message.clone());
    }
    map
}

/// Renders a page or fails with a logged internal error.
pub fn page(
    name: &str,
    context: minijinja::Value,
) -> Result<axum::response::Html<String>, super::error::PageError> {
    Ok(axum::response::Html(
        Templates::global().render(name, context)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes_html() {
        let t = Templates::global();
        assert!(t.env.is_ok(), "{:?}", t.env.as_ref().err());
        let html = t
            .render(
                "error.html",
                minijinja::context! { title => "Oops", message => "<script>alert(1)</script>" },
            )
            .expect("renders");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn a_variable_the_page_was_not_given_is_an_error() {
        let t = Templates::global();
        let err = t
            .render("error.html", minijinja::context! { message => "no title" })
            .expect_err("strict");
        assert!(format!("{err:#}").contains("undefined"), "{err:#}");
        let html = t
            .render(
                "setup.html",
                minijinja::context! {
                    title => "Set up", token => "t", csrf => "c", user => None::<()>,
                    form => minijinja::context! { name => "", email => "" },
                    errors => minijinja::context! { email => "is taken" },
                },
            )
            .expect("optional field errors are tested with `is defined`");
        assert!(html.contains("is taken"), "{html}");
    }

    #[test]
    fn every_template_file_is_registered() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let registered: Vec<&str> = TEMPLATES.iter().map(|(name, _)| *name).collect();
        let mut files = 0;
        for entry in std::fs::read_dir(dir).expect("templates directory") {
            let name = entry.expect("entry").file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".html") {
                files += 1;
                assert!(
                    registered.contains(&name.as_ref()),
                    "{name} is not registered"
                );
            }
        }
        assert_eq!(
            files,
            registered.len(),
            "registered templates without a file"
        );
    }
}
