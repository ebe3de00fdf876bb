//! The journal of a run that set changes aside, the lock that says its owner is alive, and
//! durable (fsynced) writes under `.git/ward/`.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::repo::staging::sync_dir;

pub const JOURNAL: &str = "journal.json";
pub const PATCH: &str = "unstaged.patch";
const LOCK: &str = "lock";
const VERSION: u32 = 1;

/// What one path holds in the working tree, by content (blob id) and permission bits.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Entry {
    File { blob: String, mode: u32 },
    Symlink { blob: String },
    Absent,
}

impl Entry {
    pub fn blob(&self) -> Option<&str> {
        match self {
            Entry::File { blob, .. } | Entry::Symlink { blob } => Some(blob),
            Entry::Absent => None,
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Staged versions may be in the working tree: restoring means writing `worktree` back.
    SetAside,
    /// Each file's `target` is decided and may be partly written: restoring means writing them.
    Restoring,
}

/// Everything needed to put a working tree back, without the process that wrote it.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Journal {
    pub version: u32,
    pub id: String,
    pub pid: u32,
    /// RFC 3339, UTC.
    pub started: String,
    pub head: Option<String>,
    pub index_file: String,
    pub phase: Phase,
    pub files: Vec<FileRecord>,
    /// Directories created to hold a staged file whose directory the user had deleted; removed
    /// again when empty.
    #[serde(default)]
    pub created_dirs: Vec<RelPath>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct FileRecord {
    pub path: RelPath,
    /// The user's version: what must come back.
    pub worktree: Entry,
    /// The staged version written in its place while the checks ran.
    pub staged: Entry,
    /// What the restore writes once decided: the user's version, or it with a fix merged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Entry>,
}

impl FileRecord {
    /// The scratch name a write goes through before its rename, unique per run and file.
    pub fn scratch(&self, id: &str, index: usize) -> PathBuf {
        let name = format!(".ward-{id}-{index}.tmp");
        match self.path.0.parent() {
            Some(parent) => parent.join(name),
            None => PathBuf::from(name),
        }
    }
}

impl Journal {
    pub fn new(id: String, head: Option<String>, index_file: String, files: Vec<FileRecord>) -> Journal {
        Journal {
            version: VERSION,
            id,
            pid: std::process::id(),
            started: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            head,
            index_file,
            phase: Phase::SetAside,
            files,
            created_dirs: Vec::new(),
        }
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        let text = serde_json::to_vec_pretty(self).context("cannot encode the journal")?;
        write_durably(&dir.join(JOURNAL), &text)
    }

    pub fn load(dir: &Path) -> Result<Journal> {
        let path = dir.join(JOURNAL);
        let text = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let journal: Journal =
            serde_json::from_slice(&text).with_context(|| format!("{} is not a ward journal", path.display()))?;
        if journal.version != VERSION {
            bail!("{} has version {}; this ward reads version {VERSION}", path.display(), journal.version);
        }
        Ok(journal)
    }
}

/// A repository-relative path kept byte for byte: `text` for people and, when the name is not
/// UTF-8, `hex` with the exact bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RelPathRepr", into = "RelPathRepr")]
pub struct RelPath(pub PathBuf);

#[derive(Serialize, Deserialize)]
struct RelPathRepr {
    text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hex: Option<String>,
}

impl From<RelPath> for RelPathRepr {
    fn from(path: RelPath) -> RelPathRepr {
        let bytes = path.0.as_os_str().as_bytes();
        match std::str::from_utf8(bytes) {
            Ok(text) => RelPathRepr { text: text.to_string(), hex: None },
            Err(_) => RelPathRepr {
                text: String::from_utf8_lossy(bytes).into_owned(),
                hex: Some(bytes.iter().map(|b| format!("{b:02x}")).collect()),
            },
        }
    }
}

impl From<RelPathRepr> for RelPath {
    fn from(repr: RelPathRepr) -> RelPath {
        let bytes = repr
            .hex
            .as_deref()
            .and_then(|hex| {
                (0..hex.len())
                    .step_by(2)
                    .map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
                    .collect::<Option<Vec<u8>>>()
            })
            .unwrap_or_else(|| repr.text.into_bytes());
        RelPath(PathBuf::from(OsString::from_vec(bytes)))
    }
}

/// The lock every run that sets changes aside holds until it has put them back. The kernel
/// drops it when the process dies, however it dies, so a free lock means an orphaned backup.
pub struct Lock {
    _file: Flock<File>,
}

/// Who holds the lock, when it is taken.
pub enum Locked {
    Ours(Lock),
    Held { pid: Option<u32> },
}

pub fn lock(base: &Path) -> Result<Locked> {
    create_dir_durably(base)?;
    let path = base.join(LOCK);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(mut file) => {
            // The pid is for people (`ward restore --list`); the lock itself is what counts.
            let _ = file.set_len(0);
            let _ = file.rewind();
            let _ = writeln!(*file, "{}", std::process::id());
            Ok(Locked::Ours(Lock { _file: file }))
        }
        Err((mut file, nix::errno::Errno::EWOULDBLOCK)) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            Ok(Locked::Held { pid: text.trim().parse().ok() })
        }
        Err((_, errno)) => Err(std::io::Error::from(errno)).with_context(|| format!("cannot lock {}", path.display())),
    }
}

/// The backups under `base`, oldest first.
pub fn backups(base: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(base) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", base.display())),
    };
    // Only backup ids: `cache` (the result cache, in the git dir all worktrees share) is never
    // taken for one.
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && is_backup_id(&e.file_name()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// A backup is named `<milliseconds>-<pid>`; other directories under `.git/ward/` (a report
/// scratch directory, a cache) are not backups and are never restored or removed as one.
fn is_backup_id(name: &std::ffi::OsStr) -> bool {
    let Some((millis, pid)) = name.to_str().and_then(|n| n.split_once('-')) else { return false };
    [millis, pid].iter().all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes `bytes` to `path` so that after a crash it holds either the old or the new content,
/// never a mix: a synced scratch file renamed over it, then the directory synced.
pub fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut scratch = path.as_os_str().to_owned();
    scratch.push(".tmp");
    let scratch = PathBuf::from(scratch);
    let mut file = File::create(&scratch).with_context(|| format!("cannot write {}", scratch.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", scratch.display()))?;
    fs::rename(&scratch, path).with_context(|| format!("cannot write {}", path.display()))?;
    sync_parent(path)
}

/// Creates `dir` (and its parents) and syncs the directory that holds it.
pub fn create_dir_durably(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    sync_parent(dir)
}

pub fn sync_parent(path: &Path) -> Result<()> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    sync_dir(parent).with_context(|| format!("cannot sync {}", parent.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_backup_ids_are_backups() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["1767225600000-4242", "tmp", "cache", "12-ab"] {
            fs::create_dir(dir.path().join(name)).expect("mkdir");
        }
        assert_eq!(backups(dir.path()).expect("list"), vec![dir.path().join("1767225600000-4242")]);
    }

    #[test]
    fn paths_round_trip_byte_for_byte() {
        for bytes in [&b"a b/\xc3\xa9t\xc3\xa9.txt"[..], b"new\nline", b"\xff\xfe-not-utf8"] {
            let path = RelPath(PathBuf::from(OsString::from_vec(bytes.to_vec())));
            let json = serde_json::to_string(&path).expect("encode");
            let back: RelPath = serde_json::from_str(&json).expect("decode");
            assert_eq!(back, path, "{json}");
        }
    }

    #[test]
    fn journal_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::new(
            "1-2".into(),
            None,
            ".git/index".into(),
            vec![FileRecord {
                path: RelPath(PathBuf::from("a.txt")),
                worktree: Entry::File { blob: "b1".into(), mode: 0o644 },
                staged: Entry::Absent,
                target: None,
            }],
        );
        journal.save(dir.path()).expect("save");
        let back = Journal::load(dir.path()).expect("load");
        assert_eq!(back.files[0].worktree, journal.files[0].worktree);
        assert_eq!(back.phase, Phase::SetAside);
    }
}
