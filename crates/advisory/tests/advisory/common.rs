use std::path::PathBuf;

use serde_json::Value;

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// `(file name, parsed JSON)` of every `.json` file in `tests/data/<dir>`, sorted by name.
pub fn records(dir: &str) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(data_dir().join(dir))
        .expect("test data directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable test file");
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            (
                name,
                serde_json::from_str(&text).expect("test file is JSON"),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub fn record(dir: &str, name: &str) -> Value {
    let text =
        std::fs::read_to_string(data_dir().join(dir).join(name)).expect("readable test file");
    serde_json::from_str(&text).expect("test file is JSON")
}

pub fn strs(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

pub fn ts(s: &str) -> jiff::Timestamp {
    s.parse().expect("timestamp in test data")
}
