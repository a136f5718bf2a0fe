//! Threading keys: plus addresses, references, our reply addresses and Message-IDs.

use mail::{
    AddressError, Limits, find_plus_token, new_message_id, plus_token, reply_address, thread_refs,
};

use crate::parse_file;

#[test]
fn plus_tokens_are_read_case_insensitively_and_checked() {
    assert_eq!(
        plus_token("security+k7f3q9zt2m@example.org", "security", "example.org"),
        Some("k7f3q9zt2m")
    );
    assert_eq!(
        plus_token(
            "Example <SECURITY+Tok_en-1@EXAMPLE.org>",
            "security",
            "example.org"
        ),
        Some("Tok_en-1")
    );
    assert_eq!(
        plus_token("security+abc@example.org.", "security", "example.org"),
        Some("abc")
    );
    // Other domain, other local part, no token, bad characters, too long.
    assert_eq!(
        plus_token("security+abc@example.com", "security", "example.org"),
        None
    );
    assert_eq!(
        plus_token("secure+abc@example.org", "security", "example.org"),
        None
    );
    assert_eq!(
        plus_token("security@example.org", "security", "example.org"),
        None
    );
    assert_eq!(
        plus_token("security+@example.org", "security", "example.org"),
        None
    );
    assert_eq!(
        plus_token("security+a.b@example.org", "security", "example.org"),
        None
    );
    assert_eq!(
        plus_token("security+a+b@example.org", "security", "example.org"),
        None
    );
    let long = format!("security+{}@example.org", "a".repeat(65));
    assert_eq!(plus_token(&long, "security", "example.org"), None);
}

#[test]
fn the_token_is_found_among_the_recipients() {
    let p = parse_file("thunderbird_alternative.eml");
    assert_eq!(
        find_plus_token(&p, "security", "example.org").as_deref(),
        Some("k7f3q9zt2m")
    );
    // Only in Cc, behind an envelope recipient without a token.
    let raw = b"From: a@example.net\nDelivered-To: security@example.org\nTo: x@example.net\n\
Cc: Sec <security+cc0token@example.org>\n\nhi\n";
    let p = mail::parse(raw, &Limits::default());
    assert_eq!(
        find_plus_token(&p, "security", "example.org").as_deref(),
        Some("cc0token")
    );
    assert_eq!(find_plus_token(&p, "abuse", "example.org"), None);
}

#[test]
fn thread_refs_put_in_reply_to_first_then_newest_references() {
    let raw = b"From: a@example.net\nIn-Reply-To: <c@x>\nReferences: <a@x> <b@x> <c@x>\n\nhi\n";
    let p = mail::parse(raw, &Limits::default());
    assert_eq!(thread_refs(&p), vec!["c@x", "b@x", "a@x"]);
    let p = parse_file("thunderbird_alternative.eml");
    assert_eq!(
        thread_refs(&p),
        vec![
            "embargo.ffeeddccbbaa99887766554433221100@example.org",
            "embargo.00112233445566778899aabbccddeeff@example.org"
        ]
    );
}

#[test]
fn thread_refs_are_capped() {
    let mut raw = String::from("From: a@example.net\nReferences:");
    for i in 0..60 {
        raw.push_str(&format!(" <r{i}@x>"));
    }
    raw.push_str("\n\nhi\n");
    let p = mail::parse(raw.as_bytes(), &Limits::default());
    let refs = thread_refs(&p);
    assert_eq!(refs.len(), 32);
    assert_eq!(refs[0], "r59@x");
    assert_eq!(refs[31], "r28@x");
}

#[test]
fn reply_addresses_are_checked() {
    assert_eq!(
        reply_address("security", "k7f3q9zt2m", "Example.ORG").as_deref(),
        Ok("security+k7f3q9zt2m@example.org")
    );
    assert_eq!(
        reply_address("sec+urity", "abc", "example.org"),
        Err(AddressError::LocalPart("sec+urity".into()))
    );
    assert_eq!(
        reply_address("security", "a b", "example.org"),
        Err(AddressError::Token("a b".into()))
    );
    assert_eq!(
        reply_address("security", "abc", "localhost"),
        Err(AddressError::Domain("localhost".into()))
    );
    assert_eq!(
        reply_address("security", &"t".repeat(60), "example.org"),
        Err(AddressError::TooLong)
    );
}

#[test]
fn message_ids_need_enough_randomness_and_a_domain() {
    let random: Vec<u8> = (0u8..16).collect();
    assert_eq!(
        new_message_id(&random, "Embargo.Example.org").as_deref(),
        Ok("embargo.000102030405060708090a0b0c0d0e0f@embargo.example.org")
    );
    assert_eq!(
        new_message_id(&random[..8], "example.org"),
        Err(AddressError::RandomTooShort(8))
    );
    assert_eq!(
        new_message_id(&random, "bad domain"),
        Err(AddressError::Domain("bad domain".into()))
    );
    assert_eq!(
        AddressError::RandomTooShort(8).to_string(),
        "a Message-ID needs at least 16 random bytes, got 8"
    );
}
