//! Work-tree paths opened component by component from the root, never through a symbolic link.
//!
//! Every read for checking and every write of a fixer, of staged mode or of a restore goes
//! through here: a path is resolved from a handle of the work-tree root with `openat2`
//! (`RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`), or, where that is missing and to name the link
//! that stopped it, directory by directory with `O_NOFOLLOW`. A directory swapped for a link to
//! somewhere else is an error naming the link, never a way out of the tree (git itself refuses
//! paths beyond a symlink). The last component is never followed either.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read as _, Write as _};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use nix::errno::Errno;
use nix::fcntl::{self, AtFlags, OFlag};
use nix::sys::stat::{self, Mode, SFlag};
use nix::unistd::{self, UnlinkatFlags};

mod tree_stat;
pub use tree_stat::lstat_tree;

/// A path that goes through a symbolic link on its way into the work tree.
#[derive(Debug, thiserror::Error)]
#[error("{} is a symbolic link, and ward never follows one to reach a file ({} is beyond it)", link.display(), path.display())]
pub struct ThroughSymlink {
    /// The repository-relative directory that is a link.
    pub link: PathBuf,
    pub path: PathBuf,
}

/// True when `err` is a [`ThroughSymlink`].
pub fn is_through_symlink(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|inner| inner.is::<ThroughSymlink>())
}

/// What one path is, from `lstat` (a symlink is never followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// The facts of one `lstat` (size, inode and mtime also let change detection skip a read).
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    pub kind: Kind,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    pub size: u64,
    pub dev: u64,
    pub ino: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
    pub uid: u32,
    pub gid: u32,
}

/// A path's parent directory, opened safely, and the name in it.
pub struct Located {
    dir: OwnedFd,
    name: OsString,
}

/// Opens every directory of `rel` from `root` without following a link; the last component is
/// not touched. `rel` must be relative, without `..`. An absolute `rel` (a file the user named
/// outside the tree, such as a commit message in the git dir) is opened as given, except that
/// its last component is still never followed.
pub fn locate(root: &Path, rel: &Path) -> io::Result<Located> {
    if rel.is_absolute() {
        let parent = rel.parent().unwrap_or(Path::new("/"));
        let name = rel.file_name().ok_or_else(|| invalid(rel, "has no file name"))?;
        let dir = fcntl::open(parent, dir_flags(), Mode::empty()).map_err(io::Error::from)?;
        return Ok(Located { dir, name: name.to_owned() });
    }
    let names = components(rel)?;
    let Some((last, dirs)) = names.split_last() else {
        return Err(invalid(rel, "is empty"));
    };
    let root_dir = root_fd(root)?;
    let parent = rel.parent().unwrap_or(Path::new(""));
    if dirs.is_empty() {
        let dir = root_dir.try_clone()?;
        return Ok(Located { dir, name: (*last).to_owned() });
    }
    if let Some(dir) = beneath(&root_dir, parent, dir_flags()) {
        return Ok(Located { dir: dir?, name: (*last).to_owned() });
    }
    let dir = walk(&root_dir, rel, dirs)?;
    Ok(Located { dir, name: (*last).to_owned() })
}

/// Opens the directories `dirs` (of `rel`) one by one from `root_dir`, none of them a link:
/// the way without `openat2`, and the way to name the link that stopped it.
fn walk(root_dir: &OwnedFd, rel: &Path, dirs: &[&OsStr]) -> io::Result<OwnedFd> {
    let mut dir = root_dir.try_clone()?;
    let mut walked = PathBuf::new();
    for name in dirs {
        walked.push(name);
        dir = match fcntl::openat(dir.as_fd(), *name, dir_flags() | OFlag::O_NOFOLLOW, Mode::empty()) {
            Ok(next) => next,
            Err(errno @ (Errno::ELOOP | Errno::ENOTDIR)) => {
                let is_link = stat::fstatat(dir.as_fd(), *name, AtFlags::AT_SYMLINK_NOFOLLOW)
                    .is_ok_and(|st| SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFLNK);
                if is_link {
                    return Err(io::Error::other(ThroughSymlink { link: walked, path: rel.to_path_buf() }));
                }
                return Err(errno.into());
            }
            Err(errno) => return Err(errno.into()),
        };
    }
    Ok(dir)
}

/// The plain components of a relative path; `..`, a root or a prefix are refused.
fn components(rel: &Path) -> io::Result<Vec<&OsStr>> {
    let mut names = Vec::new();
    for component in rel.components() {
        match component {
            Component::Normal(name) => names.push(name),
            Component::CurDir => {}
            _ => return Err(invalid(rel, "is not inside the work tree")),
        }
    }
    Ok(names)
}

/// A handle of the work-tree root, opened once per process (a run has one root, or two).
fn root_fd(root: &Path) -> io::Result<Arc<OwnedFd>> {
    static ROOTS: Mutex<Vec<(PathBuf, Arc<OwnedFd>)>> = Mutex::new(Vec::new());
    let mut roots = ROOTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, fd)) = roots.iter().find(|(path, _)| path == root) {
        return Ok(Arc::clone(fd));
    }
    let fd = Arc::new(fcntl::open(root, dir_flags(), Mode::empty())?);
    roots.push((root.to_path_buf(), Arc::clone(&fd)));
    Ok(fd)
}

/// False once the kernel has refused `openat2` (before Linux 5.6, or a seccomp filter).
static OPENAT2: AtomicBool = AtomicBool::new(true);

/// The one-call path: `openat2` resolving `rel` beneath `root` with no symlink anywhere.
/// `None` when it cannot say (no `openat2`, or a link on the way, which the component walk
/// then names).
fn beneath(root: &OwnedFd, rel: &Path, flags: OFlag) -> Option<io::Result<OwnedFd>> {
    if !OPENAT2.load(Ordering::Relaxed) {
        return None;
    }
    let how = fcntl::OpenHow::new()
        .flags(flags | OFlag::O_CLOEXEC)
        .resolve(fcntl::ResolveFlag::RESOLVE_NO_SYMLINKS | fcntl::ResolveFlag::RESOLVE_BENEATH);
    match fcntl::openat2(root.as_fd(), rel, how) {
        Ok(fd) => Some(Ok(fd)),
        Err(Errno::ELOOP | Errno::EXDEV | Errno::EAGAIN) => None,
        Err(Errno::ENOSYS | Errno::EPERM | Errno::EINVAL | Errno::E2BIG) => {
            OPENAT2.store(false, Ordering::Relaxed);
            None
        }
        Err(errno) => Some(Err(errno.into())),
    }
}

/// Opens `root/rel` for reading without following a link anywhere on the path: one `openat2`
/// on the hot path. A link as the last component is `ELOOP`; a FIFO opens without blocking.
pub fn open_read(root: &Path, rel: &Path) -> io::Result<File> {
    if rel.is_relative() {
        components(rel)?;
        if let Some(fd) = beneath(&*root_fd(root)?, rel, read_flags()) {
            return Ok(File::from(fd?));
        }
    }
    locate(root, rel)?.open_read()
}

fn read_flags() -> OFlag {
    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC | OFlag::O_NOCTTY
}

fn dir_flags() -> OFlag {
    // O_PATH: only a handle to walk from; it needs no read permission on the directory.
    OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC
}

fn invalid(rel: &Path, why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{} {why}", rel.display()))
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Located {
    /// `lstat` of the path.
    pub fn lstat(&self) -> io::Result<Meta> {
        self.lstat_name(&self.name)
    }

    fn lstat_name(&self, name: &OsStr) -> io::Result<Meta> {
        Ok(meta(stat::fstatat(self.dir.as_fd(), name, AtFlags::AT_SYMLINK_NOFOLLOW)?))
    }

    /// Opens the file for reading. A link is `ELOOP`; a FIFO opens without blocking.
    pub fn open_read(&self) -> io::Result<File> {
        Ok(File::from(fcntl::openat(self.dir.as_fd(), self.name.as_os_str(), read_flags(), Mode::empty())?))
    }

    /// The whole content of a regular file.
    pub fn read(&self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.open_read()?.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// The target of a symbolic link.
    pub fn read_link(&self) -> io::Result<OsString> {
        Ok(fcntl::readlinkat(self.dir.as_fd(), self.name.as_os_str())?)
    }

    /// Replaces the path with a regular file holding `bytes` with permission bits `mode`: a
    /// temporary file in the same directory, renamed over it. With `durable`, the file and the
    /// directory are synced too.
    pub fn replace_file(&self, bytes: &[u8], mode: u32, durable: bool) -> io::Result<()> {
        self.replace_file_via(&self.temp_name(), bytes, mode, durable)
    }

    /// As [`Located::replace_file`], through the temporary name `temp` (in the same directory),
    /// which a journal may record so that a crash leaves nothing unknown behind.
    pub fn replace_file_via(&self, temp: &OsStr, bytes: &[u8], mode: u32, durable: bool) -> io::Result<()> {
        let _ = unistd::unlinkat(self.dir.as_fd(), temp, UnlinkatFlags::NoRemoveDir);
        let result = self.write_new(temp, bytes, mode, durable).and_then(|()| self.rename_over(temp, durable));
        if result.is_err() {
            let _ = unistd::unlinkat(self.dir.as_fd(), temp, UnlinkatFlags::NoRemoveDir);
        }
        result
    }

    /// Replaces the path with a symbolic link to `target`, atomically.
    pub fn replace_symlink(&self, target: &OsStr, temp: &OsStr, durable: bool) -> io::Result<()> {
        let _ = unistd::unlinkat(self.dir.as_fd(), temp, UnlinkatFlags::NoRemoveDir);
        let result = unistd::symlinkat(target, self.dir.as_fd(), temp)
            .map_err(io::Error::from)
            .and_then(|()| self.rename_over(temp, durable));
        if result.is_err() {
            let _ = unistd::unlinkat(self.dir.as_fd(), temp, UnlinkatFlags::NoRemoveDir);
        }
        result
    }

    /// Removes a file or link; a missing one is fine.
    pub fn remove(&self, durable: bool) -> io::Result<()> {
        match unistd::unlinkat(self.dir.as_fd(), self.name.as_os_str(), UnlinkatFlags::NoRemoveDir) {
            Ok(()) if durable => self.sync_dir(),
            Ok(()) | Err(Errno::ENOENT) => Ok(()),
            Err(errno) => Err(errno.into()),
        }
    }

    /// Creates the path as a directory.
    pub fn create_dir(&self) -> io::Result<()> {
        stat::mkdirat(self.dir.as_fd(), self.name.as_os_str(), Mode::from_bits_truncate(0o777))?;
        Ok(())
    }

    /// Removes the path if it is an empty directory.
    pub fn remove_dir(&self) -> io::Result<()> {
        unistd::unlinkat(self.dir.as_fd(), self.name.as_os_str(), UnlinkatFlags::RemoveDir)?;
        Ok(())
    }

    /// Syncs the directory that holds the path.
    pub fn sync_dir(&self) -> io::Result<()> {
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        File::from(fcntl::openat(self.dir.as_fd(), ".", flags, Mode::empty())?).sync_all()
    }

    /// A name for a temporary file next to the path: short whatever the original's length, so
    /// that it fits the file system's name limit whenever the original does.
    fn temp_name(&self) -> OsString {
        let unique = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        OsString::from(format!(".ward-{}-{unique}.tmp", std::process::id()))
    }

    fn write_new(&self, temp: &OsStr, bytes: &[u8], mode: u32, durable: bool) -> io::Result<()> {
        let flags = OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        let mut file = File::from(fcntl::openat(self.dir.as_fd(), temp, flags, Mode::from_bits_truncate(0o600))?);
        file.write_all(bytes)?;
        // Set after writing: a read-only mode must not stop the write, nor the umask change the bits.
        stat::fchmod(file.as_fd(), Mode::from_bits_truncate(mode & 0o7777))?;
        if durable {
            file.sync_all()?;
        }
        Ok(())
    }

    fn rename_over(&self, temp: &OsStr, durable: bool) -> io::Result<()> {
        fcntl::renameat(self.dir.as_fd(), temp, self.dir.as_fd(), self.name.as_os_str())?;
        if durable {
            self.sync_dir()?;
        }
        Ok(())
    }
}

/// `lstat` of `root/rel`, refusing a path through a link: one `openat2` of the path itself
/// (`O_PATH | O_NOFOLLOW` gives a link's own handle) and an `fstat`.
pub fn lstat(root: &Path, rel: &Path) -> io::Result<Meta> {
    if rel.is_relative() && !components(rel)?.is_empty() {
        let flags = OFlag::O_PATH | OFlag::O_NOFOLLOW;
        if let Some(fd) = beneath(&*root_fd(root)?, rel, flags) {
            return Ok(meta(stat::fstat(fd?.as_fd())?));
        }
    }
    locate(root, rel)?.lstat()
}

/// Which batch of [`lstat_in_batch`] calls is current; handles kept for an older one are
/// never used.
static BATCH: AtomicU64 = AtomicU64::new(0);

/// Starts a batch of [`lstat_in_batch`] calls, during which nothing in the tree is written
/// (the selection's classification of every file).
pub fn new_batch() {
    BATCH.fetch_add(1, Ordering::Relaxed);
}

/// As [`lstat`], for many sorted paths at once, with one `fstatat` per file from the root's
/// handle. That call would follow a link in a directory of the path, so each directory is first
/// seen to be a real directory, once per thread and batch, from the top down: paths in sorted
/// order share their directories, so that is about one more call per directory. A path through
/// a link takes the component walk, which names the link. Only metadata is looked at this way,
/// and only while nothing in the tree is written.
pub fn lstat_in_batch(root: &Path, rel: &Path) -> io::Result<Meta> {
    type Seen = Option<(u64, PathBuf, rustc_hash::FxHashSet<Vec<u8>>)>;
    thread_local! {
        static DIRS: std::cell::RefCell<Seen> = const { std::cell::RefCell::new(None) };
    }
    let Some(parent) = rel.parent() else { return lstat(root, rel) };
    // `.` and `..` (never in git's paths) take the checked walk.
    let dots = rel.as_os_str().as_bytes().split(|b| *b == b'/').any(|part| part == b"." || part == b"..");
    if rel.is_absolute() || parent.as_os_str().is_empty() || dots {
        return lstat(root, rel);
    }
    let batch = BATCH.load(Ordering::Relaxed);
    let fd = root_fd(root)?;
    let real = DIRS.with_borrow_mut(|seen| {
        let fresh =
            !matches!(seen, Some((b, r, _)) if *b == batch && r.as_os_str().as_bytes() == root.as_os_str().as_bytes());
        if fresh {
            *seen = Some((batch, root.to_path_buf(), rustc_hash::FxHashSet::default()));
        }
        match seen {
            Some((_, _, dirs)) => real_dirs(&fd, parent, dirs),
            None => Ok(false),
        }
    })?;
    if !real {
        return locate(root, rel)?.lstat();
    }
    Ok(meta(stat::fstatat(fd.as_fd(), rel, AtFlags::AT_SYMLINK_NOFOLLOW)?))
}

/// True when `dir` and every directory above it are real directories (not links), asking only
/// about those not seen yet.
fn real_dirs(root: &OwnedFd, dir: &Path, seen: &mut rustc_hash::FxHashSet<Vec<u8>>) -> io::Result<bool> {
    let bytes = dir.as_os_str().as_bytes();
    if seen.contains(bytes) {
        return Ok(true);
    }
    if let Some(up) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !real_dirs(root, up, seen)? {
            return Ok(false);
        }
    }
    let st = stat::fstatat(root.as_fd(), dir, AtFlags::AT_SYMLINK_NOFOLLOW)?;
    match SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT {
        SFlag::S_IFDIR => {
            seen.insert(bytes.to_vec());
            Ok(true)
        }
        SFlag::S_IFLNK => Ok(false),
        _ => Err(Errno::ENOTDIR.into()),
    }
}

/// The bytes of the regular file `root/rel`, refusing any link on the way.
pub fn read(root: &Path, rel: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_read(root, rel)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn meta(st: stat::FileStat) -> Meta {
    let kind = match SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT {
        SFlag::S_IFREG => Kind::File,
        SFlag::S_IFDIR => Kind::Dir,
        SFlag::S_IFLNK => Kind::Symlink,
        _ => Kind::Other,
    };
    Meta {
        kind,
        mode: st.st_mode & 0o7777,
        size: u64::try_from(st.st_size).unwrap_or(0),
        dev: st.st_dev,
        ino: st.st_ino,
        mtime_ns: i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec),
        ctime_ns: i128::from(st.st_ctime) * 1_000_000_000 + i128::from(st.st_ctime_nsec),
        uid: st.st_uid,
        gid: st.st_gid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    #[test]
    fn reads_and_writes_inside_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::write(root.join("a/b/f.txt"), b"x").unwrap();
        assert_eq!(read(root, Path::new("a/b/f.txt")).unwrap(), b"x");
        let located = locate(root, Path::new("a/b/f.txt")).unwrap();
        located.replace_file(b"yz", 0o640, true).unwrap();
        assert_eq!(fs::read(root.join("a/b/f.txt")).unwrap(), b"yz");
        assert_eq!(lstat(root, Path::new("a/b/f.txt")).unwrap().mode, 0o640);
        assert_eq!(fs::read_dir(root.join("a/b")).unwrap().count(), 1);
    }

    #[test]
    fn a_link_on_the_way_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("f.txt"), b"secret").unwrap();
        symlink(outside.path(), dir.path().join("sub")).unwrap();
        let err = read(dir.path(), Path::new("sub/f.txt")).unwrap_err();
        assert!(is_through_symlink(&err), "{err}");
        assert!(err.to_string().starts_with("sub is a symbolic link"), "{err}");
        let err = locate(dir.path(), Path::new("sub/f.txt")).err().unwrap();
        assert!(is_through_symlink(&err));
        // The last component is never followed either.
        symlink(outside.path().join("f.txt"), dir.path().join("link")).unwrap();
        assert_eq!(read(dir.path(), Path::new("link")).unwrap_err().raw_os_error(), Some(nix::libc::ELOOP));
        assert_eq!(lstat(dir.path(), Path::new("link")).unwrap().kind, Kind::Symlink);
        assert!(locate(dir.path(), Path::new("../x")).is_err());
    }

    #[test]
    fn batched_stats_see_every_link_on_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::create_dir_all(outside.path().join("b")).unwrap();
        fs::write(root.join("a/b/f.txt"), b"in").unwrap();
        fs::write(outside.path().join("b/f.txt"), b"out!").unwrap();
        new_batch();
        assert_eq!(lstat_in_batch(root, Path::new("a/b/f.txt")).unwrap().size, 2);
        assert_eq!(lstat_in_batch(root, Path::new("a/./b/f.txt")).unwrap().size, 2, "dots take the walk");
        assert!(lstat_in_batch(root, Path::new("a/../../x")).is_err());
        // The directory becomes a link: a new batch sees it, at any depth.
        fs::remove_dir_all(root.join("a")).unwrap();
        symlink(outside.path(), root.join("a")).unwrap();
        new_batch();
        let err = lstat_in_batch(root, Path::new("a/b/f.txt")).unwrap_err();
        assert!(is_through_symlink(&err), "{err}");
        fs::remove_file(root.join("a")).unwrap();
        fs::create_dir(root.join("a")).unwrap();
        symlink(outside.path().join("b"), root.join("a/b")).unwrap();
        new_batch();
        assert!(is_through_symlink(&lstat_in_batch(root, Path::new("a/b/f.txt")).unwrap_err()));
        // A file where a directory was is no file at all.
        fs::remove_file(root.join("a/b")).unwrap();
        fs::write(root.join("a/b"), b"").unwrap();
        new_batch();
        assert_eq!(lstat_in_batch(root, Path::new("a/b/f.txt")).unwrap_err().raw_os_error(), Some(nix::libc::ENOTDIR));
    }

    #[test]
    fn the_walk_without_openat2_refuses_links_too() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a/b")).unwrap();
        fs::write(dir.path().join("a/b/f"), b"in").unwrap();
        symlink(outside.path(), dir.path().join("a/link")).unwrap();
        let root = fcntl::open(dir.path(), dir_flags(), Mode::empty()).unwrap();
        let names = |p: &'static str| p.split('/').map(OsStr::new).collect::<Vec<_>>();
        let b = walk(&root, Path::new("a/b/f"), &names("a/b")).unwrap();
        assert!(stat::fstatat(b.as_fd(), "f", AtFlags::AT_SYMLINK_NOFOLLOW).is_ok());
        let err = walk(&root, Path::new("a/link/f"), &names("a/link")).unwrap_err();
        assert!(is_through_symlink(&err) && err.to_string().starts_with("a/link is a symbolic link"), "{err}");
        fs::write(dir.path().join("a/file"), b"").unwrap();
        assert_eq!(
            walk(&root, Path::new("a/file/x"), &names("a/file")).unwrap_err().raw_os_error(),
            Some(nix::libc::ENOTDIR)
        );
    }

    #[test]
    fn temp_names_stay_short() {
        let dir = tempfile::tempdir().unwrap();
        let name = "n".repeat(255);
        fs::write(dir.path().join(&name), b"a").unwrap();
        locate(dir.path(), Path::new(&name)).unwrap().replace_file(b"b", 0o644, false).unwrap();
        assert_eq!(fs::read(dir.path().join(&name)).unwrap(), b"b");
    }
}
