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
    let fields_contacts = contacts_in_order(p, urls);
    let mut fields: Vec<(&'static str, String)> = fields_contacts
        .into_iter()
        .map(|c| ("Contact", c))
        .collect();
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

/// Every way to report, in the project's order: Embargo's report form first unless the
/// policy sets `report_form_first = false`, then after the project's own contacts.
pub fn contacts_in_order(policy: &Policy, urls: &ProjectUrls) -> Vec<String> {
    let mut out = policy.contacts.clone();
    if policy.report_form_first {
        out.insert(0, urls.report_form.clone());
    } else {
        out.push(urls.report_form.clone());
    }
    out
}

/// The lines of the policy's threat model in plain words, empty when it has none.
pub fn threat_model_lines(policy: &Policy) -> Vec<String> {
    let Some(tm) = &policy.threat_model else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(av) = tm.max_attack_vector {
        out.push(av.at_most());
    }
    if !tm.deployment_assumptions.is_empty() {
        out.push(format!(
            "We assume the software is deployed as documented: {}.",
            tm.deployment_assumptions.join("; ")
        ));
    }
    if !tm.trusted_roles.is_empty() {
        out.push(format!(
            "Trusted by design (attacks that need these roles do not qualify): {}.",
            tm.trusted_roles.join(", ")
        ));
    }
    out
}

/// "Yes" or "No" for the lifecycle table.
pub fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
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
    md.push_str(
        "Please report vulnerabilities privately, in this order of preference. \
         Do not open public issues for security problems.\n\n",
    );
    for c in contacts_in_order(p, urls) {
        let shown = c.strip_prefix("mailto:").unwrap_or(&c);
        if c == urls.report_form {
            let _ = writeln!(md, "- Our report form: <{shown}>");
        } else {
            let _ = writeln!(md, "- <{shown}>");
        }
    }
    md.push('\n');
    let rules = p.reporting.rules();
    if !rules.is_empty() {
        md.push_str("### How to write the report\n\n");
        for r in rules {
            let _ = writeln!(md, "- {r}");
        }
        md.push('\n');
    }
    if let Some(k) = &urls.openpgp_key {
        let _ = writeln!(md, "Our OpenPGP key is at <{k}>.\n");
    }
    if !p.supported_versions.is_empty() {
        md.push_str(
            "## Supported versions\n\n| Version | Status | CVE assigned |\n| --- | --- | --- |\n",
        );
        for v in &p.supported_versions {
            let mark = match v.status {
                SupportStatus::Bugfix | SupportStatus::Security => ":white_check_mark:",
                SupportStatus::Feature | SupportStatus::Prerelease => ":construction:",
                SupportStatus::EndOfLife => ":x:",
            };
            let note = v
                .note
                .as_deref()
                .map(|n| format!(" ({})", md_escape(n)))
                .unwrap_or_default();
            let _ = writeln!(
                md,
                "| {} | {mark} {}{note} | {} |",
                md_escape(&v.version),
                v.status.label(),
                yes_no(p.version_cve_eligible(v))
            );
        }
        md.push('\n');
        if p.supported_versions
            .iter()
            .any(|v| v.status == SupportStatus::Prerelease)
        {
            md.push_str(
                "A problem that exists only in a pre-release is a regular bug: \
                 please report it in the public tracker.\n\n",
            );
        }
    }
    let tm = threat_model_lines(p);
    if let Some(model) = &p.threat_model {
        md.push_str("## Threat model\n\n");
        if let Some(text) = &model.text {
            let _ = writeln!(md, "{}\n", text.trim());
        }
        for line in &tm {
            let _ = writeln!(md, "- {line}");
        }
        if !tm.is_empty() {
            md.push('\n');
        }
        if let Some(u) = &model.url {
            let _ = writeln!(md, "The full threat model is at <{u}>.\n");
        }
    }
    md.push_str("## What to expect\n\n");
    let t = &p.targets;
    if let Some(ack) = t.acknowledge_text() {
        let _ = writeln!(md, "- We acknowledge your report within {ack}.");
    }
    if let Some(triage) = t.triage_text() {
        let _ = writeln!(
            md,
            "- We assess it and tell you our conclusion within {triage}."
        );
    }
    match t.disclosure_text() {
        Some(d) => {
            let _ = writeln!(
                md,
                "- We aim to publish a fix and an advisory within {d} of your report; \
                 we coordinate the disclosure date with you.\n"
            );
        }
        None => md.push_str("- We coordinate the disclosure date with you.\n\n"),
    }
    if let Some(sev) = &p.cve_min_severity {
        let _ = writeln!(
            md,
            "We request CVE identifiers for vulnerabilities of {} severity or higher.\n",
            md_escape(sev)
        );
    }
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
    if let Some(coc) = &p.code_of_conduct_url {
        let _ = writeln!(
            md,
            "## Code of conduct\n\nReports and all conversations about them are subject to \
             our code of conduct: <{coc}>.\n"
        );
    }
    let _ = writeln!(
        md,
        "---\nThe full policy is at <{}>; machine-readable contacts are in <{}>.",
        urls.policy, urls.security_txt
    );
    if let Some(d) = p.updated {
        let _ = writeln!(md, "\nThis policy was last updated on {d}.");
    }
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
                    status: SupportStatus::Bugfix,
                    note: None,
                    cve_eligible: None,
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
        assert!(
            md.contains("| 1.11.x | :white_check_mark: Supported (bug and security fixes) | Yes |"),
            "{md}"
        );
        assert!(md.contains("within 7 days"));
        assert!(md.contains("administrator privileges"));
        assert!(md.contains("does not pay bounties"));
    }

    #[test]
    fn contacts_follow_the_projects_order() {
        let mut p = project();
        p.policy.contacts = vec![
            "https://github.com/o/p/security/advisories/new".into(),
            "mailto:security@octo.example".into(),
        ];
        p.policy.report_form_first = false;
        let urls = ProjectUrls::new("https://sec.example", &p);
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let contacts: Vec<String> = security_txt_fields(&p, &urls, &urls.security_txt, now)
            .into_iter()
            .filter(|(f, _)| *f == "Contact")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(
            contacts,
            vec![
                "https://github.com/o/p/security/advisories/new",
                "mailto:security@octo.example",
                "https://sec.example/p/octo/report",
            ]
        );
        let md = security_md(&p, &urls);
        let ghsa = md.find("advisories/new").unwrap();
        let form = md
            .find("Our report form: <https://sec.example/p/octo/report>")
            .unwrap();
        assert!(ghsa < form, "{md}");
    }

    #[test]
    fn security_md_words_calendar_days_and_leaves_out_targets_switched_off() {
        let mut p = project();
        p.policy.targets.triage_days = None;
        let urls = ProjectUrls::new("https://sec.example", &p);
        let md = security_md(&p, &urls);
        assert!(md.contains("within 7 days."), "{md}");
        assert!(!md.contains("conclusion within"), "{md}");
        assert!(
            md.contains("advisory within 90 days of your report"),
            "{md}"
        );
        // Business days count the acknowledgement; the disclosure clock stays in calendar days.
        p.policy.targets.business_days = true;
        let md = security_md(&p, &urls);
        assert!(md.contains("within 7 business days."), "{md}");
        assert!(md.contains("within 90 days of your report"), "{md}");
        assert!(!md.contains("90 business days"), "{md}");
    }

    #[test]
    fn new_sections_show_only_when_set() {
        let p = project();
        let urls = ProjectUrls::new("https://sec.example", &p);
        let md = security_md(&p, &urls);
        for absent in [
            "Threat model",
            "How to write the report",
            "Code of conduct",
            "last updated",
            "CVE identifiers",
        ] {
            assert!(!md.contains(absent), "{absent}: {md}");
        }
    }
}
