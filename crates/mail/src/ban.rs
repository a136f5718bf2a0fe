//! The instance's ban list: senders no project hears from, whatever the channel (web form,
//! API, mail). An entry bans one address, a domain with its subdomains, or display names
//! matching a regular expression (case-insensitive, compiled within the filter rules'
//! limits, so no pattern can make matching slow).

use crate::address::{bare_address, is_valid_address, is_valid_domain};
use crate::filter::{MAX_PATTERN_LEN, compile_regex, in_domain};
use regex::Regex;

/// What an entry matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanKind {
    /// One sender address (case-insensitive).
    Address,
    /// A domain and its subdomains.
    Domain,
    /// A regular expression searched in the sender's display name.
    Name,
}

impl BanKind {
    pub const ALL: [BanKind; 3] = [Self::Address, Self::Domain, Self::Name];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Address => "address",
            Self::Domain => "domain",
            Self::Name => "name",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A checked entry, ready to match.
#[derive(Debug, Clone)]
pub struct Ban {
    pub kind: BanKind,
    /// The pattern as stored: an address or domain in lower case, or the expression.
    pub pattern: String,
    regex: Option<Regex>,
}

impl Ban {
    /// Checks an entry; the error is the message for the `pattern` field.
    pub fn compile(kind: BanKind, pattern: &str) -> Result<Ban, String> {
        let pattern = pattern.trim();
        if pattern.is_empty() {
            return Err("is empty".to_owned());
        }
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(format!("longer than {MAX_PATTERN_LEN} bytes"));
        }
        let (pattern, regex) = match kind {
            BanKind::Address => {
                let address = bare_address(pattern);
                if !is_valid_address(address) {
                    return Err(format!("{address:?} is not a valid e-mail address"));
                }
                (address.to_lowercase(), None)
            }
            BanKind::Domain => {
                let domain = pattern
                    .strip_prefix('@')
                    .or_else(|| pattern.strip_prefix("*."))
                    .unwrap_or(pattern)
                    .trim_end_matches('.');
                if !is_valid_domain(domain) {
                    return Err(format!("{domain:?} is not a valid domain"));
                }
                (domain.to_lowercase(), None)
            }
            BanKind::Name => {
                let regex = compile_regex(&format!("(?i:{pattern})"))?;
                (pattern.to_owned(), Some(regex))
            }
        };
        Ok(Ban {
            kind,
            pattern,
            regex,
        })
    }

    /// Whether the entry matches a sender with this address and display name.
    pub fn matches(&self, address: Option<&str>, name: Option<&str>) -> bool {
        match self.kind {
            BanKind::Address => {
                address.is_some_and(|a| bare_address(a.trim()).to_lowercase() == self.pattern)
            }
            BanKind::Domain => address.is_some_and(|a| {
                bare_address(a.trim())
                    .rsplit_once('@')
                    .is_some_and(|(_, d)| in_domain(d, &self.pattern))
            }),
            BanKind::Name => match (&self.regex, name) {
                (Some(re), Some(name)) => re.is_match(name),
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_match_whatever_their_case() {
        let ban = Ban::compile(BanKind::Address, "Beg@Example.org").unwrap();
        assert_eq!(ban.pattern, "beg@example.org");
        assert!(ban.matches(Some("BEG@example.ORG"), None));
        assert!(!ban.matches(Some("other@example.org"), None));
        assert!(!ban.matches(None, Some("beg@example.org")));
    }

    #[test]
    fn domains_match_their_subdomains_only() {
        let ban = Ban::compile(BanKind::Domain, "@spam.test").unwrap();
        assert!(ban.matches(Some("a@spam.test"), None));
        assert!(ban.matches(Some("a@mx.Spam.test"), None));
        assert!(!ban.matches(Some("a@notspam.test"), None));
    }

    #[test]
    fn names_are_searched_without_case() {
        let ban = Ban::compile(BanKind::Name, "bounty\\s+hunter").unwrap();
        assert!(ban.matches(None, Some("The Bounty  Hunter")));
        assert!(!ban.matches(Some("x@y.test"), Some("Alice")));
    }

    #[test]
    fn bad_patterns_are_refused_with_a_reason() {
        assert!(Ban::compile(BanKind::Address, "not an address").is_err());
        assert!(Ban::compile(BanKind::Domain, "no domain!").is_err());
        assert!(Ban::compile(BanKind::Name, "(unclosed").is_err());
        assert!(Ban::compile(BanKind::Name, " ").is_err());
        let huge = "a{1000}".repeat(100);
        assert!(Ban::compile(BanKind::Name, &huge).is_err());
    }
}
