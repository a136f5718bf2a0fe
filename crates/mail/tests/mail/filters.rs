//! Filter rules: checking, rule files with located errors, evaluation order.

use mail::{
    Action, Limits, MatchKind, Rule, RuleError, RuleFileError, RuleSpec, Scope, Verdict, evaluate,
    evaluate_all, parse_rules_json, parse_rules_toml,
};

fn spec(id: &str, scope: Scope, kind: MatchKind, pattern: &str, action: Action) -> RuleSpec {
    RuleSpec {
        id: id.into(),
        scope,
        kind,
        pattern: pattern.into(),
        action,
        note: String::new(),
    }
}

fn rule(id: &str, scope: Scope, kind: MatchKind, pattern: &str, action: Action) -> Rule {
    Rule::compile(&spec(id, scope, kind, pattern, action)).expect("valid rule")
}

fn message(from: &str, subject: &str, body: &str) -> mail::Parsed {
    let raw = format!(
        "From: {from}\nReturn-Path: <bounce@mailer.example.com>\nSubject: {subject}\n\n{body}\n"
    );
    mail::parse(raw.as_bytes(), &Limits::default())
}

#[test]
fn sender_address_matches_exactly_without_case() {
    let r = rule(
        "a",
        Scope::Instance,
        MatchKind::SenderAddress,
        "Spammer@Example.NET",
        Action::Spam,
    );
    assert_eq!(
        r.matches(&message("SPAMMER@example.net", "x", "y"))
            .as_deref(),
        Some("From: SPAMMER@example.net")
    );
    assert_eq!(r.matches(&message("spammer2@example.net", "x", "y")), None);
    // The envelope sender counts too.
    let r = rule(
        "b",
        Scope::Instance,
        MatchKind::SenderAddress,
        "<bounce@mailer.example.com>",
        Action::Spam,
    );
    assert_eq!(
        r.matches(&message("a@example.net", "x", "y")).as_deref(),
        Some("Return-Path: bounce@mailer.example.com")
    );
}

#[test]
fn sender_domain_matches_subdomains_but_not_lookalikes() {
    let r = rule(
        "d",
        Scope::Project,
        MatchKind::SenderDomain,
        "@spam.example",
        Action::Refuse,
    );
    assert!(r.matches(&message("x@spam.example", "s", "b")).is_some());
    assert!(
        r.matches(&message("x@mx1.SPAM.example", "s", "b"))
            .is_some()
    );
    assert_eq!(r.matches(&message("x@notspam.example", "s", "b")), None);
    assert_eq!(r.matches(&message("x@spam.example.net", "s", "b")), None);
    let wildcard = rule(
        "w",
        Scope::Project,
        MatchKind::SenderDomain,
        "*.spam.example",
        Action::Refuse,
    );
    assert!(
        wildcard
            .matches(&message("x@spam.example", "s", "b"))
            .is_some()
    );
}

#[test]
fn regexes_search_subject_and_body() {
    let s = rule(
        "s",
        Scope::Instance,
        MatchKind::SubjectRegex,
        r"(?i)\bseo\s+services\b",
        Action::Spam,
    );
    assert_eq!(
        s.matches(&message("a@example.net", "Cheap SEO   services today", "b"))
            .as_deref(),
        Some("Subject: SEO services")
    );
    assert_eq!(
        s.matches(&message("a@example.net", "SEOservices", "b")),
        None
    );
    let b = rule(
        "b",
        Scope::Instance,
        MatchKind::BodyRegex,
        r"bounty\?*$",
        Action::Spam,
    );
    assert_eq!(
        b.matches(&message(
            "a@example.net",
            "s",
            "found a bug\nis there a bounty??"
        ))
        .as_deref(),
        Some("body: bounty??")
    );
    // A long match is cut for the log.
    let long = rule(
        "l",
        Scope::Instance,
        MatchKind::BodyRegex,
        "x+",
        Action::Spam,
    );
    let matched = long
        .matches(&message("a@example.net", "s", &"x".repeat(500)))
        .expect("match");
    assert_eq!(matched.chars().count(), "body: ".len() + 200 + 1);
    assert!(matched.ends_with('…'));
}

#[test]
fn refuse_beats_spam_and_instance_rules_come_first() {
    let rules = vec![
        rule(
            "project-spam",
            Scope::Project,
            MatchKind::SenderDomain,
            "example.net",
            Action::Spam,
        ),
        rule(
            "instance-spam",
            Scope::Instance,
            MatchKind::SubjectRegex,
            "offer",
            Action::Spam,
        ),
        rule(
            "project-refuse",
            Scope::Project,
            MatchKind::BodyRegex,
            "casino",
            Action::Refuse,
        ),
        rule(
            "instance-refuse",
            Scope::Instance,
            MatchKind::SenderAddress,
            "x@example.net",
            Action::Refuse,
        ),
    ];
    let all = message("x@example.net", "an offer", "casino");
    assert_eq!(
        evaluate(&rules, &all),
        Some(Verdict {
            rule_id: "instance-refuse".into(),
            scope: Scope::Instance,
            action: Action::Refuse,
            matched: "From: x@example.net".into()
        })
    );
    let order: Vec<String> = evaluate_all(&rules, &all)
        .into_iter()
        .map(|v| v.rule_id)
        .collect();
    assert_eq!(
        order,
        vec![
            "instance-refuse",
            "project-refuse",
            "instance-spam",
            "project-spam"
        ]
    );
    let spam_only = message("y@example.net", "an offer", "hello");
    assert_eq!(
        evaluate(&rules, &spam_only).map(|v| v.rule_id).as_deref(),
        Some("instance-spam")
    );
    assert_eq!(
        evaluate(&rules, &message("y@example.com", "hi", "hello")),
        None
    );
    assert_eq!(
        evaluate(&rules, &all).map(|v| v.to_string()).as_deref(),
        Some("refuse by rule instance-refuse (From: x@example.net)")
    );
}

#[test]
fn bad_rules_name_the_field() {
    let bad = |id: &str, kind, pattern: &str| {
        Rule::compile(&spec(id, Scope::Instance, kind, pattern, Action::Spam)).expect_err("bad")
    };
    let e = bad("has space", MatchKind::BodyRegex, "x");
    assert_eq!(e.field, "id");
    let e = bad("r1", MatchKind::SubjectRegex, "(unclosed");
    assert_eq!(e.field, "pattern");
    assert!(
        e.message.starts_with("invalid regular expression"),
        "{}",
        e.message
    );
    let e = bad("r2", MatchKind::SenderAddress, "not an address");
    assert_eq!(
        e,
        RuleError {
            rule: "r2".into(),
            field: "pattern",
            message: "\"not an address\" is not a valid e-mail address".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "rule r2: field `pattern`: \"not an address\" is not a valid e-mail address"
    );
    assert_eq!(
        bad("r3", MatchKind::SenderDomain, "localhost").field,
        "pattern"
    );
    assert_eq!(bad("r4", MatchKind::BodyRegex, "  ").message, "is empty");
    // Too large once compiled: refused, not slow.
    let e = bad("r5", MatchKind::BodyRegex, r"(\w{50}){50}");
    assert!(
        e.message.starts_with("regular expression too large"),
        "{}",
        e.message
    );
    // Too deeply nested.
    let e = bad(
        "r6",
        MatchKind::BodyRegex,
        &format!("{}x{}", "(".repeat(40), ")".repeat(40)),
    );
    assert_eq!(e.field, "pattern");
    let mut long_note = spec(
        "r7",
        Scope::Instance,
        MatchKind::BodyRegex,
        "x",
        Action::Spam,
    );
    long_note.note = "n".repeat(501);
    assert_eq!(Rule::compile(&long_note).expect_err("note").field, "note");
}

const TOML: &str = r#"
# Rules kept by the admins.
[[rule]]
id = "seo"
scope = "instance"
match = "subject_regex"
pattern = '(?i)\bseo\b'
action = "spam"
note = "SEO offers"

[[rule]]
id = "spammer"
scope = "project"
match = "sender_domain"
pattern = "spam.example"
action = "refuse"
"#;

#[test]
fn toml_rule_files_are_read() {
    let rules = parse_rules_toml(TOML).expect("valid");
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].id, "seo");
    assert_eq!(rules[0].note, "SEO offers");
    assert_eq!(
        rules[1].spec(),
        spec(
            "spammer",
            Scope::Project,
            MatchKind::SenderDomain,
            "spam.example",
            Action::Refuse
        )
    );
    assert_eq!(parse_rules_toml("").expect("empty").len(), 0);
}

#[test]
fn toml_errors_name_line_rule_and_field() {
    let bad_regex = TOML.replace(r"'(?i)\bseo\b'", "'(?i)[seo'");
    let e = parse_rules_toml(&bad_regex).expect_err("bad regex");
    match &e {
        RuleFileError::Rule { line, error } => {
            assert_eq!(*line, Some(3));
            assert_eq!(error.rule, "\"seo\"");
            assert_eq!(error.field, "pattern");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("line 3: rule \"seo\": field `pattern`: invalid regular expression"),
        "{e}"
    );

    let unknown_scope = TOML.replace("scope = \"project\"", "scope = \"global\"");
    let e = parse_rules_toml(&unknown_scope).expect_err("bad scope");
    match &e {
        RuleFileError::Syntax { line, message, .. } => {
            assert_eq!(*line, Some(13));
            assert!(message.contains("global"), "{message}");
        }
        other => panic!("{other:?}"),
    }

    let typo = TOML.replace("note = ", "notes = ");
    let e = parse_rules_toml(&typo).expect_err("unknown field");
    assert!(
        matches!(e, RuleFileError::Syntax { line: Some(9), .. }),
        "{e}"
    );

    let duplicate = TOML.replace("id = \"spammer\"", "id = \"seo\"");
    assert_eq!(
        parse_rules_toml(&duplicate).expect_err("duplicate"),
        RuleFileError::DuplicateId {
            line: Some(11),
            id: "seo".into()
        }
    );
    let bad_id = TOML.replace("id = \"spammer\"", "id = \"\"");
    let e = parse_rules_toml(&bad_id).expect_err("bad id");
    assert!(
        e.to_string().starts_with("line 11: rule #2: field `id`"),
        "{e}"
    );
}

#[test]
fn json_rule_files_are_read_with_located_errors() {
    let json = r#"{"rules": [
        {"id": "r1", "scope": "instance", "match": "body_regex", "pattern": "viagra", "action": "refuse"},
        {"id": "r2", "scope": "project", "match": "sender_address", "pattern": "x@example.net", "action": "spam", "note": "n"}
    ]}"#;
    let rules = parse_rules_json(json).expect("valid");
    assert_eq!(
        rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        vec!["r1", "r2"]
    );
    let e = parse_rules_json(&json.replace("\"spam\"", "\"drop\"")).expect_err("bad action");
    assert!(
        matches!(e, RuleFileError::Syntax { line: Some(3), .. }),
        "{e}"
    );
    let e = parse_rules_json(&json.replace("viagra", "(")).expect_err("bad regex");
    assert!(
        e.to_string().starts_with("rule \"r1\": field `pattern`"),
        "{e}"
    );
}

/// The name a value has in rule files (serde), which is also the one stored.
fn file_name<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value).expect("serializes") {
        serde_json::Value::String(s) => s,
        other => panic!("not a name: {other}"),
    }
}

#[test]
fn stored_names_are_the_rule_file_names_and_read_back() {
    for scope in [Scope::Instance, Scope::Project] {
        assert_eq!(file_name(scope), scope.as_str());
        assert_eq!(Scope::parse(scope.as_str()), Some(scope));
    }
    for action in [Action::Spam, Action::Refuse] {
        assert_eq!(file_name(action), action.as_str());
        assert_eq!(Action::parse(action.as_str()), Some(action));
    }
    for kind in [
        MatchKind::SenderAddress,
        MatchKind::SenderDomain,
        MatchKind::SubjectRegex,
        MatchKind::BodyRegex,
    ] {
        assert_eq!(file_name(kind), kind.as_str());
        assert_eq!(MatchKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(Action::parse("Spam"), None);
}
