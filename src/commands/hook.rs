//! `ward install`, `ward uninstall`, and `ward hook-impl`, which the installed scripts call.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result};
use clap::Parser as _;

use crate::cli::{HookImplArgs, HookType, InstallArgs, RunOnly, UninstallArgs};
use crate::exit::ExitStatus;
use crate::install;
use crate::printer::{Printer, Stream};
use crate::repo::Repo;

use super::Workspace;

pub fn install(args: &InstallArgs) -> Result<ExitStatus> {
    let ws = Workspace::discover()?;
    let repo = ws.repo()?;
    let printer = Printer::new(crate::cli::ColorChoice::Auto, Stream::Stdout);
    let hooks = if args.hooks.is_empty() { default_hooks(&ws, &printer)? } else { args.hooks.clone() };
    let ward = std::env::current_exe().context("cannot find the path of the ward executable")?;
    for action in install::install(repo, &hooks, args.force, &ward)? {
        printer.line(&action);
    }
    Ok(ExitStatus::Success)
}

/// pre-commit, plus the message hooks when a check runs in their stage.
fn default_hooks(ws: &Workspace, printer: &Printer) -> Result<Vec<HookType>> {
    let config = ws.load_config(None, printer)?;
    let mut hooks = vec![HookType::PreCommit];
    for hook in [HookType::PrepareCommitMsg, HookType::CommitMsg] {
        if config.checks.iter().any(|c| c.in_stage(hook.stage())) {
            hooks.push(hook);
        }
    }
    Ok(hooks)
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
    let message_hook = matches!(args.hook, HookType::CommitMsg | HookType::PrepareCommitMsg);
    let ws = Workspace::discover_with(crate::repo::Early { message_settings: message_hook })?;
    let repo = ws.repo()?;
    let mut stdin = Vec::new();
    if args.hook == HookType::PrePush {
        std::io::stdin().read_to_end(&mut stdin).context("cannot read the refs git is pushing")?;
    }
    // The script says where it is, which spares asking git for the hooks directory.
    let script = std::env::var_os("WARD_HOOK_PATH").map(std::path::PathBuf::from);
    if let Some(legacy) = install::legacy_hook(repo, args.hook, script.as_deref())? {
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
    let base = vec!["ward run".to_string(), "--stage".into(), args.hook.name().into()];
    let runs: Vec<Vec<String>> = match args.hook {
        HookType::PreCommit => vec![base],
        HookType::CommitMsg | HookType::PrepareCommitMsg => {
            let message = args.args.first().context("git gave the hook no message file")?;
            let mut argv = [base, vec!["--message".into(), message.clone()]].concat();
            if args.hook == HookType::PrepareCommitMsg {
                // Before the editor opens, only a problem is worth a line.
                argv.push("--quiet".into());
            }
            if let Some(source) = args.args.get(1).filter(|s| !s.is_empty()) {
                argv.extend(["--message-source".into(), source.clone()]);
            }
            vec![argv]
        }
        // One run per pushed ref: each has its own range, and branch rules judge its name.
        HookType::PrePush => {
            let remote = args.args.first().map_or("origin", String::as_str);
            push_ranges(repo, remote, &stdin)?
                .into_iter()
                .map(|push| {
                    let mut argv = base.clone();
                    match push.range {
                        Some((from, to)) => argv.extend(["--from-ref".into(), from, "--to-ref".into(), to]),
                        None => argv.push("--all".into()),
                    }
                    // A tag is no branch: branch rules have nothing to judge.
                    argv.extend(["--branch".into(), push.branch.unwrap_or_default()]);
                    argv
                })
                .collect()
        }
    };
    let mut worst = ExitStatus::Success;
    for argv in runs {
        let run = RunOnly::try_parse_from(&argv).context("internal: hook arguments")?.run;
        let status = super::run::run_in(&ws, &run, std::time::Instant::now())?;
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
struct Push {
    /// `from...to` to check; `None` for a root commit, where every file is new.
    range: Option<(String, String)>,
    /// The branch pushed to (`refs/heads/` removed); `None` for a tag or another ref.
    branch: Option<String>,
}

/// One entry per pushed ref that sends commits; deletions send none.
fn push_ranges(repo: &Repo, remote: &str, stdin: &[u8]) -> Result<Vec<Push>> {
    let is_zero = |sha: &str| sha.trim_matches('0').is_empty();
    let known = |sha: &str| repo.output(["cat-file", "-e", &format!("{sha}^{{commit}}")]).is_ok();
    let mut pushes = Vec::new();
    for line in String::from_utf8_lossy(stdin).lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [_, local_sha, remote_ref, remote_sha] = words[..] else { continue };
        if is_zero(local_sha) {
            continue;
        }
        let branch = remote_ref.strip_prefix("refs/heads/").map(str::to_string);
        // A force push is checked from where the remote was: `from...to` starts at their
        // merge base. A remote commit this clone has not fetched counts as a new branch.
        let range = if !is_zero(remote_sha) && known(remote_sha) {
            Some((remote_sha.to_string(), local_sha.to_string()))
        } else {
            match new_branch_base(repo, remote, local_sha)? {
                NewBase::Ref(base) => Some((base, local_sha.to_string())),
                NewBase::Root => None,
                NewBase::NothingNew => continue,
            }
        };
        let push = Push { range, branch };
        if !pushes.contains(&push) {
            pushes.push(push);
        }
    }
    Ok(pushes)
}

enum NewBase {
    Ref(String),
    /// The pushed history has a root commit the remote lacks: every file is new.
    Root,
    /// Every pushed commit is on the remote already (a tag of a pushed commit).
    NothingNew,
}

/// A new branch is compared with the remote's default branch (where its pull request will
/// go), else with whatever the remotes already have; never with the whole history.
fn new_branch_base(repo: &Repo, remote: &str, local_sha: &str) -> Result<NewBase> {
    let new = repo.output(["rev-list", "--topo-order", "--reverse", local_sha, "--not", "--remotes"])?;
    let Some(first) = String::from_utf8_lossy(&new).lines().next().map(str::to_string) else {
        return Ok(NewBase::NothingNew);
    };
    if let Some(default) = remote_default_branch(repo, remote) {
        if repo.output(["merge-base", default.as_str(), local_sha]).is_ok() {
            return Ok(NewBase::Ref(default));
        }
    }
    let parent = format!("{first}^");
    Ok(match repo.output(["rev-parse", "--verify", "--quiet", parent.as_str()]) {
        Ok(parent) => NewBase::Ref(String::from_utf8_lossy(&parent).trim().to_string()),
        Err(_) => NewBase::Root,
    })
}

/// `<remote>/HEAD`, else `<remote>/main` or `<remote>/master`, as remote-tracking refs.
fn remote_default_branch(repo: &Repo, remote: &str) -> Option<String> {
    let head = format!("refs/remotes/{remote}/HEAD");
    if let Ok(out) = repo.output(["symbolic-ref", "--quiet", head.as_str()]) {
        return Some(String::from_utf8_lossy(&out).trim().to_string());
    }
    ["main", "master"]
        .iter()
        .map(|b| format!("refs/remotes/{remote}/{b}"))
        .find(|r| repo.output(["rev-parse", "--verify", "--quiet", r.as_str()]).is_ok())
}
