//! `ward run`: select files, plan, execute, report.

use std::collections::HashSet;
use std::time::Instant;

use anyhow::{bail, Context as _, Result};

use crate::cli::{Format, RunArgs, Stage};
use crate::config::{suggest, Config};
use crate::exec::{self, process};
use crate::exit::ExitStatus;
use crate::outcome::Report;
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
    run_in(&Workspace::discover()?, args, started)
}

/// `ward run` in a workspace found already (the hooks call it once per pushed ref).
pub fn run_in(ws: &Workspace, args: &RunArgs, started: Instant) -> Result<ExitStatus> {
    process::install_signal_handlers().context("cannot install signal handlers")?;
    // With a machine format on standard output, people's text goes to standard error.
    let machine_on_stdout = args.format != Format::Human && !crate::report::has_plain_output(&args.output);
    let printer = Printer::new(args.config.color, if machine_on_stdout { Stream::Stderr } else { Stream::Stdout });
    let message_file = super::message_input::message_file(args)?;
    let selection = match &message_file {
        // Commands of the message stages get the message file, as git gives it to hooks.
        Some((path, _)) => Selection::Files(vec![path.clone()]),
        None => selection(args, ws.repo.as_ref(), &printer)?,
    };
    if let (Some(repo), Selection::Staged) = (&ws.repo, &selection) {
        // A commit always needs the staged list: git works on it while the config loads.
        repo.prefetch(crate::repo::Prefetch { staged: true, ..Default::default() });
    }
    let config = ws.load_config(args.config.config.as_deref(), &printer)?;
    check_ids(&config, &args.checks)?;
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
    let cache = if args.no_cache {
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
        cache: cache.as_ref(),
        messages: messages.as_ref(),
        branch: branch.as_ref().map(Option::as_deref),
    };
    let fixers: HashSet<String> = config.checks.iter().filter(|c| c.is_fixer()).map(|c| c.id.clone()).collect();

    let (report, check_mode) = if args.fix {
        (fix_then_check(&session, &selection, &args.checks, &fixers)?, true)
    } else {
        let mode = if args.check || args.ci { Mode::Check } else { Mode::Fix };
        (session.execute(&selection, &args.checks, mode)?, mode == Mode::Check)
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
    let guide = guide::Context { fixers: &fixers, check_mode, selection_args: &selection_args(&selection) };
    printer.write(&guide::render(&report, &guide, &printer.styles));
    write_reports(args, &report)?;
    if process::interrupted() {
        printer.line("interrupted: running checks were stopped");
        return Ok(ExitStatus::Interrupted);
    }
    Ok(if report.is_success() { ExitStatus::Success } else { ExitStatus::Failure })
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
    cache: Option<&'a crate::cache::Cache>,
    messages: Option<&'a crate::select::messages::Messages>,
    branch: Option<Option<&'a str>>,
}

impl Session<'_> {
    /// Selects the files, plans, runs the checks with their lines printed as they finish.
    fn execute(&self, selection: &Selection, only: &[String], mode: Mode) -> Result<Report> {
        let started = Instant::now();
        let (ws, config, printer) = (self.ws, self.config, self.printer);
        if let Some(repo) = &ws.repo {
            repo.prefetch(git_facts(config, selection));
        }
        // Staged mode sets partially staged files aside so that the checks see exactly the commit;
        // `finish` (or, on an error or a panic, dropping the guard) puts them back.
        let guard = safe::Guard::begin(ws.repo.as_ref(), selection, config, printer)?;
        let source = match &ws.repo {
            Some(repo) => Source::Git(repo),
            None => Source::Dir(&ws.root),
        };
        let mut files =
            select::select(&source, selection, &ws.cwd).map_err(|e| shallow_advice(e, ws.repo.as_ref(), selection))?;
        if self.stage == Stage::Ci && *selection != Selection::All && config.checks.iter().any(|c| c.ci_all_files) {
            // Checks with `ci_all_files` see every file; the others still see only the selection.
            select::add_unselected(&mut files, &select::select(&source, &Selection::All, &ws.cwd)?);
        }
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
        let plan = plan::plan(config, &files, &request);
        if plan.checks.is_empty() {
            printer.line(&format!("no checks for the {} stage", self.stage.name()));
        }
        let width =
            human::line_width(plan.checks.iter().map(|c| config.checks[c.check].name.chars().count()), printer.width);
        let live = progress::live_allowed(printer) && self.verbosity != Verbosity::Quiet;
        let progress = Progress::new(printer, live, plan.checks.iter().filter(|c| c.skip.is_none()).count());
        let names: Vec<&str> = plan.checks.iter().map(|c| config.checks[c.check].name.as_str()).collect();
        let on_start = |planned: usize| progress.started(names[planned]);
        let on_done = |outcome: &crate::outcome::CheckOutcome| {
            progress.finished(&outcome.name, &human::render_check(outcome, width, &printer.styles, self.verbosity));
        };
        let run = exec::Run {
            config,
            files: &files,
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
        let outcomes = std::thread::scope(|scope| {
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
        let (outcomes, counts) = outcomes;
        guard.finish(config, &files, &outcomes, printer)?;
        let mut report = Report::new(outcomes, started.elapsed().as_millis() as u64);
        let checks = report.checks.iter().filter(|c| c.cache.is_some()).count();
        report.summary.cache = counts.filter(|_| checks > 0).map(|(files, from_cache)| crate::outcome::CacheSummary {
            checks,
            files,
            from_cache,
        });
        Ok(report)
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
    session.printer.write(&guide::fixed_section(&fixed, styles));
    if touched.is_empty() || process::interrupted() {
        session.printer.line("\nnothing was left to fix");
        return Ok(fixed);
    }
    let again = match touched.len() {
        1 => "\nchecking the fixed file again:".to_string(),
        n => format!("\nchecking the {n} fixed files again:"),
    };
    session.printer.line(&crate::printer::Styles::paint(styles.bold, &again));
    session.execute(&Selection::Files(touched), only, Mode::Check)
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
            Printer::new(crate::cli::ColorChoice::Never, Stream::Stdout).write(&text);
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
