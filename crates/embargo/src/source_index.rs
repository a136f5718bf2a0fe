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

/// Most revisions a report names that are indexed for it (tags and commits).
pub const MAX_NAMED: usize = 3;
/// Indexes of named revisions kept between reports.
const CACHED_NAMED: usize = 8;

/// A git repository on this machine as a triage source (`embargo triage --source REPO`):
/// its default branch (`HEAD`) indexed once, and the tag or commit each report names indexed
/// on demand (at most [`MAX_NAMED`] per report, the last [`CACHED_NAMED`] kept).
#[derive(Debug)]
pub struct GitTree {
    repo: crate::git::Mirror,
    limits: crate::git::Limits,
    tags: Vec<String>,
    default: SourceIndex,
    default_commit: String,
    named: std::collections::VecDeque<(String, SourceIndex)>,
}

impl GitTree {
    /// Opens the repository at `path` (bare or a work tree) and indexes its `HEAD`.
    pub fn open(path: &Path, limits: crate::git::Limits) -> anyhow::Result<GitTree> {
        let repo = crate::git::Mirror::local(path, limits)?;
        let commit = repo
            .resolve(None, limits)?
            .ok_or_else(|| anyhow::anyhow!("HEAD names no commit"))?;
        let label = format!(
            "{} @ {}",
            head_name(&repo).unwrap_or_else(|| "HEAD".into()),
            &commit[..10]
        );
        let default = repo
            .index(&commit, &label, limits)?
            .at(triage::Revision::DefaultBranch);
        let tags = repo.tags(limits)?;
        Ok(GitTree {
            repo,
            limits,
            tags,
            default,
            default_commit: commit,
            named: std::collections::VecDeque::new(),
        })
    }

    /// The default branch's index.
    pub fn default_branch(&self) -> &SourceIndex {
        &self.default
    }

    /// The indexes to check a report naming `named` against: the default branch, then the
    /// tag or commit of each revision named (built now or taken from the cache). A revision
    /// that cannot be read is left out (the triage then says the version was not indexed).
    pub fn indexes_for(&mut self, named: &[triage::NamedRevision]) -> Vec<SourceIndex> {
        let mut out = vec![self.default.clone()];
        for (label, revision, commit) in
            self.repo
                .named_commits(named, &self.tags, MAX_NAMED, self.limits)
        {
            let index = if commit == self.default_commit {
                self.default.with_label(label)
            } else if let Some(pos) = self.named.iter().position(|(c, _)| *c == commit) {
                let entry = self.named.remove(pos);
                let Some(entry) = entry else { continue };
                let index = entry.1.with_label(label);
                self.named.push_back(entry);
                index
            } else {
                match self.repo.index(&commit, &label, self.limits) {
                    Ok(index) => {
                        self.named.push_back((commit, index.clone()));
                        while self.named.len() > CACHED_NAMED {
                            self.named.pop_front();
                        }
                        index
                    }
                    Err(_) => continue,
                }
            };
            out.push(index.at(revision));
        }
        out
    }
}

/// The branch `HEAD` points at (`main`), if it is a branch.
fn head_name(repo: &crate::git::Mirror) -> Option<String> {
    let head = std::fs::read_to_string(repo.dir().join("HEAD")).ok()?;
    head.trim()
        .strip_prefix("ref: refs/heads/")
        .map(str::to_owned)
}
