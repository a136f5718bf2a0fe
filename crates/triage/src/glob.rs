//! Path globs as written in a policy's `out_of_scope_paths`: `*` within one path component,
//! `**` across components, `?` one character. A glob without `/` matches the file name.

/// Whether `path` matches `glob`.
pub fn glob_match(glob: &str, path: &str) -> bool {
    let glob = glob.trim().trim_start_matches("./").trim_start_matches('/');
    let path = path.trim_start_matches("./").trim_start_matches('/');
    if !glob.contains('/') {
        let base = path.rsplit('/').next().unwrap_or(path);
        return matches(glob.as_bytes(), base.as_bytes());
    }
    // `dir/` means everything below dir.
    if let Some(dir) = glob.strip_suffix('/') {
        return matches(format!("{dir}/**").as_bytes(), path.as_bytes());
    }
    matches(glob.as_bytes(), path.as_bytes())
}

fn matches(g: &[u8], p: &[u8]) -> bool {
    match g.first() {
        None => p.is_empty(),
        Some(b'*') if g.get(1) == Some(&b'*') => {
            let mut rest = &g[2..];
            if rest.first() == Some(&b'/') {
                rest = &rest[1..];
                // `**/` matches zero or more whole components.
                if matches(rest, p) {
                    return true;
                }
                return p
                    .iter()
                    .enumerate()
                    .any(|(i, &c)| c == b'/' && matches(rest, &p[i + 1..]));
            }
            (0..=p.len()).any(|i| matches(rest, &p[i..]))
        }
        Some(b'*') => {
            let rest = &g[1..];
            for i in 0..=p.len() {
                if matches(rest, &p[i..]) {
                    return true;
                }
                if i < p.len() && p[i] == b'/' {
                    break;
                }
            }
            false
        }
        Some(b'?') => !p.is_empty() && p[0] != b'/' && matches(&g[1..], &p[1..]),
        Some(&c) => !p.is_empty() && p[0] == c && matches(&g[1..], &p[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("tests/**", "tests/unit/unit1300.c"));
        assert!(glob_match(
            "docs/examples/**",
            "docs/examples/hsts-preload.c"
        ));
        assert!(!glob_match("docs/examples/**", "lib/hsts.c"));
        assert!(glob_match("**/test_*.py", "pkg/sub/test_x.py"));
        assert!(glob_match("**/test_*.py", "test_x.py"));
        assert!(glob_match("*.md", "docs/README.md"));
        assert!(!glob_match("lib/*.c", "lib/vtls/openssl.c"));
        assert!(glob_match("lib/*.c", "lib/url.c"));
        assert!(glob_match("tests/", "tests/a/b"));
        assert!(glob_match("lib/debug?.c", "lib/debug1.c"));
    }
}
