//! The checked-out branch read from the worktree's `HEAD` file, where that file settles it.
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
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(git_dir.join("HEAD"))
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.by_ref().take(MAX_HEAD_BYTES + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX_HEAD_BYTES {
        return None;
    }
    parse(std::str::from_utf8(&bytes).ok()?)
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
    let is_oid = matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit());
    is_oid.then_some(None)
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
