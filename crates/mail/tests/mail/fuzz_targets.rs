//! The bodies of the `intake` and `smtp` fuzz targets (`fuzz/common/targets.rs`), run here
//! over the test messages, hand-written dialogues and generated inputs, so every
//! `cargo test` exercises them (and a fuzzer's finding can be added as a case).

include!("../../fuzz/common/targets.rs");

use proptest::prelude::*;

#[test]
fn the_intake_target_holds_on_every_test_message() {
    for (name, raw) in crate::all_messages() {
        let mut with_envelope = b"security+abcdef234567@example.org, x@example.net\n".to_vec();
        with_envelope.extend_from_slice(&raw);
        assert!(
            intake(&with_envelope) >= 1,
            "{name}: the envelope's token is found"
        );
        let _ = intake(&raw);
    }
    assert_eq!(intake(&crate::load("fuzz_debug_assert.bin")), 0);
}

#[test]
fn the_smtp_target_delivers_a_well_formed_dialogue() {
    let dialogue = b"EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bb@example.org>\r\n\
        RCPT TO:<ccc@example.org>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n";
    for (first, protocol_lmtp) in [(0u8, false), (7u8, true)] {
        let mut data = vec![first];
        data.extend_from_slice(dialogue);
        let data = if protocol_lmtp {
            String::from_utf8(data)
                .expect("ascii")
                .replace("EHLO", "LHLO")
                .into_bytes()
        } else {
            data
        };
        let outcome = smtp_dialogue(&data);
        assert_eq!(outcome.delivered, 1, "{outcome:?}");
        assert!(outcome.closed);
    }
    // The same bytes, one message per test file as DATA: each delivered or refused, never
    // a panic.
    for (_, raw) in crate::all_messages() {
        let mut data =
            b"\x00EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<bb@example.org>\r\nDATA\r\n".to_vec();
        data.extend_from_slice(&raw);
        data.extend_from_slice(b"\r\n.\r\nQUIT\r\n");
        assert!(smtp_dialogue(&data).closed);
    }
}

fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"EHLO c\r\n".to_vec()),
        Just(b"LHLO c\r\n".to_vec()),
        Just(b"MAIL FROM:<a@example.net> SIZE=10\r\n".to_vec()),
        Just(b"MAIL FROM:<>\r\n".to_vec()),
        Just(b"RCPT TO:<bb@example.org>\r\n".to_vec()),
        Just(b"RCPT TO:<ccc@example.org>\r\n".to_vec()),
        Just(b"DATA\r\n".to_vec()),
        Just(b".\r\n".to_vec()),
        Just(b"RSET\r\n".to_vec()),
        Just(b"\n".to_vec()),
        prop::collection::vec(any::<u8>(), 0..700),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_smtp_target_holds_on_generated_dialogues(
        first in any::<u8>(),
        parts in prop::collection::vec(fragment(), 0..40),
    ) {
        let mut data = vec![first];
        for p in parts {
            data.extend(p);
        }
        let _ = smtp_dialogue(&data);
    }

    #[test]
    fn the_intake_target_holds_on_generated_input(data in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = intake(&data);
    }
}
