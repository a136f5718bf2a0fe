//! Webhooks: which events a project's endpoints may subscribe to, what a delivery's body
//! holds, how it is signed, and the retry schedule.
//!
//! Least data: a body names the project, the report (id, number, state) and the ids of what
//! changed, never a title, description, message text, vector or address. A receiver that needs
//! more reads it over the API with a token of its own, so embargoed text never sits in a
//! third party's request logs. See `docs/decisions/0006-webhooks.md`.

use crate::{FieldError, report::State};
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;

/// The header carrying `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Embargo-Signature";
/// The header naming the event.
pub const EVENT_HEADER: &str = "X-Embargo-Event";
/// The header carrying the delivery's id (the same on every attempt: receivers deduplicate by it).
pub const DELIVERY_HEADER: &str = "X-Embargo-Delivery";
/// Longest endpoint URL.
pub const MAX_URL_LEN: usize = 2000;

/// Something a project's endpoint can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
pub enum EventKind {
    #[serde(rename = "report.received")]
    ReportReceived,
    #[serde(rename = "report.transitioned")]
    ReportTransitioned,
    #[serde(rename = "message.created")]
    MessageCreated,
    #[serde(rename = "score.added")]
    ScoreAdded,
    #[serde(rename = "advisory.published")]
    AdvisoryPublished,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        Self::ReportReceived,
        Self::ReportTransitioned,
        Self::MessageCreated,
        Self::ScoreAdded,
        Self::AdvisoryPublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReportReceived => "report.received",
            Self::ReportTransitioned => "report.transitioned",
            Self::MessageCreated => "message.created",
            Self::ScoreAdded => "score.added",
            Self::AdvisoryPublished => "advisory.published",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The events of a new endpoint: at least one, each known, duplicates dropped, in
/// [`EventKind::ALL`] order.
pub fn parse_events<S: AsRef<str>>(names: &[S]) -> Result<Vec<EventKind>, FieldError> {
    let mut out = Vec::new();
    for name in names {
        let name = name.as_ref().trim();
        let kind = EventKind::parse(name).ok_or_else(|| {
            FieldError::new(
                "events",
                format!(
                    "'{name}' is not an event; use {}",
                    EventKind::ALL.map(EventKind::as_str).join(", ")
                ),
            )
        })?;
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    if out.is_empty() {
        return Err(FieldError::new("events", "choose at least one event"));
    }
    out.sort();
    Ok(out)
}

/// An endpoint URL: `http://` or `https://`, a host, no spaces or control characters, no
/// credentials (they would show on the settings page; put a token in the path instead).
pub fn check_url(url: &str) -> Result<String, FieldError> {
    let url = url.trim();
    let bad = |m: &str| FieldError::new("url", m);
    if url.is_empty() {
        return Err(bad("is required"));
    }
    if url.len() > MAX_URL_LEN {
        return Err(bad("is longer than 2000 characters"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must not contain spaces or control characters"));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(bad(
            "must not carry a user name or password; put a token in the path instead",
        ));
    }
    let host = if authority.starts_with('[') {
        authority
            .split(']')
            .next()
            .unwrap_or("")
            .trim_start_matches('[')
    } else {
        authority.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err(bad("must name a host"));
    }
    if url.contains('#') {
        return Err(bad("must not have a #fragment"));
    }
    Ok(url.to_owned())
}

/// What changed, as a delivery's `data`: ids and states only.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    pub data: Value,
}

impl Event {
    pub fn report_received(report: &str, number: i64) -> Event {
        Event {
            kind: EventKind::ReportReceived,
            data: json!({ "report": { "id": report, "number": number, "state": State::Received.as_str() } }),
        }
    }

    pub fn report_transitioned(
        report: &str,
        number: i64,
        from: State,
        to: State,
        resolution: Option<&str>,
    ) -> Event {
        Event {
            kind: EventKind::ReportTransitioned,
            data: json!({
                "report": { "id": report, "number": number, "state": to.as_str() },
                "from": from.as_str(),
                "to": to.as_str(),
                "resolution": resolution,
            }),
        }
    }

    /// `visibility` is `internal` or `reporter`; the text itself is never sent.
    pub fn message_created(
        report: &str,
        number: i64,
        state: State,
        message: &str,
        author: &str,
        visibility: &str,
    ) -> Event {
        Event {
            kind: EventKind::MessageCreated,
            data: json!({
                "report": { "id": report, "number": number, "state": state.as_str() },
                "message": { "id": message, "author": author, "visibility": visibility },
            }),
        }
    }

    pub fn score_added(report: &str, number: i64, state: State, score: &str) -> Event {
        Event {
            kind: EventKind::ScoreAdded,
            data: json!({
                "report": { "id": report, "number": number, "state": state.as_str() },
                "score": { "id": score },
            }),
        }
    }

    /// A published advisory is public: its id and the report it came from, if any.
    pub fn advisory_published(advisory: &str, report: Option<&str>) -> Event {
        Event {
            kind: EventKind::AdvisoryPublished,
            data: json!({ "advisory": { "id": advisory, "report_id": report } }),
        }
    }

    /// The delivery's body, fixed when the event is queued so every attempt sends the same
    /// bytes: `{"id", "event", "created_at", "project", "data"}`.
    pub fn body(&self, delivery: uuid::Uuid, project_slug: &str, at: Timestamp) -> String {
        json!({
            "id": delivery.to_string(),
            "event": self.kind.as_str(),
            "created_at": at.to_string(),
            "project": project_slug,
            "data": self.data,
        })
        .to_string()
    }
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` under `secret`, as sent in
/// [`SIGNATURE_HEADER`].
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is the signature of `body` under `secret` (compared in constant time).
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// A project's webhook secret: derived from the instance secret, the project and a random
/// nonce stored per project (changed by each rotation). The database alone does not give it,
/// as with the passphrases of signing keys.
pub fn derive_secret(instance_secret: &str, project: &str, nonce: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(instance_secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(b"embargo webhook secret\0");
    mac.update(project.as_bytes());
    mac.update(b"\0");
    mac.update(nonce.as_bytes());
    format!("whsec_{}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_rfc_4231_and_verify() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let sig = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify(b"Jefe", b"what do ya want for nothing?", &sig));
        assert!(!verify(b"Jefe", b"what do ya want for nothing!", &sig));
        assert!(!verify(b"jefe", b"what do ya want for nothing?", &sig));
        assert!(!verify(b"Jefe", b"x", "md5=00"));
        assert!(!verify(b"Jefe", b"x", "sha256=zz"));
    }

    #[test]
    fn events_are_parsed_sorted_and_named_in_errors() {
        assert_eq!(
            parse_events(&["score.added", "report.received", "score.added"]),
            Ok(vec![EventKind::ReportReceived, EventKind::ScoreAdded])
        );
        let e = parse_events(&["report.deleted"]).expect_err("unknown");
        assert_eq!(e.field, "events");
        assert!(e.message.contains("'report.deleted'"), "{}", e.message);
        assert_eq!(
            parse_events::<&str>(&[]).expect_err("empty").message,
            "choose at least one event"
        );
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn urls_must_be_http_with_a_host_and_no_credentials() {
        assert_eq!(
            check_url(" https://hooks.example/embargo?x=1 "),
            Ok("https://hooks.example/embargo?x=1".into())
        );
        assert!(check_url("http://127.0.0.1:8080/h").is_ok());
        assert!(check_url("http://[::1]:8080/h").is_ok());
        for bad in [
            "",
            "ftp://x.example/",
            "https://",
            "https://:80/",
            "https://user:pw@x.example/",
            "https://x.example/a b",
            "https://x.example/#frag",
            "javascript:alert(1)",
        ] {
            let e = check_url(bad).expect_err(bad);
            assert_eq!(e.field, "url", "{bad}");
        }
        assert!(check_url(&format!("https://x.example/{}", "a".repeat(2000))).is_err());
    }

    #[test]
    fn bodies_hold_ids_and_states_only() {
        let id = uuid::Uuid::nil();
        let at: Timestamp = "2026-01-02T03:04:05Z".parse().expect("ts");
        let e = Event::report_transitioned("r-1", 7, State::Accepted, State::Fixed, None);
        let body: Value = serde_json::from_str(&e.body(id, "demo", at)).expect("json");
        assert_eq!(
            body,
            json!({
                "id": "00000000-0000-0000-0000-000000000000",
                "event": "report.transitioned",
                "created_at": "2026-01-02T03:04:05Z",
                "project": "demo",
                "data": {
                    "report": { "id": "r-1", "number": 7, "state": "fixed" },
                    "from": "accepted", "to": "fixed", "resolution": null
                }
            })
        );
    }

    #[test]
    fn secrets_depend_on_instance_project_and_nonce() {
        let a = derive_secret("instance-secret-of-thirty-two-chars!", "p1", "n1");
        assert!(a.starts_with("whsec_") && a.len() == 6 + 64, "{a}");
        assert_eq!(
            a,
            derive_secret("instance-secret-of-thirty-two-chars!", "p1", "n1")
        );
        assert_ne!(
            a,
            derive_secret("instance-secret-of-thirty-two-chars?", "p1", "n1")
        );
        assert_ne!(
            a,
            derive_secret("instance-secret-of-thirty-two-chars!", "p2", "n1")
        );
        assert_ne!(
            a,
            derive_secret("instance-secret-of-thirty-two-chars!", "p1", "n2")
        );
    }
}
