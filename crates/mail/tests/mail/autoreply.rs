//! RFC 3834 and loop prevention: who gets an automatic acknowledgement.

use mail::{AutoReply, Limits, Mailbox, OurAddresses, Suppress, auto_reply_decision};

use crate::parse_file;

fn ours() -> OurAddresses {
    OurAddresses::new([
        "security@example.org",
        "Embargo <noreply-embargo@embargo.example.org>",
    ])
}

fn decide(raw: &str) -> AutoReply {
    auto_reply_decision(&mail::parse(raw.as_bytes(), &Limits::default()), &ours())
}

fn suppressed(raw: &str) -> Suppress {
    match decide(raw) {
        AutoReply::Suppress(reason) => reason,
        AutoReply::Send { to } => panic!("expected suppression, would send to {to:?}"),
    }
}

const PLAIN: &str = "From: Reporter <reporter@example.net>\nTo: security@example.org\n\
Subject: bug\nReturn-Path: <reporter@example.net>\n";

#[test]
fn an_ordinary_report_is_acknowledged_to_its_sender() {
    assert_eq!(
        decide(&format!("{PLAIN}\nhello\n")),
        AutoReply::Send {
            to: Mailbox {
                address: "reporter@example.net".into(),
                name: Some("Reporter".into())
            }
        }
    );
    let p = parse_file("thunderbird_alternative.eml");
    assert!(matches!(
        auto_reply_decision(&p, &ours()),
        AutoReply::Send { .. }
    ));
}

#[test]
fn reply_to_is_preferred_when_valid() {
    let reply = decide(&format!(
        "{PLAIN}Reply-To: Team <team@example.net>\n\nhello\n"
    ));
    assert_eq!(
        reply,
        AutoReply::Send {
            to: Mailbox {
                address: "team@example.net".into(),
                name: Some("Team".into())
            }
        }
    );
    let invalid = decide(&format!("{PLAIN}Reply-To: not-an-address\n\nhello\n"));
    assert!(matches!(invalid, AutoReply::Send { to } if to.address == "reporter@example.net"));
}

#[test]
fn auto_submitted_other_than_no_is_suppressed() {
    assert_eq!(
        suppressed(&format!("{PLAIN}Auto-Submitted: auto-generated\n\nx\n")),
        Suppress::AutoSubmitted {
            value: "auto-generated".into()
        }
    );
    assert_eq!(
        suppressed(&format!(
            "{PLAIN}Auto-Submitted: auto-notified; owner-email=x@y\n\nx\n"
        )),
        Suppress::AutoSubmitted {
            value: "auto-notified; owner-email=x@y".into()
        }
    );
    // "no", any case, with a comment, is a person.
    assert!(matches!(
        decide(&format!(
            "{PLAIN}Auto-Submitted: No (sent by a human)\n\nx\n"
        )),
        AutoReply::Send { .. }
    ));
    let vacation = parse_file("vacation.eml");
    assert_eq!(
        auto_reply_decision(&vacation, &ours()),
        AutoReply::Suppress(Suppress::AutoSubmitted {
            value: "auto-replied".into()
        })
    );
}

#[test]
fn bounces_are_suppressed() {
    // The DSN has Auto-Submitted too; without it the null return path decides, then the
    // report type, then the daemon address.
    let dsn = parse_file("dsn_bounce.eml");
    assert!(matches!(
        auto_reply_decision(&dsn, &ours()),
        AutoReply::Suppress(Suppress::AutoSubmitted { .. })
    ));
    assert_eq!(
        suppressed("Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.net\n\nbounce\n"),
        Suppress::NullReturnPath
    );
    assert_eq!(
        suppressed(
            "From: mailer@mx.example.net\nContent-Type: multipart/report; \
             report-type=disposition-notification; boundary=x\n\n--x\n\nread\n--x--\n"
        ),
        Suppress::DeliveryReport {
            report_type: "disposition-notification".into()
        }
    );
    assert_eq!(
        suppressed("From: MAILER-DAEMON@mx.example.net\n\nbounce\n"),
        Suppress::AutomatedSender {
            address: "MAILER-DAEMON@mx.example.net".into()
        }
    );
    for sender in [
        "postmaster@example.net",
        "owner-list@example.net",
        "list-request@example.net",
        "list-bounces@example.net",
        "noreply@example.net",
    ] {
        assert!(
            matches!(
                suppressed(&format!("From: {sender}\n\nx\n")),
                Suppress::AutomatedSender { .. }
            ),
            "{sender}"
        );
    }
}

#[test]
fn precedence_and_list_headers_are_suppressed() {
    for value in ["bulk", "JUNK", "list (mailing list)"] {
        assert_eq!(
            suppressed(&format!("{PLAIN}Precedence: {value}\n\nx\n")),
            Suppress::Precedence {
                value: value.into()
            }
        );
    }
    assert!(matches!(
        decide(&format!("{PLAIN}Precedence: first-class\n\nx\n")),
        AutoReply::Send { .. }
    ));
    for header in ["List-Id", "List-Unsubscribe", "List-Post"] {
        assert_eq!(
            suppressed(&format!("{PLAIN}{header}: <x.lists.example.com>\n\nx\n")),
            Suppress::MailingList {
                header: header.into()
            }
        );
    }
    let list = parse_file("mailing_list.eml");
    // Its Return-Path ends in -bounces: the automated sender is found first.
    assert!(matches!(
        auto_reply_decision(&list, &ours()),
        AutoReply::Suppress(Suppress::AutomatedSender { .. })
    ));
}

#[test]
fn autoresponder_headers_are_suppressed() {
    for header in ["X-Autoreply", "X-Autorespond"] {
        assert_eq!(
            suppressed(&format!("{PLAIN}{header}: yes\n\nx\n")),
            Suppress::AutoResponder {
                header: header.into()
            }
        );
    }
    assert_eq!(
        suppressed(&format!("{PLAIN}X-Auto-Response-Suppress: DR, OOF\n\nx\n")),
        Suppress::AutoResponder {
            header: "X-Auto-Response-Suppress".into()
        }
    );
    // Suppressing delivery reports only does not stop an acknowledgement.
    assert!(matches!(
        decide(&format!("{PLAIN}X-Auto-Response-Suppress: DR, NDR\n\nx\n")),
        AutoReply::Send { .. }
    ));
}

#[test]
fn our_own_mail_never_gets_an_answer() {
    assert_eq!(
        suppressed("From: Example Security <security@example.org>\n\nx\n"),
        Suppress::OwnAddress {
            address: "security@example.org".into()
        }
    );
    assert_eq!(
        suppressed("From: SECURITY+abc123@Example.ORG\n\nx\n"),
        Suppress::OwnAddress {
            address: "SECURITY+abc123@Example.ORG".into()
        }
    );
    assert_eq!(
        suppressed(&format!(
            "{PLAIN}Reply-To: noreply-embargo@embargo.example.org\n\nx\n"
        )),
        Suppress::OwnAddress {
            address: "noreply-embargo@embargo.example.org".into()
        }
    );
    assert_eq!(
        suppressed(&format!(
            "{PLAIN}X-Embargo-Loop: embargo.example.org\n\nx\n"
        )),
        Suppress::LoopMarker
    );
}

#[test]
fn a_missing_or_invalid_sender_is_suppressed() {
    assert_eq!(
        suppressed("To: security@example.org\n\nx\n"),
        Suppress::NoSender
    );
    assert_eq!(
        suppressed("From: root@localhost\n\nx\n"),
        Suppress::InvalidSender {
            address: "root@localhost".into()
        }
    );
    assert_eq!(
        suppressed("From: someone@[192.0.2.1]\n\nx\n"),
        Suppress::InvalidSender {
            address: "someone@[192.0.2.1]".into()
        }
    );
    // Headers of a refused (too large) message are enough to decide.
    let mut big = format!("{PLAIN}Auto-Submitted: auto-replied\n\n").into_bytes();
    big.resize(11 * 1024 * 1024, b'a');
    let p = mail::parse(&big, &Limits::default());
    assert!(p.refusal.is_some());
    assert!(matches!(
        auto_reply_decision(&p, &ours()),
        AutoReply::Suppress(Suppress::AutoSubmitted { .. })
    ));
}

#[test]
fn suppress_reasons_read_on_their_own() {
    assert_eq!(
        Suppress::NullReturnPath.to_string(),
        "null envelope sender (bounce)"
    );
    assert_eq!(
        Suppress::MailingList {
            header: "List-Id".into()
        }
        .to_string(),
        "mailing-list header List-Id"
    );
}
