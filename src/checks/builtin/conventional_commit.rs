//! conventional-commit: the subject is `type(scope)!: description` (Conventional Commits 1.0).

use super::engine::{CheckResult, Context};
use super::message_rules::{finding, over_messages};
use super::regexes::quote;
use super::OptionError;
use crate::outcome::Diagnostic;
use crate::select::messages::{without_autosquash, Message};

const RULE: &str = "conventional-commit";

pub const DEFAULT_TYPES: &[&str] =
    &["build", "chore", "ci", "docs", "feat", "fix", "perf", "refactor", "revert", "style", "test"];

/// Validated options of `conventional-commit`.
#[derive(Clone, Debug)]
pub struct ConventionalOptions {
    pub types: Vec<String>,
    /// Empty: any scope.
    pub scopes: Vec<String>,
    pub require_scope: bool,
    pub allow_breaking: bool,
}

impl ConventionalOptions {
    pub(crate) fn new(
        types: Option<&[String]>,
        scopes: Option<&[String]>,
        require_scope: Option<bool>,
        allow_breaking: Option<bool>,
    ) -> Result<Self, OptionError> {
        let types = types.map_or_else(|| DEFAULT_TYPES.iter().map(|t| t.to_string()).collect(), <[String]>::to_vec);
        if types.is_empty() {
            return Err(OptionError::new("types", "`types` lists the commit types allowed; it cannot be empty"));
        }
        if let Some(bad) =
            types.iter().find(|t| t.is_empty() || t.contains(|c: char| c.is_whitespace() || "():!".contains(c)))
        {
            return Err(OptionError::new(
                "types",
                format!("`types`: {} is not a commit type (a word such as `feat`)", quote(bad)),
            ));
        }
        Ok(ConventionalOptions {
            types,
            scopes: scopes.map(<[String]>::to_vec).unwrap_or_default(),
            require_scope: require_scope.unwrap_or(false),
            allow_breaking: allow_breaking.unwrap_or(true),
        })
    }
}

/// The parts of a subject written `type(scope)!: description`.
#[derive(Debug, PartialEq, Eq)]
struct Header<'a> {
    kind: &'a str,
    /// What is between the parentheses, when there are any.
    scope: Option<&'a str>,
    bang: bool,
    /// The whitespace after the colon.
    space: &'a str,
    description: &'a str,
}

/// Splits a subject into a [`Header`]; `None` when it does not start with a type followed by an
/// optional `(scope)`, an optional `!` and a colon. Read by hand: compiling the equivalent
/// regular expression (its Unicode classes) took longer than all the rest of a message check.
fn header(subject: &str) -> Option<Header<'_>> {
    let end = subject.find(|c: char| c.is_whitespace() || "():!".contains(c)).unwrap_or(subject.len());
    if end == 0 {
        return None;
    }
    let (kind, mut rest) = subject.split_at(end);
    let mut scope = None;
    if let Some(inner) = rest.strip_prefix('(') {
        let close = inner.find(['(', ')']).filter(|&i| inner[i..].starts_with(')'))?;
        scope = Some(&inner[..close]);
        rest = &inner[close + 1..];
    }
    let bang = rest.starts_with('!');
    let rest = rest.strip_prefix('!').unwrap_or(rest).strip_prefix(':')?;
    let description = rest.trim_start();
    if description.contains('\n') {
        return None;
    }
    Some(Header { kind, scope, bang, space: &rest[..rest.len() - description.len()], description })
}

pub(crate) fn run(ctx: &Context, options: &ConventionalOptions) -> Result<CheckResult, String> {
    over_messages(ctx, RULE, |message, out| check(options, message, out))
}

/// The problems of one message, each with an example built from the user's own subject.
pub(crate) fn check(options: &ConventionalOptions, message: &Message, out: &mut Vec<Diagnostic>) {
    if message.is_generated() {
        return;
    }
    let subject = without_autosquash(message.subject());
    if subject.trim().is_empty() {
        out.push(finding(RULE, message, Some(1), "the commit message is empty".into()));
        return;
    }
    let mut problems = Vec::new();
    let Some(header) = header(subject) else {
        problems.push(format!("the subject {} does not start with a type such as `feat:` or `fix:`", quote(subject)));
        report(options, message, subject, problems, out);
        return;
    };
    let kind = header.kind;
    if !options.types.iter().any(|t| t == kind) {
        let hint = closest(kind, &options.types).map(|t| format!(" (did you mean `{t}`?)")).unwrap_or_default();
        problems.push(format!("`{kind}` is not a commit type{hint}; use one of {}", options.types.join(", ")));
    }
    match header.scope {
        Some("") => problems.push("the scope in `()` is empty".into()),
        Some(scope) if !options.scopes.is_empty() && !options.scopes.iter().any(|s| s == scope) => {
            problems.push(format!("scope {} is not one of {}", quote(scope), options.scopes.join(", ")))
        }
        None if options.require_scope => problems.push("a scope is required: `type(scope): description`".into()),
        _ => {}
    }
    if header.bang && !options.allow_breaking {
        problems.push("breaking changes (`!`) are not allowed here".into());
    }
    if header.space != " " {
        problems.push("put exactly one space after the colon".into());
    }
    if header.description.trim().is_empty() {
        problems.push("the description after the colon is empty".into());
    }
    if !options.allow_breaking {
        if let Some((line, _)) =
            message.body().find(|(_, l)| l.starts_with("BREAKING CHANGE:") || l.starts_with("BREAKING-CHANGE:"))
        {
            out.push(finding(
                RULE,
                message,
                Some(line),
                "breaking changes (`BREAKING CHANGE:`) are not allowed here".into(),
            ));
        }
    }
    report(options, message, subject, problems, out);
}

fn report(
    options: &ConventionalOptions,
    message: &Message,
    subject: &str,
    problems: Vec<String>,
    out: &mut Vec<Diagnostic>,
) {
    if problems.is_empty() {
        return;
    }
    let text = format!(
        "{}; write the subject as `type(scope): description`, for example `{}`",
        problems.join("; "),
        example(options, subject)
    );
    out.push(finding(RULE, message, Some(1), text));
}

/// A subject that passes, made from the user's: `Update nafo` becomes `fix: update nafo`.
pub(crate) fn example(options: &ConventionalOptions, subject: &str) -> String {
    // `OXP-1087: fix: x` is a valid header behind a prefix: the example is the header.
    if let Some((_, rest)) = subject.split_once(": ") {
        let rest = rest.trim_start();
        let valid = header(rest).is_some_and(|h| options.types.iter().any(|t| t == h.kind));
        if valid && !rest.is_empty() {
            return rest.to_string();
        }
    }
    let (kind, scope, rest) = match header(subject) {
        Some(h) if !h.description.trim().is_empty() => {
            let kind = closest(h.kind, &options.types).map(str::to_string);
            (kind, h.scope.map(str::to_string), h.description.trim().to_string())
        }
        _ => (None, None, subject.trim().to_string()),
    };
    let kind = kind.unwrap_or_else(|| guess_type(&rest, &options.types));
    let scope = match scope.filter(|s| !s.is_empty()) {
        Some(s) if options.scopes.is_empty() || options.scopes.contains(&s) => Some(s),
        _ if options.require_scope || !options.scopes.is_empty() => {
            Some(options.scopes.first().cloned().unwrap_or_else(|| "scope".into()))
        }
        _ => None,
    };
    let mut description = lower_first(&rest);
    if description.chars().count() > 100 {
        description = description.chars().take(100).collect();
    }
    match scope {
        Some(scope) => format!("{kind}({scope}): {description}"),
        None => format!("{kind}: {description}"),
    }
}

/// The type a subject's first word suggests, else `fix` (or the first type configured).
fn guess_type(subject: &str, types: &[String]) -> String {
    let first = subject.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("").to_lowercase();
    let by_word = match first.as_str() {
        "add" | "adds" | "added" | "implement" | "introduce" | "support" | "new" => Some("feat"),
        "fix" | "fixes" | "fixed" | "correct" | "repair" | "resolve" => Some("fix"),
        "doc" | "docs" | "document" | "readme" => Some("docs"),
        "test" | "tests" => Some("test"),
        "refactor" | "rename" | "move" | "extract" | "simplify" => Some("refactor"),
        "bump" | "upgrade" | "update" if subject.contains("depend") => Some("build"),
        _ => None,
    };
    for candidate in [by_word, Some("fix")].into_iter().flatten() {
        if types.iter().any(|t| t == candidate) {
            return candidate.to_string();
        }
    }
    types.first().cloned().unwrap_or_else(|| "fix".into())
}

/// `Update nafo` → `update nafo`, but `API change` keeps its acronym.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), second) if first.is_uppercase() && !second.is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_string(),
    }
}

/// The configured type nearest to what was written (`feature` → `feat`), when near enough.
fn closest<'a>(word: &str, types: &'a [String]) -> Option<&'a str> {
    let lower = word.to_lowercase();
    if let Some(t) = types.iter().find(|t| **t == lower) {
        return Some(t);
    }
    let prefixed =
        types.iter().filter(|t| lower.starts_with(t.as_str()) || t.starts_with(&lower)).max_by_key(|t| t.len());
    if let Some(t) = prefixed.filter(|_| lower.len() >= 3) {
        return Some(t);
    }
    types
        .iter()
        .map(|t| (strsim::jaro_winkler(&lower, t), t))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, t)| t.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ConventionalOptions {
        ConventionalOptions::new(None, None, None, None).unwrap()
    }

    fn problems(options: &ConventionalOptions, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        check(options, &Message::new(None, text.into()), &mut out);
        out.into_iter().map(|d| d.message).collect()
    }

    /// The reading of a subject is that of the regular expression of the specification's
    /// grammar, whatever the subject.
    fn header_as_the_regex_reads_it(subject: &str) -> Option<Header<'_>> {
        static GRAMMAR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"^(?P<type>[^\s():!]+)(?:\((?P<scope>[^()]*)\))?(?P<bang>!)?:(?P<space>\s*)(?P<desc>.*)$",
            )
            .unwrap()
        });
        let caps = GRAMMAR.captures(subject)?;
        let part = |name: &str| caps.name(name).map(|m| &subject[m.range()]);
        Some(Header {
            kind: part("type")?,
            scope: part("scope"),
            bang: part("bang").is_some(),
            space: part("space")?,
            description: part("desc")?,
        })
    }

    #[test]
    fn headers_are_read_as_the_grammar_says() {
        for subject in [
            "feat: add x",
            "fix(api): handle null",
            "feat(api)!: drop v1",
            "feat()!:x",
            "feat(a(b)): x",
            "feat(a: x",
            "feat)a: x",
            "feat!!: x",
            "feat:\u{3000}wide space",
            "feat:   ",
            "feat",
            ": x",
            "(scope): x",
            "fe at: x",
            "feat\n: x",
            "feat: x\ny",
            "é:\n",
            "feat(a\nb):  \n x",
            "überfeat(ünï): çà",
            "",
        ] {
            assert_eq!(header(subject), header_as_the_regex_reads_it(subject), "{subject:?}");
        }
    }

    proptest::proptest! {
        // Failures are shown with the smallest subject; none is kept in the source tree.
        #![proptest_config(proptest::test_runner::Config {
            cases: 2000,
            failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Off)),
            ..proptest::test_runner::Config::default()
        })]

        #[test]
        fn headers_match_the_grammar_on_any_subject(subject in "[a!:() \t\u{a0}é\n]{0,12}") {
            proptest::prop_assert_eq!(header(&subject), header_as_the_regex_reads_it(&subject));
        }
    }

    #[test]
    fn valid_subjects_pass() {
        for ok in [
            "feat: add x",
            "fix(api): handle null",
            "feat(api)!: drop v1",
            "refactor!: rename",
            "fixup! feat: add x",
            "Merge branch 'feat/x'",
            "Revert \"feat: add x\"",
        ] {
            assert!(problems(&opts(), ok).is_empty(), "{ok}: {:?}", problems(&opts(), ok));
        }
    }

    #[test]
    fn errors_say_what_is_wrong_with_an_example_from_the_subject() {
        let p = problems(&opts(), "update nafo on fulfillment");
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("does not start with a type"), "{}", p[0]);
        assert!(p[0].contains("`fix: update nafo on fulfillment`"), "{}", p[0]);
        let p = problems(&opts(), "feature: Add login");
        assert!(p[0].contains("`feature` is not a commit type (did you mean `feat`?)"), "{}", p[0]);
        assert!(p[0].contains("`feat: add login`"), "{}", p[0]);
        let p = problems(&opts(), "OXP-1087: fix: update nafo");
        assert!(p[0].contains("for example `fix: update nafo`"), "{}", p[0]);
        let p = problems(&opts(), "feat:no space");
        assert!(p[0].contains("one space"), "{}", p[0]);
        let p = problems(&opts(), "Add the login page");
        assert!(p[0].contains("`feat: add the login page`"), "{}", p[0]);
        assert_eq!(problems(&opts(), "").len(), 1);
        assert!(problems(&opts(), "fix: ").iter().any(|p| p.contains("description")));
    }

    #[test]
    fn options() {
        let scoped = ConventionalOptions::new(
            Some(&["feat".into(), "fix".into(), "simplify".into()]),
            Some(&["api".into(), "ui".into()]),
            Some(true),
            Some(false),
        )
        .unwrap();
        assert!(problems(&scoped, "simplify(ui): x").is_empty());
        assert!(problems(&scoped, "feat: x")[0].contains("scope is required"));
        assert!(problems(&scoped, "feat: x")[0].contains("`feat(api): x`"));
        assert!(problems(&scoped, "feat(db): x")[0].contains("not one of api, ui"));
        assert!(problems(&scoped, "feat(ui)!: x")[0].contains("breaking"));
        assert!(problems(&scoped, "docs(ui): x")[0].contains("not a commit type"));
        assert!(problems(&scoped, "feat(ui): x\n\nBREAKING CHANGE: gone\n")[0].contains("BREAKING CHANGE"));
        assert!(ConventionalOptions::new(Some(&[]), None, None, None).is_err());
        assert_eq!(ConventionalOptions::new(Some(&["a b".into()]), None, None, None).unwrap_err().key, Some("types"));
    }
}
