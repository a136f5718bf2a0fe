//! Signal 3a: a proof of concept that never touches the project.
//!
//! Precision first: the finding is strong only when the PoC demonstrably exercises something
//! else — it re-implements the project's functions, or it is a C program that includes only
//! system headers and calls only the C library — and nothing in the report runs, links,
//! imports or connects to the project. A PoC that is a server (the malicious server a client
//! library connects to: a Python `http.server`, `nc -l`, a socket that listens) or a network
//! client (the request a server project receives) is the other end of a connection, normal
//! for network software: it is never read as "does not touch the project".

use crate::extract::{BlockKind, Facts};
use crate::index::idents;
use crate::lexicon::LIBC;
use crate::text::Doc;
use crate::{Context, Finding, Level, Signal};
use regex::Regex;
use std::sync::LazyLock;

fn re(p: &str) -> Regex {
    // Patterns are constants of this file, checked by the unit test below.
    Regex::new(p).unwrap_or_else(|e| panic!("bad pattern {p}: {e}"))
}

/// A program that listens: the peer the project connects to.
static SERVER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(\blisten\s*\(|\.listen\s*\(|\baccept\s*\(|\.accept\s*\(|\bbind\s*\(|\.bind\s*\(|socketserver|http\.server|basehttprequesthandler|simplehttprequesthandler|httpserver|serve_forever|createserver|start_server|websockets\.serve|\bnc\s+(?:-\w+\s+)*-\w*l|\bncat\s+(?:-\w+\s+)*-\w*l|\bsocat\b|tcplistener|net\.listen|listenandserve|\bflask\b|\bapp\.run\s*\(|\bexpress\s*\(|\baiohttp\.web\b|\bhttp\.createserver|twisted)",
    )
});

/// A program that connects or sends requests: it reaches the project over the network. A
/// URL in a string is not a connection.
static CLIENT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(\bconnect\s*\(|\.connect\s*\(|create_connection|\brequests\.\w+\s*\(|\burlopen\s*\(|urllib\.request|http\.client|httpx\.|aiohttp\.|\bfetch\s*\(|\baxios\b|xmlhttprequest|new websocket|tcpstream::connect|net\.dial|\bhttp\.(?:get|post|request)\s*\(|reqwest::)",
    )
});

fn project_defines(ctx: &Context<'_>, name: &str) -> bool {
    !LIBC.contains(&name) && ctx.sources.iter().any(|s| s.defines(name))
}

fn prefixed(ctx: &Context<'_>, name: &str) -> bool {
    ctx.sources.iter().any(|s| {
        s.prefixes().iter().any(|p| {
            name.len() > p.len() + 1
                && name.starts_with(p.as_str())
                && name.as_bytes()[p.len()] == b'_'
        })
    })
}

/// Whether a command line (shell, inline code) runs or links the project.
fn runs(line: &str, variants: &[String]) -> bool {
    let t = line
        .trim_start()
        .trim_start_matches("$ ")
        .trim_start_matches("sudo ");
    let first = t.split_whitespace().next().unwrap_or("");
    let first = first.rsplit('/').next().unwrap_or(first);
    variants
        .iter()
        .any(|v| first == v || line.contains(&format!("-l{v}")))
}

pub(super) fn poc(doc: &Doc<'_>, facts: &Facts, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let variants: Vec<String> = ctx
        .project_name
        .map(super::name_variants)
        .unwrap_or_default();
    if ctx.sources.is_empty() && variants.is_empty() {
        return;
    }
    // Programs that are one end of a connection are the project's peers, not stand-ins.
    let programs: Vec<_> = facts
        .blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Program)
        .filter(|b| {
            let body = &doc.text[b.start..b.end];
            !SERVER.is_match(body) && !CLIENT.is_match(body)
        })
        .collect();
    if programs.is_empty() {
        return;
    }
    // A command anywhere — a shell block, a line of any block, inline code in the prose —
    // that runs or links the project counts for the whole report.
    let runs_project = facts.blocks.iter().any(|b| {
        doc.lower[b.start..b.end]
            .lines()
            .any(|l| runs(l, &variants))
    }) || doc
        .lower
        .split('`')
        .skip(1)
        .step_by(2)
        .any(|code| runs(code, &variants));
    let mut reimplemented: Vec<String> = Vec::new();
    let mut touching = runs_project;
    let mut only_system_c = true;
    for b in &programs {
        let body = &doc.text[b.start..b.end];
        let mut includes = 0;
        for line in body.lines() {
            let t = line.trim_start();
            if let Some(inc) = t.strip_prefix("#include") {
                includes += 1;
                let h = inc
                    .trim()
                    .trim_matches(|c| c == '<' || c == '>' || c == '"');
                if !is_system_header(h) {
                    only_system_c = false;
                }
                if ctx
                    .sources
                    .iter()
                    .any(|s| s.find_path(h).is_some() && !is_system_header(h))
                    || variants.iter().any(|v| {
                        h.to_ascii_lowercase().starts_with(&format!("{v}/"))
                            || h.eq_ignore_ascii_case(&format!("{v}.h"))
                    })
                {
                    touching = true;
                }
            }
            let lt = t.to_ascii_lowercase();
            if (lt.starts_with("import ")
                || lt.starts_with("from ")
                || lt.starts_with("use ")
                || lt.starts_with("extern crate")
                || lt.contains("require(")
                || lt.contains("cdll")
                || lt.contains("dlopen"))
                && variants.iter().any(|v| lt.contains(v.as_str()))
            {
                touching = true;
            }
            if variants.iter().any(|v| lt.contains(&format!("-l{v}")))
                || (lt.contains("subprocess")
                    || lt.contains("system(")
                    || lt.contains("popen")
                    || lt.contains("exec"))
                    && variants
                        .iter()
                        .any(|v| lt.contains(&format!("\"{v}")) || lt.contains(&format!("'{v}")))
            {
                touching = true;
            }
            for tok in idents(line) {
                if facts.own_defs.contains(tok) {
                    if project_defines(ctx, tok)
                        && !reimplemented.iter().any(|r| r == tok)
                        && tok != "main"
                    {
                        reimplemented.push(tok.to_owned());
                    }
                } else if project_defines(ctx, tok) && is_api_like(tok, ctx) {
                    touching = true;
                }
            }
        }
        if includes == 0 {
            only_system_c = false;
        }
    }
    if touching {
        return;
    }
    // Demonstrably something else: the project's functions re-implemented, or a C program
    // of system headers and the C library only (with the project's source at hand to tell).
    let demonstrable = !reimplemented.is_empty() || only_system_c && !ctx.sources.is_empty();
    let b = programs[0];
    let (s, e) = doc.lines[doc.line_of(b.start)];
    let mut detail = String::from(
        "the proof of concept never includes, imports, links, calls, runs or connects to the project",
    );
    if !reimplemented.is_empty() {
        detail.push_str(&format!(
            "; it defines its own {} instead of calling the project's",
            reimplemented
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else if demonstrable {
        detail.push_str("; it includes only system headers and calls only the C library");
    }
    out.push(Finding {
        signal: Signal::PocNotTouchingProject,
        level: if demonstrable {
            Level::Strong
        } else {
            Level::Weak
        },
        evidence: vec![doc.evidence(s, e.max(s)), doc.evidence(b.start, b.end)],
        detail,
        policy_ref: None,
        confidence: if reimplemented.is_empty() { 0.7 } else { 0.9 },
    });
}

fn is_system_header(h: &str) -> bool {
    matches!(
        h,
        "stdio.h"
            | "stdlib.h"
            | "string.h"
            | "errno.h"
            | "unistd.h"
            | "stdint.h"
            | "stddef.h"
            | "limits.h"
            | "assert.h"
            | "ctype.h"
            | "time.h"
            | "signal.h"
            | "fcntl.h"
            | "stdbool.h"
            | "stdarg.h"
            | "math.h"
            | "netdb.h"
            | "pthread.h"
            | "inttypes.h"
            | "strings.h"
            | "wchar.h"
    ) || h.starts_with("sys/")
        || h.starts_with("netinet/")
        || h.starts_with("arpa/")
}

/// Project API names: namespaced (`curl_easy_init`, `CURLOPT_URL`) or long enough not to be
/// a common word shared with the C library.
fn is_api_like(tok: &str, ctx: &Context<'_>) -> bool {
    prefixed(ctx, tok) || tok.len() >= 6 && tok.contains('_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_are_recognised() {
        for server in [
            "s = socket.socket()\ns.bind(('0.0.0.0', 8080))\ns.listen(1)",
            "from http.server import HTTPServer, BaseHTTPRequestHandler",
            "nc -lvp 4444 < payload.bin",
            "int fd = socket(AF_INET, SOCK_STREAM, 0);\nlisten(fd, 1);",
        ] {
            assert!(SERVER.is_match(server), "{server}");
        }
        for client in [
            "requests.post('http://127.0.0.1:8080/api', data=x)",
            "conn.connect((host, port))",
        ] {
            assert!(CLIENT.is_match(client), "{client}");
        }
        assert!(!SERVER.is_match("char buf[8];\nstrcpy(buf, argv[1]);"));
        assert!(!CLIENT.is_match("const char *u = \"http://example.com\";\nstrcpy(buf, u);"));
        assert!(!CLIENT.is_match("char buf[8];\nstrcpy(buf, argv[1]);"));
    }
}
