//! Git queries about the index, trees, attributes and blobs that the built-in checks need.

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use super::{GitError, Repo};

/// The mode git records for a symbolic link.
pub const MODE_SYMLINK: u32 = 0o120000;
/// The mode git records for a submodule commit (a gitlink).
pub const MODE_GITLINK: u32 = 0o160000;

/// One entry of `git ls-files --stage`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexEntry {
    pub mode: u32,
    /// 0 normally; 1-3 while a merge conflict is unresolved.
    pub stage: u8,
    pub path: PathBuf,
}

/// One line of `git diff --raw`: a path with its old and new mode and object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawChange {
    pub old_mode: u32,
    pub new_mode: u32,
    pub old_oid: String,
    pub new_oid: String,
    /// The status letter: `A`dded, `D`eleted, `M`odified, `T`ype changed, `U`nmerged...
    pub status: u8,
    pub path: PathBuf,
}

/// True when a git mode has any execute bit, as git decides executability.
pub fn mode_is_executable(mode: u32) -> bool {
    mode & 0o111 != 0
}

/// Every index entry, all stages.
pub fn ls_files_stage(repo: &Repo) -> Result<Vec<IndexEntry>> {
    // The index read directly, as git would list it; git itself lists the formats the reader
    // leaves to it (a split or sparse index).
    if let Ok(index) = repo.read_index() {
        return Ok(listing(&index));
    }
    let out = repo.output(["ls-files", "--stage", "-z"])?;
    out.split(|b| *b == 0).filter(|r| !r.is_empty()).map(parse_index_record).collect()
}

/// The entries of `index` in `git ls-files --stage` order: by path, then by stage.
fn listing(index: &super::index_file::IndexFile) -> Vec<IndexEntry> {
    let path = |bytes: &[u8]| PathBuf::from(std::ffi::OsStr::from_bytes(bytes));
    let mut out: Vec<IndexEntry> =
        index.entries.iter().map(|e| IndexEntry { mode: e.mode, stage: 0, path: path(&e.path) }).collect();
    if !index.unmerged.is_empty() {
        out.extend(index.unmerged.iter().map(|e| IndexEntry { mode: e.mode, stage: e.stage, path: path(&e.path) }));
        out.sort_by(|a, b| {
            a.path.as_os_str().as_bytes().cmp(b.path.as_os_str().as_bytes()).then(a.stage.cmp(&b.stage))
        });
    }
    out
}

/// Lower-case hexadecimal, as git prints object ids.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// `<mode> SP <oid> SP <stage> TAB <path>`
fn parse_index_record(record: &[u8]) -> Result<IndexEntry> {
    let tab = memchr::memchr(b'\t', record).context("unexpected `git ls-files --stage` output")?;
    let head = std::str::from_utf8(&record[..tab]).context("unexpected `git ls-files --stage` output")?;
    let mut fields = head.split(' ');
    let (Some(mode), Some(_oid), Some(stage)) = (fields.next(), fields.next(), fields.next()) else {
        bail!("unexpected `git ls-files --stage` output: {head}");
    };
    Ok(IndexEntry {
        mode: parse_mode(mode)?,
        stage: stage.parse().with_context(|| format!("bad stage `{stage}` from git"))?,
        path: path_from_bytes(&record[tab + 1..]),
    })
}

/// Changes staged for commit: HEAD (or the empty tree before the first commit) against the index.
pub fn staged_changes(repo: &Repo) -> Result<Vec<RawChange>> {
    let out = repo.output(["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff"])?;
    parse_raw_diff(&out)
}

/// Changes between the merge base of `from` and `to`, and `to`.
pub fn range_changes(repo: &Repo, from: &str, to: &str) -> Result<Vec<RawChange>> {
    let range = format!("{from}...{to}");
    let out = repo.output(["diff", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff", &range])?;
    parse_raw_diff(&out)
}

/// Parses `-z` raw diff output: `:<old> <new> <oid> <oid> <status>` NUL `<path>` NUL, repeated.
pub fn parse_raw_diff(out: &[u8]) -> Result<Vec<RawChange>> {
    let mut changes = Vec::new();
    let mut fields = out.split(|b| *b == 0);
    while let Some(header) = fields.next() {
        if header.is_empty() {
            continue;
        }
        let header = std::str::from_utf8(header).context("unexpected `git diff --raw` output")?;
        let Some(header) = header.strip_prefix(':') else {
            bail!("unexpected `git diff --raw` output: {header}");
        };
        let parts: Vec<&str> = header.split(' ').collect();
        let [old_mode, new_mode, old_oid, new_oid, status] = parts[..] else {
            bail!("unexpected `git diff --raw` output: {header}");
        };
        let path = fields.next().filter(|p| !p.is_empty()).context("`git diff --raw` output ends without a path")?;
        changes.push(RawChange {
            old_mode: parse_mode(old_mode)?,
            new_mode: parse_mode(new_mode)?,
            old_oid: old_oid.to_string(),
            new_oid: new_oid.to_string(),
            status: status.as_bytes().first().copied().unwrap_or(b'?'),
            path: path_from_bytes(path),
        });
    }
    Ok(changes)
}

/// Every file path in the tree of `rev`, recursively.
pub fn tree_paths(repo: &Repo, rev: &str) -> Result<Vec<PathBuf>> {
    let out = repo.output(["ls-tree", "-r", "-z", "--name-only", "--full-tree", rev])?;
    Ok(super::split_z(&out))
}

/// The value of the `filter` attribute for each path that has one set (`lfs`, ...).
pub fn filter_attributes(repo: &Repo, paths: &[&Path]) -> Result<HashMap<PathBuf, String>> {
    if paths.is_empty() {
        return Ok(HashMap::new());
    }
    let mut input = Vec::new();
    for path in paths {
        input.extend_from_slice(path.as_os_str().as_bytes());
        input.push(0);
    }
    let out = repo.output_with_input(&["check-attr", "-z", "--stdin", "filter"], &input)?;
    // Records are `<path> NUL <attribute> NUL <value> NUL`.
    let fields: Vec<&[u8]> = out.split(|b| *b == 0).collect();
    let mut values = HashMap::new();
    for record in fields.chunks_exact(3) {
        let value = String::from_utf8_lossy(record[2]);
        if value != "unspecified" && value != "unset" {
            values.insert(path_from_bytes(record[0]), value.into_owned());
        }
    }
    Ok(values)
}

/// The contents of each blob, in order; `None` for an object git does not have.
pub fn read_blobs(repo: &Repo, oids: &[&str]) -> Result<Vec<Option<Vec<u8>>>> {
    if oids.is_empty() {
        return Ok(Vec::new());
    }
    let mut input = String::new();
    for oid in oids {
        input.push_str(oid);
        input.push('\n');
    }
    let out = repo.output_with_input(&["cat-file", "--batch"], input.as_bytes())?;
    parse_batch(&out, oids.len())
}

/// Parses `cat-file --batch` output: `<oid> <type> <size> LF <content> LF`, or `<oid> missing LF`.
fn parse_batch(out: &[u8], count: usize) -> Result<Vec<Option<Vec<u8>>>> {
    let mut blobs = Vec::with_capacity(count);
    let mut rest = out;
    for _ in 0..count {
        let eol = memchr::memchr(b'\n', rest).context("`git cat-file --batch` output ends early")?;
        let header = std::str::from_utf8(&rest[..eol]).context("unexpected `git cat-file` output")?;
        rest = &rest[eol + 1..];
        let parts: Vec<&str> = header.split(' ').collect();
        let [_, _, size] = parts[..] else {
            blobs.push(None);
            continue;
        };
        let size: usize = size.parse().with_context(|| format!("unexpected `git cat-file` header: {header}"))?;
        if rest.len() < size + 1 {
            bail!("`git cat-file --batch` output ends early");
        }
        blobs.push(Some(rest[..size].to_vec()));
        rest = &rest[size + 1..];
    }
    Ok(blobs)
}

/// The branch HEAD points to (`refs/heads/` removed), or `None` on a detached HEAD.
///
/// Unlike `symbolic-ref --short`, this never abbreviates to `heads/main` when a tag is also
/// called `main`, so a protected branch name always compares equal.
pub fn head_branch(repo: &Repo) -> Result<Option<String>> {
    if let Some(known) = super::head::from_file(&repo.git_dir) {
        return Ok(known);
    }
    match repo.output(["symbolic-ref", "--quiet", "HEAD"]) {
        Ok(out) => {
            let full = String::from_utf8_lossy(&out).trim_end().to_string();
            Ok(Some(full.strip_prefix("refs/heads/").map(str::to_string).unwrap_or(full)))
        }
        Err(err) => match err.downcast_ref::<GitError>() {
            Some(git) if git.code == Some(1) => Ok(None),
            _ => Err(err),
        },
    }
}

fn parse_mode(text: &str) -> Result<u32> {
    u32::from_str_radix(text, 8).with_context(|| format!("unexpected file mode `{text}` from git"))
}

fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(OsString::from_vec(bytes.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// git in `dir`; 1 is fine too (a merge that stops at a conflict).
    fn git(dir: &Path, args: &[&str]) {
        let code = super::super::index_file::tests::git_code(dir, args);
        assert!(code.is_some_and(|c| c <= 1), "git {args:?}: {code:?}");
    }

    /// The index read directly lists what `git ls-files --stage` lists, conflict stages
    /// included; a split index, which the reader leaves alone, is listed by git.
    #[test]
    fn the_listing_read_from_the_index_is_gits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        for (name, body) in [("a.txt", "one\n"), ("a/b.txt", "x\n"), ("a-b/c", "y\n"), ("conflict.txt", "base\n")] {
            std::fs::create_dir_all(root.join(name).parent().expect("parent")).expect("mkdir");
            std::fs::write(root.join(name), body).expect("write");
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "base"]);
        git(root, &["checkout", "-q", "-b", "other"]);
        std::fs::write(root.join("conflict.txt"), "other\n").expect("write");
        git(root, &["commit", "-q", "-am", "other"]);
        git(root, &["checkout", "-q", "main"]);
        std::fs::write(root.join("conflict.txt"), "main\n").expect("write");
        git(root, &["commit", "-q", "-am", "main"]);
        git(root, &["merge", "-q", "other"]);
        let repo = Repo::discover(root).expect("discover").expect("repo");
        let from_git = |repo: &Repo| -> Vec<IndexEntry> {
            let out = repo.output(["ls-files", "--stage", "-z"]).expect("ls-files");
            out.split(|b| *b == 0).filter(|r| !r.is_empty()).map(|r| parse_index_record(r).expect("record")).collect()
        };
        let listed = ls_files_stage(&repo).expect("listing");
        assert!(listed.iter().any(|e| e.stage == 3), "the conflict is listed: {listed:?}");
        assert_eq!(listed, from_git(&repo));

        git(root, &["update-index", "--split-index"]);
        let repo = Repo::discover(root).expect("discover").expect("repo");
        assert!(repo.read_index().is_err(), "a split index is left to git");
        assert_eq!(ls_files_stage(&repo).expect("listing"), from_git(&repo));
    }

    #[test]
    fn parses_raw_diff_records() {
        let out = b":000000 160000 0000000000000000000000000000000000000000 \
1111111111111111111111111111111111111111 A\0sub\0:100644 000000 \
2222222222222222222222222222222222222222 0000000000000000000000000000000000000000 D\0dir/a b\0";
        let changes = parse_raw_diff(out).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].new_mode, MODE_GITLINK);
        assert_eq!(changes[0].status, b'A');
        assert_eq!(changes[0].path, PathBuf::from("sub"));
        assert_eq!(changes[1].old_mode, 0o100644);
        assert_eq!(changes[1].status, b'D');
        assert_eq!(changes[1].path, PathBuf::from("dir/a b"));
    }

    #[test]
    fn rejects_garbage_raw_diff() {
        assert!(parse_raw_diff(b"not a diff\0x\0").is_err());
        assert!(parse_raw_diff(b":100644 100644 a b M\0").is_err());
    }

    #[test]
    fn parses_index_records() {
        let entry = parse_index_record(b"100755 3333333333333333333333333333333333333333 0\tbin/run me").unwrap();
        assert_eq!(entry.mode, 0o100755);
        assert!(mode_is_executable(entry.mode));
        assert_eq!(entry.stage, 0);
        assert_eq!(entry.path, PathBuf::from("bin/run me"));
        assert!(parse_index_record(b"garbage").is_err());
    }

    #[test]
    fn parses_batch_output() {
        let out = b"aaa blob 3\nx\ny\nbbb missing\nccc blob 0\n\n";
        let blobs = parse_batch(out, 3).unwrap();
        assert_eq!(blobs, vec![Some(b"x\ny".to_vec()), None, Some(Vec::new())]);
        assert!(parse_batch(b"aaa blob 10\nshort\n", 1).is_err());
    }

    #[test]
    fn executable_bits() {
        assert!(!mode_is_executable(0o100644));
        assert!(mode_is_executable(0o100755));
        assert!(mode_is_executable(0o100654 | 0o001));
    }
}
