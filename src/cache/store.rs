//! The cache on disk: immutable segment files, each a sorted table of (check, file) keys with
//! their results, mapped into memory rather than read, written whole and renamed into place.
//!
//! Layout (little-endian): `MAGIC`, the file's length (u64), the section count (u32), then per
//! section its check key (16 bytes), entry count (u32) and first entry (u32), and a 64-bit
//! checksum of all that; the entries, each a file key (16 bytes), a value offset and a value
//! length (u32 each, length 0 = "passed, nothing to say") and a 64-bit checksum of the entry
//! with its section's key and its value; then the values. Opening a segment checks only its
//! head, so that it costs the same whatever the cache holds; each value is checked when read.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::num::NonZeroUsize;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

pub type Key = [u8; 16];

const MAGIC: &[u8; 8] = b"WARDC\x02\0\0";
/// What every segment's magic starts with, whatever its format's version.
const FAMILY: &[u8; 5] = b"WARDC";
const SECTION: usize = 24;
const ENTRY: usize = 32;
/// Magic, length and section count.
const HEAD: usize = 20;
/// Segment files are named `seg-*.wc`; anything else in the directory is not ours to read.
pub const SUFFIX: &str = ".wc";

/// One segment file, mapped read-only.
pub struct Segment {
    pub path: PathBuf,
    map: Map,
    sections: usize,
}

/// Why a segment cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    /// Written by another version of ward, whose results this one would not trust anyway.
    #[error("written by another version of ward")]
    OtherVersion,
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// What a segment holds under a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Found<'a> {
    Missing,
    Value(&'a [u8]),
    /// The entry does not match its checksum: the file was torn or corrupted.
    Damaged,
}

impl Segment {
    /// Maps `path` and validates its head: a file of another length, magic or head checksum is
    /// `Err`. Entries and values are checked as they are read.
    pub fn open(path: &Path) -> Result<Segment, Unusable> {
        let file = fs::OpenOptions::new().read(true).custom_flags(nix::libc::O_NOFOLLOW).open(path)?;
        let map = Map::new(&file)?;
        let bytes = map.bytes();
        let bad = || Unusable::Io(io::Error::new(io::ErrorKind::InvalidData, "corrupt cache segment"));
        if bytes.len() >= FAMILY.len()
            && bytes[..FAMILY.len()] == *FAMILY
            && bytes[..MAGIC.len().min(bytes.len())] != *MAGIC
        {
            return Err(Unusable::OtherVersion);
        }
        if bytes.len() < HEAD + 8 || &bytes[..MAGIC.len()] != MAGIC || le64(bytes, 8) != bytes.len() as u64 {
            return Err(bad());
        }
        let sections = le32(bytes, 16) as usize;
        let table_end = sections.checked_mul(SECTION).and_then(|t| t.checked_add(HEAD)).ok_or_else(bad)?;
        if table_end.checked_add(8).is_none_or(|end| end > bytes.len())
            || checksum(&bytes[..table_end]) != le64(bytes, table_end)
        {
            return Err(bad());
        }
        let len = bytes.len();
        let segment = Segment { path: path.to_path_buf(), map, sections };
        for s in 0..sections {
            let (_, count, first) = segment.section(s);
            let end =
                first.checked_add(count).and_then(|n| n.checked_mul(ENTRY)).and_then(|e| e.checked_add(table_end + 8));
            if end.is_none_or(|e| e > len) {
                return Err(bad());
            }
        }
        Ok(segment)
    }

    pub fn size(&self) -> u64 {
        self.map.bytes().len() as u64
    }

    fn entries_at(&self) -> usize {
        HEAD + self.sections * SECTION + 8
    }

    fn section(&self, s: usize) -> (&[u8], usize, usize) {
        let at = HEAD + s * SECTION;
        let bytes = self.map.bytes();
        (&bytes[at..at + 16], le32(bytes, at + 16) as usize, le32(bytes, at + 20) as usize)
    }

    /// The value stored for (`check`, `file`).
    pub fn get(&self, check: &Key, file: &Key) -> Found<'_> {
        match self.find_section(check).and_then(|range| self.find(range, file)) {
            Some(e) => self.value(check, e).map_or(Found::Damaged, Found::Value),
            None => Found::Missing,
        }
    }

    /// The entries of one check, as a range of entry indices.
    fn find_section(&self, check: &Key) -> Option<(usize, usize)> {
        let (mut lo, mut hi) = (0, self.sections);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (key, count, first) = self.section(mid);
            match key.cmp(check.as_slice()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some((first, first + count)),
            }
        }
        None
    }

    /// The entry of `file` within a section's range.
    ///
    /// Keys are digests, spread evenly over their range, so the position of a key is well
    /// guessed from its value: a few rounds of interpolation narrow a section of thousands of
    /// entries to a handful, which a binary search finishes (and which bounds the work whatever
    /// the keys are).
    fn find(&self, range: (usize, usize), file: &Key) -> Option<usize> {
        let wanted = u128::from_be_bytes(*file);
        let (mut lo, mut hi) = range;
        let (mut below, mut above) = (0u128, u128::MAX);
        for _ in 0..4 {
            if hi - lo < 8 {
                break;
            }
            // In floating point: a 128-bit division costs more than the probe it saves.
            let fraction = (wanted.saturating_sub(below) as f64) / ((above - below) as f64 + 1.0);
            let guess = (lo + ((hi - lo) as f64 * fraction) as usize).clamp(lo, hi - 1);
            let key = self.entry_key(guess);
            match key.cmp(&wanted) {
                std::cmp::Ordering::Less => (lo, below) = (guess + 1, key),
                std::cmp::Ordering::Greater => (hi, above) = (guess, key),
                std::cmp::Ordering::Equal => return Some(guess),
            }
        }
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.entry_key(mid).cmp(&wanted) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    fn entry_key(&self, e: usize) -> u128 {
        let at = self.entries_at() + e * ENTRY;
        let bytes: [u8; 16] = self.map.bytes()[at..at + 16].try_into().unwrap_or_default();
        u128::from_be_bytes(bytes)
    }

    /// Entry `e`'s value, when it is within the file and matches its checksum.
    fn value(&self, check: &Key, e: usize) -> Option<&[u8]> {
        let bytes = self.map.bytes();
        let at = self.entries_at() + e * ENTRY;
        let (offset, len) = (le32(bytes, at + 16) as usize, le32(bytes, at + 20) as usize);
        let value = bytes.get(offset..offset.checked_add(len)?)?;
        (entry_sum(check, &bytes[at..at + 24], value) == le64(bytes, at + 24)).then_some(value)
    }

    /// Every entry that matches its checksum, for merging segments; false if some did not.
    pub fn each(&self, mut f: impl FnMut(&Key, &Key, &[u8])) -> bool {
        let mut whole = true;
        for s in 0..self.sections {
            let (check, count, first) = self.section(s);
            let check: Key = check.try_into().unwrap_or_default();
            for e in first..first + count {
                let at = self.entries_at() + e * ENTRY;
                let file: Key = self.map.bytes()[at..at + 16].try_into().unwrap_or_default();
                match self.value(&check, e) {
                    Some(value) => f(&check, &file, value),
                    None => whole = false,
                }
            }
        }
        whole
    }
}

/// Entries gathered for a new segment; the first value given for a key wins.
#[derive(Default)]
pub struct Builder {
    entries: BTreeMap<(Key, Key), Vec<u8>>,
    bytes: u64,
}

impl Builder {
    /// What an entry with `value` takes on disk.
    pub fn cost(value: &[u8]) -> u64 {
        (ENTRY + value.len()) as u64
    }

    pub fn insert(&mut self, check: Key, file: Key, value: &[u8]) {
        if let std::collections::btree_map::Entry::Vacant(slot) = self.entries.entry((check, file)) {
            self.bytes += Self::cost(value);
            slot.insert(value.to_vec());
        }
    }

    pub fn contains(&self, check: &Key, file: &Key) -> bool {
        self.entries.contains_key(&(*check, *file))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// About what the segment will take on disk.
    pub fn size(&self) -> u64 {
        self.bytes
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut sections: Vec<(Key, u32, u32)> = Vec::new();
        for (index, (check, _)) in self.entries.keys().enumerate() {
            match sections.last_mut() {
                Some(last) if last.0 == *check => last.1 += 1,
                _ => sections.push((*check, 1, index as u32)),
            }
        }
        let table_end = HEAD + sections.len() * SECTION;
        let values_at = table_end + 8 + self.entries.len() * ENTRY;
        let total = values_at + self.entries.values().map(Vec::len).sum::<usize>();
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(total as u64).to_le_bytes());
        out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
        for (check, count, first) in &sections {
            out.extend_from_slice(check);
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(&first.to_le_bytes());
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        let mut offset = values_at;
        for ((check, file), value) in &self.entries {
            let mut entry = [0u8; 24];
            entry[..16].copy_from_slice(file);
            entry[16..20].copy_from_slice(&(offset as u32).to_le_bytes());
            entry[20..].copy_from_slice(&(value.len() as u32).to_le_bytes());
            out.extend_from_slice(&entry);
            out.extend_from_slice(&entry_sum(check, &entry, value).to_le_bytes());
            offset += value.len();
        }
        for value in self.entries.values() {
            out.extend_from_slice(value);
        }
        out
    }

    /// Writes the segment into `dir` under a new name: a scratch file renamed into place, so a
    /// reader sees the whole segment or none of it.
    pub fn write(&self, dir: &Path) -> io::Result<PathBuf> {
        let bytes = self.encode();
        let unique = format!(
            "{}-{}-{}",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let scratch = dir.join(format!("tmp-{unique}"));
        let path = dir.join(format!("seg-{unique}{SUFFIX}"));
        let written = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&scratch)
            .and_then(|mut f| f.write_all(&bytes))
            .and_then(|()| fs::rename(&scratch, &path));
        if let Err(err) = written {
            let _ = fs::remove_file(&scratch);
            return Err(err);
        }
        Ok(path)
    }
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A fast 64-bit checksum against torn and corrupted files (not against an attacker: whoever can
/// write the cache directory can write any result).
fn checksum(bytes: &[u8]) -> u64 {
    finish(fold(0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64, bytes))
}

/// The checksum of an entry: its section's key, its own 24 bytes and its value, so that an entry
/// moved to another section, or pointing at other bytes, does not match.
fn entry_sum(check: &Key, entry: &[u8], value: &[u8]) -> u64 {
    let h = fold(0x9e37_79b9_7f4a_7c15 ^ value.len() as u64, check);
    finish(fold(fold(h, entry), value))
}

fn fold(mut h: u64, bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        h = (h ^ word).wrapping_mul(0x1000_0000_01b3).rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x1000_0000_01b3).rotate_left(29);
    }
    h
}

fn finish(h: u64) -> u64 {
    h ^ (h >> 31)
}

fn le64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default())
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// A read-only private mapping of a whole file (or nothing for an empty one). Segment files are
/// never written after their rename, so the mapped bytes cannot change under us.
struct Map {
    ptr: Option<NonNull<std::ffi::c_void>>,
    len: usize,
}

// The mapping is read-only and owned: sharing it across threads is sharing a byte slice.
unsafe impl Send for Map {}
unsafe impl Sync for Map {}

impl Map {
    fn new(file: &File) -> io::Result<Map> {
        let len = usize::try_from(file.metadata()?.len()).map_err(|_| io::Error::other("segment too large"))?;
        let Some(length) = NonZeroUsize::new(len) else { return Ok(Map { ptr: None, len: 0 }) };
        use nix::sys::mman::{mmap, MapFlags, ProtFlags};
        // SAFETY: a fresh private read-only mapping of a file we opened; unmapped in Drop.
        let ptr = unsafe { mmap(None, length, ProtFlags::PROT_READ, MapFlags::MAP_PRIVATE, file, 0) }
            .map_err(io::Error::from)?;
        Ok(Map { ptr: Some(ptr), len })
    }

    fn bytes(&self) -> &[u8] {
        match self.ptr {
            // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
            Some(ptr) => unsafe { std::slice::from_raw_parts(ptr.as_ptr().cast::<u8>(), self.len) },
            None => &[],
        }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        if let Some(ptr) = self.ptr {
            // SAFETY: unmapping exactly the mapping made in `new`.
            let _ = unsafe { nix::sys::mman::munmap(ptr, self.len) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_round_trip_and_reject_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut builder = Builder::default();
        builder.insert([2; 16], [9; 16], b"");
        builder.insert([1; 16], [5; 16], b"five");
        builder.insert([1; 16], [3; 16], b"three");
        builder.insert([1; 16], [3; 16], b"ignored: the first value wins");
        let path = builder.write(dir.path()).expect("write");
        let segment = Segment::open(&path).expect("open");
        assert_eq!(segment.get(&[1; 16], &[3; 16]), Found::Value(b"three"));
        assert_eq!(segment.get(&[1; 16], &[5; 16]), Found::Value(b"five"));
        assert_eq!(segment.get(&[1; 16], &[9; 16]), Found::Missing);
        assert_eq!(segment.get(&[2; 16], &[9; 16]), Found::Value(b""));
        assert_eq!(segment.get(&[3; 16], &[9; 16]), Found::Missing);
        let mut count = 0;
        assert!(segment.each(|_, _, _| count += 1));
        assert_eq!(count, 3);

        let bytes = fs::read(&path).expect("read");
        let bad = dir.path().join("bad.wc");
        let with = |change: &dyn Fn(&mut Vec<u8>)| {
            let mut damaged = bytes.clone();
            change(&mut damaged);
            fs::write(&bad, damaged).expect("write");
            Segment::open(&bad)
        };
        // A torn file, a damaged head: refused at once.
        assert!(with(&|b| b.truncate(b.len() - 3)).is_err());
        assert!(with(&|b| b[22] ^= 1).is_err());
        // Another version's segment is not damaged, only not ours to read.
        assert!(matches!(with(&|b| b[5] = 1), Err(Unusable::OtherVersion)));
        // A damaged entry or value: found as damaged, never as a value.
        let entries = HEAD + 2 * SECTION + 8;
        for at in [entries, entries + 17, entries + 20, entries + ENTRY * 2 + 20, bytes.len() - 1] {
            let segment = with(&|b| b[at] ^= 0x10).expect("the head is whole");
            let found: Vec<Found> = [([1; 16], [3; 16]), ([1; 16], [5; 16]), ([2; 16], [9; 16])]
                .iter()
                .map(|(check, file)| segment.get(check, file))
                .collect();
            assert!(found.iter().all(|f| matches!(f, Found::Missing | Found::Damaged | Found::Value(_))));
            assert!(found.contains(&Found::Damaged) || found.contains(&Found::Missing), "byte {at}: {found:?}");
            assert!(!found.iter().any(|f| matches!(f, Found::Value(v) if ![&b"three"[..], b"five", b""].contains(v))));
            assert!(!segment.each(|_, _, _| {}), "byte {at}");
        }
    }

    #[test]
    fn every_key_is_found_by_interpolation_and_no_other() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut builder = Builder::default();
        let key = |i: u32| -> Key { crate::cache::keys::digest(&[&i.to_le_bytes()]) };
        // A skewed section too: keys that share their first bytes defeat the guesses, not the search.
        let skewed = |i: u32| -> Key {
            let mut k = [0u8; 16];
            k[12..].copy_from_slice(&i.to_be_bytes());
            k
        };
        for i in 0..5000 {
            builder.insert([1; 16], key(i), &i.to_le_bytes());
            builder.insert([2; 16], skewed(i * 3), &i.to_le_bytes());
        }
        let segment = Segment::open(&builder.write(dir.path()).expect("write")).expect("open");
        for i in 0..5000 {
            assert_eq!(segment.get(&[1; 16], &key(i)), Found::Value(&i.to_le_bytes()[..]), "{i}");
            assert_eq!(segment.get(&[2; 16], &skewed(i * 3)), Found::Value(&i.to_le_bytes()[..]), "{i}");
            assert_eq!(segment.get(&[1; 16], &key(i + 5000)), Found::Missing);
            assert_eq!(segment.get(&[2; 16], &skewed(i * 3 + 1)), Found::Missing);
        }
        assert_eq!(segment.get(&[1; 16], &[0; 16]), Found::Missing);
        assert_eq!(segment.get(&[1; 16], &[0xff; 16]), Found::Missing);
    }
}
