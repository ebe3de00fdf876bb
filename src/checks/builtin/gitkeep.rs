//! forbid-gitkeep-removal: deleting a `.gitkeep` must not leave its directory untracked.

use std::path::{Path, PathBuf};

use super::engine::{CheckResult, Context};
use crate::outcome::Diagnostic;
use crate::repo::index;
use crate::select::Selection;

const RULE: &str = "forbid-gitkeep-removal";

/// Deletions never appear in a file selection, so this reads the staged changes (or the range).
pub(crate) fn run(ctx: &Context) -> Result<CheckResult, String> {
    let Some(repo) = ctx.repo else { return Ok(CheckResult::default()) };
    let removed: Vec<&Path> = ctx
        .changes()?
        .iter()
        .filter(|c| c.status == b'D' && c.path.file_name().is_some_and(|n| n == ".gitkeep"))
        .map(|c| c.path.as_path())
        .collect();
    if removed.is_empty() {
        return Ok(CheckResult::default());
    }
    // What the directory will hold after the commit: the index, or the tree at the range's end.
    let remaining: Vec<PathBuf> = match ctx.selection {
        Selection::Range { to, .. } => index::tree_paths(repo, to).map_err(|e| format!("{e:#}"))?,
        _ => ctx.tracked()?.map(|entries| entries.iter().map(|e| e.path.clone()).collect()).unwrap_or_default(),
    };
    let diagnostics = removed
        .into_iter()
        .filter_map(|gitkeep| {
            let dir = gitkeep.parent().filter(|d| !d.as_os_str().is_empty())?;
            let emptied = !remaining.iter().any(|p| p.starts_with(dir));
            emptied.then(|| diagnostic(gitkeep, dir))
        })
        .collect();
    Ok(CheckResult { diagnostics, ..CheckResult::default() })
}

fn diagnostic(gitkeep: &Path, dir: &Path) -> Diagnostic {
    let (gitkeep, dir) = (gitkeep.to_string_lossy(), dir.to_string_lossy());
    let message = format!(
        "deleting it leaves `{dir}/` with no tracked file, so the directory disappears from fresh \
         checkouts: keep it with `git restore --staged --worktree {gitkeep}`, or add another file to `{dir}/`"
    );
    Diagnostic::error(gitkeep, message).with_rule(RULE)
}
