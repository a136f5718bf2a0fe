//! The report's central claim and its preconditions.
//!
//! A report's *claim* is what it says is wrong and why that matters: the title, the summary
//! (the first paragraph, and the first paragraph of a "Summary", "Description" or
//! "Overview" section), the "Impact" section, a "Preconditions" / "Prerequisites" /
//! "Attack scenario" section, and the fix it asks for ("Fix", "Mitigation",
//! "Recommendation"). Everything else — steps, code, logs, background, asides — supports the
//! claim. A short report is all claim.
//!
//! Its *preconditions* are what the attacker needs: local access, administrator rights, a
//! crafted command line or the user's own options, a debug build, an exposed instance,
//! physical access, a malicious plugin, a man-in-the-middle position. They are read from
//! requirement-shaped phrases ("a local attacker", "requires admin privileges", "tricking the
//! user into running"), never from a single word, and a phrase that is negated ("does not
//! need local access") or is the outcome ("gain administrator rights") is not one.
//!
//! The policy's non-qualifying classes are matched against the claim and the preconditions
//! (signals/policy.rs): a match there is strong; the same words elsewhere are a note.

use crate::Field;
use crate::text::Doc;
use regex::Regex;
use std::sync::LazyLock;

pub(super) fn re(p: &str) -> Regex {
    // Patterns are constants of this file, checked by the unit tests below.
    Regex::new(p).unwrap_or_else(|e| panic!("bad pattern {p}: {e}"))
}

/// Which part of the claim a passage belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Title,
    Summary,
    Impact,
    Preconditions,
    Fix,
    /// A short report: all of it is the claim.
    Whole,
}

impl Part {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Summary => "summary",
            Self::Impact => "impact",
            Self::Preconditions => "preconditions",
            Self::Fix => "asked-for fix",
            Self::Whole => "text",
        }
    }
}

/// A passage of the claim: `field[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub field: Field,
    pub start: usize,
    pub end: usize,
    pub part: Part,
}

/// The report's central claim: passages of the title and the prose.
#[derive(Debug, Default)]
pub(crate) struct Claim {
    pub spans: Vec<Span>,
}

/// Reports shorter than this (bytes of text) are all claim.
const SHORT: usize = 400;
/// The summary paragraph is cut at the end of the sentence holding this byte.
const SUMMARY_MAX: usize = 600;
/// A section of the claim (impact, preconditions, fix) is cut after this many bytes.
const SECTION_MAX: usize = 1500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Claim(Part),
    Other,
}

fn section_kind(name: &str) -> Section {
    let n = name.to_ascii_lowercase();
    let has = |ws: &[&str]| ws.iter().any(|w| n.contains(w));
    if has(&["impact"]) {
        Section::Claim(Part::Impact)
    } else if has(&[
        "precondition",
        "prerequisite",
        "requirement",
        "attack scenario",
        "attacker model",
        "threat model",
        "assumption",
    ]) {
        Section::Claim(Part::Preconditions)
    } else if has(&[
        "summary",
        "overview",
        "description",
        "synopsis",
        "abstract",
        "tl;dr",
        "tldr",
    ]) {
        Section::Claim(Part::Summary)
    } else if has(&[
        "fix",
        "mitigation",
        "remediation",
        "recommend",
        "suggest",
        "solution",
        "patch",
    ]) {
        Section::Claim(Part::Fix)
    } else {
        Section::Other
    }
}

/// `## Impact`, `**Impact**`, `Impact:`; or an inline `Impact: text` (then the offset of
/// the text within the line).
fn heading(line: &str) -> Option<(Section, Option<usize>)> {
    let t = line.trim();
    if t.is_empty() {
        return None;
    }
    let strip = |s: &str| {
        s.trim_matches(|c: char| c == '#' || c == '*' || c == '_' || c == ':' || c.is_whitespace())
            .to_owned()
    };
    if t.starts_with('#') && !t.starts_with("#include") && !t.starts_with("#define") {
        let name = strip(t);
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
            return Some((section_kind(&name), None));
        }
    }
    let words = t.split_whitespace().count();
    if t.starts_with("**") && (t.ends_with("**") || t.ends_with("**:")) && words <= 6 {
        return Some((section_kind(&strip(t)), None));
    }
    if t.ends_with(':') && words <= 5 && t.len() <= 50 {
        return Some((section_kind(&strip(t)), None));
    }
    // Inline `Impact: text` (only for the claim's own section names).
    let lead = line.len() - line.trim_start().len();
    if let Some(colon) = t.find(':')
        && colon <= 40
        && t[..colon].split_whitespace().count() <= 4
    {
        let kind = section_kind(&strip(&t[..colon]));
        let rest = &t[colon + 1..];
        let body = rest.trim_start_matches(['*', ' ', '\t']);
        if matches!(kind, Section::Claim(_)) && !body.is_empty() {
            return Some((kind, Some(lead + colon + 1 + (rest.len() - body.len()))));
        }
    }
    None
}

/// End of the sentence holding byte `at` of `s` (or the end of `s`).
fn sentence_end(s: &str, at: usize) -> usize {
    let b = s.as_bytes();
    let mut i = at.min(s.len());
    while i < b.len() {
        if matches!(b[i], b'.' | b'!' | b'?') && b.get(i + 1).is_none_or(u8::is_ascii_whitespace) {
            return i + 1;
        }
        i += 1;
    }
    s.len()
}

impl Claim {
    pub(crate) fn of(doc: &Doc<'_>) -> Self {
        let mut spans = Vec::new();
        if !doc.title.trim().is_empty() {
            spans.push(Span {
                field: Field::Title,
                start: 0,
                end: doc.title.len(),
                part: Part::Title,
            });
        }
        if doc.text.trim().len() < SHORT {
            spans.extend(doc.prose_lines().map(|(s, e)| Span {
                field: Field::Text,
                start: s,
                end: e,
                part: Part::Whole,
            }));
            return Self { spans };
        }
        let mut section = Section::Other;
        let mut section_bytes = 0usize;
        // The report's first paragraph, and the first paragraph of each summary section,
        // are its summary. A greeting ("Hi team,") is not a paragraph of its own.
        let mut first_done = false;
        let mut section_summary_done = false;
        let mut para: Option<usize> = None;
        let close = |spans: &mut Vec<Span>, para: &mut Option<usize>| -> bool {
            match para.take() {
                Some(at) => close_paragraph(doc, spans, at),
                None => false,
            }
        };
        for (i, &(s, e)) in doc.lines.iter().enumerate() {
            let line = &doc.text[s..e];
            let code = doc.in_code[i];
            let head = if code { None } else { heading(line) };
            if let Some((kind, inline)) = head {
                first_done |= close(&mut spans, &mut para);
                section = kind;
                section_bytes = 0;
                section_summary_done = false;
                if let (Some(off), Section::Claim(part)) = (inline, kind) {
                    let start = s + off;
                    if part == Part::Summary {
                        para = Some(spans.len());
                        section_summary_done = true;
                    } else {
                        section_bytes += e - start;
                    }
                    spans.push(Span {
                        field: Field::Text,
                        start,
                        end: e,
                        part,
                    });
                }
                continue;
            }
            if code || line.trim().is_empty() {
                let full = close(&mut spans, &mut para);
                first_done |= full;
                continue;
            }
            let part = match section {
                Section::Claim(p) if p != Part::Summary => {
                    first_done = true;
                    if section_bytes >= SECTION_MAX {
                        continue;
                    }
                    section_bytes += e - s;
                    p
                }
                _ if para.is_some() => Part::Summary,
                Section::Claim(Part::Summary) if !section_summary_done => {
                    section_summary_done = true;
                    para = Some(spans.len());
                    Part::Summary
                }
                _ if !first_done => {
                    para = Some(spans.len());
                    Part::Summary
                }
                _ => continue,
            };
            spans.push(Span {
                field: Field::Text,
                start: s,
                end: e,
                part,
            });
        }
        close(&mut spans, &mut para);
        Self { spans }
    }

    /// The claim's part holding byte `pos` of `field`, if any.
    pub(crate) fn part_at(&self, field: Field, pos: usize) -> Option<Part> {
        self.spans
            .iter()
            .find(|s| s.field == field && pos >= s.start && pos < s.end.max(s.start + 1))
            .map(|s| s.part)
    }

    /// The claim cut into sentences.
    pub(crate) fn sentences(&self, doc: &Doc<'_>) -> Vec<Span> {
        let mut out = Vec::new();
        for sp in &self.spans {
            let src = match sp.field {
                Field::Title => doc.title,
                Field::Text => doc.text,
            };
            let text = &src[sp.start..sp.end];
            let mut start = 0;
            while start < text.len() {
                let end = sentence_end(text, start);
                if text[start..end].trim().len() > 1 {
                    out.push(Span {
                        field: sp.field,
                        start: sp.start + start,
                        end: sp.start + end,
                        part: sp.part,
                    });
                }
                start = end;
            }
        }
        out
    }
}

/// Caps a summary paragraph (spans from `at`) at the sentence holding byte SUMMARY_MAX;
/// whether it was a paragraph. A greeting ("Hello team,") or a block of fields
/// ("Affected version: 1.2.3") is dropped and the next paragraph is the summary.
fn close_paragraph(doc: &Doc<'_>, spans: &mut Vec<Span>, at: usize) -> bool {
    if at >= spans.len() {
        return false;
    }
    let first = spans[at].start;
    let limit = first + SUMMARY_MAX;
    let mut keep = spans.len();
    for (k, sp) in spans.iter_mut().enumerate().skip(at) {
        if sp.start >= limit {
            keep = k;
            break;
        }
        if sp.end > limit {
            sp.end = (sp.start + sentence_end(&doc.text[sp.start..sp.end], limit - sp.start))
                .min(sp.end);
        }
    }
    spans.truncate(keep);
    let text: Vec<&str> = spans[at..]
        .iter()
        .map(|sp| doc.text[sp.start..sp.end].trim())
        .collect();
    let words: usize = text.iter().map(|t| t.split_whitespace().count()).sum();
    let lower = text.join(" ").to_ascii_lowercase();
    let greeting = words < 8
        && (lower.ends_with(',')
            || ["hi", "hello", "dear", "greetings", "hey", "good "]
                .iter()
                .any(|g| lower.starts_with(g)));
    // `Affected version: 1.2.3`, `File: lib/x.c`: fields, not the summary.
    let fields = text.iter().all(|t| {
        t.find(':').is_some_and(|c| {
            c <= 30
                && t[..c].split_whitespace().count() <= 3
                && t.split_whitespace().count() <= 12
                && section_kind(&t[..c]) == Section::Other
        })
    });
    if greeting || fields {
        spans.truncate(at);
        return false;
    }
    true
}

/// What an attacker needs for the claimed attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Need {
    LocalAccess,
    Admin,
    CommandLine,
    DebugBuild,
    Exposure,
    Physical,
    Plugin,
    Mitm,
}

impl Need {
    pub(crate) const ALL: [Need; 8] = [
        Need::LocalAccess,
        Need::Admin,
        Need::CommandLine,
        Need::DebugBuild,
        Need::Exposure,
        Need::Physical,
        Need::Plugin,
        Need::Mitm,
    ];

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::LocalAccess => "local access to the machine",
            Self::Admin => "administrator rights",
            Self::CommandLine => "a crafted command line or the user's own options",
            Self::DebugBuild => "a debug build",
            Self::Exposure => "an instance exposed against its documentation",
            Self::Physical => "physical access",
            Self::Plugin => "a malicious plugin or extension",
            Self::Mitm => "a man-in-the-middle position",
        }
    }

    /// The need a standard or common class id is about.
    pub(crate) fn of_class_id(id: &str) -> Option<Need> {
        Some(match id {
            "local-attacker" => Self::LocalAccess,
            "requires-admin" => Self::Admin,
            "user-command-line" => Self::CommandLine,
            "debug-only" => Self::DebugBuild,
            "public-exposure" => Self::Exposure,
            "physical-access" => Self::Physical,
            "malicious-plugin" => Self::Plugin,
            "mitm" => Self::Mitm,
            _ => return None,
        })
    }

    /// Requirement-shaped phrases of a report stating this need.
    fn cue(self) -> &'static Regex {
        &NEED_CUES[self as usize]
    }

    /// Words of a policy's own wording that make a class about this need.
    fn in_wording(self) -> &'static Regex {
        &NEED_WORDING[self as usize]
    }
}

/// Report phrases, in the order of [`Need::ALL`].
static NEED_CUES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // LocalAccess
        r"\b(local (?:attackers?|users?|access|accounts?|shell|privileges?|adversar(?:y|ies))|(?:local|unprivileged|non-privileged|low-privileged?) (?:users?|process(?:es)?|programs?) (?:on|of|running on) (?:the|a|any) (?:same |local |shared |multi-user )?(?:system|machine|host|computer)|(?:any|another|other|malicious) (?:local )?(?:process(?:es)?|programs?) (?:on|running on) (?:the|a) (?:same |local |shared )?(?:system|machine|host|computer)|(?:another|other|any) users? on the same (?:system|machine|host|computer)|(?:any )?users? on (?:a|the) (?:system|machine|host|computer) (?:using|running|that runs|where)|(?:shell|login|ssh) access (?:to|on) the (?:same |target |victim'?s? )?(?:system|machine|host|computer|server)|access to the (?:same |local |victim'?s? |target )(?:system|machine|host|computer)|shared (?:computer|system|host|machine)s? environments?|already (?:has|have) (?:local )?access|(?:write|writable) access to the (?:same |user'?s? |victim'?s? |target |download |output )?(?:home |config\w* )?(?:directory|folder|files?))\b",
        // Admin
        r"\b((?:requires?|requiring|needs?|needing|with|having|has|holding|must have) (?:an? |the )?(?:admin(?:istrator)?|root|superuser|privileged) (?:privileges?|rights|access|accounts?|role|permissions?|credentials)|(?:requires?|needs?|as|authenticated as|logged in as|must be) an? (?:authenticated )?(?:admin(?:istrator)?|root user|superuser)|admin(?:istrator)?[- ]only|(?:admin(?:istrator)?|root) privileges (?:are|is) (?:required|needed))\b",
        // CommandLine
        r"\b((?:crafted|malicious|attacker[- ]controlled|attacker[- ]supplied|untrusted|specially[- ]crafted) (?:command[- ]lines?|(?:command[- ]line )?(?:arguments?|options?|flags?|parameters?)|config(?:uration)? files?|\.\w+rc(?: files?)?)|(?:trick(?:s|ing|ed)?|convinc\w*|persuad\w*|lur(?:e|es|ing)) (?:a |the )?(?:user|victim|developer|admin\w*) (?:into |to )(?:run|running|execut\w*|pass\w*|typ\w*|us(?:e|ing)|past\w*|add\w*)|(?:attacker|adversary) (?:who )?(?:controls?|supplies|provides|can (?:set|pass|control|supply|provide)) (?:the )?(?:command[- ]line|arguments?|options?|flags?|config(?:uration)?(?: files?)?|environment(?: variables?)?)|(?:the )?user'?s? own (?:command[- ]line|options?|arguments?|config(?:uration)?))\b",
        // DebugBuild
        r"\b(only (?:in|with|on|for) (?:a |the )?debug(?:[- ]enabled)?(?: builds?| mode| configurations?)|debug(?:[- ]enabled)? builds? only|(?:requires?|needs?) (?:a )?debug(?:[- ]enabled)? (?:build|mode)|only when (?:built|compiled|configured) with (?:--enable-debug|debug\w*))\b",
        // Exposure
        r"\b((?:only )?(?:if|when) (?:the |an? )?(?:instance|server|service|port|api|dashboard|interface|daemon|endpoint)s? (?:is|are) (?:exposed|reachable|accessible|bound|listening) (?:to|on|from) (?:the )?(?:public |open )?(?:internet|network|0\.0\.0\.0|all interfaces)|exposed to the (?:public )?internet (?:against|contrary to|despite)|publicly (?:exposed|reachable) (?:instances?|deployments?))\b",
        // Physical
        r"\b(physical(?:ly)? (?:access|present|possession)|unlocked (?:device|computer|phone|machine|laptop)|evil maid)\b",
        // Plugin
        r"\b((?:install\w*|load\w*|enabl\w*) (?:a |an )?malicious (?:plugin|extension|add-?on|theme|module)|malicious (?:plugin|extension|add-?on|theme)s?)\b",
        // Mitm
        r"\b(man[- ]in[- ]the[- ]middle|mitm|attacker[- ]in[- ]the[- ]middle|on[- ]path (?:attacker|adversary|position)|(?:intercept|sniff)(?:s|ing)? (?:the )?(?:network )?traffic|network[- ]level attacker|attacker on the (?:same |local )?network)\b",
    ]
    .iter()
    .map(|p| re(&format!("(?i){p}")))
    .collect()
});

/// Policy wording, in the order of [`Need::ALL`]: looser, since the wording is about the
/// class (a policy line on "attacks that need local access" names its need in few words).
static NEED_WORDING: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"\b(local(?:ly)? (?:attackers?|users?|access|system|machine|accounts?|privileges?)|already (?:present|has access|have access)|same (?:machine|host|system)|write access to)\b",
        r"\b(admin(?:istrator)?s?|root privileges|superuser|privileged (?:users?|accounts?|access))\b",
        r"\b((?:user'?s?(?: own)?|own|crafted|malicious|untrusted) (?:command[- ]lines?|config(?:uration)? files?|arguments|options)|(?:run|runs|running|type|types|typing) (?:a |the )?command[- ]lines?|command[- ]line (?:options?|arguments?|flags?)|config(?:uration)? files?|\.\w+rc files?)\b",
        r"\b(debug(?:ging)? (?:builds?|mode|only)|only in debug)\b",
        r"\b(exposed to the (?:public )?internet|internet[- ]facing|public internet)\b",
        r"\b(physical(?:ly)?)\b",
        r"\b(malicious (?:plugins?|extensions?|add-?ons?|themes?|modules?)|plugins?|extensions?)\b",
        r"\b(man[- ]in[- ]the[- ]middle|mitm|on[- ]path)\b",
    ]
    .iter()
    .map(|p| re(&format!("(?i){p}")))
    .collect()
});

/// A negation shortly before a phrase: "does not need local access", "without admin".
static NEGATED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(not|no|without|never|nor|neither|unlike|rather than|instead of|n't|cannot|can't|isn't|doesn't|don't|needn't)\b[^.;:!?]{0,30}$",
    )
});

/// The phrase is the attack's outcome, not its precondition: "gain administrator rights".
static OUTCOME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(gain\w*|obtain\w*|escalat\w*|elevat\w*|becom\w*|acquir\w*|achiev\w*|grant\w*|take over|takes over|leads? to|leading to|results? in|resulting in|get|gets|getting|as)\s+(?:\w+\s+){0,2}$",
    )
});

/// A need stated in the report: the phrase and where it is.
#[derive(Debug, Clone)]
pub(crate) struct NeedHit {
    pub need: Need,
    pub field: Field,
    pub start: usize,
    pub end: usize,
    /// The claim's part holding it; `None`: stated outside the claim.
    pub part: Option<Part>,
}

/// Up to 48 bytes of `hay` before `start`, not before `line_start`.
fn before(hay: &str, line_start: usize, start: usize) -> &str {
    let mut from = start.saturating_sub(48).max(line_start);
    while !hay.is_char_boundary(from) {
        from += 1;
    }
    &hay[from..start]
}

/// Whether the phrase at `start` of `hay` is negated ("not a memory leak", "without
/// local access").
pub(crate) fn negated(hay: &str, line_start: usize, start: usize) -> bool {
    NEGATED.is_match(before(hay, line_start, start))
}

/// Whether the phrase at `start` of `hay` reads as a precondition (not negated, not the
/// outcome). `line_start` bounds the look-back.
fn is_precondition(hay: &str, line_start: usize, start: usize, need: Need) -> bool {
    if negated(hay, line_start, start) {
        return false;
    }
    let before = before(hay, line_start, start);
    // "files of local users", "sent to another user on the same machine": the victim, not
    // the attacker.
    let last = before
        .split(|c: char| !c.is_alphanumeric())
        .rfind(|w| !w.is_empty())
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(need, Need::LocalAccess | Need::Admin)
        && [
            "of",
            "to",
            "for",
            "from",
            "against",
            "affecting",
            "affects",
            "victim",
        ]
        .contains(&last.as_str())
    {
        return false;
    }
    // "as an administrator" is a precondition; "gain administrator rights" is not.
    !(matches!(need, Need::Admin | Need::LocalAccess)
        && OUTCOME.is_match(before)
        && !before.trim_end().to_ascii_lowercase().ends_with(" as"))
}

/// Needs the report states, in the claim or elsewhere in the prose.
pub(crate) fn needs(doc: &Doc<'_>, claim: &Claim) -> Vec<NeedHit> {
    let mut out = Vec::new();
    let mut ranges: Vec<(Field, usize, usize)> = vec![(Field::Title, 0, doc.title.len())];
    ranges.extend(doc.prose_lines().map(|(s, e)| (Field::Text, s, e)));
    for need in Need::ALL {
        for &(field, s, e) in &ranges {
            let src = match field {
                Field::Title => doc.title,
                Field::Text => doc.text,
            };
            for m in need.cue().find_iter(&src[s..e]) {
                let start = s + m.start();
                if !is_precondition(src, s, start, need) {
                    continue;
                }
                out.push(NeedHit {
                    need,
                    field,
                    start,
                    end: s + m.end(),
                    part: claim.part_at(field, start),
                });
            }
        }
    }
    out
}

/// The needs a class's wording names (the policy's own words, its caveats left out).
pub(crate) fn needs_in_wording(wording: &str) -> Vec<Need> {
    let rule = rule_sentences(wording).join(" ");
    Need::ALL
        .into_iter()
        .filter(|n| n.in_wording().is_match(&rule))
        .collect()
}

/// The sentences of a class's wording that state the class, without its caveats ("a large
/// leak can be considered a security problem", "of course …", "unless …"): those say when
/// the class does *not* apply.
pub(crate) fn rule_sentences(wording: &str) -> Vec<&str> {
    static CAVEAT: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)\b(of course|might|may also|can still|still be|can be considered|could be considered|there can be a discussion|need to be more|would still)\b",
        )
    });
    let mut out = Vec::new();
    let mut start = 0;
    while start < wording.len() {
        let end = sentence_end(wording, start);
        let s = wording[start..end].trim();
        if !s.is_empty() && !CAVEAT.is_match(s) {
            out.push(s);
        }
        start = end;
    }
    out
}

/// The phrases a class is known by: its id's words (`null-dereferences`) and its wording's
/// first rule sentence (the statement; later sentences are the policy's reasons, whose
/// words — "denial of service", "sensitive data" — are not the class).
pub(crate) fn class_phrases(id: &str, wording: &str, project: &[String]) -> Vec<(String, String)> {
    let mut out = wording_phrases(&id.replace(['-', '_'], " "), project);
    let id_stems: Vec<String> = tokens(&id.replace(['-', '_'], " "))
        .into_iter()
        .map(|t| t.0)
        .filter(|t| is_content(t, project))
        .collect();
    let rules = rule_sentences(wording);
    let mut statement = String::new();
    let mut rest = rules.len();
    for (k, r) in rules.iter().enumerate() {
        if !statement.is_empty() {
            statement.push(' ');
        }
        statement.push_str(r);
        if statement.split_whitespace().count() >= 8 {
            rest = k + 1;
            break;
        }
    }
    let mut add = |p: (String, String)| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    for p in wording_phrases(&statement, project) {
        add(p);
    }
    // Later sentences explain the class; a distinctive phrase of them that has a word of the
    // class's name is still the class ("CRLF injection" for `crlf-in-data`).
    for r in &rules[rest.min(rules.len())..] {
        for p in wording_phrases(r, project) {
            let named = id_stems.iter().any(|s| *s == p.0 || *s == p.1);
            if named && !is_common(&p.0) && !is_common(&p.1) {
                add(p);
            }
        }
    }
    out
}

/// The claim is about a protection against the very attacker a need names: a TLS,
/// certificate or encryption claim needs a man in the middle by definition, so the class
/// "requires a man-in-the-middle position" does not fit it.
pub(crate) fn defends_against(doc: &Doc<'_>, claim: &Claim, need: Need) -> bool {
    static TRANSPORT: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)\b(tls|ssl|certificates?|cert|hostname verification|verif(?:y|ies|ication) the (?:peer|host|server)|pinn(?:ing|ed)|hsts|starttls|encrypt\w*|plain ?text|cleartext|downgrade\w*|signature (?:check|verification)|integrity)\b",
        )
    });
    need == Need::Mitm
        && claim.spans.iter().any(|sp| {
            let src = match sp.field {
                Field::Title => doc.title,
                Field::Text => doc.text,
            };
            TRANSPORT.is_match(&src[sp.start..sp.end])
        })
}

/// The claim asserts memory corruption or code execution, plainly (not hedged, not
/// negated): the passage, if any. A class for low-impact bugs (a crash, a NULL
/// dereference, a leak) matched by the same claim is then a question for a person.
pub(crate) fn asserts_corruption(doc: &Doc<'_>, claim: &Claim) -> Option<(Field, usize, usize)> {
    static CORRUPTION: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)\b((?:heap|stack|buffer|global)[- ](?:based )?(?:buffer[- ])?(?:overflow|overrun|underflow)|out[- ]of[- ]bounds (?:write|read)|use[- ]after[- ]free|double[- ]free|memory corruption|(?:arbitrary|remote) code execution)\b",
        )
    });
    static HEDGED: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)\b(could|may|might|potential(?:ly)?|possibl[ey]|risks?|theoretical(?:ly)?|if exploited)\b",
        )
    });
    claim.sentences(doc).into_iter().find_map(|sp| {
        let src = match sp.field {
            Field::Title => doc.title,
            Field::Text => doc.text,
        };
        let sentence = &src[sp.start..sp.end];
        if HEDGED.is_match(sentence) {
            return None;
        }
        CORRUPTION
            .find_iter(sentence)
            .find(|m| !negated(src, sp.start, sp.start + m.start()))
            .map(|m| (sp.field, sp.start + m.start(), sp.start + m.end()))
    })
}

pub(crate) use super::phrases::{PhraseHit, Tokenized, is_common, stem, wording_phrases};
use super::phrases::{is_content, tokens};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Report;

    #[test]
    fn patterns_compile() {
        assert_eq!(NEED_CUES.len(), Need::ALL.len());
        assert_eq!(NEED_WORDING.len(), Need::ALL.len());
        assert!(NEGATED.is_match("this does not need "));
        assert!(OUTCOME.is_match("the attacker can gain "));
        // The tool's name is no need; the user's own command line is.
        assert!(needs_in_wording("A crash of the command-line tool.").is_empty());
        assert_eq!(
            needs_in_wording("Whatever the user's own command line asks for."),
            vec![Need::CommandLine]
        );
    }

    #[test]
    fn sections_make_the_claim() {
        let text = format!(
            "## Summary\nA heap overflow in the decoder.\n\nMore background here.\n\n## Steps\n1. run it\n{}\n## Impact\nRemote code execution.\n",
            "filler sentence. ".repeat(30)
        );
        let r = Report::new("Overflow", text.as_str());
        let doc = Doc::new(&r);
        let c = Claim::of(&doc);
        let parts: Vec<(Part, &str)> = c
            .spans
            .iter()
            .map(|s| {
                (
                    s.part,
                    match s.field {
                        Field::Title => &r.title[s.start..s.end],
                        Field::Text => &r.text[s.start..s.end],
                    },
                )
            })
            .collect();
        assert_eq!(
            parts,
            vec![
                (Part::Title, "Overflow"),
                (Part::Summary, "A heap overflow in the decoder."),
                (Part::Impact, "Remote code execution."),
            ]
        );
    }

    #[test]
    fn greetings_and_fields_are_not_the_summary() {
        let text = format!(
            "Affected version: 1.10.3\nComponent: parser\n\nHi team,\n\nThe parser reads past the end of the header buffer on a folded line.\n\n{}\n\nImpact: a crash.",
            "More detail follows here. ".repeat(20)
        );
        let r = Report::new("", text.as_str());
        let doc = Doc::new(&r);
        let c = Claim::of(&doc);
        let parts: Vec<&str> = c.spans.iter().map(|s| &r.text[s.start..s.end]).collect();
        assert_eq!(
            parts,
            vec![
                "The parser reads past the end of the header buffer on a folded line.",
                "a crash."
            ]
        );
    }

    #[test]
    fn negated_and_outcome_needs_are_not_preconditions() {
        let r = Report::new(
            "t",
            "The attacker does not need local access. A user can gain administrator privileges. A remote server reads the files of local users. Requires a local user on the same machine.",
        );
        let doc = Doc::new(&r);
        let hits = needs(&doc, &Claim::of(&doc));
        let quotes: Vec<_> = hits.iter().map(|h| &r.text[h.start..h.end]).collect();
        assert_eq!(quotes, vec!["local user"]);
    }

    #[test]
    fn stems_and_phrases() {
        assert_eq!(stem("leaks"), "leak");
        assert_eq!(stem("leaking"), "leak");
        assert_eq!(stem("files"), stem("file"));
        assert_eq!(stem("access"), "access");
        assert_eq!(stem("inconsistencies"), stem("inconsistency"));
        let p = wording_phrases("Small memory or resource leaks.", &[]);
        assert!(p.contains(&("leak".into(), "memory".into())), "{p:?}");
        // Two common words are no phrase; an exception of the policy is not the class.
        assert!(wording_phrases("local file", &[]).is_empty());
        let p2 = wording_phrases("Small leaks (unless leaking credentials)", &[]);
        // A class's caveats and reasons are not its statement.
        let rules = rule_sentences(
            "Small leaks are fine. A large leak can be considered a problem. They are common.",
        );
        assert_eq!(rules, vec!["Small leaks are fine.", "They are common."]);
        let c = class_phrases(
            "null-dereferences",
            "A NULL dereference a server causes is no issue. Servers can cause a denial of service anyway.",
            &[],
        );
        assert!(c.contains(&("dereferenc".into(), "null".into())), "{c:?}");
        assert!(
            !c.iter().any(|(a, b)| a == "denial" || b == "denial"),
            "{c:?}"
        );
        assert!(
            !p2.iter()
                .any(|(a, b)| a == "credential" || b == "credential"),
            "{p2:?}"
        );
        let r = Report::new("A memory leak in the parser", "");
        let doc = Doc::new(&r);
        let tok = Tokenized::new(&doc, &Claim::of(&doc), &[]);
        let set = tok.phrase_ids(&p);
        let hits = tok.hits(&doc, 0, &set);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].words, ("memory".into(), "leak".into()));
    }
}
