//! Putting set-aside files back: what to write for each (the user's version, or it with a
//! fixer's change merged in), the synced writes, the verification, and recovery from a journal.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};

use crate::repo::staging::shown;
use crate::repo::Repo;

use super::backup::{self, Active};
use super::fault;
use super::journal::{self, Entry, Journal, Locked, Phase};
use super::tree::{self, Content};

/// What happened to one set-aside file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No check changed the staged version: the user's version is back as it was.
    Untouched,
    /// A fixer changed lines the user had not: its change is kept under the user's changes.
    FixKept,
    /// A fixer's change overlaps the user's unstaged changes: the user's version is back and
    /// the fixed content is kept as a blob.
    FixDropped { saved: String },
    /// Put back after an interruption; content found in its place that was neither version is
    /// kept as a blob.
    Reverted { saved: Option<String> },
}

pub struct Decision {
    pub path: PathBuf,
    pub target: Content,
    pub outcome: Outcome,
    /// The blob id of `target`'s bytes, to verify against (`None` for an absent file).
    pub blob: Option<String>,
    /// False when the file already holds `target`.
    write: bool,
}

/// Put back by a restore, for the report.
pub struct Restored {
    pub id: String,
    pub pid: u32,
    pub started: String,
    pub decisions: Vec<Decision>,
}

impl Active {
    /// After the checks: for each file, the user's version with any fixer change that does not
    /// touch the user's unstaged lines merged in.
    pub fn decide(&mut self) -> Result<Vec<Decision>> {
        let root = self.repo.root.clone();
        let mut decisions = Vec::new();
        for i in 0..self.files() {
            let path = self.journal.files[i].path.0.clone();
            let now = tree::read(&root, &path)?;
            let user_blob = self.journal.files[i].worktree.blob().map(str::to_string);
            let (target, outcome, blob) = if now == self.staged[i] || now == self.user[i] {
                (self.user[i].clone(), Outcome::Untouched, user_blob)
            } else {
                match self.merge(i, &now)? {
                    Some(merged) => {
                        let blob = self.repo.store_bytes(merged.bytes())?;
                        (merged, Outcome::FixKept, Some(blob))
                    }
                    None => {
                        let saved = self.repo.store_bytes(now.bytes())?;
                        (self.user[i].clone(), Outcome::FixDropped { saved }, user_blob)
                    }
                }
            };
            let write = now != target;
            decisions.push(Decision { path, target, outcome, blob, write });
        }
        Ok(decisions)
    }

    /// After an interruption, a crash or an error: the user's version of every file set aside
    /// (or what an interrupted restore had decided), keeping as a blob anything else found there.
    pub fn revert(&mut self) -> Result<Vec<Decision>> {
        let root = self.repo.root.clone();
        let mut decisions = Vec::new();
        for i in 0..self.written {
            let path = self.journal.files[i].path.0.clone();
            let record = &self.journal.files[i];
            let (target, blob) = match (&self.decided, &record.target) {
                (Some(decided), Some(entry)) => (decided[i].clone(), entry.blob().map(str::to_string)),
                _ => (self.user[i].clone(), record.worktree.blob().map(str::to_string)),
            };
            let now = tree::read(&root, &path)?;
            let known = now == target || now == self.user[i] || now == self.staged[i] || now == Content::Absent;
            let saved = if known { None } else { Some(self.repo.store_bytes(now.bytes())?) };
            let write = now != target;
            decisions.push(Decision { path, target, outcome: Outcome::Reverted { saved }, blob, write });
        }
        Ok(decisions)
    }

    /// The user's version, the staged version, and the fixer's, merged line by line; `None`
    /// when the fixer's change and the user's overlap, or the content cannot be merged.
    fn merge(&self, i: usize, fixed: &Content) -> Result<Option<Content>> {
        let (
            Content::File { bytes: mine, mode: my_mode },
            Content::File { bytes: base, mode: base_mode },
            Content::File { bytes: theirs, mode: their_mode },
        ) = (&self.user[i], &self.staged[i], fixed)
        else {
            return Ok(None);
        };
        let mode = if my_mode == base_mode {
            *their_mode
        } else if their_mode == base_mode || their_mode == my_mode {
            *my_mode
        } else {
            return Ok(None);
        };
        let bytes = if mine == base {
            theirs.clone()
        } else if theirs == base || theirs == mine {
            mine.clone()
        } else {
            let scratch = self.dir.join("merge");
            std::fs::create_dir_all(&scratch).with_context(|| format!("cannot create {}", scratch.display()))?;
            let [ours_path, base_path, theirs_path] = ["ours", "base", "theirs"].map(|n| scratch.join(n));
            for (path, bytes) in [(&ours_path, mine), (&base_path, base), (&theirs_path, theirs)] {
                std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
            }
            match self.repo.merge_files(&ours_path, &base_path, &theirs_path)? {
                Some(merged) => merged,
                None => return Ok(None),
            }
        };
        Ok(Some(Content::File { bytes, mode }))
    }

    /// Records the decided content of every file in the journal, so that a crash from here on
    /// is recovered to the same result.
    pub fn commit(&mut self, decisions: &[Decision]) -> Result<()> {
        for decision in decisions {
            // A merged version exists only as a loose blob until it is written: keep a copy.
            if let (Outcome::FixKept, Some(blob)) = (&decision.outcome, &decision.blob) {
                backup::keep_copy(&self.dir, blob, decision.target.bytes())?;
            }
        }
        for (record, decision) in self.journal.files.iter_mut().zip(decisions) {
            record.target = Some(decision.target.entry(decision.blob.as_deref()));
        }
        self.journal.phase = Phase::Restoring;
        self.journal.save(&self.dir)?;
        // From here an early end (panic, error) writes the decided versions, as recovery would.
        self.decided = Some(decisions.iter().map(|d| d.target.clone()).collect());
        fault("decided");
        Ok(())
    }

    /// Writes each decided version, verifies every file against the blobs recorded for it,
    /// and only then removes the backup.
    pub fn put_back(&mut self, decisions: &[Decision]) -> Result<()> {
        let root = self.repo.root.clone();
        for (i, decision) in decisions.iter().enumerate() {
            let scratch = self.journal.files[i].scratch(&self.journal.id, i);
            if decision.write {
                tree::write(&root, &decision.path, &decision.target, &scratch)?;
            }
            tree::remove_scratch(&root, &scratch);
            if i == 0 {
                fault("restore");
            }
        }
        for dir in self.journal.created_dirs.iter().rev() {
            // Only when empty: anything in it is someone's.
            tree::remove_empty_dir(&root, &dir.0);
        }
        self.verify(decisions)?;
        fault("verified");
        self.done = true;
        std::fs::remove_dir_all(&self.dir).with_context(|| format!("cannot remove {}", self.dir.display()))?;
        journal::sync_parent(&self.dir)
    }

    /// Re-reads every file and re-hashes it: the backup goes only when each one holds exactly
    /// the bytes, mode and kind recorded for it.
    fn verify(&self, decisions: &[Decision]) -> Result<()> {
        let root = &self.repo.root;
        let mut files = Vec::new();
        let mut expected = Vec::new();
        for decision in decisions {
            let wrong = || anyhow::anyhow!("{} does not hold the version it was restored to", shown(&decision.path));
            if tree::read(root, &decision.path)? != decision.target {
                return Err(wrong());
            }
            if decision.target == Content::Absent {
                continue;
            }
            let blob =
                decision.blob.clone().with_context(|| format!("no blob recorded for {}", shown(&decision.path)))?;
            match &decision.target {
                Content::File { .. } => {
                    files.push(root.join(&decision.path));
                    expected.push(blob);
                }
                Content::Symlink { target } => {
                    if self.repo.hash_bytes(target)? != blob {
                        return Err(wrong());
                    }
                }
                Content::Absent => {}
            }
        }
        let actual = self.repo.hash_files(&files)?;
        if actual != expected {
            bail!("a restored file does not match its backup");
        }
        Ok(())
    }

    /// Puts the user's versions back when the run ends early (panic, error, a signal before
    /// the checks finished); says what it did on standard error.
    pub fn abandon(&mut self, why: &str) {
        if self.done {
            return;
        }
        let result = self.revert().and_then(|decisions| {
            self.put_back(&decisions)?;
            Ok(decisions)
        });
        let printer = crate::printer::Printer::new(crate::cli::ColorChoice::Auto, crate::printer::Stream::Stderr);
        match result {
            Ok(decisions) => {
                printer.line(&format!("{why}: put back the unstaged changes of {} files", decisions.len()));
                for decision in &decisions {
                    if let Outcome::Reverted { saved: Some(blob) } = &decision.outcome {
                        printer.line(&saved_note(&decision.path, blob));
                    }
                }
            }
            Err(e) => {
                // Not done: the backup stays for `ward restore` and the next start.
                self.done = true;
                printer.line(&format!(
                    "error: {why}, and putting back the unstaged changes failed: {e:#}\n  the backup is kept in {}; `ward restore` puts it back",
                    self.shown_dir()
                ));
            }
        }
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        crate::exec::process::on_spawn(None);
        if !self.done {
            self.abandon("ward stopped early");
        }
    }
}

pub fn saved_note(path: &std::path::Path, blob: &str) -> String {
    format!("  {}: what it held before this restore is kept: `git cat-file blob {blob}` prints it", shown(path))
}

/// A backup found on disk, for `ward restore --list`.
pub struct Listed {
    pub dir: PathBuf,
    pub journal: Option<Journal>,
    /// Set when a live `ward` owns it.
    pub owner: Option<u32>,
}

/// The backups of this worktree; `owner` is set on each while a live run holds the lock.
pub fn list(repo: &Repo) -> Result<Vec<Listed>> {
    let base = backup::base(repo);
    let dirs = journal::backups(&base)?;
    if dirs.is_empty() {
        return Ok(Vec::new());
    }
    let owner = match journal::lock(&base)? {
        Locked::Ours(_) => None,
        Locked::Held { pid } => Some(pid.unwrap_or(0)),
    };
    Ok(dirs.into_iter().map(|dir| Listed { journal: Journal::load(&dir).ok(), dir, owner }).collect())
}

/// What a recovery found.
pub enum Recovery {
    Nothing,
    /// A live `ward` (this pid) holds the backups; they are its own to put back.
    Busy(Option<u32>),
    Restored(Vec<Restored>),
}

/// Puts back every backup left by a run that died (killed, crashed, power cut).
pub fn recover(repo: &Repo) -> Result<Recovery> {
    let base = backup::base(repo);
    let dirs = journal::backups(&base)?;
    if dirs.is_empty() {
        return Ok(Recovery::Nothing);
    }
    let lock = match journal::lock(&base)? {
        Locked::Ours(lock) => lock,
        Locked::Held { pid } => return Ok(Recovery::Busy(pid)),
    };
    let mut restored = Vec::new();
    for dir in journal::backups(&base)? {
        if !dir.join(journal::JOURNAL).exists() {
            // The journal is written before the first file is touched: without it, nothing was.
            std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
            continue;
        }
        let journal = Journal::load(&dir)?;
        let hint = by_hand(repo, &dir, &journal);
        // A tool the dead run started may still be writing: stop it first, or it would undo
        // the restore.
        super::orphans::reap(&dir).map_err(|why| anyhow::anyhow!("{why}; run again once they have exited"))?;
        let mut active = from_journal(repo, dir.clone(), journal).context(hint)?;
        let result = active.revert().and_then(|decisions| {
            active.put_back(&decisions)?;
            Ok(decisions)
        });
        // Whatever happened, this backup stays as it is for the next attempt, never half-undone.
        active.done = true;
        let decisions = result.with_context(|| by_hand(repo, &dir, &active.journal))?;
        restored.push(Restored {
            id: active.journal.id.clone(),
            pid: active.journal.pid,
            started: active.journal.started.clone(),
            decisions,
        });
    }
    drop(lock);
    Ok(Recovery::Restored(restored))
}

/// Where a backup is and how to put it back without ward, for when everything else failed.
fn by_hand(repo: &Repo, dir: &std::path::Path, journal: &Journal) -> String {
    let shown_dir = dir.strip_prefix(&repo.root).unwrap_or(dir).display().to_string();
    let paths: Vec<String> = journal.files.iter().map(|f| shown(&f.path.0)).collect();
    format!(
        "cannot restore the backup in {shown_dir} ({}); it stays there until it is restored. \
         By hand: `git checkout -- <each file>` then `git apply --binary {shown_dir}/{}` puts the \
         unstaged changes back on the staged version; {shown_dir}/blobs/ holds a copy of every \
         version, named by the blob ids in {shown_dir}/{}; then remove {shown_dir}",
        paths.join(", "),
        journal::PATCH,
        journal::JOURNAL
    )
}

/// Rebuilds a run's state from its journal and blobs (git's objects, else ward's own copies);
/// the caller holds the worktree's lock.
fn from_journal(repo: &Repo, dir: PathBuf, journal: Journal) -> Result<Active> {
    let content = |entry: &Entry| -> Result<Content> {
        let bytes = match entry.blob() {
            Some(blob) => match repo.blob(blob) {
                Ok(bytes) => bytes,
                Err(_) => own_copy(repo, &dir, blob)?,
            },
            None => Vec::new(),
        };
        Ok(Content::from_entry(entry, bytes))
    };
    let user = journal.files.iter().map(|f| content(&f.worktree)).collect::<Result<Vec<_>>>()?;
    let staged = journal.files.iter().map(|f| content(&f.staged)).collect::<Result<Vec<_>>>()?;
    let decided = match journal.phase {
        Phase::Restoring => Some(
            journal
                .files
                .iter()
                .zip(&user)
                .map(|(f, mine)| f.target.as_ref().map_or_else(|| Ok(mine.clone()), content))
                .collect::<Result<Vec<_>>>()?,
        ),
        Phase::SetAside => None,
    };
    let written = journal.files.len();
    Ok(Active { repo: repo.clone(), dir, journal, user, staged, decided, written, done: false, _lock: None })
}

/// Ward's copy of the blob `blob`, checked against its id: git's object is gone (`git gc`).
fn own_copy(repo: &Repo, dir: &std::path::Path, blob: &str) -> Result<Vec<u8>> {
    let path = backup::copy_path(dir, blob);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "the backup blob {blob} is missing from git's objects (`git gc` removes them) and from {}",
            path.display()
        )
    })?;
    if repo.hash_bytes(&bytes)? != blob {
        bail!("{} does not hold the blob {blob} it is named for", path.display());
    }
    Ok(bytes)
}
