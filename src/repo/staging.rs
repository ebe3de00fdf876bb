//! Index and object plumbing for safe staged mode: unstaged changes, blobs, merges, staging.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use super::Repo;

/// Paths per git process, so that thousands of files never exceed the argument-length limit.
const PATHS_PER_CALL: usize = 500;

/// One line of `git diff --raw`: how a path differs between the index and the working tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnstagedChange {
    pub path: PathBuf,
    /// The index entry's mode (`0` for an intent-to-add or unmerged entry).
    pub index_mode: u32,
    pub index_blob: String,
    /// `M`, `A`, `D`, `T` or `U` (unmerged).
    pub status: u8,
}

impl Repo {
    /// Every tracked path whose working-tree file differs from its index entry; submodules are
    /// left out. Reads the index without refreshing it, so it never takes `index.lock`.
    pub fn unstaged_changes(&self) -> Result<Vec<UnstagedChange>> {
        self.unstaged_changes_in(None)
    }

    /// The same, limited to `paths` when given: git then looks at those files only instead of
    /// every file of the work tree, which is most of the time a large repository's commit takes.
    pub fn unstaged_changes_in(&self, paths: Option<&[&Path]>) -> Result<Vec<UnstagedChange>> {
        let mut args: Vec<OsString> =
            ["diff", "--raw", "-z", "--no-abbrev", "--no-renames", "--no-ext-diff", "--ignore-submodules=all"]
                .map(OsString::from)
                .to_vec();
        if let Some(paths) = paths {
            if paths.is_empty() {
                return Ok(Vec::new());
            }
            args.push("--".into());
            args.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
        }
        parse_raw(&self.run_ok(&args, None)?)
    }

    /// The content of a blob, as stored.
    pub fn blob(&self, blob: &str) -> Result<Vec<u8>> {
        self.run_ok(&["cat-file", "blob", blob].map(OsString::from), None)
    }

    /// The content of a blob as `git checkout` would write it at `path`: smudge filters and
    /// end-of-line conversion applied.
    pub fn blob_for_worktree(&self, blob: &str, path: &Path) -> Result<Vec<u8>> {
        let mut path_arg = OsString::from("--path=");
        path_arg.push(path.as_os_str());
        self.run_ok(&[OsString::from("cat-file"), "--filters".into(), path_arg, blob.into()], None)
    }

    /// Stores each file's bytes exactly as they are (no clean filter, no end-of-line
    /// conversion) as a blob, durably, and returns the blob ids in order.
    pub fn store_files(&self, files: &[PathBuf]) -> Result<Vec<String>> {
        let mut ids = Vec::with_capacity(files.len());
        for chunk in files.chunks(PATHS_PER_CALL) {
            let mut args: Vec<OsString> = durable_objects();
            args.extend(["hash-object", "-w", "--no-filters", "--"].map(OsString::from));
            args.extend(chunk.iter().map(|p| p.as_os_str().to_owned()));
            let out = self.run_ok(&args, None)?;
            ids.extend(lines(&out));
        }
        if ids.len() != files.len() {
            bail!("`git hash-object` returned {} ids for {} files", ids.len(), files.len());
        }
        self.sync_objects(&ids);
        Ok(ids)
    }

    /// Stores `bytes` as a blob, durably, and returns its id.
    pub fn store_bytes(&self, bytes: &[u8]) -> Result<String> {
        let mut args: Vec<OsString> = durable_objects();
        args.extend(["hash-object", "-w", "--stdin"].map(OsString::from));
        let out = self.run_ok(&args, Some(bytes))?;
        let id = lines(&out).into_iter().next().context("`git hash-object` printed no id")?;
        self.sync_objects(std::slice::from_ref(&id));
        Ok(id)
    }

    /// The blob ids the files' exact bytes would have, without storing anything.
    pub fn hash_files(&self, files: &[PathBuf]) -> Result<Vec<String>> {
        let mut ids = Vec::with_capacity(files.len());
        for chunk in files.chunks(PATHS_PER_CALL) {
            let mut args: Vec<OsString> = ["hash-object", "--no-filters", "--"].map(OsString::from).to_vec();
            args.extend(chunk.iter().map(|p| p.as_os_str().to_owned()));
            ids.extend(lines(&self.run_ok(&args, None)?));
        }
        Ok(ids)
    }

    /// The blob id `bytes` would have.
    pub fn hash_bytes(&self, bytes: &[u8]) -> Result<String> {
        let out = self.run_ok(&["hash-object", "--stdin"].map(OsString::from), Some(bytes))?;
        lines(&out).into_iter().next().context("`git hash-object` printed no id")
    }

    /// The unstaged changes of `paths` as a binary patch that `git apply` takes back.
    pub fn binary_diff(&self, paths: &[PathBuf]) -> Result<Vec<u8>> {
        let mut patch = Vec::new();
        for chunk in paths.chunks(PATHS_PER_CALL) {
            let mut args: Vec<OsString> =
                ["diff", "--binary", "--full-index", "--no-ext-diff", "--no-textconv", "--no-color", "--"]
                    .map(OsString::from)
                    .to_vec();
            args.extend(chunk.iter().map(|p| p.as_os_str().to_owned()));
            patch.extend(self.run_ok(&args, None)?);
        }
        Ok(patch)
    }

    /// A three-way merge of whole files: the changes from `base` to `theirs` applied to `ours`.
    /// `None` when they conflict or cannot be merged (binary content).
    pub fn merge_files(&self, ours: &Path, base: &Path, theirs: &Path) -> Result<Option<Vec<u8>>> {
        let args: Vec<OsString> = vec![
            "merge-file".into(),
            "-p".into(),
            "--quiet".into(),
            ours.as_os_str().into(),
            base.as_os_str().into(),
            theirs.as_os_str().into(),
        ];
        let out = self.run(&args, None)?;
        // 0: clean; a positive code counts conflicts; anything else is an error such as binary input.
        Ok((out.code == Some(0)).then_some(out.stdout))
    }

    /// Adds the working-tree content of exactly these paths to the index.
    pub fn stage(&self, paths: &[PathBuf]) -> Result<()> {
        for chunk in paths.chunks(PATHS_PER_CALL) {
            let mut args: Vec<OsString> = ["add", "--force", "--"].map(OsString::from).to_vec();
            args.extend(chunk.iter().map(|p| p.as_os_str().to_owned()));
            self.run_ok(&args, None)?;
        }
        Ok(())
    }

    /// The commit HEAD points at; `None` before the first commit.
    pub fn head(&self) -> Result<Option<String>> {
        let out = self.run(&["rev-parse", "--verify", "--quiet", "HEAD"].map(OsString::from), None)?;
        Ok((out.code == Some(0)).then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    /// The index file git reads and writes here: `GIT_INDEX_FILE` (which git sets for hooks of
    /// `git commit -a` and `git commit <paths>`), else this worktree's `index`.
    pub fn index_file(&self) -> PathBuf {
        match std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
            // Git resolves a relative value from the top of the work tree, where it runs hooks.
            Some(path) => self.root.join(path),
            None => self.git_dir.join("index"),
        }
    }

    /// The operation in progress that owns the index and working tree, if any.
    pub fn operation_in_progress(&self) -> Option<&'static str> {
        [
            ("MERGE_HEAD", "a merge"),
            ("CHERRY_PICK_HEAD", "a cherry-pick"),
            ("REVERT_HEAD", "a revert"),
            ("rebase-merge", "a rebase"),
            ("rebase-apply", "a rebase or `git am`"),
        ]
        .into_iter()
        .find(|(name, _)| self.git_dir.join(name).exists())
        .map(|(_, what)| what)
    }

    /// Flushes the directories of freshly written loose objects: git syncs the object files
    /// themselves (`core.fsync`), not the directory entries that make them findable.
    fn sync_objects(&self, ids: &[String]) {
        let objects = std::env::var_os("GIT_OBJECT_DIRECTORY")
            .map_or_else(|| self.common_dir.join("objects"), |dir| self.root.join(dir));
        let mut synced = std::collections::HashSet::new();
        for id in ids {
            let Some(fan) = id.get(..2) else { continue };
            if synced.insert(fan.to_string()) {
                let _ = sync_dir(&objects.join(fan));
            }
        }
        let _ = sync_dir(&objects);
    }
}

/// `-c` options that make git sync the loose objects it writes, so a backup survives a power cut.
fn durable_objects() -> Vec<OsString> {
    ["-c", "core.fsync=loose-object", "-c", "core.fsyncMethod=fsync"].map(OsString::from).to_vec()
}

pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

fn lines(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// `git diff --raw -z` of the work tree against the index: the index is the "old" side.
fn parse_raw(out: &[u8]) -> Result<Vec<UnstagedChange>> {
    Ok(super::index::parse_raw_diff(out)?
        .into_iter()
        .map(|c| UnstagedChange { path: c.path, index_mode: c.old_mode, index_blob: c.old_oid, status: c.status })
        .collect())
}

/// The path as text for people: every byte that is not UTF-8 shown replaced, and quoted with
/// escapes when it holds control characters (a newline must not cut a message in two).
pub fn shown(path: &Path) -> String {
    crate::printer::escape::name(&String::from_utf8_lossy(path.as_os_str().as_bytes())).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_diff_keeps_every_byte_of_names() {
        let out = b":100644 100644 aaaa 0000 M\0dir/a b.txt\0:000000 100644 0000 0000 A\0new\nline\0";
        let changes = parse_raw(out).expect("parse");
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].path, PathBuf::from("dir/a b.txt"));
        assert_eq!(changes[0].index_mode, 0o100644);
        assert_eq!(changes[0].status, b'M');
        assert_eq!(changes[1].path, PathBuf::from("new\nline"));
        assert_eq!(changes[1].index_mode, 0);
    }
}
