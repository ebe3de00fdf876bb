//! A whole run over every file answered at once: when every tracked file is as the index says
//! and the run is made only of built-ins whose verdicts follow from the index, its report is
//! the one a run with the same index, staged changes and configuration printed before.
//!
//! The key covers everything such a run reads: ward's version, the mode, stage and check
//! choices, the bytes of `checks.toml` and of the baseline, every index entry's path, mode and
//! blob id, the staged changes (for the checks that look at them), `core.fileMode`, and the user
//! ward runs as (identify's `executable` tag depends on it). Whether every file is as the index
//! says is one `lstat` each, as `git status` does; one that is not, or a racily clean entry,
//! means the run goes the ordinary way, file by file.

use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;

use rayon::prelude::*;

use crate::cache::keys::digest;
use crate::cache::store::Key;
use crate::cache::Cache;
use crate::checks::builtin::{Builtin, Scope};
use crate::cli::Stage;
use crate::config::{CheckKind, Config};
use crate::outcome::{Report, Status};
use crate::plan::Mode;
use crate::repo::index_file::StatData;
use crate::repo::Repo;
use crate::worktree_fs::Meta;

/// What a run asks, as far as its report depends on it.
pub struct Ask<'a> {
    pub stage: Stage,
    pub only: &'a [String],
    pub skip: &'a std::collections::HashSet<String>,
    pub mode: Mode,
    pub fail_fast: bool,
}

/// What looking at every tracked file found: the key of the run's whole report when every file
/// is as the index says, and each file's `lstat` either way, for the selection to use rather
/// than asking again.
#[derive(Default)]
pub struct Looked {
    pub key: Option<Key>,
    pub stats: Option<Stats>,
}

pub use crate::select::Known as Stats;

/// Looks at every tracked file when the run could be answered whole (see [`Looked`]).
pub fn look(repo: &Repo, config: &Config, ask: &Ask) -> Looked {
    let Some(checks) = eligible(config, ask) else { return Looked::default() };
    let Ok(index) = repo.read_index() else { return Looked::default() };
    let (stats, as_indexed) = stat_every_file(&repo.root, &index);
    let key = (as_indexed && index.unmerged.is_empty()).then(|| key(repo, config, ask, &checks, &index)).flatten();
    Looked { key, stats: Some(stats) }
}

/// The checks of this run, when every one is a built-in whose verdict follows from the index.
fn eligible<'c>(config: &'c Config, ask: &Ask) -> Option<Vec<&'c Builtin>> {
    let checks: Vec<&Builtin> = config
        .checks
        .iter()
        .filter(|c| c.in_stage(ask.stage) && (ask.only.is_empty() || ask.only.contains(&c.id)))
        .map(|c| match &c.kind {
            CheckKind::Builtin(b) if c.cache != Some(crate::config::CacheMode::Off) => Some(b),
            _ => None,
        })
        .collect::<Option<_>>()?;
    (!checks.is_empty() && checks.iter().all(|b| follows_from_index(b))).then_some(checks)
}

/// The key of this run's report, every file being as the index says.
fn key(
    repo: &Repo,
    config: &Config,
    ask: &Ask,
    checks: &[&Builtin],
    index: &crate::repo::index_file::IndexFile,
) -> Option<Key> {
    let mut parts: Vec<Vec<u8>> = vec![
        b"run".to_vec(),
        format!(
            "{}|{:?}|{}|{:?}|{}",
            std::env!("CARGO_PKG_VERSION"),
            ask.mode,
            ask.stage.name(),
            ask.only,
            ask.fail_fast
        )
        .into_bytes(),
        std::env::var("WARD_CACHE_SALT").unwrap_or_default().into_bytes(),
    ];
    let mut skipped: Vec<&String> = ask.skip.iter().collect();
    skipped.sort();
    parts.push(format!("{skipped:?}").into_bytes());
    // The config as its loader read it; the baseline, a work-tree file, as every work-tree file
    // is read: never through a link.
    parts.push(config.path.as_deref().map_or_else(|| b"default checks".to_vec(), |p| tagged(std::fs::read(p))));
    let baseline = Path::new(crate::outcome::baseline::FILE_NAME);
    parts.push(tagged(crate::worktree_fs::read(&repo.root, baseline)));
    parts.push(format!("{:?}", crate::select::identity()).into_bytes());
    if checks.iter().any(|b| matches!(b, Builtin::CheckExecutablesHaveShebangs)) {
        parts.push(vec![u8::from(repo.core_file_mode())]);
    }
    if checks.iter().any(|b| matches!(b, Builtin::CheckAddedLargeFiles { .. } | Builtin::ForbidNewSubmodules)) {
        let staged = repo.staged_changes().ok()?;
        for change in staged.iter() {
            let line = format!(
                "{} {} {} {} {}",
                change.old_mode, change.new_mode, change.old_oid, change.new_oid, change.status
            );
            parts.push(line.into_bytes());
            parts.push(change.path.as_os_str().as_bytes().to_vec());
        }
        // check-added-large-files leaves out what git LFS stores, as the attributes say, and
        // those may come from outside the index (`.git/info/attributes`, `core.attributesFile`).
        let added: Vec<&Path> = staged.iter().filter(|c| c.status == b'A').map(|c| c.path.as_path()).collect();
        let mut filters: Vec<_> = crate::repo::index::filter_attributes(repo, &added).ok()?.into_iter().collect();
        filters.sort();
        parts.push(format!("{filters:?}").into_bytes());
    }
    let mut entries = Vec::with_capacity(index.entries.len() * 60);
    for entry in &index.entries {
        entries.extend_from_slice(&(entry.path.len() as u32).to_le_bytes());
        entries.extend_from_slice(&entry.path);
        entries.extend_from_slice(&entry.mode.to_le_bytes());
        entries.extend_from_slice(&entry.oid);
    }
    parts.push(entries);
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    Some(digest(&refs))
}

/// The report kept under `key`, as this run reports it: every result from the cache.
pub fn recall(cache: &Cache, key: &Key) -> Option<Report> {
    let mut report: Report = serde_json::from_slice(&cache.get_run(key)?).ok()?;
    for check in &mut report.checks {
        check.duration_ms = 0;
        if let Some(used) = &mut check.cache {
            used.from_cache = check.files;
            used.checked.clear();
        }
    }
    if let Some(summary) = &mut report.summary.cache {
        summary.from_cache = summary.files;
        summary.whole_run = true;
    }
    let results: usize = report.checks.iter().filter(|c| c.cache.is_some()).map(|c| c.files).sum();
    cache.count_hits(results as u64);
    Some(report)
}

/// Keeps `report` under `key` when replaying it would say what running did: no check changed a
/// file, none failed to run.
pub fn keep(cache: &Cache, key: &Key, report: &Report) {
    let clean = report.checks.iter().all(|c| c.modified_files.is_empty() && c.status != Status::Error);
    if clean {
        if let Ok(bytes) = serde_json::to_vec(report) {
            cache.put_run(key, &bytes);
        }
    }
}

/// Built-ins whose verdicts depend only on the files' contents, names and modes, and on what is
/// staged: not on the branch, the environment, a link's target or anything outside the index.
fn follows_from_index(builtin: &Builtin) -> bool {
    match builtin.scope() {
        Scope::Content => !matches!(builtin, Builtin::DetectAwsCredentials { .. }),
        Scope::Paths => matches!(
            builtin,
            Builtin::CheckCaseConflict
                | Builtin::CheckIllegalWindowsNames
                | Builtin::CheckAddedLargeFiles { .. }
                | Builtin::ForbidNewSubmodules
        ),
    }
}

/// Every tracked file's `lstat`, and whether each matches its index entry (none racily clean).
fn stat_every_file(root: &Path, index: &crate::repo::index_file::IndexFile) -> (Stats, bool) {
    crate::worktree_fs::new_batch();
    let found: Vec<(Option<Meta>, bool)> = index
        .entries
        .par_iter()
        .with_min_len(256)
        .map(|entry| {
            let rel = Path::new(std::ffi::OsStr::from_bytes(&entry.path));
            let meta = crate::worktree_fs::lstat_in_batch(root, rel).ok();
            let same = meta.is_some_and(|m| index.unchanged_entry(&entry.path, &StatData::of_lstat(&m)).is_some());
            (meta, same)
        })
        .collect();
    let as_indexed = found.iter().all(|(_, same)| *same);
    let stats = index.entries.iter().zip(found).filter_map(|(e, (meta, _))| Some((e.path.clone(), meta?))).collect();
    (stats, as_indexed)
}

/// A file's bytes, told apart from its absence.
fn tagged(read: std::io::Result<Vec<u8>>) -> Vec<u8> {
    match read {
        Ok(bytes) => [b"file:".as_slice(), &bytes].concat(),
        Err(_) => b"absent".to_vec(),
    }
}
