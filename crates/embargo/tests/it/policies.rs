//! The seed policies in `examples/policies/` (OctoPrint, Spook, Octopus Deploy, the Python
//! Security Response Team, and one following the talk "Basic Security for Open Source
//! Maintainers"): each loads through the CLI, is stored and read back, and its policy page,
//! SECURITY.md and security.txt state the rules its document states; every security.txt
//! passes the RFC 9116 check.

use super::*;

on_each_backend!(seed_policies_load_and_show_their_rules);

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/policies");
const PUBLIC: &str = "https://desk.example";

struct Rendered {
    page: String,
    md: String,
    txt: String,
}

impl Rendered {
    fn contacts(&self) -> Vec<&str> {
        self.txt
            .lines()
            .filter_map(|l| l.strip_prefix("Contact: "))
            .collect()
    }
}

async fn render(http: &reqwest::Client, app: &TestApp, slug: &str) -> Rendered {
    let get = |path: String| async move {
        let res = http
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200, "{path}: {}", app.logs());
        res.text().await.expect("text")
    };
    let page = get(format!("/p/{slug}/policy")).await;
    let md = get(format!("/p/{slug}/SECURITY.md")).await;
    let txt = get(format!("/p/{slug}/security.txt")).await;
    let key = http
        .get(format!("{}/p/{slug}/signing-key.asc", app.url))
        .send()
        .await
        .expect("key")
        .bytes()
        .await
        .expect("key bytes");
    let verifier = securitytxt::openpgp::KeyringVerifier::from_bytes(&key).expect("a public key");
    let canonical = format!("{PUBLIC}/p/{slug}/security.txt");
    let report = securitytxt::lint(
        txt.as_bytes(),
        &securitytxt::LintOptions {
            now: jiff::Timestamp::now(),
            max_size: securitytxt::DEFAULT_MAX_SIZE,
            retrieval_urls: &[canonical.as_str()],
            verifier: Some(&verifier),
        },
    );
    let problems: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.level() != securitytxt::Level::Info)
        .map(|f| format!("{:?} line {:?}: {}", f.code, f.line, f.message()))
        .collect();
    assert!(problems.is_empty(), "{slug}: {problems:?}\n{txt}");
    assert!(
        txt.contains(&format!("Policy: {PUBLIC}/p/{slug}/policy")),
        "{txt}"
    );
    Rendered { page, md, txt }
}

fn has(doc: &str, needle: &str) {
    assert!(doc.contains(needle), "missing {needle:?} in:\n{doc}");
}

fn lacks(doc: &str, needle: &str) {
    assert!(!doc.contains(needle), "unexpected {needle:?} in:\n{doc}");
}

async fn seed_policies_load_and_show_their_rules(backend: Backend) {
    let db = TestDb::new(backend).await;
    for (slug, name) in [
        ("octoprint", "OctoPrint"),
        ("spook", "Spook"),
        ("octopus", "Octopus Deploy"),
        ("psrt", "CPython"),
        ("talk", "Maintained Project"),
    ] {
        let file = format!("{EXAMPLES}/{slug}.toml");
        let text = std::fs::read_to_string(&file).expect("example");
        domain::policy::Policy::from_toml(&text)
            .unwrap_or_else(|e| panic!("{slug}.toml does not load: {e}"));
        let (code, _, err) = cli(
            &db,
            &[
                "project",
                "create",
                "--slug",
                slug,
                "--name",
                name,
                "--contact",
                "",
                "--policy",
                &file,
            ],
            "",
        );
        assert_eq!(code, 0, "{slug}: {err}");
    }
    let app = TestApp::serve(
        db,
        &ServerOptions {
            public_url: Some(PUBLIC.into()),
            ..ServerOptions::default()
        },
    )
    .await;
    let http = client();

    // OctoPrint: e-mail and GitHub advisories before the form; "Adjacent at most"; no triage
    // target; CVEs for Moderate and above; the date of the policy.
    let o = render(&http, &app, "octoprint").await;
    assert_eq!(
        o.contacts(),
        vec![
            "mailto:security@octoprint.org",
            "https://github.com/OctoPrint/OctoPrint/security/advisories/new",
            "https://desk.example/p/octoprint/report",
        ]
    );
    for doc in [&o.page, &o.md] {
        has(doc, "Attack vector: Adjacent at most.");
        has(
            doc,
            "not exposed to the public internet or another hostile network",
        );
        has(doc, "moderate severity or higher");
        has(doc, "90 days");
        lacks(doc, "90 business days");
        lacks(doc, "triage within");
        lacks(doc, "conclusion within");
        has(doc, "2024-02-06");
        has(doc, "malicious language pack");
    }
    has(&o.md, "- We acknowledge your report within 7 days.");
    has(&o.md, "| older releases | :x: End of life | No |");
    let ghsa = o.md.find("advisories/new").expect("GHSA listed");
    let form = o.md.find("Our report form").expect("form listed");
    assert!(ghsa < form, "{}", o.md);

    // Spook: GitHub's advisories first, CVEs for Medium and above, 7 and 90 days.
    let s = render(&http, &app, "spook").await;
    assert_eq!(
        s.contacts(),
        vec![
            "https://github.com/frenck/spook/security/advisories/new",
            "https://desk.example/p/spook/report",
        ]
    );
    has(&s.md, "medium severity or higher");
    has(&s.md, "within 7 days.");
    has(&s.md, "within 90 days of your report");
    has(&s.md, "Reports against forks of Spook.");

    // Octopus Deploy: one business day to respond, no promised disclosure deadline, safe
    // harbour, no monetary rewards.
    let d = render(&http, &app, "octopus").await;
    assert_eq!(d.contacts(), vec!["https://desk.example/p/octopus/report"]);
    has(&d.md, "- We acknowledge your report within 1 business day.");
    has(&d.md, "- We coordinate the disclosure date with you.");
    lacks(&d.md, "conclusion within");
    has(&d.md, "## Safe harbour");
    has(&d.md, "monetary rewards");
    has(
        &d.page,
        "We aim to acknowledge reports within 1 business day.",
    );
    has(&d.page, "We coordinate the disclosure date with you.");

    // PSRT: no CVSS in the report, a PoC that exits 1 when vulnerable, tested versions, a
    // minimal patch, plain text; pre-releases and end-of-life lines get no CVE; code of
    // conduct; no promised times.
    let p = render(&http, &app, "psrt").await;
    assert_eq!(
        p.contacts(),
        vec![
            "https://github.com/python/cpython/security/advisories/new",
            "mailto:security@python.org",
            "https://desk.example/p/psrt/report",
        ]
    );
    for doc in [&p.page, &p.md] {
        has(doc, "Do not include a severity or CVSS score");
        has(doc, "exits with 1 if vulnerable and 0 if not");
        has(
            doc,
            "Name the versions you tested and which of them are vulnerable.",
        );
        has(doc, "minimal patch");
        has(doc, "Plain text only");
        has(doc, "about 200 words at most");
        has(
            doc,
            "A problem that exists only in a pre-release is a regular bug",
        );
        // HTML escapes the slashes of the link; its host shows either way.
        has(doc, "policies.python.org");
        lacks(doc, "acknowledge reports within");
        lacks(doc, "acknowledge your report within");
    }
    has(
        &p.md,
        "| 3.14 | :white_check_mark: Supported (bug and security fixes) | Yes |",
    );
    has(
        &p.md,
        "| 3.13 | :white_check_mark: Security fixes only | Yes |",
    );
    has(
        &p.md,
        "| 3.16 (main) | :construction: In development | No |",
    );
    has(
        &p.md,
        "| 3.16 alphas, betas and release candidates | :construction: Pre-release (report issues that exist only here as regular bugs) | No |",
    );
    has(&p.md, "| 3.10 and older | :x: End of life | No |");
    has(&p.md, "## Code of conduct");
    has(
        &p.md,
        "<https://policies.python.org/python.org/code-of-conduct/>",
    );
    has(&p.page, "code of conduct</a>");

    // The talk: e-mail and advisories, the form first (the default), English and German,
    // 7 days to acknowledge, 90 to disclose, "Adjacent at most", no bounty, a word on AI.
    let t = render(&http, &app, "talk").await;
    assert_eq!(
        t.contacts(),
        vec![
            "https://desk.example/p/talk/report",
            "mailto:security@example.org",
            "https://github.com/example/project/security/advisories/new",
        ]
    );
    has(&t.txt, "Preferred-Languages: en, de");
    for doc in [&t.page, &t.md] {
        has(doc, "Attack vector: Adjacent at most.");
        has(doc, "not exposed to the internet");
        has(doc, "does not pay bounties");
        has(doc, "we do not talk to generative AI");
    }
    has(&t.md, "- We acknowledge your report within 7 days.");
    lacks(&t.md, "conclusion within");
    lacks(&t.md, "last updated");
}
