//! Reading a file once for the content checks, and replacing it atomically after fixes.

use std::fs::{self, File, Permissions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Files above this size are skipped with a warning rather than read into memory.
pub(crate) const MAX_CONTENT_BYTES: u64 = 64 * 1024 * 1024;
/// How much of the start of a file decides whether it is binary (as git does).
const BINARY_SNIFF: usize = 8 * 1024;

/// What reading a file for the content checks gave.
pub(crate) enum Loaded {
    Text {
        bytes: Vec<u8>,
        permissions: Permissions,
    },
    /// A NUL byte near the start: no text check applies.
    Binary,
    TooLarge(u64),
    /// A symlink, directory, FIFO or socket: reading it could hang or follow a link out of the tree.
    NotRegular,
    /// Deleted since the selection was made.
    Missing,
}

pub(crate) fn load(path: &Path) -> io::Result<Loaded> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
        Err(err) => return Err(err),
    };
    if !meta.file_type().is_file() {
        return Ok(Loaded::NotRegular);
    }
    if meta.len() > MAX_CONTENT_BYTES {
        return Ok(Loaded::TooLarge(meta.len()));
    }
    let mut file = File::open(path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    file.read_to_end(&mut bytes)?;
    let sniff = &bytes[..bytes.len().min(BINARY_SNIFF)];
    if memchr::memchr(0, sniff).is_some() {
        return Ok(Loaded::Binary);
    }
    Ok(Loaded::Text { bytes, permissions: meta.permissions() })
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Every path `replace` wrote, so tests can count writes per file.
#[cfg(test)]
pub(crate) static WRITES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Replaces `path` with `bytes`: a temporary file in the same directory (so the rename stays on
/// one file system and is atomic), given the original permissions, then renamed over it.
pub(crate) fn replace(path: &Path, bytes: &[u8], permissions: &Permissions) -> io::Result<()> {
    #[cfg(test)]
    if let Ok(mut writes) = WRITES.lock() {
        writes.push(path.to_path_buf());
    }
    let temp = temp_path(path)?;
    let result = write_new(&temp, bytes, permissions).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        // Best effort: the error that matters is the one being returned.
        let _ = fs::remove_file(&temp);
    }
    result
}

fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    let unique = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    temp_name.push(format!(".ward-{}-{unique}.tmp", std::process::id()));
    Ok(path.with_file_name(temp_name))
}

fn write_new(temp: &Path, bytes: &[u8], permissions: &Permissions) -> io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).create_new(true).open(temp)?;
    file.write_all(bytes)?;
    file.set_permissions(permissions.clone())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn loads_text_and_sniffs_binary() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("a.txt");
        fs::write(&text, b"hello\n").unwrap();
        assert!(matches!(load(&text).unwrap(), Loaded::Text { bytes, .. } if bytes == b"hello\n"));
        let binary = dir.path().join("b.bin");
        fs::write(&binary, b"PK\x03\x04\x00\x00").unwrap();
        assert!(matches!(load(&binary).unwrap(), Loaded::Binary));
        let late_nul = dir.path().join("late.txt");
        let mut bytes = vec![b'a'; BINARY_SNIFF];
        bytes.push(0);
        fs::write(&late_nul, &bytes).unwrap();
        assert!(matches!(load(&late_nul).unwrap(), Loaded::Text { .. }));
        assert!(matches!(load(&dir.path().join("gone")).unwrap(), Loaded::Missing));
        assert!(matches!(load(dir.path()).unwrap(), Loaded::NotRegular));
        std::os::unix::fs::symlink(&text, dir.path().join("link")).unwrap();
        assert!(matches!(load(&dir.path().join("link")).unwrap(), Loaded::NotRegular));
    }

    #[test]
    fn too_large_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.txt");
        File::create(&big).unwrap().set_len(MAX_CONTENT_BYTES + 1).unwrap();
        assert!(matches!(load(&big).unwrap(), Loaded::TooLarge(n) if n == MAX_CONTENT_BYTES + 1));
    }

    #[test]
    fn replace_keeps_permissions_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("run.sh");
        fs::write(&script, b"old").unwrap();
        fs::set_permissions(&script, Permissions::from_mode(0o750)).unwrap();
        let permissions = fs::metadata(&script).unwrap().permissions();
        replace(&script, b"new", &permissions).unwrap();
        assert_eq!(fs::read(&script).unwrap(), b"new");
        assert_eq!(fs::metadata(&script).unwrap().permissions().mode() & 0o777, 0o750);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn replace_reports_errors() {
        let missing_dir = Path::new("/nonexistent-ward-dir/file.txt");
        assert!(replace(missing_dir, b"x", &Permissions::from_mode(0o644)).is_err());
    }
}
