//! Content keys: a file's key from its index entry when its stat data vouches for it (no read),
//! else from the bytes themselves; and the digest every other part of a key goes through.

use std::fs;
use std::io::Read as _;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use sha2::Digest as _;

use super::store::Key;
use crate::repo::index_file::{IndexFile, StatData};
use crate::select::FileEntry;

/// The directory (inside the cache) of tool versions, by tool identity.
pub const TOOLS_DIR: &str = "tools";
/// A file modified this close to the start of the run (or after it) may have changed in the
/// same clock tick as its stat was taken: its result is not kept.
const RACY: Duration = Duration::from_millis(20);

/// SHA-256 over length-prefixed parts, cut to 128 bits.
pub fn digest(parts: &[&[u8]]) -> Key {
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let full = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&full[..16]);
    key
}

pub fn hex(bytes: &[u8]) -> String {
    crate::repo::index::hex(bytes)
}

/// What a file's key was made from, to tell afterwards whether the file stayed the same.
#[derive(Clone, Copy, Debug)]
pub struct FileId {
    pub key: Key,
    stat: StatData,
}

/// The content keys of a run's files, each worked out at most once.
pub struct FileIds<'a> {
    root: &'a Path,
    files: &'a [FileEntry],
    index: Option<Arc<IndexFile>>,
    started: SystemTime,
    from_index: Vec<OnceLock<Option<FileId>>>,
}

impl<'a> FileIds<'a> {
    pub fn new(root: &'a Path, files: &'a [FileEntry], index: Option<Arc<IndexFile>>, started: SystemTime) -> Self {
        FileIds { root, files, index, started, from_index: (0..files.len()).map(|_| OnceLock::new()).collect() }
    }

    pub fn path(&self, file: usize) -> &str {
        &self.files[file].path
    }

    /// The key of file `file` when git's index vouches for its content: no byte is read.
    ///
    /// `as_listed` says that nothing in this run can have changed the file since the selection
    /// looked at it (no fixer ran before): its `lstat` then stands, and the answer is kept for
    /// the run. Otherwise the file is looked at again, and the answer is not kept.
    pub fn from_index(&self, file: usize, as_listed: bool) -> Option<FileId> {
        if as_listed {
            *self.from_index[file].get_or_init(|| self.index_id(file, self.files[file].stat))
        } else {
            let meta = fs::symlink_metadata(self.root.join(&self.files[file].rel)).ok()?;
            self.index_id(file, StatData::of(&meta))
        }
    }

    fn index_id(&self, file: usize, stat: StatData) -> Option<FileId> {
        let index = self.index.as_ref()?;
        let entry = index.unchanged_entry(self.files[file].rel.as_os_str().as_bytes(), &stat)?;
        Some(FileId { key: self.key_with(file, b"index", &entry.oid, stat.mode, entry.mode), stat })
    }

    /// The key of file `file` from `bytes`, which were just read from it.
    pub fn from_content(&self, file: usize, bytes: &[u8]) -> Option<FileId> {
        let meta = fs::symlink_metadata(self.root.join(&self.files[file].rel)).ok()?;
        let content = sha2::Sha256::digest(bytes);
        Some(FileId { key: self.key(file, b"content", &content, meta.mode()), stat: StatData::of(&meta) })
    }

    /// The key of file `file`, from the index or else by reading it (for tools, which read the
    /// file themselves).
    pub fn any(&self, file: usize, as_listed: bool) -> Option<FileId> {
        if let Some(id) = self.from_index(file, as_listed) {
            return Some(id);
        }
        let entry = &self.files[file];
        let full = self.root.join(&entry.rel);
        let meta = fs::symlink_metadata(&full).ok()?;
        let content = if meta.file_type().is_symlink() {
            sha2::Sha256::digest(fs::read_link(&full).ok()?.as_os_str().as_bytes())
        } else {
            // Through the safe opener: no link in any component of the path is followed.
            let mut file = crate::worktree_fs::open_read(self.root, &entry.rel).ok()?;
            let mut hasher = sha2::Sha256::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match file.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => hasher.update(&buf[..n]),
                    Err(_) => return None,
                }
            }
            hasher.finalize()
        };
        Some(FileId { key: self.key(file, b"content", &content, meta.mode()), stat: StatData::of(&meta) })
    }

    /// True when file `file` still has the stat data its key was made from, and was not modified
    /// so close to the run's start that a change could hide in the same clock tick.
    pub fn unchanged_since(&self, file: usize, id: &FileId) -> bool {
        let Ok(meta) = fs::symlink_metadata(self.root.join(&self.files[file].rel)) else { return false };
        if StatData::of(&meta) != id.stat {
            return false;
        }
        let modified = SystemTime::UNIX_EPOCH + Duration::new(meta.mtime().max(0) as u64, meta.mtime_nsec() as u32);
        modified + RACY < self.started
    }

    /// The path, the content's identity (with where it came from: the index's blob id and a
    /// hash of the work-tree bytes are never mixed, as clean filters may make them differ), the
    /// executable bit and the index mode.
    fn key(&self, file: usize, source: &[u8], content: &[u8], mode: u32) -> Key {
        let entry = &self.files[file];
        let index_mode =
            self.index.as_ref().and_then(|i| i.get(entry.rel.as_os_str().as_bytes())).map_or(0, |e| e.mode);
        self.key_with(file, source, content, mode, index_mode)
    }

    fn key_with(&self, file: usize, source: &[u8], content: &[u8], mode: u32, index_mode: u32) -> Key {
        let entry = &self.files[file];
        let executable = [u8::from(mode & 0o111 != 0)];
        digest(&[source, content, entry.rel.as_os_str().as_bytes(), &executable, &index_mode.to_le_bytes()])
    }
}

/// The key of a file's content given by path (a tool's configuration file), or a marker for
/// its absence.
pub fn file_digest(path: &Path) -> Key {
    match fs::read(path) {
        Ok(bytes) => digest(&[b"file", &bytes]),
        Err(_) => digest(&[b"absent"]),
    }
}

/// Size, modification time and inode of `path` (following links), or nothing.
pub fn stat_identity(path: &Path) -> String {
    match fs::metadata(path) {
        Ok(meta) => format!("{}:{}:{}.{}:{}", path.display(), meta.size(), meta.mtime(), meta.mtime_nsec(), meta.ino()),
        Err(_) => format!("{}:absent", path.display()),
    }
}

/// One key for every tracked file's content (a whole-project result depends on them all): the
/// index's blob id where the stat data vouches for it, the bytes' hash otherwise.
pub fn project_digest(root: &Path, index: &IndexFile, untracked: &[std::path::PathBuf]) -> Option<Key> {
    use rayon::prelude::*;
    let parts: Vec<Option<Key>> = index
        .entries
        .par_iter()
        .map(|entry| {
            let full = root.join(std::ffi::OsStr::from_bytes(&entry.path));
            let Ok(meta) = fs::symlink_metadata(&full) else { return Some(digest(&[&entry.path, b"deleted"])) };
            if let Some(oid) = index.unchanged_oid(&entry.path, &meta) {
                return Some(digest(&[&entry.path, b"index", oid]));
            }
            if meta.is_dir() {
                // A submodule: its commit is in the index.
                return Some(digest(&[&entry.path, b"gitlink", &entry.oid]));
            }
            let bytes = if meta.file_type().is_symlink() {
                fs::read_link(&full).ok()?.as_os_str().as_bytes().to_vec()
            } else {
                crate::worktree_fs::read(root, Path::new(std::ffi::OsStr::from_bytes(&entry.path))).ok()?
            };
            Some(digest(&[&entry.path, b"content", &sha2::Sha256::digest(&bytes)]))
        })
        .collect();
    let mut parts: Vec<Key> = parts.into_iter().collect::<Option<_>>()?;
    // A new file the tool finds in its directories changes its result as much as an edit does.
    for rel in untracked {
        let path = rel.as_os_str().as_bytes();
        let part = match crate::worktree_fs::read(root, rel) {
            Ok(bytes) => digest(&[path, b"untracked", &sha2::Sha256::digest(&bytes)]),
            Err(_) => digest(&[path, b"untracked-unreadable"]),
        };
        parts.push(part);
    }
    let flat: Vec<&[u8]> = parts.iter().map(|k| k.as_slice()).collect();
    Some(digest(&flat))
}
