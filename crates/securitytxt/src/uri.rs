//! RFC 3986 URI checks, written by hand: WHATWG URL parsers accept raw spaces and other
//! characters that RFC 3986 (and so RFC 9116) does not.

/// The scheme of `value`, found the way Python's `urlsplit` (and so `sectxt`) finds it: the
/// text before the first colon, if it starts with an ASCII letter and holds only letters,
/// digits, `+`, `-` and `.`.
pub(crate) fn scheme_of(value: &str) -> Option<&str> {
    let bytes = value.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        if b == b':' {
            return Some(&value[..i]);
        }
        if !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) {
            return None;
        }
    }
    None
}

const fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

const fn is_sub_delim(c: char) -> bool {
    matches!(
        c,
        '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '='
    )
}

const fn is_gen_delim(c: char) -> bool {
    matches!(c, ':' | '/' | '?' | '#' | '[' | ']' | '@')
}

/// ASCII characters allowed in an RFC 3986 URI (unreserved, sub-delims, gen-delims).
const URI_CHAR: [bool; 128] = {
    let mut t = [false; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8 as char;
        t[i] = is_unreserved(c) || is_sub_delim(c) || is_gen_delim(c);
        i += 1;
    }
    t
};

fn describe(c: char) -> String {
    match c {
        ' ' => "a raw space".to_string(),
        '\t' => "a raw tab".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("the character '{c}' (U+{:04X})", c as u32),
    }
}

/// Checks `value` (which has a scheme) against RFC 3986 `URI`; the error is a detail for the
/// finding message.
pub(crate) fn check(value: &str) -> Result<(), String> {
    let bytes = value.as_bytes();
    let mut brackets = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        brackets |= b == b'[' || b == b']';
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).unwrap_or(b"");
            if hex.len() != 2 || !hex.iter().all(u8::is_ascii_hexdigit) {
                return Err(format!(
                    "'%' at column {} does not start a percent-encoding (%XX)",
                    value[..i].chars().count() + 1
                ));
            }
            i += 3;
            continue;
        }
        if !(b.is_ascii() && URI_CHAR[b as usize]) {
            let c = value[i..].chars().next().unwrap_or('?');
            let column = value[..i].chars().count() + 1;
            return Err(format!(
                "{} at column {column} must be percent-encoded",
                describe(c)
            ));
        }
        i += 1;
    }
    let Some(scheme) = scheme_of(value) else {
        return Err("no scheme".to_string());
    };
    let rest = &value[scheme.len() + 1..];
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    if let Some(f) = fragment
        && (f.as_bytes().contains(&b'#') || (brackets && f.contains(['[', ']'])))
    {
        return Err("the fragment contains '#', '[' or ']'".to_string());
    }
    let (hier, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    if let Some(q) = query
        && brackets
        && q.contains(['[', ']'])
    {
        return Err("the query contains '[' or ']'".to_string());
    }
    let path = if let Some(after) = hier.strip_prefix("//") {
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        check_authority(authority, scheme)?;
        path
    } else {
        if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
            return Err(format!("a {scheme} URI needs '//' and a host"));
        }
        hier
    };
    if brackets && path.contains(['[', ']']) {
        return Err("the path contains '[' or ']'".to_string());
    }
    if scheme.eq_ignore_ascii_case("mailto") {
        let to = hier;
        let has_to_header = query.is_some_and(|q| {
            q.split('&')
                .any(|h| h.len() > 3 && h.as_bytes()[..3].eq_ignore_ascii_case(b"to="))
        });
        if !to.contains('@') && !has_to_header {
            return Err("a mailto: URI needs an e-mail address (local@domain)".to_string());
        }
    }
    if scheme.eq_ignore_ascii_case("tel") && hier.is_empty() {
        return Err("a tel: URI needs a number".to_string());
    }
    if hier.is_empty() && query.is_none() && fragment.is_none() {
        return Err(format!("nothing follows '{scheme}:'"));
    }
    Ok(())
}

fn check_authority(authority: &str, scheme: &str) -> Result<(), String> {
    let host_port = match authority.rsplit_once('@') {
        Some((userinfo, hp)) => {
            if userinfo.contains(['@', '[', ']']) {
                return Err("the user information contains '@', '[' or ']'".to_string());
            }
            hp
        }
        None => authority,
    };
    let (host, port) = if let Some(rest) = host_port.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err("an IP literal is missing its ']'".to_string());
        };
        let literal = &rest[..end];
        if literal.is_empty()
            || !literal
                .chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.' | 'v' | 'V'))
        {
            return Err("the IP literal is not an IPv6 address".to_string());
        }
        let after = &rest[end + 1..];
        match after.strip_prefix(':') {
            Some(p) => (&host_port[..end + 2], Some(p)),
            None if after.is_empty() => (&host_port[..end + 2], None),
            None => return Err("unexpected text after the IP literal".to_string()),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if !host.starts_with('[') && host.contains(['[', ']', ':']) {
        return Err(format!("the host '{host}' is not valid"));
    }
    if let Some(p) = port
        && !p.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("the port '{p}' is not a number"));
    }
    if host.is_empty()
        && (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
    {
        return Err("the host is empty".to_string());
    }
    Ok(())
}

/// The path of an `http`/`https` URI (without query or fragment), if `value` is one.
pub(crate) fn web_path(value: &str) -> Option<&str> {
    let scheme = scheme_of(value)?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let after = value[scheme.len() + 1..].strip_prefix("//")?;
    let end = after
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(after.len());
    let after = &after[..end];
    after.bytes().position(|b| b == b'/').map(|i| &after[i..])
}

/// Schemes that, seen after a comma, mean several URIs were chained into one value.
const CHAIN_SCHEMES: &[&str] = &[
    "http",
    "https",
    "mailto",
    "tel",
    "dns",
    "openpgp4fpr",
    "ftp",
];

/// Whether `value` chains several URIs with commas (`https://a, https://b`).
pub(crate) fn is_chained(value: &str) -> bool {
    if !value.as_bytes().contains(&b',') {
        return false;
    }
    value.split(',').skip(1).any(|piece| {
        let piece = piece.trim_start_matches([' ', '\t']);
        scheme_of(piece).is_some_and(|s| {
            CHAIN_SCHEMES.iter().any(|k| k.eq_ignore_ascii_case(s)) && (piece.len() > s.len() + 1)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_like_urlsplit() {
        assert_eq!(scheme_of("mailto:a@b"), Some("mailto"));
        assert_eq!(scheme_of("security@example.com"), None);
        assert_eq!(scheme_of("'https://x'"), None);
        assert_eq!(scheme_of("+31-50-3133636"), None);
        assert_eq!(scheme_of("1http://x"), None);
    }

    #[test]
    fn rfc3986_examples() {
        for ok in [
            "https://example.com/.well-known/security.txt",
            "mailto:security@example.com",
            "mailto:security@example.com?subject=Hello%20there",
            "tel:+1-201-555-0123",
            "openpgp4fpr:65EEFE022108E2B708CBFCF7F9E712E59AF5F22A",
            "dns:5d2d37ab76d47d36._openpgpkey.example.com?type=OPENPGPKEY",
            "https://[2001:db8::1]:8443/a",
            "https://tech.lgbt/@AnalogCyan/",
            "https://user:pw@example.com:443/x?y=z#frag",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "mailto:a@b.c?subject=two words",
            "https://example.com/a b",
            "https://example.com/%zz",
            "https://exa mple.com/",
            "https:///path",
            "https:example.com",
            "mailto:nobody",
            "https://example.com/ä",
            "https://example.com:80a/",
            "https://example.com/#a#b",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn chains() {
        assert!(is_chained("https://a.example, https://b.example"));
        assert!(is_chained("mailto:a@b.c,mailto:d@e.f"));
        assert!(!is_chained("https://a.example/?q=1,2"));
        assert!(!is_chained("https://a.example/x,https"));
    }

    #[test]
    fn web_paths() {
        assert_eq!(
            web_path("https://a.example/.well-known/x?y"),
            Some("/.well-known/x")
        );
        assert_eq!(web_path("https://a.example"), None);
        assert_eq!(web_path("mailto:a@b"), None);
    }
}
