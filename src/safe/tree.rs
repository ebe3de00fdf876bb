//! One path of the working tree read and written exactly: bytes, permission bits, symlink, absence.

use std::ffi::OsStr;
use std::io::ErrorKind;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use super::journal::Entry;
use crate::repo::staging::shown;
use crate::worktree_fs::{self, Kind};

/// What a path holds, in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// A regular file: its bytes and permission bits.
    File {
        bytes: Vec<u8>,
        mode: u32,
    },
    /// A symbolic link: the bytes of its target, which is what git stores for it.
    Symlink {
        target: Vec<u8>,
    },
    Absent,
}

impl Content {
    /// The bytes git would store as the blob.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Content::File { bytes, .. } => bytes,
            Content::Symlink { target } => target,
            Content::Absent => &[],
        }
    }

    /// The journal entry for this content, stored as `blob`.
    pub fn entry(&self, blob: Option<&str>) -> Entry {
        let blob = blob.unwrap_or_default().to_string();
        match self {
            Content::File { mode, .. } => Entry::File { blob, mode: *mode },
            Content::Symlink { .. } => Entry::Symlink { blob },
            Content::Absent => Entry::Absent,
        }
    }

    /// Rebuilds the content an entry describes from its blob's bytes.
    pub fn from_entry(entry: &Entry, bytes: Vec<u8>) -> Content {
        match entry {
            Entry::File { mode, .. } => Content::File { bytes, mode: *mode },
            Entry::Symlink { .. } => Content::Symlink { target: bytes },
            Entry::Absent => Content::Absent,
        }
    }
}

/// Reads what `root/rel` holds, without following a symlink anywhere on the path. A directory
/// or a special file is an error: nothing here may replace one.
pub fn read(root: &Path, rel: &Path) -> Result<Content> {
    let located = match worktree_fs::locate(root, rel) {
        Ok(located) => located,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => return Ok(Content::Absent),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", shown(rel))),
    };
    let meta = match located.lstat() {
        Ok(meta) => meta,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => return Ok(Content::Absent),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", shown(rel))),
    };
    match meta.kind {
        Kind::Symlink => {
            let target = located.read_link().with_context(|| format!("cannot read the link {}", shown(rel)))?;
            Ok(Content::Symlink { target: target.as_bytes().to_vec() })
        }
        Kind::File => {
            let bytes = located.read().with_context(|| format!("cannot read {}", shown(rel)))?;
            Ok(Content::File { bytes, mode: meta.mode })
        }
        _ => bail!("{} is not a file or a symbolic link", shown(rel)),
    }
}

/// Makes `root/rel` hold `content`, atomically: the new file or link is made under `scratch` (a
/// name in the same directory), synced, and renamed over the path; then the directory is
/// synced. Nothing on the way is followed, so no write lands outside the work tree.
pub fn write(root: &Path, rel: &Path, content: &Content, scratch: &Path) -> Result<()> {
    let located = worktree_fs::locate(root, rel).with_context(|| format!("cannot write {}", shown(rel)))?;
    let temp = scratch.file_name().unwrap_or(OsStr::new(".ward-scratch.tmp"));
    match content {
        Content::Absent => located.remove(true).with_context(|| format!("cannot remove {}", shown(rel))),
        Content::File { bytes, mode } => {
            located.replace_file_via(temp, bytes, *mode, true).with_context(|| format!("cannot write {}", shown(rel)))
        }
        Content::Symlink { target } => located
            .replace_symlink(OsStr::from_bytes(target), temp, true)
            .with_context(|| format!("cannot create the link {}", shown(rel))),
    }
}

/// Removes a scratch file an older ward left (its journal names it), if it is there.
pub fn remove_scratch(root: &Path, scratch: &Path) {
    if let Ok(located) = worktree_fs::locate(root, scratch) {
        if located.lstat().is_ok_and(|m| m.kind != Kind::Dir) {
            let _ = located.remove(false);
        }
    }
}

/// Whether `root/rel` is a directory (not a link to one), reached without following links.
pub fn is_dir(root: &Path, rel: &Path) -> bool {
    worktree_fs::lstat(root, rel).is_ok_and(|m| m.kind == Kind::Dir)
}

/// Creates the directory `root/rel` (its parent exists) and syncs its parent.
pub fn create_dir(root: &Path, rel: &Path) -> Result<()> {
    let located = worktree_fs::locate(root, rel).with_context(|| format!("cannot create {}", shown(rel)))?;
    located.create_dir().with_context(|| format!("cannot create {}", shown(rel)))?;
    located.sync_dir().with_context(|| format!("cannot sync the parent of {}", shown(rel)))
}

/// Removes the directory `root/rel` if it is empty.
pub fn remove_empty_dir(root: &Path, rel: &Path) {
    if let Ok(located) = worktree_fs::locate(root, rel) {
        let _ = located.remove_dir();
    }
}

/// The directories between `root` and `rel`'s parent that do not exist, outermost first.
pub fn missing_dirs(root: &Path, rel: &Path) -> Vec<PathBuf> {
    let mut missing: Vec<PathBuf> = rel
        .ancestors()
        .skip(1)
        .filter(|dir| !dir.as_os_str().is_empty())
        .take_while(|dir| worktree_fs::lstat(root, dir).is_err())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    missing
}

/// The permission bits for a file git stores with `index_mode` (`100644` or `100755`), derived
/// from the user's own file where there is one, as git's checkout would.
pub fn staged_mode(index_mode: u32, user: &Content) -> u32 {
    let executable = index_mode & 0o111 != 0;
    match user {
        Content::File { mode, .. } => {
            let plain = mode & !0o111;
            if executable {
                plain | ((plain & 0o444) >> 2)
            } else {
                plain
            }
        }
        _ if executable => 0o755,
        _ => 0o644,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back_files_links_and_absence() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let rel = Path::new("a b\nc.txt");
        let scratch = Path::new(".ward-t-0.tmp");
        let file = Content::File { bytes: b"x\r\ny".to_vec(), mode: 0o751 };
        write(root, rel, &file, scratch).expect("write file");
        assert_eq!(read(root, rel).expect("read"), file);
        let link = Content::Symlink { target: b"../elsewhere".to_vec() };
        write(root, rel, &link, scratch).expect("write link");
        assert_eq!(read(root, rel).expect("read"), link);
        write(root, rel, &Content::Absent, scratch).expect("remove");
        assert_eq!(read(root, rel).expect("read"), Content::Absent);
        assert_eq!(std::fs::read_dir(root).expect("list").count(), 0);
    }

    #[test]
    fn staged_mode_follows_the_users_bits() {
        let user = Content::File { bytes: Vec::new(), mode: 0o640 };
        assert_eq!(staged_mode(0o100755, &user), 0o750);
        let exec = Content::File { bytes: Vec::new(), mode: 0o755 };
        assert_eq!(staged_mode(0o100644, &exec), 0o644);
        assert_eq!(staged_mode(0o100755, &Content::Absent), 0o755);
    }
}
