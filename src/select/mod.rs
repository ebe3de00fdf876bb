//! The files a run looks at, chosen by mode and classified once for every check.

pub mod identify;
pub mod identify_data;
pub mod messages;
pub mod shard;

use std::path::PathBuf;

use identify::{Tag, TagSet};

use crate::repo::index_file::StatData;

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
    /// identify's tags (plus ward's documented additions).
    pub types: TagSet,
    /// Size in bytes (of the link itself for a symlink).
    pub size: u64,
    /// What the `lstat` of the selection said, in the index's form: with it, a file whose stat
    /// matches its index entry is known unchanged without a second look.
    pub stat: StatData,
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
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};

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
    select_known(source, selection, cwd, None)
}

/// Files' `lstat`s taken already (the safe way [`worktree_fs::lstat_in_batch`] takes them), one
/// per index entry, so that a file is not looked at twice.
pub struct Known {
    pub index: std::sync::Arc<crate::repo::index_file::IndexFile>,
    /// `stats[i]` is the `lstat` of `index.entries[i]`, when it could be taken.
    pub stats: Vec<Option<worktree_fs::Meta>>,
}

impl Known {
    fn get(&self, path: &[u8]) -> Option<worktree_fs::Meta> {
        self.stats.get(self.index.position(path)?).copied().flatten()
    }
}

/// [`select`], using the `lstat`s in `known` where it has them.
pub fn select_known(source: &Source, selection: &Selection, cwd: &Path, known: Option<&Known>) -> Result<FileSet> {
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
    paths.sort_unstable_by(|a, b| path_order(a, b));
    paths.dedup_by(|a, b| a.as_os_str() == b.as_os_str());
    worktree_fs::new_batch();
    // A few files (a commit, a message) are classified before threads would even start.
    let files: Vec<FileEntry> = if paths.len() < 64 {
        paths.into_iter().filter_map(|rel| classify_owned(root, rel, known).transpose()).collect::<Result<_>>()?
    } else if let Some(known) = known {
        paths
            .into_par_iter()
            .filter_map(|rel| classify_owned(root, rel, Some(known)).transpose())
            .collect::<Result<_>>()?
    } else {
        // Every `lstat` at once, directories verified from their parents' listings.
        let rels: Vec<&[u8]> = paths.iter().map(|p| p.as_os_str().as_bytes()).collect();
        let stats = worktree_fs::lstat_tree(root, &rels);
        paths
            .into_par_iter()
            .zip(stats)
            .filter_map(|(rel, stat)| classify_stat(root, rel, stat).transpose())
            .collect::<Result<_>>()?
    };
    Ok(FileSet { files, extra: 0 })
}

/// The order of `Path`'s `Ord` (component by component) for the normalised relative paths git
/// and [`normalize`] give, on the bytes: a separator sorts before every other byte, so `a/b`
/// comes before `a.txt` as the component `a` comes before `a.txt`. Parsing components for each of
/// the comparisons of a large sort was a good part of selecting every file.
pub fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    let (a, b) = (a.as_os_str().as_bytes(), b.as_os_str().as_bytes());
    let rank = |byte: u8| if byte == b'/' { 0 } else { u16::from(byte) + 1 };
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => rank(a[i]).cmp(&rank(b[i])),
        None => a.len().cmp(&b.len()),
    }
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

/// The facts every check shares about one file: identify's tags from one `lstat`, the name and,
/// only when the name does not decide, the first KiB; `None` when the path holds no file any more.
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
    classify_owned(root, rel.to_path_buf(), None)
}

/// [`classify_checked`] with the `lstat` in `known` where it has it.
pub fn classify_known(root: &Path, rel: PathBuf, known: &Known) -> Result<Option<FileEntry>> {
    worktree_fs::new_batch();
    classify_owned(root, rel, Some(known))
}

fn classify_owned(root: &Path, rel: PathBuf, known: Option<&Known>) -> Result<Option<FileEntry>> {
    let looked = known.and_then(|k| k.get(rel.as_os_str().as_bytes())).map(Ok);
    let stat = looked.unwrap_or_else(|| worktree_fs::lstat_in_batch(root, &rel));
    classify_stat(root, rel, stat)
}

/// [`classify_owned`] from the path's `lstat`, taken already.
fn classify_stat(root: &Path, rel: PathBuf, stat: std::io::Result<worktree_fs::Meta>) -> Result<Option<FileEntry>> {
    let path = path_text(&rel);
    let meta = match stat {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(nix::libc::ENOTDIR) => {
            return Ok(None)
        }
        Err(e) if worktree_fs::is_through_symlink(&e) => {
            bail!("cannot check {path}: {e}; replace the link with a real directory, or remove the path from the index")
        }
        Err(e) => return Err(e).with_context(|| format!("cannot check {path}")),
    };
    let types = match meta.kind {
        // What a link points at is not its content: only link-aware checks look at it.
        worktree_fs::Kind::Symlink => [Tag::SYMLINK].into_iter().collect(),
        worktree_fs::Kind::File => {
            let name = rel.file_name().map_or(&[][..], |n| n.as_bytes());
            let facts = identify::NameFacts::new(name, executable(meta.mode, meta.uid, meta.gid));
            tags_from_content(facts, || worktree_fs::open_read(root, &rel).ok())
        }
        _ => return Ok(None),
    };
    Ok(Some(FileEntry { rel, path, types, size: meta.size, stat: StatData::of_lstat(&meta) }))
}

/// The tags identify gives a path, for `ward identify`: directories and sockets included.
pub fn identify_path(path: &Path) -> std::io::Result<TagSet> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::symlink_metadata(path)?;
    let kind = meta.file_type();
    let only = |t: Tag| [t].into_iter().collect();
    Ok(if kind.is_dir() {
        only(Tag::DIRECTORY)
    } else if kind.is_symlink() {
        only(Tag::SYMLINK)
    } else if kind.is_socket() {
        only(Tag::SOCKET)
    } else {
        let name = path.file_name().map_or(&[][..], |n| n.as_bytes());
        let facts = identify::NameFacts::new(name, executable(meta.mode(), meta.uid(), meta.gid()));
        // Never open a FIFO or device: reading it could hang.
        let regular = meta.is_file();
        tags_from_content(facts, || {
            let flags = nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK;
            regular.then(|| fs::OpenOptions::new().read(true).custom_flags(flags).open(path).ok()).flatten()
        })
    })
}

/// The tags once the first bytes are known, read only when the name did not decide them. A file
/// that cannot be opened counts as text, so that the text checks try it and report why.
fn tags_from_content(facts: identify::NameFacts, open: impl FnOnce() -> Option<fs::File>) -> TagSet {
    let wanted = facts.bytes_needed();
    if wanted == 0 {
        return facts.finish(&[]);
    }
    let Some(file) = open() else {
        let mut tags = facts.finish(b"");
        if !tags.contains(Tag::BINARY) {
            tags.insert(Tag::TEXT);
        }
        return tags;
    };
    let mut head = Vec::with_capacity(wanted);
    let mut limit = wanted;
    loop {
        let before = head.len();
        if (&file).take((limit - before) as u64).read_to_end(&mut head).is_err() {
            break;
        }
        // More only to finish a long `#!` line, which identify reads whole.
        if !facts.wants_more(&head, head.len() < limit) {
            break;
        }
        limit *= 4;
    }
    facts.finish(&head)
}

/// `os.access(path, X_OK)` as identify asks it, from the mode bits the `lstat` already gave:
/// root may execute when any bit is set, others by the owner, group or other bits that apply.
fn executable(mode: u32, owner: u32, group: u32) -> bool {
    let (uid, groups) = identity();
    if *uid == 0 {
        mode & 0o111 != 0
    } else if owner == *uid {
        mode & 0o100 != 0
    } else if groups.contains(&group) {
        mode & 0o010 != 0
    } else {
        mode & 0o001 != 0
    }
}

/// The real user id and group ids of this process, asked once: identify's `executable` tag is
/// decided for them.
pub fn identity() -> &'static (u32, Vec<u32>) {
    static IDENTITY: std::sync::OnceLock<(u32, Vec<u32>)> = std::sync::OnceLock::new();
    IDENTITY.get_or_init(|| {
        let mut groups: Vec<u32> =
            nix::unistd::getgroups().map(|g| g.into_iter().map(|g| g.as_raw()).collect()).unwrap_or_default();
        groups.push(nix::unistd::getgid().as_raw());
        (nix::unistd::getuid().as_raw(), groups)
    })
}

/// The `/`-separated text of a relative path; non-UTF-8 bytes are shown replaced.
pub fn path_text(rel: &Path) -> String {
    rel.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_order_is_the_component_order() {
        let mut names: Vec<PathBuf> =
            ["src/Foo.php", "src/Foo/Bar.php", "a-b/x", "a/y", "a", "a.txt", "a/b/c", "ab", "Z", "é/x", "e/x"]
                .iter()
                .map(PathBuf::from)
                .collect();
        let mut by_components = names.clone();
        by_components.sort();
        names.sort_by(|a, b| path_order(a, b));
        assert_eq!(names, by_components);
    }

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
        fs::set_permissions(root.join("deploy"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
        std::os::unix::fs::symlink("a.php", root.join("link.php")).expect("symlink");

        let names = |rel: &str| -> Vec<&str> {
            classify(root, Path::new(rel)).expect(rel).types.iter().map(Tag::name).collect()
        };
        assert_eq!(names("a.php"), ["file", "non-executable", "php", "text"]);
        assert_eq!(names("deploy"), ["bash", "executable", "file", "shell", "text"]);
        assert_eq!(names("blob"), ["binary", "file", "non-executable"]);
        assert_eq!(names("link.php"), ["symlink"]);
        assert_eq!(identify_path(root).expect("dir").iter().map(Tag::name).collect::<Vec<_>>(), ["directory"]);

        assert!(classify(root, Path::new("missing")).is_none());
    }
}
