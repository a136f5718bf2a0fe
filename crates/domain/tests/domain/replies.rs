use crate::ts;
use domain::{
    ProjectId, ReportId,
    policy::{NonQualifying, Policy, PolicyError, Targets},
    replies::{
        ReplyContext, ReplyKey, markdown_escape, public_bug_text, render_reply, validate_template,
    },
    report::{Report, Resolution, Sla, Source, State},
};

fn sla() -> Sla {
    Sla {
        acknowledge_due: ts("2026-03-13T10:00:00Z"),
        triage_due: ts("2026-03-20T23:30:00Z"),
        disclosure_due: ts("2026-06-04T10:00:00Z"),
    }
}

fn ctx<'a>(sla: &'a Sla) -> ReplyContext<'a> {
    ReplyContext {
        project_name: "OctoPrint",
        number: 42,
        title: "Stored XSS in the file list",
        reporter_name: Some("Ada"),
        tracking_url: "https://desk.example.org/t/abc",
        policy_url: "https://desk.example.org/p/octoprint/policy",
        sla,
        message: None,
        duplicate_of: None,
        non_qualifying: None,
    }
}

fn berlin_business() -> Policy {
    Policy {
        targets: Targets {
            acknowledge_days: Some(2),
            triage_days: Some(5),
            business_days: true,
            time_zone: "Europe/Berlin".into(),
            ..Targets::default()
        },
        ..Policy::default()
    }
}

#[test]
fn acknowledgement_states_the_triage_target() {
    let sla = sla();
    let reply = render_reply(&berlin_business(), ReplyKey::Acknowledged, &ctx(&sla));
    assert_eq!(reply.subject, "[OctoPrint] Report #42: acknowledged");
    assert_eq!(
        reply.body,
        "Hello Ada,\n\
         \n\
         the maintainers of OctoPrint have read your report #42, \"Stored XSS in the file list\", \
         and are assessing it. They aim to conclude within 5 business days of receiving it, that \
         is by Saturday, 21 March 2026.\n\
         \n\
         Follow the report and answer their questions here:\n\
         https://desk.example.org/t/abc\n"
    );
}

#[test]
fn out_of_scope_quotes_the_projects_own_words() {
    let sla = sla();
    let class = NonQualifying {
        id: "demo-server".into(),
        text: Some("Anything on demo.example.org.\nIt is reset every hour.".into()),
    };
    let c = ReplyContext {
        non_qualifying: Some(&class),
        message: Some("  The login page you tested is the demo.  "),
        reporter_name: None,
        ..ctx(&sla)
    };
    let reply = render_reply(
        &Policy::default(),
        ReplyKey::Closed(Resolution::OutOfScope),
        &c,
    );
    assert_eq!(reply.subject, "[OctoPrint] Report #42: closed");
    assert_eq!(
        reply.body,
        "Hello,\n\
         \n\
         the maintainers of OctoPrint have assessed your report #42, \"Stored XSS in the file \
         list\", and found that it falls outside the project's security policy, which says that \
         this does not qualify:\n\
         \n\
         > Anything on demo.example.org.\n\
         > It is reset every hour.\n\
         \n\
         The login page you tested is the demo.\n\
         \n\
         The report is closed. The full policy is at https://desk.example.org/p/octoprint/policy\n\
         If you think they missed something, reply on the report's page:\n\
         https://desk.example.org/t/abc\n"
    );
}

#[test]
fn duplicate_offers_credit_and_accepted_names_the_deadline() {
    let sla = sla();
    let c = ReplyContext {
        duplicate_of: Some("#17"),
        ..ctx(&sla)
    };
    let body = render_reply(
        &Policy::default(),
        ReplyKey::Closed(Resolution::Duplicate),
        &c,
    )
    .body;
    assert!(body.contains("it duplicates report #17."), "{body}");
    assert!(body.contains("credit on the original report"), "{body}");
    let body = render_reply(&Policy::default(), ReplyKey::Accepted, &ctx(&sla)).body;
    assert!(
        body.contains(
            "The disclosure deadline is Thursday, 4 June 2026, 90 days after your report;"
        ),
        "{body}"
    );
}

#[test]
fn every_default_template_is_valid_and_renders() {
    let sla = sla();
    let class = NonQualifying {
        id: "mitm".into(),
        text: None,
    };
    for key in ReplyKey::ALL {
        validate_template(key, key.default_template()).unwrap_or_else(|e| panic!("{key:?}: {e}"));
        let c = ReplyContext {
            non_qualifying: Some(&class),
            duplicate_of: Some("#1"),
            message: Some("NOTE"),
            ..ctx(&sla)
        };
        let body = render_reply(&Policy::default(), key, &c).body;
        assert!(body.starts_with("Hello Ada,\n\n"), "{key:?}: {body}");
        assert!(body.contains("NOTE"), "{key:?}: {body}");
        assert!(
            !body.contains('{') && !body.contains('}'),
            "{key:?}: {body}"
        );
        assert!(!body.contains("\n\n\n"), "{key:?}: {body}");
        assert!(
            body.ends_with('\n') && !body.ends_with("\n\n"),
            "{key:?}: {body}"
        );
    }
    // Keys as written in the policy.
    let keys: Vec<&str> = ReplyKey::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "acknowledged",
            "needs_info",
            "accepted",
            "fixing",
            "fixed",
            "disclosed",
            "reopened",
            "closed_not_a_vulnerability",
            "closed_out_of_scope",
            "closed_duplicate",
            "closed_spam",
            "closed_withdrawn",
            "closed_wont_fix",
        ]
    );
}

#[test]
fn projects_override_templates_in_the_policy() {
    let policy = Policy::from_toml(
        "[replies]\n\
         acknowledged = \"\"\"\n{greeting}\n\nThanks! {project} answers within {triage_target} \
         (by {triage_due}). {{not a placeholder}}\n\n{message}\n\"\"\"\n",
    )
    .expect("valid override");
    let sla = sla();
    let reply = render_reply(&policy, ReplyKey::Acknowledged, &ctx(&sla));
    assert_eq!(
        reply.body,
        "Hello Ada,\n\nThanks! OctoPrint answers within 14 days (by Friday, 20 March 2026). \
         {not a placeholder}\n"
    );
    // The override survives the TOML export.
    assert_eq!(
        Policy::from_toml(&policy.to_toml()).expect("round trip"),
        policy
    );
    // Keys without an override keep the default.
    let body = render_reply(&policy, ReplyKey::Fixed, &ctx(&sla)).body;
    assert!(body.contains("have fixed the vulnerability"), "{body}");
}

#[test]
fn bad_overrides_name_the_reply() {
    let err = Policy::from_toml(
        "[replies]\n\
         acknowledged = \"Hi {reporter_email}\"\n\
         closed_spam = \"{non_qualifying}\"\n\
         closed_out_of_scope = \"{non_qualifying} {non_qualifying_id}\"\n\
         accepted = \"{greeting\"\n\
         fixed = \"} {greeting}\"\n\
         disclosed = \"   \"\n\
         thanks = \"Thanks!\"\n",
    )
    .unwrap_err();
    let PolicyError::Invalid(errors) = err else {
        panic!("expected field errors, got {err:?}")
    };
    let unknown = errors
        .get("replies.acknowledged")
        .expect("unknown placeholder");
    assert!(unknown.contains("{reporter_email}"), "{unknown}");
    // {non_qualifying} is only known to closed_out_of_scope.
    assert!(errors.get("replies.closed_spam").is_some(), "{errors}");
    assert!(
        errors.get("replies.closed_out_of_scope").is_none(),
        "{errors}"
    );
    assert!(errors.get("replies.accepted").is_some(), "{errors}");
    assert!(errors.get("replies.fixed").is_some(), "{errors}");
    assert!(errors.get("replies.disclosed").is_some(), "{errors}");
    assert!(errors.get("replies.thanks").is_some(), "{errors}");
    assert_eq!(errors.0.len(), 6, "{errors}");
}

#[test]
fn old_policy_json_without_replies_loads() {
    let p: Policy =
        serde_json::from_str(r#"{"contacts":["mailto:s@example.org"]}"#).expect("loads");
    assert!(p.replies.is_empty());
    // And an empty table is not written out.
    assert!(
        !serde_json::to_string(&p)
            .expect("serializes")
            .contains("replies")
    );
}

fn closed_report(resolution: Resolution) -> Report {
    Report {
        id: ReportId::new(),
        project_id: ProjectId::new(),
        number: 7,
        title: "Crash on *very* long <names>".into(),
        description: "Upload a file named `a` x 10000.\n```\nboom\n```\n@maintainer look".into(),
        affected_version: Some("1.9.x".into()),
        reproduction: Some("1. Upload\n2. Watch".into()),
        impact: None,
        cvss_vector: None,
        reporter_name: Some("Ada Lovelace".into()),
        reporter_email: Some("ada@example.org".into()),
        credit_as: Some("Ada [the] Analyst".into()),
        credit_mode: None,
        source: Source::Web,
        state: State::Closed,
        resolution: Some(resolution),
        received_at: ts("2026-03-06T10:00:00Z"),
        acknowledged_at: Some(ts("2026-03-07T10:00:00Z")),
        updated_at: ts("2026-03-08T10:00:00Z"),
        sla: sla(),
    }
}

#[test]
fn public_bug_text_for_a_non_vulnerability() {
    let md = public_bug_text(
        &closed_report(Resolution::NotAVulnerability),
        "OctoPrint",
        "Long names are rejected by the **upload limit**; the crash is a plain bug.",
        None,
    )
    .expect("publishable");
    assert_eq!(
        md,
        "# Crash on \\*very\\* long \\<names\\>\n\
         \n\
         This was reported privately to the OctoPrint maintainers on 2026-03-06 and assessed as \
         not a security vulnerability. It is published here as a regular bug.\n\
         \n\
         **Affected version:** 1.9.x\n\
         \n\
         ## Report\n\
         \n\
         ````text\n\
         Upload a file named `a` x 10000.\n\
         ```\n\
         boom\n\
         ```\n\
         @maintainer look\n\
         ````\n\
         \n\
         ## Steps to reproduce\n\
         \n\
         ```text\n\
         1. Upload\n\
         2. Watch\n\
         ```\n\
         \n\
         ## Assessment\n\
         \n\
         Long names are rejected by the **upload limit**; the crash is a plain bug.\n\
         \n\
         Reported by Ada \\[the\\] Analyst.\n"
    );
    assert!(!md.contains("ada@example.org"));
}

#[test]
fn public_bug_text_for_out_of_scope_quotes_the_policy() {
    let class = NonQualifying {
        id: "missing-headers".into(),
        text: None,
    };
    let mut report = closed_report(Resolution::OutOfScope);
    report.credit_as = None;
    let md = public_bug_text(&report, "OctoPrint", "", Some(&class)).expect("publishable");
    assert!(
        md.contains("assessed as outside the scope of the project's security policy."),
        "{md}"
    );
    assert!(
        md.ends_with(
            "## Assessment\n\n\
             The project's security policy excludes this class of report:\n\n\
             > Missing HTTP security headers or cookie flags without a demonstrated impact.\n"
        ),
        "{md}"
    );
    assert!(!md.contains("Reported by"), "{md}");
}

#[test]
fn only_assessed_non_vulnerabilities_are_published() {
    for r in [
        Resolution::Duplicate,
        Resolution::Spam,
        Resolution::Withdrawn,
        Resolution::WontFix,
    ] {
        let e = public_bug_text(&closed_report(r), "P", "", None).expect_err("refused");
        assert_eq!(e.field, "resolution");
    }
    let mut open = closed_report(Resolution::NotAVulnerability);
    open.state = State::Accepted;
    assert!(public_bug_text(&open, "P", "", None).is_err());
}

#[test]
fn markdown_escaping() {
    assert_eq!(
        markdown_escape("a_b *c* [d](e) <f> `g` #h |i| !j ~k"),
        "a\\_b \\*c\\* \\[d\\]\\(e\\) \\<f\\> \\`g\\` \\#h \\|i\\| \\!j \\~k"
    );
    assert_eq!(
        markdown_escape("v1.2-rc, it's \"ok\": yes; a/b?"),
        "v1.2-rc, it's \"ok\": yes; a/b?"
    );
}
