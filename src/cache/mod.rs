//! The result cache: what a check said about some content, kept so that the same check on the
//! same content is never run twice.
//!
//! - `store`: the segment files on disk.
//! - `keys`: what a result depends on (file content, check definition, tool, its config).

pub mod keys;
pub mod store;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::outcome::Diagnostic;
use store::{Builder, Key, Segment};

/// The default bound of the cache directory.
pub const DEFAULT_MAX_SIZE: u64 = 100 * 1024 * 1024;
/// Merging starts when a run finds more segments than this.
const MAX_SEGMENTS: usize = 8;
const LAST_RUN: &str = "last-run.json";
/// The section of file records: everything a group of checks said about one file, under one
/// key, so that a run over many unchanged files makes one lookup per file rather than per check.
const RECORDS: Key = *b"ward:file-record";
/// The section of whole runs' reports (see `exec::run_record`).
const RUNS: Key = *b"ward:run-report\0";

/// What a check said, as it is replayed. An empty value on disk is "passed, nothing to say".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The tool's exit code meant "findings".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub failed: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
}

impl Stored {
    fn encode(&self) -> Vec<u8> {
        if *self == Stored::default() {
            return Vec::new();
        }
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn decode(bytes: &[u8]) -> Option<Stored> {
        if bytes.is_empty() {
            return Some(Stored::default());
        }
        serde_json::from_slice(bytes).ok()
    }
}

/// Hits and misses of the last run, kept for `ward cache info`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct LastRun {
    pub hits: u64,
    pub misses: u64,
    pub stored: u64,
}

/// One run's view of the cache: the segments found at its start, and what it adds.
pub struct Cache {
    dir: PathBuf,
    max_size: u64,
    /// Newest first.
    segments: Vec<Segment>,
    hit_segments: Vec<AtomicBool>,
    /// Segments found torn or corrupted as they were read: passed over, then removed.
    damaged_segments: Vec<AtomicBool>,
    fresh: Mutex<Builder>,
    hits: AtomicU64,
    misses: AtomicU64,
    warnings: Mutex<Vec<String>>,
    writable: bool,
    /// Ward's own version (and the test-only `WARD_CACHE_SALT`): a new ward trusts no old result.
    pub salt: String,
    /// When the run started: a file modified since then (or in the same clock tick) is not
    /// cached, since its content may have changed under the check.
    pub started: SystemTime,
}

impl Cache {
    /// Opens the cache in `dir`, creating it. Never fails: a cache that cannot be used is an empty
    /// one, with a warning saying why.
    pub fn open(dir: &Path, max_size: u64) -> Cache {
        let started = SystemTime::now();
        let mut warnings = Vec::new();
        let writable = match prepare_dir(dir) {
            Ok(()) => true,
            Err(err) => {
                warnings.push(format!("the result cache in {} cannot be used: {err}", dir.display()));
                false
            }
        };
        let mut segments = Vec::new();
        if let Ok(listing) = fs::read_dir(dir) {
            let mut found: Vec<(SystemTime, PathBuf)> = listing
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(store::SUFFIX))
                .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
                .collect();
            found.sort_by(|a, b| b.cmp(a));
            for (_, path) in found {
                match Segment::open(&path) {
                    Ok(segment) => segments.push(segment),
                    Err(store::Unusable::Io(err)) if err.kind() == std::io::ErrorKind::NotFound => {}
                    Err(store::Unusable::OtherVersion) => {
                        if writable {
                            let _ = fs::remove_file(&path);
                        }
                    }
                    Err(err) => {
                        // Never trusted: dropped, and its results computed again.
                        warnings.push(format!("ignored a damaged cache file {}: {err}", path.display()));
                        if writable {
                            let _ = fs::remove_file(&path);
                        }
                    }
                }
            }
        }
        let salt = format!("{}/{}", env!("CARGO_PKG_VERSION"), std::env::var("WARD_CACHE_SALT").unwrap_or_default());
        Cache {
            dir: dir.to_path_buf(),
            max_size,
            hit_segments: segments.iter().map(|_| AtomicBool::new(false)).collect(),
            damaged_segments: segments.iter().map(|_| AtomicBool::new(false)).collect(),
            segments,
            fresh: Mutex::new(Builder::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            warnings: Mutex::new(warnings),
            writable,
            salt,
            started,
        }
    }

    /// The first value under (`section`, `key`) that `decode` accepts, newest segment first. A
    /// segment whose entry fails its checksum is damaged: warned about, passed over from then
    /// on, and removed at the end. A hit renews its segment.
    fn lookup<T>(&self, section: &Key, key: &Key, decode: impl Fn(&[u8]) -> Option<T>) -> Option<T> {
        for (index, segment) in self.segments.iter().enumerate() {
            if self.damaged_segments[index].load(Ordering::Relaxed) {
                continue;
            }
            let bytes = match segment.get(section, key) {
                store::Found::Missing => continue,
                store::Found::Value(bytes) => bytes,
                store::Found::Damaged => {
                    self.damaged(index);
                    continue;
                }
            };
            if let Some(value) = decode(bytes) {
                self.hit_segments[index].store(true, Ordering::Relaxed);
                return Some(value);
            }
            self.warn("ignored a damaged cache entry; its check runs again".to_string());
        }
        None
    }

    fn damaged(&self, index: usize) {
        if !self.damaged_segments[index].swap(true, Ordering::Relaxed) {
            let path = self.segments[index].path.display();
            self.warn(format!("ignored a damaged cache file {path}: an entry does not match its checksum"));
        }
    }

    /// The result stored for `check` on `file`, if any; a damaged entry is a miss.
    pub fn get(&self, check: &Key, file: &Key) -> Option<Stored> {
        let found = self.lookup(check, file, Stored::decode);
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// What each of a group of `checks` checks found in one file, kept under `key` by
    /// [`Cache::put_record`]; a damaged or mismatched record is a miss.
    pub fn get_record(&self, key: &Key, checks: usize) -> Option<Vec<Vec<Diagnostic>>> {
        let found = self.lookup(&RECORDS, key, |bytes| {
            if bytes.is_empty() {
                return Some(vec![Vec::new(); checks]);
            }
            serde_json::from_slice::<Vec<Vec<Diagnostic>>>(bytes).ok().filter(|f| f.len() == checks)
        })?;
        self.count_hits(checks as u64);
        Some(found)
    }

    /// Keeps a file record (see [`Cache::get_record`]).
    pub fn put_record(&self, key: &Key, found: &[Vec<Diagnostic>]) {
        let value =
            if found.iter().all(Vec::is_empty) { Vec::new() } else { serde_json::to_vec(found).unwrap_or_default() };
        self.put_in(RECORDS, key, &value);
    }

    /// The report of a whole run kept under `key`; it counts as no hit or miss of any check.
    pub fn get_run(&self, key: &Key) -> Option<Vec<u8>> {
        self.lookup(&RUNS, key, |bytes| (!bytes.is_empty()).then(|| bytes.to_vec()))
    }

    /// Results answered together (by a whole run's report), for `ward cache info`.
    pub fn count_hits(&self, results: u64) {
        self.hits.fetch_add(results, Ordering::Relaxed);
    }

    pub fn put_run(&self, key: &Key, report: &[u8]) {
        self.put_in(RUNS, key, report);
    }

    /// Keeps `stored` for `check` on `file`; written when the run finishes.
    pub fn put(&self, check: &Key, file: &Key, stored: &Stored) {
        self.put_in(*check, file, &stored.encode());
    }

    fn put_in(&self, section: Key, key: &Key, value: &[u8]) {
        if !self.writable {
            return;
        }
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.insert(section, *key, value);
        }
    }

    /// What was noted about a tool with this identity (its version), if anything.
    pub fn tool_note(&self, identity: &str) -> Option<String> {
        let name = keys::hex(&keys::digest(&[identity.as_bytes()]));
        let path = self.dir.join(keys::TOOLS_DIR).join(name);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() && meta.len() <= 64 * 1024 => fs::read_to_string(&path).ok(),
            _ => None,
        }
    }

    pub fn set_tool_note(&self, identity: &str, text: &str) {
        if !self.writable {
            return;
        }
        let dir = self.dir.join(keys::TOOLS_DIR);
        if prepare_dir(&dir).is_ok() {
            let name = keys::hex(&keys::digest(&[identity.as_bytes()]));
            let _ = write_small(&dir.join(name), text.as_bytes());
        }
    }

    pub fn warn(&self, message: String) {
        if let Ok(mut warnings) = self.warnings.lock() {
            if !warnings.contains(&message) {
                warnings.push(message);
            }
        }
    }

    /// Writes what this run added, keeps the directory within its bound, and returns the
    /// warnings of the run (a full disk, a read-only directory, a damaged file).
    pub fn finish(&self) -> Vec<String> {
        let fresh = std::mem::take(&mut *self.fresh.lock().unwrap_or_else(|e| e.into_inner()));
        let stored = fresh.len() as u64;
        if self.writable {
            if let Err(err) = self.save(fresh) {
                self.warn(format!("could not save results in the cache ({}): {err}", self.dir.display()));
            }
            let last = LastRun {
                hits: self.hits.load(Ordering::Relaxed),
                misses: self.misses.load(Ordering::Relaxed),
                stored,
            };
            let _ = write_small(&self.dir.join(LAST_RUN), &serde_json::to_vec(&last).unwrap_or_default());
        }
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    fn save(&self, fresh: Builder) -> std::io::Result<()> {
        let now = SystemTime::now();
        for (segment, damaged) in self.segments.iter().zip(&self.damaged_segments) {
            if damaged.load(Ordering::Relaxed) {
                // Another run may hold it mapped: unlinking leaves its mapping intact.
                let _ = fs::remove_file(&segment.path);
            }
        }
        // Least recently used is least recently hit or written: a hit renews its segment.
        for (segment, hit) in self.segments.iter().zip(&self.hit_segments) {
            if hit.load(Ordering::Relaxed) {
                let _ = fs::File::open(&segment.path).and_then(|f| f.set_modified(now));
            }
        }
        let total: u64 = self.segments.iter().map(Segment::size).sum::<u64>() + fresh.size();
        if total > self.max_size {
            return self.merge(fresh, None);
        }
        if self.segments.len() + usize::from(!fresh.is_empty()) > MAX_SEGMENTS {
            // Within the bound, a segment holding half of everything stays as it is: merging the
            // small ones a commit adds must not rewrite the cache each time.
            let largest = (0..self.segments.len())
                .filter(|&i| !self.damaged_segments[i].load(Ordering::Relaxed))
                .max_by_key(|&i| self.segments[i].size());
            let spared = largest.filter(|&i| self.segments[i].size() * 2 >= total);
            return self.merge(fresh, spared);
        }
        if !fresh.is_empty() {
            fresh.write(&self.dir)?;
        }
        Ok(())
    }

    /// Rewrites everything but the `spared` segment as one: this run's results first, then the
    /// segments it hit, then the others newest first, until the size bound; then removes the
    /// segments merged.
    fn merge(&self, mut fresh: Builder, spared: Option<usize>) -> std::io::Result<()> {
        let budget = (self.max_size / 10 * 9).saturating_sub(spared.map_or(0, |i| self.segments[i].size()));
        let hit = |i: usize| self.hit_segments[i].load(Ordering::Relaxed);
        let merged = |i: &usize| Some(*i) != spared;
        let order: Vec<usize> = (0..self.segments.len())
            .filter(|&i| hit(i))
            .chain((0..self.segments.len()).filter(|&i| !hit(i)))
            .filter(merged)
            .collect();
        'segments: for i in order {
            if self.damaged_segments[i].load(Ordering::Relaxed) {
                continue;
            }
            let mut full = false;
            let whole = self.segments[i].each(|check, file, value| {
                if full || fresh.contains(check, file) {
                    return;
                }
                if fresh.size() + store::Builder::cost(value) > budget {
                    full = true;
                    return;
                }
                fresh.insert(*check, *file, value);
            });
            if !whole {
                self.damaged(i);
            }
            if full {
                break 'segments;
            }
        }
        if !fresh.is_empty() {
            fresh.write(&self.dir)?;
        }
        for (_, segment) in self.segments.iter().enumerate().filter(|(i, _)| merged(i)) {
            // Another run may hold it mapped: unlinking leaves its mapping intact.
            let _ = fs::remove_file(&segment.path);
        }
        Ok(())
    }
}

/// What `ward cache info` shows.
#[derive(Debug, Default)]
pub struct Info {
    pub segments: usize,
    pub entries: usize,
    pub bytes: u64,
    pub last: Option<LastRun>,
}

pub fn info(dir: &Path) -> Info {
    let mut info = Info::default();
    if let Ok(listing) = fs::read_dir(dir) {
        for entry in listing.filter_map(Result::ok) {
            if !entry.file_name().to_string_lossy().ends_with(store::SUFFIX) {
                continue;
            }
            if let Ok(segment) = Segment::open(&entry.path()) {
                info.segments += 1;
                info.bytes += segment.size();
                segment.each(|_, _, _| info.entries += 1);
            }
        }
    }
    info.last = fs::read(dir.join(LAST_RUN)).ok().and_then(|b| serde_json::from_slice(&b).ok());
    info
}

/// Removes every file the cache wrote in `dir` (and nothing else); returns how many.
pub fn clean(dir: &Path) -> std::io::Result<usize> {
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err),
    };
    let mut removed = 0;
    for entry in listing.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.ends_with(store::SUFFIX) || name.starts_with("tmp-") || name == LAST_RUN;
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            fs::remove_file(entry.path())?;
            removed += 1;
        } else if name == keys::TOOLS_DIR && entry.file_type().is_ok_and(|t| t.is_dir()) {
            fs::remove_dir_all(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Creates `dir` when missing; refuses a symlink anywhere we would create or write.
fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(std::io::Error::other("it is a symbolic link; ward does not write through links"));
        }
        Ok(meta) if !meta.is_dir() => return Err(std::io::Error::other("it is not a directory")),
        Ok(_) => {}
        Err(_) => fs::create_dir_all(dir)?,
    }
    // A read-only directory is found now rather than after the checks ran.
    let probe = dir.join(format!("tmp-probe-{}", std::process::id()));
    fs::write(&probe, b"")?;
    fs::remove_file(&probe)
}

/// Writes a small file through a scratch file and a rename.
pub(crate) fn write_small(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let scratch = path.with_file_name(format!(
        "tmp-{}-{}",
        std::process::id(),
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
    ));
    let result = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(&scratch)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|()| fs::rename(&scratch, path));
    if result.is_err() {
        let _ = fs::remove_file(&scratch);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_survive_a_run_and_damage_is_a_miss() {
        let dir = tempfile::tempdir().expect("tempdir");
        let finding = Stored { failed: true, exit_code: Some(1), output: "bad\n".into(), ..Stored::default() };
        let cache = Cache::open(dir.path(), DEFAULT_MAX_SIZE);
        assert_eq!(cache.get(&[1; 16], &[2; 16]), None);
        cache.put(&[1; 16], &[2; 16], &Stored::default());
        cache.put(&[1; 16], &[3; 16], &finding);
        assert!(cache.finish().is_empty());

        let cache = Cache::open(dir.path(), DEFAULT_MAX_SIZE);
        assert_eq!(cache.get(&[1; 16], &[2; 16]), Some(Stored::default()));
        assert_eq!(cache.get(&[1; 16], &[3; 16]), Some(finding));
        assert_eq!(cache.hits(), 2);
        cache.finish();
        let info = info(dir.path());
        assert_eq!((info.segments, info.entries), (1, 2));
        assert_eq!(info.last.map(|l| l.hits), Some(2));
        assert!(clean(dir.path()).expect("clean") >= 2);
        assert_eq!(info_entries(dir.path()), 0);
    }

    #[test]
    fn a_damaged_entry_is_a_miss_with_a_warning_and_an_older_format_goes_quietly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path(), DEFAULT_MAX_SIZE);
        cache.put(&[1; 16], &[2; 16], &Stored { output: "kept".into(), ..Stored::default() });
        assert!(cache.finish().is_empty());
        let segment = fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "wc"))
            .expect("a segment");
        let mut bytes = fs::read(&segment).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(&segment, &bytes).expect("write");
        let old = dir.path().join("seg-1-1-0.wc");
        fs::write(&old, b"WARDC\x01\0\0 a segment of the first format").expect("write");

        let cache = Cache::open(dir.path(), DEFAULT_MAX_SIZE);
        assert_eq!(cache.get(&[1; 16], &[2; 16]), None, "a value that fails its checksum is never trusted");
        let warnings = cache.finish();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("damaged cache file"), "{warnings:?}");
        assert!(!segment.exists(), "the damaged segment is removed");
        assert!(!old.exists(), "the old format is removed, with no warning");
    }

    #[test]
    fn merging_the_small_segments_of_commits_leaves_the_large_one_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path(), DEFAULT_MAX_SIZE);
        for file in 0u8..200 {
            cache.put(&[1; 16], &[file; 16], &Stored { output: "x".repeat(100), ..Stored::default() });
        }
        cache.finish();
        let segments = || -> Vec<PathBuf> {
            let mut found: Vec<PathBuf> = fs::read_dir(dir.path())
                .expect("dir")
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "wc"))
                .collect();
            found.sort();
            found
        };
        let large = segments();
        for round in 0u8..(MAX_SEGMENTS as u8 + 2) {
            let cache = Cache::open(dir.path(), DEFAULT_MAX_SIZE);
            cache.put(&[2; 16], &[round; 16], &Stored::default());
            assert!(cache.finish().is_empty());
        }
        let now = segments();
        assert!(now.len() <= MAX_SEGMENTS, "merged: {now:?}");
        assert!(now.contains(&large[0]), "the large segment was not rewritten: {now:?}");
        let cache = Cache::open(dir.path(), DEFAULT_MAX_SIZE);
        assert!((0u8..200).all(|f| cache.get(&[1; 16], &[f; 16]).is_some()));
        assert!((0u8..MAX_SEGMENTS as u8 + 2).all(|r| cache.get(&[2; 16], &[r; 16]).is_some()));
    }

    #[test]
    fn the_size_bound_evicts_the_least_recently_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let big = Stored { output: "x".repeat(4000), ..Stored::default() };
        for round in 0u8..20 {
            let cache = Cache::open(dir.path(), 40_000);
            cache.put(&[round; 16], &[0; 16], &big);
            cache.finish();
        }
        let size: u64 = fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.metadata().map_or(0, |m| m.len()))
            .sum();
        assert!(size <= 40_000, "{size}");
        let cache = Cache::open(dir.path(), 40_000);
        assert!(cache.get(&[19; 16], &[0; 16]).is_some(), "the newest result stays");
        assert!(cache.get(&[0; 16], &[0; 16]).is_none(), "the oldest is gone");
    }

    fn info_entries(dir: &Path) -> usize {
        info(dir).entries
    }
}
