//! The intake path on any input: parse with the default and with tiny limits, then decide
//! the auto-reply, look up thread keys, run filter rules of every kind, and build the
//! reply headers and refusal text. Nothing may panic; what comes out must stay within the
//! limits, and no reply header may carry a line break of its own.
#![no_main]

use std::sync::{LazyLock, Once};

use libfuzzer_sys::fuzz_target;
use mail::{Action, Limits, MatchKind, OurAddresses, Rule, RuleSpec, Scope};

/// Compiled once: compiling regexes per input would slow the fuzzer a hundredfold.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(rules);

fn rules() -> Vec<Rule> {
    let specs = [
        (
            MatchKind::SenderAddress,
            "spammer@example.net",
            Action::Refuse,
        ),
        (MatchKind::SenderDomain, "example.com", Action::Spam),
        (
            MatchKind::SubjectRegex,
            r"(?i)\b(seo|bounty)\b",
            Action::Spam,
        ),
        (MatchKind::BodyRegex, r"(?m)^-----BEGIN PGP", Action::Spam),
    ];
    specs
        .iter()
        .enumerate()
        .map(|(i, (kind, pattern, action))| {
            Rule::compile(&RuleSpec {
                id: format!("r{i}"),
                scope: if i % 2 == 0 {
                    Scope::Instance
                } else {
                    Scope::Project
                },
                kind: *kind,
                pattern: (*pattern).to_owned(),
                action: *action,
                note: String::new(),
            })
            .expect("the fuzz rules are valid")
        })
        .collect()
}

/// mail-parser 0.11 has `debug_assert!(false)`s that malformed input reaches (see
/// `tests/data/fuzz_debug_assert.bin`). `mail::parse` catches them and reads the headers
/// only, so they are let unwind to it; any other panic still aborts the run (and a panic
/// escaping `parse` is caught and reported by libfuzzer-sys).
static QUIET_MAIL_PARSER_ASSERTIONS: Once = Once::new();

fn quiet_mail_parser_assertions() {
    QUIET_MAIL_PARSER_ASSERTIONS.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .location()
                .is_some_and(|l| l.file().contains("mail-parser"))
            {
                return;
            }
            previous(info);
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    quiet_mail_parser_assertions();
    let tiny = Limits {
        max_message_bytes: 2_048,
        max_attachment_bytes: 64,
        max_attachments: 2,
        max_depth: 3,
        max_text_chars: 100,
        max_lines: 100,
        max_multiparts: 4,
        max_embedded_messages: 2,
    };
    let ours = OurAddresses::new(["security@example.org"]);
    let rules = &*RULES;
    for limits in [Limits::default(), tiny] {
        let parsed = mail::parse(data, &limits);
        assert!(parsed.body.text.chars().count() <= limits.max_text_chars);
        assert!(parsed.attachments.len() <= limits.max_attachments);
        let _ = mail::auto_reply_decision(&parsed, &ours);
        let _ = mail::thread_refs(&parsed);
        let _ = mail::find_plus_token(&parsed, "security", "example.org");
        let _ = mail::evaluate(rules, &parsed);
        let _ = mail::evaluate_all(rules, &parsed);
        let _ = mail::refusal_text(&parsed.refusal_reasons(), "Plain text only.");
        let headers = mail::OutgoingHeaders::new()
            .replying_to(&parsed)
            .automatic();
        for (name, value) in headers.fields() {
            assert!(!value.contains(['\r', '\n', '\0']), "{name}: {value:?}");
        }
        let rendered = headers.render();
        for line in rendered.split("\r\n") {
            assert!(!line.contains(['\r', '\n']), "{rendered:?}");
        }
    }
    let _ = mail::parse_decrypted(data, &tiny);
});
