//! The checks. Each pushes [`Finding`]s with evidence; none decides the label.

mod claim;
mod claims;
mod grounded;
mod history;
mod intent;
mod phrases;
mod poc;
mod policy;

use crate::extract::Facts;
use crate::text::Doc;
use crate::{Context, Finding, Fingerprint};

pub(crate) fn run_all(doc: &Doc<'_>, facts: &Facts, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if !ctx.sources.is_empty() {
        grounded::code_references(doc, facts, ctx, out);
        grounded::quoted_code(doc, facts, ctx, out);
        grounded::frames(doc, facts, ctx, out);
        claims::check(doc, facts, ctx, out);
    }
    poc::poc(doc, facts, ctx, out);
    let claim = claim::Claim::of(doc);
    let needs = claim::needs(doc, &claim);
    policy::scope(doc, facts, ctx, &claim, out);
    policy::classes(doc, ctx, &claim, &needs, out);
    policy::scanner(doc, out);
    intent::payment(doc, facts, ctx, out);
    intent::placeholders(doc, out);
    intent::severity(doc, facts, out);
    intent::unproven(doc, facts, out);
    intent::ai(doc, facts, ctx, out);
}

pub(crate) fn history(
    doc: &Doc<'_>,
    facts: &Facts,
    ctx: &Context<'_>,
    fingerprint: &Fingerprint,
    out: &mut Vec<Finding>,
) {
    history::similar(doc, facts, ctx, fingerprint, out);
    history::reporter(ctx, doc, out);
}

/// The project's name as it may appear in text: `owner/repo (Product name)` gives
/// `repo`, `owner`, `product name` and the words of each.
pub(crate) fn name_variants(project: &str) -> Vec<String> {
    const NOISE: &[&str] = &[
        "the", "and", "for", "rust", "crates", "crate", "python", "packages", "package", "npm",
        "issues", "website", "engine", "project", "app", "lib", "org", "com", "io", "www",
    ];
    let lower = project.to_ascii_lowercase();
    let mut out = Vec::new();
    for part in
        lower.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'))
    {
        let part = part.trim_matches(|c: char| c == '-' || c == '.' || c == '_');
        if part.len() >= 3 && !NOISE.contains(&part) {
            out.push(part.to_owned());
            // `ace-step-1.5` → `ace-step`, `ace step`
            let stem = part.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '-');
            if stem.len() >= 3 && stem != part {
                out.push(stem.to_owned());
            }
            if stem.contains('-') {
                out.push(stem.replace('-', " "));
                out.push(stem.replace('-', ""));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether the text names the project (whole word, case-insensitive).
pub(crate) fn names_project(doc: &Doc<'_>, project: &str) -> bool {
    let variants = name_variants(project);
    [&doc.lower, &doc.lower_title].iter().any(|hay| {
        variants.iter().any(|v| {
            hay.match_indices(v.as_str()).any(|(i, _)| {
                let before = hay[..i].chars().next_back();
                let after = hay[i + v.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::name_variants;

    #[test]
    fn variants() {
        let v = name_variants("ace-step/ACE-Step-1.5");
        assert!(v.contains(&"ace-step".to_owned()), "{v:?}");
        assert!(v.contains(&"ace step".to_owned()), "{v:?}");
        let v = name_variants("moby/moby (Docker Engine)");
        assert!(
            v.contains(&"moby".to_owned()) && v.contains(&"docker".to_owned()),
            "{v:?}"
        );
        assert_eq!(name_variants("curl"), vec!["curl".to_owned()]);
    }
}
