//! Word lists and patterns. Each list describes a kind of report, never a single report.

use regex::{Regex, RegexSet};
use std::sync::LazyLock;

fn re(p: &str) -> Regex {
    // Patterns are constants of this file, checked by the unit test below.
    Regex::new(p).unwrap_or_else(|e| panic!("bad pattern {p}: {e}"))
}

/// Words of payment.
pub static PAYMENT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(bug ?bount(?:y|ies)|bount(?:y|ies)|rewards?|rewarded|rewarding|paypal|bitcoin|btc|usdt|ethereum|crypto ?wallet|wallet address|hall of fame|swag|token of appreciation|appreciation|compensat(?:e|ed|ion)|monetary|payment|pay me|pay us|paid|want (?:some )?money|\d+ ?(?:usd|\$)|\$ ?\d+)\b|\${2,}",
    )
});

/// A request: a question or a plea in the same sentence.
pub static ASKING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(\?|\b(please|kindly|request|i would like|i want to know|let me know|do you (?:have|offer|provide|run)|is there|are there|will i|would i|can i|could you|if you (?:offer|provide|give)|eligible|in return|before (?:i|sharing|disclos)|expect(?:ing)?|hope|hoping|deserve|waiting for|look(?:ing)? forward|would be (?:great|nice|appreciated)|plz|pls|giv|give (?:me|us)|want|pay (?:me|us|lots))\b)",
    )
});

/// The target is a website, a domain or the maintainers' infrastructure.
pub static WEBSITE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(your (?:web ?sites?|site|domains?|web ?app(?:lication)?s?|platform|portal|web ?servers?|infrastructure|company|organi[sz]ation|business|caches?|mail server|subdomains?)|(?:vulnerable|target|affected) (?:domain|web ?site|site|host|url)\b|on your site\b|github\.com/[\w.-]+/[\w.-]+/(?:wiki|settings)\b|\bwikis? (?:is|are|can be) edit\w*)",
    )
});

/// The index in [`SCANNER`] of the pattern of scanner names (a note alone, not a template).
pub const SCANNER_TOOLS: usize = 6;

/// Template sentences of scanners and of copy-paste report templates.
pub static SCANNER: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)hurray!? you found a bug",
        r"(?i)kitterman\.com",
        r"(?i)there are various ways of checking missing spf",
        r"(?i)the server didn'?t return an x-frame-options header",
        r"(?i)insecure frame \(external\)",
        r"(?i)active mixed content",
        r"(?i)\b(acunetix|nessus|nikto|netsparker|invicti|openvas|qualys|burp ?suite scanner|owasp zap|wpscan|nuclei template)\b",
        r"(?i)emkei\.cz|anonymousemail\.me",
        r"(?i)if you see (?:any|nothing).{0,40}spf",
    ])
    .unwrap_or_else(|e| panic!("bad scanner pattern: {e}"))
});

/// HackerOne-style report template placeholders left in place.
pub static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(\[add details for how we can reproduce the issue\]|\[list any additional material[^\]]*\]|\[attachment / reference\]|\[which [^\]]{0,80}version[^\]]*\]|\{f?undefined\}|\[(?:insert|your|describe|add|enter|explain) [^\]]{2,80}\])",
    )
});

pub static DECLARED_AI: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(\b(?:assisted|generated|written|drafted|prepared|created|produced|helped|polished|formatted) (?:by|with|using)(?: the help of)? (?:an? )?(?:ai|llm|chatgpt|gpt[- ]?\d*\w*|claude|gemini|copilot|large language model|language model)\b|\bai[- ](?:assist(?:ed|ance)|generated|disclosure|tools? (?:was|were) used)\b|\bwith (?:the )?help of (?:an? )?(?:ai|llm|chatgpt|claude|gemini)\b|\bused (?:an? )?(?:ai|llm|chatgpt|claude|gemini)\b)",
    )
});

/// Claims of top severity.
pub static SEVERE_CLAIM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(critical|remote code execution|arbitrary code execution|\brce\b|code execution|full (?:system )?compromise|complete (?:system )?compromise|take ?over the (?:system|server|machine)|zero[- ]click)\b",
    )
});

/// Evidence of an observed crash or sanitizer report.
pub static CRASH: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(addresssanitizer|leaksanitizer|undefinedbehaviorsanitizer|memorysanitizer|threadsanitizer|==\d+==\s*error|segmentation fault|sigsegv|sigabrt|sigbus|core dumped|heap-buffer-overflow|stack-buffer-overflow|heap-use-after-free|invalid (?:read|write) of size|program received signal|runtime error:|panicked at|stack trace|traceback \(most recent call last\)|#0 +0x[0-9a-f]+)",
    )
});

/// Claims of a crash or memory corruption in the title (`SIGSEGV`, `overflow`).
pub static CRASH_CLAIM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(sigsegv|segfault|crash(?:es)?|overflow|use[- ]after[- ]free|uaf|memory corruption|double free)\b",
    )
});

/// Only a leak was observed.
pub static LEAK_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)(detected memory leaks|direct leak of|indirect leak of|definitely lost)")
});

/// Stack frames: ASan/UBSan `#1 0x… in func file:line`, Valgrind `at/by 0x…: func (file:line)`,
/// gdb `#1 0x… in func (…) at file:line`.
pub static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?m)(?:^\s*#\d+\s+(?:0x[0-9a-fA-FxX]+\s+in\s+)?([A-Za-z_][\w:~<>]*)(?:\s*\([^)\n]*\))?(?:\s+(?:at\s+)?\(?([^\s():]+\.\w+):(\d+))?|^[ \t]*(?:==\d+==[ \t]*)?(?:at|by)[ \t]+0x[0-9a-fA-FxX]+:[ \t]*([A-Za-z_][\w:~<>]*)(?:\s+\(([^\s():]+\.\w+):(\d+)\))?)",
    )
});

/// Phrases typical of machine-written filler. Only ever a tie-breaker.
pub static FILLER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(it is (?:crucial|essential|imperative|important) to|prompt action|adherence to|in conclusion|comprehensive (?:testing|analysis|review)|consider reporting (?:this|it)|report(?:ing)? (?:it |this (?:issue )?)?to the (?:\w+ )?maintainers|ensure that you are using the latest version|this report analy[sz]es|significant (?:consequences|security risks?)|could potentially|may potentially|undefined behavio(?:u)?r, (?:application )?crashes|security vulnerabilities if exploited|compliance (?:risks?|requirements))\b",
    )
});

pub static CVE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(CVE-\d{4}-\d{4,7}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})\b"));

/// Version numbers: `8.4.0`, `v1.2.3`, tags like `curl-8_3_0`.
pub static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b[a-z]+-(\d+)_(\d+)_(\d+)\b|(?:^|[^\d.])v?(\d{1,3}\.\d{1,3}(?:\.\d{1,4})?)(?:[^\d.]|\.(?:\s|$)|$))",
    )
});

/// File paths and `file:line` references.
pub static PATH: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:^|[\s`'(\[/])((?:[\w.+-]+/)*[\w+-][\w.+-]*\.(?:c|h|cc|cpp|cxx|hpp|rs|py|go|js|mjs|ts|tsx|java|rb|php|pl|pm|m|cs|swift|kt|sh|lua|toml|ya?ml|json|xml|md|in|am|cmake))(?:(?::|#L|, line |\s+line\s+)(\d+))?\b",
    )
});

/// GitHub blob links: ref and path.
pub static GITHUB_BLOB: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"github\.com/[\w.-]+/[\w.-]+/blob/([\w.\-]+)/([\w./+-]+?)(?:#L(\d+)(?:-L\d+)?)?(?:[)\s>\]]|$)",
    )
});

pub static CVSS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(?:CVSS:[234]\.\d/)?AV:([NALP])/AC:[LHM]/[A-Z:/]+"));

/// A non-qualifying class: which words show a report is of that class.
#[derive(Debug)]
pub struct ClassRule {
    pub id: &'static str,
    pub cues: Regex,
}

/// Cue phrases of the topic classes, standard and common custom ones (curl's list among
/// them), matched against the report's claim. Classes about what the attacker needs
/// (`requires-admin`, `local-attacker`, `debug-only`, …) are matched through the report's
/// preconditions instead (signals/claim.rs); custom classes also by their own wording.
pub static CLASS_RULES: LazyLock<Vec<ClassRule>> = LazyLock::new(|| {
    let rules: &[(&str, &str)] = &[
        (
            "self-only",
            r"\b(self[- ]xss|only (?:affects|impacts) (?:the )?(?:attacker|user) (?:themselves|himself|herself)|their own (?:account|browser|session) only)\b",
        ),
        (
            "scanner-output",
            r"\b(acunetix|nessus|nikto|netsparker|qualys|owasp zap|burp (?:suite )?scanner|automated scan(?:ner)?|scanner (?:output|result|report)s?)\b",
        ),
        (
            "third-party-library",
            r"\b(third[- ]party (?:library|dependency|component)|vulnerable (?:dependency|component|library)|outdated (?:library|dependency|version of (?:jquery|bootstrap|openssl))|npm audit|known vulnerable component)\b",
        ),
        (
            "missing-headers",
            r"\b(x-frame-options|x-content-type-options|strict-transport-security|content-security-policy header|missing (?:http )?(?:security )?headers?|(?:httponly|secure) flag|referrer-policy header)\b",
        ),
        (
            "clickjacking-no-state",
            r"\b(clickjacking|click-jacking|ui redress(?:ing)?)\b",
        ),
        (
            "spf-dmarc",
            r"\b(spf (?:records?|mechanism)|spf/(?:txt|dmarc)|dmarc|dkim|e-?mail spoofing|spoof(?:ed)? e-?mails?|sender policy framework)\b",
        ),
        ("social-engineering", r"\b(social engineering|phishing)\b"),
        (
            "theoretical-no-poc",
            r"\b(theoretical(?:ly)?|hypothetical(?:ly)?|in theory|potential(?:ly)? (?:vulnerab\w+|risks?|issues?))\b",
        ),
        // Common custom classes (ids a project may use with its own wording).
        (
            "memory-leak",
            r"\b(memory leaks?|leak(?:s|ed)? memory|detected memory leaks|direct leak of)\b",
        ),
        (
            "api-misuse",
            r"\b(api misuse|misuses? (?:of )?the api|not documented to work|in (?:an? )?undocumented (?:way|manner)|contrary to (?:the|its) documentation)\b",
        ),
        (
            "crash-only",
            r"\b(null (?:pointer )?dereference|null deref|crash(?:es)? (?:only|and nothing (?:more|worse)))\b",
        ),
        (
            "weak-algorithm",
            r"\b(weak (?:cipher|algorithm|hash|crypto\w*)|broken or risky cryptographic|cwe-327|cwe-328|(?:des|3des|md4|md5|sha-?1|rc4) (?:is|are) (?:considered )?(?:weak|insecure|broken|deprecated))\b",
        ),
        (
            "crlf-injection",
            r"\b(crlf injection|header injection via crlf|cr/?lf in (?:the )?(?:header|user ?name|input))\b",
        ),
        (
            "never-ending-transfer",
            r"\b(never[- ]ending (?:transfer|download)s?|slowloris|busy[- ]loops?)\b",
        ),
        (
            "url-inconsistency",
            r"\b(url parser (?:inconsistenc\w+|differential)|whatwg)\b",
        ),
        (
            "infrastructure",
            r"\b(cache purge|purge requests?|github wiki|wikis? (?:is|are|can be) edit\w*|(?:website|web ?site|domain|dns|cdn|mail server|mailing list)(?:'s)? (?:configuration|misconfiguration|records?|settings)|subdomain takeover|your (?:web ?site|caches?|domain|web ?servers?|infrastructure))\b",
        ),
        (
            "documented-behaviour",
            r"\b(documented behaviou?r|as documented|by design|intended behaviou?r|works as designed)\b",
        ),
    ];
    rules
        .iter()
        .map(|(id, p)| ClassRule {
            id,
            cues: re(&format!("(?i){p}")),
        })
        .collect()
});

/// Common C library and POSIX names: calling them is not calling the project.
pub const LIBC: &[&str] = &[
    "main",
    "printf",
    "fprintf",
    "sprintf",
    "snprintf",
    "vsnprintf",
    "puts",
    "fputs",
    "perror",
    "malloc",
    "calloc",
    "realloc",
    "free",
    "strdup",
    "strndup",
    "strcpy",
    "strncpy",
    "strcat",
    "strncat",
    "strlen",
    "strcmp",
    "strncmp",
    "strchr",
    "strrchr",
    "strstr",
    "strtok",
    "strtol",
    "strtoul",
    "atoi",
    "atol",
    "memcpy",
    "memmove",
    "memset",
    "memcmp",
    "memchr",
    "exit",
    "abort",
    "assert",
    "fopen",
    "fclose",
    "fread",
    "fwrite",
    "fgets",
    "fflush",
    "open",
    "close",
    "read",
    "write",
    "socket",
    "bind",
    "listen",
    "accept",
    "connect",
    "send",
    "recv",
    "sendto",
    "recvfrom",
    "select",
    "poll",
    "htons",
    "htonl",
    "ntohs",
    "ntohl",
    "inet_pton",
    "inet_ntop",
    "getaddrinfo",
    "freeaddrinfo",
    "setsockopt",
    "getsockopt",
    "getsockname",
    "getpeername",
    "sleep",
    "usleep",
    "time",
    "pthread_create",
    "pthread_join",
    "errno",
    "size_t",
    "ssize_t",
    "uint8_t",
    "uint16_t",
    "uint32_t",
    "uint64_t",
    "int32_t",
    "int64_t",
    "NULL",
    "EOF",
    "stdin",
    "stdout",
    "stderr",
    "sizeof",
    "AF_INET",
    "AF_INET6",
    "SOCK_STREAM",
    "SOCK_DGRAM",
    "IPPROTO_TCP",
    "ENOSPC",
    "EINVAL",
    "ENOMEM",
    "EAFNOSUPPORT",
    "EAGAIN",
    "EWOULDBLOCK",
    "INADDR_LOOPBACK",
    "INADDR_ANY",
    "MSG_MORE",
    "SOL_SOCKET",
    "SO_REUSEADDR",
    "FILE",
    "bool",
    "true",
    "false",
    "char",
    "int",
    "void",
    "unsigned",
    "long",
    "short",
    "const",
    "static",
    "struct",
    "return",
    "include",
    "define",
    "fork",
    "execve",
    "system",
    "popen",
    "getenv",
    "setenv",
    "qsort",
    "signal",
    "raise",
    "isalpha",
    "isdigit",
    "isspace",
    "toupper",
    "tolower",
    "rand",
    "srand",
    "in_port_t",
    "in_addr_t",
    "socklen_t",
    "sockaddr",
    "sockaddr_in",
    "sockaddr_in6",
    "sin_port",
    "sin_addr",
    "sin_family",
    "s_addr",
    "off_t",
    "pid_t",
    "uid_t",
    "time_t",
    "timeval",
    "ASAN_OPTIONS",
    "UBSAN_OPTIONS",
    "LSAN_OPTIONS",
    "MSAN_OPTIONS",
    "detect_leaks",
    "malloc_context_size",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
];

/// Sentences of a chatbot answer pasted as the report: advice addressed to the reporter
/// ("consider reporting this to the maintainers"), or the assistant speaking of itself.
pub static ASSISTANT_TELL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b((?:consider|recommend|suggest) report(?:ing)? (?:this|it|the)(?: (?:issue|vulnerability|problem|bug|flaw|finding))? to the (?:[\w-]+ )?(?:maintainers|developers|vendor|security team|project)|as an ai(?: language model)?|certainly! here)\b",
    )
});

/// Phrases people write too ("I hope this helps", "let me know if you need more"): a note.
pub static ASSISTANT_HINT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(if it has not (?:already )?been (?:already )?reported|i hope this helps|let me know if you (?:need|want|would like) (?:any )?(?:further|more|additional))\b",
    )
});

/// Unsafe C library calls named as the problem.
pub static UNSAFE_CALL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(strcpy|strcat|sprintf|vsprintf|gets|strncpy|memcpy|alloca|scanf)\s*\(")
});

/// Hedged claims: potential, could, may, risk.
pub static HEDGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(potential(?:ly)?|could (?:potentially )?(?:lead|result|allow|cause)|may (?:lead|result|allow|cause)|might (?:lead|result|allow|cause)|risks?|if exploited|theoretical(?:ly)?)\b",
    )
});

/// Tool output with placeholder addresses (`0xxxxxx`, `==XXXX==`): written, not captured.
pub static FAKE_OUTPUT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?m)(\b0x[xX]{3,}\b|==[xX]{3,}==|\bat 0x\.\.\.|#\d+ 0x[0-9a-f]*[xX]{4,})")
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_and_match() {
        assert!(PAYMENT.is_match("Do you have a bug bounty program?"));
        // Informal asks: runs of dollar signs, "pay me", "want money", with a plea.
        for ask in [
            "u will giv me $$$ for my father",
            "Plz fix it and pay me bounty..",
            "because want some $$$$ so please",
        ] {
            assert!(PAYMENT.is_match(ask) && ASKING.is_match(ask), "{ask}");
        }
        // A price in a report's text is no ask, and one dollar sign is shell.
        assert!(!PAYMENT.is_match("run `echo $HOME` as the user"));
        assert!(!ASKING.is_match("The attacker's money transfer is replayed."));
        assert!(WEBSITE.is_match("I found a CRITICAL Vulnerability on your website"));
        assert!(SCANNER.is_match("then \"HURRAY! You Found a Bug\""));
        assert!(PLACEHOLDER.is_match("[add details for how we can reproduce the issue]"));
        assert!(DECLARED_AI.is_match("This report has been assisted by AI."));
        assert!(!DECLARED_AI.is_match("the air was cold"));
        assert!(CRASH.is_match("==7796==ERROR: LeakSanitizer: detected memory leaks"));
        assert_eq!(CLASS_RULES.len(), 17);
        assert_eq!(
            SCANNER
                .matches("found with OWASP ZAP")
                .into_iter()
                .collect::<Vec<_>>(),
            vec![SCANNER_TOOLS]
        );
        let caps = FRAME
            .captures("    #1 0x55fa1dca3e21 in getparameter /curl/src/tool_getparam.c:2754:35");
        let caps = caps.map(|c| (c.get(1).map(|m| m.as_str()), c.get(2).map(|m| m.as_str())));
        assert_eq!(
            caps,
            Some((Some("getparameter"), Some("/curl/src/tool_getparam.c")))
        );
        let v = FRAME.captures("by 0xxxxxx: cf_h2_proxy_ctx_free");
        assert_eq!(
            v.and_then(|c| c.get(4)).map(|m| m.as_str()),
            Some("cf_h2_proxy_ctx_free")
        );
        let caps = FRAME.captures("==1== by 0x4C2F: cf_h2_proxy_ctx_free (cf-h2-proxy.c:217)");
        assert_eq!(
            caps.and_then(|c| c.get(4)).map(|m| m.as_str()),
            Some("cf_h2_proxy_ctx_free")
        );
        assert!(PATH.is_match("see lib/urlapi.c:661 for"));
        let g = GITHUB_BLOB
            .captures("https://github.com/curl/curl/blob/curl-8_3_0/lib/socks.c#L573-L574)");
        assert_eq!(
            g.and_then(|c| c.get(2)).map(|m| m.as_str()),
            Some("lib/socks.c")
        );
    }
}
