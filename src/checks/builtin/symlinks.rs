//! check-symlinks (links to nothing) and destroyed-symlinks (links turned into plain files).

use std::collections::HashSet;
use std::path::Path;

use super::engine::{CheckResult, Context};
use crate::outcome::Diagnostic;
use crate::repo::index::{self, RawChange, MODE_SYMLINK};
use crate::select::identify::Tag;
use crate::select::FileEntry;

pub(crate) fn run_broken(ctx: &Context, files: &[&FileEntry]) -> CheckResult {
    let mut result = CheckResult::default();
    for file in files.iter().filter(|f| f.types.contains(Tag::SYMLINK)) {
        let path = ctx.root.join(&file.rel);
        let Ok(target) = std::fs::read_link(&path) else { continue };
        if std::fs::metadata(&path).is_err() {
            let message = format!(
                "broken symlink: its target `{}` does not exist; fix the target or remove the link",
                target.display()
            );
            result.diagnostics.push(Diagnostic::error(&file.path, message).with_rule("check-symlinks"));
        }
    }
    result
}

/// A symlink in HEAD whose staged version is a regular file holding the link's target: what a
/// checkout without symlink support leaves behind.
pub(crate) fn run_destroyed(ctx: &Context, files: &[&FileEntry]) -> Result<CheckResult, String> {
    let Some(repo) = ctx.repo else { return Ok(CheckResult::default()) };
    let selected: HashSet<&Path> = files.iter().map(|f| f.rel.as_path()).collect();
    let suspects: Vec<&RawChange> = ctx
        .changes()?
        .iter()
        .filter(|c| c.old_mode == MODE_SYMLINK && c.new_mode != MODE_SYMLINK && c.new_mode != 0)
        .filter(|c| selected.contains(c.path.as_path()))
        .collect();
    let differing: Vec<&RawChange> = suspects.iter().copied().filter(|c| c.old_oid != c.new_oid).collect();
    let oids: Vec<&str> = differing.iter().flat_map(|c| [c.old_oid.as_str(), c.new_oid.as_str()]).collect();
    let blobs = index::read_blobs(repo, &oids).map_err(|e| format!("{e:#}"))?;
    let mut destroyed: HashSet<&Path> =
        suspects.iter().filter(|c| c.old_oid == c.new_oid).map(|c| c.path.as_path()).collect();
    for (change, pair) in differing.iter().zip(blobs.chunks_exact(2)) {
        if let [Some(link), Some(file)] = pair {
            if holds_link_target(link, file) {
                destroyed.insert(change.path.as_path());
            }
        }
    }
    let mut result = CheckResult::default();
    for change in suspects.iter().filter(|c| destroyed.contains(c.path.as_path())) {
        let path = change.path.to_string_lossy();
        let message = format!(
            "was a symlink and is now a regular file holding its target: unstage it with \
             `git reset HEAD -- {path}` and, if this checkout cannot make symlinks, run \
             `git config core.symlinks false`"
        );
        result.diagnostics.push(Diagnostic::error(path, message).with_rule("destroyed-symlinks"));
    }
    Ok(result)
}

/// The file is the link target, give or take trailing whitespace an editor may have added.
fn holds_link_target(link: &[u8], file: &[u8]) -> bool {
    file.len() <= link.len() + 2 && link.trim_ascii_end() == file.trim_ascii_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_target_comparison() {
        assert!(holds_link_target(b"../lib/a.so", b"../lib/a.so\n"));
        assert!(holds_link_target(b"target", b"target\r\n"));
        assert!(!holds_link_target(b"target", b"target\n\n\n"));
        assert!(!holds_link_target(b"target", b"other\n"));
    }
}
