//! Setting partially staged files aside: a complete, synced backup (patch, blobs, journal)
//! first, then the staged version written in place of each file.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _, Result};

use crate::repo::staging::{shown, UnstagedChange};
use crate::repo::Repo;

use super::journal::{self, FileRecord, Journal, Lock, RelPath};
use super::tree::{self, Content};
use super::{fault, Refusal};

/// Files set aside by this process: their backup, and what it wrote in their place. Dropping it
/// before `put_back` has finished puts the user's versions back.
pub struct Active {
    pub(super) repo: Repo,
    /// `.git/ward/<id>`.
    pub(super) dir: PathBuf,
    pub(super) journal: Journal,
    /// The user's version of each file, in journal order.
    pub(super) user: Vec<Content>,
    /// The staged version written in its place.
    pub(super) staged: Vec<Content>,
    /// What a previous, interrupted restore had decided to write (recovery only).
    pub(super) decided: Option<Vec<Content>>,
    /// How many files, from the first, have been replaced by their staged version.
    pub(super) written: usize,
    pub(super) done: bool,
    /// `None` while recovering: the recovering process holds one lock for every backup.
    pub(super) _lock: Option<Lock>,
}

/// The directory that holds the backups of this worktree.
pub fn base(repo: &Repo) -> PathBuf {
    repo.git_dir.join("ward")
}

/// Backs up `changes` (each a partially staged file) and writes their staged versions.
pub fn set_aside(repo: &Repo, changes: &[UnstagedChange], lock: Lock) -> Result<Active> {
    let root = &repo.root;
    let mut paths = Vec::new();
    let mut user = Vec::new();
    let mut staged = Vec::new();
    for change in changes {
        if tree::is_dir(root, &change.path) {
            return Err(Refusal::NotAFile { path: shown(&change.path) }.into());
        }
        let mine = tree::read(root, &change.path)?;
        let theirs = match change.index_mode & 0o170000 {
            0o100000 => Content::File {
                bytes: repo.blob_for_worktree(&change.index_blob, &change.path)?,
                mode: tree::staged_mode(change.index_mode, &mine),
            },
            0o120000 => Content::Symlink { target: repo.blob(&change.index_blob)? },
            // A submodule is left as it is: no check reads inside it.
            _ => continue,
        };
        paths.push(change.path.clone());
        user.push(mine);
        staged.push(theirs);
    }

    let id =
        format!("{}-{}", SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis()), std::process::id());
    let dir = base(repo).join(&id);
    let backup = |e: anyhow::Error| Refusal::Backup { cause: format!("{e:#}") };
    let stored = write_backup(repo, &dir, &paths, &user, &staged).map_err(|e| {
        let _ = std::fs::remove_dir_all(&dir);
        backup(e)
    })?;
    super::orphans::start(&dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&dir);
        backup(anyhow::Error::new(e).context("cannot start the record of processes"))
    })?;
    fault("backup");

    let mut created_dirs = Vec::new();
    let mut records = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        if user[i] == Content::Absent {
            for missing in tree::missing_dirs(root, path) {
                if !created_dirs.contains(&RelPath(missing.clone())) {
                    created_dirs.push(RelPath(missing));
                }
            }
        }
        records.push(FileRecord {
            path: RelPath(path.clone()),
            worktree: user[i].entry(stored[2 * i].as_deref()),
            staged: staged[i].entry(stored[2 * i + 1].as_deref()),
            target: None,
        });
    }
    let mut journal = Journal::new(id, repo.head()?, repo.index_file().to_string_lossy().into_owned(), records);
    journal.created_dirs = created_dirs;
    journal.save(&dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&dir);
        backup(e)
    })?;
    fault("journal");

    let mut active = Active {
        repo: repo.clone(),
        dir,
        journal,
        user,
        staged,
        decided: None,
        written: 0,
        done: false,
        _lock: Some(lock),
    };
    for i in 0..paths.len() {
        active.set_aside_one(i)?;
        if i == 0 {
            fault("set-aside");
        }
    }
    Ok(active)
}

/// Writes the patch and stores each version as a blob; returns the blob ids, user's and
/// staged version for each file in turn (`None` for an absent file).
fn write_backup(
    repo: &Repo,
    dir: &Path,
    paths: &[PathBuf],
    user: &[Content],
    staged: &[Content],
) -> Result<Vec<Option<String>>> {
    journal::create_dir_durably(dir)?;
    let patch = repo.binary_diff(paths)?;
    journal::write_durably(&dir.join(journal::PATCH), &patch)?;
    // The bytes already read are the ones stored: the file may change after it was read.
    let copies = dir.join("blobs");
    std::fs::create_dir(&copies).with_context(|| format!("cannot create {}", copies.display()))?;
    let mut files = Vec::new();
    let mut slots = Vec::new();
    for (i, content) in user.iter().zip(staged).flat_map(|(u, s)| [u, s]).enumerate() {
        if *content == Content::Absent {
            slots.push(None);
            continue;
        }
        let copy = copies.join(i.to_string());
        write_synced(&copy, content.bytes())?;
        slots.push(Some(files.len()));
        files.push(copy);
    }
    let ids = repo.store_files(&files)?;
    // Named by blob id, the copies make the backup self-sufficient: `git gc --prune=now` removes
    // the loose objects nothing references, and recovery then reads these.
    for (copy, id) in files.iter().zip(&ids) {
        std::fs::rename(copy, copies.join(id)).with_context(|| format!("cannot name {}", copy.display()))?;
    }
    journal::sync_parent(&copies.join("x"))?;
    Ok(slots.into_iter().map(|slot| slot.and_then(|k| ids.get(k).cloned())).collect())
}

/// Where ward keeps its own copy of the blob `id` of a backup.
pub(super) fn copy_path(dir: &Path, id: &str) -> PathBuf {
    dir.join("blobs").join(id)
}

/// Keeps a copy of `bytes` (the blob `id`) in the backup, synced, unless it is there already.
pub(super) fn keep_copy(dir: &Path, id: &str, bytes: &[u8]) -> Result<()> {
    let path = copy_path(dir, id);
    if path.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir.join("blobs"))
        .with_context(|| format!("cannot create {}", dir.join("blobs").display()))?;
    journal::write_durably(&path, bytes)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).with_context(|| format!("cannot write {}", path.display()))
}

impl Active {
    fn set_aside_one(&mut self, i: usize) -> Result<()> {
        let root = self.repo.root.clone();
        let record = &self.journal.files[i];
        let path = record.path.0.clone();
        // An editor may have saved the file since it was read: then stop, or that save is lost.
        if tree::read(&root, &path)? != self.user[i] {
            bail!("{} changed while ward was setting it aside; nothing of it was lost, run again", shown(&path));
        }
        for dir in &self.journal.created_dirs {
            if path.starts_with(&dir.0) && !tree::is_dir(&root, &dir.0) {
                tree::create_dir(&root, &dir.0)?;
            }
        }
        let scratch = record.scratch(&self.journal.id, i);
        // Counted first: a file half-written when something fails still gets its version back.
        self.written = i + 1;
        tree::write(&root, &path, &self.staged[i], &scratch)
    }

    pub fn files(&self) -> usize {
        self.journal.files.len()
    }

    /// The backup directory as people should type it: relative to the top of the work tree.
    pub fn shown_dir(&self) -> String {
        self.dir.strip_prefix(&self.repo.root).unwrap_or(&self.dir).display().to_string()
    }
}
