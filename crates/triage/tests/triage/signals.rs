//! Signals on small reports written for these tests (no source index needed).

use triage::{
    Context, Field, Fingerprint, History, KnownAdvisory, Label, Level, Outcome, PastReport, Policy,
    Report, Signal, Timestamp, Verdict, triage,
};

fn run(
    policy: &Policy,
    history: &History,
    project: Option<&str>,
    report: &Report,
) -> triage::Triage {
    let ctx = Context {
        project_name: project,
        ..Context::new(policy, history)
    };
    triage(report, &ctx)
}

fn find(t: &triage::Triage, s: Signal) -> Option<&triage::Finding> {
    t.findings.iter().find(|f| f.signal == s)
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

#[test]
fn evidence_spans_point_into_the_report() {
    let r = Report::new(
        "Question",
        "Hello team. Do you offer a bounty for a critical bug on your website?",
    );
    let t = run(
        &Policy::default(),
        &History::default(),
        Some("acme/widget"),
        &r,
    );
    assert_eq!(t.label, Label::BegBounty);
    let f = find(&t, Signal::PaymentRequest).expect("payment finding");
    assert_eq!(f.level, Level::Strong);
    for e in t.findings.iter().flat_map(|f| &f.evidence) {
        let src = match e.field {
            Field::Title => &r.title,
            Field::Text => &r.text,
        };
        assert_eq!(&src[e.start..e.end], e.quote);
    }
    assert!(find(&t, Signal::ProjectNotNamed).is_some());
    assert!(find(&t, Signal::WebsiteTarget).is_some());
}

#[test]
fn bounty_question_after_a_full_report_is_not_beg_bounty() {
    let text = "In `lib/parse.c` the function `parse_header()` copies the header into a fixed buffer.\n\n```c\n#include <widget/widget.h>\nint main(void) { widget_parse(\"AAAA\"); }\n```\n\nSteps:\n1. build widget 2.3.1\n2. run the program above under ASan: heap-buffer-overflow.\n\nIs this eligible for a bounty?";
    let t = run(
        &Policy::default(),
        &History::default(),
        Some("widget"),
        &Report::new("Overflow in parse_header", text),
    );
    assert_ne!(t.label, Label::BegBounty, "{t:#?}");
    assert_eq!(
        find(&t, Signal::PaymentRequest).map(|f| f.level),
        Some(Level::Weak)
    );
}

#[test]
fn policy_classes_quote_the_policys_wording() {
    let policy = Policy::from_toml(
        "[[non_qualifying]]\nid = \"spf-dmarc\"\ntext = \"We do not run mail; SPF reports are ignored.\"\n",
    )
    .expect("policy");
    let r = Report::new(
        "Missing SPF record",
        "Your domain has no SPF record, so email spoofing is possible. DMARC is missing too.",
    );
    let t = run(&policy, &History::default(), Some("widget"), &r);
    let f = find(&t, Signal::NonQualifyingClass).expect("class finding");
    assert_eq!(
        f.policy_ref.as_deref(),
        Some("non_qualifying[0] spf-dmarc: \"We do not run mail; SPF reports are ignored.\"")
    );
    assert_eq!(t.label, Label::NonQualifying);
}

#[test]
fn standard_classes_apply_when_the_policy_lists_none() {
    let r = Report::new(
        "Clickjacking",
        "The login page can be framed: clickjacking via a missing X-Frame-Options header.",
    );
    let t = run(&Policy::default(), &History::default(), None, &r);
    let refs: Vec<_> = t
        .findings
        .iter()
        .filter_map(|f| f.policy_ref.as_deref())
        .collect();
    assert!(
        refs.iter()
            .any(|r| r.starts_with("standard class clickjacking-no-state")),
        "{refs:?}"
    );
    assert!(
        refs.iter()
            .any(|r| r.starts_with("standard class missing-headers")),
        "{refs:?}"
    );
}

#[test]
fn out_of_scope_paths_follow_the_globs() {
    let policy = Policy::from_toml("out_of_scope_paths = [\"tests/**\", \"docs/examples/**\"]\n")
        .expect("policy");
    let r = Report::new(
        "Overflow in docs/examples/demo.c",
        "The example docs/examples/demo.c copies argv[1] with strcpy.",
    );
    let t = run(&policy, &History::default(), None, &r);
    let f = find(&t, Signal::OutOfScopePath).expect("scope finding");
    assert_eq!(f.level, Level::Strong);
    assert_eq!(
        f.policy_ref.as_deref(),
        Some("out_of_scope_paths[1]: docs/examples/**")
    );
}

#[test]
fn spray_across_projects_and_near_duplicates() {
    let text = "Hello team, I found a serious vulnerability in your platform which may cause business impact. Is there a reward policy before I share details?";
    let mut history = History::default();
    for (i, p) in ["alpha/one", "beta/two"].iter().enumerate() {
        history.reports.push(PastReport {
            reference: format!("{p}#1"),
            project: (*p).into(),
            received_at: ts(if i == 0 {
                "2026-03-03T10:00:00Z"
            } else {
                "2026-03-05T10:00:00Z"
            }),
            reporter: None,
            fingerprint: Fingerprint::of("Disclosure inquiry", text),
            outcome: Outcome::Open,
        });
    }
    let t = run(
        &Policy::default(),
        &history,
        Some("gamma/three"),
        &Report::new("Disclosure inquiry", text),
    );
    let f = find(&t, Signal::Spray).expect("spray");
    assert!(
        f.detail.contains("2 other project(s) since 3 March 2026"),
        "{}",
        f.detail
    );
    assert_eq!(t.label, Label::BegBounty);
    // The same text again to a project that already has it: a near-duplicate.
    let t = run(
        &Policy::default(),
        &history,
        Some("alpha/one"),
        &Report::new("Disclosure inquiry", text),
    );
    assert!(find(&t, Signal::NearDuplicate).is_some_and(|f| f.detail.contains("alpha/one#1")));
}

#[test]
fn restating_a_published_advisory() {
    let adv_text = "When asked to both use a .netrc file for credentials and to follow HTTP redirects, the tool could leak the password used for the first host to the followed-to host when the netrc file has an entry matching the redirect target hostname that omits the password.";
    let history = History {
        advisories: vec![KnownAdvisory {
            id: "CVE-2024-0001".into(),
            aliases: vec![],
            title: "netrc and redirect credential leak".into(),
            fingerprint: Fingerprint::of("netrc and redirect credential leak", adv_text),
        }],
        ..History::default()
    };
    let r = Report::new("netrc and redirect credential leak", adv_text);
    let t = run(&Policy::default(), &history, Some("tool"), &r);
    assert!(find(&t, Signal::KnownAdvisory).is_some_and(|f| f.level == Level::Strong));
    assert_eq!(t.label, Label::Duplicate);
    let r = Report::new(
        "Bypass",
        "This bypasses the fix for CVE-2024-0001 with a different netrc entry layout in the tool.",
    );
    let t = run(&Policy::default(), &history, Some("tool"), &r);
    assert!(
        find(&t, Signal::KnownAdvisory)
            .is_some_and(|f| f.level == Level::Info && f.evidence[0].quote == "CVE-2024-0001")
    );
}

#[test]
fn naming_a_published_advisory_flags_a_duplicate_unless_it_speaks_of_a_bypass() {
    let history = History {
        advisories: vec![KnownAdvisory::new(
            "x_printdesk-2026-0001",
            vec!["CVE-2026-1234".into(), "GHSA-2xq3-4cfg-hjmp".into()],
            "Path traversal in timelapse downloads",
            "The timelapse download joins the requested name without normalising it, so any user reads files outside the download directory.",
        )],
        ..History::default()
    };
    // Named by its CVE alias, in the same words as any report of the issue.
    let text = "CVE-2026-1234 lets a user read config.yaml through ..%2f in the timelapse download of PrintDesk 1.10.3.";
    let t = run(
        &Policy::default(),
        &history,
        Some("printdesk"),
        &Report::new("Traversal", text),
    );
    let f = find(&t, Signal::KnownAdvisory).expect("known advisory finding");
    assert_eq!(f.level, Level::Strong);
    assert_eq!(f.evidence[0].quote, "CVE-2026-1234");
    assert_eq!(
        &text[f.evidence[0].start..f.evidence[0].end],
        "CVE-2026-1234"
    );
    assert!(
        f.detail.contains("x_printdesk-2026-0001")
            && f.detail.contains("Path traversal in timelapse downloads"),
        "{}",
        f.detail
    );
    assert_eq!(t.label, Label::Duplicate);
    // Named by the project's own id (not a CVE or GHSA pattern), in any case.
    let text = "Same as X_PRINTDESK-2026-0001, found again while testing the printer's downloads.";
    let t = run(
        &Policy::default(),
        &history,
        Some("printdesk"),
        &Report::new("Again", text),
    );
    let f = find(&t, Signal::KnownAdvisory).expect("own id named");
    assert_eq!(f.evidence[0].quote, "X_PRINTDESK-2026-0001");
    assert_eq!(f.level, Level::Strong);
    // A longer id that merely starts with it is another advisory.
    let text = "Unrelated to x_printdesk-2026-00012 which is about the web UI.";
    let t = run(
        &Policy::default(),
        &history,
        Some("printdesk"),
        &Report::new("Other", text),
    );
    assert!(find(&t, Signal::KnownAdvisory).is_none());
    // A bypass of the fix is shown, but does not make the report a duplicate.
    let text = "The fix for GHSA-2xq3-4cfg-hjmp is incomplete: a double-encoded %252f bypasses it in PrintDesk 1.10.4.";
    let t = run(
        &Policy::default(),
        &history,
        Some("printdesk"),
        &Report::new("Bypass", text),
    );
    let f = find(&t, Signal::KnownAdvisory).expect("bypass finding");
    assert_eq!(f.level, Level::Info);
    assert!(f.detail.contains("bypass"), "{}", f.detail);
    assert_ne!(t.label, Label::Duplicate);
}

#[test]
fn reporter_history_and_trial_quota() {
    let mut history = History {
        trial_quota: 2,
        ..History::default()
    };
    for (i, outcome) in [
        Outcome::Spam,
        Outcome::NotAVulnerability,
        Outcome::Open,
        Outcome::Open,
    ]
    .into_iter()
    .enumerate()
    {
        history.reports.push(PastReport {
            reference: format!("x#{i}"),
            project: "x".into(),
            received_at: ts("2026-01-01T00:00:00Z"),
            reporter: Some("mallory@example.org".into()),
            fingerprint: Fingerprint::of(
                "t",
                &format!("entirely different text number {i} about topic {i}"),
            ),
            outcome,
        });
    }
    let mut r = Report::new(
        "Stack overflow in decoder",
        "The decoder in `src/decode.rs` recurses without a depth limit; a 1 MB nested input aborts the process.",
    );
    r.reporter = Some("mallory@example.org".into());
    let t = run(&Policy::default(), &history, Some("x"), &r);
    let f = find(&t, Signal::ReporterHistory).expect("history");
    assert!(
        f.detail.contains("0 accepted, 2 closed as invalid, 2 open"),
        "{}",
        f.detail
    );
    assert!(find(&t, Signal::TrialQuota).is_some());
    // History never decides the label; it asks for a review.
    assert_eq!(t.label, Label::Valid);
    assert_eq!(t.verdict, Verdict::NeedsReview);
}

#[test]
fn declared_ai_is_information_and_quotes_the_genai_policy() {
    let policy = Policy {
        genai_policy: Some("Say so, and check every claim.".into()),
        ..Policy::default()
    };
    let r = Report::new(
        "Integer overflow in `widget_alloc()`",
        "`widget_alloc()` multiplies `n * size` without a check (src/alloc.c:42). This report was written with the help of ChatGPT.",
    );
    let t = run(&policy, &History::default(), Some("widget"), &r);
    assert!(t.check_grounding_first);
    assert_eq!(
        find(&t, Signal::DeclaredAi).map(|f| f.level),
        Some(Level::Info)
    );
    assert!(find(&t, Signal::GenaiPolicy).is_some_and(|f| f.detail.contains("check every claim")));
    assert_eq!(t.label, Label::Valid);
}

#[test]
fn scanner_templates_and_placeholders() {
    let r = Report::new(
        "SPF",
        "Go to http://www.kitterman.com/spf/validate.html and if you see nothing then \"HURRAY! You Found a Bug\".",
    );
    let t = run(&Policy::default(), &History::default(), None, &r);
    assert_eq!(
        find(&t, Signal::ScannerTemplate).map(|f| f.level),
        Some(Level::Strong)
    );
    let r = Report::new(
        "x",
        "## Steps To Reproduce:\n[add details for how we can reproduce the issue]\n\n  * [attachment / reference]\n",
    );
    let t = run(&Policy::default(), &History::default(), None, &r);
    assert!(find(&t, Signal::TemplatePlaceholder).is_some());
}

#[test]
fn severity_claims_need_evidence() {
    let r = Report::new(
        "Critical RCE in parser",
        "An attacker can achieve remote code execution through the parser. This is critical.",
    );
    let t = run(&Policy::default(), &History::default(), None, &r);
    assert!(find(&t, Signal::SeverityInflation).is_some());
    let r = Report::new(
        "SIGSEGV in config parser",
        "==1==ERROR: LeakSanitizer: detected memory leaks\nDirect leak of 2 byte(s) in 1 object(s) allocated from:\n    #0 0x55 in strdup\n",
    );
    let t = run(&Policy::default(), &History::default(), None, &r);
    assert!(
        find(&t, Signal::SeverityInflation)
            .is_some_and(|f| f.detail.contains("only a memory leak"))
    );
}

#[test]
fn a_pasted_chatbot_answer() {
    let r = Report::new(
        "Flaw",
        "The option can be bypassed.\n\nRecommendation: Consider reporting this issue to the project maintainers if it has not been already reported.",
    );
    let t = run(&Policy::default(), &History::default(), None, &r);
    assert_eq!(
        find(&t, Signal::PastedAssistantAnswer).map(|f| f.level),
        Some(Level::Strong)
    );
    assert_eq!(t.label, Label::AiSlop);
}

#[test]
fn findings_serialise_with_stable_codes() {
    let r = Report::new("Bounty?", "Will I be rewarded for a critical bug?");
    let t = run(&Policy::default(), &History::default(), Some("widget"), &r);
    let v = serde_json::to_value(&t).expect("json");
    assert_eq!(v["label"], "beg_bounty");
    assert!(v["verdict"] == "likely_invalid" || v["verdict"] == "needs_review");
    let f = &v["findings"][0];
    for key in [
        "signal",
        "level",
        "evidence",
        "detail",
        "policy_ref",
        "confidence",
    ] {
        assert!(f.get(key).is_some(), "missing {key} in {f}");
    }
    assert_eq!(f["signal"], "payment_request");
}

#[test]
fn unproven_claims_and_written_tool_output() {
    let r = Report::new(
        "Buffer overflow risk",
        "The code calls strcpy(dst, src) which could potentially lead to a buffer overflow. This may lead to code execution if exploited.",
    );
    let t = run(&Policy::default(), &History::default(), None, &r);
    assert_eq!(
        find(&t, Signal::UnprovenClaim).map(|f| f.level),
        Some(Level::Weak)
    );
    let r = Report::new(
        "UAF",
        "Valgrind output:\nInvalid read of size 4\n   at 0xxxxxx: foo\n   by 0xxxxxx: main\n",
    );
    let t = run(&Policy::default(), &History::default(), None, &r);
    assert!(
        find(&t, Signal::UnprovenClaim)
            .is_some_and(|f| f.level == Level::Strong && f.evidence[0].quote == "0xxxxxx"),
        "{:#?}",
        t.findings
    );
    // A captured run with real addresses is not flagged.
    let r = Report::new(
        "UAF",
        "Invalid read of size 4\n   at 0x4C2F1A: foo (x.c:3)\n",
    );
    let t = run(&Policy::default(), &History::default(), None, &r);
    assert!(find(&t, Signal::UnprovenClaim).is_none());
}

/// No input may panic: mixed scripts, stray fences and backticks, frames and paths cut in
/// the middle, at many lengths.
#[test]
fn arbitrary_text_never_panics() {
    let pieces = [
        "é",
        "’",
        "```",
        "`",
        "~~~c\n",
        "\n",
        "  ",
        "strcpy(",
        "if (strlen(a) >= n) {",
        "#1 0x55 in f /x/lib/a.c:",
        "lib/",
        ".c:12",
        "CURLOPT_",
        "Curl_x()",
        "[add details",
        "paypal.me/",
        "0xxxxxx",
        "🙏",
        "ß",
        "==1==",
        "https://github.com/o/r/blob/v1/a.c#L",
        "\r\n",
        "{",
        "}",
        ";",
        "main(",
        "#include <curl/curl.h>",
    ];
    let mut b = triage::SourceIndexBuilder::new("t");
    b.add_file(
        "lib/a.c",
        "int Curl_x(void)\n{\n  return strcpy(a, b) != 0;\n}\n".as_bytes(),
    );
    let sources = [b.finish()];
    let policy = Policy::from_toml("out_of_scope_paths = [\"tests/**\"]\n[[non_qualifying]]\nid = \"own-words\"\ntext = \"Reports about example programs and demo code\"\n").expect("policy");
    let history = History::default();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for len in 0..400 {
        let mut text = String::new();
        for _ in 0..(len % 60) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        let title: String = text.chars().rev().take(20).collect();
        let ctx = Context {
            project_name: Some("x/y"),
            sources: &sources,
            ..Context::new(&policy, &history)
        };
        let t = triage(&Report::new(title.clone(), text.clone()), &ctx);
        for e in t.findings.iter().flat_map(|f| &f.evidence) {
            let src = if e.field == Field::Title {
                &title
            } else {
                &text
            };
            assert_eq!(src.get(e.start..e.end), Some(e.quote.as_str()));
        }
    }
}

#[test]
fn beg_bounty_mail_variants() {
    for text in [
        "Hi, I am a security researcher. I found a vulnerability on your website. I am expecting a reward for my finding.",
        "Dear team, I found a clickjacking issue on your site. I hope you will offer a token of appreciation before I share the details.",
        "Hello, I have found several bugs in your web application. Looking forward to your bounty.",
    ] {
        let t = run(
            &Policy::default(),
            &History::default(),
            Some("acme/widget"),
            &Report::new("Security issue", text),
        );
        assert_eq!(t.label, Label::BegBounty, "{text}: {:#?}", t.findings);
    }
}
