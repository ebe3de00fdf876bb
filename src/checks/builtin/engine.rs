//! Runs built-in checks: content checks with one read per file, path checks once per run.

// Keys and paths are hashed by the million on a large run; FxHash is several times
// faster than SipHash there, and collision attacks on a linter's own maps do not apply.
use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use super::aws::{AwsEnvironment, SecretMatcher};
use super::fileio::{self, Loaded, MAX_CONTENT_BYTES};
use super::sink::Sink;
use super::{
    bom, branch, branch_name, case_conflict, commit_message, composer_lock, conventional_commit, end_of_file,
    forbid_patterns, gitkeep, json, large_files, line_endings, merge_conflict, private_key, shebangs, submodules,
    symlinks, ticket_reference, toml_syntax, windows_names, xml, yaml, Builtin,
};
use crate::outcome::{Diagnostic, Severity};
use crate::repo::added::AddedLines;
use crate::repo::index::IndexEntry;
use crate::repo::index::{self, RawChange};
use crate::repo::Repo;
use crate::select::messages::Messages;
use crate::select::{FileEntry, Selection};

/// Whether fixers may write. `Check` never writes a byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Fix,
    Check,
}

/// A fact computed on first use; an error is kept as text so every check that needs the fact
/// reports the same failure.
type Lazy<T> = OnceLock<Result<T, String>>;

/// What the built-ins of one run share: where to look, and facts about the repository that are
/// computed at most once per run, and only if a check needs them.
pub struct Context<'a> {
    pub root: &'a Path,
    pub repo: Option<&'a Repo>,
    pub mode: Mode,
    pub selection: &'a Selection,
    aws_environment: AwsEnvironment,
    index_modes: Lazy<HashMap<PathBuf, u32>>,
    staged_modes: Lazy<HashMap<PathBuf, u32>>,
    changes: Lazy<Vec<RawChange>>,
    branch: Lazy<Option<String>>,
    messages: Option<&'a Messages>,
    /// The branch that branch rules judge when it is not the checked-out one (`Some(None)`:
    /// none, as for a pushed tag).
    subject_branch: Option<Option<&'a str>>,
    added: Lazy<AddedLines>,
}

impl<'a> Context<'a> {
    pub fn new(root: &'a Path, repo: Option<&'a Repo>, mode: Mode, selection: &'a Selection) -> Self {
        Context {
            root,
            repo,
            mode,
            selection,
            aws_environment: AwsEnvironment::from_process(),
            index_modes: OnceLock::new(),
            staged_modes: OnceLock::new(),
            changes: OnceLock::new(),
            branch: OnceLock::new(),
            messages: None,
            subject_branch: None,
            added: OnceLock::new(),
        }
    }

    /// The commit messages this run checks, and the branch the branch rules judge (the pushed
    /// branch, a pull request's source) when it is not the checked-out one.
    pub fn with_messages(mut self, messages: Option<&'a Messages>, branch: Option<Option<&'a str>>) -> Self {
        self.messages = messages;
        self.subject_branch = branch;
        self
    }

    pub(crate) fn messages(&self) -> Option<&'a Messages> {
        self.messages
    }

    /// The branch named for this run, else the checked-out one.
    pub(crate) fn subject_branch(&self) -> Result<Option<&str>, String> {
        match self.subject_branch {
            Some(branch) => Ok(branch),
            None => self.branch(),
        }
    }

    /// The lines staged (`None`) or added in a range, per path; asked of git once per run.
    pub(crate) fn added_lines(&self, range: Option<(&str, &str)>) -> Result<&AddedLines, String> {
        let Some(repo) = self.repo else { return Err("finding the added lines needs a git repository".into()) };
        let added =
            self.added.get_or_init(|| crate::repo::added::added_lines(repo, range).map_err(|e| format!("{e:#}")));
        added.as_ref().map_err(Clone::clone)
    }

    /// Replaces the environment `detect-aws-credentials` reads (`HOME` and the `AWS_*` variables),
    /// which `new` captures from the process.
    pub fn with_aws_environment(mut self, environment: AwsEnvironment) -> Self {
        self.aws_environment = environment;
        self
    }

    pub(crate) fn aws_environment(&self) -> &AwsEnvironment {
        &self.aws_environment
    }

    /// `core.fileMode`: when false, the index rather than the file system says what is executable.
    pub(crate) fn core_file_mode(&self) -> bool {
        self.repo.is_none_or(Repo::core_file_mode)
    }

    /// The index mode of `rel`; `None` when it is not in the index or there is no repository.
    pub(crate) fn index_mode(&self, rel: &Path) -> Result<Option<u32>, String> {
        let Some(repo) = self.repo else { return Ok(None) };
        // A staged file's index mode is in the staged diff the run already has: a commit's checks
        // need no listing of the whole index.
        if *self.selection == Selection::Staged {
            let staged = self.staged_modes.get_or_init(|| {
                let changes = repo.staged_changes().map_err(|e| format!("{e:#}"))?;
                Ok(changes.iter().filter(|c| c.status != b'D').map(|c| (c.path.clone(), c.new_mode)).collect())
            });
            let staged = staged.as_ref().map_err(Clone::clone)?;
            if rel.as_os_str().is_empty() {
                return Ok(None);
            }
            if let Some(mode) = staged.get(rel) {
                return Ok(Some(*mode));
            }
        }
        let modes = self.index_modes.get_or_init(|| {
            let entries = repo.index_entries().map_err(|e| format!("{e:#}"))?;
            let mut modes = HashMap::with_capacity_and_hasher(entries.len(), Default::default());
            for entry in entries.iter() {
                // During a merge the first stage listed stands for the path.
                modes.entry(entry.path.clone()).or_insert(entry.mode);
            }
            Ok(modes)
        });
        modes.as_ref().map(|m| m.get(rel).copied()).map_err(Clone::clone)
    }

    /// The changes this run is about: `from...to` for a range, else what is staged.
    pub(crate) fn changes(&self) -> Result<&[RawChange], String> {
        let Some(repo) = self.repo else { return Ok(&[]) };
        let changes = self.changes.get_or_init(|| {
            let changes = match self.selection {
                Selection::Range { from, to } => index::range_changes(repo, from, to),
                _ => repo.staged_changes().map(|c| c.as_ref().clone()),
            };
            changes.map_err(|e| format!("{e:#}"))
        });
        changes.as_deref().map_err(Clone::clone)
    }

    /// Every index entry (each path once but during a merge); `None` outside a repository.
    /// Shared with the rest of the run, never copied: a large index is costly to duplicate.
    pub(crate) fn tracked(&self) -> Result<Option<Arc<Vec<IndexEntry>>>, String> {
        let Some(repo) = self.repo else { return Ok(None) };
        repo.index_entries().map(Some).map_err(|e| format!("{e:#}"))
    }

    /// The checked-out branch; `None` on a detached HEAD or outside a repository.
    pub(crate) fn branch(&self) -> Result<Option<&str>, String> {
        let Some(repo) = self.repo else { return Ok(None) };
        let branch = self.branch.get_or_init(|| index::head_branch(repo).map_err(|e| format!("{e:#}")));
        branch.as_ref().map(Option::as_deref).map_err(Clone::clone)
    }
}

/// What one check produced over all its files.
#[derive(Clone, Debug, Default)]
pub struct CheckResult {
    pub diagnostics: Vec<Diagnostic>,
    /// Repository-relative paths this check rewrote (fix mode).
    pub modified: Vec<String>,
    /// Why the check could not run at all.
    pub error: Option<String>,
}

impl CheckResult {
    pub(crate) fn failed_to_run(message: impl Into<String>) -> Self {
        CheckResult { error: Some(message.into()), ..CheckResult::default() }
    }
}

/// One file and the content checks that apply to it.
pub struct ContentTarget<'a> {
    pub file: &'a FileEntry,
    /// Indices into the `checks` given to [`run_content`], ascending (config order).
    pub checks: Vec<usize>,
}

/// Per-check state prepared once per call, before any file is read.
enum Prepared {
    Ready,
    Aws(SecretMatcher),
    /// Nothing to scan for; the result is already decided.
    Done(CheckResult),
}

/// What one file contributed: diagnostics and whether it was rewritten, per check index.
#[derive(Default)]
struct FileOutcome {
    diagnostics: Vec<(usize, Vec<Diagnostic>)>,
    modified_by: Vec<usize>,
}

/// Results kept from earlier runs (the result cache), asked before a file is checked.
pub trait Recall: Sync {
    /// The diagnostics of each of `active` (indices into the run's checks) on target number
    /// `target`, when every one is known; `content` is the file's bytes once they were read.
    fn recall(&self, target: usize, active: &[usize], content: Option<&[u8]>) -> Recalled;
    /// Called after `active` checked target number `target` and left its `content` as it was.
    fn keep(&self, target: usize, active: &[usize], content: Option<&[u8]>, diagnostics: &[Vec<Diagnostic>]);
}

pub enum Recalled {
    Known(Vec<Vec<Diagnostic>>),
    Unknown,
    /// Known only from the file's bytes: ask again once they are read.
    NeedsContent,
}

/// No results kept: every file is checked.
pub struct NoRecall;

impl Recall for NoRecall {
    fn recall(&self, _: usize, _: &[usize], _: Option<&[u8]>) -> Recalled {
        Recalled::Unknown
    }
    fn keep(&self, _: usize, _: &[usize], _: Option<&[u8]>, _: &[Vec<Diagnostic>]) {}
}

/// Content built-ins over many files. Each file is read once; every applicable check scans the
/// buffer in config order, fixers compose on that buffer (a later check sees what earlier
/// fixers wrote, exactly as if they ran one after another), and a changed file is written once.
/// Returns one result per entry of `checks`.
pub fn run_content(ctx: &Context, checks: &[&Builtin], targets: &[ContentTarget]) -> Vec<CheckResult> {
    run_content_with(ctx, checks, targets, &NoRecall)
}

/// [`run_content`], skipping the files whose results `recall` already knows.
pub fn run_content_with(
    ctx: &Context,
    checks: &[&Builtin],
    targets: &[ContentTarget],
    recall: &dyn Recall,
) -> Vec<CheckResult> {
    let prepared: Vec<Prepared> = checks.iter().map(|check| prepare(ctx, check)).collect();
    let outcomes: Vec<FileOutcome> = targets
        .par_iter()
        .enumerate()
        .map(|(t, target)| process_file(ctx, checks, &prepared, target, (t, recall)))
        .collect();
    let mut results: Vec<CheckResult> = prepared
        .into_iter()
        .map(|p| match p {
            Prepared::Done(result) => result,
            _ => CheckResult::default(),
        })
        .collect();
    for (target, outcome) in targets.iter().zip(outcomes) {
        for (index, diagnostics) in outcome.diagnostics {
            results[index].diagnostics.extend(diagnostics);
        }
        for index in outcome.modified_by {
            results[index].modified.push(target.file.path.clone());
        }
    }
    results
}

fn prepare(ctx: &Context, check: &Builtin) -> Prepared {
    match check {
        Builtin::DetectAwsCredentials { credentials_files, allow_missing } => {
            let env = ctx.aws_environment();
            let secrets = env.secrets(ctx.root, credentials_files);
            match (SecretMatcher::new(&secrets), allow_missing) {
                (Some(matcher), _) => Prepared::Aws(matcher),
                (None, true) => Prepared::Done(CheckResult::default()),
                (None, false) => Prepared::Done(CheckResult::failed_to_run(format!(
                    "no AWS secrets are configured, so there is nothing to look for (searched {}); \
                     set `allow_missing_credentials = true` to pass anyway, or list your credentials \
                     file in `credentials_files`",
                    env.searched(ctx.root, credentials_files)
                ))),
            }
        }
        Builtin::CheckExecutablesHaveShebangs if ctx.core_file_mode() => Prepared::Ready,
        Builtin::CheckExecutablesHaveShebangs | Builtin::CheckShebangScriptsAreExecutable => {
            // Query the index up front so a git failure is one error, not one per file.
            match ctx.index_mode(Path::new("")) {
                Ok(_) => Prepared::Ready,
                Err(err) => Prepared::Done(CheckResult::failed_to_run(err)),
            }
        }
        _ => Prepared::Ready,
    }
}

fn process_file(
    ctx: &Context,
    checks: &[&Builtin],
    prepared: &[Prepared],
    target: &ContentTarget,
    (t, recall): (usize, &dyn Recall),
) -> FileOutcome {
    let file = target.file;
    let active: Vec<usize> = target
        .checks
        .iter()
        .copied()
        .filter(|&i| !matches!(prepared[i], Prepared::Done(_)) && wants(ctx, checks[i], file))
        .collect();
    let mut outcome = FileOutcome::default();
    if active.is_empty() {
        return outcome;
    }
    let recalled = recall.recall(t, &active, None);
    if let Recalled::Known(known) = recalled {
        return known_outcome(&active, known);
    }
    let mut bytes = match fileio::load(ctx.root, &file.rel, file.size) {
        Ok(Loaded::Text(bytes)) => bytes,
        Ok(Loaded::NotRegular | Loaded::Missing) => return outcome,
        Ok(Loaded::TooLarge(size)) => {
            let message = format!(
                "skipped: {} MiB is over the {} MiB limit for content checks",
                size / (1024 * 1024),
                MAX_CONTENT_BYTES / (1024 * 1024)
            );
            for &i in &active {
                let mut sink = Sink::new(&file.path, checks[i].name());
                sink.warning(message.clone());
                outcome.diagnostics.push((i, sink.finish()));
            }
            return outcome;
        }
        Err(err) => {
            for &i in &active {
                let mut sink = Sink::new(&file.path, checks[i].name());
                sink.file_error(format!("could not read the file: {err}"));
                outcome.diagnostics.push((i, sink.finish()));
            }
            return outcome;
        }
    };
    let needs_content = matches!(recalled, Recalled::NeedsContent);
    if needs_content {
        if let Recalled::Known(known) = recall.recall(t, &active, Some(&bytes)) {
            return known_outcome(&active, known);
        }
    }
    let mut found = Vec::with_capacity(active.len());
    for &i in &active {
        let mut sink = Sink::new(&file.path, checks[i].name());
        if scan(ctx, checks[i], &prepared[i], file, &mut bytes, &mut sink) {
            outcome.modified_by.push(i);
        }
        found.push(sink.finish());
    }
    if outcome.modified_by.is_empty() {
        // A fixer that left the file alone found it clean: worth keeping, unlike a rewrite,
        // whose result belongs to content that no longer exists.
        recall.keep(t, &active, needs_content.then_some(bytes.as_slice()), &found);
    }
    for (&i, diagnostics) in active.iter().zip(found) {
        if !diagnostics.is_empty() {
            outcome.diagnostics.push((i, diagnostics));
        }
    }
    if ctx.mode == Mode::Fix && !outcome.modified_by.is_empty() {
        if let Err(err) = fileio::replace(ctx.root, &file.rel, &bytes) {
            // "removed trailing whitespace" did not happen: only the failure is true.
            for (i, diagnostics) in &mut outcome.diagnostics {
                if outcome.modified_by.contains(i) {
                    diagnostics.retain(|d| d.severity != Severity::Info);
                }
            }
            outcome.diagnostics.retain(|(_, diagnostics)| !diagnostics.is_empty());
            for i in std::mem::take(&mut outcome.modified_by) {
                let mut sink = Sink::new(&file.path, checks[i].name());
                sink.file_error(format!("could not write the fixed file: {err}"));
                outcome.diagnostics.push((i, sink.finish()));
            }
        }
    }
    outcome
}

fn known_outcome(active: &[usize], known: Vec<Vec<Diagnostic>>) -> FileOutcome {
    let diagnostics = active.iter().copied().zip(known).filter(|(_, d)| !d.is_empty()).collect();
    FileOutcome { diagnostics, modified_by: Vec::new() }
}

/// A cheap test before reading: can `check` have anything to say about `file`?
fn wants(ctx: &Context, check: &Builtin, file: &FileEntry) -> bool {
    match check {
        Builtin::CheckExecutablesHaveShebangs => shebangs::counts_as_executable(ctx, file),
        Builtin::CheckJson => json::applies_to(&file.path),
        _ => true,
    }
}

/// Runs one content check over the buffer; true when a fixer changed it (fix mode only).
fn scan(
    ctx: &Context,
    check: &Builtin,
    prepared: &Prepared,
    file: &FileEntry,
    buf: &mut Vec<u8>,
    sink: &mut Sink,
) -> bool {
    let fixing = ctx.mode == Mode::Fix;
    match check {
        Builtin::TrailingWhitespace(options) => {
            let markdown = options.keeps_hard_breaks(file);
            if !fixing {
                options.check(buf, markdown, sink);
                return false;
            }
            let fixed = options.fix(buf, markdown);
            if let Some(fixed) = fixed {
                let message = format!("removed trailing whitespace from {} line(s)", fixed.lines);
                sink.info(Some(fixed.first_line), message);
            }
            fixed.is_some()
        }
        Builtin::EndOfFileFixer if fixing => note(sink, end_of_file::fix(buf)),
        Builtin::EndOfFileFixer => {
            end_of_file::check(buf, sink);
            false
        }
        Builtin::MixedLineEnding(mode) if fixing && check.is_fixer() => note(sink, line_endings::fix(*mode, buf)),
        Builtin::MixedLineEnding(mode) => {
            line_endings::check(*mode, buf, sink);
            false
        }
        Builtin::FixByteOrderMarker if fixing => {
            if bom::undecodable(buf, sink) {
                return false;
            }
            let fixed = bom::fix(buf);
            if fixed {
                sink.info(Some(1), "removed the UTF-8 byte-order marker");
            }
            fixed
        }
        Builtin::FixByteOrderMarker => {
            if !bom::undecodable(buf, sink) {
                bom::check(buf, sink);
            }
            false
        }
        _ => {
            inspect(ctx, check, prepared, file, buf, sink);
            false
        }
    }
}

/// The checks that only read.
fn inspect(ctx: &Context, check: &Builtin, prepared: &Prepared, file: &FileEntry, buf: &[u8], sink: &mut Sink) {
    match (check, prepared) {
        (Builtin::CheckMergeConflict, _) => merge_conflict::check(buf, sink),
        (Builtin::DetectPrivateKey, _) => private_key::check(buf, sink),
        (Builtin::DetectAwsCredentials { .. }, Prepared::Aws(matcher)) => matcher.check(buf, sink),
        (Builtin::CheckExecutablesHaveShebangs, _) => shebangs::check_has_shebang(ctx, buf, sink),
        (Builtin::CheckShebangScriptsAreExecutable, _) => shebangs::check_is_executable(ctx, file, buf, sink),
        (Builtin::CheckJson, _) => json::check(buf, sink),
        (Builtin::CheckYaml(options), _) => yaml::check(options, buf, sink),
        (Builtin::CheckXml, _) => xml::check(buf, sink),
        (Builtin::CheckToml { toml_1_1 }, _) => toml_syntax::check(buf, *toml_1_1, sink),
        _ => {}
    }
}

fn note(sink: &mut Sink, fixed: Option<(u32, String)>) -> bool {
    match fixed {
        Some((line, message)) => {
            sink.info(Some(line), message);
            true
        }
        None => false,
    }
}

/// A Paths-scope built-in over its selected files (an empty slice when `pass_files()` is false).
pub fn run_paths(ctx: &Context, check: &Builtin, files: &[&FileEntry]) -> CheckResult {
    let result = match check {
        Builtin::CheckAddedLargeFiles { max_kb, enforce_all } => large_files::run(ctx, *max_kb, *enforce_all, files),
        Builtin::CheckCaseConflict => case_conflict::run(ctx, files),
        Builtin::CheckIllegalWindowsNames => Ok(windows_names::run(files)),
        Builtin::CheckSymlinks => Ok(symlinks::run_broken(ctx, files)),
        Builtin::DestroyedSymlinks => symlinks::run_destroyed(ctx, files),
        Builtin::ForbidNewSubmodules => submodules::run(ctx),
        Builtin::ForbidGitkeepRemoval => gitkeep::run(ctx),
        Builtin::NoCommitToBranch(options) => branch::run(ctx, options),
        Builtin::ConventionalCommit(options) => conventional_commit::run(ctx, options),
        Builtin::CommitMessage(options) => commit_message::run(ctx, options),
        Builtin::TicketReference(options) => ticket_reference::run(ctx, options),
        Builtin::BranchName(options) => branch_name::run(ctx, options),
        Builtin::ForbidPatterns(options) => forbid_patterns::run(ctx, options, files),
        Builtin::ComposerLock => composer_lock::run(ctx, files),
        _ => Err(format!("`{}` scans file contents; it runs through run_content", check.name())),
    };
    result.unwrap_or_else(CheckResult::failed_to_run)
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
