//! `ward run`: select files, plan, execute, report.

use std::collections::HashSet;
use std::time::Instant;

use anyhow::{bail, Context as _, Result};

use crate::cli::{Format, RunArgs};
use crate::config::{suggest, Config};
use crate::exec::{self, process};
use crate::exit::ExitStatus;
use crate::outcome::Report;
use crate::plan::{self, Mode, Request};
use crate::printer::{Printer, Stream};
use crate::report::human::{self, Verbosity};
use crate::report::json;
use crate::safe;
use crate::select::{self, Selection, Source};

use super::Workspace;

pub fn run(args: &RunArgs) -> Result<ExitStatus> {
    let started = Instant::now();
    process::install_signal_handlers().context("cannot install signal handlers")?;
    let ws = Workspace::discover()?;
    // With a machine format on standard output, people's text goes to standard error.
    let machine_on_stdout = args.format != Format::Human && args.output.is_none();
    let printer = Printer::new(args.config.color, if machine_on_stdout { Stream::Stderr } else { Stream::Stdout });
    let config = ws.load_config(args.config.config.as_deref(), &printer)?;
    check_ids(&config, &args.checks)?;

    let selection = selection(args);
    // Staged mode sets partially staged files aside so that the checks see exactly the commit;
    // `finish` (or, on an error or a panic, dropping the guard) puts them back.
    let guard = safe::Guard::begin(ws.repo.as_ref(), &selection, &config, &printer)?;
    let source = match &ws.repo {
        Some(repo) => Source::Git(repo),
        None => Source::Dir(&ws.root),
    };
    let files = select::select(&source, &selection, &ws.cwd)?;
    let skip = skipped(args);
    let jobs = args
        .jobs
        .filter(|j| *j > 0)
        .or(Some(config.settings.jobs).filter(|j| *j > 0))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let mode = if args.check { Mode::Check } else { Mode::Fix };
    let plan = plan::plan(
        &config,
        &files,
        &Request { stage: args.stage, only: &args.checks, skip: &skip, mode, jobs, arg_limit: arg_limit() },
    );

    let verbosity = if args.quiet {
        Verbosity::Quiet
    } else if args.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let width =
        human::line_width(plan.checks.iter().map(|c| config.checks[c.check].name.chars().count()), printer.width);
    let on_done = |outcome: &crate::outcome::CheckOutcome| {
        printer.write(&human::render_check(outcome, width, &printer.styles, verbosity));
    };
    let outcomes = exec::execute(
        &exec::Run {
            config: &config,
            files: &files,
            plan: &plan,
            root: &ws.root,
            repo: ws.repo.as_ref(),
            selection: &selection,
            mode,
            jobs,
            fail_fast: args.fail_fast || config.settings.fail_fast,
            stage: args.stage,
        },
        &on_done,
    )?;
    guard.finish(&config, &files, &outcomes, &printer)?;
    let report = Report::new(outcomes, started.elapsed().as_millis() as u64);
    if plan.checks.is_empty() {
        printer.line(&format!("no checks for the {} stage", args.stage.name()));
    }
    printer.write(&human::render_summary(&report, &printer.styles));
    write_machine_report(args, &report)?;
    if process::interrupted() {
        printer.line("interrupted: running checks were stopped");
        return Ok(ExitStatus::Interrupted);
    }
    Ok(if report.is_success() { ExitStatus::Success } else { ExitStatus::Failure })
}

fn selection(args: &RunArgs) -> Selection {
    if args.all {
        Selection::All
    } else if !args.files.is_empty() {
        Selection::Files(args.files.clone())
    } else if let Some(from) = &args.from_ref {
        Selection::Range { from: from.clone(), to: args.to_ref.clone() }
    } else {
        Selection::Staged
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

fn write_machine_report(args: &RunArgs, report: &Report) -> Result<()> {
    let text = match args.format {
        Format::Human => match &args.output {
            // A file asked for without a machine format gets the JSON report: it is for tools.
            Some(_) => json::render(report),
            None => return Ok(()),
        },
        Format::Json => json::render(report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write the report to {}", path.display()))
        }
        None => {
            Printer::new(crate::cli::ColorChoice::Never, Stream::Stdout).write(&text);
            Ok(())
        }
    }
}

/// The bytes a command line may take: the system's limit less the environment and a margin.
fn arg_limit() -> usize {
    let system =
        nix::unistd::sysconf(nix::unistd::SysconfVar::ARG_MAX).ok().flatten().map_or(128 * 1024, |v| v as usize);
    let environment: usize =
        std::env::vars_os().map(|(k, v)| k.len() + v.len() + 2 + std::mem::size_of::<usize>()).sum();
    system.saturating_sub(environment).saturating_sub(8 * 1024).max(4 * 1024)
}
