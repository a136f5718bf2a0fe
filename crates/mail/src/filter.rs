//! Filter rules: per-project and instance-wide rules that send mail to the spam queue or
//! refuse it, kept by admins in a TOML or JSON file or in the database.

use std::fmt;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use crate::address::{bare_address, is_valid_address, is_valid_domain, one_line};
use crate::message::{Parsed, ReturnPath};

/// Longest rule id, in bytes.
pub const MAX_RULE_ID_LEN: usize = 64;
/// Longest pattern, in bytes.
pub const MAX_PATTERN_LEN: usize = 1_000;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// Most rules in one list.
pub const MAX_RULES: usize = 1_000;
/// Compiled size limit of one regex, in bytes (`RegexBuilder::size_limit`).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Lazy DFA cache limit of one regex, in bytes (`RegexBuilder::dfa_size_limit`).
pub const REGEX_DFA_SIZE_LIMIT: usize = 2 << 20;
/// Deepest nesting of groups and repetitions in a regex.
pub const REGEX_NEST_LIMIT: u32 = 32;
/// Longest `matched` text in a [`Verdict`], in characters.
pub const MAX_MATCHED_CHARS: usize = 200;

/// Whose rule it is. Instance rules are evaluated before project rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Set by the instance's administrators; applies to every project.
    Instance,
    /// Set by a project's maintainers; applies to that project.
    Project,
}

/// What happens to matching mail. Refuse beats spam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// File it in the likely-spam queue, without an acknowledgement.
    Spam,
    /// Refuse it: kept for the maintainers, never filed, never answered.
    Refuse,
}

/// What a rule looks at, as written in a rule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The sender's address, exactly (ASCII case-insensitive).
    SenderAddress,
    /// The sender's domain or any subdomain of it.
    SenderDomain,
    /// A regular expression searched in the subject.
    SubjectRegex,
    /// A regular expression searched in the body text.
    BodyRegex,
}

impl Scope {
    /// Its name as written in rule files and stored (`instance`, `project`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Instance => "instance",
            Self::Project => "project",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "instance" => Self::Instance,
            "project" => Self::Project,
            _ => return None,
        })
    }
}

impl Action {
    /// Its name as written in rule files and stored (`spam`, `refuse`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spam => "spam",
            Self::Refuse => "refuse",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "spam" => Self::Spam,
            "refuse" => Self::Refuse,
            _ => return None,
        })
    }
}

impl MatchKind {
    /// Its name as written in rule files and stored (`sender_address`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SenderAddress => "sender_address",
            Self::SenderDomain => "sender_domain",
            Self::SubjectRegex => "subject_regex",
            Self::BodyRegex => "body_regex",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sender_address" => Self::SenderAddress,
            "sender_domain" => Self::SenderDomain,
            "subject_regex" => Self::SubjectRegex,
            "body_regex" => Self::BodyRegex,
            _ => return None,
        })
    }
}

/// A rule as stored or written in a file: plain strings, not yet checked.
///
/// In TOML, a file is a list of `[[rule]]` tables; in JSON, an object with a `rules`
/// array:
///
/// ```toml
/// [[rule]]
/// id = "no-seo-offers"
/// scope = "instance"          # or "project"
/// match = "subject_regex"     # sender_address, sender_domain, subject_regex, body_regex
/// pattern = "(?i)\\bseo (services|ranking)\\b"
/// action = "spam"             # or "refuse"
/// note = "SEO offers sent to security addresses"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique in its list; 1–64 ASCII letters, digits, `.`, `_`, `-`.
    pub id: String,
    /// Whose rule.
    pub scope: Scope,
    /// What it looks at.
    #[serde(rename = "match")]
    pub kind: MatchKind,
    /// The address, domain or regular expression.
    pub pattern: String,
    /// What happens on a match.
    pub action: Action,
    /// Why the rule exists, for the log and the admin page.
    #[serde(default)]
    pub note: String,
}

/// A checked rule, ready for [`evaluate`]. Made by [`Rule::compile`].
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its id.
    pub id: String,
    /// Whose rule.
    pub scope: Scope,
    /// What it matches.
    pub matcher: Matcher,
    /// What happens on a match.
    pub action: Action,
    /// Why it exists.
    pub note: String,
}

/// What a rule matches, checked. Regexes are compiled with [`REGEX_SIZE_LIMIT`],
/// [`REGEX_DFA_SIZE_LIMIT`] and [`REGEX_NEST_LIMIT`]; the `regex` crate runs in linear time,
/// so no pattern can make matching slow.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// An address in lower case, matched against `From`, `Sender` and the envelope sender.
    SenderAddress(String),
    /// A domain in lower case, matched against the same addresses' domains and their
    /// parent domains.
    SenderDomain(String),
    /// Searched in the subject.
    SubjectRegex(Regex),
    /// Searched in the body text.
    BodyRegex(Regex),
}

/// A rule that cannot be used, naming the rule and the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {rule}: field `{field}`: {message}")]
pub struct RuleError {
    /// The rule's id, or `#N` (1-based position) when the id itself is bad.
    pub rule: String,
    /// The field at fault (`id`, `pattern`, `note`).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// A rule file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleFileError {
    /// Not valid TOML or JSON, or not the expected shape (unknown field, unknown scope, …).
    #[error("{}{message}", location(*line, *column))]
    Syntax {
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
        /// The parser's message.
        message: String,
    },
    /// A rule that does not check.
    #[error("{}{error}", location(*line, None))]
    Rule {
        /// 1-based line where the rule starts, when known (TOML).
        line: Option<usize>,
        /// The error.
        error: RuleError,
    },
    /// Two rules with the same id.
    #[error("{}duplicate rule id {id:?}", location(*line, None))]
    DuplicateId {
        /// 1-based line of the second one, when known (TOML).
        line: Option<usize>,
        /// The id.
        id: String,
    },
    /// More rules than [`MAX_RULES`].
    #[error("more than {limit} rules")]
    TooMany {
        /// The limit.
        limit: usize,
    },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    }
}

impl Rule {
    /// Checks a rule: its id, its pattern (a valid address, a valid domain — a leading
    /// `@` or `*.` is allowed and dropped —, or a regex within the limits), its note.
    pub fn compile(spec: &RuleSpec) -> Result<Rule, RuleError> {
        let err = |field: &'static str, message: String| RuleError {
            rule: spec.id.clone(),
            field,
            message,
        };
        if spec.id.is_empty()
            || spec.id.len() > MAX_RULE_ID_LEN
            || !spec
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(err(
                "id",
                format!(
                    "{:?} must be 1 to {MAX_RULE_ID_LEN} ASCII letters, digits, '.', '_' or '-'",
                    spec.id
                ),
            ));
        }
        if spec.note.chars().count() > MAX_NOTE_CHARS {
            return Err(err(
                "note",
                format!("longer than {MAX_NOTE_CHARS} characters"),
            ));
        }
        let pattern = spec.pattern.trim();
        if pattern.is_empty() {
            return Err(err("pattern", "is empty".to_owned()));
        }
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(err(
                "pattern",
                format!("longer than {MAX_PATTERN_LEN} bytes"),
            ));
        }
        let matcher = match spec.kind {
            MatchKind::SenderAddress => {
                let address = bare_address(pattern);
                if !is_valid_address(address) {
                    return Err(err(
                        "pattern",
                        format!("{address:?} is not a valid e-mail address"),
                    ));
                }
                Matcher::SenderAddress(address.to_lowercase())
            }
            MatchKind::SenderDomain => {
                let domain = pattern
                    .strip_prefix('@')
                    .or_else(|| pattern.strip_prefix("*."))
                    .unwrap_or(pattern)
                    .trim_end_matches('.');
                if !is_valid_domain(domain) {
                    return Err(err("pattern", format!("{domain:?} is not a valid domain")));
                }
                Matcher::SenderDomain(domain.to_lowercase())
            }
            MatchKind::SubjectRegex => {
                Matcher::SubjectRegex(compile_regex(pattern).map_err(|m| err("pattern", m))?)
            }
            MatchKind::BodyRegex => {
                Matcher::BodyRegex(compile_regex(pattern).map_err(|m| err("pattern", m))?)
            }
        };
        Ok(Rule {
            id: spec.id.clone(),
            scope: spec.scope,
            matcher,
            action: spec.action,
            note: spec.note.clone(),
        })
    }

    /// The rule as plain strings again (for storage or display).
    pub fn spec(&self) -> RuleSpec {
        let (kind, pattern) = match &self.matcher {
            Matcher::SenderAddress(a) => (MatchKind::SenderAddress, a.clone()),
            Matcher::SenderDomain(d) => (MatchKind::SenderDomain, d.clone()),
            Matcher::SubjectRegex(r) => (MatchKind::SubjectRegex, r.as_str().to_owned()),
            Matcher::BodyRegex(r) => (MatchKind::BodyRegex, r.as_str().to_owned()),
        };
        RuleSpec {
            id: self.id.clone(),
            scope: self.scope,
            kind,
            pattern,
            action: self.action,
            note: self.note.clone(),
        }
    }

    /// Whether a sender rule (address or domain) matches `address`, a sender known without
    /// a message (the web form, the API); subject and body rules never match here.
    pub fn matches_address(&self, address: &str) -> bool {
        let address = address.trim().to_lowercase();
        match &self.matcher {
            Matcher::SenderAddress(rule) => address == *rule,
            Matcher::SenderDomain(rule) => address
                .rsplit_once('@')
                .is_some_and(|(_, d)| in_domain(d, rule)),
            Matcher::SubjectRegex(_) | Matcher::BodyRegex(_) => false,
        }
    }

    /// What in `parsed` this rule matches, for the log; `None` when it does not match.
    pub fn matches(&self, parsed: &Parsed) -> Option<String> {
        match &self.matcher {
            Matcher::SenderAddress(rule) => sender_addresses(parsed)
                .find(|(_, a)| a.to_lowercase() == *rule)
                .map(|(field, a)| format!("{field}: {a}")),
            Matcher::SenderDomain(rule) => sender_addresses(parsed)
                .find(|(_, a)| {
                    a.rsplit_once('@').is_some_and(|(_, d)| {
                        let d = d.trim_end_matches('.').to_lowercase();
                        d == *rule || d.ends_with(&format!(".{rule}"))
                    })
                })
                .map(|(field, a)| format!("{field}: {a}")),
            Matcher::SubjectRegex(re) => {
                let subject = parsed.subject.as_deref()?;
                re.find(subject)
                    .map(|m| format!("Subject: {}", shorten(m.as_str())))
            }
            Matcher::BodyRegex(re) => re
                .find(&parsed.body.text)
                .map(|m| format!("body: {}", shorten(m.as_str()))),
        }
    }
}

pub(crate) fn compile_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => {
                format!("regular expression too large (compiled size limit {limit} bytes)")
            }
            other => format!(
                "invalid regular expression: {}",
                one_line(&other.to_string())
            ),
        })
}

/// The sender-side addresses a rule looks at: `From`, `Sender`, envelope sender.
/// Whether domain `d` is `rule` or one of its subdomains (`rule` in lower case).
pub(crate) fn in_domain(d: &str, rule: &str) -> bool {
    let d = d.trim_end_matches('.').to_lowercase();
    d == rule || d.ends_with(&format!(".{rule}"))
}

fn sender_addresses(parsed: &Parsed) -> impl Iterator<Item = (&'static str, &str)> {
    let envelope = match &parsed.return_path {
        Some(ReturnPath::Address(a)) => Some(("Return-Path", a.as_str())),
        _ => None,
    };
    parsed
        .from
        .iter()
        .map(|m| ("From", m.address.as_str()))
        .chain(parsed.sender.iter().map(|m| ("Sender", m.address.as_str())))
        .chain(envelope)
}

fn shorten(text: &str) -> String {
    let line = one_line(text);
    match line.char_indices().nth(MAX_MATCHED_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// The outcome of [`evaluate`]: which rule decided, what it decided and what it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The deciding rule's id.
    pub rule_id: String,
    /// Its scope.
    pub scope: Scope,
    /// Its action.
    pub action: Action,
    /// What matched, e.g. `From: x@spam.example` or `Subject: SEO services` (one line, at
    /// most [`MAX_MATCHED_CHARS`] characters of the matched text), for the log.
    pub matched: String,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = match self.action {
            Action::Spam => "spam",
            Action::Refuse => "refuse",
        };
        write!(f, "{action} by rule {} ({})", self.rule_id, self.matched)
    }
}

/// The order in which rules decide: refuse before spam, instance before project.
const PRIORITY: [(Action, Scope); 4] = [
    (Action::Refuse, Scope::Instance),
    (Action::Refuse, Scope::Project),
    (Action::Spam, Scope::Instance),
    (Action::Spam, Scope::Project),
];

/// The deciding rule for `parsed`, if any rule matches: the first matching refuse rule
/// (instance rules first, then project rules, each in list order), else the first matching
/// spam rule in the same order.
pub fn evaluate(rules: &[Rule], parsed: &Parsed) -> Option<Verdict> {
    PRIORITY.iter().find_map(|&(action, scope)| {
        rules
            .iter()
            .filter(|r| r.action == action && r.scope == scope)
            .find_map(|r| verdict(r, parsed))
    })
}

/// Every matching rule, in the order [`evaluate`] ranks them (for logs and hit counts).
pub fn evaluate_all(rules: &[Rule], parsed: &Parsed) -> Vec<Verdict> {
    PRIORITY
        .iter()
        .flat_map(|&(action, scope)| {
            rules
                .iter()
                .filter(move |r| r.action == action && r.scope == scope)
                .filter_map(|r| verdict(r, parsed))
        })
        .collect()
}

fn verdict(rule: &Rule, parsed: &Parsed) -> Option<Verdict> {
    rule.matches(parsed).map(|matched| Verdict {
        rule_id: rule.id.clone(),
        scope: rule.scope,
        action: rule.action,
        matched,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    rule: Vec<toml::Spanned<RuleSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonFile {
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

/// Reads a TOML rule file (`[[rule]]` tables, see [`RuleSpec`]). Errors name the line and,
/// for a bad rule, its id and field.
pub fn parse_rules_toml(text: &str) -> Result<Vec<Rule>, RuleFileError> {
    let file: TomlFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| line_column(text, s.start))
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        RuleFileError::Syntax {
            line,
            column,
            message: one_line(e.message()),
        }
    })?;
    let specs: Vec<(Option<usize>, RuleSpec)> = file
        .rule
        .into_iter()
        .map(|s| {
            let line = line_column(text, s.span().start).0;
            (Some(line), s.into_inner())
        })
        .collect();
    compile_all(specs)
}

/// Reads a JSON rule file (`{"rules": [ … ]}`, see [`RuleSpec`]). Syntax errors name the
/// line and column; a bad rule is named by its id and field.
pub fn parse_rules_json(text: &str) -> Result<Vec<Rule>, RuleFileError> {
    let file: JsonFile = serde_json::from_str(text).map_err(|e| RuleFileError::Syntax {
        line: Some(e.line()).filter(|l| *l > 0),
        column: Some(e.column()).filter(|c| *c > 0),
        message: one_line(&e.to_string()),
    })?;
    compile_all(file.rules.into_iter().map(|s| (None, s)).collect())
}

fn compile_all(specs: Vec<(Option<usize>, RuleSpec)>) -> Result<Vec<Rule>, RuleFileError> {
    if specs.len() > MAX_RULES {
        return Err(RuleFileError::TooMany { limit: MAX_RULES });
    }
    let mut rules: Vec<Rule> = Vec::with_capacity(specs.len());
    for (index, (line, spec)) in specs.into_iter().enumerate() {
        let rule = Rule::compile(&spec).map_err(|mut error| {
            if error.field == "id" {
                error.rule = format!("#{}", index + 1);
            } else {
                error.rule = format!("{:?}", error.rule);
            }
            RuleFileError::Rule { line, error }
        })?;
        if rules.iter().any(|r| r.id == rule.id) {
            return Err(RuleFileError::DuplicateId { line, id: rule.id });
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
