//! The git facade: every git process `ward` starts goes through here.

pub mod added;
pub mod blob;
pub mod commits;
pub mod head;
pub mod index;
pub mod index_file;

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use std::sync::{Arc, OnceLock};

use anyhow::{anyhow, bail, Context as _, Result};

pub mod staging;

/// A git work tree `ward` runs in.
#[derive(Clone, Debug)]
pub struct Repo {
    /// The top of the work tree.
    pub root: PathBuf,
    /// This worktree's git directory (`.git`, or `.git/worktrees/NAME`).
    pub git_dir: PathBuf,
    /// The directory shared by all worktrees (hooks, config, objects).
    pub common_dir: PathBuf,
    /// Facts several parts of a run need, each asked of git once (clones share them).
    cache: Arc<Cache>,
}

/// A fact asked of git at most once per run; a failure is kept as text for every asker.
type Once<T> = OnceLock<Result<Arc<T>, String>>;

#[derive(Debug, Default)]
struct Cache {
    staged: Once<Vec<index::RawChange>>,
    index: Once<Vec<index::IndexEntry>>,
    index_file: Once<index_file::IndexFile>,
    file_mode: OnceLock<bool>,
    /// `git config` output for the message settings ([`commits::message_settings`]).
    message_config: OnceLock<Vec<u8>>,
}

/// Facts to ask git for while it finds the repository, each in a process of its own running
/// side by side with `rev-parse`: a commit-msg hook then waits for one git process, not two.
#[derive(Clone, Copy, Debug, Default)]
pub struct Early {
    /// The comment and cleanup settings a message file is cleaned with.
    pub message_settings: bool,
}

/// Which cached facts a run will need, to ask git for them side by side at its start.
#[derive(Clone, Copy, Debug, Default)]
pub struct Prefetch {
    pub staged: bool,
    /// The index file itself, read and parsed.
    pub index_file: bool,
    /// The listing of every index entry (from the index file, or from git).
    pub index: bool,
    pub file_mode: bool,
}

/// What git printed, whatever its exit code.
pub(crate) struct Captured {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Failure of a git command, with what git said.
#[derive(Debug, thiserror::Error)]
#[error("`git {args}` failed: {stderr}")]
pub struct GitError {
    pub args: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Repo {
    /// The repository containing `dir`, or `None` when `dir` is outside any git work tree.
    pub fn discover(dir: &Path) -> Result<Option<Repo>> {
        Self::discover_with(dir, Early::default())
    }

    /// [`Repo::discover`], asking git for the `early` facts at the same time. They are asked in
    /// `dir`, which finds the same repository (and so the same configuration) as `rev-parse`.
    pub fn discover_with(dir: &Path, early: Early) -> Result<Option<Repo>> {
        let settings = early.message_settings.then(|| commits::start_message_config(git_command(dir)));
        let repo = Self::find(dir);
        // Collected whatever `rev-parse` said, so that no git process is left behind.
        let settings = settings.map(commits::finish_message_config);
        let repo = repo?;
        if let (Some(repo), Some(settings)) = (&repo, settings) {
            let _ = repo.cache.message_config.set(settings);
        }
        Ok(repo)
    }

    fn find(dir: &Path) -> Result<Option<Repo>> {
        let out = Command::new("git")
            .current_dir(dir)
            .args(["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir", "--git-common-dir"])
            .stdin(Stdio::null())
            .output()
            .context("could not run git; is it installed?")?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            if stderr.contains("not a git repository") {
                return Ok(None);
            }
            bail!("`git rev-parse` failed in {}: {}", dir.display(), stderr.trim());
        }
        let mut lines = out.stdout.split(|b| *b == b'\n').map(|l| PathBuf::from(OsStr::from_bytes(l)));
        let (Some(root), Some(git_dir), Some(common_dir)) = (lines.next(), lines.next(), lines.next()) else {
            bail!("unexpected output from `git rev-parse`");
        };
        if root.as_os_str().is_empty() {
            // A bare repository or the inside of .git: there is no work tree to check.
            return Ok(None);
        }
        Ok(Some(Repo { root, git_dir, common_dir, cache: Arc::default() }))
    }

    /// A git command run at the top of the work tree, with a quiet, stable environment, in its
    /// own process group: a Ctrl-C at the terminal reaches `ward` (which stops its checks and
    /// finishes any restore) and never the git processes a restore depends on.
    pub fn command(&self) -> Command {
        git_command(&self.root)
    }

    /// Runs git with `args` (and `input` on standard input) and returns what it printed,
    /// whatever its exit code.
    pub(crate) fn run(&self, args: &[OsString], input: Option<&[u8]>) -> Result<Captured> {
        let mut child = self
            .command()
            .args(args)
            .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("could not run git")?;
        let writer = match (input, child.stdin.take()) {
            (Some(input), Some(mut stdin)) => {
                let input = input.to_vec();
                // From another thread, so that a large output cannot deadlock against our input.
                Some(std::thread::spawn(move || stdin.write_all(&input)))
            }
            _ => None,
        };
        let out = child.wait_with_output().context("could not run git")?;
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        Ok(Captured { code: out.status.code(), stdout: out.stdout, stderr: out.stderr })
    }

    /// Like [`Repo::run`], with a non-zero exit turned into an error carrying git's message.
    pub(crate) fn run_ok(&self, args: &[OsString], input: Option<&[u8]>) -> Result<Vec<u8>> {
        let out = self.run(args, input)?;
        if out.code != Some(0) {
            return Err(GitError {
                args: args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" "),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
                code: out.code,
            }
            .into());
        }
        Ok(out.stdout)
    }

    /// Runs git with `args` and returns its standard output; a non-zero exit is an error.
    pub fn output<I, S>(&self, args: I) -> Result<Vec<u8>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        self.run_ok(&args, None)
    }

    /// Runs git with `input` on standard input and returns its standard output.
    pub fn output_with_input(&self, args: &[&str], input: &[u8]) -> Result<Vec<u8>> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        self.run_ok(&args, Some(input))
    }

    /// `git config --get KEY`, or `None` when unset.
    pub fn config_get(&self, key: &str) -> Result<Option<String>> {
        let out = self
            .command()
            .args(["config", "--get", key])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .output()
            .context("could not run git")?;
        match out.status.code() {
            Some(0) => Ok(Some(String::from_utf8_lossy(&out.stdout).trim_end().to_string())),
            Some(1) => Ok(None),
            _ => bail!("`git config --get {key}` failed"),
        }
    }

    /// Files staged for commit: added, copied, modified, renamed, type-changed; not deleted.
    pub fn staged_files(&self) -> Result<Vec<PathBuf>> {
        Ok(self.staged_changes()?.iter().filter(|c| c.status != b'D').map(|c| c.path.clone()).collect())
    }

    /// Every tracked file, once each even while a merge leaves several stages.
    pub fn tracked_files(&self) -> Result<Vec<PathBuf>> {
        let mut paths: Vec<PathBuf> = self.index_entries()?.iter().map(|e| e.path.clone()).collect();
        paths.dedup();
        Ok(paths)
    }

    /// What is staged (HEAD, or the empty tree before the first commit, against the index), as
    /// raw diff entries; asked of git once per run.
    /// Files git neither tracks nor ignores: a whole-project tool reads them too.
    pub fn untracked_files(&self) -> Result<Vec<PathBuf>> {
        Ok(split_z(&self.output(["ls-files", "-z", "--others", "--exclude-standard"])?))
    }

    pub fn staged_changes(&self) -> Result<Arc<Vec<index::RawChange>>> {
        cached(&self.cache.staged, || index::staged_changes(self))
    }

    /// Every index entry, all stages, in index order; asked of git once per run.
    pub fn index_entries(&self) -> Result<Arc<Vec<index::IndexEntry>>> {
        cached(&self.cache.index, || index::ls_files_stage(self))
    }

    /// The index file itself (`$GIT_INDEX_FILE` in a hook), read without git; an index this
    /// reader does not handle is an error, and the caller does without.
    pub fn read_index(&self) -> Result<Arc<index_file::IndexFile>> {
        cached(&self.cache.index_file, || index_file::IndexFile::read(&self.index_file()))
    }

    /// The commit HEAD points at (`Some(None)` on an unborn branch), when the ref files settle it
    /// without git (see [`head::commit`]).
    pub fn head_commit(&self) -> Option<Option<String>> {
        head::commit(&self.git_dir, &self.common_dir)
    }

    /// `core.fileMode`: when false, the index rather than the file system says what is executable.
    pub fn core_file_mode(&self) -> bool {
        *self.cache.file_mode.get_or_init(|| {
            let value = self.config_get("core.fileMode").ok().flatten();
            !matches!(value.as_deref().map(str::to_ascii_lowercase).as_deref(), Some("false" | "no" | "off" | "0"))
        })
    }

    /// Asks git for the facts a run will need in parallel, so that their few milliseconds each
    /// overlap instead of adding up; whoever needs one first waits only for the rest of it.
    pub fn prefetch(&self, want: Prefetch) {
        let spawn = |f: fn(&Repo)| {
            let repo = self.clone();
            // A thread that cannot start only means the fact is computed later, on demand.
            let _ = std::thread::Builder::new().name("ward-git".into()).spawn(move || f(&repo));
        };
        if want.staged {
            spawn(|r| drop(r.staged_changes()));
        }
        if want.index {
            spawn(|r| drop(r.index_entries()));
        } else if want.index_file {
            spawn(|r| drop(r.read_index()));
        }
        if want.file_mode {
            spawn(|r| {
                r.core_file_mode();
            });
        }
    }

    /// Files changed between the merge base of `from` and `to`, and `to`; deletions excluded.
    pub fn changed_files(&self, from: &str, to: &str) -> Result<Vec<PathBuf>> {
        for rev in [from, to] {
            self.output(["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
                .with_context(|| format!("`{rev}` is not a commit in this repository"))?;
        }
        let out = self.output([
            "diff",
            "--name-only",
            "--no-ext-diff",
            "--no-renames",
            "-z",
            "--diff-filter=ACMRTUXB",
            &format!("{from}...{to}"),
        ])?;
        Ok(split_z(&out))
    }

    /// The current branch name, or `None` on a detached HEAD.
    pub fn current_branch(&self) -> Result<Option<String>> {
        let out = self
            .command()
            .args(["symbolic-ref", "--quiet", "--short", "HEAD"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .output()
            .context("could not run git")?;
        Ok(out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_string()))
    }

    /// The hooks directory git uses, honouring `core.hooksPath`.
    pub fn hooks_dir(&self) -> Result<PathBuf> {
        let out = self.output(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])?;
        Ok(PathBuf::from(OsStr::from_bytes(trim_newline(&out))))
    }
}

/// A git command run in `dir` with the settings of [`Repo::command`].
fn git_command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        // Keep output machine-readable whatever the user's configuration says.
        .args(["-c", "core.quotepath=off", "-c", "color.ui=false"])
        // Reading must never take index.lock: git holds it while a hook runs, and another
        // tool may too.
        .arg("--no-optional-locks")
        // Paths ward passes are file names, never patterns.
        .arg("--literal-pathspecs")
        .env("GIT_TERMINAL_PROMPT", "0")
        .process_group(0);
    cmd
}

fn cached<T>(cell: &Once<T>, compute: impl FnOnce() -> Result<T>) -> Result<Arc<T>> {
    cell.get_or_init(|| compute().map(Arc::new).map_err(|e| format!("{e:#}"))).clone().map_err(|e| anyhow!(e))
}

/// Splits NUL-terminated git output into paths, keeping every byte of each name.
pub fn split_z(out: &[u8]) -> Vec<PathBuf> {
    out.split(|b| *b == 0).filter(|p| !p.is_empty()).map(|p| PathBuf::from(OsString::from_vec(p.to_vec()))).collect()
}

fn trim_newline(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\n").unwrap_or(bytes)
}

impl Repo {
    /// The blob `rel` has in HEAD, or `None` (no commit yet, or no such file there).
    pub fn head_blob(&self, rel: &Path) -> Option<String> {
        let spec = format!("HEAD:{}", rel.to_str()?);
        let out = self.output(["rev-parse", "--verify", "--quiet", &spec]).ok()?;
        Some(String::from_utf8_lossy(&out).trim().to_string()).filter(|s| !s.is_empty())
    }

    /// True in a shallow clone, where a base commit may be missing.
    pub fn is_shallow(&self) -> bool {
        self.output(["rev-parse", "--is-shallow-repository"]).is_ok_and(|o| o.starts_with(b"true"))
    }

    /// The remote default branch (`origin/HEAD`, else `origin/main` or `origin/master`).
    pub fn default_branch(&self) -> Result<Option<String>> {
        if let Ok(out) = self.output(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"]) {
            return Ok(Some(String::from_utf8_lossy(&out).trim().to_string()));
        }
        for candidate in ["origin/main", "origin/master"] {
            if self.output(["rev-parse", "--verify", "--quiet", &format!("refs/remotes/{candidate}")]).is_ok() {
                return Ok(Some(candidate.to_string()));
            }
        }
        Ok(None)
    }
}
