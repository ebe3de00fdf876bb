//! `ward run`: select files, plan, execute, report.

use std::collections::HashSet;
use std::time::Instant;

use anyhow::{bail, Context as _, Result};

use crate::cli::{Format, RunArgs, Stage};
use crate::config::{suggest, Config};
use crate::exec::{self, process};
use crate::exit::ExitStatus;
use crate::outcome::{Report, Status};
use crate::plan::{self, Mode, Request};
use crate::printer::{Printer, Stream};
use crate::repo::Repo;
use crate::report::guide;
use crate::report::human::{self, Verbosity};
use crate::report::progress::{self, Progress};
use crate::safe;
use crate::select::{self, Selection, Source};

use super::Workspace;

pub fn run(args: &RunArgs) -> Result<ExitStatus> {
    let started = Instant::now();
    let early = crate::repo::Early { message_settings: args.message.is_some() };
    let ws = Workspace::discover_with(early)?;
    let status = run_in(&ws, args, started);
    // The process ends now: freeing a 13,000-entry index entry by entry would cost a warm run
    // more than a millisecond that the kernel's unmapping does not.
    std::mem::forget(ws);
    status
}

/// `ward run` in a workspace found already (the hooks call it once per pushed ref).
pub fn run_in(ws: &Workspace, args: &RunArgs, started: Instant) -> Result<ExitStatus> {
    if args.format == Format::Github {
        crate::printer::escape::set_github_commands();
    }
    process::install_signal_handlers().context("cannot install signal handlers")?;
    // With a machine format on standard output, people's text goes to standard error.
    let machine_on_stdout = args.format != Format::Human && !crate::report::has_plain_output(&args.output);
    let printer = Printer::new(args.config.color, if machine_on_stdout { Stream::Stderr } else { Stream::Stdout });
    let message_file = super::message_input::message_file(args)?;
    let mut selection = match &message_file {
        // Commands of the message stages get the message file, as git gives it to hooks.
        Some((path, _)) => Selection::Files(vec![path.clone()]),
        None => selection(args, ws.repo.as_ref(), &printer)?,
    };
    match (&ws.repo, &selection) {
        // A commit always needs the staged list: git works on it while the config loads.
        (Some(repo), Selection::Staged) => repo.prefetch(crate::repo::Prefetch { staged: true, ..Default::default() }),
        // And a run over every file the index, read while the config loads and the cache opens.
        (Some(repo), Selection::All) => repo.prefetch(crate::repo::Prefetch { index_file: true, ..Default::default() }),
        _ => {}
    }
    let config = ws.load_config(args.config.config.as_deref(), &printer)?;
    let mut only = args.checks.clone();
    if let (Selection::Files(paths), None) = (&mut selection, &message_file) {
        split_check_ids(paths, &mut only, &config, &ws.cwd)?;
    }
    check_ids(&config, &only)?;
    let stage = args.stage.unwrap_or(if args.ci {
        Stage::Ci
    } else if args.message.is_some() {
        Stage::CommitMsg
    } else {
        Stage::Manual
    });
    let (messages, branch) = super::message_input::messages_and_branch(
        args,
        message_file.as_ref().map(|(path, _)| path.as_path()),
        ws.repo.as_ref(),
        &config,
        &selection,
        stage,
    )?;
    let skip = skipped(args);
    // A message file is new on every commit: no result is worth looking up or keeping, and
    // opening the cache would cost a message check more than the check itself.
    let cache = if args.no_cache || message_file.is_some() {
        None
    } else {
        super::cache_dir(args.cache_dir.as_deref(), &ws.cwd, ws.repo.as_ref())
            .map(|dir| crate::cache::Cache::open(&dir, config.settings.cache_max_size))
    };
    let session = Session {
        ws,
        config: &config,
        printer: &printer,
        verbosity: if args.quiet {
            Verbosity::Quiet
        } else if args.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        },
        jobs: args
            .jobs
            .filter(|j| *j > 0)
            .or(Some(config.settings.jobs).filter(|j| *j > 0))
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        stage,
        skip: &skip,
        fail_fast: args.fail_fast || config.settings.fail_fast,
        shard: args.shard,
        put_back: std::sync::Mutex::new(PutBack::default()),
        check_lines: true,
        cache: cache.as_ref(),
        messages: messages.as_ref(),
        branch: branch.as_ref().map(Option::as_deref),
    };
    let fixers: HashSet<String> = config.checks.iter().filter(|c| c.is_fixer()).map(|c| c.id.clone()).collect();

    let (report, check_mode) = if args.fix {
        (fix_then_check(&session, &selection, &only, &fixers)?, true)
    } else {
        let mode = if args.check || args.ci { Mode::Check } else { Mode::Fix };
        (session.execute(&selection, &only, mode)?, mode == Mode::Check)
    };
    let report = Report {
        summary: crate::outcome::Summary { duration_ms: started.elapsed().as_millis() as u64, ..report.summary },
        ..report
    };
    if let Some(cache) = &cache {
        for warning in cache.finish() {
            printer.line(&format!("{} {warning}", crate::printer::Styles::paint(printer.styles.skipped, "warning:")));
        }
    }
    let put_back = session.put_back.into_inner().unwrap_or_else(|e| e.into_inner());
    let guide = guide::Context {
        fixers: &fixers,
        check_mode,
        selection_args: &selection_args(&selection),
        dropped: &put_back.dropped,
        partially_staged: &put_back.partially_staged,
    };
    printer.write(&guide::render(&report, &guide, &printer.styles));
    write_reports(args, &report)?;
    if process::interrupted() {
        printer.line("interrupted: running checks were stopped");
        return Ok(ExitStatus::Interrupted);
    }
    Ok(if report.is_success() { ExitStatus::Success } else { ExitStatus::Failure })
}

/// Every check of `stage` (or those in `only`) over every file, in check mode, with no
/// baseline applied: what `ward baseline` records.
pub(super) fn report_all(config_args: &crate::cli::ConfigArgs, stage: Stage, only: &[String]) -> Result<Report> {
    process::install_signal_handlers().context("cannot install signal handlers")?;
    let ws = Workspace::discover()?;
    let printer = Printer::new(config_args.color, Stream::Stdout);
    let mut config = ws.load_config(config_args.config.as_deref(), &printer)?;
    config.baseline = None;
    check_ids(&config, only)?;
    let skip = HashSet::new();
    let session = Session {
        ws: &ws,
        config: &config,
        printer: &printer,
        verbosity: Verbosity::Quiet,
        jobs: Some(config.settings.jobs)
            .filter(|j| *j > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        stage,
        skip: &skip,
        fail_fast: false,
        shard: None,
        put_back: std::sync::Mutex::new(PutBack::default()),
        check_lines: false,
        // No commit messages over every file; the branch is the checked-out one.
        messages: None,
        branch: None,
        // Recorded findings come from running the tools, not from a cache.
        cache: None,
    };
    let report = session.execute(&Selection::All, only, Mode::Check)?;
    if process::interrupted() {
        bail!("interrupted: nothing was recorded");
    }
    Ok(report)
}

/// What stays the same across the passes of one `ward run`.
struct Session<'a> {
    ws: &'a Workspace,
    config: &'a Config,
    printer: &'a Printer,
    verbosity: Verbosity,
    jobs: usize,
    stage: Stage,
    skip: &'a HashSet<String>,
    fail_fast: bool,
    shard: Option<crate::select::shard::Shard>,
    /// What staged mode's put-back said, over every pass of the run.
    put_back: std::sync::Mutex<PutBack>,
    /// Print a line per check as it finishes (not for `ward baseline`, which sums up instead).
    check_lines: bool,
    cache: Option<&'a crate::cache::Cache>,
    messages: Option<&'a crate::select::messages::Messages>,
    branch: Option<Option<&'a str>>,
}

/// Fixes that were dropped (with the check that made them) and partially staged files.
#[derive(Default)]
struct PutBack {
    dropped: Vec<(String, String)>,
    partially_staged: Vec<String>,
}

impl Session<'_> {
    /// Selects the files, plans, runs the checks with their lines printed as they finish.
    fn execute(&self, selection: &Selection, only: &[String], mode: Mode) -> Result<Report> {
        let started = Instant::now();
        let (ws, config, printer) = (self.ws, self.config, self.printer);
        // A run over every file may be answered whole, asking git nothing more: what the checks
        // would ask is asked only when they are to run.
        let prefetch = || {
            if let Some(repo) = &ws.repo {
                repo.prefetch(git_facts(config, selection));
            }
        };
        if *selection != Selection::All {
            prefetch();
        }
        // Staged mode sets partially staged files aside so that the checks see exactly the commit;
        // `finish` (or, on an error or a panic, dropping the guard) puts them back.
        let guard = safe::Guard::begin(ws.repo.as_ref(), selection, config, printer)?;
        let looked = self.look(selection, only, mode);
        if let (Some(cache), Some(repo)) = (self.cache, &ws.repo) {
            if let Some(mut report) = exec::run_record::recall(repo, cache, &looked) {
                self.print_lines(&report);
                report.summary.duration_ms = started.elapsed().as_millis() as u64;
                return Ok(report);
            }
        }
        if *selection == Selection::All {
            prefetch();
        }
        if let Some(report) = self.answer_from_index_report(&looked, selection, mode, started)? {
            return Ok(report);
        }
        let source = match &ws.repo {
            Some(repo) => Source::Git(repo),
            None => Source::Dir(&ws.root),
        };
        let mut files = select::select_known(&source, selection, &ws.cwd, looked.stats.as_ref())
            .map_err(|e| shallow_advice(e, ws.repo.as_ref(), selection))?;
        if self.stage == Stage::Ci && *selection != Selection::All && config.checks.iter().any(|c| c.ci_all_files) {
            // Checks with `ci_all_files` see every file; the others still see only the selection.
            select::add_unselected(&mut files, &select::select(&source, &Selection::All, &ws.cwd)?);
        }
        say_what_was_selected(selection, &files, config, printer);
        let outcomes = self.run_checks(&files, selection, only, mode, true)?;
        let (mut outcomes, counts) = outcomes;
        let put_back = guard.finish(config, &files, &outcomes, printer)?;
        let mut seen = self.put_back.lock().unwrap_or_else(|e| e.into_inner());
        for outcome in &mut outcomes {
            // A dropped fix left the user's version in place: the file was not fixed.
            outcome.modified_files.retain(|path| {
                let dropped = put_back.dropped.contains(path);
                if dropped {
                    seen.dropped.push((path.clone(), outcome.id.clone()));
                }
                !dropped
            });
        }
        seen.partially_staged.extend(put_back.partially_staged);
        drop(seen);
        let mut report = Report::new(outcomes, started.elapsed().as_millis() as u64);
        let checks = report.checks.iter().filter(|c| c.cache.is_some()).count();
        report.summary.cache = counts.filter(|_| checks > 0).map(|(files, from_cache)| crate::outcome::CacheSummary {
            checks,
            files,
            from_cache,
            whole_run: false,
            rechecked: None,
        });
        if let (Some(key), Some(cache), Some(repo), true) =
            (&looked.key, self.cache, &ws.repo, looked.changed.is_empty())
        {
            // Kept only if every file is still as it was: one changed while the checks ran may
            // be in the report with its new content.
            let after = self.look(selection, only, mode);
            if !process::interrupted() && after.key.as_ref() == Some(key) {
                exec::run_record::keep(repo, cache, &after, &report, &files);
            }
        }
        Ok(report)
    }

    /// A run over every file, a few of which differ from the index, answered from the index's
    /// report with only those files checked (see `exec::run_delta`).
    fn answer_from_index_report(
        &self,
        looked: &exec::run_record::Looked,
        selection: &Selection,
        mode: Mode,
        started: Instant,
    ) -> Result<Option<Report>> {
        let (Some(cache), Some(repo), Some(known)) = (self.cache, &self.ws.repo, &looked.stats) else {
            return Ok(None);
        };
        if self.fail_fast {
            return Ok(None);
        }
        let Some((base, tags)) = exec::run_record::recall_base(repo, cache, looked) else { return Ok(None) };
        // The index's report was made by this very run (its key holds the checks asked for).
        let ids: Vec<String> = base.checks.iter().map(|c| c.id.clone()).collect();
        let Some(delta) =
            exec::run_delta::prepare(self.config, &ids, base, &looked.changed, &tags, known, &self.ws.root)
        else {
            return Ok(None);
        };
        let files = select::FileSet { files: delta.files.clone(), extra: 0 };
        let (fresh, counts) = if delta.checks.is_empty() {
            (Vec::new(), None)
        } else {
            self.run_checks(&files, selection, &delta.checks, mode, false)?
        };
        let report = exec::run_delta::merge(delta, fresh, counts, started.elapsed().as_millis() as u64);
        self.print_lines(&report);
        Ok(Some(report))
    }

    /// Each check's line, for a report made at once rather than check by check.
    fn print_lines(&self, report: &Report) {
        let printer = self.printer;
        let width = human::line_width(report.checks.iter().map(|c| c.name.chars().count()), printer.width);
        for outcome in &report.checks {
            if self.check_lines {
                printer.write(&human::render_check(outcome, width, &printer.styles, self.verbosity));
            }
        }
    }

    /// Plans and runs the checks over `files`; `shown` prints each check's line as it finishes.
    fn run_checks(
        &self,
        files: &select::FileSet,
        selection: &Selection,
        only: &[String],
        mode: Mode,
        shown: bool,
    ) -> Result<exec::Executed> {
        let (ws, config, printer) = (self.ws, self.config, self.printer);
        let request = Request {
            stage: self.stage,
            only,
            skip: self.skip,
            mode,
            jobs: self.jobs,
            arg_limit: arg_limit(),
            shard: self.shard,
            has_messages: self.messages.is_some(),
        };
        let plan = plan::plan(config, files, &request);
        if plan.checks.is_empty() && shown {
            printer.line(&format!("no checks for the {} stage", self.stage.name()));
        }
        let width =
            human::line_width(plan.checks.iter().map(|c| config.checks[c.check].name.chars().count()), printer.width);
        let live = shown && progress::live_allowed(printer) && self.verbosity != Verbosity::Quiet;
        let progress = Progress::new(printer, live, plan.checks.iter().filter(|c| c.skip.is_none()).count());
        let names: Vec<&str> = plan.checks.iter().map(|c| config.checks[c.check].name.as_str()).collect();
        let on_start = |planned: usize| progress.started(names[planned]);
        let on_done = |outcome: &crate::outcome::CheckOutcome| {
            let line = if self.check_lines && shown {
                human::render_check(outcome, width, &printer.styles, self.verbosity)
            } else {
                String::new()
            };
            progress.finished(&outcome.name, &line);
        };
        let run = exec::Run {
            config,
            files,
            plan: &plan,
            root: &ws.root,
            repo: ws.repo.as_ref(),
            selection,
            mode,
            jobs: self.jobs,
            fail_fast: self.fail_fast,
            stage: self.stage,
            messages: self.messages,
            branch: self.branch,
            on_start: Some(&on_start),
            cache: self.cache,
        };
        let done = std::sync::atomic::AtomicBool::new(false);
        let executed = std::thread::scope(|scope| {
            if progress.is_live() {
                scope.spawn(|| {
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        progress.tick();
                    }
                });
            }
            let outcomes = exec::execute(&run, &on_done);
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            outcomes
        })?;
        progress.clear();
        Ok(executed)
    }

    /// Every tracked file looked at once, when a run over every file may be answered whole.
    fn look(&self, selection: &Selection, only: &[String], mode: Mode) -> exec::run_record::Looked {
        let (Some(repo), Some(_), Selection::All, None) = (&self.ws.repo, self.cache, selection, self.shard) else {
            return exec::run_record::Looked::default();
        };
        let ask = exec::run_record::Ask { stage: self.stage, only, skip: self.skip, mode, fail_fast: self.fail_fast };
        exec::run_record::look(repo, self.config, &ask)
    }
}

/// An empty selection is not silent: nothing staged, or every given file excluded by
/// `[settings] exclude`.
fn say_what_was_selected(selection: &Selection, files: &select::FileSet, config: &Config, printer: &Printer) {
    let subtle = |text: &str| printer.line(&crate::printer::Styles::paint(printer.styles.subtle, text));
    let selected = &files.files[..files.selected()];
    match selection {
        Selection::Staged if selected.is_empty() => {
            subtle("nothing is staged: `git add` the files to commit, or `ward run --all` to check every file");
        }
        Selection::Files(_) if selected.is_empty() => {
            subtle("the paths given hold no file to check (a directory is walked without what .gitignore ignores)");
        }
        Selection::Files(_) => {
            let Some(exclude) = &config.settings.exclude else { return };
            let excluded = selected.iter().filter(|f| exclude.is_match(&f.path)).count();
            if excluded == 0 {
                return;
            }
            let patterns = exclude.patterns.join(", ");
            subtle(&if excluded == selected.len() {
                format!(
                    "every file given ({excluded}) is excluded by [settings] exclude ({patterns}): no check sees them"
                )
            } else {
                format!(
                    "{excluded} of the {} files given are excluded by [settings] exclude ({patterns})",
                    selected.len()
                )
            });
        }
        _ => {}
    }
}

/// What the run will ask git, to ask it all at once at the start rather than one after another.
fn git_facts(config: &Config, selection: &Selection) -> crate::repo::Prefetch {
    let staged = *selection == Selection::Staged;
    let mut want = crate::repo::Prefetch { staged, ..Default::default() };
    for check in &config.checks {
        if let crate::config::CheckKind::Builtin(builtin) = &check.kind {
            let facts = builtin.git_facts();
            want.staged |= facts.staged && !matches!(selection, Selection::Range { .. });
            // A commit's staged files carry their index modes in the staged diff, and only its
            // added paths are compared for case: the whole index is rarely needed then.
            want.index |= facts.index && !staged;
            want.file_mode |= facts.file_mode;
        }
    }
    want
}

/// `ward run --fix [CHECK...]`: the fixers fix, then every check looks again at the files they
/// touched, and what is left is the result.
fn fix_then_check(
    session: &Session,
    selection: &Selection,
    only: &[String],
    fixers: &HashSet<String>,
) -> Result<Report> {
    let wanted: Vec<String> = session
        .config
        .checks
        .iter()
        .filter(|c| fixers.contains(&c.id) && (only.is_empty() || only.contains(&c.id)))
        .map(|c| c.id.clone())
        .collect();
    if wanted.is_empty() {
        bail!("none of the checks asked for can fix: fixers are built-in fixers and checks with `fix = \"...\"`");
    }
    let fixed = session.execute(selection, &wanted, Mode::Fix)?;
    let touched: Vec<std::path::PathBuf> = fixed
        .checks
        .iter()
        .flat_map(|c| &c.modified_files)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|p| session.ws.root.join(p))
        .collect();
    let styles = &session.printer.styles;
    {
        let put_back = session.put_back.lock().unwrap_or_else(|e| e.into_inner());
        let none = HashSet::new();
        let ctx = guide::Context {
            fixers: &none,
            check_mode: false,
            selection_args: "",
            dropped: &put_back.dropped,
            partially_staged: &put_back.partially_staged,
        };
        session.printer.write(&guide::fixed_section(&fixed, &ctx, styles));
    }
    if touched.is_empty() || process::interrupted() {
        // A fixer that failed without fixing (a file it cannot parse) has not passed.
        let note = if fixed.is_success() {
            "\nnothing was left to fix"
        } else {
            "\nnothing was fixed; what is left needs you:"
        };
        session.printer.line(note);
        return Ok(fixed);
    }
    let again = match touched.len() {
        1 => "\nchecking the fixed file again:".to_string(),
        n => format!("\nchecking the {n} fixed files again:"),
    };
    session.printer.line(&crate::printer::Styles::paint(styles.bold, &again));
    let checked = session.execute(&Selection::Files(touched), only, Mode::Check)?;
    Ok(keep_what_fixing_could_not(fixed, checked))
}

/// The check after fixing sees only the fixed files: what the fix pass found that no fixer can
/// fix (a file the tool could not parse, a tool that could not run) stays in the result.
fn keep_what_fixing_could_not(fixed: Report, checked: Report) -> Report {
    let duration = fixed.summary.duration_ms + checked.summary.duration_ms;
    let mut checks = checked.checks;
    for before in fixed.checks {
        let unfixable: Vec<_> = before.diagnostics.iter().filter(|d| d.is_syntax_error()).cloned().collect();
        if before.status != Status::Error && unfixable.is_empty() {
            continue;
        }
        match checks.iter_mut().find(|c| c.id == before.id) {
            Some(after) if before.status != Status::Error => {
                for d in unfixable {
                    if !after.diagnostics.contains(&d) {
                        after.diagnostics.push(d);
                    }
                }
                if after.status == Status::Passed {
                    after.status = Status::Failed;
                }
            }
            Some(after) => *after = before,
            None => checks.push(before),
        }
    }
    Report::new(checks, duration)
}

fn selection(args: &RunArgs, repo: Option<&Repo>, printer: &Printer) -> Result<Selection> {
    Ok(if args.all {
        Selection::All
    } else if !args.files.is_empty() {
        Selection::Files(args.files.clone())
    } else if let Some(from) = &args.from_ref {
        Selection::Range { from: from.clone(), to: args.to_ref.clone() }
    } else if args.ci {
        let repo = repo.context("--ci needs a git repository")?;
        let (from, to, explanation) = super::ci_range(repo)?;
        printer.line(&format!("checking the files changed in {from}...{to} ({explanation})"));
        Selection::Range { from, to }
    } else {
        Selection::Staged
    })
}

/// A range that git cannot resolve in a shallow clone gets the exact fetch command to run.
fn shallow_advice(err: anyhow::Error, repo: Option<&Repo>, selection: &Selection) -> anyhow::Error {
    let (Some(repo), Selection::Range { from, .. }) = (repo, selection) else { return err };
    if !repo.is_shallow() {
        return err;
    }
    err.context(crate::ci::shallow_fetch_advice(from, "origin"))
}

/// The flags that select the same files again, for the fix command the guide suggests.
fn selection_args(selection: &Selection) -> String {
    let quote = |s: &str| shlex::try_quote(s).map_or_else(|_| s.to_string(), |q| q.into_owned());
    match selection {
        Selection::Staged => String::new(),
        Selection::All => " --all".to_string(),
        Selection::Files(paths) => {
            let paths: Vec<String> = paths.iter().map(|p| quote(&p.to_string_lossy())).collect();
            format!(" --files {}", paths.join(" "))
        }
        Selection::Range { from, to } if to == "HEAD" => format!(" --from-ref {}", quote(from)),
        Selection::Range { from, to } => format!(" --from-ref {} --to-ref {}", quote(from), quote(to)),
    }
}

/// `--skip` and the comma-separated `SKIP` variable, as pre-commit users know it.
fn skipped(args: &RunArgs) -> HashSet<String> {
    let env = std::env::var("SKIP").unwrap_or_default();
    args.skip
        .iter()
        .map(String::as_str)
        .chain(env.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `--files` takes every word after it, so `--files src/Kernel.php php-lint` ends its paths at
/// the first word that is a check id and not a path that exists; the rest are check ids.
fn split_check_ids(
    paths: &mut Vec<std::path::PathBuf>,
    only: &mut Vec<String>,
    config: &Config,
    cwd: &std::path::Path,
) -> Result<()> {
    let known: Vec<&str> = config.checks.iter().map(|c| c.id.as_str()).collect();
    let is_id = |p: &std::path::PathBuf| p.to_str().is_some_and(|s| known.contains(&s)) && !cwd.join(p).exists();
    if let Some(at) = paths.iter().position(is_id) {
        let ids: Vec<String> = paths.drain(at..).map(|p| p.to_string_lossy().into_owned()).collect();
        only.splice(0..0, ids);
        if paths.is_empty() {
            bail!("--files needs a path before the check ids: `ward run {} --files PATH...`", only.join(" "));
        }
    }
    for path in paths.iter() {
        if cwd.join(path).symlink_metadata().is_ok() {
            continue;
        }
        let word = path.to_string_lossy();
        let hint = match suggest(&word, &known) {
            Some(id) => {
                format!("; did you mean the check `{id}`? Check ids go before --files: `ward run {id} --files PATH...`")
            }
            None => "; check ids go before --files: `ward run CHECK_ID --files PATH...`".to_string(),
        };
        bail!("cannot check {}: no such file or directory{hint}", word.escape_debug());
    }
    Ok(())
}

fn check_ids(config: &Config, ids: &[String]) -> Result<()> {
    let known: Vec<&str> = config.checks.iter().map(|c| c.id.as_str()).collect();
    for id in ids {
        if !known.contains(&id.as_str()) {
            let hint = suggest(id, &known).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
            bail!("no check with id `{id}` in the configuration{hint} (`ward list` shows them)");
        }
    }
    Ok(())
}

/// Writes every machine report asked for; the GitHub format also fills the job summary.
fn write_reports(args: &RunArgs, report: &Report) -> Result<()> {
    if !crate::report::has_plain_output(&args.output) {
        if let Some(text) = crate::report::render(args.format, report) {
            if args.format == Format::Github {
                crate::printer::escape::settle_before_commands();
            }
            Printer::new(crate::cli::ColorChoice::Never, Stream::Stdout).write_report(&text);
        }
    }
    super::write_outputs(&args.output, args.format, report)?;
    let github = args.format == Format::Github || args.output.iter().any(|o| o.starts_with("github="));
    if github {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            use std::io::Write as _;
            let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).with_context(|| {
                format!("cannot open $GITHUB_STEP_SUMMARY ({})", std::path::Path::new(&path).display())
            })?;
            file.write_all(crate::report::github::step_summary(report).as_bytes())?;
        }
    }
    Ok(())
}

/// The bytes a command line may take: the system's limit less the environment and a margin.
fn arg_limit() -> usize {
    let system =
        nix::unistd::sysconf(nix::unistd::SysconfVar::ARG_MAX).ok().flatten().map_or(128 * 1024, |v| v as usize);
    let environment: usize =
        std::env::vars_os().map(|(k, v)| k.len() + v.len() + 2 + std::mem::size_of::<usize>()).sum();
    system.saturating_sub(environment).saturating_sub(8 * 1024).max(4 * 1024)
}
