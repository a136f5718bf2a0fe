//! Reading a report as the CLI and the mail intake get it: a JSON object (or JSON Lines) with
//! `title` and `text` or `description`, an RFC 5322 message (`.eml`), or plain text.

use crate::Report;
use serde::Deserialize;

/// One report read from an input, with the project it names if the JSON carries one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub report: Report,
    pub project: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("line {line}: not a JSON report object: {message}")]
    Json { line: usize, message: String },
    #[error("line {line}: the JSON report has neither `text` nor `description`")]
    NoText { line: usize },
    #[error("the input is empty")]
    Empty,
}

#[derive(Debug, Deserialize)]
struct JsonReport {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    reproduction: Option<String>,
    #[serde(default)]
    impact: Option<String>,
    #[serde(default)]
    affected_version: Option<String>,
    #[serde(default)]
    cvss_vector: Option<String>,
    #[serde(default)]
    project: Option<String>,
    #[serde(default)]
    reporter: Option<serde_json::Value>,
}

/// Parses one input; JSON Lines give one submission per line.
pub fn parse_input(contents: &str) -> Result<Vec<Submission>, InputError> {
    let trimmed = contents.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(InputError::Empty);
    }
    if trimmed.starts_with('{') {
        // One object (possibly pretty-printed), or JSON Lines.
        if let Ok(one) = serde_json::from_str::<JsonReport>(trimmed) {
            return Ok(vec![from_json(one, 1)?]);
        }
        let mut out = Vec::new();
        for (i, line) in trimmed.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let r: JsonReport = serde_json::from_str(line).map_err(|e| InputError::Json {
                line: i + 1,
                message: e.to_string(),
            })?;
            out.push(from_json(r, i + 1)?);
        }
        return Ok(out);
    }
    if looks_like_message(trimmed) {
        return Ok(vec![from_message(trimmed)]);
    }
    Ok(vec![Submission {
        report: Report::new("", trimmed),
        project: None,
    }])
}

fn from_json(r: JsonReport, line: usize) -> Result<Submission, InputError> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(v) = r.affected_version.filter(|v| !v.trim().is_empty()) {
        parts.push(format!("Affected version: {v}"));
    }
    match (r.text, r.description) {
        (Some(t), _) => parts.push(t),
        (None, Some(d)) => parts.push(d),
        (None, None) => return Err(InputError::NoText { line }),
    }
    parts.extend(r.reproduction.filter(|x| !x.trim().is_empty()));
    parts.extend(
        r.impact
            .filter(|x| !x.trim().is_empty())
            .map(|i| format!("## Impact\n\n{i}")),
    );
    let reporter = match r.reporter {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Object(o)) => o
            .get("email")
            .or_else(|| o.get("name"))
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        _ => None,
    };
    Ok(Submission {
        report: Report {
            title: r.title.unwrap_or_default(),
            text: parts.join("\n\n"),
            reporter,
            cvss_vector: r.cvss_vector,
        },
        project: r.project,
    })
}

fn looks_like_message(s: &str) -> bool {
    let head: Vec<&str> = s.lines().take_while(|l| !l.trim().is_empty()).collect();
    let headerish = head
        .iter()
        .filter(|l| {
            l.starts_with(' ')
                || l.starts_with('\t')
                || l.split_once(':').is_some_and(|(k, _)| {
                    !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        })
        .count();
    !head.is_empty()
        && headerish == head.len()
        && head.iter().any(|l| {
            l.to_ascii_lowercase().starts_with("subject:")
                || l.to_ascii_lowercase().starts_with("from:")
        })
}

/// A plain RFC 5322 message: the subject becomes the title; the first `text/plain` part
/// (or the whole body) the text. Quoted-printable soft breaks are undone.
fn from_message(s: &str) -> Submission {
    let (head, body) = split_head(s);
    let header = |name: &str| -> Option<String> {
        let mut value: Option<String> = None;
        for line in head.lines() {
            if let Some(v) = value.as_mut() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_owned());
            }
        }
        value
    };
    let subject = header("subject").unwrap_or_default();
    let from = header("from");
    let ctype = header("content-type").unwrap_or_default();
    let mut text = body.to_owned();
    let mut qp = header("content-transfer-encoding")
        .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
    if let Some(b) = boundary(&ctype) {
        let marker = format!("--{b}");
        for part in body.split(marker.as_str()).skip(1) {
            let (ph, pb) = split_head(part.trim_start_matches(['\r', '\n']));
            let pl = ph.to_ascii_lowercase();
            if pl.contains("text/plain") {
                qp = pl.contains("quoted-printable");
                text = pb.trim_end_matches("--").to_owned();
                break;
            }
        }
    }
    if qp {
        text = text
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=20", " ")
            .replace("=3D", "=");
    }
    Submission {
        report: Report {
            title: subject,
            text: text.trim().to_owned(),
            reporter: from,
            cvss_vector: None,
        },
        project: None,
    }
}

fn split_head(s: &str) -> (&str, &str) {
    for sep in ["\r\n\r\n", "\n\n"] {
        if let Some(i) = s.find(sep) {
            return (&s[..i], &s[i + sep.len()..]);
        }
    }
    (s, "")
}

fn boundary(ctype: &str) -> Option<String> {
    let lower = ctype.to_ascii_lowercase();
    if !lower.starts_with("multipart/") {
        return None;
    }
    let i = lower.find("boundary=")?;
    let v = ctype[i + 9..].split(';').next()?.trim().trim_matches('"');
    (!v.is_empty()).then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_description_and_parts() {
        let s = parse_input(r#"{"title":"T","description":"D","impact":"I","reporter":{"name":"n","email":"e@x.org"},"project":"curl"}"#)
            .unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].report.title, "T");
        assert!(s[0].report.text.starts_with('D') && s[0].report.text.contains("I"));
        assert_eq!(s[0].report.reporter.as_deref(), Some("e@x.org"));
        assert_eq!(s[0].project.as_deref(), Some("curl"));
    }

    #[test]
    fn json_lines_and_errors() {
        let s = parse_input("{\"text\":\"a\"}\n{\"text\":\"b\"}\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            parse_input("{\"title\":\"x\"}"),
            Err(InputError::NoText { line: 1 })
        );
        assert!(matches!(
            parse_input("{\"text\":\"a\"}\n{oops"),
            Err(InputError::Json { line: 2, .. })
        ));
        assert_eq!(parse_input("  \n"), Err(InputError::Empty));
    }

    #[test]
    fn eml_multipart() {
        let m = "From: A <a@x.org>\r\nSubject: Found CRITICAL\r\n bug\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nWill I be re=\r\nwarded?\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b1--\r\n";
        let s = parse_input(m).unwrap();
        assert_eq!(s[0].report.title, "Found CRITICAL bug");
        assert_eq!(s[0].report.text, "Will I be rewarded?");
        assert_eq!(s[0].report.reporter.as_deref(), Some("A <a@x.org>"));
    }

    #[test]
    fn plain_text() {
        let s = parse_input("Hello: this is prose, not a header block\nsecond line").unwrap();
        assert_eq!(s[0].report.title, "");
        assert!(s[0].report.text.starts_with("Hello"));
    }
}
