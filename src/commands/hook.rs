//! `ward install`, `ward uninstall`, and `ward hook-impl`, which the installed scripts call.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result};
use clap::Parser as _;

use crate::cli::{Cli, Command as Sub, HookImplArgs, HookType, InstallArgs, UninstallArgs};
use crate::exit::ExitStatus;
use crate::install;
use crate::printer::{Printer, Stream};
use crate::repo::Repo;

use super::Workspace;

pub fn install(args: &InstallArgs) -> Result<ExitStatus> {
    let ws = Workspace::discover()?;
    let repo = ws.repo()?;
    let hooks = if args.hooks.is_empty() { vec![HookType::PreCommit] } else { args.hooks.clone() };
    let ward = std::env::current_exe().context("cannot find the path of the ward executable")?;
    let printer = Printer::new(crate::cli::ColorChoice::Auto, Stream::Stdout);
    for action in install::install(repo, &hooks, args.force, &ward)? {
        printer.line(&action);
    }
    Ok(ExitStatus::Success)
}

pub fn uninstall(args: &UninstallArgs) -> Result<ExitStatus> {
    let ws = Workspace::discover()?;
    let hooks = if args.hooks.is_empty() { HookType::ALL.to_vec() } else { args.hooks.clone() };
    let printer = Printer::new(crate::cli::ColorChoice::Auto, Stream::Stdout);
    let actions = install::uninstall(ws.repo()?, &hooks)?;
    if actions.is_empty() {
        printer.line("no ward hook was installed");
    }
    for action in actions {
        printer.line(&action);
    }
    Ok(ExitStatus::Success)
}

/// Runs the set-aside hook first (a failure stops the commit), then ward for this hook's stage.
pub fn hook_impl(args: &HookImplArgs) -> Result<ExitStatus> {
    let ws = Workspace::discover()?;
    let repo = ws.repo()?;
    let mut stdin = Vec::new();
    if args.hook == HookType::PrePush {
        std::io::stdin().read_to_end(&mut stdin).context("cannot read the refs git is pushing")?;
    }
    if let Some(legacy) = install::legacy_hook(repo, args.hook)? {
        let mut child = Command::new(&legacy)
            .args(&args.args)
            .stdin(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run {}", legacy.display()))?;
        if let Some(mut pipe) = child.stdin.take() {
            let _ = pipe.write_all(&stdin);
        }
        let status = child.wait()?;
        if !status.success() {
            return Ok(ExitStatus::Failure);
        }
    }
    let base = vec!["ward".to_string(), "run".into(), "--stage".into(), args.hook.name().into()];
    let runs: Vec<Vec<String>> = match args.hook {
        HookType::PreCommit => vec![base],
        HookType::CommitMsg => {
            let message = args.args.first().context("git gave the commit-msg hook no message file")?;
            vec![[base, vec!["--files".into(), message.clone()]].concat()]
        }
        // One run per pushed branch: each has its own range.
        HookType::PrePush => push_ranges(repo, &stdin)?
            .into_iter()
            .map(|push| match push {
                Push::Range(from, to) => {
                    [base.clone(), vec!["--from-ref".into(), from, "--to-ref".into(), to]].concat()
                }
                Push::All => [base.clone(), vec!["--all".into()]].concat(),
            })
            .collect(),
    };
    let mut worst = ExitStatus::Success;
    for argv in runs {
        let cli = Cli::try_parse_from(&argv).context("internal: hook arguments")?;
        let Sub::Run(run) = &cli.command else { return Ok(ExitStatus::Error) };
        let status = super::run(run)?;
        if status.code() > worst.code() {
            worst = status;
        }
        if status == ExitStatus::Interrupted {
            break;
        }
    }
    Ok(worst)
}

/// What a push sends for one ref, from git's `<local ref> <local sha> <remote ref> <remote sha>`.
#[derive(Debug, PartialEq, Eq)]
enum Push {
    Range(String, String),
    /// A root commit: every file is new.
    All,
}

/// One entry per pushed ref that sends commits; deletions send none.
fn push_ranges(repo: &Repo, stdin: &[u8]) -> Result<Vec<Push>> {
    let is_zero = |sha: &str| sha.trim_matches('0').is_empty();
    let mut pushes = Vec::new();
    for line in String::from_utf8_lossy(stdin).lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [_, local_sha, _, remote_sha] = words[..] else { continue };
        if is_zero(local_sha) {
            continue;
        }
        let push = if !is_zero(remote_sha) {
            Push::Range(remote_sha.to_string(), local_sha.to_string())
        } else {
            // A new branch: check what is not yet on any remote.
            let out = repo.output(["rev-list", "--topo-order", "--reverse", local_sha, "--not", "--remotes"])?;
            let Some(first) = String::from_utf8_lossy(&out).lines().next().map(str::to_string) else { continue };
            let parent = format!("{first}^");
            match repo.output(["rev-parse", "--verify", "--quiet", parent.as_str()]) {
                Ok(parent) => Push::Range(String::from_utf8_lossy(&parent).trim().to_string(), local_sha.to_string()),
                Err(_) => Push::All,
            }
        };
        if !pushes.contains(&push) {
            pushes.push(push);
        }
    }
    Ok(pushes)
}
