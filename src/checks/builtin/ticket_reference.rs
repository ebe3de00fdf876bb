//! ticket-reference: a ticket id (`OXP-1087`) in the message, taken from the branch name when
//! the message has none (prepare-commit-msg writes it in before the editor opens).

use std::cell::OnceCell;
use std::sync::OnceLock;

use regex::Regex;

use super::engine::{CheckResult, Context, Mode};
use super::message_rules::finding;
use super::regexes::{self, quote};
use super::OptionError;
use crate::outcome::{Diagnostic, Severity};
use crate::select::messages::{is_autosquash, Message, Messages};

const RULE: &str = "ticket-reference";
const DEFAULT_PATTERN: &str = r"[A-Z][A-Z0-9]+-\d+";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Where {
    Subject,
    Anywhere,
}

/// Validated options of `ticket-reference`.
#[derive(Clone, Debug)]
pub struct TicketOptions {
    /// Matched as written in messages.
    pub pattern: Regex,
    /// The same, case-insensitive, for branch names; compiled when a message lacks a ticket
    /// (a commit-msg hook after prepare-commit-msg put it in never needs it).
    branch_pattern: OnceLock<Regex>,
    pub place: Where,
    pub template: String,
    pub required: bool,
}

impl TicketOptions {
    pub(crate) fn new(
        pattern: Option<&[String]>,
        place: Option<&str>,
        template: Option<&str>,
        required: Option<bool>,
    ) -> Result<Self, OptionError> {
        let pattern = match pattern {
            None => DEFAULT_PATTERN.to_string(),
            Some([one]) => one.clone(),
            Some(_) => {
                return Err(OptionError::new("pattern", "`pattern` of `ticket-reference` is one regular expression"))
            }
        };
        let place = match place {
            None | Some("subject") => Where::Subject,
            Some("anywhere") => Where::Anywhere,
            Some(other) => {
                return Err(OptionError::new(
                    "where",
                    format!("`where`: {} is not \"subject\" or \"anywhere\"", quote(other)),
                ))
            }
        };
        let template = template.unwrap_or("{ticket}: {subject}").to_string();
        if !template.contains("{ticket}") || !template.contains("{subject}") || template.contains('\n') {
            return Err(OptionError::new(
                "template",
                "`template` is one line with `{ticket}` and `{subject}`, e.g. \"{ticket}: {subject}\"",
            ));
        }
        Ok(TicketOptions {
            pattern: regexes::one("pattern", &pattern)?,
            branch_pattern: OnceLock::new(),
            place,
            template,
            required: required.unwrap_or(false),
        })
    }

    /// The ticket id in a branch name, upper-cased (`feat/oxp-1087-x` → `OXP-1087`).
    pub fn from_branch(&self, branch: &str) -> Option<String> {
        let pattern = self.branch_pattern.get_or_init(|| {
            // A pattern that compiles compiles case-insensitively too, unless case folding takes
            // it over the size limit: then it matches as written.
            regexes::one("pattern", &format!("(?i){}", self.pattern.as_str())).unwrap_or_else(|_| self.pattern.clone())
        });
        pattern.find(branch).map(|m| m.as_str().to_uppercase())
    }

    fn carries(&self, message: &Message) -> bool {
        match self.place {
            Where::Subject => self.pattern.is_match(message.subject()),
            Where::Anywhere => self.pattern.is_match(&message.text),
        }
    }

    /// The subject with the ticket put in by the template.
    pub fn render(&self, ticket: &str, subject: &str) -> String {
        self.template.replace("{ticket}", ticket).replace("{subject}", subject)
    }
}

pub(crate) fn run(ctx: &Context, options: &TicketOptions) -> Result<CheckResult, String> {
    let Some(messages) = ctx.messages() else {
        return Err(format!(
            "`{RULE}` checks commit messages: give one with --message FILE, or a range with --from-ref"
        ));
    };
    let branch = ctx.subject_branch()?;
    let ticket = OnceCell::new();
    let ticket = || ticket.get_or_init(|| branch.and_then(|b| options.from_branch(b))).as_deref();
    let mut diagnostics = Vec::new();
    if messages.preparing {
        prepare(ctx, options, messages, ticket(), &mut diagnostics);
        return Ok(CheckResult { diagnostics, ..CheckResult::default() });
    }
    for message in &messages.list {
        if message.is_generated() || is_autosquash(message.subject()) || options.carries(message) {
            continue;
        }
        let writable = message.commit.is_none() && messages.file.is_some() && ctx.mode == Mode::Fix && !replaying(ctx);
        match ticket() {
            // The prepare-commit-msg hook is not installed, or the editor's message had none.
            Some(ticket) if writable && !message.subject().trim().is_empty() => {
                match insert(options, messages, ticket) {
                    Ok(()) => diagnostics.push(
                        finding(RULE, message, Some(1), format!("added {ticket} (from the branch) to the subject"))
                            .with_severity(Severity::Info),
                    ),
                    Err(err) => diagnostics.push(finding(RULE, message, None, err)),
                }
            }
            Some(ticket) => diagnostics.push(finding(
                RULE,
                message,
                Some(1),
                format!(
                    "the message does not name the ticket {ticket} of its branch; write the subject as {}",
                    quote(&options.render(ticket, message.subject().trim()))
                ),
            )),
            None if options.required => {
                let branch = branch.map(|b| format!(" and the branch {} has none", quote(b))).unwrap_or_default();
                diagnostics.push(finding(
                    RULE,
                    message,
                    Some(1),
                    format!(
                        "the message names no ticket (matching {}){branch}; write the subject as {}",
                        quote(options.pattern.as_str()),
                        quote(&options.render("ABC-123", message.subject().trim()))
                    ),
                ));
            }
            None => {}
        }
    }
    Ok(CheckResult { diagnostics, ..CheckResult::default() })
}

/// prepare-commit-msg: puts the branch's ticket into a message that has none, or, when the
/// editor is about to open on an empty message, says in a comment that it will be added.
fn prepare(
    ctx: &Context,
    options: &TicketOptions,
    messages: &Messages,
    ticket: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    let (Some(ticket), Some(message)) = (ticket, messages.list.first()) else { return };
    if matches!(messages.source.as_deref(), Some("merge" | "squash")) || ctx.mode != Mode::Fix || replaying(ctx) {
        return;
    }
    if message.is_generated() || is_autosquash(message.subject()) || options.carries(message) {
        return;
    }
    let result = if message.subject().trim().is_empty() {
        // An empty message aborts the commit; a ticket alone would not, so only a comment now,
        // and the commit-msg stage adds the ticket to what was typed.
        add_comment(messages, &format!("ward: {ticket} (from the branch) will be added to the subject"))
    } else {
        insert(options, messages, ticket)
    };
    if let Err(err) = result {
        out.push(finding(RULE, message, None, err));
    }
}

/// A cherry-pick, revert or rebase replays commits that have their messages already.
fn replaying(ctx: &Context) -> bool {
    ctx.repo.is_some_and(|repo| {
        ["CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply"]
            .iter()
            .any(|f| repo.git_dir.join(f).exists())
    })
}

/// Rewrites the message file with the ticket in the subject line.
fn insert(options: &TicketOptions, messages: &Messages, ticket: &str) -> Result<(), String> {
    let (Some(raw), Some(message)) = (&messages.raw, messages.list.first()) else { return Ok(()) };
    let subject = message.subject();
    let comment = messages.comment.as_deref();
    let mut done = false;
    let mut out = String::with_capacity(raw.len() + ticket.len() + 4);
    for line in raw.split_inclusive('\n') {
        let is_comment = comment.is_some_and(|c| line.starts_with(c));
        if !done && !is_comment && line.trim_end() == subject {
            out.push_str(&options.render(ticket, subject));
            out.push_str(&line[line.trim_end().len()..]);
            done = true;
        } else {
            out.push_str(line);
        }
    }
    write(messages, &out)
}

fn add_comment(messages: &Messages, text: &str) -> Result<(), String> {
    let (Some(raw), Some(prefix)) = (&messages.raw, &messages.comment) else { return Ok(()) };
    // Above git's own comment block, where it is read first.
    let at = raw.split_inclusive('\n').take_while(|l| !l.starts_with(prefix.as_str())).map(str::len).sum::<usize>();
    let (head, tail) = raw.split_at(at);
    let separator = if head.is_empty() || head.ends_with('\n') { "" } else { "\n" };
    write(messages, &format!("{head}{separator}{prefix} {text}\n{tail}"))
}

fn write(messages: &Messages, text: &str) -> Result<(), String> {
    let Some(path) = &messages.file else { return Ok(()) };
    // Only the regular file git gave; never through a link.
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        _ => return Err(format!("cannot rewrite the message: {} is not a regular file", path.display())),
    }
    std::fs::write(path, text).map_err(|e| format!("cannot rewrite the message in {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_from_the_branch() {
        let o = TicketOptions::new(None, None, None, None).unwrap();
        assert_eq!(o.from_branch("feat/oxp-1087-update-nafo-on-fulfillment").as_deref(), Some("OXP-1087"));
        assert_eq!(o.from_branch("KNA-12_title").as_deref(), Some("KNA-12"));
        assert_eq!(o.from_branch("main"), None);
        assert_eq!(o.render("OXP-1087", "update nafo"), "OXP-1087: update nafo");
        assert!(o.carries(&Message::new(None, "OXP-1087: x\n".into())));
        assert!(!o.carries(&Message::new(None, "x\n\nRefs OXP-1087\n".into())));
        let anywhere = TicketOptions::new(None, Some("anywhere"), None, None).unwrap();
        assert!(anywhere.carries(&Message::new(None, "x\n\nRefs OXP-1087\n".into())));
        let custom =
            TicketOptions::new(Some(&[r"(OXP|TSD)-\d+".into()]), None, Some("[{ticket}] {subject}"), Some(true))
                .unwrap();
        assert_eq!(custom.from_branch("fix/tsd-9-x").as_deref(), Some("TSD-9"));
        assert_eq!(custom.from_branch("fix/abc-9-x"), None);
        assert_eq!(custom.render("TSD-9", "x"), "[TSD-9] x");
    }

    #[test]
    fn bad_options_name_their_key() {
        assert_eq!(TicketOptions::new(None, Some("body"), None, None).unwrap_err().key, Some("where"));
        assert_eq!(TicketOptions::new(None, None, Some("{subject}"), None).unwrap_err().key, Some("template"));
        assert_eq!(TicketOptions::new(Some(&["(".into()]), None, None, None).unwrap_err().key, Some("pattern"));
    }
}
