//! Documents rendered from a project's policy: SECURITY.md and the fields of security.txt.

use crate::{
    policy::{Policy, SupportStatus},
    project::Project,
};
use jiff::Timestamp;
use std::fmt::Write;

/// Where a project's public pages live on this instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectUrls {
    pub report_form: String,
    pub policy: String,
    pub security_txt: String,
    pub openpgp_key: Option<String>,
}

impl ProjectUrls {
    /// The URLs of `project` under `public_url` (no trailing slash).
    pub fn new(public_url: &str, project: &Project) -> Self {
        let base = format!(
            "{}/p/{}",
            public_url.trim_end_matches('/'),
            project.slug.as_str()
        );
        Self {
            report_form: format!("{base}/report"),
            policy: format!("{base}/policy"),
            security_txt: format!("{base}/security.txt"),
            openpgp_key: project
                .policy
                .openpgp_key
                .as_ref()
                .map(|_| format!("{base}/pgp-key.asc")),
        }
    }
}

/// How long a served security.txt stays valid. RFC 9116 §2.5.5 recommends less than a year;
/// the file is rendered on every request, so it never reaches its `Expires`.
pub const SECURITY_TXT_VALIDITY_DAYS: i64 = 180;

/// The fields of a project's security.txt (RFC 9116), in the order they are written.
pub fn security_txt_fields(
    project: &Project,
    urls: &ProjectUrls,
    canonical: &str,
    now: Timestamp,
) -> Vec<(&'static str, String)> {
    let p = &project.policy;
    let mut fields = vec![("Contact", urls.report_form.clone())];
    for c in &p.contacts {
        fields.push(("Contact", c.clone()));
    }
    let expires = now
        .saturating_add(jiff::SignedDuration::from_hours(
            24 * SECURITY_TXT_VALIDITY_DAYS,
        ))
        .unwrap_or(now);
    fields.push((
        "Expires",
        expires.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    ));
    if let Some(k) = &urls.openpgp_key {
        fields.push(("Encryption", k.clone()));
    }
    if let Some(a) = &p.acknowledgments_url {
        fields.push(("Acknowledgments", a.clone()));
    }
    if !p.preferred_languages.is_empty() {
        fields.push(("Preferred-Languages", p.preferred_languages.join(", ")));
    }
    fields.push(("Canonical", canonical.to_owned()));
    fields.push(("Policy", urls.policy.clone()));
    if let Some(h) = &p.hiring_url {
        fields.push(("Hiring", h.clone()));
    }
    if let Some(c) = &p.csaf_provider_url {
        fields.push(("CSAF", c.clone()));
    }
    fields
}

/// A project's SECURITY.md: the policy in Markdown, ready to commit to the repository.
pub fn security_md(project: &Project, urls: &ProjectUrls) -> String {
    let p: &Policy = &project.policy;
    let mut md = String::new();
    let _ = writeln!(md, "# Security policy for {}\n", md_escape(&project.name));
    if let Some(intro) = &p.introduction {
        let _ = writeln!(md, "{}\n", intro.trim());
    }
    md.push_str("## Reporting a vulnerability\n\n");
    let _ = writeln!(
        md,
        "Please report vulnerabilities privately through our report form: <{}>. \
         Do not open public issues for security problems.\n",
        urls.report_form
    );
    let others: Vec<_> = p.contacts.iter().collect();
    if !others.is_empty() {
        md.push_str("You can also reach us at:\n\n");
        for c in others {
            let shown = c.strip_prefix("mailto:").unwrap_or(c);
            let _ = writeln!(md, "- <{shown}>");
        }
        md.push('\n');
    }
    if let Some(k) = &urls.openpgp_key {
        let _ = writeln!(md, "Our OpenPGP key is at <{k}>.\n");
    }
    if !p.supported_versions.is_empty() {
        md.push_str("## Supported versions\n\n| Version | Status |\n| --- | --- |\n");
        for v in &p.supported_versions {
            let mark = match v.status {
                SupportStatus::Supported | SupportStatus::Security => ":white_check_mark:",
                SupportStatus::Prerelease => ":construction:",
                SupportStatus::EndOfLife => ":x:",
            };
            let note = v
                .note
                .as_deref()
                .map(|n| format!(" ({})", md_escape(n)))
                .unwrap_or_default();
            let _ = writeln!(
                md,
                "| {} | {mark} {}{note} |",
                md_escape(&v.version),
                v.status.label()
            );
        }
        md.push('\n');
    }
    md.push_str("## What to expect\n\n");
    let t = &p.targets;
    let _ = writeln!(
        md,
        "- We acknowledge your report within {}.",
        t.day_word(t.acknowledge_days)
    );
    let _ = writeln!(
        md,
        "- We assess it and tell you our conclusion within {}.",
        t.day_word(t.triage_days)
    );
    let _ = writeln!(
        md,
        "- We aim to publish a fix and an advisory within {} of your report; \
         we coordinate the disclosure date with you.\n",
        t.day_word(t.disclosure_days)
    );
    if !p.non_qualifying.is_empty() {
        md.push_str("## What does not qualify\n\n");
        for n in &p.non_qualifying {
            let _ = writeln!(md, "- {}", n.wording().trim());
        }
        md.push('\n');
    }
    if !p.out_of_scope_paths.is_empty() {
        md.push_str("Code under these paths is out of scope: ");
        let paths: Vec<_> = p
            .out_of_scope_paths
            .iter()
            .map(|g| format!("`{}`", g.replace('`', "")))
            .collect();
        let _ = writeln!(md, "{}.\n", paths.join(", "));
    }
    for (heading, text) in [
        ("Bounty", p.bounty.as_deref()),
        ("Reports written with AI tools", p.genai_policy.as_deref()),
        ("Safe harbour", p.safe_harbour.as_deref()),
    ] {
        if let Some(text) = text {
            let _ = writeln!(md, "## {heading}\n\n{}\n", text.trim());
        }
    }
    if p.bounty.is_none() {
        md.push_str("## Bounty\n\nThis project does not pay bounties.\n\n");
    }
    let _ = writeln!(
        md,
        "---\nThe full policy is at <{}>; machine-readable contacts are in <{}>.",
        urls.policy, urls.security_txt
    );
    md
}

/// Escapes characters that Markdown would interpret in a table cell or heading.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ProjectId, ProjectSlug,
        policy::{NonQualifying, SupportedVersion},
    };

    fn project() -> Project {
        Project {
            id: ProjectId::new(),
            slug: ProjectSlug::parse("octo").unwrap(),
            name: "Octo <Print>".into(),
            policy: Policy {
                contacts: vec!["mailto:security@octo.example".into()],
                supported_versions: vec![SupportedVersion {
                    version: "1.11.x".into(),
                    status: SupportStatus::Supported,
                    note: None,
                }],
                non_qualifying: vec![NonQualifying {
                    id: "requires-admin".into(),
                    text: None,
                }],
                ..Policy::default()
            },
            policy_version: 1,
            created_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn security_txt_has_required_fields() {
        let p = project();
        let urls = ProjectUrls::new("https://sec.example/", &p);
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let fields = security_txt_fields(&p, &urls, &urls.security_txt, now);
        let get = |k: &str| -> Vec<&str> {
            fields
                .iter()
                .filter(|(f, _)| *f == k)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(
            get("Contact"),
            vec![
                "https://sec.example/p/octo/report",
                "mailto:security@octo.example"
            ]
        );
        assert_eq!(get("Expires"), vec!["2027-05-22T10:00:00Z"]);
        assert_eq!(
            get("Canonical"),
            vec!["https://sec.example/p/octo/security.txt"]
        );
        assert_eq!(get("Policy"), vec!["https://sec.example/p/octo/policy"]);
        assert_eq!(get("Preferred-Languages"), vec!["en"]);
        assert!(get("Encryption").is_empty());
    }

    #[test]
    fn security_md_mentions_policy() {
        let p = project();
        let urls = ProjectUrls::new("https://sec.example", &p);
        let md = security_md(&p, &urls);
        assert!(
            md.starts_with("# Security policy for Octo \\<Print\\>\n"),
            "{md}"
        );
        assert!(md.contains("<https://sec.example/p/octo/report>"));
        assert!(md.contains("| 1.11.x | :white_check_mark: Supported |"));
        assert!(md.contains("within 7 days"));
        assert!(md.contains("administrator privileges"));
        assert!(md.contains("does not pay bounties"));
    }
}
