//! Small helpers for reading loosely typed JSON with path-carrying errors.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::ImportError;

pub(crate) fn err(path: &str, message: impl Into<String>) -> ImportError {
    ImportError {
        path: path.to_owned(),
        message: message.into(),
    }
}

pub(crate) fn obj<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ImportError> {
    v.as_object().ok_or_else(|| err(path, "expected an object"))
}

pub(crate) fn opt_str<'a>(
    o: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, ImportError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(err(&format!("{path}.{key}"), "expected a string")),
    }
}

pub(crate) fn req_str<'a>(
    o: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a str, ImportError> {
    opt_str(o, key, path)?.ok_or_else(|| err(&format!("{path}.{key}"), "missing"))
}

pub(crate) fn arr<'a>(
    o: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a [Value], ImportError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(err(&format!("{path}.{key}"), "expected an array")),
    }
}

pub(crate) fn str_list(
    o: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Vec<String>, ImportError> {
    arr(o, key, path)?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str()
                .map(|s| s.trim().to_owned())
                .ok_or_else(|| err(&format!("{path}.{key}[{i}]"), "expected a string"))
        })
        .filter(|r| r.as_ref().map_or(true, |s| !s.is_empty()))
        .collect()
}

/// Parses an RFC 3339 timestamp; a timestamp without a zone (older CVE records) is read as UTC.
pub(crate) fn timestamp(s: &str, path: &str) -> Result<Timestamp, ImportError> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>()
        && let Ok(z) = dt.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(z.timestamp());
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>()
        && let Ok(z) = d.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(z.timestamp());
    }
    Err(err(path, format!("not an RFC 3339 timestamp: {s:?}")))
}

pub(crate) fn opt_timestamp(
    o: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<Timestamp>, ImportError> {
    opt_str(o, key, path)?
        .map(|s| timestamp(s, &format!("{path}.{key}")))
        .transpose()
}

/// RFC 3339 UTC with a trailing `Z` (what OSV requires; fine for CVE and CSAF too).
pub(crate) fn ts(t: Timestamp) -> String {
    t.to_string()
}
