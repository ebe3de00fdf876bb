//! A whole run over every file answered at once: when every tracked file is as the index says
//! and the run is made only of built-ins whose verdicts follow from the index, its report is
//! the one a run with the same index, staged changes and configuration printed before.
//!
//! The key covers everything such a run reads: ward's version, the mode, stage and check
//! choices, the bytes of `checks.toml` and of the baseline, every index entry's path, mode and
//! blob id, what is staged where it matters (HEAD's commit stands for it, with the index),
//! `core.fileMode`, and the user ward runs as (identify's `executable` tag depends on it). Whether every file is as the index
//! says is one `lstat` each, as `git status` does. A few files that are not (edited, or racily
//! clean) are checked alone against that report (see `run_delta`); more, and the run goes the
//! ordinary way, file by file.

use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::cache::keys::digest;
use crate::cache::store::Key;
use crate::cache::Cache;
use crate::checks::builtin::{Builtin, Scope};
use crate::cli::Stage;
use crate::config::{CheckKind, Config};
use crate::outcome::{Report, Status};
use crate::plan::Mode;
use crate::repo::index_file::{Entry, IndexFile, StatData};
use crate::repo::Repo;
use crate::select::identify::TagSet;
use crate::select::FileSet;
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
    /// Files over check-added-large-files' limit whose being added HEAD's commit stands for in
    /// the key: the report keeps the attributes of those being added (see [`keep`]).
    large: Vec<Box<[u8]>>,
    /// The index entries whose files are not as the index says: `key` is then that of the
    /// index's report, which holds for every other file.
    pub changed: Vec<usize>,
}

/// The most files that may differ from the index for a run to be answered from the index's
/// report; past that, checking file by file costs no more.
fn most_changed(files: usize) -> usize {
    (files / 20).max(64)
}

pub use crate::select::Known as Stats;

/// Looks at every tracked file when the run could be answered whole (see [`Looked`]).
pub fn look(repo: &Repo, config: &Config, ask: &Ask) -> Looked {
    let Some(checks) = eligible(config, ask) else { return Looked::default() };
    let Ok(index) = repo.read_index() else { return Looked::default() };
    // What git alone can say, asked while the files are looked at.
    let wants = Wants::of(&checks, &index, |i| u64::from(index.entries[i].stat.size));
    // Read once, whether the prefetch or the key asks first.
    let head = std::cell::OnceCell::new();
    let head_commit = || head.get_or_init(|| repo.head_commit()).clone();
    let head_known = wants.large_added && head_commit().is_some();
    repo.prefetch(crate::repo::Prefetch {
        staged: wants.gitlinks || (wants.large_added && !head_known),
        file_mode: wants.file_mode,
        ..Default::default()
    });
    let (stats, changed) = stat_every_file(&repo.root, &index);
    if changed.len() > most_changed(index.entries.len()) || !index.unmerged.is_empty() {
        return Looked { stats: Some(stats), ..Looked::default() };
    }
    match key(repo, config, ask, &checks, &stats, &head_commit) {
        Some((key, large)) => Looked { key: Some(key), stats: Some(stats), large, changed },
        None => Looked { stats: Some(stats), ..Looked::default() },
    }
}

/// What a run's key needs beyond the index: `core.fileMode` for the shebang check's wording, and
/// what is being added only when a file could be an added one over the size limit, or a
/// submodule a new one. Usually neither can be, and git is not asked.
#[derive(Default)]
struct Wants {
    file_mode: bool,
    /// Entries over check-added-large-files' limit (or links, measured by their target).
    large: Vec<usize>,
    /// Whether being added matters for those (not with `enforce_all`).
    large_added: bool,
    /// forbid-new-submodules with a submodule in the index.
    gitlinks: bool,
}

impl Wants {
    fn of(checks: &[&Builtin], index: &IndexFile, size: impl Fn(usize) -> u64) -> Wants {
        let mut wants = Wants {
            file_mode: checks.iter().any(|b| matches!(b, Builtin::CheckExecutablesHaveShebangs)),
            ..Wants::default()
        };
        for builtin in checks {
            match builtin {
                Builtin::CheckAddedLargeFiles { max_kb, enforce_all } => {
                    // A link is measured by what it points to, which the index does not hold.
                    let large = |i: usize| {
                        let mode = index.entries[i].mode & 0o170000;
                        mode == 0o120000 || (mode == 0o100000 && size(i).div_ceil(1024) > *max_kb)
                    };
                    wants.large = (0..index.entries.len()).filter(|i| large(*i)).collect();
                    wants.large_added = !enforce_all && !wants.large.is_empty();
                }
                Builtin::ForbidNewSubmodules => {
                    wants.gitlinks = index.entries.iter().any(|e| e.mode == crate::repo::index::MODE_GITLINK);
                }
                _ => {}
            }
        }
        wants
    }
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

/// The key of this run's report, every file being as the index says, and the large files whose
/// attributes [`keep`] is to record.
fn key(
    repo: &Repo,
    config: &Config,
    ask: &Ask,
    checks: &[&Builtin],
    stats: &Stats,
    head_commit: &dyn Fn() -> Option<Option<String>>,
) -> Option<(Key, Vec<Box<[u8]>>)> {
    let index = &stats.index;
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
    // Sizes as the files have them: the index keeps only their low 32 bits.
    let wants = Wants::of(checks, index, |i| stats.stats[i].map_or(u64::MAX, |m| m.size));
    if wants.file_mode {
        parts.push(vec![u8::from(repo.core_file_mode())]);
    }
    let large: Vec<&crate::repo::index_file::Entry> = wants.large.iter().map(|i| &index.entries[*i]).collect();
    let path_of = |e: &crate::repo::index_file::Entry| Path::new(std::ffi::OsStr::from_bytes(&e.path)).to_path_buf();
    // What is staged follows from HEAD's commit and the index, both in the key: the commit id,
    // read from the ref files, stands for it where nothing else than being added matters.
    let head = (wants.large_added && !wants.gitlinks).then(head_commit).flatten();
    let mut deferred = Vec::new();
    if let Some(commit) = &head {
        parts.push(format!("head {commit:?}").into_bytes());
        deferred = large.iter().map(|e| e.path.clone()).collect();
    } else {
        let added: Option<Vec<PathBuf>> = if wants.gitlinks || wants.large_added {
            let staged = repo.staged_changes().ok()?;
            Some(staged.iter().filter(|c| c.status == b'A').map(|c| c.path.clone()).collect())
        } else {
            None
        };
        let added = added.map(|a| a.into_iter().collect::<std::collections::HashSet<PathBuf>>());
        let is_added = |e: &crate::repo::index_file::Entry| added.as_ref().is_none_or(|a| a.contains(&path_of(e)));
        if wants.gitlinks {
            // A submodule's staged commit is its index entry: whether it is new is what counts.
            let gitlinks = index.entries.iter().filter(|e| e.mode == crate::repo::index::MODE_GITLINK);
            let new: Vec<&[u8]> = gitlinks.filter(|e| is_added(e)).map(|e| e.path.as_ref()).collect();
            parts.push(format!("{new:?}").into_bytes());
        }
        let large: Vec<&crate::repo::index_file::Entry> = large.into_iter().filter(|e| is_added(e)).collect();
        parts.push(attributes(repo, index, large.iter().map(|e| e.path.as_ref()))?.into_bytes());
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
    Some((digest(&refs), deferred))
}

/// The `filter` attributes of the large files being added, in a form to compare:
/// check-added-large-files leaves out what git LFS stores, and the attributes may come from
/// outside the index (`.git/info/attributes`, `core.attributesFile`). `None` for a link among
/// them (measured by its target, which nothing here covers) or when git cannot say.
fn attributes<'p>(repo: &Repo, index: &IndexFile, paths: impl Iterator<Item = &'p [u8]>) -> Option<String> {
    let paths: Vec<&[u8]> = paths.collect();
    if paths.iter().any(|p| index.get(p).is_none_or(|e| e.mode & 0o170000 == 0o120000)) {
        return None;
    }
    let paths: Vec<&Path> = paths.iter().map(|p| Path::new(std::ffi::OsStr::from_bytes(p))).collect();
    let mut filters: Vec<_> = crate::repo::index::filter_attributes(repo, &paths).ok()?.into_iter().collect();
    filters.sort();
    Some(format!("{paths:?} {filters:?}"))
}

/// The key the report itself is kept under. When HEAD's commit stood for what is staged, which
/// of the large files are being added is kept beside the run's key (it follows from the commit
/// and the index), and their attributes, which may have changed since, are asked again: they
/// are part of this key. `None` when what is needed is not known yet.
fn report_key(repo: &Repo, cache: &Cache, looked: &Looked, added: Option<&[Vec<u8>]>) -> Option<Key> {
    let (key, index) = (looked.key.as_ref()?, &looked.stats.as_ref()?.index);
    if looked.large.is_empty() {
        return Some(digest(&[b"report", key]));
    }
    let kept;
    let added = match added {
        Some(added) => added,
        None => {
            kept = serde_json::from_slice::<Vec<Vec<u8>>>(&cache.get_run(&added_key(key))?).ok()?;
            &kept
        }
    };
    let attributes =
        if added.is_empty() { String::new() } else { attributes(repo, index, added.iter().map(Vec::as_slice))? };
    Some(digest(&[b"report", key, attributes.as_bytes()]))
}

/// The index's report, as it was kept.
fn recall_report(repo: &Repo, cache: &Cache, looked: &Looked) -> Option<Report> {
    let key = report_key(repo, cache, looked, None)?;
    serde_json::from_slice(&cache.get_run(&key)?).ok()
}

/// The index's report for a run whose `looked.changed` files differ from the index, with the
/// tags those files had when it was made; `None` when either was not kept.
pub fn recall_base(repo: &Repo, cache: &Cache, looked: &Looked) -> Option<(Report, Vec<TagSet>)> {
    let (key, stats) = (looked.key.as_ref()?, looked.stats.as_ref()?);
    if looked.changed.is_empty() {
        return None;
    }
    let kept = cache.get_run(&tags_key(key))?;
    let tags = looked.changed.iter().map(|&i| kept_tags(&kept, i, stats.index.entries.len())).collect::<Option<_>>()?;
    Some((recall_report(repo, cache, looked)?, tags))
}

/// The tags each index entry's file had, kept beside the index's report: a run over a few
/// changed files may stand on that report only if each still has the tags it had.
fn tags_key(key: &Key) -> Key {
    digest(&[b"tags", key])
}

/// Kept as: the entry count (u32), the distinct tag sets (a count, then each), then one u16 per
/// entry: its set, or `u16::MAX` for a file the run did not select.
fn encode_tags(index: &IndexFile, files: &FileSet) -> Option<Vec<u8>> {
    let mut palette: Vec<TagSet> = Vec::new();
    let mut of_entry = vec![u16::MAX; index.entries.len()];
    for file in &files.files {
        let Some(at) = index.position(file.rel.as_os_str().as_bytes()) else { continue };
        let set = match palette.iter().position(|t| *t == file.types) {
            Some(set) => set,
            None => {
                palette.push(file.types);
                palette.len() - 1
            }
        };
        of_entry[at] = u16::try_from(set).ok().filter(|s| *s != u16::MAX)?;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&(index.entries.len() as u32).to_le_bytes());
    out.extend_from_slice(&(palette.len() as u32).to_le_bytes());
    for set in &palette {
        out.extend_from_slice(&set.to_bytes());
    }
    for set in of_entry {
        out.extend_from_slice(&set.to_le_bytes());
    }
    Some(out)
}

/// Entry `i`'s tags in `kept` (see [`encode_tags`]); an unselected entry has none.
fn kept_tags(kept: &[u8], i: usize, entries: usize) -> Option<TagSet> {
    let le32 = |at: usize| Some(u32::from_le_bytes(kept.get(at..at + 4)?.try_into().ok()?) as usize);
    let set_len = TagSet::empty().to_bytes().len();
    let (count, sets) = (le32(0)?, le32(4)?);
    let table = 8usize.checked_add(sets.checked_mul(set_len)?)?;
    if count != entries || kept.len() != table.checked_add(entries.checked_mul(2)?)? {
        return None;
    }
    let at = table + 2 * i;
    let set = usize::from(u16::from_le_bytes(kept.get(at..at + 2)?.try_into().ok()?));
    if set == usize::from(u16::MAX) {
        return Some(TagSet::empty());
    }
    TagSet::from_bytes(kept.get(8 + set * set_len..8 + (set + 1) * set_len)?)
}

fn added_key(key: &Key) -> Key {
    digest(&[b"large files added", key])
}

/// The report kept for what `looked` found, as this run reports it: every result from the cache.
pub fn recall(repo: &Repo, cache: &Cache, looked: &Looked) -> Option<Report> {
    if !looked.changed.is_empty() {
        return None;
    }
    let mut report = recall_report(repo, cache, looked)?;
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

/// Keeps `report` for what `looked` found when replaying it would say what running did: no
/// check changed a file, none failed to run.
pub fn keep(repo: &Repo, cache: &Cache, looked: &Looked, report: &Report, files: &FileSet) {
    let (Some(key), Some(stats)) = (&looked.key, &looked.stats) else { return };
    if !looked.changed.is_empty() {
        return;
    }
    let clean = report.checks.iter().all(|c| c.modified_files.is_empty() && c.status != Status::Error);
    if !clean {
        return;
    }
    let added: Option<Vec<Vec<u8>>> = if looked.large.is_empty() {
        None
    } else {
        // The staged changes check-added-large-files itself asked for.
        let Ok(staged) = repo.staged_changes() else { return };
        let added: std::collections::HashSet<&[u8]> =
            staged.iter().filter(|c| c.status == b'A').map(|c| c.path.as_os_str().as_bytes()).collect();
        Some(looked.large.iter().filter(|p| added.contains(&***p)).map(|p| p.to_vec()).collect())
    };
    let Some(report_key) = report_key(repo, cache, looked, added.as_deref()) else { return };
    if let Some(bytes) = added.as_ref().and_then(|added| serde_json::to_vec(added).ok()) {
        cache.put_run(&added_key(key), &bytes);
    }
    if let Ok(bytes) = serde_json::to_vec(report) {
        cache.put_run(&report_key, &bytes);
    }
    if let Some(tags) = encode_tags(&stats.index, files) {
        cache.put_run(&tags_key(key), &tags);
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

/// Every tracked file's `lstat`, and the entries whose files do not match (or racily clean).
fn stat_every_file(root: &Path, index: &Arc<IndexFile>) -> (Stats, Vec<usize>) {
    let rels: Vec<&[u8]> = index.entries.iter().map(|e| e.path.as_ref()).collect();
    let stats: Vec<Option<Meta>> = crate::worktree_fs::lstat_tree(root, &rels).into_iter().map(Result::ok).collect();
    let mut changed: Vec<usize> =
        (0..stats.len()).filter(|&i| !stats[i].as_ref().is_some_and(|m| as_indexed(&index.entries[i], m))).collect();
    // Racily clean entries (written in the same clock tick as the index) with the stat data git
    // recorded hold the index's content if their bytes say so, as git decides it too; a few
    // only, since each is read.
    let racy = |i: usize| {
        let entry = &index.entries[i];
        entry.racy && stats[i].as_ref().is_some_and(|m| entry.stat_matches(&StatData::of_lstat(m)))
    };
    if changed.iter().filter(|&&i| racy(i)).count() <= most_changed(stats.len()) {
        let same: Vec<bool> = changed
            .par_iter()
            .map(|&i| {
                let entry = &index.entries[i];
                let rel = Path::new(std::ffi::OsStr::from_bytes(&entry.path));
                racy(i) && crate::repo::blob::entry_matches(root, rel, entry.mode, &entry.oid)
            })
            .collect();
        let mut same = same.into_iter();
        changed.retain(|_| !same.next().unwrap_or(false));
    }
    (Stats { index: Arc::clone(index), stats }, changed)
}

/// Whether an entry's work-tree path is as the index says. A submodule's is a directory whatever
/// its commit: no built-in looks into it, and the file selection leaves it out.
fn as_indexed(entry: &Entry, meta: &Meta) -> bool {
    match entry.mode {
        crate::repo::index::MODE_GITLINK => meta.kind == crate::worktree_fs::Kind::Dir,
        _ => entry.unchanged(&StatData::of_lstat(meta)),
    }
}

/// A file's bytes, told apart from its absence.
fn tagged(read: std::io::Result<Vec<u8>>) -> Vec<u8> {
    match read {
        Ok(bytes) => [b"file:".as_slice(), &bytes].concat(),
        Err(_) => b"absent".to_vec(),
    }
}
