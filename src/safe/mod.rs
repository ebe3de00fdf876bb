//! Safe staged mode: checks see exactly what is staged, and no byte of unstaged work is lost.
//!
//! - `backup`: the synced backup (patch, blobs, journal) and setting files aside.
//! - `restore`: putting them back (fixes merged under the user's changes), verifying, recovery.
//! - `journal`: the journal format, the liveness lock, durable writes under `.git/ward/`.
//! - `tree`: one working-tree path read and written exactly.
//! - `orphans`: the process groups a run started, killed at recovery before anything is put back.

mod backup;
mod journal;
mod orphans;
mod restore;
mod tree;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::config::Config;
use crate::exec::process;
use crate::outcome::CheckOutcome;
use crate::printer::{Printer, Styles};
use crate::repo::staging::shown;
use crate::repo::{blob, Repo};
use crate::select::{FileSet, Selection};

use backup::Active;
pub use restore::{list, recover, saved_note, Listed, Outcome, Recovery, Restored};

/// Above this many staged paths, one diff of the whole work tree beats a long pathspec.
const PATHSPEC_LIMIT: usize = 1000;

/// How long to wait for another git process to release the index before refusing.
const INDEX_LOCK_WAIT: Duration = Duration::from_secs(2);

/// Why staged mode will not start; nothing was changed. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("unresolved merge conflicts in {files}: resolve them and `git add` the result first")]
    Conflicts { files: String },
    #[error(
        "{operation} is in progress and {files} also has unstaged changes, which ward would have to set aside \
         under it: stage them (`git add`) or put them away yourself, then commit"
    )]
    Operation { operation: &'static str, files: String },
    #[error(
        "another git process holds {lock} (waited {}s); if no git command is running, it was left by a crash: \
         remove it with `rm {lock}`",
        INDEX_LOCK_WAIT.as_secs()
    )]
    IndexLocked { lock: String },
    #[error("{path} has unstaged changes: `git add {path}` first, so that the checks that run are the ones committed")]
    ConfigUnstaged { path: String },
    #[error("another ward{} is running in this worktree with unstaged changes set aside; let it finish first",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Busy { pid: Option<u32> },
    #[error("{path} is a directory in the working tree but a file in the index: stage or undo that change first")]
    NotAFile { path: String },
    #[error("cannot write the backup of the unstaged changes, so nothing was changed: {cause}")]
    Backup { cause: String },
}

/// Staged mode around one run of the checks: `begin` sets partially staged files aside, and
/// `finish` stages fixes when asked and puts every file back. Dropped early (an error, or a
/// panic unwinding once every job has stopped), it puts the user's versions back. A panic hook
/// would run too soon: the other jobs may still be writing. With `panic = "abort"` nothing runs,
/// and the next start recovers from the journal.
pub struct Guard {
    repo: Option<Repo>,
    active: Option<Active>,
}

impl Guard {
    /// Sets aside the unstaged changes of partially staged files when `selection` is the staged
    /// files; otherwise, and when nothing is partially staged, touches nothing.
    pub fn begin(repo: Option<&Repo>, selection: &Selection, config: &Config, printer: &Printer) -> Result<Guard> {
        // A live run's set-aside files hold its staged versions: checking them now, whatever the
        // selection (`--all` too), would check (and fix) its copy, so wait for it instead.
        if let Some(repo) = repo {
            if !journal::backups(&backup::base(repo))?.is_empty() {
                if let journal::Locked::Held { pid } = journal::lock(&backup::base(repo))? {
                    return Err(Refusal::Busy { pid }.into());
                }
            }
        }
        let (Some(repo), Selection::Staged) = (repo, selection) else {
            return Ok(Guard { repo: None, active: None });
        };
        let mut guard = Guard { repo: Some(repo.clone()), active: None };
        // The config must not have unstaged changes. Its HEAD blob is looked up while the staged
        // list (fetched since the run began) arrives; comparing hashes then settles the common
        // case without a git diff, which reads and stats the whole index.
        let config_rel = config.path.as_deref().and_then(|p| p.strip_prefix(&repo.root).ok());
        // Where the index's stat data vouches for a file, as git's own would, its work-tree bytes
        // are its index blob: no read, no hash, no git process.
        let index = repo.read_index().ok();
        let unchanged = |rel: &Path| {
            index.as_ref().is_some_and(|index| {
                std::fs::symlink_metadata(repo.root.join(rel))
                    .is_ok_and(|meta| index.unchanged_oid(rel.as_os_str().as_encoded_bytes(), &meta).is_some())
            })
        };
        let config_unchanged = config_rel.is_some_and(unchanged);
        let (head_blob, staged_changes) = std::thread::scope(|scope| {
            let head_blob =
                scope.spawn(|| config_rel.filter(|_| !config_unchanged).and_then(|rel| repo.head_blob(rel)));
            let staged = repo.staged_changes();
            (head_blob.join().ok().flatten(), staged)
        });
        let staged_changes = staged_changes?;
        let conflicts: Vec<&Path> =
            staged_changes.iter().filter(|c| c.status == b'U').map(|c| c.path.as_path()).collect();
        if !conflicts.is_empty() {
            return Err(Refusal::Conflicts { files: listed(&conflicts) }.into());
        }
        if let Some(rel) = config_rel.filter(|_| !config_unchanged) {
            let staged_oid = staged_changes.iter().find(|c| c.path == rel).map(|c| c.new_oid.as_str());
            let clean = staged_oid.or(head_blob.as_deref()).is_some_and(|oid| blob::file_matches(&repo.root, rel, oid));
            if !clean && !repo.unstaged_changes_in(Some(&[rel]))?.is_empty() {
                return Err(Refusal::ConfigUnstaged { path: shown(rel) }.into());
            }
        }
        // Only a staged file can be partially staged. One whose work-tree bytes hash to its index
        // blob is not, and needs no git call: in the common commit that is every file.
        let suspects: Vec<&Path> = staged_changes
            .iter()
            .filter(|c| {
                c.status != b'D'
                    && !unchanged(&c.path)
                    && !blob::worktree_matches_index(&repo.root, c, || repo.core_file_mode())
            })
            .map(|c| c.path.as_path())
            .collect();
        let changes = if suspects.len() <= PATHSPEC_LIMIT {
            repo.unstaged_changes_in(Some(&suspects))?
        } else {
            repo.unstaged_changes()?
        };
        if changes.is_empty() {
            return Ok(guard);
        }
        // Intent-to-add entries (mode 0) have nothing staged: the commit does not include them.
        let candidates: Vec<_> = changes.into_iter().filter(|c| c.index_mode != 0).collect();
        if candidates.is_empty() {
            return Ok(guard);
        }
        let staged: HashSet<&Path> = staged_changes.iter().map(|c| c.path.as_path()).collect();
        let partial: Vec<_> = candidates.into_iter().filter(|c| staged.contains(c.path.as_path())).collect();
        if partial.is_empty() {
            return Ok(guard);
        }
        let paths: Vec<&Path> = partial.iter().map(|c| c.path.as_path()).collect();
        if let Some(operation) = repo.operation_in_progress() {
            return Err(Refusal::Operation { operation, files: listed(&paths) }.into());
        }
        wait_for_index(repo, printer)?;
        let lock = match journal::lock(&backup::base(repo)) {
            Ok(journal::Locked::Ours(lock)) => lock,
            Ok(journal::Locked::Held { pid }) => return Err(Refusal::Busy { pid }.into()),
            Err(e) => return Err(Refusal::Backup { cause: format!("{e:#}") }.into()),
        };
        let active = backup::set_aside(repo, &partial, lock)?;
        printer.line(&Styles::paint(
            printer.styles.subtle,
            &format!(
                "unstaged changes in {} set aside while the checks run (backup: {})",
                count(active.files()),
                active.shown_dir()
            ),
        ));
        // Every tool started from here on is journaled, so that recovery can stop what a killed
        // ward leaves running before it puts files back.
        let dir = active.dir.clone();
        process::on_spawn(Some(Box::new(move |pgid| orphans::record(&dir, pgid))));
        guard.active = Some(active);
        Ok(guard)
    }

    /// After the checks: stages the fixes of checks with `stage_fixed`, puts each set-aside file
    /// back (with a fixer's change merged in where it does not overlap the user's), verifies,
    /// and says what happened. After an interruption, only the user's versions go back.
    pub fn finish(
        mut self,
        config: &Config,
        files: &FileSet,
        outcomes: &[CheckOutcome],
        printer: &Printer,
    ) -> Result<PutBack> {
        let Some(repo) = self.repo.take() else {
            return Ok(PutBack::default());
        };
        process::on_spawn(None);
        fault("checks");
        let interrupted = process::interrupted();
        let mut to_stage = if interrupted { BTreeSet::new() } else { fixed_to_stage(config, files, outcomes) };
        let Some(mut active) = self.active.take() else {
            return stage(&repo, &to_stage, printer).map(|()| PutBack::default());
        };
        let decisions = if interrupted { active.revert()? } else { active.decide()? };
        active.commit(&decisions)?;
        for decision in &decisions {
            // A dropped fix is not staged: the user's version is what stays.
            if decision.outcome != Outcome::FixKept {
                to_stage.remove(&decision.path);
            }
        }
        // Staged before the write-back, while the working tree still holds exactly the fixed
        // version (not the user's unstaged changes on top of it).
        let staged = stage(&repo, &to_stage, printer);
        fault("staged");
        active.put_back(&decisions)?;
        report(&decisions, interrupted, printer);
        staged?;
        let path = |d: &restore::Decision| d.path.to_string_lossy().into_owned();
        Ok(PutBack {
            dropped: decisions.iter().filter(|d| matches!(d.outcome, Outcome::FixDropped { .. })).map(path).collect(),
            partially_staged: decisions.iter().map(path).collect(),
        })
    }
}

/// What putting the set-aside files back means for the guide: a dropped fix is not a fixed
/// file, and a partially staged file is staged with `git add -p`.
#[derive(Debug, Default)]
pub struct PutBack {
    /// Repository-relative paths whose fix overlapped the user's unstaged changes.
    pub dropped: Vec<String>,
    /// Repository-relative paths that have unstaged changes besides the staged ones.
    pub partially_staged: Vec<String>,
}

/// A fixed file of a check with `stage_fixed` (its own, or the `[settings]` one).
fn fixed_to_stage(config: &Config, files: &FileSet, outcomes: &[CheckOutcome]) -> BTreeSet<PathBuf> {
    let rel: HashMap<&str, &Path> = files.files.iter().map(|f| (f.path.as_str(), f.rel.as_path())).collect();
    let mut out = BTreeSet::new();
    for outcome in outcomes {
        let Some(check) = config.checks.iter().find(|c| c.id == outcome.id) else { continue };
        if check.stage_fixed.unwrap_or(config.settings.stage_fixed) {
            out.extend(outcome.modified_files.iter().filter_map(|p| rel.get(p.as_str())).map(|p| p.to_path_buf()));
        }
    }
    out
}

fn stage(repo: &Repo, paths: &BTreeSet<PathBuf>, printer: &Printer) -> Result<()> {
    if paths.is_empty() {
        return Ok(());
    }
    wait_for_index(repo, printer)?;
    let paths: Vec<PathBuf> = paths.iter().cloned().collect();
    repo.stage(&paths).context("cannot stage the fixed files (stage_fixed)")?;
    printer.line(&format!("staged the fixes in {} (stage_fixed)", count(paths.len())));
    Ok(())
}

fn report(decisions: &[restore::Decision], interrupted: bool, printer: &Printer) {
    let mut text = format!("unstaged changes put back in {}\n", count(decisions.len()));
    if interrupted {
        text = format!("interrupted: {text}");
    }
    for decision in decisions {
        match &decision.outcome {
            Outcome::FixDropped { saved } => text.push_str(&format!(
                "{} {}: a fixer's change overlaps your unstaged changes there, so your version is kept and \
                 the fix is dropped (the fixed version: `git cat-file blob {saved}`)\n",
                Styles::paint(printer.styles.warning, "warning:"),
                shown(&decision.path)
            )),
            Outcome::Reverted { saved: Some(blob) } => {
                text.push_str(&format!("{}\n", saved_note(&decision.path, blob)))
            }
            _ => {}
        }
    }
    printer.write(&text);
}

/// Waits up to `INDEX_LOCK_WAIT` for another process's `index.lock` to go away.
fn wait_for_index(repo: &Repo, printer: &Printer) -> Result<(), Refusal> {
    let mut lock = repo.index_file().into_os_string();
    lock.push(".lock");
    let lock = PathBuf::from(lock);
    if !lock.exists() {
        return Ok(());
    }
    let shown_lock = lock.strip_prefix(&repo.root).unwrap_or(&lock).display().to_string();
    printer.line(&format!("waiting for {shown_lock}: another git process is using the index"));
    let deadline = Instant::now() + INDEX_LOCK_WAIT;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        if !lock.exists() {
            return Ok(());
        }
    }
    Err(Refusal::IndexLocked { lock: shown_lock })
}

/// Puts back the backups of runs that died (SIGKILL, power cut, panic with abort), at the start
/// of any command that runs in a repository; says what it did on standard error.
pub fn recover_at_start(repo: &Repo) -> Result<()> {
    if !backup::base(repo).is_dir() {
        return Ok(());
    }
    let Recovery::Restored(restored) = recover(repo)? else {
        return Ok(());
    };
    let printer = Printer::new(crate::cli::ColorChoice::Auto, crate::printer::Stream::Stderr);
    for backup in &restored {
        printer.write(&describe(backup));
    }
    Ok(())
}

/// What a recovery did with one backup, for people.
pub fn describe(restored: &Restored) -> String {
    let names: Vec<String> = restored.decisions.iter().map(|d| shown(&d.path)).collect();
    let mut text = format!(
        "ward: restored the unstaged changes that an interrupted run (pid {}, started {}) had set aside: {}\n",
        restored.pid,
        restored.started,
        names.join(", ")
    );
    for decision in &restored.decisions {
        if let Outcome::Reverted { saved: Some(blob) } = &decision.outcome {
            text.push_str(&saved_note(&decision.path, blob));
            text.push('\n');
        }
    }
    text
}

fn count(files: usize) -> String {
    if files == 1 {
        "1 file".to_string()
    } else {
        format!("{files} files")
    }
}

fn listed(paths: &[&Path]) -> String {
    let mut names: Vec<String> = paths.iter().take(5).map(|p| shown(p)).collect();
    if paths.len() > 5 {
        names.push(format!("and {} more", paths.len() - 5));
    }
    names.join(", ")
}

/// Test hook: `WARD_INTERNAL_FAULT=kill:<point>` or `panic:<point>` makes the run die right
/// there, so the integration tests can prove each point recoverable. Unset in real use.
fn fault(point: &str) {
    let Some(spec) = std::env::var_os("WARD_INTERNAL_FAULT") else { return };
    let spec = spec.to_string_lossy();
    let Some((action, at)) = spec.split_once(':') else { return };
    if at != point || std::thread::panicking() {
        return;
    }
    match action {
        "kill" => {
            let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
        }
        "panic" => panic!("injected fault at {point}"),
        _ => {}
    }
}
