//! The commit messages of a `ward run`: `--message FILE|-` (as the hooks pass it), or the
//! commits of the checked range.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::cli::{RunArgs, Stage};
use crate::config::{CheckKind, Config};
use crate::repo::{commits, Repo};
use crate::select::messages::{self, Cleanup, Message, Messages, MAX_MESSAGE_BYTES};
use crate::select::Selection;

/// `--message -`: standard input saved to a file, so commands of the stage get a path too;
/// removed when the run ends.
pub struct StdinMessage(PathBuf);

impl Drop for StdinMessage {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The message file to check, when `--message` gives one; `-` is read from standard input.
pub fn message_file(args: &RunArgs) -> Result<Option<(PathBuf, Option<StdinMessage>)>> {
    let Some(given) = &args.message else { return Ok(None) };
    if given.as_os_str() != "-" {
        return Ok(Some((given.clone(), None)));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_MESSAGE_BYTES as u64)
        .read_to_end(&mut bytes)
        .context("cannot read the commit message from standard input")?;
    let path = std::env::temp_dir().join(format!("ward-message-{}", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    std::io::Write::write_all(&mut file, &bytes)?;
    Ok(Some((path.clone(), Some(StdinMessage(path)))))
}

/// The messages the run checks: the message file's, cleaned as git will clean it; else, when
/// a message check runs in this stage, every non-merge commit of the range.
pub fn messages(
    args: &RunArgs,
    file: Option<&Path>,
    repo: Option<&Repo>,
    config: &Config,
    selection: &Selection,
    stage: Stage,
) -> Result<Option<Messages>> {
    if let Some(path) = file {
        let bytes = read_bounded(path).with_context(|| format!("cannot read the commit message {}", path.display()))?;
        let raw = messages::decode(&bytes);
        let edited = messages::edited_in_hook(std::env::var_os("GIT_EDITOR").as_deref());
        let (configured, cleanup) = match repo {
            Some(repo) => commits::message_settings(repo, edited),
            None => (None, Cleanup::from_config(None, edited)),
        };
        // Without an editor git writes no comment block and, by default, keeps `#` lines: a
        // subject such as `#123 fix the login` is the message, not a comment.
        let comment = match cleanup {
            Cleanup::Whitespace if !edited => None,
            _ => messages::comment_prefix(configured.as_deref(), &raw),
        };
        let text = messages::clean(&raw, cleanup, comment.as_deref());
        let stdin = args.message.as_deref().is_some_and(|m| m.as_os_str() == "-");
        return Ok(Some(Messages {
            list: vec![Message::new(None, text)],
            file: (!stdin).then(|| path.to_path_buf()),
            source: args.message_source.clone(),
            comment,
            raw: Some(raw),
            preparing: stage == Stage::PrepareCommitMsg,
        }));
    }
    let wanted = config
        .checks
        .iter()
        .any(|c| c.in_stage(stage) && matches!(&c.kind, CheckKind::Builtin(b) if b.reads_messages()));
    match (selection, repo) {
        (Selection::Range { from, to }, Some(repo)) if wanted => {
            Ok(Some(Messages { list: commits::range_messages(repo, from, to)?, ..Messages::default() }))
        }
        _ => Ok(None),
    }
}

fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_MESSAGE_BYTES as u64).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`messages`] and [`subject_branch`]; for a message file, the checked-out branch is read
/// from HEAD (or, where only git can say, asked of it alongside the comment settings), which
/// keeps a commit-msg hook to a few milliseconds.
pub fn messages_and_branch(
    args: &RunArgs,
    file: Option<&Path>,
    repo: Option<&Repo>,
    config: &Config,
    selection: &Selection,
    stage: Stage,
) -> Result<(Option<Messages>, Option<Option<String>>)> {
    let branch = subject_branch(args, stage);
    let Some(repo) = repo.filter(|_| file.is_some() && branch.is_none()) else {
        return Ok((messages(args, file, repo, config, selection, stage)?, branch));
    };
    if let Some(head) = crate::repo::head::from_file(&repo.git_dir) {
        return Ok((messages(args, file, Some(repo), config, selection, stage)?, Some(head)));
    }
    std::thread::scope(|scope| {
        let head = scope.spawn(|| crate::repo::index::head_branch(repo));
        let messages = messages(args, file, Some(repo), config, selection, stage)?;
        // A failure here is left to the checks, which ask again and report it.
        let head = head.join().ok().and_then(Result::ok);
        Ok((messages, head))
    })
}

/// The branch the branch rules judge: `--branch` (the pre-push hook names the pushed one; empty
/// for a tag), in CI the pull request's source branch; `None`: the checked-out branch.
pub fn subject_branch(args: &RunArgs, stage: Stage) -> Option<Option<String>> {
    if let Some(branch) = &args.branch {
        return Some(Some(branch.clone()).filter(|b| !b.is_empty()));
    }
    if stage == Stage::Ci {
        let env = |k: &str| std::env::var(k).ok();
        return crate::ci::source_branch(&env).map(Some);
    }
    None
}
