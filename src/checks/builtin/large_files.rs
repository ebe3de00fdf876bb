//! check-added-large-files: newly added files over `max_kb`, leaving Git LFS files alone.

use std::collections::HashSet;
use std::path::Path;

use super::engine::{CheckResult, Context};
use crate::outcome::Diagnostic;
use crate::repo::index;
use crate::select::identify::Tag;
use crate::select::FileEntry;

const RULE: &str = "check-added-large-files";

pub(crate) fn run(ctx: &Context, max_kb: u64, enforce_all: bool, files: &[&FileEntry]) -> Result<CheckResult, String> {
    let too_big = |f: &&FileEntry| size(ctx, f).div_ceil(1024) > max_kb;
    // Only files over the limit need git's word on LFS: usually none, so no git call at all.
    let candidates: Vec<&FileEntry> = candidates(ctx, enforce_all, files)?.into_iter().filter(too_big).collect();
    let candidates = if candidates.is_empty() { candidates } else { without_lfs(ctx, candidates)? };
    let mut result = CheckResult::default();
    for file in candidates {
        let kb = size(ctx, file).div_ceil(1024);
        let message = format!(
            "is {kb} KB, over the {max_kb} KB limit: keep it out of git, track it with Git LFS \
             (`git lfs track`), or raise `max_kb`"
        );
        result.diagnostics.push(Diagnostic::error(&file.path, message).with_rule(RULE));
    }
    Ok(result)
}

/// Only files being added, unless `enforce_all` (or there is no repository to ask).
fn candidates<'f>(ctx: &Context, enforce_all: bool, files: &[&'f FileEntry]) -> Result<Vec<&'f FileEntry>, String> {
    if enforce_all || ctx.repo.is_none() {
        return Ok(files.to_vec());
    }
    let added: HashSet<&Path> = ctx.changes()?.iter().filter(|c| c.status == b'A').map(|c| c.path.as_path()).collect();
    Ok(files.iter().copied().filter(|f| added.contains(f.rel.as_path())).collect())
}

fn without_lfs<'f>(ctx: &Context, files: Vec<&'f FileEntry>) -> Result<Vec<&'f FileEntry>, String> {
    let Some(repo) = ctx.repo else { return Ok(files) };
    let paths: Vec<&Path> = files.iter().map(|f| f.rel.as_path()).collect();
    let filters = index::filter_attributes(repo, &paths).map_err(|e| format!("{e:#}"))?;
    Ok(files.into_iter().filter(|f| filters.get(&f.rel).is_none_or(|v| v != "lfs")).collect())
}

/// The size git will store; for a symlink, what it points to, as pre-commit-hooks measures.
fn size(ctx: &Context, file: &FileEntry) -> u64 {
    if file.types.contains(Tag::SYMLINK) {
        return std::fs::metadata(ctx.root.join(&file.rel)).map_or(file.size, |m| m.len());
    }
    file.size
}
