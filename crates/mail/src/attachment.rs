//! Attachment triage: what kind of file is this (by declared type, extension and leading
//! bytes), is it text, and what may its name be.

use crate::message::AttachmentRefusal;

/// Longest sanitised file name, in characters.
pub const MAX_FILENAME_CHARS: usize = 100;
/// Share of control characters (other than tab, line ends, form feed and escape) above
/// which decoded text is treated as binary: one in a hundred.
const MAX_CONTROL_PER_MILLE: usize = 10;

/// Extensions of text files that may arrive as `application/octet-stream` in a legacy
/// charset; these are read as Windows-1252 rather than refused.
const TEXT_EXTENSIONS: [&str; 34] = [
    "txt", "log", "patch", "diff", "py", "c", "h", "cc", "cpp", "hpp", "rs", "go", "js", "ts",
    "java", "rb", "pl", "php", "sh", "bash", "ps1", "bat", "cmd", "html", "htm", "xml", "json",
    "yaml", "yml", "md", "csv", "ini", "conf", "sql",
];

/// Sorted from most to least dangerous; [`classify`] reports the first that any signal gives.
const SEVERITY: [AttachmentRefusal; 7] = [
    AttachmentRefusal::Executable,
    AttachmentRefusal::Archive,
    AttachmentRefusal::OfficeDocument,
    AttachmentRefusal::Pdf,
    AttachmentRefusal::Image,
    AttachmentRefusal::Media,
    AttachmentRefusal::Binary,
];

/// The refused kind of an attachment, from its declared `content_type` (lower case
/// `type/subtype`), its `filename` and its decoded `bytes`; `None` when nothing marks it as
/// a refused kind (it may still turn out not to be text).
pub fn classify(
    content_type: &str,
    filename: Option<&str>,
    bytes: &[u8],
) -> Option<AttachmentRefusal> {
    let by_extension = filename
        .and_then(extension)
        .and_then(|e| kind_of_extension(&e));
    let by_type = kind_of_content_type(content_type);
    let by_magic = match magic(bytes) {
        Some(Magic::Zip) => Some(
            if by_extension == Some(AttachmentRefusal::OfficeDocument)
                || by_type == Some(AttachmentRefusal::OfficeDocument)
            {
                AttachmentRefusal::OfficeDocument
            } else {
                AttachmentRefusal::Archive
            },
        ),
        Some(Magic::Kind(kind)) => Some(kind),
        None => None,
    };
    SEVERITY
        .into_iter()
        .find(|k| [by_extension, by_type, by_magic].contains(&Some(*k)))
}

/// The lower-case extension of a file name, if it has one.
pub fn extension(filename: &str) -> Option<String> {
    let (stem, ext) = filename.rsplit_once('.')?;
    if stem.is_empty() || ext.is_empty() || ext.len() > 10 {
        return None;
    }
    Some(ext.to_ascii_lowercase())
}

fn kind_of_extension(ext: &str) -> Option<AttachmentRefusal> {
    use AttachmentRefusal::*;
    Some(match ext {
        "pdf" => Pdf,
        "doc" | "docx" | "docm" | "dot" | "dotx" | "dotm" | "xls" | "xlsx" | "xlsm" | "xlsb"
        | "xlt" | "xltx" | "ppt" | "pptx" | "pptm" | "pps" | "ppsx" | "odt" | "ods" | "odp"
        | "odg" | "rtf" | "pages" | "numbers" | "key" | "wpd" | "msg" | "one" | "vsd" | "vsdx"
        | "pub" | "xps" | "epub" => OfficeDocument,
        "exe" | "dll" | "scr" | "com" | "msi" | "msp" | "cpl" | "sys" | "drv" | "ocx" | "so"
        | "dylib" | "elf" | "apk" | "ipa" | "jar" | "class" | "dex" | "deb" | "rpm" | "pkg"
        | "dmg" | "appimage" | "wasm" | "lnk" | "xpi" | "crx" | "msix" | "appx" => Executable,
        "zip" | "7z" | "rar" | "tar" | "gz" | "tgz" | "bz2" | "tbz" | "tbz2" | "xz" | "txz"
        | "zst" | "lz" | "lzma" | "lz4" | "cab" | "iso" | "img" | "arj" | "lzh" | "ace"
        | "cpio" | "z" | "war" | "ear" | "vhd" | "vmdk" => Archive,
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "bmp" | "tif" | "tiff" | "ico" | "heic"
        | "heif" | "avif" | "psd" => Image,
        "mp3" | "mp4" | "mov" | "avi" | "mkv" | "wav" | "flac" | "ogg" | "webm" | "m4a" | "m4v"
        | "wmv" | "aac" => Media,
        "bin" | "dat" | "pcap" | "pcapng" | "core" | "dump" | "dmp" => Binary,
        _ => return None,
    })
}

fn kind_of_content_type(content_type: &str) -> Option<AttachmentRefusal> {
    use AttachmentRefusal::*;
    let (top, sub) = content_type.split_once('/').unwrap_or((content_type, ""));
    match top {
        "image" if sub != "svg+xml" => return Some(Image),
        "audio" | "video" => return Some(Media),
        "font" | "model" => return Some(Binary),
        "application" => {}
        _ => return None,
    }
    if sub.starts_with("vnd.openxmlformats-officedocument.")
        || sub.starts_with("vnd.oasis.opendocument.")
        || sub.starts_with("vnd.ms-word")
        || sub.starts_with("vnd.ms-excel")
        || sub.starts_with("vnd.ms-powerpoint")
        || sub.starts_with("vnd.apple.")
    {
        return Some(OfficeDocument);
    }
    Some(match sub {
        "pdf" | "x-pdf" => Pdf,
        "msword" | "rtf" | "ms-tnef" | "vnd.ms-tnef" | "vnd.ms-outlook" | "vnd.visio"
        | "vnd.ms-xpsdocument" | "epub+zip" => OfficeDocument,
        "x-msdownload"
        | "x-msdos-program"
        | "x-dosexec"
        | "x-executable"
        | "x-elf"
        | "x-sharedlib"
        | "x-mach-binary"
        | "vnd.microsoft.portable-executable"
        | "x-msi"
        | "x-ms-installer"
        | "java-archive"
        | "x-java-archive"
        | "java-vm"
        | "vnd.android.package-archive"
        | "x-apple-diskimage"
        | "vnd.debian.binary-package"
        | "x-rpm"
        | "x-redhat-package-manager"
        | "wasm"
        | "x-ms-shortcut" => Executable,
        "zip"
        | "x-zip"
        | "x-zip-compressed"
        | "gzip"
        | "x-gzip"
        | "x-tar"
        | "x-gtar"
        | "x-7z-compressed"
        | "x-rar"
        | "x-rar-compressed"
        | "vnd.rar"
        | "x-bzip"
        | "x-bzip2"
        | "x-xz"
        | "zstd"
        | "x-zstd"
        | "x-lzma"
        | "x-lzip"
        | "x-compress"
        | "x-compressed"
        | "vnd.ms-cab-compressed"
        | "x-iso9660-image"
        | "x-archive"
        | "x-cpio"
        | "x-lz4" => Archive,
        _ => return None,
    })
}

enum Magic {
    Zip,
    Kind(AttachmentRefusal),
}

/// Recognises the leading bytes of common binary formats.
fn magic(b: &[u8]) -> Option<Magic> {
    use AttachmentRefusal::*;
    let at = |offset: usize, sig: &[u8]| b.get(offset..offset + sig.len()) == Some(sig);
    let has_nul_early = b.iter().take(256).any(|&c| c == 0);
    if at(0, b"PK\x03\x04") || at(0, b"PK\x05\x06") || at(0, b"PK\x07\x08") {
        return Some(Magic::Zip);
    }
    let kind = if b[..b.len().min(1024)].windows(5).any(|w| w == b"%PDF-") {
        Pdf
    } else if at(0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
        || at(0, b"{\\rtf")
        || at(0, b"\x78\x9F\x3E\x22")
    {
        OfficeDocument
    } else if (at(0, b"MZ") && has_nul_early)
        || at(0, b"\x7FELF")
        || at(0, b"\xFE\xED\xFA\xCE")
        || at(0, b"\xFE\xED\xFA\xCF")
        || at(0, b"\xCE\xFA\xED\xFE")
        || at(0, b"\xCF\xFA\xED\xFE")
        || at(0, b"\xCA\xFE\xBA\xBE")
        || at(0, b"\0asm")
        || at(0, b"dex\n")
    {
        Executable
    } else if at(0, b"\x1F\x8B")
        || (at(0, b"BZh") && (at(4, b"1AY&SY") || at(4, b"\x17\x72\x45\x38\x50\x90")))
        || at(0, b"\xFD7zXZ\0")
        || at(0, b"7z\xBC\xAF\x27\x1C")
        || at(0, b"Rar!\x1A\x07")
        || at(0, b"\x28\xB5\x2F\xFD")
        || (at(0, b"MSCF") && has_nul_early)
        || at(257, b"ustar")
        || at(0, b"\x04\x22\x4D\x18")
        || at(0, b"!<arch>\n")
        || at(0x8001, b"CD001")
    {
        Archive
    } else if at(0, b"\x89PNG\r\n\x1A\n")
        || at(0, b"\xFF\xD8\xFF")
        || at(0, b"GIF87a")
        || at(0, b"GIF89a")
        || (at(0, b"RIFF") && at(8, b"WEBP"))
        || at(0, b"II*\0")
        || at(0, b"MM\0*")
        || (at(0, b"BM") && has_nul_early)
        || at(0, b"\0\0\x01\0")
        || at(4, b"ftypheic")
        || at(4, b"ftypavif")
        || at(0, b"8BPS")
    {
        Image
    } else if at(0, b"ID3")
        || at(0, b"OggS")
        || at(0, b"fLaC")
        || (at(0, b"RIFF") && (at(8, b"WAVE") || at(8, b"AVI ")))
        || at(4, b"ftyp")
        || at(0, b"\x1A\x45\xDF\xA3")
    {
        Media
    } else {
        return None;
    };
    Some(Magic::Kind(kind))
}

/// Whether decoded text reads as text: no NUL, and at most one control character in a
/// hundred (tab, line ends, form feed and escape do not count).
pub fn looks_textual(text: &str) -> bool {
    let mut chars = 0usize;
    let mut controls = 0usize;
    for c in text.chars() {
        chars += 1;
        if c == '\0' {
            return false;
        }
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C' | '\x1B') {
            controls += 1;
        }
    }
    controls * 1000 <= chars * MAX_CONTROL_PER_MILLE
}

/// Decoded bytes of an attachment as text: UTF-8 (a BOM is dropped), UTF-16 with a BOM,
/// or — for a known text extension only — Windows-1252 (the flag says so). `None` when it
/// is not text.
pub fn bytes_to_text(bytes: &[u8], filename: Option<&str>) -> Option<(String, bool)> {
    let unbom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(unbom) {
        return looks_textual(text).then(|| (text.to_owned(), false));
    }
    if (bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF"))
        && bytes.len().is_multiple_of(2)
    {
        let decode = mail_parser::decoders::charsets::map::charset_decoder(b"utf-16")?;
        let text = decode(bytes);
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text).to_owned();
        return looks_textual(&text).then_some((text, false));
    }
    let known_text = filename
        .and_then(extension)
        .is_some_and(|e| TEXT_EXTENSIONS.contains(&e.as_str()));
    if known_text && !bytes.contains(&0) {
        let decode = mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252")?;
        let text = decode(bytes);
        return looks_textual(&text).then_some((text, true));
    }
    None
}

/// A file name safe to show and to store: the last path component; control characters
/// and `<>:"|?*` replaced by `_`; bidirectional overrides and invisible characters
/// removed (so `evil\u{202E}txt.exe` cannot pose as `evilexe.txt`); no leading or trailing
/// dots or spaces; at most [`MAX_FILENAME_CHARS`] characters, keeping the extension.
/// `None` when nothing is left.
pub fn sanitize_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut out = String::with_capacity(base.len());
    for c in base.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
            out.push('_');
        } else if c.is_whitespace() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    let trimmed = out.trim_matches(|c: char| c == '.' || c == ' ');
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.chars().count() <= MAX_FILENAME_CHARS {
        return Some(trimmed.to_owned());
    }
    let ext = extension(trimmed)
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let keep = MAX_FILENAME_CHARS - ext.chars().count();
    let stem: String = trimmed.chars().take(keep).collect();
    Some(format!("{}{ext}", stem.trim_end_matches(['.', ' '])))
}

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}' | '\u{061C}' | '\u{00AD}')
}

/// The extension to give an attachment that has no name, from its content type.
pub fn default_extension(content_type: &str) -> &'static str {
    match content_type {
        "text/html" => ".html",
        "text/x-diff" | "text/x-patch" | "text/x-diff-index" => ".patch",
        "message/rfc822" | "message/global" => ".eml",
        "text/csv" => ".csv",
        "application/json" => ".json",
        "text/xml" | "application/xml" => ".xml",
        "text/calendar" => ".ics",
        "application/pgp-keys" | "application/pgp-signature" | "application/pgp-encrypted" => {
            ".asc"
        }
        _ => ".txt",
    }
}
