//! Reads git's index file directly: each entry's stat data and blob id, to tell without git (and
//! without reading the file) that a work-tree file still holds its index content, as git does.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{bail, Context as _, Result};

/// The stat fields git records per entry (each cut to 32 bits, as git stores them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StatData {
    pub ctime: (u32, u32),
    pub mtime: (u32, u32),
    pub ino: u32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u32,
}

impl StatData {
    /// The stat data of `meta` in the index's form.
    pub fn of(meta: &fs::Metadata) -> StatData {
        StatData {
            ctime: (meta.ctime() as u32, meta.ctime_nsec() as u32),
            mtime: (meta.mtime() as u32, meta.mtime_nsec() as u32),
            ino: meta.ino() as u32,
            mode: meta.mode(),
            uid: meta.uid(),
            gid: meta.gid(),
            size: meta.size() as u32,
        }
    }

    /// The same from the `lstat` the file selection made, so that nothing is asked twice.
    pub fn of_lstat(meta: &crate::worktree_fs::Meta) -> StatData {
        use crate::worktree_fs::Kind;
        let kind = match meta.kind {
            Kind::File => 0o100000,
            Kind::Symlink => 0o120000,
            Kind::Dir => 0o040000,
            Kind::Other => 0,
        };
        let split = |ns: i128| ((ns.div_euclid(1_000_000_000)) as u32, (ns.rem_euclid(1_000_000_000)) as u32);
        StatData {
            ctime: split(meta.ctime_ns),
            mtime: split(meta.mtime_ns),
            ino: meta.ino as u32,
            mode: kind | meta.mode,
            uid: meta.uid,
            gid: meta.gid,
            size: meta.size as u32,
        }
    }
}

/// A blob id, SHA-1 or SHA-256, kept inline: an index of 13,000 entries is read on every run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Oid {
    bytes: [u8; 32],
    len: u8,
}

impl Oid {
    fn new(id: &[u8]) -> Oid {
        let mut bytes = [0; 32];
        let len = id.len().min(32);
        bytes[..len].copy_from_slice(&id[..len]);
        Oid { bytes, len: len as u8 }
    }
}

impl std::ops::Deref for Oid {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// One stage-0 entry: what git knows about a tracked path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub path: Box<[u8]>,
    pub oid: Oid,
    /// The git mode (`100644`, `100755`, `120000`, `160000`).
    pub mode: u32,
    pub stat: StatData,
    /// Stat data git cannot vouch for: written in the same instant as the index itself (a
    /// "racily clean" entry), or flagged assume-unchanged / skip-worktree / intent-to-add.
    pub untrusted: bool,
    /// Untrusted only for being racily clean: equal stat data then says nothing of the content,
    /// which must be compared, as git does.
    pub racy: bool,
}

/// An entry of an unresolved merge (stages 1 to 3): listed, never vouched for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmerged {
    pub path: Box<[u8]>,
    pub mode: u32,
    pub stage: u8,
}

/// The entries of an index, sorted by path as git keeps them: stage 0 in `entries`, the stages
/// of unresolved merges apart.
#[derive(Debug, Default)]
pub struct IndexFile {
    pub entries: Vec<Entry>,
    pub unmerged: Vec<Unmerged>,
}

impl IndexFile {
    /// Reads the index at `path`. Formats this reader does not handle (a split or sparse index,
    /// an unknown required extension) are errors: the caller then asks git instead.
    pub fn read(path: &Path) -> Result<IndexFile> {
        let meta = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let written = (meta.mtime() as u32, meta.mtime_nsec() as u32);
        // The id length is not in the header: try SHA-1, then SHA-256, and keep the reading
        // whose entries and extensions end exactly at the trailing checksum.
        parse(&bytes, 20, written).or_else(|first| parse(&bytes, 32, written).map_err(|_| first))
    }

    /// The entry of `path`, by binary search.
    pub fn get(&self, path: &[u8]) -> Option<&Entry> {
        self.position(path).map(|i| &self.entries[i])
    }

    /// The blob id of `path` when its work-tree file, as `meta` describes it, is untouched
    /// since git last recorded it (the same test git applies before trusting its index).
    pub fn unchanged_oid(&self, path: &[u8], meta: &fs::Metadata) -> Option<&[u8]> {
        self.unchanged_oid_stat(path, &StatData::of(meta))
    }

    /// [`IndexFile::unchanged_oid`] from stat data already taken.
    pub fn unchanged_oid_stat(&self, path: &[u8], stat: &StatData) -> Option<&[u8]> {
        self.unchanged_entry(path, stat).map(|e| e.oid.as_ref())
    }

    /// The entry of `path` when the work-tree file is untouched (see [`IndexFile::unchanged_oid`]).
    pub fn unchanged_entry(&self, path: &[u8], stat: &StatData) -> Option<&Entry> {
        self.get(path).filter(|entry| entry.unchanged(stat))
    }

    /// Where `path`'s entry is in [`IndexFile::entries`] (one of them, for an unmerged path).
    pub fn position(&self, path: &[u8]) -> Option<usize> {
        self.entries.binary_search_by(|e| e.path.as_ref().cmp(path)).ok()
    }
}

impl Entry {
    /// Whether the work-tree file, as `stat` describes it, is untouched since git recorded it.
    pub fn unchanged(&self, stat: &StatData) -> bool {
        !self.untrusted && self.stat_matches(stat)
    }

    /// Whether `stat` is the stat data git recorded, trusted or not.
    pub fn stat_matches(&self, stat: &StatData) -> bool {
        let kind_matches = match self.mode & 0o170000 {
            0o100000 => stat.mode & 0o170000 == 0o100000 && (stat.mode & 0o100 != 0) == (self.mode & 0o100 != 0),
            0o120000 => stat.mode & 0o170000 == 0o120000,
            _ => false,
        };
        kind_matches
            && stat.mtime == self.stat.mtime
            && stat.ctime == self.stat.ctime
            && stat.ino == self.stat.ino
            && stat.size == self.stat.size
            && stat.uid == self.stat.uid
            && stat.gid == self.stat.gid
    }
}

fn parse(bytes: &[u8], hash_len: usize, written: (u32, u32)) -> Result<IndexFile> {
    if bytes.len() < 12 + hash_len || &bytes[..4] != b"DIRC" {
        bail!("not a git index");
    }
    let version = be32(bytes, 4);
    if !(2..=4).contains(&version) {
        bail!("index version {version} is not supported");
    }
    let count = be32(bytes, 8) as usize;
    let end = bytes.len() - hash_len;
    let mut at = 12;
    // Bounded by the file's size, whatever the header claims.
    let mut entries = Vec::with_capacity(count.min(end / 62));
    let mut unmerged = Vec::new();
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let fixed = 40 + hash_len + 2;
        if at + fixed > end {
            bail!("index ends inside an entry");
        }
        let field = |i: usize| be32(bytes, at + 4 * i);
        let stat = StatData {
            ctime: (field(0), field(1)),
            mtime: (field(2), field(3)),
            ino: field(5),
            mode: field(6),
            uid: field(7),
            gid: field(8),
            size: field(9),
        };
        let oid = &bytes[at + 40..at + 40 + hash_len];
        let flags = u16::from_be_bytes([bytes[at + 40 + hash_len], bytes[at + 41 + hash_len]]);
        let mut cursor = at + fixed;
        let mut extended = 0u16;
        if flags & 0x4000 != 0 {
            if version < 3 || cursor + 2 > end {
                bail!("bad extended index entry");
            }
            extended = u16::from_be_bytes([bytes[cursor], bytes[cursor + 1]]);
            cursor += 2;
        }
        // One allocation per entry: v4's paths build on the previous one in a reused buffer.
        let path: Box<[u8]> = if version == 4 {
            let (strip, used) = varint(&bytes[cursor..end]).context("bad index path prefix")?;
            cursor += used;
            let nul = memchr::memchr(0, &bytes[cursor..end]).context("unterminated index path")?;
            let keep = previous.len().checked_sub(strip as usize).context("bad index path prefix")?;
            previous.truncate(keep);
            previous.extend_from_slice(&bytes[cursor..cursor + nul]);
            cursor += nul + 1;
            previous.as_slice().into()
        } else {
            let nul = memchr::memchr(0, &bytes[cursor..end]).context("unterminated index path")?;
            let path = bytes[cursor..cursor + nul].into();
            // Entries are padded with NULs to a multiple of 8 bytes.
            let len = cursor + nul - at;
            cursor = at + (len + 8) / 8 * 8;
            path
        };
        at = cursor;
        if stat.mode & 0o170000 == 0o040000 {
            bail!("sparse index");
        }
        let stage = (flags >> 12) & 3;
        if stage == 0 {
            let racy = stat.mtime >= written;
            // assume-valid, skip-worktree, intent-to-add
            let flagged = flags & 0x8000 != 0 || extended & 0x6000 != 0;
            let (untrusted, racy) = (racy || flagged, racy && !flagged);
            entries.push(Entry { path, oid: Oid::new(oid), mode: stat.mode, stat, untrusted, racy });
        } else {
            unmerged.push(Unmerged { path, mode: stat.mode, stage: stage as u8 });
        }
    }
    // Extensions: a signature and a size each; optional ones start with a capital letter.
    while at < end {
        if at + 8 > end {
            bail!("index ends inside an extension");
        }
        let signature = &bytes[at..at + 4];
        let size = be32(bytes, at + 4) as usize;
        if !signature[0].is_ascii_uppercase() {
            bail!("index extension {} is not supported", String::from_utf8_lossy(signature));
        }
        at = at.checked_add(8 + size).filter(|&a| a <= end).context("index extension overruns the file")?;
    }
    if at != end {
        bail!("index does not end at its checksum");
    }
    Ok(IndexFile { entries, unmerged })
}

fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Git's offset varint (index v4 path prefixes).
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut i = 0;
    let mut byte = *bytes.first()?;
    let mut value = u64::from(byte & 0x7f);
    while byte & 0x80 != 0 {
        i += 1;
        byte = *bytes.get(i)?;
        value = value.checked_add(1)?.checked_shl(7)? | u64::from(byte & 0x7f);
    }
    Some((value, i + 1))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::process::Command;

    /// git in `dir`, away from the user's configuration.
    pub(in crate::repo) fn git_output(dir: &Path, args: &[&str]) -> std::process::Output {
        Command::new("git")
            .current_dir(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git")
    }

    /// [`git_output`]'s exit code.
    pub(in crate::repo) fn git_code(dir: &Path, args: &[&str]) -> Option<i32> {
        git_output(dir, args).status.code()
    }

    fn git(dir: &Path, args: &[&str]) {
        assert_eq!(git_code(dir, args), Some(0), "git {args:?}");
    }

    #[test]
    fn reads_every_index_version_like_git() {
        for version in ["2", "3", "4"] {
            let dir = tempfile::tempdir().expect("tempdir");
            let root = dir.path();
            git(root, &["init", "-q"]);
            fs::create_dir_all(root.join("src/deep")).expect("mkdir");
            fs::write(root.join("src/deep/a.php"), "<?php\n").expect("write");
            fs::write(root.join("src/b.txt"), "hello\n").expect("write");
            fs::write(root.join("z y.md"), "").expect("write");
            git(root, &["add", "-A"]);
            git(root, &["update-index", "--index-version", version]);
            let index = IndexFile::read(&root.join(".git/index")).expect("index");
            let paths: Vec<&[u8]> = index.entries.iter().map(|e| e.path.as_ref()).collect();
            assert_eq!(paths, [&b"src/b.txt"[..], b"src/deep/a.php", b"z y.md"], "v{version}");
            let b = index.get(b"src/b.txt").expect("entry");
            // `printf 'hello\n' | git hash-object --stdin`
            assert_eq!(hex(&b.oid), "ce013625030ba8dba906f756967f9e9ca394464a");
            // Modified well before the index was written, the entry is not racy: its stat data
            // is trusted.
            let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
            fs::File::options()
                .write(true)
                .open(root.join("src/b.txt"))
                .and_then(|f| f.set_modified(past))
                .expect("mtime");
            git(root, &["update-index", "--really-refresh"]);
            let index = IndexFile::read(&root.join(".git/index")).expect("index");
            let meta = fs::symlink_metadata(root.join("src/b.txt")).expect("stat");
            assert!(index.unchanged_oid(b"src/b.txt", &meta).is_some(), "v{version}");
            fs::write(root.join("src/b.txt"), "hellO\n").expect("write");
            let meta = fs::symlink_metadata(root.join("src/b.txt")).expect("stat");
            assert!(index.unchanged_oid(b"src/b.txt", &meta).is_none(), "v{version}: edited");
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse(b"DIRC", 20, (0, 0)).is_err());
        let mut bytes = b"DIRC\0\0\0\x02\0\0\0\x05".to_vec();
        bytes.extend_from_slice(&[0; 20]);
        assert!(parse(&bytes, 20, (0, 0)).is_err(), "5 entries claimed, none there");
        assert_eq!(varint(&[0x80, 0x00]), Some((128, 2)));
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
