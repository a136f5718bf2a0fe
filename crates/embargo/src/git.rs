//! Git repositories as triage sources, through the machine's `git` command.
//!
//! Each git URL gets a bare mirror under `<data_dir>/sources/` (named by the URL's SHA-256),
//! cloned once and fetched again on a schedule. Trees are read straight from the mirror
//! (`git ls-tree` and `git cat-file --batch`): nothing is checked out, so no hook, filter or
//! attribute of the repository ever runs. Every command runs with a time limit, without the
//! user's or the system's git configuration, with hooks disabled, and with only the https,
//! ssh and file transports allowed (never `ext::`); URLs and refs were checked by
//! [`triage::source`] and follow `--` / `--end-of-options` on the command line.

use anyhow::{Context as _, bail};
use sha2::Digest;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Most files read from one tree.
const MAX_TREE_FILES: usize = 200_000;
/// Most bytes of file contents read from one tree.
const MAX_TREE_BYTES: u64 = 512 * 1024 * 1024;
/// Longest error text kept from git's own messages.
const MAX_ERROR: usize = 500;

/// How long a git command may run and how large a mirror may grow.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    pub max_bytes: u64,
}

/// The bare mirror of one git URL.
#[derive(Debug, Clone)]
pub struct Mirror {
    dir: PathBuf,
}

/// `git` with a configuration nobody else controls.
fn git() -> Command {
    let mut cmd = Command::new("git");
    cmd.env_clear();
    for keep in ["PATH", "HOME", "SSH_AUTH_SOCK", "TMPDIR"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    cmd.env("LC_ALL", "C")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "/bin/false")
        .env("GIT_ALLOW_PROTOCOL", "https:ssh:file")
        .env("GIT_PROTOCOL_FROM_USER", "0")
        .env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
        .args([
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "protocol.ext.allow=never",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "submodule.recurse=false",
            "-c",
            "credential.helper=",
        ])
        .stdin(Stdio::null());
    cmd
}

/// Runs a command to its end within `timeout`, returning its standard output; a non-zero
/// exit is an error carrying the start of its standard error.
fn run(mut cmd: Command, timeout: Duration) -> anyhow::Result<Vec<u8>> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().context("cannot run git (is it installed?)")?;
    let mut out = child.stdout.take().context("no stdout")?;
    let mut err = child.stderr.take().context("no stderr")?;
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut err).take(64 * 1024).read_to_end(&mut buf);
        let _ = std::io::copy(&mut err, &mut std::io::sink());
        buf
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("git took longer than {} s", timeout.as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        let text = String::from_utf8_lossy(&stderr);
        let text: String = text.trim().chars().take(MAX_ERROR).collect();
        bail!("git failed ({status}): {text}");
    }
    Ok(stdout)
}

/// Total size of the files under a directory.
fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => total += e.metadata().map(|m| m.len()).unwrap_or(0),
                _ => {}
            }
        }
    }
    total
}

impl Mirror {
    /// The mirror of `url` under `root`.
    pub fn for_url(root: &Path, url: &str) -> Mirror {
        let digest = hex::encode(sha2::Sha256::digest(url.as_bytes()));
        Mirror {
            dir: root.join(format!("{}.git", &digest[..32])),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A repository on this machine, read in place: a bare repository or a work tree (its
    /// `.git`, wherever that points). Nothing is fetched or checked out; the default branch
    /// is its `HEAD`.
    pub fn local(path: &Path, limits: Limits) -> anyhow::Result<Mirror> {
        let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
        anyhow::ensure!(meta.is_dir(), "not a directory");
        if path.join("HEAD").is_file() && path.join("objects").is_dir() {
            return Ok(Mirror {
                dir: path.to_path_buf(),
            });
        }
        anyhow::ensure!(path.join(".git").exists(), "not a git repository");
        let mut cmd = git();
        cmd.arg("-C")
            .arg(path)
            .args(["rev-parse", "--absolute-git-dir"]);
        let out = run(cmd, limits.timeout)?;
        let dir = PathBuf::from(String::from_utf8_lossy(&out).trim());
        anyhow::ensure!(dir.join("HEAD").is_file(), "not a git repository");
        Ok(Mirror { dir })
    }

    /// Whether `path` is a git repository (bare, or a work tree with its `.git`).
    pub fn is_repository(path: &Path) -> bool {
        path.join("HEAD").is_file() && path.join("objects").is_dir() || path.join(".git").exists()
    }

    /// The revisions a report names, as commits to index besides the default branch: the
    /// tag of each release of the project it names (`1.0.0` → `v1.0.0`, `curl-1_0_0`, …)
    /// and each commit id it names, at most `max`. Each comes with the label findings show
    /// (`v1.0.0 (1.0.0) @ 3f2a1c4e5d`) and its [`triage::Revision`]. Versions without a
    /// tag are returned apart (the triage says so by itself).
    pub fn named_commits(
        &self,
        named: &[triage::NamedRevision],
        tags: &[String],
        max: usize,
        limits: Limits,
    ) -> Vec<(String, triage::Revision, String)> {
        let plan = triage::source::plan_revisions(named, tags, max);
        let mut out = Vec::new();
        for (version, tag) in plan.tags {
            if let Ok(Some(c)) = self.resolve(Some(tag), limits) {
                out.push((
                    format!("{tag} ({version}) @ {}", &c[..10]),
                    triage::Revision::Named(version),
                    c,
                ));
            }
        }
        for id in plan.commits {
            if let Ok(Some(c)) = self.resolve(Some(&id), limits) {
                out.push((
                    format!("commit {id} @ {}", &c[..10]),
                    triage::Revision::Named(id),
                    c,
                ));
            }
        }
        out
    }

    pub fn exists(&self) -> bool {
        self.dir.join("HEAD").is_file()
    }

    fn at(&self) -> Command {
        let mut cmd = git();
        cmd.arg("--git-dir").arg(&self.dir);
        cmd
    }

    /// Clones the mirror if it is not there yet, fetches it otherwise; refuses (and removes)
    /// a mirror larger than the limit.
    pub fn sync(&self, url: &str, limits: Limits) -> anyhow::Result<()> {
        if self.exists() {
            let mut cmd = self.at();
            cmd.args([
                "fetch",
                "--prune",
                "--quiet",
                "--no-write-fetch-head",
                "origin",
            ]);
            run(cmd, limits.timeout)?;
        } else {
            let parent = self.dir.parent().context("mirror without a parent")?;
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
            let tmp = parent.join(format!(".clone-{}", uuid::Uuid::new_v4().simple()));
            let mut cmd = git();
            cmd.args(["clone", "--mirror", "--quiet", "--template=", "--"])
                .arg(url)
                .arg(&tmp);
            if let Err(e) = run(cmd, limits.timeout) {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(e);
            }
            if dir_size(&tmp) > limits.max_bytes {
                let _ = std::fs::remove_dir_all(&tmp);
                bail!(
                    "the repository is larger than the limit of {} MiB",
                    limits.max_bytes / (1024 * 1024)
                );
            }
            if let Err(e) = std::fs::rename(&tmp, &self.dir) {
                let _ = std::fs::remove_dir_all(&tmp);
                if !self.exists() {
                    return Err(e).context("cannot move the new mirror in place");
                }
            }
            return Ok(());
        }
        if dir_size(&self.dir) > limits.max_bytes {
            let _ = std::fs::remove_dir_all(&self.dir);
            bail!(
                "the repository grew beyond the limit of {} MiB",
                limits.max_bytes / (1024 * 1024)
            );
        }
        Ok(())
    }

    /// The commit a branch or tag (or, for `None`, the remote's default branch) points at.
    pub fn resolve(&self, name: Option<&str>, limits: Limits) -> anyhow::Result<Option<String>> {
        let rev = match name {
            Some(n) => {
                triage::source::check_ref_name(n).map_err(|e| anyhow::anyhow!("ref: {e}"))?;
                format!("{n}^{{commit}}")
            }
            None => "HEAD^{commit}".to_owned(),
        };
        let mut cmd = self.at();
        cmd.args(["rev-parse", "--verify", "--quiet", "--end-of-options", &rev]);
        match run(cmd, limits.timeout) {
            Ok(out) => {
                let id = String::from_utf8_lossy(&out).trim().to_owned();
                Ok((id.len() >= 40 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id))
            }
            Err(_) => Ok(None),
        }
    }

    /// The repository's tag names.
    pub fn tags(&self, limits: Limits) -> anyhow::Result<Vec<String>> {
        let mut cmd = self.at();
        cmd.args(["for-each-ref", "--format=%(refname:strip=2)", "refs/tags"]);
        let out = run(cmd, limits.timeout)?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_owned)
            .filter(|t| !t.is_empty())
            .collect())
    }

    /// Builds the source index of one commit from the mirror's objects.
    pub fn index(
        &self,
        commit: &str,
        label: &str,
        limits: Limits,
    ) -> anyhow::Result<triage::SourceIndex> {
        if commit.len() < 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("not a commit id");
        }
        let mut cmd = self.at();
        cmd.args(["ls-tree", "-r", "-z", "--long", "--end-of-options", commit]);
        let listing = run(cmd, limits.timeout)?;
        let mut builder = triage::SourceIndexBuilder::new(label);
        // (object id, path) of the blobs to read, in listing order.
        let mut wanted: Vec<(String, String)> = Vec::new();
        let mut total: u64 = 0;
        for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            if wanted.len() >= MAX_TREE_FILES {
                break;
            }
            let Some(tab) = entry.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let head = String::from_utf8_lossy(&entry[..tab]);
            let path = String::from_utf8_lossy(&entry[tab + 1..]).into_owned();
            let mut fields = head.split_whitespace();
            let (Some(mode), Some(kind), Some(object), Some(size)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            // Regular files only: no symbolic links, no submodules.
            if kind != "blob" || !mode.starts_with("100") || !triage::is_indexable_path(&path) {
                continue;
            }
            let size: u64 = size.parse().unwrap_or(u64::MAX);
            if size > triage::MAX_FILE_BYTES as u64 || total.saturating_add(size) > MAX_TREE_BYTES {
                builder.add_file(&path, &[]);
                continue;
            }
            total += size;
            wanted.push((object.to_owned(), path));
        }
        self.read_blobs(&wanted, limits, |path, bytes| builder.add_file(path, bytes))?;
        Ok(builder.finish())
    }

    /// Reads blobs with one `git cat-file --batch`, in order.
    fn read_blobs(
        &self,
        wanted: &[(String, String)],
        limits: Limits,
        mut each: impl FnMut(&str, &[u8]),
    ) -> anyhow::Result<()> {
        if wanted.is_empty() {
            return Ok(());
        }
        let mut cmd = self.at();
        cmd.args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().context("cannot run git (is it installed?)")?;
        let mut stdin = child.stdin.take().context("no stdin")?;
        let ids: Vec<String> = wanted.iter().map(|(id, _)| id.clone()).collect();
        // A writer of its own, so git never blocks on a full pipe while we read.
        let writer = std::thread::spawn(move || {
            for id in ids {
                if writeln!(stdin, "{id}").is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + limits.timeout;
        let mut out = BufReader::new(child.stdout.take().context("no stdout")?);
        let result = (|| -> anyhow::Result<()> {
            let mut header = String::new();
            for (_, path) in wanted {
                if Instant::now() >= deadline {
                    bail!(
                        "reading the tree took longer than {} s",
                        limits.timeout.as_secs()
                    );
                }
                header.clear();
                out.read_line(&mut header)?;
                let mut parts = header.split_whitespace();
                let (_, kind, size) = (parts.next(), parts.next(), parts.next());
                if kind == Some("missing") || kind.is_none() {
                    continue;
                }
                let size: usize = size
                    .and_then(|s| s.parse().ok())
                    .context("bad cat-file header")?;
                let mut bytes = vec![0; size];
                out.read_exact(&mut bytes)?;
                let mut newline = [0u8; 1];
                out.read_exact(&mut newline)?;
                each(path, &bytes);
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = child.kill();
        }
        let _ = writer.join();
        let _ = child.wait();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            timeout: Duration::from_secs(60),
            max_bytes: 64 * 1024 * 1024,
        }
    }

    fn scratch() -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("embargo-git-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    fn sh_git(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=T",
                "-c",
                "user.email=t@example.test",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn transport_helpers_are_refused_by_git_itself() {
        // Even if a URL slipped past `triage::source::check_git_url`, git may not run it.
        let root = scratch();
        let marker = root.join("pwned");
        let url = format!("ext::sh -c touch% {}", marker.display());
        let mirror = Mirror::for_url(&root, &url);
        let err = mirror.sync(&url, limits()).expect_err("ext:: is refused");
        assert!(!marker.exists(), "the command never ran");
        assert!(!mirror.exists());
        assert!(err.to_string().contains("git failed"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_mirror_is_cloned_resolved_and_indexed_without_a_checkout() {
        let root = scratch();
        let repo = root.join("repo");
        std::fs::create_dir_all(repo.join("src")).expect("mkdir");
        sh_git(&repo, &["init", "-q"]);
        std::fs::write(
            repo.join("src/a.c"),
            "int old_name(void) {\n  return 1;\n}\n",
        )
        .expect("write");
        std::fs::write(repo.join("table.dat"), [0u8, 1, 2]).expect("write");
        sh_git(&repo, &["add", "-A"]);
        sh_git(&repo, &["commit", "-q", "-m", "one"]);
        sh_git(&repo, &["tag", "curl-1_0_0"]);
        std::fs::write(
            repo.join("src/a.c"),
            "int new_name(void) {\n  return 1;\n}\n",
        )
        .expect("write");
        sh_git(&repo, &["commit", "-q", "-am", "two"]);
        let url = format!("file://{}", repo.display());
        let mirror = Mirror::for_url(&root.join("mirrors"), &url);
        mirror.sync(&url, limits()).expect("clone");
        assert!(mirror.exists());
        assert!(
            !mirror
                .dir()
                .join("hooks")
                .join("pre-commit.sample")
                .exists(),
            "no template hooks"
        );
        assert_eq!(mirror.tags(limits()).expect("tags"), ["curl-1_0_0"]);
        let main = mirror
            .resolve(None, limits())
            .expect("resolve")
            .expect("HEAD");
        let tag = mirror
            .resolve(Some("curl-1_0_0"), limits())
            .expect("resolve")
            .expect("tag");
        assert_ne!(main, tag);
        assert_eq!(
            mirror.resolve(Some("nope"), limits()).expect("resolve"),
            None
        );
        assert!(mirror.resolve(Some("--upload-pack=x"), limits()).is_err());
        let at_main = mirror.index(&main, "main", limits()).expect("index");
        let at_tag = mirror.index(&tag, "curl-1_0_0", limits()).expect("index");
        assert!(at_main.defines("new_name") && !at_main.has_identifier("old_name"));
        assert!(at_tag.defines("old_name") && !at_tag.has_identifier("new_name"));
        assert_eq!(
            at_main.file_count(),
            2,
            "the binary file registers its path only"
        );
        // New commits arrive with a fetch.
        std::fs::write(repo.join("src/b.c"), "int third(void) { return 3; }\n").expect("write");
        sh_git(&repo, &["add", "-A"]);
        sh_git(&repo, &["commit", "-q", "-m", "three"]);
        mirror.sync(&url, limits()).expect("fetch");
        assert_ne!(mirror.resolve(None, limits()).expect("resolve"), Some(main));
        // A mirror beyond the size limit is refused and removed.
        let small = Limits {
            max_bytes: 1,
            ..limits()
        };
        let other = Mirror::for_url(&root.join("small"), &url);
        assert!(other.sync(&url, small).is_err());
        assert!(!other.exists());
        let _ = std::fs::remove_dir_all(&root);
    }
}
