//! Whether a work-tree file still holds exactly what the index has, answered without git.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::worktree_fs::{self, Kind};

use sha1::Digest;

use super::index::RawChange;

const MODE_FILE: u32 = 0o100_644;
const MODE_EXECUTABLE: u32 = 0o100_755;
const MODE_SYMLINK: u32 = 0o120_000;

/// True when the work-tree file of a staged `change` is byte for byte its index blob (and, where
/// git would notice, has its executable bit). `false` means "ask git": content that clean and
/// smudge filters or line-ending conversion rewrite is left to git's own comparison.
/// `file_mode` (git's `core.fileMode`) is asked only when the executable bits disagree.
pub fn worktree_matches_index(root: &Path, change: &RawChange, file_mode: impl Fn() -> bool) -> bool {
    // A path through a link is never read: git will say what it thinks of it.
    let Ok(located) = worktree_fs::locate(root, &change.path) else { return false };
    let Ok(meta) = located.lstat() else { return false };
    let content = match change.new_mode {
        MODE_FILE | MODE_EXECUTABLE if meta.kind == Kind::File => {
            let executable = meta.mode & 0o111 != 0;
            if executable != (change.new_mode == MODE_EXECUTABLE) && file_mode() {
                return false;
            }
            match located.read() {
                Ok(bytes) => bytes,
                Err(_) => return false,
            }
        }
        MODE_SYMLINK if meta.kind == Kind::Symlink => match located.read_link() {
            Ok(target) => target.as_bytes().to_vec(),
            Err(_) => return false,
        },
        _ => return false,
    };
    blob_id(&content, change.new_oid.len()).is_some_and(|id| id == change.new_oid)
}

/// True when the regular file `rel` holds exactly the blob `oid` (no filters considered).
pub fn file_matches(root: &Path, rel: &Path, oid: &str) -> bool {
    worktree_fs::read(root, rel).ok().and_then(|bytes| blob_id(&bytes, oid.len())).is_some_and(|id| id == oid)
}

/// True when the work-tree file of index entry `rel` (a file or a link, by `mode`) holds exactly
/// the blob `oid` (raw bytes): a racily clean entry vouched for as git does, by its content. A
/// file is hashed as it is read, whatever its size.
pub fn entry_matches(root: &Path, rel: &Path, mode: u32, oid: &[u8]) -> bool {
    let hex: String = oid.iter().map(|b| format!("{b:02x}")).collect();
    match mode & 0o170_000 {
        0o100_000 => streamed_blob_id(root, rel, hex.len()).is_some_and(|id| id == hex),
        0o120_000 => worktree_fs::locate(root, rel)
            .and_then(|l| l.read_link())
            .ok()
            .and_then(|target| blob_id(target.as_bytes(), hex.len()))
            .is_some_and(|id| id == hex),
        _ => false,
    }
}

/// [`blob_id`] of a regular file, read in pieces; `None` if it changed size while read.
fn streamed_blob_id(root: &Path, rel: &Path, hex_len: usize) -> Option<String> {
    use std::io::Read as _;
    let mut file = worktree_fs::open_read(root, rel).ok()?;
    let size = file.metadata().ok()?.len();
    let header = format!("blob {size}\0");
    let mut hasher: Box<dyn sha2::digest::DynDigest> = match hex_len {
        40 => Box::new(sha1::Sha1::new()),
        64 => Box::new(sha2::Sha256::new()),
        _ => return None,
    };
    hasher.update(header.as_bytes());
    let (mut buffer, mut read) = (vec![0u8; 64 * 1024], 0u64);
    loop {
        let n = file.read(&mut buffer).ok()?;
        if n == 0 {
            break;
        }
        read += n as u64;
        hasher.update(&buffer[..n]);
    }
    (read == size).then(|| hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The object id git gives `content` as a blob, SHA-1 or SHA-256 by the length of the ids in use.
fn blob_id(content: &[u8], hex_len: usize) -> Option<String> {
    let header = format!("blob {}\0", content.len());
    let digest: Vec<u8> = match hex_len {
        40 => sha1::Sha1::new().chain_update(header.as_bytes()).chain_update(content).finalize().to_vec(),
        64 => sha2::Sha256::new().chain_update(header.as_bytes()).chain_update(content).finalize().to_vec(),
        _ => return None,
    };
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_match_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(blob_id(b"hello\n", 40).as_deref(), Some("ce013625030ba8dba906f756967f9e9ca394464a"));
        // `git hash-object --stdin </dev/null`
        assert_eq!(blob_id(b"", 40).as_deref(), Some("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"));
        assert_eq!(
            blob_id(b"", 64).as_deref(),
            Some("473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813")
        );
        assert_eq!(blob_id(b"x", 12), None);
    }

    #[test]
    fn entries_match_by_content_and_kind() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("f"), "hello\n").expect("write");
        std::os::unix::fs::symlink("f", dir.path().join("l")).expect("symlink");
        let id = |hex: &str| {
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect::<Vec<u8>>()
        };
        let hello = id("ce013625030ba8dba906f756967f9e9ca394464a");
        assert!(entry_matches(dir.path(), Path::new("f"), MODE_FILE, &hello));
        assert!(!entry_matches(dir.path(), Path::new("f"), MODE_SYMLINK, &hello), "a file is not a link");
        // `printf f | git hash-object --stdin`: a link's blob is its target.
        let target = id(&blob_id(b"f", 40).expect("id"));
        assert!(entry_matches(dir.path(), Path::new("l"), MODE_SYMLINK, &target));
        assert!(!entry_matches(dir.path(), Path::new("l"), MODE_FILE, &hello), "never read through a link");
        std::fs::write(dir.path().join("f"), "hellO\n").expect("write");
        assert!(!entry_matches(dir.path(), Path::new("f"), MODE_FILE, &hello));
    }
}
