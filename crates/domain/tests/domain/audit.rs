use crate::ts;
use domain::audit::{
    AuditEvent, BrokenLink, BrokenReason, GENESIS_HASH, NewAuditEvent, Verifier, append,
    canonical_bytes, canonical_json, verify,
};
use serde_json::json;

const REPORT: &str = "report:0190a5b2-7d6e-7c3a-9f00-00000000002a";

fn first() -> AuditEvent {
    append(
        None,
        NewAuditEvent {
            at: ts("2026-03-06T10:00:00.123456789Z"),
            actor: "user:0190a5b2-7d6e-7c3a-9f00-0123456789ab".into(),
            action: "report.transition".into(),
            subject: REPORT.into(),
            // Written in a different key order than the canonical one.
            data: json!({"to": "acknowledged", "from": "received", "note": "é \"q\"\n",
                         "n": [1, 2.5, null, true], "b": {"z": 1, "a": 2}}),
        },
    )
}

fn second(prev: &AuditEvent) -> AuditEvent {
    append(
        Some(prev),
        NewAuditEvent {
            at: ts("2026-03-06T11:00:00Z"),
            actor: "system".into(),
            action: "report.reminder".into(),
            subject: REPORT.into(),
            data: json!({}),
        },
    )
}

/// The reference hashes were computed from the encoding described in `audit.rs` with Python's
/// `hashlib`, `struct.pack('>Q', len)` and `json.dumps(sort_keys=True, separators=(',', ':'),
/// ensure_ascii=False)`, independently of this crate.
#[test]
fn canonical_encoding_and_hashes_match_an_independent_computation() {
    let e1 = first();
    assert_eq!(e1.seq, 1);
    assert_eq!(e1.prev_hash, GENESIS_HASH);
    assert_eq!(e1.at, ts("2026-03-06T10:00:00.123456Z"));
    assert_eq!(
        canonical_json(&e1.data),
        r#"{"b":{"a":2,"z":1},"from":"received","n":[1,2.5,null,true],"note":"é \"q\"\n","to":"acknowledged"}"#
    );
    let bytes = canonical_bytes(&e1);
    assert_eq!(bytes.len(), 292);
    assert_eq!(
        hex::encode(&bytes[..40]),
        "656d626172676f2d61756469742d7631000000000000000131000000000000001b323032362d3033"
    );
    assert_eq!(
        e1.hash,
        "2febdc71c6a43012dc45a58a3e862ec9a480645ac4b7877e44fd41ab790b2f3a"
    );
    let e2 = second(&e1);
    assert_eq!((e2.seq, e2.prev_hash.as_str()), (2, e1.hash.as_str()));
    assert_eq!(
        e2.hash,
        "0c403e57a4d465633bef9da9c53c5dfd5b017ef5234b8760d267a4f47aa88226"
    );
}

fn chain(n: u64) -> Vec<AuditEvent> {
    let mut events: Vec<AuditEvent> = Vec::new();
    for i in 0..n {
        let e = append(
            events.last(),
            NewAuditEvent {
                at: ts("2026-03-06T10:00:00Z")
                    .checked_add(jiff::SignedDuration::from_mins(i as i64))
                    .expect("in range"),
                actor: format!("user:{i}"),
                action: "message.create".into(),
                subject: REPORT.into(),
                data: json!({"visibility": "internal", "index": i, "tags": ["a", {"k": i}]}),
            },
        );
        events.push(e);
    }
    events
}

fn broken(events: &[AuditEvent]) -> BrokenLink {
    verify(events).expect_err("the chain should be broken")
}

#[test]
fn an_untouched_chain_verifies() {
    let events = chain(6);
    assert_eq!(verify(&events), Ok(()));
    assert_eq!(verify(&[]), Ok(()));
    // Through JSON (as a store would keep it) and back.
    let text = serde_json::to_string(&events).expect("serializes");
    let back: Vec<AuditEvent> = serde_json::from_str(&text).expect("loads");
    assert_eq!(verify(&back), Ok(()));
}

#[test]
fn tampering_with_any_field_breaks_the_link_at_that_event() {
    let original = chain(6);
    type Tamper = fn(&mut AuditEvent);
    let tampers: [(&str, Tamper); 8] = [
        ("at", |e| {
            e.at =
                e.at.checked_add(jiff::SignedDuration::from_micros(1))
                    .expect("ok")
        }),
        ("actor", |e| e.actor = "user:someone-else".into()),
        ("action", |e| e.action = "message.delete".into()),
        ("subject", |e| e.subject = "report:other".into()),
        ("data value", |e| e.data["tags"][1]["k"] = json!(99)),
        ("data key", |e| {
            let v = e.data["visibility"].take();
            e.data.as_object_mut().expect("object").remove("visibility");
            e.data["Visibility"] = v;
        }),
        ("hash", |e| e.hash = "f".repeat(64)),
        ("prev_hash", |e| e.prev_hash = "0".repeat(64)),
    ];
    for (what, tamper) in tampers {
        let mut events = original.clone();
        tamper(&mut events[3]);
        let b = broken(&events);
        assert_eq!(b.seq, 4, "{what}: {b}");
        match (what, &b.reason) {
            ("prev_hash", BrokenReason::PrevHashMismatch { expected }) => {
                assert_eq!(expected, &original[2].hash)
            }
            (_, BrokenReason::HashMismatch { .. }) if what != "prev_hash" => {}
            _ => panic!("{what}: unexpected {b}"),
        }
    }
    // Changing seq: the event is no longer the one expected there.
    let mut events = original.clone();
    events[3].seq = 40;
    assert_eq!(
        broken(&events),
        BrokenLink {
            seq: 40,
            reason: BrokenReason::UnexpectedSeq { expected: 4 }
        }
    );
}

#[test]
fn rehashing_a_changed_event_breaks_the_next_link() {
    let mut events = chain(6);
    events[2].actor = "user:forger".into();
    events[2].hash = domain::audit::compute_hash(&events[2]).expect("valid prev");
    let b = broken(&events);
    assert_eq!(b.seq, 4);
    assert!(
        matches!(b.reason, BrokenReason::PrevHashMismatch { .. }),
        "{b}"
    );
}

#[test]
fn order_removal_and_insertion_are_caught() {
    let original = chain(6);
    let mut swapped = original.clone();
    swapped.swap(2, 3);
    assert_eq!(
        broken(&swapped),
        BrokenLink {
            seq: 4,
            reason: BrokenReason::UnexpectedSeq { expected: 3 }
        }
    );
    let mut removed = original.clone();
    removed.remove(2);
    assert_eq!(
        broken(&removed),
        BrokenLink {
            seq: 4,
            reason: BrokenReason::UnexpectedSeq { expected: 3 }
        }
    );
    // A forged event appended after event 3 and renumbered: event 4 then links wrongly.
    let mut inserted = original.clone();
    let forged = append(
        Some(&original[2]),
        NewAuditEvent {
            at: original[2].at,
            actor: "user:forger".into(),
            action: "member.role".into(),
            subject: "project:x".into(),
            data: json!({}),
        },
    );
    inserted.insert(3, forged);
    for e in inserted.iter_mut().skip(4) {
        e.seq += 1;
    }
    let b = broken(&inserted);
    assert_eq!(b.seq, 5);
    assert_eq!(
        b.reason,
        BrokenReason::PrevHashMismatch {
            expected: inserted[3].hash.clone()
        }
    );
    // A log that does not start at 1.
    assert_eq!(
        broken(&original[1..]).reason,
        BrokenReason::UnexpectedSeq { expected: 1 }
    );
}

#[test]
fn malformed_hashes_are_named() {
    let mut events = chain(3);
    events[1].hash = events[1].hash.to_uppercase();
    assert_eq!(
        broken(&events),
        BrokenLink {
            seq: 2,
            reason: BrokenReason::MalformedHash { field: "hash" }
        }
    );
    let mut events = chain(3);
    events[0].prev_hash = "zz".into();
    assert_eq!(
        broken(&events).reason,
        BrokenReason::MalformedHash { field: "prev_hash" }
    );
    assert_eq!(
        broken(&events).to_string(),
        "audit event 1: prev_hash is not 64 lowercase hex digits"
    );
}

#[test]
fn streaming_verification_from_an_anchor() {
    let events = chain(10);
    let mut v = Verifier::new();
    for e in &events[..4] {
        v.push(e).expect("valid");
    }
    assert_eq!(v.checked(), 4);
    assert_eq!(v.head(), events[3].hash);
    // A later run starts after the last verified event.
    let mut later = Verifier::after(&events[3]);
    for e in &events[4..] {
        later.push(e).expect("valid");
    }
    assert_eq!(later.checked(), 6);
    assert_eq!(later.head(), events[9].hash);
    let mut wrong = Verifier::after(&events[2]);
    assert!(wrong.push(&events[4]).is_err());
}
