//! What the commit-message built-ins share: one finding per problem, named by commit in a range.

use super::engine::{CheckResult, Context};
use super::regexes::quote;
use crate::outcome::Diagnostic;
use crate::select::messages::Message;

/// A finding about `message`: the text names the commit (in a range) and the line of the
/// message when it is not the subject, so every report format shows where it is.
pub(crate) fn finding(rule: &'static str, message: &Message, line: Option<u32>, text: String) -> Diagnostic {
    let at = match line {
        Some(line) if line > 1 => format!("line {line} of the message: "),
        _ => String::new(),
    };
    let text = match &message.commit {
        Some(commit) => format!("commit {} {}: {at}{text}", commit.id, quote(&commit.subject)),
        None => format!("{at}{text}"),
    };
    let mut diagnostic = Diagnostic::error("", text).with_rule(rule).with_commit(message.commit.clone());
    diagnostic.path = None;
    diagnostic
}

/// Runs `rules` over every message of the run; a run without messages is a usage error.
pub(crate) fn over_messages(
    ctx: &Context,
    rule: &'static str,
    rules: impl Fn(&Message, &mut Vec<Diagnostic>),
) -> Result<CheckResult, String> {
    let Some(messages) = ctx.messages() else {
        return Err(format!(
            "`{rule}` checks commit messages: give one with --message FILE, or a range with --from-ref"
        ));
    };
    let mut diagnostics = Vec::new();
    for message in &messages.list {
        rules(message, &mut diagnostics);
    }
    Ok(CheckResult { diagnostics, ..CheckResult::default() })
}
