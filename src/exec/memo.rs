//! The result cache within one execution: which checks keep results and under which keys (the
//! check's definition, its tool, the tool's configuration, ward's version), and, per file or per
//! project, what is replayed and what is kept.

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::cache::keys::{self, digest, FileId, FileIds};
use crate::cache::store::Key;
use crate::cache::{Cache, Stored};
use crate::checks::builtin::engine::{Recall, Recalled};
use crate::checks::builtin::{Builtin, Scope};
use crate::config::{CacheMode, Check, CheckKind, External};
use crate::outcome::{CacheUse, Diagnostic, Severity};
use crate::plan::Mode;
use crate::repo::index_file::IndexFile;

use super::external::{self, BatchResult};
use super::Run;

/// Presets whose verdict on a file depends on that file alone, and those that read the whole
/// project: their default `cache`. With the command that prints the tool's version, run only
/// when the tool's identity (path, size, modification time) changed.
fn preset_default(name: &str) -> (CacheMode, &'static [&'static str]) {
    match name {
        "php-cs-fixer" => (CacheMode::PerFile, &["--version"]),
        "php-lint" | "phpcs" | "phpcbf" | "twig-cs-fixer" => (CacheMode::PerFile, &["--version"]),
        "phpstan" | "deptrac" | "psalm" => (CacheMode::Project, &["--version"]),
        _ => (CacheMode::Off, &[]),
    }
}

/// The configuration files a preset's tool reads besides its own `config_files`.
const PHP_PACKAGES: &str = "vendor/composer/installed.json";

pub struct Memo<'a> {
    cache: &'a Cache,
    root: &'a Path,
    repo: Option<&'a crate::repo::Repo>,
    index: Option<std::sync::Arc<IndexFile>>,
    ids: FileIds<'a>,
    /// Per planned check: its key and mode when its results are kept in this run.
    keys: Vec<Option<(Key, CacheMode)>>,
    /// Per file: 0 not seen by a caching check, 1 every result from the cache, 2 really checked.
    files: Vec<AtomicU8>,
    from_cache: Vec<AtomicUsize>,
    checked: Vec<Mutex<Vec<u32>>>,
    project: OnceLock<Option<Key>>,
    /// Per job: no job that may write files runs before it, so every file is as the selection
    /// found it (see [`FileIds::from_index`]).
    as_listed: Vec<bool>,
}

impl<'a> Memo<'a> {
    pub fn new(run: &'a Run<'a>, cache: &'a Cache, index: Option<std::sync::Arc<IndexFile>>) -> Memo<'a> {
        let files = &run.files.files;
        let mut memo = Memo {
            cache,
            root: run.root,
            repo: run.repo,
            index: index.clone(),
            ids: FileIds::new(run.root, files, index.clone(), cache.started),
            keys: Vec::new(),
            files: (0..files.len()).map(|_| AtomicU8::new(0)).collect(),
            from_cache: run.plan.checks.iter().map(|_| AtomicUsize::new(0)).collect(),
            checked: run.plan.checks.iter().map(|_| Mutex::new(Vec::new())).collect(),
            project: OnceLock::new(),
            as_listed: as_listed(&run.plan.jobs),
        };
        memo.keys = run
            .plan
            .checks
            .iter()
            .map(|pc| {
                if pc.skip.is_some() {
                    return None;
                }
                let check = &run.config.checks[pc.check];
                let mode = mode_of(check)?;
                Some((memo.check_key(run, check, mode)?, mode))
            })
            .collect();
        memo
    }

    fn check_key(&self, run: &Run, check: &Check, mode: CacheMode) -> Option<Key> {
        let kind = match &check.kind {
            CheckKind::Builtin(b) => format!("{b:?}"),
            // Not the whole struct: a preset's exit rule is a function, whose address changes
            // from one process to the next. Its name stands for it (ward's version is in the key).
            CheckKind::External(e) => format!(
                "{:?}|{:?}|{:?}|{:?}|{}|{:?}|{:?}",
                e.run,
                e.fix,
                e.format,
                e.preset.map(|p| p.name),
                e.fail_outside_selection,
                e.container,
                e.one_file_below_php
            ),
        };
        let definition = format!(
            "{}|{:?}|{:?}|{:?}|{}|{:?}|{:?}|{:?}",
            kind,
            check.files.as_ref().map(|g| &g.patterns),
            check.exclude.as_ref().map(|g| &g.patterns),
            check.types,
            check.pass_files,
            check.env,
            check.cache_inputs,
            mode,
        );
        let run_mode: &[u8] = if run.mode == Mode::Fix { b"fix" } else { b"check" };
        let mut parts: Vec<Vec<u8>> =
            vec![self.cache.salt.as_bytes().to_vec(), run_mode.to_vec(), definition.into_bytes()];
        match &check.kind {
            CheckKind::Builtin(b) => {
                if matches!(b, Builtin::CheckExecutablesHaveShebangs | Builtin::CheckShebangScriptsAreExecutable) {
                    parts.push(vec![u8::from(run.repo.is_none_or(crate::repo::Repo::core_file_mode))]);
                }
            }
            CheckKind::External(external) => {
                if external.unusable.is_some() {
                    return None;
                }
                let command = match run.mode {
                    Mode::Fix => external.fix.as_ref().unwrap_or(&external.run),
                    Mode::Check => &external.run,
                };
                parts.push(self.tool_identity(external, command)?.into_bytes());
            }
        }
        for input in &check.cache_inputs {
            for path in self.expand(input) {
                parts.push(path.as_bytes().to_vec());
                parts.push(keys::file_digest(&self.root.join(&path)).to_vec());
            }
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        Some(digest(&refs))
    }

    /// `cache_inputs` entry: a path, or a glob matched against the tracked files.
    fn expand(&self, input: &str) -> Vec<String> {
        if !input.contains(['*', '?', '[', '{']) {
            return vec![input.to_string()];
        }
        let Ok(globs) = crate::config::Globs::new(&[input.to_string()]) else { return vec![input.to_string()] };
        let Some(index) = &self.index else { return vec![input.to_string()] };
        let mut found: Vec<String> = index
            .entries
            .iter()
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .filter(|p| globs.is_match(p))
            .collect();
        found.sort();
        found
    }

    /// Everything about the tool that can change its verdict: the resolved program and what it
    /// runs (a phar, a PHP script), PHP itself, the preset's configuration files, and the
    /// tool's version, asked only when the rest changed.
    fn tool_identity(&self, external: &External, command: &[String]) -> Option<String> {
        let root = self.root;
        let (program, args) = command.split_first()?;
        let resolved = external::resolve(program, root).ok()?;
        let mut identity = vec![keys::stat_identity(&resolved)];
        if let Ok(real) = std::fs::canonicalize(&resolved) {
            identity.push(keys::stat_identity(&real));
        }
        // Files named on the command line (a phar, `--config=x`) are part of the tool.
        for word in args {
            let value = word.split_once('=').map_or(word.as_str(), |(_, v)| v);
            for candidate in [word.as_str(), value] {
                let path = root.join(candidate);
                if !candidate.is_empty() && !candidate.starts_with('-') && path.is_file() {
                    identity.push(format!("{candidate}={}", keys::hex(&keys::file_digest(&path))));
                }
            }
        }
        let php = external.preset.is_some() || is_php(program, &resolved);
        if php {
            if let Ok(php) = which::which("php") {
                let id = keys::stat_identity(&php);
                let version =
                    self.version(&id, &php.to_string_lossy(), &["-r", "echo PHP_VERSION, PHP_EXTRA_VERSION;"]);
                identity.push(format!("{id}={version}"));
            }
            identity.push(format!("packages={}", keys::hex(&keys::file_digest(&root.join(PHP_PACKAGES)))));
        }
        if let Some(preset) = external.preset {
            for file in preset.config_files {
                identity.push(format!("{file}={}", keys::hex(&keys::file_digest(&root.join(file)))));
            }
            let (_, version_args) = preset_default(preset.name);
            if !version_args.is_empty() {
                let tool = identity.join("\n");
                let runner: Vec<&str> = command[..command.len() - args.len()].iter().map(String::as_str).collect();
                let version = self.version(&tool, &resolved.to_string_lossy(), version_args);
                identity.push(format!("{runner:?} version={version}"));
            }
        }
        Some(identity.join("\n"))
    }

    /// The output of `program args`, remembered by `identity`: asked once per identity.
    fn version(&self, identity: &str, program: &str, args: &[&str]) -> String {
        if let Some(known) = self.cache.tool_note(identity) {
            return known;
        }
        let mut cmd = std::process::Command::new(program);
        cmd.args(args).current_dir(self.root);
        let text = match super::process::run(cmd, Some(Duration::from_secs(20)), super::capture::HEAD) {
            Ok(done) if done.code == Some(0) => {
                let mut out = String::from_utf8_lossy(&done.stdout).into_owned();
                out.push_str(&String::from_utf8_lossy(&done.stderr));
                out.chars().take(4096).collect::<String>()
            }
            // Not remembered: a tool that failed to say its version is asked again next time.
            _ => return "unknown".to_string(),
        };
        self.cache.set_tool_note(identity, &text);
        text
    }

    fn key_of(&self, planned: usize) -> Option<(Key, CacheMode)> {
        self.keys.get(planned).copied().flatten()
    }

    pub fn is_project(&self, planned: usize) -> bool {
        matches!(self.key_of(planned), Some((_, CacheMode::Project)))
    }

    pub fn is_per_file(&self, planned: usize) -> bool {
        matches!(self.key_of(planned), Some((_, CacheMode::PerFile)))
    }

    fn hit(&self, planned: usize, file: usize) {
        self.from_cache[planned].fetch_add(1, Ordering::Relaxed);
        let _ = self.files[file].compare_exchange(0, 1, Ordering::Relaxed, Ordering::Relaxed);
    }

    fn miss(&self, planned: usize, file: usize) {
        if let Ok(mut checked) = self.checked[planned].lock() {
            checked.push(file as u32);
        }
        self.files[file].store(2, Ordering::Relaxed);
    }

    /// The engine's view for one content job: `planned` maps its check indices to planned
    /// checks, `targets` its target numbers to files.
    pub fn content<'m>(&'m self, job: usize, planned: &'m [usize], targets: Vec<usize>) -> ContentMemo<'m, 'a> {
        let as_listed = self.as_listed.get(job).copied().unwrap_or(false);
        let slots = || (0..targets.len()).map(|_| AtomicU64::new(0)).collect();
        ContentMemo {
            memo: self,
            planned,
            as_listed,
            ids: (0..targets.len()).map(|_| OnceLock::new()).collect(),
            hit: slots(),
            missed: slots(),
            targets,
        }
    }

    /// Splits a batch of a per-file external check into the files whose results are known and
    /// the files to run, each with the key it will be kept under.
    pub fn split(&self, job: usize, planned: usize, files: &[usize]) -> (Vec<Stored>, Vec<(usize, Option<FileId>)>) {
        let Some((check, CacheMode::PerFile)) = self.key_of(planned) else {
            return (Vec::new(), files.iter().map(|&f| (f, None)).collect());
        };
        let as_listed = self.as_listed.get(job).copied().unwrap_or(false);
        let mut known = Vec::new();
        let mut run = Vec::new();
        for &f in files {
            let id = self.ids.any(f, as_listed);
            match id.and_then(|id| self.cache.get(&check, &id.key)) {
                Some(stored) => {
                    self.hit(planned, f);
                    known.push(stored);
                }
                None => {
                    self.miss(planned, f);
                    run.push((f, id));
                }
            }
        }
        (known, run)
    }

    /// Keeps what a per-file batch said about each of its files, where it can be told apart:
    /// passes, and findings attributed to one file. Errors, timeouts and rewritten files are
    /// never kept.
    pub fn keep_batch(
        &self,
        planned: usize,
        ran: &[(usize, Option<FileId>)],
        batch: &BatchResult,
        diagnostics: &[Diagnostic],
        failed: Option<bool>,
        has_format: bool,
    ) {
        let Some((check, CacheMode::PerFile)) = self.key_of(planned) else { return };
        let Some(failed) = failed.filter(|_| batch.error.is_none()) else { return };
        let path_of = |f: usize| self.ids.path(f).to_string();
        let mut failing: Vec<usize> = Vec::new();
        for &(f, _) in ran {
            let path = path_of(f);
            if diagnostics.iter().any(|d| d.severity == Severity::Error && d.path.as_deref() == Some(path.as_str())) {
                failing.push(f);
            }
        }
        if failed && (!has_format || failing.is_empty()) {
            // The exit code says something failed, but not which file: nothing can be kept.
            return;
        }
        let output = if failing.len() == 1 { super::joined_output(batch) } else { String::new() };
        for &(f, id) in ran {
            let Some(id) = id else { continue };
            let path = path_of(f);
            if batch.modified.contains(&path) || !self.ids.unchanged_since(f, &id) {
                continue;
            }
            let mine: Vec<Diagnostic> =
                diagnostics.iter().filter(|d| d.path.as_deref() == Some(path.as_str())).cloned().collect();
            let is_failing = failing.contains(&f);
            let stored = Stored {
                diagnostics: mine,
                exit_code: if is_failing { batch.exit_code } else { Some(0) },
                failed: is_failing,
                output: if is_failing { output.clone() } else { String::new() },
            };
            self.cache.put(&check, &id.key, &stored);
        }
    }

    /// The key of a whole-project result: the project's tracked files and the batch's files.
    pub fn project_key(&self, job: usize, planned: usize, batch: &[usize]) -> Option<Key> {
        let Some((check, CacheMode::Project)) = self.key_of(planned) else { return None };
        let as_listed = self.as_listed.get(job).copied().unwrap_or(false);
        let digest_now = || {
            // Without the list of untracked files the key would miss a file the tool reads.
            let untracked = self.repo?.untracked_files().ok()?;
            self.index.as_ref().and_then(|i| keys::project_digest(self.root, i, &untracked))
        };
        // After a fixer, the project is looked at again: it may not be what it was.
        let project = if as_listed { (*self.project.get_or_init(digest_now))? } else { digest_now()? };
        let mut parts: Vec<Vec<u8>> = vec![check.to_vec(), project.to_vec()];
        for &f in batch {
            parts.push(self.ids.path(f).as_bytes().to_vec());
            parts.push(self.ids.any(f, as_listed)?.key.to_vec());
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        Some(digest(&refs))
    }

    pub fn project_get(&self, planned: usize, key: &Key, files: &[usize]) -> Option<Stored> {
        let check = self.key_of(planned)?.0;
        let stored = self.cache.get(&check, key);
        for &f in files {
            if stored.is_some() {
                self.hit(planned, f);
            } else {
                self.miss(planned, f);
            }
        }
        stored
    }

    pub fn project_put(&self, planned: usize, key: &Key, stored: &Stored) {
        if let Some((check, _)) = self.key_of(planned) {
            self.cache.put(&check, key, stored);
        }
    }

    /// How check `planned` used the cache, for its outcome.
    pub fn usage(&self, planned: usize, run: &Run) -> Option<CacheUse> {
        self.key_of(planned)?;
        let from_cache = self.from_cache[planned].load(Ordering::Relaxed);
        let mut checked: Vec<String> = Vec::new();
        if from_cache > 0 {
            if let Ok(indices) = self.checked[planned].lock() {
                checked = indices.iter().map(|&f| run.files.files[f as usize].path.clone()).collect();
            }
            checked.sort();
            checked.dedup();
        }
        Some(CacheUse { from_cache, checked })
    }

    /// Files looked at by a caching check, and those of them answered wholly from the cache.
    pub fn file_counts(&self) -> (usize, usize) {
        let states: Vec<u8> = self.files.iter().map(|s| s.load(Ordering::Relaxed)).collect();
        (states.iter().filter(|&&s| s != 0).count(), states.iter().filter(|&&s| s == 1).count())
    }
}

/// Per job, whether no job that may write files comes before it (jobs are in an order where
/// every dependency comes first).
fn as_listed(jobs: &[crate::plan::Job]) -> Vec<bool> {
    let mut after_writer = vec![false; jobs.len()];
    for (j, job) in jobs.iter().enumerate() {
        after_writer[j] = job.deps.iter().any(|&d| d >= j || !jobs[d].writes.is_empty() || after_writer[d]);
    }
    after_writer.into_iter().map(|w| !w).collect()
}

/// True when `check` keeps a result per file (its diagnostics are then reported by file).
pub fn caches_per_file(check: &Check) -> bool {
    mode_of(check) == Some(CacheMode::PerFile)
}

/// A check's cache mode in this run, or `None` when its results are not kept.
fn mode_of(check: &Check) -> Option<CacheMode> {
    let mode = match (&check.kind, check.cache) {
        (_, Some(CacheMode::Off)) => return None,
        (CheckKind::Builtin(b), _) => {
            // AWS secrets come from the environment, not the file: never kept.
            if b.scope() != Scope::Content || matches!(b, Builtin::DetectAwsCredentials { .. }) {
                return None;
            }
            CacheMode::PerFile
        }
        (CheckKind::External(_), Some(mode)) => mode,
        (CheckKind::External(e), None) => e.preset.map_or(CacheMode::Off, |p| preset_default(p.name).0),
    };
    match mode {
        CacheMode::PerFile if !check.pass_files => Some(CacheMode::Project),
        CacheMode::Off => None,
        mode => Some(mode),
    }
}

fn is_php(program: &str, resolved: &Path) -> bool {
    let name = Path::new(program).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if name.starts_with("php") {
        return true;
    }
    let mut head = [0u8; 128];
    let read = std::fs::File::open(resolved).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).unwrap_or(0);
    let first = head[..read].split(|b| *b == b'\n').next().unwrap_or(&[]);
    first.starts_with(b"#!") && memchr::memmem::find(first, b"php").is_some()
}

/// One content job's bridge between the engine and the cache.
pub struct ContentMemo<'m, 'a> {
    memo: &'m Memo<'a>,
    planned: &'m [usize],
    /// Target number -> file index.
    targets: Vec<usize>,
    /// No fixer ran before this job: the selection's `lstat` of each file stands.
    as_listed: bool,
    /// The key each target's results are kept under, once known.
    ids: Vec<OnceLock<Option<FileId>>>,
    /// Per target, the checks (as bits of the job's check numbers) answered from the cache and
    /// those that were not: counted once when the job ends, rather than by every thread on
    /// every file in counters they would all share.
    hit: Vec<AtomicU64>,
    missed: Vec<AtomicU64>,
}

impl ContentMemo<'_, '_> {
    fn keys(&self, active: &[usize]) -> Vec<Option<Key>> {
        active.iter().map(|&k| self.memo.key_of(self.planned[k]).map(|(key, _)| key)).collect()
    }

    fn note(&self, slots: &[AtomicU64], target: usize, active: &[usize], hit: bool) {
        if self.planned.len() > 64 {
            for &k in active {
                if hit {
                    self.memo.hit(self.planned[k], self.targets[target]);
                } else {
                    self.memo.miss(self.planned[k], self.targets[target]);
                }
            }
            return;
        }
        let bits = active.iter().fold(0u64, |bits, &k| bits | 1 << k);
        slots[target].fetch_or(bits, Ordering::Relaxed);
    }

    /// Adds what the job's files got from the cache to the run's counts.
    pub fn finish(self) {
        let mut hits = vec![0usize; self.planned.len()];
        for (target, &file) in self.targets.iter().enumerate() {
            let (hit, missed) = (self.hit[target].load(Ordering::Relaxed), self.missed[target].load(Ordering::Relaxed));
            for (k, count) in hits.iter_mut().enumerate() {
                if hit & (1 << k) != 0 {
                    *count += 1;
                }
                if missed & (1 << k) != 0 {
                    self.memo.miss(self.planned[k], file);
                }
            }
            if hit != 0 {
                let _ = self.memo.files[file].compare_exchange(0, 1, Ordering::Relaxed, Ordering::Relaxed);
            }
        }
        for (k, count) in hits.into_iter().enumerate() {
            if count > 0 {
                self.memo.from_cache[self.planned[k]].fetch_add(count, Ordering::Relaxed);
            }
        }
    }
}

impl Recall for ContentMemo<'_, '_> {
    fn recall(&self, target: usize, active: &[usize], content: Option<&[u8]>) -> Recalled {
        let file = self.targets[target];
        let checks = self.keys(active);
        if checks.iter().all(Option::is_none) {
            return Recalled::Unknown;
        }
        let id = match content {
            None => match self.memo.ids.from_index(file, self.as_listed) {
                Some(id) => id,
                None => return Recalled::NeedsContent,
            },
            Some(bytes) => match self.memo.ids.from_content(file, bytes) {
                Some(id) => id,
                None => return Recalled::Unknown,
            },
        };
        let _ = self.ids[target].set(Some(id));
        let record = record_key(&checks, &id.key);
        if let Some(found) = record.as_ref().and_then(|r| self.memo.cache.get_record(r, active.len())) {
            self.note(&self.hit, target, active, true);
            return Recalled::Known(found);
        }
        let mut known = Vec::with_capacity(active.len());
        for check in &checks {
            match check.and_then(|c| self.memo.cache.get(&c, &id.key)) {
                Some(stored) => known.push(stored.diagnostics),
                None => {
                    self.note(&self.missed, target, active, false);
                    return Recalled::Unknown;
                }
            }
        }
        self.note(&self.hit, target, active, true);
        if let Some(record) = &record {
            // Every result was there, one lookup each: next time, one lookup for them all.
            self.memo.cache.put_record(record, &known);
        }
        Recalled::Known(known)
    }

    fn keep(&self, target: usize, active: &[usize], _content: Option<&[u8]>, diagnostics: &[Vec<Diagnostic>]) {
        let file = self.targets[target];
        let Some(Some(id)) = self.ids[target].get().copied() else { return };
        if !self.memo.ids.unchanged_since(file, &id) {
            return;
        }
        let checks = self.keys(active);
        for (check, found) in checks.iter().zip(diagnostics) {
            if let Some(check) = check {
                let stored = Stored { diagnostics: found.clone(), ..Stored::default() };
                self.memo.cache.put(check, &id.key, &stored);
            }
        }
        if let Some(record) = record_key(&checks, &id.key) {
            self.memo.cache.put_record(&record, diagnostics);
        }
    }
}

/// The key of a file record: the checks, in order, and the file; none unless every check keeps
/// its results.
fn record_key(checks: &[Option<Key>], file: &Key) -> Option<Key> {
    let mut parts: Vec<&[u8]> = Vec::with_capacity(checks.len() + 2);
    parts.push(b"record");
    for check in checks {
        parts.push(check.as_ref()?);
    }
    parts.push(file);
    Some(digest(&parts))
}
