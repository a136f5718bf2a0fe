//! Replies to the reporter: one plain-text template per transition, quoting the policy in the
//! project's own words, overridable per project; and the public bug text for an assessed
//! non-vulnerability.
//!
//! # Templates
//! A template is plain text with `{placeholder}`s; `{{` and `}}` write literal braces.
//! Projects override templates in the policy's `replies` table (key → text); overrides are
//! checked when the policy is loaded: an unknown key or placeholder is a field error naming
//! `replies.<key>`. Every key knows these placeholders:
//!
//! | placeholder | value |
//! |---|---|
//! | `{greeting}` | `Hello NAME,` or `Hello,` |
//! | `{project}` | the project's name |
//! | `{number}` | the report's number in the project |
//! | `{title}` | the report's title |
//! | `{tracking_url}` | the reporter's tracking page |
//! | `{policy_url}` | the project's policy page |
//! | `{message}` | the maintainer's note with the transition (may be empty) |
//! | `{acknowledge_target}`, `{triage_target}`, `{disclosure_target}` | the policy's targets, e.g. `7 days`, `2 business days` |
//! | `{triage_due}`, `{disclosure_due}` | the report's due dates in the project's time zone, e.g. `Friday, 20 March 2026` |
//!
//! `closed_out_of_scope` also knows `{non_qualifying}` (the named class's wording, quoted with
//! `> ` on each line) and `{non_qualifying_id}`; `closed_duplicate` knows `{duplicate_of}`.

use crate::{
    FieldError, FieldErrors,
    policy::{NonQualifying, Policy},
    report::{Report, Resolution, Sla, State},
    workflow::Action,
};
use serde::{Serialize, Serializer};
use std::{collections::BTreeMap, fmt::Write};

/// Which reply a transition sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyKey {
    Acknowledged,
    NeedsInfo,
    Accepted,
    Fixing,
    Fixed,
    Disclosed,
    Reopened,
    Closed(Resolution),
}

const COMMON: &[&str] = &[
    "greeting",
    "project",
    "number",
    "title",
    "tracking_url",
    "policy_url",
    "message",
    "acknowledge_target",
    "triage_target",
    "disclosure_target",
    "triage_due",
    "disclosure_due",
];

impl ReplyKey {
    pub const ALL: [ReplyKey; 13] = [
        Self::Acknowledged,
        Self::NeedsInfo,
        Self::Accepted,
        Self::Fixing,
        Self::Fixed,
        Self::Disclosed,
        Self::Reopened,
        Self::Closed(Resolution::NotAVulnerability),
        Self::Closed(Resolution::OutOfScope),
        Self::Closed(Resolution::Duplicate),
        Self::Closed(Resolution::Spam),
        Self::Closed(Resolution::Withdrawn),
        Self::Closed(Resolution::WontFix),
    ];

    /// The key as written in the policy's `replies` table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledged => "acknowledged",
            Self::NeedsInfo => "needs_info",
            Self::Accepted => "accepted",
            Self::Fixing => "fixing",
            Self::Fixed => "fixed",
            Self::Disclosed => "disclosed",
            Self::Reopened => "reopened",
            Self::Closed(Resolution::NotAVulnerability) => "closed_not_a_vulnerability",
            Self::Closed(Resolution::OutOfScope) => "closed_out_of_scope",
            Self::Closed(Resolution::Duplicate) => "closed_duplicate",
            Self::Closed(Resolution::Spam) => "closed_spam",
            Self::Closed(Resolution::Withdrawn) => "closed_withdrawn",
            Self::Closed(Resolution::WontFix) => "closed_wont_fix",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The reply a maintainer's transition sends: none when returning from `needs_info` to
    /// `acknowledged` (the maintainer's message, if any, is a normal message) or when the
    /// reporter withdrew.
    pub fn for_transition(
        action: Action,
        to: State,
        resolution: Option<Resolution>,
    ) -> Option<Self> {
        Some(match action {
            Action::Acknowledge => Self::Acknowledged,
            Action::RequestInfo => Self::NeedsInfo,
            Action::ResumeTriage | Action::Withdraw => return None,
            Action::Accept => Self::Accepted,
            Action::StartFix => Self::Fixing,
            Action::MarkFixed => Self::Fixed,
            Action::Disclose => Self::Disclosed,
            Action::Reopen => Self::Reopened,
            Action::Close => match (to, resolution) {
                (State::Closed, Some(r)) => Self::Closed(r),
                _ => return None,
            },
        })
    }

    /// The placeholders this key's templates may use.
    pub fn placeholders(self) -> Vec<&'static str> {
        let mut p = COMMON.to_vec();
        match self {
            Self::Closed(Resolution::OutOfScope) => {
                p.extend(["non_qualifying", "non_qualifying_id"])
            }
            Self::Closed(Resolution::Duplicate) => p.push("duplicate_of"),
            _ => {}
        }
        p
    }

    /// The subject line of the e-mail that carries the reply.
    pub fn subject_label(self) -> &'static str {
        match self {
            Self::Acknowledged => "acknowledged",
            Self::NeedsInfo => "more information needed",
            Self::Accepted => "accepted",
            Self::Fixing => "fix in progress",
            Self::Fixed => "fixed",
            Self::Disclosed => "disclosed",
            Self::Reopened => "reopened",
            Self::Closed(_) => "closed",
        }
    }

    /// The built-in template.
    pub fn default_template(self) -> &'static str {
        match self {
            Self::Acknowledged => {
                "{greeting}\n\n\
                 the maintainers of {project} have read your report #{number}, \"{title}\", \
                 and are assessing it. They aim to conclude within {triage_target} of \
                 receiving it, that is by {triage_due}.\n\n\
                 {message}\n\n\
                 Follow the report and answer their questions here:\n{tracking_url}\n"
            }
            Self::NeedsInfo => {
                "{greeting}\n\n\
                 the maintainers of {project} need more information about your report \
                 #{number}, \"{title}\", before they can assess it:\n\n\
                 {message}\n\n\
                 Please answer on the report's page:\n{tracking_url}\n"
            }
            Self::Accepted => {
                "{greeting}\n\n\
                 the maintainers of {project} have confirmed that your report #{number}, \
                 \"{title}\", describes a vulnerability, and will work on a fix.\n\n\
                 {message}\n\n\
                 The disclosure deadline is {disclosure_due}, {disclosure_target} after your \
                 report; the maintainers will coordinate the disclosure with you. Please keep \
                 the issue private until then.\n\n{tracking_url}\n"
            }
            Self::Fixing => {
                "{greeting}\n\n\
                 the maintainers of {project} are working on a fix for your report \
                 #{number}, \"{title}\".\n\n{message}\n\n{tracking_url}\n"
            }
            Self::Fixed => {
                "{greeting}\n\n\
                 the maintainers of {project} have fixed the vulnerability in your report \
                 #{number}, \"{title}\".\n\n\
                 {message}\n\n\
                 The advisory follows, coordinated with you, by {disclosure_due} at the \
                 latest. Please keep the details private until it is published.\n\n\
                 {tracking_url}\n"
            }
            Self::Disclosed => {
                "{greeting}\n\n\
                 the maintainers of {project} have published the advisory for your report \
                 #{number}, \"{title}\". You are free to discuss it publicly now. Thank you \
                 for reporting it privately.\n\n{message}\n\n{tracking_url}\n"
            }
            Self::Reopened => {
                "{greeting}\n\n\
                 the maintainers of {project} have reopened your report #{number}, \
                 \"{title}\".\n\n{message}\n\n{tracking_url}\n"
            }
            Self::Closed(Resolution::NotAVulnerability) => {
                "{greeting}\n\n\
                 the maintainers of {project} have assessed your report #{number}, \
                 \"{title}\", and concluded that it does not describe a vulnerability.\n\n\
                 {message}\n\n\
                 The report is closed. If you think they missed something, reply on the \
                 report's page:\n{tracking_url}\n"
            }
            Self::Closed(Resolution::OutOfScope) => {
                "{greeting}\n\n\
                 the maintainers of {project} have assessed your report #{number}, \
                 \"{title}\", and found that it falls outside the project's security policy, \
                 which says that this does not qualify:\n\n\
                 {non_qualifying}\n\n\
                 {message}\n\n\
                 The report is closed. The full policy is at {policy_url}\n\
                 If you think they missed something, reply on the report's page:\n\
                 {tracking_url}\n"
            }
            Self::Closed(Resolution::Duplicate) => {
                "{greeting}\n\n\
                 the maintainers of {project} already knew of the issue in your report \
                 #{number}, \"{title}\": it duplicates report {duplicate_of}.\n\n\
                 {message}\n\n\
                 They offer you credit on the original report as well. Reply on the report's \
                 page with the name you want to be credited as, or tell them you prefer not \
                 to be named:\n{tracking_url}\n"
            }
            Self::Closed(Resolution::Spam) => {
                "{greeting}\n\n\
                 the maintainers of {project} have closed report #{number} as spam.\n\n\
                 {message}\n"
            }
            Self::Closed(Resolution::Withdrawn) => {
                "{greeting}\n\n\
                 report #{number}, \"{title}\", to {project} is closed as withdrawn.\n\n\
                 {message}\n\n{tracking_url}\n"
            }
            Self::Closed(Resolution::WontFix) => {
                "{greeting}\n\n\
                 the maintainers of {project} have assessed your report #{number}, \
                 \"{title}\", and decided not to fix it:\n\n\
                 {message}\n\n\
                 The report is closed. You can reply on the report's page:\n{tracking_url}\n"
            }
        }
    }
}

impl Serialize for ReplyKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Brace(char),
    Placeholder(&'a str),
}

fn parse(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        if i > 0 {
            pieces.push(Piece::Text(&rest[..i]));
        }
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            pieces.push(Piece::Brace('{'));
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            pieces.push(Piece::Brace('}'));
            rest = after;
        } else if tail.starts_with('}') {
            return Err("has a '}' without a matching '{' (write '}}' for a literal brace)".into());
        } else {
            let end = tail
                .find('}')
                .ok_or("has a '{' that is never closed (write '{{' for a literal brace)")?;
            let name = &tail[1..end];
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(format!(
                    "has '{{{name}}}', which is not a placeholder (write '{{{{' for a literal brace)"
                ));
            }
            pieces.push(Piece::Placeholder(name));
            rest = &tail[end + 1..];
        }
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// Checks a template for `key`: braces balanced, every placeholder known to the key.
pub fn validate_template(key: ReplyKey, template: &str) -> Result<(), String> {
    let known = key.placeholders();
    for piece in parse(template)? {
        if let Piece::Placeholder(name) = piece
            && !known.contains(&name)
        {
            return Err(format!(
                "uses the unknown placeholder {{{name}}}; {} knows {}",
                key.as_str(),
                known
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    Ok(())
}

/// Checks a policy's `replies` table; errors name `replies.<key>`.
pub fn validate_replies(replies: &BTreeMap<String, String>, errors: &mut FieldErrors) {
    for (key, text) in replies {
        let field = format!("replies.{key}");
        let Some(k) = ReplyKey::parse(key) else {
            errors.push(
                field,
                format!(
                    "is not a reply; the replies are {}",
                    ReplyKey::ALL.map(|k| k.as_str()).join(", ")
                ),
            );
            continue;
        };
        if text.trim().is_empty() {
            errors.push(field, "must not be empty (remove it to use the default)");
        } else if text.len() > crate::policy::MAX_TEXT {
            errors.push(
                field,
                format!("is longer than {} bytes", crate::policy::MAX_TEXT),
            );
        } else if let Err(m) = validate_template(k, text) {
            errors.push(field, m);
        }
    }
}

/// What a reply is about, as the server knows it when the transition is made.
#[derive(Debug, Clone, Copy)]
pub struct ReplyContext<'a> {
    pub project_name: &'a str,
    pub number: i64,
    pub title: &'a str,
    pub reporter_name: Option<&'a str>,
    pub tracking_url: &'a str,
    pub policy_url: &'a str,
    /// The report's clocks (after any extensions).
    pub sla: &'a Sla,
    /// The maintainer's note with the transition.
    pub message: Option<&'a str>,
    /// The original report, as the reporter should see it (`#12`), for duplicates.
    pub duplicate_of: Option<&'a str>,
    /// The named class, for out-of-scope closes.
    pub non_qualifying: Option<&'a NonQualifying>,
}

/// A rendered reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    pub key: ReplyKey,
    pub subject: String,
    pub body: String,
}

/// The template for `key`: the project's override, else the default.
pub fn template(policy: &Policy, key: ReplyKey) -> &str {
    policy
        .replies
        .get(key.as_str())
        .map(String::as_str)
        .unwrap_or(key.default_template())
}

/// A date as replies write it, in the project's time zone: `Friday, 20 March 2026`.
pub fn long_date(at: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    at.to_zoned(tz.clone())
        .strftime("%A, %-d %B %Y")
        .to_string()
}

/// Renders the reply for `key` in plain text. Values go in verbatim (it is not HTML);
/// runs of blank lines left by empty placeholders collapse to one, trailing spaces go.
pub fn render_reply(policy: &Policy, key: ReplyKey, ctx: &ReplyContext<'_>) -> Reply {
    let t = &policy.targets;
    let tz = t.tz();
    let value = |name: &str| -> String {
        match name {
            "greeting" => match ctx.reporter_name.map(str::trim).filter(|n| !n.is_empty()) {
                Some(n) => format!("Hello {n},"),
                None => "Hello,".to_owned(),
            },
            "project" => ctx.project_name.to_owned(),
            "number" => ctx.number.to_string(),
            "title" => ctx.title.to_owned(),
            "tracking_url" => ctx.tracking_url.to_owned(),
            "policy_url" => ctx.policy_url.to_owned(),
            "message" => ctx.message.unwrap_or_default().trim().to_owned(),
            // A target switched off promises no number of days.
            "acknowledge_target" => t
                .acknowledge_text()
                .unwrap_or_else(|| "a reasonable time".to_owned()),
            "triage_target" => t
                .triage_text()
                .unwrap_or_else(|| "a reasonable time".to_owned()),
            // The disclosure deadline always counts calendar days.
            "disclosure_target" => t
                .disclosure_text()
                .unwrap_or_else(|| "a time agreed with you".to_owned()),
            "triage_due" => ctx
                .sla
                .deadline(crate::calendar::SlaClock::Triage)
                .map_or_else(|| "no fixed date".to_owned(), |d| long_date(d, &tz)),
            "disclosure_due" => ctx
                .sla
                .deadline(crate::calendar::SlaClock::Disclosure)
                .map_or_else(
                    || "a date agreed with you".to_owned(),
                    |d| long_date(d, &tz),
                ),
            "non_qualifying" => ctx
                .non_qualifying
                .map(|n| quote(n.wording()))
                .unwrap_or_default(),
            "non_qualifying_id" => ctx.non_qualifying.map(|n| n.id.clone()).unwrap_or_default(),
            "duplicate_of" => ctx.duplicate_of.unwrap_or_default().to_owned(),
            _ => String::new(),
        }
    };
    // An override is validated on load; a default always parses. Should a stored template
    // fail anyway, fall back to the default rather than send a broken text.
    let pieces = parse(template(policy, key))
        .or_else(|_| parse(key.default_template()))
        .unwrap_or_default();
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(s) => out.push_str(s),
            Piece::Brace(c) => out.push(c),
            Piece::Placeholder(name) => out.push_str(&value(name)),
        }
    }
    Reply {
        key,
        subject: format!(
            "[{}] Report #{}: {}",
            one_line(ctx.project_name),
            ctx.number,
            key.subject_label()
        ),
        body: tidy(&out),
    }
}

/// `> ` before every line.
fn quote(text: &str) -> String {
    text.trim()
        .lines()
        .map(|l| format!("> {l}").trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trailing spaces removed, at most one blank line in a row, one final newline.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Markdown for an assessed non-vulnerability the maintainers choose to publish as a normal
/// bug: the title, the reporter's text verbatim in fenced code blocks (so nothing in it is
/// interpreted: no HTML, no links, no mentions), the maintainers' assessment (their own
/// Markdown) and, for out-of-scope reports, the policy's wording. The reporter is named only
/// by the credit name they chose; their e-mail address never appears.
///
/// Only closed reports resolved as `not_a_vulnerability` or `out_of_scope` qualify; anything
/// else is a vulnerability (or not assessed) and must go through disclosure instead. The
/// error names the field `resolution`.
pub fn public_bug_text(
    report: &Report,
    project_name: &str,
    assessment: &str,
    non_qualifying: Option<&NonQualifying>,
) -> Result<String, FieldError> {
    match (report.state, report.resolution) {
        (State::Closed, Some(Resolution::NotAVulnerability | Resolution::OutOfScope)) => {}
        _ => {
            return Err(FieldError::new(
                "resolution",
                "only reports closed as not_a_vulnerability or out_of_scope can be published \
                 as a public bug",
            ));
        }
    }
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", markdown_escape(&one_line(&report.title)));
    let how = match report.resolution {
        Some(Resolution::OutOfScope) => "outside the scope of the project's security policy",
        _ => "not a security vulnerability",
    };
    let _ = writeln!(
        md,
        "This was reported privately to the {} maintainers on {} and assessed as {how}. \
         It is published here as a regular bug.\n",
        markdown_escape(&one_line(project_name)),
        report.received_at.strftime("%Y-%m-%d"),
    );
    if let Some(v) = &report.affected_version {
        let _ = writeln!(
            md,
            "**Affected version:** {}\n",
            markdown_escape(&one_line(v))
        );
    }
    let _ = writeln!(md, "## Report\n\n{}", fenced(&report.description));
    if let Some(r) = &report.reproduction {
        let _ = writeln!(md, "## Steps to reproduce\n\n{}", fenced(r));
    }
    if let Some(i) = &report.impact {
        let _ = writeln!(md, "## Impact described by the reporter\n\n{}", fenced(i));
    }
    md.push_str("## Assessment\n\n");
    if !assessment.trim().is_empty() {
        let _ = writeln!(md, "{}\n", assessment.trim());
    }
    if report.resolution == Some(Resolution::OutOfScope)
        && let Some(n) = non_qualifying
    {
        let _ = writeln!(
            md,
            "The project's security policy excludes this class of report:\n\n{}\n",
            quote(n.wording())
        );
    }
    if let Some(credit) = report.credit_as.as_deref().map(one_line)
        && !credit.is_empty()
    {
        let _ = writeln!(md, "Reported by {}.", markdown_escape(&credit));
    }
    Ok(format!("{}\n", md.trim_end()))
}

/// `text` in a fenced code block whose fence is longer than any backtick run inside it.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}\n", text.trim_end())
}

/// Backslash-escapes Markdown's ASCII punctuation (CommonMark treats any escaped ASCII
/// punctuation as literal), so a single line of reporter text renders as text.
pub fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation()
            && !matches!(c, '.' | ',' | '\'' | '"' | '-' | ':' | ';' | '/' | '?')
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
