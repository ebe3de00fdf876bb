//! Runs one batch of an external check: resolves the program, spawns it, sees what it changed.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::config::{Container, REPORT_PLACEHOLDER};
use crate::select::FileEntry;

use super::container;
use super::fingerprint::Before;
use super::process::{self, Finished};

/// What one process of an external check did.
#[derive(Debug, Default)]
pub struct BatchResult {
    pub exit_code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// What the tool wrote to its report file (`{report}` in the command).
    pub report: Option<Vec<u8>>,
    pub modified: Vec<String>,
    /// Set when the check could not run or was stopped (not found, timeout, signal).
    pub error: Option<String>,
    /// What ward killed after the tool exited or timed out: processes it left running.
    pub leftovers: Option<String>,
}

pub struct Batch<'a> {
    pub root: &'a Path,
    pub command: &'a [String],
    pub args: &'a [&'a FileEntry],
    /// Files whose content is compared before and after (the batch's, or the check's for a
    /// whole-project check).
    pub watched: &'a [&'a FileEntry],
    pub env: &'a [(String, String)],
    pub timeout: Option<Duration>,
    /// Its standard output is a report to parse: keep more of it.
    pub parsed: bool,
    /// Run through this prefix, inside a container.
    pub container: Option<&'a Container>,
    /// Below this PHP_VERSION_ID, one file per process.
    pub one_file_below_php: Option<u32>,
}

/// A report larger than this is not read (a tool gone wrong must not exhaust memory).
const MAX_REPORT: u64 = 64 << 20;

pub fn run_batch(batch: &Batch) -> BatchResult {
    let before: Vec<Before> = batch.watched.iter().map(|f| Before::take(batch.root, &f.rel)).collect();
    let one_per_call =
        batch.args.len() > 1 && batch.one_file_below_php.is_some_and(|min| php_version(batch).is_some_and(|v| v < min));
    let mut result = if one_per_call {
        let mut all = BatchResult::default();
        for file in batch.args {
            let one = run_once(batch, std::slice::from_ref(file));
            if one.exit_code.is_some_and(|c| all.exit_code.is_none_or(|old| c.abs() > old.abs())) {
                all.exit_code = one.exit_code;
            }
            all.stdout.extend(one.stdout);
            all.stderr.extend(one.stderr);
            all.leftovers = match (all.leftovers.take(), one.leftovers) {
                (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                (a, b) => a.or(b),
            };
            if one.error.is_some() {
                all.error = one.error;
                break;
            }
        }
        all
    } else {
        run_once(batch, batch.args)
    };
    result.modified = batch
        .watched
        .iter()
        .zip(before)
        .filter(|(f, before)| before.changed(batch.root, &f.rel))
        .map(|(f, _)| f.path.clone())
        .collect();
    result
}

fn run_once(batch: &Batch, files: &[&FileEntry]) -> BatchResult {
    let report = match batch.command.iter().any(|w| w.contains(REPORT_PLACEHOLDER)) {
        true => match ReportFile::create(batch.root, batch.container.is_some()) {
            Ok(report) => Some(report),
            Err(e) => {
                return BatchResult {
                    error: Some(format!("cannot create a report file: {e}")),
                    ..BatchResult::default()
                }
            }
        },
        false => None,
    };
    let words: Vec<String> = match &report {
        Some(report) => batch.command.iter().map(|w| w.replace(REPORT_PLACEHOLDER, &report.shown)).collect(),
        None => batch.command.to_vec(),
    };
    let file_args: Vec<OsString> = files.iter().map(|f| safe_arg(&f.rel)).collect();
    let (program, rest): (String, Vec<OsString>) = match batch.container {
        Some(container) => {
            let mut full = container::command(container, batch.root, &words, batch.env, &file_args);
            let program = full.remove(0).to_string_lossy().into_owned();
            (program, full)
        }
        None => {
            let Some((program, rest)) = words.split_first() else {
                return BatchResult { error: Some("empty command".into()), ..BatchResult::default() };
            };
            (program.clone(), rest.iter().map(OsString::from).chain(file_args).collect())
        }
    };
    let resolved = match resolve(&program, batch.root) {
        Ok(path) => path,
        Err(message) => return BatchResult { error: Some(message), ..BatchResult::default() },
    };
    let mut cmd = Command::new(&resolved);
    cmd.current_dir(batch.root).args(&rest);
    cmd.env("WARD", "1");
    for (key, value) in batch.env {
        cmd.env(key, value);
    }
    let head = if batch.parsed { super::capture::PARSED_HEAD } else { super::capture::HEAD };
    let finished = match process::run(cmd, batch.timeout, head) {
        Ok(finished) => finished,
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
            return BatchResult { error: Some("interrupted".into()), ..BatchResult::default() }
        }
        Err(e) => {
            return BatchResult {
                error: Some(format!("{}: could not start: {e}", resolved.display())),
                ..BatchResult::default()
            }
        }
    };
    let Finished { code, signal, mut stdout, mut stderr, timed_out, leftovers } = finished;
    let leftovers = (!leftovers.is_empty()).then(|| {
        let n = leftovers.len();
        let what = if n == 1 { "process" } else { "processes" };
        let note = format!("stopped {n} {what} this check left running: {}", leftovers.join(", "));
        if !stderr.is_empty() && !stderr.ends_with(b"\n") {
            stderr.push(b'\n');
        }
        stderr.extend_from_slice(format!("[ward: {note}]\n").as_bytes());
        note
    });
    let mut error = if timed_out {
        Some(format!("timed out after {}", humantime::format_duration(batch.timeout.unwrap_or_default())))
    } else if process::interrupted() {
        Some("interrupted".to_string())
    } else {
        signal.map(|s| format!("killed by signal {s}"))
    };
    let mut report_text = report.map(ReportFile::take);
    if let Some(container) = batch.container {
        error = error.or_else(|| container::not_running(container, code, &stderr));
        stdout = container::output_to_repo(container, &stdout);
        stderr = container::output_to_repo(container, &stderr);
        report_text = report_text.map(|r| r.map(|text| container::output_to_repo(container, &text)));
    }
    BatchResult {
        exit_code: code,
        stdout,
        stderr,
        report: report_text.flatten(),
        modified: Vec::new(),
        error,
        leftovers,
    }
}

/// A file a tool writes its report to: created empty by ward (never through a symlink), read
/// and removed after the run.
struct ReportFile {
    path: PathBuf,
    /// The path as the command names it.
    shown: String,
}

impl ReportFile {
    fn create(root: &Path, in_container: bool) -> std::io::Result<ReportFile> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        // A container sees the repository, not this machine's temporary directory.
        let dir = if in_container && root.join(".git").is_dir() {
            let dir = root.join(".git/ward/tmp");
            std::fs::create_dir_all(&dir)?;
            dir
        } else {
            std::env::temp_dir()
        };
        let name = format!("ward-report-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = dir.join(name);
        std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
        let shown = path.to_string_lossy().into_owned();
        Ok(ReportFile { path, shown })
    }

    /// The report, when the tool wrote one.
    fn take(self) -> Option<Vec<u8>> {
        let text = match std::fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.is_file() && meta.len() > 0 && meta.len() <= MAX_REPORT => std::fs::read(&self.path).ok(),
            _ => None,
        };
        let _ = std::fs::remove_file(&self.path);
        text
    }
}

/// The PHP_VERSION_ID of the `php` the command runs (through the container prefix too), asked
/// once per command.
fn php_version(batch: &Batch) -> Option<u32> {
    static SEEN: Mutex<Vec<(Vec<String>, Option<u32>)>> = Mutex::new(Vec::new());
    let program = batch.command.first()?.clone();
    let mut key = batch.container.map(|c| c.prefix.clone()).unwrap_or_default();
    key.push(program.clone());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, version)) = seen.iter().find(|(k, _)| *k == key) {
        return *version;
    }
    let words = vec![program, "-r".to_string(), "echo PHP_VERSION_ID;".to_string()];
    let full: Vec<String> = match batch.container {
        Some(c) => container::command(c, batch.root, &words, &[], &[])
            .into_iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect(),
        None => words,
    };
    let version = (|| {
        let resolved = resolve(full.first()?, batch.root).ok()?;
        let mut cmd = Command::new(resolved);
        cmd.current_dir(batch.root).args(&full[1..]);
        let done = process::run(cmd, Some(Duration::from_secs(30)), super::capture::HEAD).ok()?;
        String::from_utf8_lossy(&done.stdout).trim().parse::<u32>().ok()
    })();
    seen.push((key, version));
    version
}

/// A file name that starts with `-` goes to the tool as `./-name`, so no tool reads it as an option.
fn safe_arg(rel: &Path) -> OsString {
    if rel.as_os_str().as_bytes().starts_with(b"-") {
        let mut arg = OsString::from("./");
        arg.push(rel.as_os_str());
        arg
    } else {
        rel.as_os_str().to_owned()
    }
}

/// Finds a program in the project (`vendor/bin`, `node_modules/.bin`) before `PATH`.
pub fn resolve(program: &str, root: &Path) -> Result<PathBuf, String> {
    if program.contains('/') {
        let path = root.join(program);
        return match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Ok(path),
            _ => Err(format!("{program}: command not found (no such file in {})", root.display())),
        };
    }
    let mut dirs = vec![root.join("vendor/bin"), root.join("node_modules/.bin")];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    let search = std::env::join_paths(dirs).map_err(|e| e.to_string())?;
    which::which_in(program, Some(search), root).map_err(|_| {
        let hint = crate::config::presets::install_hint(program).map(|h| install_advice(h, root)).unwrap_or_default();
        format!("{program}: {NOT_FOUND}; looked in vendor/bin, node_modules/.bin and PATH{hint}")
    })
}

/// Part of every "program not found" error, so the runner can add how to skip the check.
pub const NOT_FOUND: &str = "command not found";

/// composer.json is read only up to this size for the hint.
const MAX_COMPOSER_JSON: u64 = 4 * 1024 * 1024;

/// `; install it with ...`, or `composer install` when composer.json already requires the
/// package (the dependencies were never installed, or vendor/ is stale).
fn install_advice(hint: &str, root: &Path) -> String {
    let package = hint
        .strip_prefix("composer require --dev ")
        .or_else(|| hint.strip_prefix("composer require "))
        .and_then(|rest| rest.split_whitespace().next());
    if let Some(package) = package.filter(|p| composer_requires(root, p)) {
        return format!("; composer.json already requires {package}: run `composer install`");
    }
    format!("; install it with `{hint}`")
}

fn composer_requires(root: &Path, package: &str) -> bool {
    // Never through a link, and bounded: composer.json comes with the pull request.
    let rel = Path::new("composer.json");
    let small = crate::worktree_fs::lstat(root, rel)
        .is_ok_and(|m| m.kind == crate::worktree_fs::Kind::File && m.size <= MAX_COMPOSER_JSON);
    let Some(json) = small
        .then(|| crate::worktree_fs::read(root, rel).ok())
        .flatten()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
    else {
        return false;
    };
    ["require", "require-dev"].iter().any(|section| json.get(section).and_then(|s| s.get(package)).is_some())
}
