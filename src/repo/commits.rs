//! Commit messages from git: the non-merge commits of a range, and how git cleans a message.

use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, Result};

use super::Repo;
use crate::outcome::CommitRef;
use crate::select::messages::{self, Cleanup, Message, MAX_COMMITS};

/// Every non-merge commit in `to` but not in `from` (what a branch adds), oldest first.
pub fn range_messages(repo: &Repo, from: &str, to: &str) -> Result<Vec<Message>> {
    let range = format!("{from}..{to}");
    let out = repo
        .output([
            "log",
            "-z",
            "--no-merges",
            "--reverse",
            "--no-color",
            // A user's `log.showSignature` would put gpg's output into the messages.
            "--no-show-signature",
            &format!("--max-count={MAX_COMMITS}"),
            "--format=%h%x00%B",
            &range,
            "--",
        ])
        .with_context(|| format!("cannot list the commits of {range}"))?;
    // Records are `<short id> NUL <message> NUL`; a message cannot contain NUL.
    let mut fields = out.split(|b| *b == 0);
    let mut list = Vec::new();
    while let (Some(id), Some(body)) = (fields.next(), fields.next()) {
        let id = String::from_utf8_lossy(id).trim().to_string();
        if id.is_empty() {
            break;
        }
        // The stored message is already clean, but for whitespace git tolerates.
        let text = messages::clean(&messages::decode(body), Cleanup::Whitespace, None);
        let subject = text.lines().next().unwrap_or("").to_string();
        list.push(Message::new(Some(CommitRef { id, subject }), text));
    }
    Ok(list)
}

/// `core.commentString` (or `core.commentChar`) and `commit.cleanup`, asked in one git call
/// (already on its way when the repository was found with [`super::Early::message_settings`]).
/// `edited`: whether an editor was used on the message, which decides git's default cleanup.
pub fn message_settings(repo: &Repo, edited: bool) -> (Option<String>, Cleanup) {
    let out = repo.cache.message_config.get_or_init(|| finish_message_config(start_message_config(repo.command())));
    parse_message_settings(out, edited)
}

/// Starts `git config` for the message settings with `git` (a git command in the repository);
/// its output is a few records, which the pipe holds until [`finish_message_config`] reads it.
pub(super) fn start_message_config(mut git: Command) -> Option<Child> {
    git.args(["config", "--null", "--get-regexp", r"^(core\.comment(char|string)|commit\.cleanup)$"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

/// The `git config --null` records of a started query; none when git failed or none is set.
pub(super) fn finish_message_config(child: Option<Child>) -> Vec<u8> {
    match child.map(Child::wait_with_output) {
        Some(Ok(out)) if out.status.success() => out.stdout,
        _ => Vec::new(),
    }
}

fn parse_message_settings(out: &[u8], edited: bool) -> (Option<String>, Cleanup) {
    let (mut char, mut string, mut cleanup) = (None, None, None);
    for record in out.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let text = String::from_utf8_lossy(record);
        let (key, value) = text.split_once('\n').unwrap_or((&text, ""));
        match key.to_ascii_lowercase().as_str() {
            "core.commentchar" => char = Some(value.to_string()),
            "core.commentstring" => string = Some(value.to_string()),
            _ => cleanup = Some(value.to_string()),
        }
    }
    (string.or(char), Cleanup::from_config(cleanup.as_deref(), edited))
}
