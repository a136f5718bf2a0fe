//! Inputs built to be slow: each must finish far within its budget (a quadratic path would
//! take hours at these sizes). The budget is generous for debug builds on a busy machine.

use std::time::{Duration, Instant};

use mail::{Limits, Parsed};

const BUDGET: Duration = Duration::from_secs(30);

fn timed(label: &str, raw: &[u8]) -> Parsed {
    let start = Instant::now();
    let parsed = mail::parse(raw, &Limits::default());
    let took = start.elapsed();
    assert!(took < BUDGET, "{label}: {took:?}");
    parsed
}

fn html_message(html: &str) -> Vec<u8> {
    format!("From: a@example.net\nContent-Type: text/html; charset=utf-8\n\n{html}").into_bytes()
}

#[test]
fn many_unclosed_skipped_elements() {
    let p = timed("unclosed <head>", &html_message(&"<head>x".repeat(300_000)));
    assert_eq!(p.body.text.len(), 300_000);
    let p = timed(
        "unclosed <style>",
        &html_message(&format!("kept{}", "<style>".repeat(300_000))),
    );
    assert_eq!(p.body.text, "kept");
}

#[test]
fn many_nested_links_around_long_text() {
    let html = format!(
        "{}{}{}",
        "<a href=\"https://example.org/\">".repeat(50_000),
        "text ".repeat(50_000),
        "</a>".repeat(50_000)
    );
    let p = timed("nested links", &html_message(&html));
    assert!(p.body.text.starts_with("text text"));
    // Only the first 64 open links are remembered; closing each adds its target.
    assert_eq!(p.body.text.matches("<https://example.org/>").count(), 64);
}

#[test]
fn many_nested_signed_parts() {
    let mut raw = String::from("From: a@example.net\n");
    for i in 0..250 {
        raw.push_str(&format!(
            "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=s{i}\n\n--s{i}\n"
        ));
    }
    raw.push_str("Content-Type: text/plain\n\nsigned text\n");
    raw.push_str(&"filler line\n".repeat(150_000));
    let p = timed("nested signed", raw.as_bytes());
    assert_eq!(p.refusal, None);
    assert_eq!(p.signature, None);
}

#[test]
fn a_huge_folded_subject_and_many_encoded_words() {
    let mut raw = String::from("From: a@example.net\nSubject: start");
    for _ in 0..100_000 {
        raw.push_str("\n =?utf-8?q?caf=C3=A9?=");
    }
    raw.push_str("\n\nbody\n");
    let p = timed("encoded words", raw.as_bytes());
    assert!(
        p.subject
            .as_deref()
            .is_some_and(|s| s.starts_with("start café"))
    );
    let long_line = format!(
        "From: a@example.net\nSubject: {}\n\nbody\n",
        "x".repeat(3_000_000)
    );
    let p = timed("long subject", long_line.as_bytes());
    assert_eq!(p.subject.map(|s| s.len()), Some(3_000_000));
}

#[test]
fn many_tiny_parts() {
    let mut raw =
        String::from("From: a@example.net\nContent-Type: multipart/mixed; boundary=b\n\n");
    raw.push_str(&"--b\n\n".repeat(150_000));
    let p = timed("tiny parts", raw.as_bytes());
    assert_eq!(p.refusal, None);
    assert_eq!(p.body.text, "");
}

#[test]
fn a_deeply_quoted_flowed_line() {
    let raw = format!(
        "From: a@example.net\nContent-Type: text/plain; format=flowed\n\n{} soft \n{}\n",
        ">".repeat(200_000),
        ">".repeat(200_000)
    );
    let p = timed("deep quote", raw.as_bytes());
    assert!(p.body.text.ends_with("> soft"));
}
