//! A run over every file, a few of which differ from the index, answered from the index's whole
//! report (see `run_record`): only those files are checked, and what the checks say of them
//! takes the place of what the report said. What the report says of every other file holds,
//! since its verdicts follow from the files' contents, which are the index's.
//!
//! Only where the merged report is the one a full run would print: each changed file still has
//! the tags it had (so every check sees the same files), no finding of the report was left out
//! past a check's limit, and neither a baseline nor `--fail-fast` makes one file's findings
//! depend on another's. Checks of paths (case conflicts, Windows names, new submodules) look at
//! the index, which is the same, and keep their verdicts; check-added-large-files, whose verdict
//! on a file depends on its size, looks again at the changed ones.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::checks::builtin::{Builtin, Scope};
use crate::config::{CheckKind, Config};
use crate::outcome::{CacheSummary, CacheUse, CheckOutcome, Report, Severity, Status};
use crate::select::identify::TagSet;
use crate::select::{FileEntry, Known};

/// What checking the changed files alone needs: the index's report, the changed files as they
/// are now, and the checks to run on them.
pub struct Delta {
    base: Report,
    pub files: Vec<FileEntry>,
    /// The checks whose verdicts on the changed files are asked again.
    pub checks: Vec<String>,
}

/// The delta for the `changed` entries of `known`, whose tags were `tags` when `base` was made;
/// `None` when the merged report could differ from a full run's.
pub fn prepare(
    config: &Config,
    ids: &[String],
    base: Report,
    changed: &[usize],
    tags: &[TagSet],
    known: &Known,
    root: &Path,
) -> Option<Delta> {
    // `--fail-fast` (asked by the caller, with the setting) stops on another file's finding.
    if config.baseline.is_some() {
        return None;
    }
    // Findings are ordered by path as text: every path must be text for that to be exact.
    if known.index.entries.iter().any(|e| std::str::from_utf8(&e.path).is_err()) {
        return None;
    }
    let mut files = Vec::with_capacity(changed.len());
    for (&i, &had) in changed.iter().zip(tags) {
        let rel = PathBuf::from(std::str::from_utf8(&known.index.entries[i].path).ok()?);
        let file = crate::select::classify_known(root, rel, known).ok()??;
        if file.types != had {
            return None;
        }
        files.push(file);
    }
    let checks: Vec<String> = config
        .checks
        .iter()
        .filter(|c| ids.contains(&c.id))
        .filter(|c| match &c.kind {
            CheckKind::Builtin(b) => b.scope() == Scope::Content || matches!(b, Builtin::CheckAddedLargeFiles { .. }),
            CheckKind::External(_) => false,
        })
        .map(|c| c.id.clone())
        .collect();
    // A finding left out of the report past the limit would have to come back.
    let capped =
        base.checks.iter().filter(|o| checks.contains(&o.id)).any(|o| o.diagnostics.iter().any(|d| d.path.is_none()));
    (!capped).then_some(Delta { base, files, checks })
}

/// The report a full run would print: the index's, with what `fresh` (the run of
/// [`Delta::checks`] over [`Delta::files`]) says of the changed files in place of what it said.
pub fn merge(delta: Delta, fresh: Vec<CheckOutcome>, counts: Option<(usize, usize)>, duration_ms: u64) -> Report {
    let changed: HashSet<&str> = delta.files.iter().map(|f| f.path.as_str()).collect();
    let checks: Vec<CheckOutcome> = delta
        .base
        .checks
        .iter()
        .map(|old| match fresh.iter().find(|f| f.id == old.id) {
            Some(new) => merged(old, new, &changed),
            None => CheckOutcome { duration_ms: 0, ..old.clone() },
        })
        .collect();
    let mut report = Report::new(checks, duration_ms);
    report.summary.cache = delta.base.summary.cache.as_ref().map(|c| CacheSummary {
        from_cache: c.files.saturating_sub(counts.map_or(0, |(files, hits)| files - hits.min(files))),
        rechecked: Some(delta.files.len()),
        ..*c
    });
    report
}

/// One check's outcome: the report's findings in the files that did not change, and the fresh
/// ones in those that did, in the order of a full run (by path, each file's as found).
fn merged(old: &CheckOutcome, new: &CheckOutcome, changed: &HashSet<&str>) -> CheckOutcome {
    let mut diagnostics: Vec<_> =
        old.diagnostics.iter().filter(|d| d.path.as_deref().is_none_or(|p| !changed.contains(p))).cloned().collect();
    diagnostics.extend(new.diagnostics.iter().cloned());
    diagnostics.sort_by(|a, b| match (&a.path, &b.path) {
        (Some(a), Some(b)) => crate::select::path_order(Path::new(a), Path::new(b)),
        // Notes about no file come last, as a run adds them.
        (a, b) => a.is_none().cmp(&b.is_none()),
    });
    crate::exec::keep_first(&mut diagnostics);
    let (status, reason) = match new.status {
        // Interrupted, or a file that could not be read: as the fresh run says.
        Status::Error | Status::Skipped if new.files > 0 => (new.status, new.reason.clone()),
        _ if old.files == 0 => (old.status, old.reason.clone()),
        _ if !new.modified_files.is_empty() || diagnostics.iter().any(|d| d.severity == Severity::Error) => {
            (Status::Failed, None)
        }
        _ => (Status::Passed, None),
    };
    let cache = old.cache.as_ref().map(|_| {
        let fresh = new.cache.as_ref();
        CacheUse {
            from_cache: old.files.saturating_sub(new.files) + fresh.map_or(0, |c| c.from_cache),
            checked: fresh.map(|c| c.checked.clone()).unwrap_or_default(),
        }
    });
    CheckOutcome {
        status,
        reason,
        duration_ms: new.duration_ms,
        modified_files: new.modified_files.clone(),
        diagnostics,
        cache,
        ..old.clone()
    }
}
