//! The `lstat` of every tracked file at once, never through a link, in fewer calls than files
//! and directories: a directory with several subdirectories is listed, and the listing's entry
//! types say which of them are real directories, rather than one `lstat` each.

use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;

use nix::dir::{Dir, Type};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{self, Mode, SFlag};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{locate, meta, root_fd, Meta};

/// A directory under the root: what it is found to be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    /// Not looked at: an ancestor is not a real directory.
    Unseen,
    Real,
    /// A link, a file or nothing: every path through it takes the checked walk, which says so.
    NotReal,
}

struct DirInfo<'a> {
    path: &'a [u8],
    /// Index of the parent in the table; `None` for a directory at the top of the tree.
    parent: Option<usize>,
    found: Found,
}

/// Listing a directory costs about four calls (open, two reads, close): worth it from this many
/// subdirectories to verify, each of which would otherwise be one `lstat`.
const LIST_FROM: usize = 4;

/// The `lstat` of each of `rels` (relative, without `.` or `..`; in any order) as
/// [`super::lstat_in_batch`] takes it: a path through a link is an error naming the link. Only
/// metadata is looked at, and only while nothing in the tree is written.
pub fn lstat_tree(root: &Path, rels: &[&[u8]]) -> Vec<io::Result<Meta>> {
    let fd = match root_fd(root) {
        Ok(fd) => fd,
        Err(err) => return rels.iter().map(|_| Err(io::Error::new(err.kind(), err.to_string()))).collect(),
    };
    let (mut dirs, parents) = directories(rels);
    verify(&fd, &mut dirs);
    rels.par_iter()
        .zip(parents.par_iter())
        .with_min_len(256)
        .map(|(rel, parent)| {
            let path = Path::new(OsStr::from_bytes(rel));
            let dots = rel.split(|b| *b == b'/').any(|part| part.is_empty() || part == b"." || part == b"..");
            match parent {
                _ if dots || path.is_absolute() => super::lstat(root, path),
                Some(d) if dirs[*d].found != Found::Real => locate(root, path)?.lstat(),
                _ => Ok(meta(stat::fstatat(fd.as_fd(), path, AtFlags::AT_SYMLINK_NOFOLLOW)?)),
            }
        })
        .collect()
}

/// Every directory of `rels`, parents before children, and each path's own directory. Each is
/// found from its parent by its own name, so that a path costs its length, however deep.
fn directories<'a>(rels: &[&'a [u8]]) -> (Vec<DirInfo<'a>>, Vec<Option<usize>>) {
    let mut dirs: Vec<DirInfo> = Vec::new();
    let mut index: FxHashMap<(Option<usize>, &[u8]), usize> = FxHashMap::default();
    let mut last: Option<(&[u8], Option<usize>)> = None;
    let parents = rels
        .iter()
        .map(|rel| {
            let dir = parent(rel)?;
            // Sorted paths share their directory with the one before: no lookup then.
            if let Some((_, at)) = last.filter(|(seen, _)| *seen == dir) {
                return at;
            }
            let mut at = None;
            let mut from = 0;
            for end in memchr::memchr_iter(b'/', rel) {
                let key = (at, &rel[from..end]);
                at = Some(*index.entry(key).or_insert_with(|| {
                    dirs.push(DirInfo { path: &rel[..end], parent: at, found: Found::Unseen });
                    dirs.len() - 1
                }));
                from = end + 1;
            }
            last = Some((dir, at));
            at
        })
        .collect();
    (dirs, parents)
}

/// The directory part of a relative path: `None` at the top.
fn parent(path: &[u8]) -> Option<&[u8]> {
    let slash = memchr::memrchr(b'/', path)?;
    Some(&path[..slash])
}

/// Finds, from the top down, which directories are real ones: the children of a directory
/// that is one are listed together, or looked at one by one when there are few.
fn verify(root: &OwnedFd, dirs: &mut [DirInfo]) {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); dirs.len()];
    let mut top = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        match dir.parent {
            Some(p) => children[p].push(i),
            None => top.push(i),
        }
    }
    // One level at a time: each group is a directory found real (`None`: the root) with the
    // children to look at.
    let mut level: Vec<(Option<usize>, &[usize])> = vec![(None, top.as_slice())];
    while !level.is_empty() {
        let results: Vec<Vec<(usize, Found)>> = level
            .par_iter()
            .map(|(holder, kids)| {
                let holder = holder.map(|h| dirs[h].path);
                look_at(root, holder, kids, dirs)
            })
            .collect();
        level = results
            .into_iter()
            .flatten()
            .filter_map(|(i, found)| {
                dirs[i].found = found;
                (found == Found::Real && !children[i].is_empty()).then(|| (Some(i), children[i].as_slice()))
            })
            .collect();
    }
}

/// What each of `kids` (directories directly in `holder`) is.
fn look_at(root: &OwnedFd, holder: Option<&[u8]>, kids: &[usize], dirs: &[DirInfo]) -> Vec<(usize, Found)> {
    let one_by_one = || kids.iter().map(|&k| (k, lstat_dir(root, dirs[k].path))).collect();
    if kids.len() < LIST_FROM {
        return one_by_one();
    }
    let name = |k: usize| dirs[k].path.rsplit(|b| *b == b'/').next().unwrap_or_default();
    let wanted: FxHashMap<&[u8], usize> = kids.iter().enumerate().map(|(i, &k)| (name(k), i)).collect();
    // A kid the listing does not have is not there: the checked walk says so.
    let mut found = vec![Found::NotReal; kids.len()];
    let Some(()) = list(root, holder, |entry, kind| {
        if let Some(&i) = wanted.get(entry) {
            found[i] = match kind {
                Some(Type::Directory) => Found::Real,
                // A file system that does not say: ask.
                None => lstat_dir(root, dirs[kids[i]].path),
                Some(_) => Found::NotReal,
            };
        }
    }) else {
        return one_by_one();
    };
    kids.iter().copied().zip(found).collect()
}

/// Calls `each` with the name and type of every entry of directory `holder` (the root for
/// `None`); `None` when it cannot be listed.
fn list(root: &OwnedFd, holder: Option<&[u8]>, mut each: impl FnMut(&[u8], Option<Type>)) -> Option<()> {
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let path = holder.map_or(OsStr::new("."), OsStr::from_bytes);
    let mut dir = Dir::openat(root.as_fd(), path, flags, Mode::empty()).ok()?;
    for entry in dir.iter() {
        let entry = entry.ok()?;
        each(entry.file_name().to_bytes(), entry.file_type());
    }
    Some(())
}

fn lstat_dir(root: &OwnedFd, path: &[u8]) -> Found {
    match stat::fstatat(root.as_fd(), OsStr::from_bytes(path), AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(st) if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR => Found::Real,
        Ok(_) | Err(Errno::ENOENT | Errno::ENOTDIR) => Found::NotReal,
        // Anything else is for the checked walk to report.
        Err(_) => Found::NotReal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn tree_stat(root: &Path, rels: &[&str]) -> Vec<io::Result<Meta>> {
        let rels: Vec<&[u8]> = rels.iter().map(|r| r.as_bytes()).collect();
        lstat_tree(root, &rels)
    }

    #[test]
    fn every_path_is_looked_at_as_lstat_in_batch_does() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        // Enough subdirectories in one place to be listed, and a few to be looked at singly.
        for d in ["wide/a", "wide/b", "wide/c", "wide/d", "wide/e", "narrow/x/y"] {
            fs::create_dir_all(root.join(d)).expect("mkdir");
            fs::write(root.join(d).join("f.txt"), d).expect("write");
        }
        fs::write(root.join("top.txt"), "top").expect("write");
        fs::create_dir_all(root.join("elsewhere/in")).expect("mkdir");
        fs::write(root.join("elsewhere/in/f.txt"), "outside").expect("write");
        symlink(root.join("elsewhere"), root.join("wide/link")).expect("symlink");
        symlink(root.join("elsewhere"), root.join("narrow/x/link")).expect("symlink");
        fs::write(root.join("wide/file"), "a file, not a directory").expect("write");
        let rels = [
            "top.txt",
            "wide/a/f.txt",
            "wide/b/f.txt",
            "wide/c/f.txt",
            "wide/d/f.txt",
            "wide/e/f.txt",
            "wide/link/in/f.txt",
            "wide/link/f.txt",
            "wide/file/f.txt",
            "wide/gone/f.txt",
            "narrow/x/y/f.txt",
            "narrow/x/link/in/f.txt",
            "narrow/x/y/missing.txt",
            "wide/link",
        ];
        let found = tree_stat(root, &rels);
        for (rel, found) in rels.iter().zip(&found) {
            super::super::new_batch();
            let one = super::super::lstat_in_batch(root, Path::new(rel));
            match (found, &one) {
                (Ok(a), Ok(b)) => assert_eq!((a.kind, a.ino, a.size), (b.kind, b.ino, b.size), "{rel}"),
                (Err(a), Err(b)) => {
                    assert_eq!(a.kind(), b.kind(), "{rel}: {a} / {b}");
                    assert_eq!(super::super::is_through_symlink(a), super::super::is_through_symlink(b), "{rel}");
                }
                _ => panic!("{rel}: {found:?} against {one:?}"),
            }
        }
        assert!(super::super::is_through_symlink(found[6].as_ref().expect_err("through the link")));
        assert!(super::super::is_through_symlink(found[11].as_ref().expect_err("through the link")));
        assert_eq!(found[13].as_ref().expect("the link itself").kind, super::super::Kind::Symlink);
    }

    #[test]
    fn a_path_of_any_depth_is_taken_apart_in_linear_time() {
        // Deeper than a test thread's stack would allow one frame per directory, and long enough
        // that hashing each directory's whole path would take minutes.
        let deep = format!("{}f", "d/".repeat(200_000));
        let started = std::time::Instant::now();
        let (dirs, parents) = directories(&[deep.as_bytes(), b"top"]);
        assert_eq!(dirs.len(), 200_000);
        assert_eq!(parents, [Some(199_999), None]);
        assert_eq!(dirs[0].parent, None);
        assert!(dirs.iter().skip(1).enumerate().all(|(i, d)| d.parent == Some(i)));
        // In time linear in the path's length: no directory's whole path is hashed.
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[test]
    fn wide_directories_are_listed_rather_than_each_looked_at() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let rels: Vec<String> = (0..40).map(|i| format!("d{i}/f")).collect();
        for rel in &rels {
            fs::create_dir_all(root.join(rel).parent().expect("parent")).expect("mkdir");
            fs::write(root.join(rel), rel).expect("write");
        }
        let bytes: Vec<&[u8]> = rels.iter().map(|r| r.as_bytes()).collect();
        let (mut dirs, _) = directories(&bytes);
        let fd = root_fd(root).expect("root");
        verify(&fd, &mut dirs);
        assert!(dirs.iter().all(|d| d.found == Found::Real));
        let mut listed = Vec::new();
        list(&fd, None, |name, kind| listed.push((name.to_vec(), kind))).expect("listing");
        assert!(listed.contains(&(b"d7".to_vec(), Some(Type::Directory))));
    }
}
