//! Plain-text cleanup: control characters, `format=flowed` and armored blocks.

/// Line ends made `\n`; control characters other than tab and line end removed.
pub(super) fn clean_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // C0 controls and DEL are single bytes; C1 controls (U+0080–U+009F) are C2 80–9F.
        let control_len = match b {
            b'\n' | b'\t' => 0,
            0..=0x1F | 0x7F => 1,
            0xC2 if matches!(bytes.get(i + 1), Some(0x80..=0x9F)) => 2,
            _ => 0,
        };
        if control_len == 0 {
            i += 1;
            continue;
        }
        out.push_str(&text[run_start..i]);
        if b == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            out.push('\n');
        }
        i += control_len;
        run_start = i;
    }
    out.push_str(&text[run_start..]);
    out
}

/// Joins the soft line breaks of RFC 3676 format=flowed text.
pub(super) fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut current: Option<(usize, String)> = None;
    let mut soft = false;
    let flush = |out: &mut String, current: Option<(usize, String)>| {
        if let Some((depth, line)) = current {
            if depth > 0 {
                out.push_str(&">".repeat(depth));
                out.push(' ');
            }
            // The signature separator keeps its trailing space.
            out.push_str(if line == "-- " {
                &line
            } else {
                line.trim_end()
            });
            out.push('\n');
        }
    };
    for line in text.split('\n') {
        let depth = line.bytes().take_while(|&b| b == b'>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let signature = content == "-- ";
        let flowed = content.ends_with(' ') && !signature;
        match &mut current {
            Some((d, buf)) if soft && *d == depth => buf.push_str(content),
            _ => {
                flush(&mut out, current.take());
                current = Some((depth, content.to_owned()));
            }
        }
        if flowed
            && delsp
            && let Some((_, buf)) = &mut current
        {
            buf.pop();
        }
        soft = flowed;
    }
    flush(&mut out, current);
    out.trim_end_matches('\n').to_owned()
}

/// Where `marker` starts a line in `text`.
pub(super) fn line_start_find(text: &str, marker: &str) -> Option<usize> {
    text.match_indices(marker)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
}

/// The armored block `-----BEGIN {label}-----` … `-----END {label}-----` (to the end of
/// the text when the end line is missing), when the begin line starts a line.
pub(super) fn armored_block<'t>(text: &'t str, label: &str) -> Option<&'t str> {
    armored_range(text, label).map(|range| &text[range])
}

pub(super) fn armored_range(text: &str, label: &str) -> Option<std::ops::Range<usize>> {
    let start = line_start_find(text, &format!("-----BEGIN {label}-----"))?;
    let end_marker = format!("-----END {label}-----");
    let end = text[start..]
        .find(&end_marker)
        .map_or(text.len(), |n| start + n + end_marker.len());
    Some(start..end)
}
