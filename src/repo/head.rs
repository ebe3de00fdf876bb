//! The checked-out branch, and the commit it points at, read from the worktree's `HEAD` file
//! and the ref files, where those settle it.
//!
//! A commit-msg hook asks for the branch on every commit; reading one small file costs
//! microseconds where a git process costs a millisecond or more. Only the plain cases are
//! answered here: a symbolic ref to a well-formed ref name, or a detached object id. Anything
//! else (the reftable backend's `refs/heads/.invalid` stub, a symbolic link, an odd format)
//! is left to git.

use std::io::Read as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

/// Longer than any HEAD git writes (`ref: ` and a ref name, or an object id).
const MAX_HEAD_BYTES: u64 = 4096;

/// `Some(Some(branch))` for a symbolic HEAD (`refs/heads/` removed, as `git symbolic-ref`
/// gives it otherwise in full), `Some(None)` for a detached HEAD, `None` when git must say.
pub fn from_file(git_dir: &Path) -> Option<Option<String>> {
    parse(&read_small(&git_dir.join("HEAD"), MAX_HEAD_BYTES).ok()??)
}

/// The id of the commit HEAD points at, in hex: `Some(None)` on an unborn branch, `None` when
/// git must say. A branch is looked for as a loose ref, then in `packed-refs`, as git does.
pub fn commit(git_dir: &Path, common_dir: &Path) -> Option<Option<String>> {
    let mut text = read_small(&git_dir.join("HEAD"), MAX_HEAD_BYTES).ok()??;
    // Branches may point at branches; git gives up after a few, and so does this.
    for _ in 0..5 {
        let text_now = text.trim_end();
        let Some(target) = text_now.strip_prefix("ref:").map(str::trim_start) else {
            return is_oid(text_now).then(|| Some(text_now.to_ascii_lowercase()));
        };
        // Other refs may be per worktree (`refs/bisect/`, ...): git knows where.
        if !target.starts_with("refs/heads/") || !is_valid_ref_name(target) {
            return None;
        }
        text = match read_small(&common_dir.join(target), MAX_HEAD_BYTES) {
            Ok(Some(loose)) => loose,
            Ok(None) => return None,
            Err(err) if matches!(err.raw_os_error(), Some(nix::libc::ENOENT | nix::libc::EISDIR)) => {
                return packed(common_dir, target);
            }
            Err(_) => return None,
        };
    }
    None
}

/// `name`'s id in `packed-refs`; `Some(None)` when it is not there (an unborn branch).
fn packed(common_dir: &Path, name: &str) -> Option<Option<String>> {
    // Thousands of tags fit well within this; a larger file is left to git.
    const MAX_PACKED_BYTES: u64 = 64 << 20;
    let text = match read_small(&common_dir.join("packed-refs"), MAX_PACKED_BYTES) {
        Ok(text) => text?,
        Err(err) if err.raw_os_error() == Some(nix::libc::ENOENT) => return Some(None),
        Err(_) => return None,
    };
    for line in text.lines() {
        if line.starts_with('#') || line.starts_with('^') {
            continue;
        }
        let (oid, refname) = line.split_once(' ')?;
        if refname == name {
            return is_oid(oid).then(|| Some(oid.to_ascii_lowercase()));
        }
    }
    Some(None)
}

/// The text of a regular file of at most `max` bytes, never through a link: `Ok(None)` when it
/// is something else, too large, or not text.
fn read_small(path: &Path, max: u64) -> std::io::Result<Option<String>> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(std::io::Error::from_raw_os_error(nix::libc::EISDIR));
    }
    if !meta.is_file() {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    file.by_ref().take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Ok(None);
    }
    Ok(String::from_utf8(bytes).ok())
}

fn is_oid(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What the content of a `HEAD` file says, as [`from_file`].
pub fn parse(text: &str) -> Option<Option<String>> {
    // git trims trailing whitespace and accepts spaces after `ref:`.
    let text = text.trim_end();
    if let Some(target) = text.strip_prefix("ref:") {
        let target = target.trim_start();
        if !target.starts_with("refs/") || !is_valid_ref_name(target) {
            return None;
        }
        return Some(Some(target.strip_prefix("refs/heads/").unwrap_or(target).to_string()));
    }
    is_oid(text).then_some(None)
}

/// git's `check-ref-format` rules for a full ref name, so that a name git would refuse (the
/// reftable stub `refs/heads/.invalid` among them) is never taken for a branch.
fn is_valid_ref_name(name: &str) -> bool {
    let forbidden = |c: char| c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\');
    name != "@"
        && !name.contains("..")
        && !name.contains("@{")
        && !name.ends_with('.')
        && !name.chars().any(forbidden)
        && name.split('/').all(|part| !part.is_empty() && !part.starts_with('.') && !part.ends_with(".lock"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn symbolic_heads_give_the_branch() {
        assert_eq!(parse("ref: refs/heads/main\n"), Some(Some("main".into())));
        assert_eq!(
            parse("ref: refs/heads/feat/oxp-1087-update-nafo-on-fulfillment\n"),
            Some(Some("feat/oxp-1087-update-nafo-on-fulfillment".into()))
        );
        // git accepts no space, or several, after `ref:`, and trailing whitespace.
        assert_eq!(parse("ref:refs/heads/main"), Some(Some("main".into())));
        assert_eq!(parse("ref:   refs/heads/main \r\n"), Some(Some("main".into())));
        // Outside refs/heads/ the full name, as `git symbolic-ref HEAD` prints it.
        assert_eq!(parse("ref: refs/remotes/origin/main\n"), Some(Some("refs/remotes/origin/main".into())));
    }

    #[test]
    fn object_ids_are_a_detached_head() {
        assert_eq!(parse("3b18e512dba79e4c8300dd08aeb37f8e728b8dad\n"), Some(None));
        assert_eq!(parse(&format!("{}\n", "a".repeat(64))), Some(None));
    }

    #[test]
    fn what_git_must_settle_is_left_to_it() {
        // The reftable backend's stub: the real HEAD is in the tables.
        assert_eq!(parse("ref: refs/heads/.invalid\n"), None);
        for odd in [
            "",
            "ref: ",
            "ref: main",
            "ref: refs/heads/a..b",
            "ref: refs/heads/x.lock",
            "ref: refs/heads/a b",
            "ref: refs/heads/a\u{1b}[31m",
            "ref: refs/heads/x.",
            "ref: refs/heads//x",
            "ref: refs/heads/a@{1}",
            "3b18e512dba79e4c8300dd08aeb37f8e728b8da",
            "3b18e512dba79e4c8300dd08aeb37f8e728b8dazz",
        ] {
            assert_eq!(parse(odd), None, "{odd:?}");
        }
    }

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = crate::repo::index_file::tests::git_output(dir, args);
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8").trim().to_string()
    }

    #[test]
    fn the_commit_is_the_one_git_resolves() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let git_dir = root.join(".git");
        git(root, &["init", "-q", "-b", "main"]);
        assert_eq!(commit(&git_dir, &git_dir), Some(None), "unborn");
        git(root, &["commit", "-q", "--allow-empty", "-m", "one"]);
        let one = git(root, &["rev-parse", "HEAD"]);
        assert_eq!(commit(&git_dir, &git_dir), Some(Some(one.clone())), "loose");
        git(root, &["pack-refs", "--all"]);
        assert!(!git_dir.join("refs/heads/main").exists());
        assert_eq!(commit(&git_dir, &git_dir), Some(Some(one.clone())), "packed");
        git(root, &["commit", "-q", "--allow-empty", "-m", "two"]);
        let two = git(root, &["rev-parse", "HEAD"]);
        assert_eq!(commit(&git_dir, &git_dir), Some(Some(two.clone())), "loose over packed");
        git(root, &["checkout", "-q", "-b", "feat/oxp-1087-x"]);
        assert_eq!(commit(&git_dir, &git_dir), Some(Some(two.clone())), "a branch in a folder");
        git(root, &["checkout", "-q", "--detach", &one]);
        assert_eq!(commit(&git_dir, &git_dir), Some(Some(one.clone())), "detached");
        git(root, &["checkout", "-q", "main"]);
        git(root, &["symbolic-ref", "refs/heads/alias", "refs/heads/main"]);
        git(root, &["symbolic-ref", "HEAD", "refs/heads/alias"]);
        assert_eq!(commit(&git_dir, &git_dir), Some(Some(two)), "a branch pointing at a branch");
        git(root, &["symbolic-ref", "HEAD", "refs/heads/never"]);
        assert_eq!(commit(&git_dir, &git_dir), Some(None), "unborn, with other refs packed");
        // A linked worktree: HEAD of its own, refs shared.
        git(root, &["symbolic-ref", "HEAD", "refs/heads/main"]);
        let linked = root.join("linked");
        git(root, &["worktree", "add", "-q", "--detach", linked.to_str().unwrap(), &one]);
        let own = PathBuf::from(git(&linked, &["rev-parse", "--path-format=absolute", "--git-dir"]));
        assert_eq!(commit(&own, &git_dir), Some(Some(one)), "linked worktree");
        // What git must settle: a ref outside refs/heads, a link.
        std::fs::write(git_dir.join("HEAD"), "ref: refs/remotes/origin/main\n").unwrap();
        assert_eq!(commit(&git_dir, &git_dir), None);
        std::fs::write(git_dir.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::rename(git_dir.join("refs/heads/main"), git_dir.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(git_dir.join("elsewhere"), git_dir.join("refs/heads/main")).unwrap();
        assert_eq!(commit(&git_dir, &git_dir), None);
    }

    #[test]
    fn a_linked_or_missing_head_file_is_left_to_git() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(from_file(dir.path()), None);
        std::fs::write(dir.path().join("elsewhere"), "ref: refs/heads/main\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), dir.path().join("HEAD")).unwrap();
        assert_eq!(from_file(dir.path()), None);
        std::fs::remove_file(dir.path().join("HEAD")).unwrap();
        std::fs::write(dir.path().join("HEAD"), "ref: refs/heads/main\n").unwrap();
        assert_eq!(from_file(dir.path()), Some(Some("main".into())));
        std::fs::write(dir.path().join("HEAD"), format!("ref: refs/heads/{}\n", "x".repeat(5000))).unwrap();
        assert_eq!(from_file(dir.path()), None);
    }
}
