//! What an external check changed: a file's identity (size, mtime, inode, mode) first, and its
//! content hash, read by streaming, only when the identity alone cannot tell.

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The state of one file before a tool ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fingerprint {
    /// Missing or unreadable.
    Absent,
    /// A symlink: its target.
    Link(Vec<u8>),
    File(Stat),
}

/// What `lstat` says; equal stats are taken as unchanged content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    inode: u64,
    device: u64,
    mode: u32,
}

impl Fingerprint {
    pub fn of(path: &Path) -> Fingerprint {
        let Ok(meta) = std::fs::symlink_metadata(path) else { return Fingerprint::Absent };
        if meta.file_type().is_symlink() {
            return match std::fs::read_link(path) {
                Ok(target) => Fingerprint::Link(target.as_os_str().as_bytes().to_vec()),
                Err(_) => Fingerprint::Absent,
            };
        }
        Fingerprint::File(Stat {
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
            device: meta.dev(),
            mode: meta.mode(),
        })
    }
}

/// Files up to this size also get a content hash before the tool runs, so that a tool that
/// rewrites one with the same bytes has not changed it. Larger files are judged by their stat:
/// reading gigabytes before every run to spot that rare case would cost more than it saves.
pub const HASH_MAX: u64 = 8 << 20;

/// A file as it was before a tool ran.
#[derive(Clone, Debug)]
pub struct Before {
    fingerprint: Fingerprint,
    hash: Option<[u8; 32]>,
}

impl Before {
    pub fn take(path: &Path) -> Before {
        let fingerprint = Fingerprint::of(path);
        let hash = match &fingerprint {
            Fingerprint::File(stat) if stat.size <= HASH_MAX => hash(path),
            _ => None,
        };
        Before { fingerprint, hash }
    }

    /// Whether the file at `path` now differs.
    ///
    /// Equal stats (size, times, inode, mode) mean equal content, so an untouched file is not
    /// read again. A tool that rewrites a file changes its mtime or ctime (or, writing a new
    /// file in its place, its inode); then a different size decides at once, and the content
    /// hash decides when there is one.
    pub fn changed(&self, path: &Path) -> bool {
        let after = Fingerprint::of(path);
        match (&self.fingerprint, &after) {
            (Fingerprint::File(a), Fingerprint::File(b)) => {
                if a == b {
                    return false;
                }
                if a.size != b.size || a.mode != b.mode {
                    return true;
                }
                match (self.hash, hash(path)) {
                    (Some(old), Some(new)) => old != new,
                    _ => true,
                }
            }
            (a, b) => a != b,
        }
    }
}

/// The SHA-256 of a file's content, read in 64 KiB pieces so that a 1 GB file costs 64 KiB.
pub fn hash(path: &Path) -> Option<[u8; 32]> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_rewrites_and_ignores_rewrites_without_change() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "one\n").expect("write");
        let before = Before::take(&path);
        assert!(!before.changed(&path));
        std::thread::sleep(std::time::Duration::from_millis(10));
        std::fs::write(&path, "one\n").expect("write");
        assert!(!before.changed(&path), "rewritten with the same bytes");
        std::fs::write(&path, "two\n").expect("write");
        assert!(before.changed(&path), "same size, new content");
        std::fs::write(&path, "three\n").expect("write");
        assert!(before.changed(&path));
        std::fs::remove_file(&path).expect("rm");
        assert!(before.changed(&path));
        assert_eq!(Fingerprint::of(&path), Fingerprint::Absent);
        std::os::unix::fs::symlink("x", &path).expect("symlink");
        let before = Before::take(&path);
        assert!(!before.changed(&path));
        std::fs::remove_file(&path).expect("rm");
        std::os::unix::fs::symlink("y", &path).expect("symlink");
        assert!(before.changed(&path));
    }
}
