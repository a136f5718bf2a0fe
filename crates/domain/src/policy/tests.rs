//! Tests of the policy's parsing, defaults and validation.
use super::*;

#[test]
fn minimal_toml_gets_defaults() {
    let p = Policy::from_toml("contacts = [\"mailto:security@example.org\"]\n").unwrap();
    assert_eq!(p.targets.acknowledge_days, Some(7));
    assert_eq!(p.targets.disclosure_days, Some(90));
    assert_eq!(p.preferred_languages, vec!["en"]);
}

#[test]
fn syntax_errors_name_line() {
    let err = Policy::from_toml(
        "contacts = [\"mailto:a@b.org\"]\n\n[targets]\nacknowledge_days = \"soon\"\n",
    )
    .unwrap_err();
    match err {
        PolicyError::Syntax { line, .. } => assert_eq!(line, 4),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn unknown_keys_are_refused() {
    let err = Policy::from_toml("contact = []\n").unwrap_err();
    assert!(err.to_string().contains("contact"), "{err}");
}

#[test]
fn semantic_errors_name_field() {
    let err = Policy::from_toml(
        "contacts = [\"ftp://x\"]\n[[non_qualifying]]\nid = \"my-own\"\n[targets]\nacknowledge_days = 0\n",
    )
    .unwrap_err();
    let PolicyError::Invalid(errors) = err else {
        panic!("expected field errors")
    };
    assert!(errors.get("contacts[0]").is_some());
    assert!(errors.get("non_qualifying[0].text").is_some());
    assert!(errors.get("targets.acknowledge_days").is_some());
}

#[test]
fn standard_wording_falls_back() {
    let n = NonQualifying {
        id: "mitm".into(),
        text: None,
    };
    assert!(n.wording().contains("man-in-the-middle"));
    let n = NonQualifying {
        id: "mitm".into(),
        text: Some("Our words.".into()),
    };
    assert_eq!(n.wording(), "Our words.");
}

#[test]
fn uris_with_spaces_are_refused() {
    assert!(check_uri("https://example.org/a b", &["https://"]).is_err());
    assert!(check_uri("https://example.org/a%20b", &["https://"]).is_ok());
    assert!(check_uri("javascript:alert(1)", &["https://", "mailto:"]).is_err());
}

#[test]
fn toml_round_trip() {
    let p = Policy {
        contacts: vec!["mailto:security@example.org".into()],
        bounty: Some("None, but credit.".into()),
        ..Policy::default()
    };
    assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
}

#[test]
fn junk_rules_default_to_quiet_and_are_shown_for_editing() {
    let p = Policy::from_toml("contacts = [\"mailto:security@example.org\"]\n").unwrap();
    assert!(p.junk.hold_receipts);
    assert_eq!(p.junk.spam_reply, SpamReply::None);
    let text = p.to_toml();
    assert!(text.contains("[junk]"), "{text}");
    assert!(text.contains("hold_receipts = true"), "{text}");
    assert!(text.contains("spam_reply = \"none\""), "{text}");
    let p = Policy::from_toml(
        "contacts = [\"mailto:a@b.org\"]\n[junk]\nhold_receipts = false\nspam_reply = \"policy_link\"\n",
    )
    .unwrap();
    assert!(!p.junk.hold_receipts);
    assert_eq!(p.junk.spam_reply, SpamReply::PolicyLink);
    assert!(Policy::from_toml("[junk]\nspam_reply = \"rude\"\n").is_err());
}

/// A policy as stored by earlier versions: `supported` status, every target a number,
/// no reporting or threat-model sections.
const OLD_FORMAT: &str = r#"
contacts = ["mailto:security@example.org"]
cve_min_severity = "medium"

[targets]
acknowledge_days = 3
triage_days = 10
disclosure_days = 60

[[supported_versions]]
version = "1.11.x"
status = "supported"

[[supported_versions]]
version = "1.9.x"
status = "end-of-life"
"#;

#[test]
fn old_format_policies_keep_loading_with_their_meaning() {
    let p = Policy::from_toml(OLD_FORMAT).unwrap();
    assert_eq!(p.supported_versions[0].status, SupportStatus::Bugfix);
    assert_eq!(p.supported_versions[1].status, SupportStatus::EndOfLife);
    assert_eq!(p.targets.acknowledge_days, Some(3));
    assert_eq!(p.targets.triage_days, Some(10));
    assert_eq!(p.targets.disclosure_days, Some(60));
    assert!(p.report_form_first);
    assert_eq!(p.updated, None);
    assert_eq!(p.threat_model, None);
    assert_eq!(p.reporting, Reporting::default());
    assert!(p.reporting.ask_cvss);
    // And they survive the JSON the store keeps.
    let json = serde_json::to_string(&p).unwrap();
    let back: Policy = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
    // The JSON of an earlier version, with numeric targets and `supported`.
    let old_json = r#"{"contacts":[],"supported_versions":[{"version":"2.x","status":"supported","note":null}],
        "non_qualifying":[],"out_of_scope_paths":[],"targets":{"acknowledge_days":7,"triage_days":14,"disclosure_days":90},
        "cve_min_severity":null,"bounty":null,"genai_policy":null,"safe_harbour":null,"preferred_languages":["en"],
        "openpgp_key":null,"acknowledgments_url":null,"hiring_url":null,"csaf_provider_url":null,"introduction":null}"#;
    let p: Policy = serde_json::from_str(old_json).unwrap();
    assert_eq!(p.supported_versions[0].status, SupportStatus::Bugfix);
    assert_eq!(p.targets.triage_days, Some(14));
}

#[test]
fn new_fields_parse() {
    let p = Policy::from_toml(
        r#"
updated = 2024-02-06
code_of_conduct_url = "https://example.org/coc"
report_form_first = false
contacts = ["https://github.com/o/p/security/advisories/new"]

[threat_model]
text = "Runs on a private network."
url = "https://example.org/threat-model"
max_attack_vector = "adjacent"
trusted_roles = ["administrator"]
deployment_assumptions = ["not exposed to the internet"]

[reporting]
plain_text_only = true
attachments_allowed = ["txt", "text/plain"]
ask_cvss = false
poc_exit_code = true
tested_versions = true
minimal_patch = true
max_words = 150
"#,
    )
    .unwrap();
    assert_eq!(p.updated, Some(jiff::civil::date(2024, 2, 6)));
    assert_eq!(
        p.code_of_conduct_url.as_deref(),
        Some("https://example.org/coc")
    );
    assert!(!p.report_form_first);
    let tm = p.threat_model.as_ref().unwrap();
    assert_eq!(tm.max_attack_vector, Some(AttackVector::Adjacent));
    assert_eq!(tm.trusted_roles, vec!["administrator"]);
    assert_eq!(
        tm.deployment_assumptions,
        vec!["not exposed to the internet"]
    );
    assert_eq!(tm.url.as_deref(), Some("https://example.org/threat-model"));
    let r = &p.reporting;
    assert!(r.plain_text_only && !r.ask_cvss && r.poc_exit_code);
    assert!(r.tested_versions && r.minimal_patch);
    assert_eq!(r.attachments_allowed, vec!["txt", "text/plain"]);
    assert_eq!(r.max_words, Some(150));
    // Through the JSON the store keeps, with and without a date.
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
    let undated = Policy::default();
    let json = serde_json::to_string(&undated).unwrap();
    assert!(json.contains(r#""updated":null"#), "{json}");
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), undated);
    // The date may also be written as a string, and the whole survives a round trip.
    assert_eq!(
        Policy::from_toml("updated = \"2024-02-06\"\n")
            .unwrap()
            .updated,
        p.updated
    );
    assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
}

#[test]
fn bad_new_fields_name_the_field() {
    let err = Policy::from_toml(
        "code_of_conduct_url = \"ftp://x\"\n[threat_model]\nurl = \"javascript:x\"\n\
         trusted_roles = [\"\"]\n[reporting]\nattachments_allowed = [\"a b\"]\nmax_words = 0\n",
    )
    .unwrap_err();
    let PolicyError::Invalid(errors) = err else {
        panic!("expected field errors, got {err:?}")
    };
    for field in [
        "code_of_conduct_url",
        "threat_model.url",
        "threat_model.trusted_roles[0]",
        "reporting.attachments_allowed[0]",
        "reporting.max_words",
    ] {
        assert!(errors.get(field).is_some(), "{field}: {errors}");
    }
    let err = Policy::from_toml("[threat_model]\nmax_attack_vector = \"remote\"\n").unwrap_err();
    assert!(err.to_string().contains("remote"), "{err}");
    let err = Policy::from_toml("updated = \"6 Feb 2024\"\n").unwrap_err();
    assert!(err.to_string().contains("2024-02-06"), "{err}");
    let err = Policy::from_toml("[lifecycle.cve_eligible]\nancient = true\n").unwrap_err();
    assert!(err.to_string().contains("ancient"), "{err}");
}

#[test]
fn reporting_defaults_ask_for_cvss_and_nothing_else() {
    let r = Reporting::default();
    assert!(r.ask_cvss);
    assert!(!r.plain_text_only && !r.poc_exit_code && !r.tested_versions && !r.minimal_patch);
    assert!(r.rules().is_empty());
    let r = Reporting {
        ask_cvss: false,
        poc_exit_code: true,
        ..Reporting::default()
    };
    let rules = r.rules().join("\n");
    assert!(
        rules.contains("Do not include a severity or CVSS score"),
        "{rules}"
    );
    assert!(
        rules.contains("exits with 1 if vulnerable and 0 if not"),
        "{rules}"
    );
}

#[test]
fn lifecycle_statuses_and_cve_eligibility() {
    let p = Policy::from_toml(
        r#"
[[supported_versions]]
version = "3.15"
status = "feature"
[[supported_versions]]
version = "3.14"
status = "bugfix"
[[supported_versions]]
version = "3.12"
status = "security"
[[supported_versions]]
version = "3.15.0b1"
status = "prerelease"
[[supported_versions]]
version = "3.8"
status = "end-of-life"
[[supported_versions]]
version = "3.9"
status = "end-of-life"
cve_eligible = true
"#,
    )
    .unwrap();
    let eligible: Vec<bool> = p
        .supported_versions
        .iter()
        .map(|v| p.version_cve_eligible(v))
        .collect();
    assert_eq!(eligible, vec![true, true, true, false, false, true]);
    let p = Policy::from_toml(
        "[lifecycle.cve_eligible]\nfeature = false\nprerelease = true\n\
         [[supported_versions]]\nversion = \"main\"\nstatus = \"feature\"\n",
    )
    .unwrap();
    assert!(!p.version_cve_eligible(&p.supported_versions[0]));
    assert!(p.lifecycle.cve_eligible(SupportStatus::Prerelease));
    assert!(!p.lifecycle.cve_eligible(SupportStatus::EndOfLife));
    assert!(p.lifecycle.cve_eligible(SupportStatus::Security));
    assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
}

#[test]
fn cve_min_severity_accepts_moderate_as_medium() {
    let p = Policy::from_toml("cve_min_severity = \"moderate\"\n").unwrap();
    assert_eq!(p.cve_threshold(), Some(Severity::Medium));
    assert_eq!(p.cve_min_severity.as_deref(), Some("moderate"));
    for (word, level) in [
        ("low", Severity::Low),
        ("medium", Severity::Medium),
        ("high", Severity::High),
        ("critical", Severity::Critical),
    ] {
        let p = Policy::from_toml(&format!("cve_min_severity = \"{word}\"\n")).unwrap();
        assert_eq!(p.cve_threshold(), Some(level), "{word}");
    }
    assert!(Severity::Low < Severity::Medium && Severity::High < Severity::Critical);
    let err = Policy::from_toml("cve_min_severity = \"severe\"\n").unwrap_err();
    let PolicyError::Invalid(errors) = err else {
        panic!("expected field errors")
    };
    assert!(errors.get("cve_min_severity").is_some());
}

#[test]
fn targets_can_be_switched_off_with_false() {
    let p = Policy::from_toml("[targets]\ntriage_days = false\ndisclosure_days = false\n").unwrap();
    assert_eq!(p.targets.acknowledge_days, Some(7));
    assert_eq!(p.targets.triage_days, None);
    assert_eq!(p.targets.disclosure_days, None);
    assert_eq!(p.targets.triage_text(), None);
    assert_eq!(p.targets.acknowledge_text().as_deref(), Some("7 days"));
    let text = p.to_toml();
    assert!(text.contains("triage_days = false"), "{text}");
    assert_eq!(Policy::from_toml(&text).unwrap(), p);
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains(r#""triage_days":false"#), "{json}");
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
    // `true` and 0 are refused, naming the field.
    let err = Policy::from_toml("[targets]\ntriage_days = true\n").unwrap_err();
    assert!(err.to_string().contains("false to switch"), "{err}");
    let err = Policy::from_toml("[targets]\ndisclosure_days = 0\n").unwrap_err();
    let PolicyError::Invalid(errors) = err else {
        panic!("expected field errors")
    };
    assert!(errors.get("targets.disclosure_days").is_some());
    let err = Policy::from_toml("[targets]\ndisclosure_days = 70000\n").unwrap_err();
    assert!(err.to_string().contains("targets.disclosure_days"), "{err}");
}
