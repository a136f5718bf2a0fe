//! Checked at the version the report names and at the default branch, and saying which;
//! claims about real functions checked against their bodies. Small projects written here:
//! `libwidget` with a release 1.0.0 (tag `v1.0.0`) and a default branch where things moved.

use triage::{
    Context, Finding, History, Label, Level, Policy, Report, Revision, Signal, SourceIndex,
    SourceIndexBuilder, triage,
};

const PARSE_OLD: &str = "\
#include \"widget.h\"

int widget_parse_header(struct widget *w, const char *src, size_t len)
{
  char buf[64];
  w->state = WIDGET_STATE_HEADER;
  memcpy(buf, src, len);
  buf[len] = 0;
  return widget_store_header(w, buf);
}
";

/// On the default branch the parser was renamed and the copy is bounded.
const PARSE_NEW: &str = "\
#include \"widget.h\"

int widget_read_header(struct widget *w, const char *src, size_t len)
{
  char buf[64];
  w->state = WIDGET_STATE_HEADER;
  if(len >= sizeof(buf))
    return WIDGET_E_TOO_LARGE;
  memcpy(buf, src, len);
  buf[len] = 0;
  return widget_store_header(w, buf);
}
";

const STORE: &str = "\
#include \"widget.h\"

int widget_store_header(struct widget *w, const char *line)
{
  w->lines++;
  return widget_keep(w, line);
}

int widget_keep(struct widget *w, const char *line)
{
  return w->lines > 0 && line != NULL;
}
";

fn index(label: &str, files: &[(&str, &str)], revision: Revision) -> SourceIndex {
    let mut b = SourceIndexBuilder::new(label);
    for (path, text) in files {
        b.add_file(path, text.as_bytes());
    }
    b.finish().at(revision)
}

fn release() -> SourceIndex {
    index(
        "v1.0.0 (1.0.0) @ 1111111111",
        &[("lib/parse.c", PARSE_OLD), ("lib/store.c", STORE)],
        Revision::Named("1.0.0".into()),
    )
}

fn main_branch() -> SourceIndex {
    index(
        "main @ 2222222222",
        &[("lib/parse.c", PARSE_NEW), ("lib/store.c", STORE)],
        Revision::DefaultBranch,
    )
}

fn run(report: &Report, sources: &[SourceIndex]) -> triage::Triage {
    let policy = Policy::default();
    let history = History::default();
    let ctx = Context {
        project_name: Some("libwidget"),
        sources,
        ..Context::new(&policy, &history)
    };
    triage(report, &ctx)
}

fn with(t: &triage::Triage, signal: Signal) -> Vec<&Finding> {
    t.findings.iter().filter(|f| f.signal == signal).collect()
}

#[test]
fn a_name_renamed_since_the_named_release_is_confirmed_not_flagged() {
    let r = Report::new(
        "Stack overflow in widget_parse_header",
        "Affected version: libwidget 1.0.0\n\n`widget_parse_header()` copies the header line into a 64-byte stack buffer with memcpy, without comparing it with the buffer size first. A header of 200 bytes overwrites the stack.",
    );
    let t = run(&r, &[main_branch(), release()]);
    assert!(
        with(&t, Signal::UnknownSymbol).is_empty(),
        "{:#?}",
        t.findings
    );
    let changed = with(&t, Signal::ChangedSince);
    assert_eq!(changed.len(), 1, "{:#?}", t.findings);
    assert_eq!(changed[0].level, Level::Info);
    assert!(
        changed[0].detail.contains("v1.0.0 (1.0.0) @ 1111111111")
            && changed[0].detail.contains("main @ 2222222222")
            && changed[0].detail.contains("lib/parse.c:3"),
        "{}",
        changed[0].detail
    );
    assert_eq!(changed[0].evidence[0].quote, "widget_parse_header");
    assert_eq!(t.label, Label::Valid);
}

#[test]
fn a_name_absent_at_the_release_and_the_default_branch_is_strong_and_names_both() {
    let r = Report::new(
        "Overflow in widget_decode_chunk",
        "In libwidget 1.0.0 the function `widget_decode_chunk()` trusts the chunk length.",
    );
    let t = run(&r, &[main_branch(), release()]);
    let unknown = with(&t, Signal::UnknownSymbol);
    let f = unknown
        .iter()
        .find(|f| f.detail.contains("`widget_decode_chunk`"))
        .unwrap_or_else(|| panic!("{:#?}", t.findings));
    assert_eq!(f.level, Level::Strong, "{}", f.detail);
    assert!(
        f.detail.contains("v1.0.0 (1.0.0) @ 1111111111") && f.detail.contains("main @ 2222222222"),
        "{}",
        f.detail
    );
}

#[test]
fn a_release_without_a_tag_is_said_and_absence_counts_less() {
    // The report names 2.5.0; only the default branch is indexed.
    let r = Report::new(
        "Overflow in widget_decode_chunk",
        "In libwidget 2.5.0 the function `widget_decode_chunk()` trusts the chunk length.",
    );
    let t = run(&r, &[main_branch()]);
    let unknown = with(&t, Signal::UnknownSymbol);
    assert_eq!(unknown.len(), 1, "{:#?}", t.findings);
    assert_eq!(unknown[0].level, Level::Info);
    assert!(
        unknown[0].detail.contains("2.5.0") && unknown[0].detail.contains("default branch only"),
        "{}",
        unknown[0].detail
    );
    // Another product's version is not the project's: the absence counts again.
    let r = Report::new(
        "Overflow in widget_decode_chunk",
        "Built with OpenSSL/3.0.13. The function `widget_decode_chunk()` trusts the chunk length.",
    );
    let t = run(&r, &[main_branch()]);
    assert_eq!(with(&t, Signal::UnknownSymbol)[0].level, Level::Weak);
}

#[test]
fn quoted_code_gone_from_the_default_branch_may_be_fixed_already() {
    let r = Report::new(
        "Stack overflow in widget_parse_header (1.0.0)",
        "Tested on v1.0.0. The vulnerable code:\n\n```c\nint widget_parse_header(struct widget *w, const char *src, size_t len)\n{\n  char buf[64];\n  w->state = WIDGET_STATE_HEADER;\n  memcpy(buf, src, len);\n  buf[len] = 0;\n  return widget_store_header(w, buf);\n}\n```\n\nA long header overflows `buf`.",
    );
    let t = run(&r, &[main_branch(), release()]);
    let fixed = with(&t, Signal::FixedOnDefaultBranch);
    assert_eq!(fixed.len(), 1, "{:#?}", t.findings);
    assert_eq!(fixed[0].level, Level::Info);
    assert!(
        fixed[0].detail.contains("v1.0.0 (1.0.0) @ 1111111111")
            && fixed[0].detail.contains("main @ 2222222222")
            && fixed[0].detail.contains("widget_parse_header"),
        "{}",
        fixed[0].detail
    );
    assert!(with(&t, Signal::QuotedCodeMismatch).is_empty());
    assert_eq!(t.label, Label::Valid);
    // The same quote checked against the release alone: nothing says it changed.
    let t = run(&r, &[release()]);
    assert!(with(&t, Signal::FixedOnDefaultBranch).is_empty());
}

#[test]
fn a_missing_guard_that_the_body_has_is_shown_with_its_lines() {
    let r = Report::new(
        "Buffer overflow in widget_read_header",
        "The function `widget_read_header()` has no bounds check on `len` before copying it into the stack buffer, so a long header overflows it.",
    );
    let t = run(&r, &[main_branch()]);
    let c = with(&t, Signal::ClaimContradicted);
    assert_eq!(c.len(), 1, "{:#?}", t.findings);
    assert!(
        c[0].detail
            .contains("lib/parse.c:7 `if(len >= sizeof(buf))`")
            && c[0]
                .detail
                .contains("lib/parse.c:9 `memcpy(buf, src, len);`")
            && c[0].detail.contains("main @ 2222222222"),
        "{}",
        c[0].detail
    );
    // At the release the guard is really missing: no finding.
    let r = Report::new(
        "Buffer overflow in widget_parse_header",
        "The function `widget_parse_header()` has no bounds check on `len` before copying it into the stack buffer.",
    );
    let t = run(&r, &[release()]);
    assert!(
        with(&t, Signal::ClaimContradicted).is_empty(),
        "{:#?}",
        t.findings
    );
}

const DUP: &str = "\
#include \"widget.h\"

char *widget_dup_name(const char *src, size_t len)
{
  char *copy = malloc(len + 1);
  if(!copy)
    return NULL;
  memcpy(copy, src, len);
  copy[len] = 0;
  return copy;
}

void widget_trace_frame(const unsigned char *frame, size_t n)
{
  fprintf(stderr, \"%zu\\n\", n);
}

int widget_on_frame(struct widget *w, const unsigned char *frame, size_t n)
{
  return widget_keep(w, (const char *)frame) + (int)n;
}
";

const DUP_TEST: &str = "\
#include \"widget.h\"

int main(void)
{
  widget_trace_frame((const unsigned char *)\"x\", 1);
  return widget_on_frame(NULL, NULL, 0);
}
";

const DUP_CALLER: &str = "\
#include \"widget.h\"

int widget_input(struct widget *w, const unsigned char *frame, size_t n)
{
  return widget_on_frame(w, frame, n);
}
";

fn dup_tree() -> SourceIndex {
    index(
        "main @ 3333333333",
        &[
            ("lib/dup.c", DUP),
            ("lib/input.c", DUP_CALLER),
            ("lib/store.c", STORE),
            ("tests/unit/test_dup.c", DUP_TEST),
        ],
        Revision::DefaultBranch,
    )
}

#[test]
fn a_fixed_size_buffer_allocated_from_the_length_is_shown() {
    let r = Report::new(
        "Heap overflow in widget_dup_name",
        "`widget_dup_name()` copies the name into a fixed-size buffer, so a long name overflows.",
    );
    let t = run(&r, &[dup_tree()]);
    let c = with(&t, Signal::ClaimContradicted);
    assert_eq!(c.len(), 1, "{:#?}", t.findings);
    assert!(
        c[0].detail
            .contains("lib/dup.c:5 `char *copy = malloc(len + 1);`")
            && c[0]
                .detail
                .contains("lib/dup.c:8 `memcpy(copy, src, len);`"),
        "{}",
        c[0].detail
    );
    // The stack buffer of widget_read_header really is fixed-size.
    let r = Report::new(
        "Overflow in widget_read_header",
        "`widget_read_header()` copies into a fixed-size buffer on the stack.",
    );
    let t = run(&r, &[main_branch()]);
    assert!(
        with(&t, Signal::ClaimContradicted).is_empty(),
        "{:#?}",
        t.findings
    );
}

#[test]
fn a_network_reachable_function_without_callers_outside_tests_is_shown() {
    let r = Report::new(
        "Remote crash in widget_trace_frame",
        "A remote attacker reaches `widget_trace_frame()`: it is remotely triggerable with a crafted frame.",
    );
    let t = run(&r, &[dup_tree()]);
    let c = with(&t, Signal::ClaimContradicted);
    assert_eq!(c.len(), 1, "{:#?}", t.findings);
    assert!(
        c[0].detail.contains("lib/dup.c:13") && c[0].detail.contains("1 time(s) in tests only"),
        "{}",
        c[0].detail
    );
    // widget_on_frame has a caller in lib/input.c: no finding.
    let r = Report::new(
        "Remote crash in widget_on_frame",
        "`widget_on_frame()` is remotely triggerable with a crafted frame.",
    );
    let t = run(&r, &[dup_tree()]);
    assert!(
        with(&t, Signal::ClaimContradicted).is_empty(),
        "{:#?}",
        t.findings
    );
}

#[test]
fn versions_named_map_to_tags_of_any_spelling() {
    let r = Report::new(
        "Crash",
        "Seen in libwidget-1.2.3 and curl 7.68.0 with OpenSSL/3.0.13, also version 2.1 at commit 9f8e7d6c.",
    );
    let named = triage::revisions_named(&r, Some("libwidget"));
    let names: Vec<&str> = named.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["1.2.3", "2.1", "9f8e7d6c"], "{named:?}");
    let tags: Vec<String> = ["widget_1_2_3", "v2.1.0", "v1.2.2"]
        .iter()
        .map(|t| t.to_string())
        .collect();
    let plan = triage::source::plan_revisions(&named, &tags, 4);
    assert_eq!(
        plan.tags,
        [
            ("1.2.3".to_owned(), "widget_1_2_3"),
            ("2.1".to_owned(), "v2.1.0")
        ]
    );
    assert_eq!(plan.commits, ["9f8e7d6c"]);
}

/// The labelled corpus as the server would check it: the newest curl fixture as the default
/// branch, and the fixture of each curl release a report names (when there is one) as that
/// release. Revisions must not make valid reports look invalid.
#[test]
fn the_corpus_checked_at_named_releases_flags_no_valid_report() {
    use crate::fixture::{CURL_SYS, curl_indexes};
    let text = include_str!("../data/reports.jsonl");
    let curl_policy =
        Policy::from_toml(include_str!("../data/policies/curl.toml")).expect("curl policy");
    let default_policy = Policy::default();
    let idx = curl_indexes();
    let newest = idx.len() - 1;
    let history = History::default();
    let (mut valid, mut valid_flagged, mut flagged, mut caught) = (0, 0, 0, 0);
    let mut named_used = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let project = s("project");
        let is_curl = project.eq_ignore_ascii_case("curl");
        let report = Report::new(s("title"), s("text"));
        let mut sources = Vec::new();
        if is_curl {
            sources.push(idx[newest].with_label("master").at(Revision::DefaultBranch));
            for r in triage::revisions_named(&report, Some("curl"))
                .iter()
                .take(3)
            {
                let fixture = CURL_SYS
                    .iter()
                    .position(|(_, l)| l.strip_prefix("curl ") == Some(r.name.as_str()));
                if let Some(i) = fixture.filter(|&i| i != newest) {
                    named_used += 1;
                    sources.push(
                        idx[i]
                            .with_label(format!("curl {}", r.name))
                            .at(Revision::Named(r.name.clone())),
                    );
                }
            }
        }
        let ctx = Context {
            project_name: Some(&project),
            sources: &sources,
            ..Context::new(
                if is_curl {
                    &curl_policy
                } else {
                    &default_policy
                },
                &history,
            )
        };
        let got = triage(&report, &ctx).label;
        if s("label") == "valid" {
            valid += 1;
            if got != Label::Valid {
                valid_flagged += 1;
                println!("valid report flagged: {} as {}", s("id"), got.as_str());
            }
        } else {
            flagged += 1;
            if got != Label::Valid {
                caught += 1;
            }
        }
    }
    println!(
        "with revisions: valid flagged {valid_flagged}/{valid}, flagged caught {caught}/{flagged}, {named_used} named releases indexed"
    );
    assert!(named_used > 0, "some report names a fixture release");
    assert_eq!(valid_flagged, 0);
    assert!(caught * 10 >= flagged * 9, "{caught}/{flagged}");
}

#[test]
fn a_named_commit_is_covered_by_its_index() {
    let at_commit = index(
        "commit 1111111 @ 1111111111",
        &[("lib/parse.c", PARSE_OLD), ("lib/store.c", STORE)],
        Revision::Named("1111111".into()),
    );
    let r = Report::new(
        "Overflow in widget_decode_chunk",
        "Reproduced at commit 1111111abc: `widget_decode_chunk()` trusts the chunk length.",
    );
    let t = run(&r, &[main_branch(), at_commit]);
    let f = with(&t, Signal::UnknownSymbol);
    assert_eq!(f.len(), 1, "{:#?}", t.findings);
    assert_eq!(f[0].level, Level::Strong, "{}", f[0].detail);
    assert!(
        f[0].detail.contains("commit 1111111 @ 1111111111"),
        "{}",
        f[0].detail
    );
    // A commit nobody could resolve: the absence is only shown.
    let t = run(&r, &[main_branch()]);
    let f = with(&t, Signal::UnknownSymbol);
    assert_eq!(f[0].level, Level::Info, "{}", f[0].detail);
    assert!(f[0].detail.contains("1111111abc"), "{}", f[0].detail);
}

#[test]
fn body_checks_stay_quiet_when_the_body_does_not_answer_the_claim() {
    const OTHER_GUARD: &str = "\
int widget_copy_name(struct widget *w, const char *src, size_t len)
{
  char buf[32];
  if(w->lines > WIDGET_MAX_LINES)
    return -1;
  memcpy(buf, src, len);
  return widget_keep(w, buf);
}
";
    const API: &str = "int widget_feed(struct widget *w, const char *data, size_t n);\n";
    const FEED: &str = "\
int widget_feed(struct widget *w, const char *data, size_t n)
{
  return widget_keep(w, data) + (int)n;
}
";
    let tree = index(
        "main @ 4444444444",
        &[
            ("lib/name.c", OTHER_GUARD),
            ("lib/feed.c", FEED),
            ("lib/store.c", STORE),
            ("include/widget/widget.h", API),
        ],
        Revision::DefaultBranch,
    );
    for (title, text) in [
        // The only comparison is about another variable: the claim may be right.
        (
            "Overflow in widget_copy_name",
            "`widget_copy_name()` performs no bounds check on `len` before the memcpy into a 32-byte buffer.",
        ),
        // Public API: applications call it, whatever the tree itself does.
        (
            "Remote crash in widget_feed",
            "`widget_feed()` is remotely triggerable by a malicious peer.",
        ),
        // Two functions in one sentence: not one claim.
        (
            "Overflow",
            "Neither `widget_copy_name()` nor `widget_store_header()` has a length check.",
        ),
    ] {
        let t = run(&Report::new(title, text), std::slice::from_ref(&tree));
        assert!(
            with(&t, Signal::ClaimContradicted).is_empty(),
            "{text}: {:#?}",
            t.findings
        );
    }
}
