//! commit-message: the common message rules (length, blank line, case, period, team patterns).

use std::sync::LazyLock;

use regex::Regex;

use super::engine::{CheckResult, Context};
use super::message_rules::{finding, over_messages};
use super::regexes::{self, quote};
use super::OptionError;
use crate::outcome::Diagnostic;
use crate::select::messages::{is_autosquash, without_autosquash, Message};

const RULE: &str = "commit-message";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectCase {
    Capitalised,
    Lower,
    Any,
}

/// Validated options of `commit-message`.
#[derive(Clone, Debug)]
pub struct MessageOptions {
    pub subject_max: usize,
    pub body_max: Option<usize>,
    pub require_blank_line: bool,
    pub subject_case: SubjectCase,
    pub allow_trailing_period: bool,
    pub patterns: Vec<Regex>,
    pub forbid_patterns: Vec<Regex>,
}

/// The raw option values, as `checks.toml` gives them.
#[derive(Clone, Debug, Default)]
pub struct MessageInput<'a> {
    pub subject_max: Option<u64>,
    pub body_max: Option<u64>,
    pub require_blank_line: Option<bool>,
    pub subject_case: Option<&'a str>,
    pub allow_trailing_period: Option<bool>,
    pub pattern: Option<&'a [String]>,
    pub forbid_pattern: Option<&'a [String]>,
}

impl MessageOptions {
    pub(crate) fn new(input: &MessageInput) -> Result<Self, OptionError> {
        let width = |key: &'static str, value: Option<u64>| match value {
            Some(0) => Err(OptionError::new(key, format!("`{key}` must be at least 1"))),
            Some(n) => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
            None => Ok(None),
        };
        let subject_case = match input.subject_case {
            None | Some("any") => SubjectCase::Any,
            Some("capitalised" | "capitalized") => SubjectCase::Capitalised,
            Some("lower") => SubjectCase::Lower,
            Some(other) => {
                return Err(OptionError::new(
                    "subject_case",
                    format!("`subject_case`: {} is not one of \"capitalised\", \"lower\", \"any\"", quote(other)),
                ))
            }
        };
        Ok(MessageOptions {
            subject_max: width("subject_max", input.subject_max)?.unwrap_or(72),
            body_max: width("body_max", input.body_max)?,
            require_blank_line: input.require_blank_line.unwrap_or(true),
            subject_case,
            allow_trailing_period: input.allow_trailing_period.unwrap_or(false),
            patterns: regexes::compile("pattern", input.pattern.unwrap_or_default())?,
            forbid_patterns: regexes::compile("forbid_pattern", input.forbid_pattern.unwrap_or_default())?,
        })
    }
}

pub(crate) fn run(ctx: &Context, options: &MessageOptions) -> Result<CheckResult, String> {
    over_messages(ctx, RULE, |message, out| check(options, message, out))
}

/// A leading ticket id or conventional prefix, skipped when judging the subject's case.
static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\[?[A-Z][A-Z0-9]+-\d+\]?:?\s+|\[?#\d+\]?:?\s+(?:-\s+)?|[a-z]+(?:\([^()]*\))?!?:\s+)*")
        .expect("static regex")
});

pub(crate) fn check(options: &MessageOptions, message: &Message, out: &mut Vec<Diagnostic>) {
    let mut push = |line: u32, text: String| out.push(finding(RULE, message, Some(line), text));
    if message.text.trim().is_empty() {
        push(1, "the commit message is empty: say what the change does and why".into());
        return;
    }
    if message.is_generated() {
        return;
    }
    let subject = without_autosquash(message.subject());
    let length = subject.chars().count();
    if length > options.subject_max {
        push(
            1,
            format!(
                "the subject is {length} characters long; keep it to {} (say the rest in the body, after a blank line)",
                options.subject_max
            ),
        );
    }
    // Only a case rule needs the prefix skipped (and its regular expression compiled).
    let described = match options.subject_case {
        SubjectCase::Any => subject,
        _ => &subject[PREFIX.find(subject).map_or(0, |m| m.end())..],
    };
    match (options.subject_case, described.chars().next()) {
        (SubjectCase::Capitalised, Some(c)) if c.is_lowercase() => {
            push(1, format!("start the subject with a capital letter: {}", quote(&capitalise(subject, described))))
        }
        (SubjectCase::Lower, Some(c)) if c.is_uppercase() => {
            push(1, "start the subject with a lower-case letter".into())
        }
        _ => {}
    }
    if !options.allow_trailing_period && subject.trim_end().ends_with('.') && !subject.trim_end().ends_with("...") {
        push(1, "remove the period at the end of the subject".into());
    }
    let mut body = message.body();
    if let Some((line, text)) = body.next() {
        // A `squash!` message carries the subject of the commit it joins on its second line.
        if options.require_blank_line && !text.is_empty() && !is_autosquash(message.subject()) {
            push(line, "leave a blank line between the subject and the body".into());
        }
    }
    if let Some(max) = options.body_max {
        for (line, text) in message.body() {
            let width = text.chars().count();
            // A long URL or path cannot be wrapped.
            if width > max && text.trim().contains(' ') {
                push(line, format!("this body line is {width} characters wide; wrap the body at {max}"));
            }
        }
    }
    let text = message_for_patterns(message);
    for pattern in &options.patterns {
        if !pattern.is_match(&text) {
            push(1, format!("the message does not match the required pattern {}", quote(pattern.as_str())));
        }
    }
    for pattern in &options.forbid_patterns {
        if let Some(found) = pattern.find(&text) {
            let line = text[..found.start()].matches('\n').count() as u32 + 1;
            push(
                line,
                format!(
                    "the message contains {}, which matches the forbidden pattern {}",
                    quote(found.as_str()),
                    quote(pattern.as_str())
                ),
            );
        }
    }
}

/// The message with an autosquash prefix removed from its subject, for team patterns.
fn message_for_patterns(message: &Message) -> String {
    let subject = message.subject();
    let stripped = without_autosquash(subject);
    format!("{stripped}{}", &message.text[subject.len()..])
}

fn capitalise(subject: &str, described: &str) -> String {
    let head = &subject[..subject.len() - described.len()];
    let mut chars = described.chars();
    let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    format!("{head}{first}{}", chars.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(input: MessageInput) -> MessageOptions {
        MessageOptions::new(&input).unwrap()
    }

    fn problems(options: &MessageOptions, text: &str) -> Vec<(Option<u32>, String)> {
        let mut out = Vec::new();
        check(options, &Message::new(None, text.into()), &mut out);
        let line = |m: &str| m.strip_prefix("line ").and_then(|r| r.split(' ').next()?.parse().ok());
        out.into_iter().map(|d| (line(&d.message).or(Some(1)), d.message)).collect()
    }

    #[test]
    fn defaults() {
        let o = opts(MessageInput::default());
        assert!(problems(&o, "Add the thing\n\nBecause.\n").is_empty());
        assert!(problems(&o, "")[0].1.contains("empty"));
        assert!(problems(&o, &"x".repeat(73))[0].1.contains("73 characters"));
        assert!(problems(&o, &"x".repeat(72)).is_empty());
        assert_eq!(
            problems(&o, "Subject\nbody\n")[0],
            (Some(2), "line 2 of the message: leave a blank line between the subject and the body".into())
        );
        assert!(problems(&o, "Subject.")[0].1.contains("period"));
        assert!(problems(&o, "Subject...").is_empty());
        assert!(problems(&o, "Merge branch 'x' into main with a very long subject line that goes on and on and on")
            .is_empty());
        assert!(problems(&o, "squash! Subject\nSubject\n").is_empty());
    }

    #[test]
    fn case_width_and_patterns() {
        let o = opts(MessageInput {
            subject_max: Some(50),
            body_max: Some(20),
            subject_case: Some("capitalised"),
            pattern: Some(&[r"^(OXP|TSD)-\d+: ".into()]),
            forbid_pattern: Some(&["(?i)wip".into()]),
            ..MessageInput::default()
        });
        assert!(problems(&o, "OXP-1: Add it\n\nshort line\nhttps://example.com/a/very/long/url/that/cannot/wrap\n")
            .is_empty());
        let p = problems(&o, "OXP-1: add it");
        assert_eq!(p.len(), 1);
        assert!(p[0].1.contains("`OXP-1: Add it`"), "{p:?}");
        assert!(problems(&o, "Add it")[0].1.contains("required pattern"));
        assert!(
            problems(&o, "OXP-1: Add it\n\nthis body line is too wide\n")[0]
                == (Some(3), "line 3 of the message: this body line is 26 characters wide; wrap the body at 20".into())
        );
        assert_eq!(problems(&o, "OXP-1: Add it\n\nstill WIP\n")[0].0, Some(3));
        let lower = opts(MessageInput { subject_case: Some("lower"), ..MessageInput::default() });
        assert!(problems(&lower, "feat: Add").len() == 1 && problems(&lower, "feat: add").is_empty());
        assert_eq!(
            MessageOptions::new(&MessageInput { subject_case: Some("title"), ..MessageInput::default() })
                .unwrap_err()
                .key,
            Some("subject_case")
        );
        assert_eq!(
            MessageOptions::new(&MessageInput { subject_max: Some(0), ..MessageInput::default() }).unwrap_err().key,
            Some("subject_max")
        );
        assert_eq!(
            MessageOptions::new(&MessageInput { pattern: Some(&["(".into()]), ..MessageInput::default() })
                .unwrap_err()
                .key,
            Some("pattern")
        );
    }
}
