//! The cache on disk: immutable segment files, each a sorted table of (check, file) keys with
//! their results, mapped into memory rather than read, written whole and renamed into place.
//!
//! Layout (little-endian): `MAGIC`, section count (u32), then per section its check key (16
//! bytes), entry count (u32) and first entry (u32); the entries, each a file key (16 bytes),
//! a value offset and a value length (u32 each, length 0 = "passed, nothing to say"); the values;
//! and a 64-bit checksum of everything before it.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::num::NonZeroUsize;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

pub type Key = [u8; 16];

const MAGIC: &[u8; 8] = b"WARDC\x01\0\0";
const SECTION: usize = 24;
const ENTRY: usize = 24;
/// Segment files are named `seg-*.wc`; anything else in the directory is not ours to read.
pub const SUFFIX: &str = ".wc";

/// One segment file, mapped read-only.
pub struct Segment {
    pub path: PathBuf,
    map: Map,
    sections: usize,
}

impl Segment {
    /// Maps and validates `path`: a file with a wrong size, magic or checksum is `Err`.
    pub fn open(path: &Path) -> io::Result<Segment> {
        let file = fs::OpenOptions::new().read(true).custom_flags(nix::libc::O_NOFOLLOW).open(path)?;
        let map = Map::new(&file)?;
        let bytes = map.bytes();
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "corrupt cache segment");
        if bytes.len() < MAGIC.len() + 4 + 8 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(bad());
        }
        let body = bytes.len() - 8;
        if checksum(&bytes[..body]).to_le_bytes() != bytes[body..] {
            return Err(bad());
        }
        let sections = le32(bytes, 8) as usize;
        let entries_at = 12usize.checked_add(sections.checked_mul(SECTION).ok_or_else(bad)?).ok_or_else(bad)?;
        if entries_at > body {
            return Err(bad());
        }
        let segment = Segment { path: path.to_path_buf(), map, sections };
        for s in 0..sections {
            let (_, count, first) = segment.section(s);
            let end = (first + count).checked_mul(ENTRY).and_then(|e| e.checked_add(entries_at));
            if end.is_none_or(|e| e > body) {
                return Err(bad());
            }
            for e in first..first + count {
                let (_, offset, len) = segment.entry(e);
                if offset.checked_add(len).is_none_or(|end| end > body) {
                    return Err(bad());
                }
            }
        }
        Ok(segment)
    }

    pub fn size(&self) -> u64 {
        self.map.bytes().len() as u64
    }

    fn entries_at(&self) -> usize {
        12 + self.sections * SECTION
    }

    fn section(&self, s: usize) -> (&[u8], usize, usize) {
        let at = 12 + s * SECTION;
        let bytes = self.map.bytes();
        (&bytes[at..at + 16], le32(bytes, at + 16) as usize, le32(bytes, at + 20) as usize)
    }

    fn entry(&self, e: usize) -> (&[u8], usize, usize) {
        let at = self.entries_at() + e * ENTRY;
        let bytes = self.map.bytes();
        (&bytes[at..at + 16], le32(bytes, at + 16) as usize, le32(bytes, at + 20) as usize)
    }

    /// The entries of one check, as a range of entry indices.
    pub fn find_section(&self, check: &Key) -> Option<(usize, usize)> {
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

    /// The stored value of `file` within a section's range.
    ///
    /// Keys are digests, spread evenly over their range, so the position of a key is well
    /// guessed from its value: a few rounds of interpolation narrow a section of thousands of
    /// entries to a handful, which a binary search finishes (and which bounds the work whatever
    /// the keys are).
    pub fn find(&self, range: (usize, usize), file: &Key) -> Option<&[u8]> {
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
                std::cmp::Ordering::Equal => return Some(self.value(guess)),
            }
        }
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.entry_key(mid).cmp(&wanted) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(self.value(mid)),
            }
        }
        None
    }

    fn entry_key(&self, e: usize) -> u128 {
        let at = self.entries_at() + e * ENTRY;
        let bytes: [u8; 16] = self.map.bytes()[at..at + 16].try_into().unwrap_or_default();
        u128::from_be_bytes(bytes)
    }

    fn value(&self, e: usize) -> &[u8] {
        let (_, offset, len) = self.entry(e);
        &self.map.bytes()[offset..offset + len]
    }

    /// Every entry, for merging segments.
    pub fn each(&self, mut f: impl FnMut(&Key, &Key, &[u8])) {
        for s in 0..self.sections {
            let (check, count, first) = self.section(s);
            let check: Key = check.try_into().unwrap_or_default();
            for e in first..first + count {
                let (file, offset, len) = self.entry(e);
                let file: Key = file.try_into().unwrap_or_default();
                f(&check, &file, &self.map.bytes()[offset..offset + len]);
            }
        }
    }
}

/// Entries gathered for a new segment; the first value given for a key wins.
#[derive(Default)]
pub struct Builder {
    entries: BTreeMap<(Key, Key), Vec<u8>>,
    bytes: u64,
}

impl Builder {
    pub fn insert(&mut self, check: Key, file: Key, value: &[u8]) {
        if let std::collections::btree_map::Entry::Vacant(slot) = self.entries.entry((check, file)) {
            self.bytes += (ENTRY + value.len()) as u64;
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
        let values_at = 12 + sections.len() * SECTION + self.entries.len() * ENTRY;
        let mut out = Vec::with_capacity(values_at + 8 + self.bytes as usize);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
        for (check, count, first) in &sections {
            out.extend_from_slice(check);
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(&first.to_le_bytes());
        }
        let mut offset = values_at;
        for ((_, file), value) in &self.entries {
            out.extend_from_slice(file);
            out.extend_from_slice(&(offset as u32).to_le_bytes());
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
            offset += value.len();
        }
        for value in self.entries.values() {
            out.extend_from_slice(value);
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
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
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        h = (h ^ word).wrapping_mul(0x1000_0000_01b3).rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x1000_0000_01b3).rotate_left(29);
    }
    h ^ (h >> 31)
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
        let one = segment.find_section(&[1; 16]).expect("section");
        assert_eq!(segment.find(one, &[3; 16]), Some(&b"three"[..]));
        assert_eq!(segment.find(one, &[5; 16]), Some(&b"five"[..]));
        assert_eq!(segment.find(one, &[9; 16]), None);
        let two = segment.find_section(&[2; 16]).expect("section");
        assert_eq!(segment.find(two, &[9; 16]), Some(&b""[..]));
        assert!(segment.find_section(&[3; 16]).is_none());
        let mut count = 0;
        segment.each(|_, _, _| count += 1);
        assert_eq!(count, 3);

        let bytes = fs::read(&path).expect("read");
        for damaged in [bytes[..bytes.len() - 3].to_vec(), {
            let mut b = bytes.clone();
            b[40] ^= 1;
            b
        }] {
            let bad = dir.path().join("bad.wc");
            fs::write(&bad, damaged).expect("write");
            assert!(Segment::open(&bad).is_err());
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
        let (even, skew) = (segment.find_section(&[1; 16]).expect("one"), segment.find_section(&[2; 16]).expect("two"));
        for i in 0..5000 {
            assert_eq!(segment.find(even, &key(i)), Some(&i.to_le_bytes()[..]), "{i}");
            assert_eq!(segment.find(skew, &skewed(i * 3)), Some(&i.to_le_bytes()[..]), "{i}");
            assert_eq!(segment.find(even, &key(i + 5000)), None);
            assert_eq!(segment.find(skew, &skewed(i * 3 + 1)), None);
        }
        assert_eq!(segment.find(even, &[0; 16]), None);
        assert_eq!(segment.find(even, &[0xff; 16]), None);
    }
}
