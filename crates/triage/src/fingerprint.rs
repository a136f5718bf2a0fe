//! MinHash fingerprints over normalised text, for spray and near-duplicate detection
//! across every report on the instance. Names, numbers, URLs and domains are masked so
//! the same template sent to two projects still matches.

use serde::{Deserialize, Serialize};

const K: usize = 64;

/// A MinHash signature (64 values). Store it with the report; compare with [`similarity`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(pub Vec<u32>);

impl Fingerprint {
    /// The fingerprint of a report's title and text.
    pub fn of(title: &str, text: &str) -> Self {
        let mut words: Vec<String> = Vec::new();
        for part in [title, text] {
            for raw in part.split_whitespace() {
                words.push(normalise(raw));
            }
        }
        words.retain(|w| !w.is_empty());
        let mut mins = [u32::MAX; K];
        if words.is_empty() {
            return Self(mins.to_vec());
        }
        let n = 3.min(words.len());
        for w in words.windows(n) {
            let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
            for word in w {
                for b in word.bytes() {
                    h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
                }
                h = splitmix(h ^ 0x20);
            }
            for (i, m) in mins.iter_mut().enumerate() {
                let v = (splitmix(h ^ (i as u64).wrapping_mul(0xa076_1d64_78bd_642f)) >> 32) as u32;
                if v < *m {
                    *m = v;
                }
            }
        }
        Self(mins.to_vec())
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&v| v == u32::MAX)
    }
}

/// Estimated Jaccard similarity of the shingle sets (0.0–1.0).
pub fn similarity(a: &Fingerprint, b: &Fingerprint) -> f32 {
    if a.is_empty() || b.is_empty() || a.0.len() != b.0.len() {
        return 0.0;
    }
    let same = a.0.iter().zip(&b.0).filter(|(x, y)| x == y).count();
    same as f32 / a.0.len() as f32
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Lowercase, masks URLs, e-mail addresses, domains and numbers; drops punctuation.
fn normalise(raw: &str) -> String {
    let lower = raw.to_lowercase();
    let t = lower.trim_matches(|c: char| !c.is_alphanumeric());
    if t.is_empty() {
        return String::new();
    }
    if t.contains("://") || t.starts_with("www.") {
        return "<url>".into();
    }
    if t.contains('@') {
        return "<email>".into();
    }
    if t.contains('.') && t.split('.').all(|p| !p.is_empty()) && t.chars().any(char::is_alphabetic)
    {
        return "<domain>".into();
    }
    if t.chars().any(|c| c.is_ascii_digit()) {
        return "<n>".into();
    }
    t.chars().filter(|c| c.is_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_template_other_domain_matches() {
        let a = Fingerprint::of(
            "Found CRITICAL Vulnerability on your website",
            "I found a CRITICAL Vulnerability on your website: alpha.org. Kindly revert me back so that I can share the report!",
        );
        let b = Fingerprint::of(
            "Found CRITICAL Vulnerability on your website",
            "I found a CRITICAL Vulnerability on your website: beta.com. Kindly revert me back so that I can share the report!",
        );
        let c = Fingerprint::of(
            "Heap overflow in SOCKS5",
            "The state machine keeps a stale local variable across calls, so long host names go to the server.",
        );
        assert!(similarity(&a, &b) > 0.9, "{}", similarity(&a, &b));
        assert!(similarity(&a, &c) < 0.2);
        assert_eq!(
            similarity(&Fingerprint::of("", ""), &Fingerprint::of("", "")),
            0.0
        );
    }
}
