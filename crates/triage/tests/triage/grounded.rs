//! Grounded checks against real curl sources (the curl-sys fixture). Expected facts are
//! curl's: `Curl_inet_ntop` lives in lib/inet_ntop.c up to 8.11 and lib/curlx/inet_ntop.c
//! in 8.22; curl has no `Curl_parse_widget`; `curl_easy_init` is its public API.

use crate::fixture::curl_indexes;
use triage::{Context, History, Label, Level, Policy, Report, Signal, triage};

fn run(report: &Report) -> triage::Triage {
    let policy = Policy::default();
    let history = History::default();
    let ctx = Context {
        project_name: Some("curl"),
        sources: curl_indexes(),
        ..Context::new(&policy, &history)
    };
    triage(report, &ctx)
}

#[test]
fn the_index_knows_curl() {
    let idx = curl_indexes();
    let newest = &idx[idx.len() - 1];
    assert!(newest.file_count() > 700, "{}", newest.file_count());
    assert!(newest.defines("curl_easy_init"));
    assert!(newest.defines("CURLOPT_URL"));
    assert_eq!(
        newest.find_path("lib/curlx/inet_ntop.c"),
        Some("lib/curlx/inet_ntop.c")
    );
    assert_eq!(idx[1].find_path("inet_ntop.c"), Some("lib/inet_ntop.c"));
    assert!(
        newest.prefixes().iter().any(|p| p == "Curl"),
        "{:?}",
        newest.prefixes()
    );
    assert!(
        newest.prefixes().iter().any(|p| p == "CURLOPT"),
        "{:?}",
        newest.prefixes()
    );
    assert!(!newest.has_identifier("Curl_parse_widget"));
}

#[test]
fn invented_function_with_nearest_real_name() {
    let r = Report::new(
        "Overflow in Curl_inet_ntopp",
        "The function `Curl_inet_ntopp()` in lib/inet_ntop.c overflows, see also `Curl_parse_widget()`.",
    );
    let t = run(&r);
    let unknown: Vec<_> = t
        .findings
        .iter()
        .filter(|f| f.signal == Signal::UnknownSymbol)
        .collect();
    assert!(
        unknown
            .iter()
            .any(|f| f.detail.contains("`Curl_inet_ntopp`")
                && f.detail.contains("nearest real name: `Curl_inet_ntop`")),
        "{unknown:#?}"
    );
    assert!(
        unknown
            .iter()
            .any(|f| f.detail.contains("`Curl_parse_widget`") && f.level == Level::Weak)
    );
}

#[test]
fn invented_path_and_line_past_the_end() {
    let r = Report::new(
        "x",
        "See lib/urlparse_helper.c and lib/socks.c:99999 for the bug in `Curl_SOCKS5()`.",
    );
    let t = run(&r);
    assert!(
        t.findings
            .iter()
            .any(|f| f.signal == Signal::UnknownPath
                && f.evidence[0].quote == "lib/urlparse_helper.c")
    );
    assert!(
        t.findings
            .iter()
            .any(|f| f.signal == Signal::LineOutOfRange && f.detail.contains("line 99999"))
    );
    assert!(
        !t.findings
            .iter()
            .any(|f| f.signal == Signal::UnknownSymbol && f.detail.contains("`Curl_SOCKS5`"))
    );
}

#[test]
fn paths_outside_the_indexed_tree_are_not_judged() {
    // curl-sys ships no `fuzz/` directory: nothing can be said about fuzz/x.c.
    let r = Report::new("x", "The harness fuzz/curl_fuzzer_helper.c crashes.");
    let t = run(&r);
    assert!(
        !t.findings.iter().any(|f| f.signal == Signal::UnknownPath),
        "{:#?}",
        t.findings
    );
}

#[test]
fn a_poc_that_reimplements_the_project() {
    let r = Report::new(
        "Overflow in Curl_inet_ntop",
        "PoC:\n```c\n#include <stdio.h>\n#include <string.h>\n\nchar *Curl_inet_ntop(int af, const void *src, char *buf, size_t size) {\n    char tmp[8];\n    strcpy(buf, \"255.255.255.255\");\n    return buf;\n}\n\nint main(void) {\n    char b[4];\n    Curl_inet_ntop(2, \"x\", b, sizeof(b));\n    return 0;\n}\n```\n",
    );
    let t = run(&r);
    let f = t
        .findings
        .iter()
        .find(|f| f.signal == Signal::PocNotTouchingProject)
        .expect("poc finding");
    assert_eq!(f.level, Level::Strong);
    assert!(f.detail.contains("`Curl_inet_ntop`"), "{}", f.detail);
    assert_eq!(t.label, Label::AiSlop);
}

#[test]
fn a_poc_that_uses_libcurl_is_fine() {
    let r = Report::new(
        "Heap overflow with a long URL",
        "```c\n#include <curl/curl.h>\n\nint main(void) {\n  CURL *c = curl_easy_init();\n  curl_easy_setopt(c, CURLOPT_URL, long_url);\n  curl_easy_perform(c);\n  return 0;\n}\n```\nASan reports a heap-buffer-overflow.",
    );
    let t = run(&r);
    assert!(
        !t.findings
            .iter()
            .any(|f| f.signal == Signal::PocNotTouchingProject),
        "{:#?}",
        t.findings
    );
    assert_eq!(t.label, Label::Valid);
}

#[test]
fn sanitizer_frames_in_the_project_are_fine_and_own_frames_are_not() {
    let inside = Report::new(
        "leak",
        "==1==ERROR: AddressSanitizer: heap-buffer-overflow\n    #0 0x55 in memcpy\n    #1 0x56 in Curl_dyn_addn /src/curl/lib/curlx/dynbuf.c:120:3\n",
    );
    assert!(
        !run(&inside)
            .findings
            .iter()
            .any(|f| f.signal == Signal::FramesOutsideProject)
    );
    let outside = Report::new(
        "uaf",
        "```c\nvoid my_free_ctx(void *p) { free(p); }\nint main(void) { return 0; }\n```\nValgrind:\n==1== at 0x4C2F: free (vg_replace_malloc.c:530)\n==1== by 0x4005: my_free_ctx (poc.c:3)\n==1== by 0x4006: main (poc.c:5)\n",
    );
    let t = run(&outside);
    assert!(
        t.findings
            .iter()
            .any(|f| f.signal == Signal::FramesOutsideProject),
        "{:#?}",
        t.findings
    );
}

#[test]
fn quoted_code_is_found_in_the_real_file() {
    // Lines of lib/socks.c as of curl 8.3.0 (quoted in the corpus's valid SOCKS5 report).
    let r = Report::new(
        "socks",
        "```c\n    /* RFC1928 chapter 5 specifies max 255 chars for domain name in packet */\n    if(!socks5_resolve_local && hostname_len > 255) {\n      infof(data, \"SOCKS5: server resolving disabled for hostnames of \"\n            \"length > 255 [actual len=%zu]\", hostname_len);\n      socks5_resolve_local = TRUE;\n    }\n```\n",
    );
    let t = run(&r);
    let f = t
        .findings
        .iter()
        .find(|f| f.signal == Signal::QuotedCodeFound)
        .expect("found");
    assert!(f.detail.contains("lib/socks.c"), "{}", f.detail);
}
