//! Reading a file once for the content checks, and replacing it atomically after fixes.

use std::io::{self, Read};
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;

use crate::worktree_fs;

/// Files above this size are skipped with a warning rather than read into memory.
pub(crate) const MAX_CONTENT_BYTES: u64 = 64 * 1024 * 1024;

/// What reading a file for the content checks gave.
pub(crate) enum Loaded {
    /// The bytes. Whether a text check applies was decided by the file's tags (identify's
    /// rule on the first KiB), so a NUL byte later on does not hide a file from its checks.
    Text(Vec<u8>),
    TooLarge(u64),
    /// A symlink, directory, FIFO or socket: reading it could hang or follow a link out of the tree.
    NotRegular,
    /// Deleted since the selection was made.
    Missing,
}

/// Reads `root/rel`, which the selection saw as a regular file of `size` bytes. The selection's
/// `lstat` stands: the directories on the way and one open and a read per file are all the I/O
/// of the hot path; no link is followed anywhere on the path, and `O_NONBLOCK` keeps a file
/// swapped for a FIFO since then from hanging the run.
pub(crate) fn load(root: &Path, rel: &Path, size: u64) -> io::Result<Loaded> {
    if size > MAX_CONTENT_BYTES {
        return Ok(Loaded::TooLarge(size));
    }
    let file = worktree_fs::open_read(root, rel);
    let file = match file {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
        // ELOOP: the path is a symlink now.
        Err(err) if err.raw_os_error() == Some(nix::libc::ELOOP) => return Ok(Loaded::NotRegular),
        Err(err) => return Err(err),
    };
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    // A file that grew past the limit since it was listed is cut at the limit, never read whole.
    match file.take(MAX_CONTENT_BYTES + 1).read_to_end(&mut bytes) {
        Ok(_) => {}
        Err(err) if err.raw_os_error() == Some(nix::libc::EISDIR) => return Ok(Loaded::NotRegular),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(Loaded::NotRegular),
        Err(err) => return Err(err),
    }
    if bytes.len() as u64 > MAX_CONTENT_BYTES {
        return Ok(Loaded::TooLarge(bytes.len() as u64));
    }
    Ok(Loaded::Text(bytes))
}

/// Every path `replace` wrote, so tests can count writes per file.
#[cfg(test)]
pub(crate) static WRITES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Replaces `root/rel` with `bytes`: a temporary file in the same directory (so the rename
/// stays on one file system and is atomic), given the original permissions, then renamed over
/// it. Nothing on the way is followed, so a fix never lands outside the work tree.
pub(crate) fn replace(root: &Path, rel: &Path, bytes: &[u8]) -> io::Result<()> {
    let located = worktree_fs::locate(root, rel)?;
    let meta = located.lstat()?;
    if meta.kind != worktree_fs::Kind::File {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "it is no longer a regular file"));
    }
    #[cfg(test)]
    if let Ok(mut writes) = WRITES.lock() {
        writes.push(root.join(rel));
    }
    located.replace_file(bytes, meta.mode, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::{self, Permissions};
    use std::os::unix::fs::PermissionsExt;

    fn load_now(path: &Path) -> Loaded {
        let size = fs::symlink_metadata(path).map_or(0, |m| m.len());
        load(Path::new("/"), path, size).unwrap()
    }

    #[test]
    fn loads_any_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("a.txt");
        fs::write(&text, b"hello\n").unwrap();
        assert!(matches!(load_now(&text), Loaded::Text(bytes) if bytes == b"hello\n"));
        let binary = dir.path().join("b.bin");
        fs::write(&binary, b"PK\x03\x04\x00\x00").unwrap();
        assert!(matches!(load_now(&binary), Loaded::Text(bytes) if bytes == b"PK\x03\x04\x00\x00"));
        assert!(matches!(load_now(&dir.path().join("gone")), Loaded::Missing));
        assert!(matches!(load_now(dir.path()), Loaded::NotRegular));
        std::os::unix::fs::symlink(&text, dir.path().join("link")).unwrap();
        assert!(matches!(load_now(&dir.path().join("link")), Loaded::NotRegular));
    }

    #[test]
    fn a_file_grown_since_it_was_listed_is_still_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("a.txt");
        let content = b"hello, a longer text than listed\n";
        fs::write(&text, content).unwrap();
        assert!(matches!(load(Path::new("/"), &text, 3).unwrap(), Loaded::Text(bytes) if bytes == content));
    }

    #[test]
    fn a_fifo_does_not_hang_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert!(
            matches!(load(Path::new("/"), &fifo, 0).unwrap(), Loaded::Text(bytes) if bytes.is_empty())
                || matches!(load(Path::new("/"), &fifo, 0).unwrap(), Loaded::NotRegular)
        );
    }

    #[test]
    fn too_large_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.txt");
        fs::File::create(&big).unwrap().set_len(MAX_CONTENT_BYTES + 1).unwrap();
        assert!(matches!(load_now(&big), Loaded::TooLarge(n) if n == MAX_CONTENT_BYTES + 1));
        // Listed small but grown huge since: cut at the limit, reported too large.
        assert!(matches!(load(Path::new("/"), &big, 10).unwrap(), Loaded::TooLarge(n) if n == MAX_CONTENT_BYTES + 1));
    }

    #[test]
    fn replace_keeps_permissions_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("run.sh");
        fs::write(&script, b"old").unwrap();
        fs::set_permissions(&script, Permissions::from_mode(0o750)).unwrap();
        replace(dir.path(), Path::new("run.sh"), b"new").unwrap();
        assert_eq!(fs::read(&script).unwrap(), b"new");
        assert_eq!(fs::metadata(&script).unwrap().permissions().mode() & 0o777, 0o750);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn replace_reports_errors() {
        let missing_dir = Path::new("/nonexistent-ward-dir/file.txt");
        assert!(replace(Path::new("/"), missing_dir, b"x").is_err());
    }
}
