//! RFC 5646 language tags: well-formedness (§2.1) and validity of the primary language and
//! script subtags against the IANA registry (§2.2.9; the snapshot sectxt uses), which
//! catches `english`, `cz`, `jp`, `dk`.

use crate::lang_registry::{LANGUAGES_2, LANGUAGES_3, SCRIPTS, VARIANTS};

/// Whether `code` (lower case, `width` bytes) is in `table`, a sorted concatenation of codes.
fn in_table(table: &str, width: usize, code: &str) -> bool {
    let n = table.len() / width;
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let entry = &table[mid * width..(mid + 1) * width];
        match entry.cmp(code) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
        }
    }
    false
}

fn registered_language(subtag: &str) -> bool {
    match subtag.len() {
        2 => in_table(LANGUAGES_2, 2, subtag),
        3 => ("qaa"..="qtz").contains(&subtag) || in_table(LANGUAGES_3, 3, subtag),
        _ => false,
    }
}

fn registered_script(subtag: &str) -> bool {
    ("qaaa"..="qabx").contains(&subtag) || in_table(SCRIPTS, 4, subtag)
}

const GRANDFATHERED: &[&str] = &[
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

fn alpha(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphabetic())
}
fn digit(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}
fn alnum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn private_use(subtags: &[&str]) -> bool {
    !subtags.is_empty()
        && subtags
            .iter()
            .all(|s| (1..=8).contains(&s.len()) && alnum(s))
}

/// Whether `tag` is a well-formed RFC 5646 language tag with a registrable primary subtag.
pub(crate) fn is_valid_tag(tag: &str) -> bool {
    if tag.is_empty() || !tag.is_ascii() {
        return false;
    }
    let lower = tag.to_ascii_lowercase();
    if GRANDFATHERED.contains(&lower.as_str()) {
        return true;
    }
    let subtags: Vec<&str> = lower.split('-').collect();
    if subtags[0] == "x" {
        return private_use(&subtags[1..]);
    }
    let mut i = 0;
    let language = subtags[0];
    if !(alpha(language) && (2..=3).contains(&language.len()) && registered_language(language)) {
        return false;
    }
    i += 1;
    // up to three extlang subtags
    let mut extlangs = 0;
    while i < subtags.len() && extlangs < 3 && subtags[i].len() == 3 && alpha(subtags[i]) {
        i += 1;
        extlangs += 1;
    }
    if i < subtags.len() && subtags[i].len() == 4 && alpha(subtags[i]) {
        if !registered_script(subtags[i]) {
            return false;
        }
        i += 1; // script
    }
    if i < subtags.len()
        && ((subtags[i].len() == 2 && alpha(subtags[i]))
            || (subtags[i].len() == 3 && digit(subtags[i])))
    {
        i += 1; // region
    }
    let mut variants: Vec<&str> = Vec::new();
    while i < subtags.len() {
        let s = subtags[i];
        let is_variant = ((5..=8).contains(&s.len()) && alnum(s))
            || (s.len() == 4 && s.as_bytes()[0].is_ascii_digit() && alnum(s));
        if !is_variant {
            break;
        }
        if variants.contains(&s) || VARIANTS.binary_search(&s).is_err() {
            return false; // RFC 5646 §2.2.5: registered, not repeated
        }
        variants.push(s);
        i += 1;
    }
    let mut singletons: Vec<&str> = Vec::new();
    while i < subtags.len() {
        let s = subtags[i];
        if s == "x" {
            return private_use(&subtags[i + 1..]);
        }
        if !(s.len() == 1 && alnum(s)) || singletons.contains(&s) {
            return false;
        }
        singletons.push(s);
        i += 1;
        let start = i;
        while i < subtags.len() && (2..=8).contains(&subtags[i].len()) && alnum(subtags[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_valid_tag;

    #[test]
    fn rfc5646_appendix_a_examples() {
        for ok in [
            "de",
            "fr",
            "ja",
            "i-enochian",
            "zh-Hant",
            "zh-Hans",
            "sr-Cyrl",
            "sr-Latn",
            "zh-cmn-Hans-CN",
            "cmn-Hans-CN",
            "yue-HK",
            "zh-Hans-CN",
            "sr-Latn-RS",
            "sl-rozaj",
            "sl-rozaj-biske",
            "sl-nedis",
            "de-CH-1901",
            "sl-IT-nedis",
            "hy-Latn-IT-arevela",
            "de-DE",
            "en-US",
            "es-419",
            "de-CH-x-phonebk",
            "az-Arab-x-AZE-derbend",
            "x-whatever",
            "qaa-Qaaa-QM-x-southern",
            "de-Qaaa",
            "sr-Latn-QM",
            "sr-Qaaa-RS",
            "en-US-u-islamcal",
            "zh-CN-a-myext-x-private",
            "en-a-myext-b-another",
            "EN",
            "und",
            "iw",
            "tlh",
            "qtz",
            "en-Qabx",
            "en-UK",
        ] {
            assert!(is_valid_tag(ok), "{ok}");
        }
        for bad in [
            "de-419-DE",
            "a-DE",
            "ar-a-aaa-b-bbb-a-ccc",
            "english",
            "en_US",
            "",
            "en-",
            "de-1901-1901",
            "de-1999",
            "['en']",
            "dutch",
            "cz",
            "jp",
            "dk",
            "ua",
            "zz",
            "xyz",
            "en-Abcd",
        ] {
            assert!(!is_valid_tag(bad), "{bad}");
        }
    }
}
