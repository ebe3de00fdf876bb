//! Runs the plan: jobs in parallel up to `--jobs`, in dependency order, results per check.

pub mod capture;
pub mod container;
pub mod external;
pub mod fingerprint;
pub mod memo;
pub mod process;
pub mod run_delta;
pub mod run_record;

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use crate::checks::builtin::engine::{self, CheckResult, ContentTarget};
use crate::cli::Stage;
use crate::config::presets::{Exit, Verdict};
use crate::config::{Check, CheckKind, Config};
use crate::outcome::{CheckOutcome, Diagnostic, Severity, Status};
use crate::plan::{JobKind, Mode, Plan};
use crate::repo::Repo;
use crate::select::{FileEntry, FileSet, Selection};

use external::{Batch, BatchResult};

/// Everything a run needs to execute its plan.
pub struct Run<'a> {
    pub config: &'a Config,
    pub files: &'a FileSet,
    pub plan: &'a Plan,
    pub root: &'a Path,
    pub repo: Option<&'a Repo>,
    pub selection: &'a Selection,
    pub mode: Mode,
    pub jobs: usize,
    pub fail_fast: bool,
    pub stage: Stage,
    /// The commit messages of the run, for the message built-ins.
    pub messages: Option<&'a crate::select::messages::Messages>,
    /// The branch the branch rules judge instead of the checked-out one (see `engine::Context`).
    pub branch: Option<Option<&'a str>>,
    /// Told the planned index of each check as its first job starts (live progress).
    pub on_start: Option<&'a (dyn Fn(usize) + Sync)>,
    /// The result cache, unless `--no-cache`.
    pub cache: Option<&'a crate::cache::Cache>,
}

/// What an external job produced: the tool's run (unless every result was known) and the
/// results replayed from the cache.
#[derive(Default)]
struct ExternalOutput {
    batch: Option<BatchResult>,
    diagnostics: Vec<Diagnostic>,
    verdict: Option<Verdict>,
    replayed: Vec<crate::cache::Stored>,
}

/// Called once per planned check, in config order, as soon as it and every check before it
/// have finished: the reporter prints from here.
pub type OnDone<'a> = dyn Fn(&CheckOutcome) + Sync + 'a;

enum JobOutput {
    External(ExternalOutput),
    Builtins(Vec<(usize, CheckResult)>),
    Cancelled,
}

#[derive(Default)]
struct Acc {
    started: Option<Instant>,
    ended: Option<Instant>,
    exit_code: Option<i32>,
    /// Every batch's output, bounded as one process's is.
    output: capture::Capture,
    modified: Vec<String>,
    diagnostics: Vec<Diagnostic>,
    errors: Vec<String>,
    /// The tool's exit code, read by its preset's rules, says the code has problems.
    failed_by_exit: bool,
    ran: bool,
    cancelled: bool,
    /// Findings past [`MAX_DIAGNOSTICS`], counted, and whether any of them was an error.
    left_out: usize,
    left_out_errors: bool,
}

/// The findings one check keeps: enough for anyone to work through, few enough that a tool
/// reporting a million lines does not cost gigabytes in every report.
const MAX_DIAGNOSTICS: usize = 5_000;

/// The note that stands for findings past [`MAX_DIAGNOSTICS`].
fn left_out_note(count: usize, errors: bool) -> Diagnostic {
    let severity = if errors { Severity::Error } else { Severity::Warning };
    let note = format!(
        "{count} more findings were left out: ward keeps the first {MAX_DIAGNOSTICS} of a check; run the tool \
         itself to see them all"
    );
    Diagnostic { path: None, ..Diagnostic::error("", note) }.with_severity(severity)
}

/// Keeps the first [`MAX_DIAGNOSTICS`] of a check's findings, as a run does, with the note.
pub fn keep_first(diagnostics: &mut Vec<Diagnostic>) {
    if diagnostics.len() <= MAX_DIAGNOSTICS {
        return;
    }
    let past = diagnostics.split_off(MAX_DIAGNOSTICS);
    let errors = past.iter().any(|d| d.severity == Severity::Error);
    diagnostics.push(left_out_note(past.len(), errors));
}

impl Acc {
    fn add_diagnostics(&mut self, found: Vec<Diagnostic>) {
        let room = MAX_DIAGNOSTICS.saturating_sub(self.diagnostics.len());
        let mut found = found.into_iter();
        self.diagnostics.extend(found.by_ref().take(room));
        for d in found {
            self.left_out += 1;
            self.left_out_errors |= d.severity == Severity::Error;
        }
    }
}

struct State {
    waiting_on: Vec<usize>,
    dependents: Vec<Vec<usize>>,
    jobs_left: Vec<usize>,
    acc: Vec<Acc>,
    outcomes: Vec<Option<CheckOutcome>>,
    next_to_report: usize,
    stop: bool,
}

struct Shared<'a> {
    run: &'a Run<'a>,
    ctx: engine::Context<'a>,
    memo: Option<memo::Memo<'a>>,
    state: Mutex<State>,
    on_done: &'a OnDone<'a>,
}

/// The outcomes, and `(files seen by caching checks, files answered wholly from the cache)`.
pub type Executed = (Vec<CheckOutcome>, Option<(usize, usize)>);

/// Executes the plan and returns one outcome per planned check, in config order, with the
/// files seen by caching checks and how many of them came wholly from the cache.
pub fn execute(run: &Run, on_done: &OnDone) -> anyhow::Result<Executed> {
    let plan = run.plan;
    let mut dependents = vec![Vec::new(); plan.jobs.len()];
    for (j, job) in plan.jobs.iter().enumerate() {
        for &d in &job.deps {
            dependents[d].push(j);
        }
    }
    let mut jobs_left = vec![0; plan.checks.len()];
    for j in 0..plan.jobs.len() {
        for c in plan.job_checks(j) {
            jobs_left[c] += 1;
        }
    }
    let engine_mode = match run.mode {
        Mode::Fix => engine::Mode::Fix,
        Mode::Check => engine::Mode::Check,
    };
    let shared = Shared {
        run,
        ctx: engine::Context::new(run.root, run.repo, engine_mode, run.selection)
            .with_messages(run.messages, run.branch),
        memo: run.cache.map(|cache| memo::Memo::new(run, cache, run.repo.and_then(|r| r.read_index().ok()))),
        state: Mutex::new(State {
            waiting_on: plan.jobs.iter().map(|j| j.deps.len()).collect(),
            dependents,
            jobs_left,
            acc: (0..plan.checks.len()).map(|_| Acc::default()).collect(),
            outcomes: vec![None; plan.checks.len()],
            next_to_report: 0,
            stop: false,
        }),
        on_done,
    };
    {
        // Checks with no job (skipped before running) are final right away.
        let mut state = lock(&shared.state);
        for c in 0..plan.checks.len() {
            if state.jobs_left[c] == 0 {
                finish_check(&shared, &mut state, c);
            }
        }
    }
    if plan.jobs.iter().all(|job| is_instant(run, &job.kind)) {
        // Message rules take microseconds: starting worker threads would cost more than running
        // them one after another here, in config order.
        let mut ready: std::collections::VecDeque<usize> =
            (0..plan.jobs.len()).filter(|&j| plan.jobs[j].deps.is_empty()).collect();
        while let Some(job) = ready.pop_front() {
            ready.extend(run_and_record(&shared, job));
        }
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            // Never more workers than jobs.
            .num_threads(run.jobs.clamp(1, plan.jobs.len().max(1)))
            .thread_name(|i| format!("ward-job-{i}"))
            .build()?;
        // FIFO keeps config order as the start order, which --fail-fast and people expect.
        pool.scope_fifo(|scope| {
            let ready: Vec<usize> = (0..plan.jobs.len()).filter(|&j| plan.jobs[j].deps.is_empty()).collect();
            for j in ready {
                spawn(scope, &shared, j);
            }
        });
    }
    let counts = shared.memo.as_ref().map(memo::Memo::file_counts);
    let state = shared.state.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok((state.outcomes.into_iter().flatten().collect(), counts))
}

fn lock<'m>(m: &'m Mutex<State>) -> std::sync::MutexGuard<'m, State> {
    // A panic in one job must not hide every other check's result.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn spawn<'s>(scope: &rayon::ScopeFifo<'s>, shared: &'s Shared<'s>, job: usize) {
    scope.spawn_fifo(move |scope| {
        for d in run_and_record(shared, job) {
            spawn(scope, shared, d);
        }
    });
}

/// Runs `job`, records its output, and returns the jobs it leaves ready to start.
fn run_and_record(shared: &Shared, job: usize) -> Vec<usize> {
    let stop = lock(&shared.state).stop || process::interrupted();
    let checks = shared.run.plan.job_checks(job);
    let started = Instant::now();
    let mut first_starts = Vec::new();
    {
        let mut state = lock(&shared.state);
        for &c in &checks {
            if state.acc[c].started.is_none() && !stop {
                first_starts.push(c);
            }
            state.acc[c].started.get_or_insert(started);
        }
    }
    if let Some(on_start) = shared.run.on_start {
        first_starts.into_iter().for_each(on_start);
    }
    let output = if stop { JobOutput::Cancelled } else { run_job(shared, job) };
    let mut state = lock(&shared.state);
    record(shared, &mut state, job, output);
    for c in checks {
        state.jobs_left[c] -= 1;
        if state.jobs_left[c] == 0 {
            finish_check(shared, &mut state, c);
        }
    }
    let dependents = std::mem::take(&mut state.dependents[job]);
    let mut ready = Vec::new();
    for d in dependents {
        state.waiting_on[d] -= 1;
        if state.waiting_on[d] == 0 {
            ready.push(d);
        }
    }
    drop(state);
    ready
}

fn run_job(shared: &Shared, job: usize) -> JobOutput {
    let run = shared.run;
    let plan = run.plan;
    let entries = |ids: &[usize]| -> Vec<&FileEntry> { ids.iter().map(|&i| &run.files.files[i]).collect() };
    match &plan.jobs[job].kind {
        JobKind::External { planned, files } => {
            let pc = &plan.checks[*planned];
            let check = &run.config.checks[pc.check];
            let CheckKind::External(external) = &check.kind else {
                return JobOutput::Cancelled;
            };
            if let Some(why) = &external.unusable {
                let batch = BatchResult { error: Some(why.clone()), ..BatchResult::default() };
                return JobOutput::External(ExternalOutput { batch: Some(batch), ..ExternalOutput::default() });
            }
            let command = match run.mode {
                Mode::Fix => external.fix.as_ref().unwrap_or(&external.run),
                Mode::Check => &external.run,
            };
            let watched_ids = if check.pass_files { files.clone() } else { pc.files.clone() };
            let go = |args: &[usize]| {
                let args = entries(args);
                let watched = if check.pass_files { args.clone() } else { entries(&watched_ids) };
                run_external(run, external, command, check, &args, &watched)
            };
            let Some(memo) = shared.memo.as_ref() else { return JobOutput::External(go(files)) };
            if memo.is_project(*planned) {
                let key = memo.project_key(job, *planned, files);
                if let Some(stored) = key.as_ref().and_then(|k| memo.project_get(*planned, k, &watched_ids)) {
                    return JobOutput::External(ExternalOutput { replayed: vec![stored], ..ExternalOutput::default() });
                }
                let out = go(files);
                if let (Some(key), Some(batch)) = (&key, &out.batch) {
                    let clean_run = batch.error.is_none() && batch.modified.is_empty();
                    if let (true, Some(verdict @ (Verdict::Pass | Verdict::Fail))) = (clean_run, &out.verdict) {
                        let stored = crate::cache::Stored {
                            diagnostics: out.diagnostics.clone(),
                            exit_code: batch.exit_code,
                            failed: *verdict == Verdict::Fail,
                            output: joined_output(batch),
                        };
                        memo.project_put(*planned, key, &stored);
                    }
                }
                return JobOutput::External(out);
            }
            if !memo.is_per_file(*planned) {
                return JobOutput::External(go(files));
            }
            let (known, to_run) = memo.split(job, *planned, files);
            if to_run.is_empty() {
                return JobOutput::External(ExternalOutput { replayed: known, ..ExternalOutput::default() });
            }
            let run_files: Vec<usize> = to_run.iter().map(|(f, _)| *f).collect();
            let mut out = go(&run_files);
            if let Some(batch) = &out.batch {
                let failed = match &out.verdict {
                    Some(Verdict::Pass) => Some(false),
                    Some(Verdict::Fail) => Some(true),
                    _ => None,
                };
                memo.keep_batch(*planned, &to_run, batch, &out.diagnostics, failed, external.format.is_some());
            }
            out.replayed = known;
            JobOutput::External(out)
        }
        JobKind::Content { planned } => {
            let builtins: Vec<_> = planned.iter().filter_map(|&p| builtin_of(run, p)).collect();
            let mut per_file: Vec<Vec<usize>> = vec![Vec::new(); run.files.files.len()];
            for (k, &p) in planned.iter().enumerate() {
                for &f in &plan.checks[p].files {
                    // One allocation per file, not one per growth.
                    if per_file[f].is_empty() {
                        per_file[f].reserve_exact(planned.len());
                    }
                    per_file[f].push(k);
                }
            }
            let chosen: Vec<(usize, Vec<usize>)> =
                per_file.into_iter().enumerate().filter(|(_, checks)| !checks.is_empty()).collect();
            let order: Vec<usize> = chosen.iter().map(|(f, _)| *f).collect();
            let targets: Vec<ContentTarget> =
                chosen.into_iter().map(|(f, checks)| ContentTarget { file: &run.files.files[f], checks }).collect();
            let results = match shared.memo.as_ref() {
                Some(memo) => {
                    let recall = memo.content(job, planned, order);
                    let results = engine::run_content_with(&shared.ctx, &builtins, &targets, &recall);
                    recall.finish();
                    results
                }
                None => engine::run_content(&shared.ctx, &builtins, &targets),
            };
            JobOutput::Builtins(planned.iter().copied().zip(results).collect())
        }
        JobKind::Paths { planned } => {
            let Some(builtin) = builtin_of(run, *planned) else {
                return JobOutput::Cancelled;
            };
            let pc = &plan.checks[*planned];
            let files = if run.config.checks[pc.check].pass_files { entries(&pc.files) } else { Vec::new() };
            JobOutput::Builtins(vec![(*planned, engine::run_paths(&shared.ctx, builtin, &files))])
        }
    }
}

/// Runs one batch, reads its diagnostics, and decides what its exit code means.
fn run_external(
    run: &Run,
    external: &crate::config::External,
    command: &[String],
    check: &Check,
    args: &[&FileEntry],
    watched: &[&FileEntry],
) -> ExternalOutput {
    let batch = external::run_batch(&Batch {
        root: run.root,
        command,
        args,
        watched,
        env: &check.env,
        timeout: check.timeout,
        parsed: external.format.is_some(),
        container: external.container.as_ref(),
        one_file_below_php: external.one_file_below_php,
    });
    let diagnostics = match &external.format {
        Some(format) => {
            // With a report file, the tool's own output is the second stream a parser reads.
            let (report, rest) = match &batch.report {
                Some(report) => (report.as_slice(), [batch.stdout.as_slice(), &batch.stderr].concat()),
                None => (batch.stdout.as_slice(), batch.stderr.clone()),
            };
            let mut found = crate::outcome::parse::parse(format, report, &rest, run.root);
            if let Some(c) = &external.container {
                for d in &mut found {
                    d.path = d.path.take().map(|p| container::to_repo(c, &p));
                }
            }
            found
        }
        None => Vec::new(),
    };
    let verdict = match (batch.exit_code, &batch.error) {
        (Some(code), None) => {
            let stdout = String::from_utf8_lossy(&batch.stdout);
            let stderr = String::from_utf8_lossy(&batch.stderr);
            let findings = diagnostics.len();
            let exit = Exit { fixing: run.mode == Mode::Fix, findings, ..Exit::new(code, &stdout, &stderr) };
            Some(external.exit.verdict(&exit))
        }
        _ => None,
    };
    ExternalOutput { batch: Some(batch), diagnostics, verdict, replayed: Vec::new() }
}

pub(crate) fn joined_output(batch: &BatchResult) -> String {
    let mut output = capture::Capture::default();
    append_output(&mut output, &batch.stdout);
    append_output(&mut output, &batch.stderr);
    String::from_utf8_lossy(&output.into_bytes()).into_owned()
}

/// A job of a built-in that reads no file, only the commit messages in memory.
fn is_instant(run: &Run, kind: &JobKind) -> bool {
    matches!(kind, JobKind::Paths { planned } if builtin_of(run, *planned).is_some_and(|b| b.reads_messages()))
}

fn builtin_of<'a>(run: &'a Run, planned: usize) -> Option<&'a crate::checks::builtin::Builtin> {
    match &run.config.checks[run.plan.checks[planned].check].kind {
        CheckKind::Builtin(b) => Some(b),
        CheckKind::External(_) => None,
    }
}

fn record(shared: &Shared, state: &mut State, job: usize, output: JobOutput) {
    let now = Instant::now();
    let run = shared.run;
    let mut failed = false;
    match output {
        JobOutput::Cancelled => {
            for c in run.plan.job_checks(job) {
                state.acc[c].cancelled = true;
            }
        }
        JobOutput::External(out) => {
            let c = run.plan.job_checks(job)[0];
            let acc = &mut state.acc[c];
            acc.ran = true;
            acc.ended = Some(now);
            let merge_code = |acc: &mut Acc, code: i32| {
                // Across batches the code with the largest magnitude is the telling one.
                if acc.exit_code.is_none_or(|old| code.abs() > old.abs()) {
                    acc.exit_code = Some(code);
                }
            };
            for stored in out.replayed {
                if let Some(code) = stored.exit_code {
                    merge_code(acc, code);
                }
                acc.failed_by_exit |= stored.failed;
                append_output(&mut acc.output, stored.output.as_bytes());
                acc.add_diagnostics(stored.diagnostics);
            }
            acc.add_diagnostics(out.diagnostics);
            if let Some(batch) = out.batch {
                if let Some(code) = batch.exit_code {
                    merge_code(acc, code);
                }
                match out.verdict {
                    Some(Verdict::Fail) => acc.failed_by_exit = true,
                    Some(Verdict::ToolError(message)) => acc.errors.push(message),
                    Some(Verdict::Pass) | None => {}
                }
                append_output(&mut acc.output, &batch.stdout);
                append_output(&mut acc.output, &batch.stderr);
                acc.modified.extend(batch.modified);
                let id = &run.config.checks[run.plan.checks[c].check].id;
                acc.errors.extend(batch.error.map(|error| skip_advice(error, id, run.stage)));
                if let Some(note) = batch.leftovers {
                    // Not the code's fault, but worth a look: a tool that leaves processes behind.
                    acc.diagnostics.push(
                        Diagnostic { path: None, ..Diagnostic::error("", note) }.with_severity(Severity::Warning),
                    );
                }
            }
            failed = acc.failed_by_exit || !acc.modified.is_empty() || !acc.errors.is_empty();
        }
        JobOutput::Builtins(results) => {
            for (c, result) in results {
                let acc = &mut state.acc[c];
                acc.ran = true;
                acc.ended = Some(now);
                failed |= result.error.is_some()
                    || !result.modified.is_empty()
                    || result.diagnostics.iter().any(|d| d.severity == Severity::Error);
                acc.add_diagnostics(result.diagnostics);
                acc.modified.extend(result.modified);
                acc.errors.extend(result.error);
            }
        }
    }
    if failed && run.fail_fast {
        state.stop = true;
    }
}

/// A missing tool blocks every commit until it is installed: say how to go without it once
/// (not in CI, where nobody commits).
fn skip_advice(error: String, id: &str, stage: Stage) -> String {
    if stage != Stage::Ci && error.contains(external::NOT_FOUND) && !error.contains("SKIP=") {
        format!("{error}; to commit without it this once: `SKIP={id} git commit`")
    } else {
        error
    }
}

fn append_output(out: &mut capture::Capture, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    if !out.is_empty() && !out.ends_with_newline() {
        out.push(b"\n");
    }
    out.push(bytes);
}

fn finish_check(shared: &Shared, state: &mut State, c: usize) {
    let run = shared.run;
    let pc = &run.plan.checks[c];
    let check = &run.config.checks[pc.check];
    let acc = std::mem::take(&mut state.acc[c]);
    let mut done = outcome(check, &pc.files, pc.skip.clone(), acc, run);
    done.cache = shared.memo.as_ref().and_then(|m| m.usage(c, run));
    state.outcomes[c] = Some(done);
    // Report in config order: flush every finished check at the front of the line.
    while state.next_to_report < state.outcomes.len() {
        let Some(done) = &state.outcomes[state.next_to_report] else {
            break;
        };
        (shared.on_done)(done);
        state.next_to_report += 1;
    }
}

/// A finding in a file outside the selection (phpstan or deptrac reporting a file that depends
/// on a changed one) informs but does not fail the check, in the hook as in CI, unless the check
/// sets `fail_outside_selection`; with every file selected there is no outside.
fn demote_outside_selection(check: &Check, files: &[usize], acc: &mut Acc, run: &Run) {
    let CheckKind::External(external) = &check.kind else { return };
    let note = match run.selection {
        _ if external.fail_outside_selection => return,
        Selection::All => return,
        Selection::Staged => crate::outcome::OUTSIDE_COMMIT,
        Selection::Files(_) => crate::outcome::OUTSIDE_FILES,
        Selection::Range { .. } => crate::outcome::OUTSIDE_CHANGE,
    };
    let mut selected: Vec<&str> = files.iter().map(|&f| run.files.files[f].path.as_str()).collect();
    // Path order is not string order ("a/b" sorts before "a-c" as paths): sort for searching.
    selected.sort_unstable();
    let had_errors = acc.diagnostics.iter().any(|d| d.severity == Severity::Error);
    for d in &mut acc.diagnostics {
        let outside = d.path.as_deref().is_some_and(|p| selected.binary_search(&p).is_err());
        if outside && d.severity == Severity::Error {
            d.severity = Severity::Warning;
            d.message.push_str(note);
        }
    }
    if had_errors && !acc.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        acc.failed_by_exit = false;
    }
}

/// With `stage_fixed` in staged mode the fixes go into the commit (the safe guard stages them),
/// so a fixer that only rewrote files has done its job rather than failed.
fn fixes_are_staged(check: &Check, run: &Run) -> bool {
    run.mode == Mode::Fix
        && *run.selection == Selection::Staged
        && check.stage_fixed.unwrap_or(run.config.settings.stage_fixed)
}

fn outcome(check: &Check, selected: &[usize], skip: Option<String>, mut acc: Acc, run: &Run) -> CheckOutcome {
    let mode = run.mode;
    let files = selected.len();
    // Known findings go first: the baseline holds them as `--all` reported them, without the
    // note a demotion appends.
    if let Some(baseline) = &run.config.baseline {
        baseline.apply(&check.id, &mut acc.diagnostics, &mut acc.failed_by_exit);
    }
    demote_outside_selection(check, selected, &mut acc, run);
    let duration_ms = match (acc.started, acc.ended) {
        (Some(s), Some(e)) => e.saturating_duration_since(s).as_millis() as u64,
        _ => 0,
    };
    acc.modified.sort();
    acc.modified.dedup();
    if acc.left_out > 0 {
        acc.diagnostics.push(left_out_note(acc.left_out, acc.left_out_errors));
    }
    let external = matches!(check.kind, CheckKind::External(_));
    if external && memo::caches_per_file(check) {
        // Results replayed from the cache and fresh ones arrive in no fixed order: by file, the
        // report is the same whichever came from where.
        acc.diagnostics.sort_by(|a, b| a.path.cmp(&b.path));
    }
    let (status, reason) = if let Some(reason) = skip {
        (Status::Skipped, Some(reason))
    } else if !acc.errors.is_empty() && acc.errors.iter().all(|e| e == "interrupted") {
        // Stopped by Ctrl-C: not a verdict on the code.
        (Status::Skipped, Some("interrupted".to_string()))
    } else if !acc.errors.is_empty() {
        acc.errors.dedup();
        (Status::Error, Some(acc.errors.join("; ")))
    } else if acc.cancelled && !acc.ran {
        let why =
            if process::interrupted() { "interrupted" } else { "not run: --fail-fast stopped the run after a failure" };
        (Status::Skipped, Some(why.to_string()))
    } else if external && mode == Mode::Check && !acc.modified.is_empty() {
        (Status::Error, Some("the command modified files although --check forbids writing".to_string()))
    } else if acc.failed_by_exit
        || (!acc.modified.is_empty() && !fixes_are_staged(check, run))
        || acc.diagnostics.iter().any(|d| d.severity == Severity::Error && (!external || d.is_syntax_error()))
    {
        (Status::Failed, None)
    } else {
        (Status::Passed, None)
    };
    CheckOutcome {
        id: check.id.clone(),
        name: check.name.clone(),
        status,
        exit_code: acc.exit_code,
        duration_ms,
        files,
        modified_files: acc.modified,
        output: String::from_utf8_lossy(&acc.output.into_bytes()).into_owned(),
        diagnostics: acc.diagnostics,
        reason,
        cache: None,
    }
}
