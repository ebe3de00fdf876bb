//! forbid-new-submodules: no gitlink may be added, staged or in the checked range.

use std::path::{Component, Path, PathBuf};

use super::engine::{CheckResult, Context};
use crate::outcome::Diagnostic;
use crate::repo::index::MODE_GITLINK;
use crate::select::Selection;

/// Looks at the staged changes (or `from...to` for a range) rather than at the selected files:
/// a submodule is a directory, which file selection may leave out. With explicit paths, only
/// those paths count, as in pre-commit-hooks.
pub(crate) fn run(ctx: &Context) -> Result<CheckResult, String> {
    let only: Option<Vec<PathBuf>> = match ctx.selection {
        Selection::Files(paths) => Some(paths.iter().map(|p| normalize(p)).collect()),
        _ => None,
    };
    let diagnostics = ctx
        .changes()?
        .iter()
        .filter(|c| c.status == b'A' && c.new_mode == MODE_GITLINK)
        .filter(|c| only.as_ref().is_none_or(|only| only.contains(&c.path)))
        .map(|c| {
            let path = c.path.to_string_lossy();
            let message = format!(
                "adds a git submodule, which is not allowed here: remove it with `git rm --cached {path}` \
                 (and its entry in .gitmodules)"
            );
            Diagnostic::error(path, message).with_rule("forbid-new-submodules")
        })
        .collect();
    Ok(CheckResult { diagnostics, ..CheckResult::default() })
}

/// `./sub/` and `sub` name the same path.
fn normalize(path: &Path) -> PathBuf {
    path.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}
