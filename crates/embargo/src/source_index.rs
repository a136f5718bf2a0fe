//! A triage source tree read from a directory on this machine (a configured local source,
//! or `embargo triage --source DIR`).

use std::path::Path;
use triage::{SourceIndex, SourceIndexBuilder};

/// Indexes the source tree at `root` under the name `label` (shown in findings).
pub fn index_dir_as(root: &Path, label: &str) -> anyhow::Result<SourceIndex> {
    let meta = std::fs::metadata(root)?;
    anyhow::ensure!(meta.is_dir(), "not a directory");
    let mut b = SourceIndexBuilder::new(label);
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            let Ok(rel) = p.strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let Ok(ft) = e.file_type() else { continue };
            if !triage::is_indexable_path(&rel) || ft.is_symlink() {
                continue;
            }
            if ft.is_dir() {
                stack.push(p);
            } else if e
                .metadata()
                .map(|m| m.len() as usize <= triage::MAX_FILE_BYTES)
                .unwrap_or(false)
            {
                if let Ok(bytes) = std::fs::read(&p) {
                    b.add_file(&rel, &bytes);
                }
            } else {
                b.add_file(&rel, &[]);
            }
        }
    }
    Ok(b.finish())
}
