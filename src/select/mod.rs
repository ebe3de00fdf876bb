//! The files a run looks at, chosen by mode and classified once for every check.

pub mod messages;
pub mod shard;
pub mod types;

use std::path::PathBuf;

use types::TypeSet;

/// How the files of a run are chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The files staged for commit (the default, and the pre-commit hook).
    Staged,
    /// Every tracked file (or every file not ignored, outside git).
    All,
    /// The paths given on the command line.
    Files(Vec<PathBuf>),
    /// Files changed in `from...to`.
    Range { from: String, to: String },
}

/// One selected file with the facts every check shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// The exact repository-relative path, every byte kept, to hand to tools.
    pub rel: PathBuf,
    /// The same path as `/`-separated text, for matching and reports.
    pub path: String,
    pub types: TypeSet,
    /// Size in bytes (of the link itself for a symlink).
    pub size: u64,
}

/// The selected files, in a stable order (sorted by path).
#[derive(Clone, Debug, Default)]
pub struct FileSet {
    pub files: Vec<FileEntry>,
    /// How many files at the end are not selected but present for `ci_all_files` checks.
    pub extra: usize,
}

impl FileSet {
    /// The files of the selection proper (without the `ci_all_files` extras).
    pub fn selected(&self) -> usize {
        self.files.len() - self.extra
    }
}

/// Appends the files of `all` that `files` lacks, as extras only `ci_all_files` checks see.
pub fn add_unselected(files: &mut FileSet, all: &FileSet) {
    let have: std::collections::HashSet<&Path> = files.files.iter().map(|f| f.rel.as_path()).collect();
    let extra: Vec<FileEntry> = all.files.iter().filter(|f| !have.contains(f.rel.as_path())).cloned().collect();
    files.extra += extra.len();
    files.files.extend(extra);
}

use std::fs;
use std::io::Read;
use std::path::{Component, Path};

use anyhow::{bail, Context as _, Result};
use rayon::prelude::*;

use crate::repo::Repo;
use crate::worktree_fs;
use types::FileType;

/// Where the files come from: a git work tree, or a plain directory outside git.
pub enum Source<'a> {
    Git(&'a Repo),
    Dir(&'a Path),
}

impl Source<'_> {
    pub fn root(&self) -> &Path {
        match self {
            Source::Git(repo) => &repo.root,
            Source::Dir(dir) => dir,
        }
    }
}

/// Lists the files of `selection` (repository-relative) and classifies each once.
///
/// `cwd` resolves relative `--files` paths. Paths that are not regular files or symlinks in the
/// work tree (a deleted file, a submodule directory) are left out: no check could read them.
pub fn select(source: &Source, selection: &Selection, cwd: &Path) -> Result<FileSet> {
    let root = source.root();
    let mut paths = match (selection, source) {
        (Selection::Staged, Source::Git(repo)) => repo.staged_files()?,
        (Selection::All, Source::Git(repo)) => repo.tracked_files()?,
        (Selection::Range { from, to }, Source::Git(repo)) => repo.changed_files(from, to)?,
        (Selection::All, Source::Dir(dir)) => walk(dir, dir)?,
        (Selection::Files(given), _) => given_paths(root, cwd, given)?,
        (Selection::Staged, Source::Dir(_)) => {
            bail!("checking the staged files needs a git repository; use --all or --files outside git")
        }
        (Selection::Range { .. }, Source::Dir(_)) => {
            bail!("--from-ref needs a git repository; use --all or --files outside git")
        }
    };
    paths.sort();
    paths.dedup();
    worktree_fs::new_batch();
    // A few files (a commit, a message) are classified before threads would even start.
    let files: Vec<Option<FileEntry>> = if paths.len() < 64 {
        paths.iter().map(|rel| classify_in_batch(root, rel)).collect::<Result<_>>()?
    } else {
        paths.par_iter().map(|rel| classify_in_batch(root, rel)).collect::<Result<_>>()?
    };
    Ok(FileSet { files: files.into_iter().flatten().collect(), extra: 0 })
}

/// Resolves command-line paths against `cwd` into repository-relative paths; directories are walked.
fn given_paths(root: &Path, cwd: &Path, given: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in given {
        let absolute = normalize(&cwd.join(path));
        let meta = fs::symlink_metadata(&absolute).with_context(|| format!("cannot check {}", path.display()))?;
        // A file outside the work tree (a commit message in the git dir) keeps its absolute path.
        let rel = absolute.strip_prefix(root).map_or_else(|_| absolute.clone(), Path::to_path_buf);
        if meta.is_dir() {
            out.extend(walk(root, &absolute)?);
        } else {
            out.push(rel);
        }
    }
    Ok(out)
}

/// Lexically removes `.` and `..` so that paths given from a subdirectory map into the root.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Every file under `dir` that `.gitignore` files do not exclude, relative to `root`.
fn walk(root: &Path, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker {
        let entry = entry.with_context(|| format!("cannot walk {}", dir.display()))?;
        if entry.file_type().is_some_and(|t| !t.is_dir()) {
            if let Ok(rel) = entry.path().strip_prefix(root) {
                out.push(rel.to_path_buf());
            }
        }
    }
    Ok(out)
}

/// The facts every check shares about one file, from one `lstat` and, only for files whose
/// name says nothing, a peek at the first bytes; `None` when the path holds no file any more.
pub fn classify(root: &Path, rel: &Path) -> Option<FileEntry> {
    classify_checked(root, rel).ok().flatten()
}

/// As [`classify`], but a path that goes through a symbolic link, or that cannot be looked at,
/// is an error naming it: no check may read or write it, and skipping it silently would pass it.
pub fn classify_checked(root: &Path, rel: &Path) -> Result<Option<FileEntry>> {
    worktree_fs::new_batch();
    classify_in_batch(root, rel)
}

fn classify_in_batch(root: &Path, rel: &Path) -> Result<Option<FileEntry>> {
    let path = path_text(rel);
    let meta = match worktree_fs::lstat_in_batch(root, rel) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(nix::libc::ENOTDIR) => {
            return Ok(None)
        }
        Err(e) if worktree_fs::is_through_symlink(&e) => {
            bail!("cannot check {path}: {e}; replace the link with a real directory, or remove the path from the index")
        }
        Err(e) => return Err(e).with_context(|| format!("cannot check {path}")),
    };
    let mut types = TypeSet::empty();
    match meta.kind {
        worktree_fs::Kind::Symlink => {
            // What a link points at is not its content: only link-aware checks look at it.
            types.insert(FileType::Symlink);
            return Ok(Some(FileEntry { rel: rel.to_path_buf(), path, types, size: meta.size }));
        }
        worktree_fs::Kind::File => {}
        _ => return Ok(None),
    }
    if meta.mode & 0o111 != 0 {
        types.insert(FileType::Executable);
    }
    let name = path.rsplit('/').next().unwrap_or(&path);
    let language = types::from_file_name(name);
    if let Some(language) = language {
        types.insert(language);
        types.insert(FileType::Text);
    } else {
        sniff(root, rel, &mut types);
    }
    Ok(Some(FileEntry { rel: rel.to_path_buf(), path, types, size: meta.size }))
}

/// Text or binary, and the shebang's language, from the first 8 KiB. A file that cannot be
/// opened counts as text, so that the text checks try it and report why they could not.
fn sniff(root: &Path, rel: &Path, types: &mut TypeSet) {
    let mut head = [0u8; 8192];
    let Ok(mut file) = worktree_fs::open_read(root, rel) else {
        types.insert(FileType::Text);
        return;
    };
    let mut len = 0;
    while len < head.len() {
        match file.read(&mut head[len..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n,
        }
    }
    let head = &head[..len];
    if types::looks_text(head) {
        types.insert(FileType::Text);
        let first_line = head.split(|b| *b == b'\n').next().unwrap_or(head);
        if let Some(language) = types::from_shebang(first_line) {
            types.insert(language);
        }
    } else {
        types.insert(FileType::Binary);
    }
}

/// The `/`-separated text of a relative path; non-UTF-8 bytes are shown replaced.
pub fn path_text(rel: &Path) -> String {
    rel.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn normalize_resolves_dots() {
        assert_eq!(normalize(Path::new("/r/sub/../a/./b")), PathBuf::from("/r/a/b"));
    }

    #[test]
    fn classify_uses_name_then_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::write(root.join("a.php"), "<?php\n").expect("write");
        fs::write(root.join("deploy"), "#!/usr/bin/env bash\necho hi\n").expect("write");
        fs::write(root.join("blob"), b"\x00\x01\x02").expect("write");
        fs::set_permissions(root.join("deploy"), fs::Permissions::from_mode(0o755)).expect("chmod");
        std::os::unix::fs::symlink("a.php", root.join("link.php")).expect("symlink");

        let php = classify(root, Path::new("a.php")).expect("a.php");
        assert!(php.types.contains(FileType::Php) && php.types.contains(FileType::Text));
        assert!(!php.types.contains(FileType::Executable));

        let script = classify(root, Path::new("deploy")).expect("deploy");
        assert!(script.types.contains(FileType::Shell));
        assert!(script.types.contains(FileType::Executable));

        let blob = classify(root, Path::new("blob")).expect("blob");
        assert!(blob.types.contains(FileType::Binary) && !blob.types.contains(FileType::Text));

        let link = classify(root, Path::new("link.php")).expect("link");
        assert!(link.types.contains(FileType::Symlink) && !link.types.contains(FileType::Php));

        assert!(classify(root, Path::new("missing")).is_none());
    }
}
