//! What an external check changed: a file's identity (size, mtime, inode, mode) first, and its
//! content hash, read by streaming, only when the identity alone cannot tell. Every access goes
//! through `worktree_fs`, so no link on the path is followed.

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use crate::worktree_fs::{self, Kind};

/// The state of one path before a tool ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fingerprint {
    /// Missing, unreadable, or neither a file nor a link.
    Absent,
    /// A symlink: its target.
    Link(Vec<u8>),
    File(Stat),
}

/// What `lstat` says; equal stats are taken as unchanged content (but see [`RACY`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    size: u64,
    mtime_ns: i128,
    inode: u64,
    device: u64,
    mode: u32,
}

impl Fingerprint {
    pub fn of(root: &Path, rel: &Path) -> Fingerprint {
        let Ok(located) = worktree_fs::locate(root, rel) else { return Fingerprint::Absent };
        let Ok(meta) = located.lstat() else { return Fingerprint::Absent };
        match meta.kind {
            Kind::Symlink => match located.read_link() {
                Ok(target) => Fingerprint::Link(target.as_bytes().to_vec()),
                Err(_) => Fingerprint::Absent,
            },
            Kind::File => Fingerprint::File(Stat {
                size: meta.size,
                mtime_ns: meta.mtime_ns,
                inode: meta.ino,
                device: meta.dev,
                mode: meta.mode,
            }),
            Kind::Dir | Kind::Other => Fingerprint::Absent,
        }
    }
}

/// Files up to this size also get a content hash before the tool runs, so that a tool that
/// rewrites one with the same bytes has not changed it. Larger files are judged by their stat:
/// reading gigabytes before every run to spot that rare case would cost more than it saves.
pub const HASH_MAX: u64 = 8 << 20;

/// A file modified this recently may be written again within the same timestamp tick (file
/// systems keep coarse times, down to seconds), keeping its stat: such a file is hashed
/// whatever its size, and its content decides (git calls these entries "racy").
const RACY: Duration = Duration::from_secs(2);

/// A file as it was before a tool ran.
#[derive(Clone, Debug)]
pub struct Before {
    fingerprint: Fingerprint,
    hash: Option<[u8; 32]>,
    racy: bool,
}

impl Before {
    pub fn take(root: &Path, rel: &Path) -> Before {
        let fingerprint = Fingerprint::of(root, rel);
        let (hash, racy) = match &fingerprint {
            Fingerprint::File(stat) => {
                let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
                let racy = stat.mtime_ns >= now.as_nanos() as i128 - RACY.as_nanos() as i128;
                let hash = (stat.size <= HASH_MAX || racy).then(|| hash(root, rel)).flatten();
                (hash, racy)
            }
            _ => (None, false),
        };
        Before { fingerprint, hash, racy }
    }

    /// Whether the file at `root/rel` now differs.
    ///
    /// Equal stats (size, mtime, inode, mode) mean equal content, so an untouched file is not
    /// read again, unless it was racy. A tool that rewrites a file changes its mtime (or,
    /// writing a new file in its place, its inode); then a different size decides at once, and
    /// the content hash decides when there is one.
    pub fn changed(&self, root: &Path, rel: &Path) -> bool {
        let after = Fingerprint::of(root, rel);
        match (&self.fingerprint, &after) {
            (Fingerprint::File(a), Fingerprint::File(b)) => {
                if a == b && !self.racy {
                    return false;
                }
                if a.size != b.size || a.mode != b.mode {
                    return true;
                }
                match (self.hash, hash(root, rel)) {
                    (Some(old), Some(new)) => old != new,
                    _ => a != b,
                }
            }
            (a, b) => a != b,
        }
    }
}

/// The SHA-256 of a file's content, read in 64 KiB pieces so that a 1 GB file costs 64 KiB.
pub fn hash(root: &Path, rel: &Path) -> Option<[u8; 32]> {
    let mut file = worktree_fs::locate(root, rel).ok()?.open_read().ok()?;
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
        let (root, rel) = (dir.path(), Path::new("a.txt"));
        let path = root.join(rel);
        std::fs::write(&path, "one\n").expect("write");
        let before = Before::take(root, rel);
        assert!(before.racy, "just written");
        assert!(!before.changed(root, rel));
        std::fs::write(&path, "one\n").expect("write");
        assert!(!before.changed(root, rel), "rewritten with the same bytes");
        std::fs::write(&path, "two\n").expect("write");
        assert!(before.changed(root, rel), "same size, new content, maybe the same mtime tick");
        std::fs::write(&path, "three\n").expect("write");
        assert!(before.changed(root, rel));
        std::fs::remove_file(&path).expect("rm");
        assert!(before.changed(root, rel));
        assert_eq!(Fingerprint::of(root, rel), Fingerprint::Absent);
        std::os::unix::fs::symlink("x", &path).expect("symlink");
        let before = Before::take(root, rel);
        assert!(!before.changed(root, rel));
        std::fs::remove_file(&path).expect("rm");
        std::os::unix::fs::symlink("y", &path).expect("symlink");
        assert!(before.changed(root, rel));
    }

    #[test]
    fn an_old_file_with_the_same_stat_is_not_read() {
        let dir = tempfile::tempdir().expect("temp");
        let (root, rel) = (dir.path(), Path::new("big.bin"));
        let file = std::fs::File::create(root.join(rel)).expect("create");
        file.set_len(HASH_MAX + 1).expect("truncate");
        file.set_modified(SystemTime::now() - Duration::from_secs(60)).expect("mtime");
        let before = Before::take(root, rel);
        assert!(!before.racy && before.hash.is_none(), "large and old: stat only");
        assert!(!before.changed(root, rel));
    }
}
