//! Addresses and message identifiers as they come out of headers: checked, never trusted.

use serde::Serialize;

/// Longest address accepted (RFC 5321 path limit minus the brackets).
pub const MAX_ADDRESS_LEN: usize = 254;
/// Longest local part accepted (RFC 5321).
pub const MAX_LOCAL_PART_LEN: usize = 64;
/// Longest domain accepted.
pub const MAX_DOMAIN_LEN: usize = 253;
/// Longest message identifier kept (without `<>`); longer ones are ignored.
pub const MAX_MESSAGE_ID_LEN: usize = 250;

/// One mailbox from an address header: the address as written and the decoded display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mailbox {
    /// The address (`local@domain`), trimmed, without angle brackets. Not necessarily valid:
    /// see [`Mailbox::is_valid`].
    pub address: String,
    /// The display name, RFC 2047-decoded, on one line; `None` when absent or empty.
    pub name: Option<String>,
}

impl Mailbox {
    /// Whether [`Mailbox::address`] is a deliverable-looking address ([`is_valid_address`]).
    pub fn is_valid(&self) -> bool {
        is_valid_address(&self.address)
    }

    /// The part before the last `@`, if there is one.
    pub fn local_part(&self) -> Option<&str> {
        self.address.rsplit_once('@').map(|(l, _)| l)
    }

    /// The part after the last `@`, if there is one.
    pub fn domain(&self) -> Option<&str> {
        self.address.rsplit_once('@').map(|(_, d)| d)
    }
}

/// Whether `address` looks deliverable: `local@domain` within RFC 5321 lengths, a dot-atom
/// (or quoted) local part, and a domain of at least two labels of letters, digits and
/// hyphens (UTF-8 letters allowed, for internationalised addresses). Address literals
/// (`user@[192.0.2.1]`) and single-label domains are refused: we never answer those.
pub fn is_valid_address(address: &str) -> bool {
    if address.len() > MAX_ADDRESS_LEN {
        return false;
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    is_valid_local_part(local) && is_valid_domain(domain)
}

/// A dot-atom or quoted-string local part of at most 64 bytes.
pub fn is_valid_local_part(local: &str) -> bool {
    if local.is_empty() || local.len() > MAX_LOCAL_PART_LEN {
        return false;
    }
    if let Some(inner) = local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        return !inner.is_empty()
            && inner
                .chars()
                .all(|c| !c.is_control() && (c != '"' && c != '\\'));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return false;
    }
    local.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+/=?^_`{|}~-.".contains(c)
            || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
    })
}

/// A host name of at least two labels, each 1–63 bytes of letters, digits and inner hyphens.
pub fn is_valid_domain(domain: &str) -> bool {
    is_valid_domain_of(domain, 2)
}

/// An address as a header of a message we send may carry it: like [`is_valid_address`],
/// but the domain may be a single label (`localhost`, a host of the local network), as
/// RFC 5322's dot-atom allows — an instance's own sender is often such an address. What a
/// reporter types is checked with [`is_valid_address`].
pub fn is_valid_header_address(address: &str) -> bool {
    if address.len() > MAX_ADDRESS_LEN {
        return false;
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    is_valid_local_part(local) && is_valid_domain_of(domain, 1)
}

fn is_valid_domain_of(domain: &str, min_labels: usize) -> bool {
    if domain.is_empty() || domain.len() > MAX_DOMAIN_LEN {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= min_labels
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| {
                    c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
                })
        })
}

/// The address inside `Name <address>` or `<address>`, or the trimmed text itself.
pub fn bare_address(text: &str) -> &str {
    let text = text.trim();
    match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => text[open + 1..close].trim(),
        _ => text,
    }
}

/// A message identifier without `<>` and surrounding space, or `None` when it is empty,
/// too long, or holds spaces, control characters or brackets (so it can be echoed into
/// `In-Reply-To` and `References` without harm).
pub fn normalize_message_id(id: &str) -> Option<String> {
    let id = id.trim();
    let id = id.strip_prefix('<').unwrap_or(id);
    let id = id.strip_suffix('>').unwrap_or(id).trim();
    if id.is_empty()
        || id.len() > MAX_MESSAGE_ID_LEN
        || id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>' || c == ',')
    {
        return None;
    }
    Some(id.to_owned())
}

/// Text made safe for one header line: control characters (CR, LF, NUL, tab, …) become
/// spaces, runs of white space collapse to one, and the ends are trimmed.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_control() || c.is_whitespace() || c == '\u{2028}' || c == '\u{2029}' {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}
