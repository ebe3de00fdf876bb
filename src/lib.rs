//! `ward`: a config-driven pre-commit and CI check runner.

pub mod cache;
pub mod checks;
pub mod ci;
pub mod cli;
pub mod commands;
pub mod config;
pub mod exec;
pub mod exit;
pub mod import;
pub mod install;
pub mod outcome;
pub mod plan;
pub mod printer;
pub mod repo;
pub mod report;
pub mod safe;
pub mod select;
pub mod worktree_fs;

use std::process::ExitCode;

use clap::Parser as _;

use cli::{Cli, Command};
use exit::ExitStatus;

/// Parses the command line, runs the subcommand, and maps the result to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => commands::run(args),
        Command::Install(args) => commands::install(args),
        Command::Uninstall(args) => commands::uninstall(args),
        Command::List(args) => commands::list(args),
        Command::Validate(args) => commands::validate(args),
        Command::Explain(args) => commands::explain(args),
        Command::Init(args) => commands::init(args),
        Command::Import(args) => commands::import(args),
        Command::Identify(args) => commands::identify(args),
        Command::Report(cli::ReportCommand::Merge(args)) => commands::merge(args),
        Command::HookImpl(args) => commands::hook_impl(args),
        Command::Restore(args) => commands::restore(args),
        Command::Baseline(args) => commands::baseline(args),
        Command::Cache(command) => commands::cache(command),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            report_error(&err);
            ExitStatus::Error.into()
        }
    }
}

/// `error: ...` then one `caused by:` line per cause.
fn report_error(err: &anyhow::Error) {
    let printer = printer::Printer::new(cli::ColorChoice::Auto, printer::Stream::Stderr);
    let label = printer::Styles::paint(printer.styles.error, "error:");
    let mut text = format!("{label} {err}\n");
    for cause in err.chain().skip(1) {
        text.push_str(&format!("  caused by: {cause}\n"));
    }
    printer.write(&text);
}
