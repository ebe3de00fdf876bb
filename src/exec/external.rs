//! Runs one batch of an external check: resolves the program, spawns it, sees what it changed.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::select::FileEntry;

use super::fingerprint::Before;
use super::process::{self, Finished};

/// What one process of an external check did.
#[derive(Debug, Default)]
pub struct BatchResult {
    pub exit_code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
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
}

pub fn run_batch(batch: &Batch) -> BatchResult {
    let Some((program, rest)) = batch.command.split_first() else {
        return BatchResult { error: Some("empty command".into()), ..BatchResult::default() };
    };
    let resolved = match resolve(program, batch.root) {
        Ok(path) => path,
        Err(message) => return BatchResult { error: Some(message), ..BatchResult::default() },
    };
    let before: Vec<Before> = batch.watched.iter().map(|f| Before::take(&batch.root.join(&f.rel))).collect();
    let mut cmd = Command::new(&resolved);
    cmd.current_dir(batch.root).args(rest).args(batch.args.iter().map(|f| safe_arg(&f.rel)));
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
    let modified = batch
        .watched
        .iter()
        .zip(before)
        .filter(|(f, before)| before.changed(&batch.root.join(&f.rel)))
        .map(|(f, _)| f.path.clone())
        .collect();
    let Finished { code, signal, stdout, mut stderr, timed_out, leftovers } = finished;
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
    let error = if timed_out {
        Some(format!("timed out after {}", humantime::format_duration(batch.timeout.unwrap_or_default())))
    } else if process::interrupted() {
        Some("interrupted".to_string())
    } else {
        signal.map(|s| format!("killed by signal {s}"))
    };
    BatchResult { exit_code: code, stdout, stderr, modified, error, leftovers }
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
        let hint = crate::config::presets::install_hint(program)
            .map(|h| format!("; install it with `{h}`"))
            .unwrap_or_default();
        format!("{program}: command not found; looked in vendor/bin, node_modules/.bin and PATH{hint}")
    })
}
