//! One path of the working tree read and written exactly: bytes, permission bits, symlink, absence.

use std::ffi::OsStr;
use std::fs::{self, OpenOptions, Permissions};
use std::io::{ErrorKind, Write as _};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use super::journal::{sync_parent, Entry};

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

/// Reads what `root/rel` holds, without following a symlink. A directory or a special file is
/// an error: nothing here may replace one.
pub fn read(root: &Path, rel: &Path) -> Result<Content> {
    let full = root.join(rel);
    let meta = match fs::symlink_metadata(&full) {
        Ok(meta) => meta,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => return Ok(Content::Absent),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", full.display())),
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        let target = fs::read_link(&full).with_context(|| format!("cannot read the link {}", full.display()))?;
        Ok(Content::Symlink { target: target.as_os_str().as_bytes().to_vec() })
    } else if kind.is_file() {
        let bytes = fs::read(&full).with_context(|| format!("cannot read {}", full.display()))?;
        Ok(Content::File { bytes, mode: meta.permissions().mode() & 0o7777 })
    } else {
        bail!("{} is not a file or a symbolic link", full.display())
    }
}

/// Makes `root/rel` hold `content`, atomically: the new file or link is made under `scratch` (in
/// the same directory), synced, and renamed over the path; then the directory is synced.
pub fn write(root: &Path, rel: &Path, content: &Content, scratch: &Path) -> Result<()> {
    let full = root.join(rel);
    let tmp = root.join(scratch);
    let result = match content {
        Content::Absent => match fs::remove_file(&full) {
            Ok(()) => sync_parent(&full),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove {}", full.display())),
        },
        Content::File { bytes, mode } => write_file(&tmp, bytes, *mode).and_then(|()| replace(&tmp, &full)),
        Content::Symlink { target } => {
            remove_scratch(&tmp);
            std::os::unix::fs::symlink(OsStr::from_bytes(target), &tmp)
                .with_context(|| format!("cannot create the link {}", tmp.display()))
                .and_then(|()| replace(&tmp, &full))
        }
    };
    if result.is_err() {
        remove_scratch(&tmp);
    }
    result
}

fn write_file(tmp: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    remove_scratch(tmp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    file.write_all(bytes)
        // Set after writing: a read-only mode must not stop the write, and the umask must not
        // change the bits being put back.
        .and_then(|()| file.set_permissions(Permissions::from_mode(mode)))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))
}

fn replace(tmp: &Path, full: &Path) -> Result<()> {
    fs::rename(tmp, full).with_context(|| format!("cannot replace {}", full.display()))?;
    sync_parent(full)
}

pub fn remove_scratch(tmp: &Path) {
    if fs::symlink_metadata(tmp).is_ok() {
        let _ = fs::remove_file(tmp);
    }
}

/// The directories between `root` and `rel`'s parent that do not exist, outermost first.
pub fn missing_dirs(root: &Path, rel: &Path) -> Vec<PathBuf> {
    let mut missing: Vec<PathBuf> = rel
        .ancestors()
        .skip(1)
        .filter(|dir| !dir.as_os_str().is_empty())
        .take_while(|dir| fs::symlink_metadata(root.join(dir)).is_err())
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
        assert!(!root.join(scratch).exists());
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
