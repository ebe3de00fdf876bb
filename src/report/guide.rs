//! "Where do I start?": after the check lines, what to do first — what ward fixed, what a
//! command can fix, what needs a person (by file), and one line of counts and slow checks.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use crate::outcome::{CheckOutcome, Diagnostic, Report, Severity, Status, FILE_ACCESS_RULE};
use crate::printer::escape::name;
use crate::printer::Styles;

/// How many fixable files are named before "… and N more".
const MAX_LISTED: usize = 20;

/// What the guide needs beyond the report: which checks can fix, and how this run was invoked.
pub struct Context<'a> {
    /// Ids of checks that can fix (built-in fixers, external checks with `fix`).
    pub fixers: &'a HashSet<String>,
    /// True in a `--check` run, where fixers only reported.
    pub check_mode: bool,
    /// The selection flags that reproduce this run's files (` --all`, ` --from-ref main`).
    pub selection_args: &'a str,
    /// Files whose fix was dropped because it overlapped the user's unstaged changes, with the
    /// checks that had fixed them.
    pub dropped: &'a [(String, String)],
    /// Files with unstaged changes besides the staged ones: `git add -p`, not `git add`.
    pub partially_staged: &'a [String],
}

pub fn render(report: &Report, ctx: &Context, styles: &Styles) -> String {
    let mut out = String::new();
    fixed(&mut out, report, ctx, styles);
    dropped(&mut out, ctx, styles);
    fixable(&mut out, report, ctx, styles);
    needs_a_person(&mut out, report, ctx, styles);
    out.push_str(&closing_line(report, styles));
    out
}

fn heading(out: &mut String, styles: &Styles, text: &str) {
    let _ = writeln!(out, "\n{}", Styles::paint(styles.bold, text));
}

/// Section 1 on its own, for `ward run --fix`, which shows it before checking again.
pub fn fixed_section(report: &Report, ctx: &Context, styles: &Styles) -> String {
    let mut out = String::new();
    fixed(&mut out, report, &Context { check_mode: false, ..*ctx }, styles);
    dropped(&mut out, ctx, styles);
    out
}

/// 1. Files ward already changed, and by which checks.
fn fixed(out: &mut String, report: &Report, ctx: &Context, styles: &Styles) {
    if ctx.check_mode {
        return;
    }
    let mut by_file: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut checks = Vec::new();
    for check in report.checks.iter().filter(|c| !c.modified_files.is_empty()) {
        checks.push(check.id.as_str());
        for path in &check.modified_files {
            by_file.entry(path).or_default().push(&check.id);
        }
    }
    if by_file.is_empty() {
        return;
    }
    let files = plural(by_file.len(), "file was", "files were");
    let checks: Vec<_> = checks.iter().map(|id| name(id)).collect();
    let checks: Vec<&str> = checks.iter().map(|id| id.as_ref()).collect();
    let partial = |path: &str| ctx.partially_staged.iter().any(|p| p == path);
    let partly = by_file.keys().filter(|p| partial(p)).count();
    // `git add` on a partially staged file would stage the user's unstaged edits too.
    let how = match partly {
        0 => "review and `git add` them".to_string(),
        n if n == by_file.len() => {
            "review and stage the fixes with `git add -p` (your unstaged edits are in them too)".to_string()
        }
        _ => "review and `git add` them (`git add -p` where marked: your unstaged edits are in those too)".to_string(),
    };
    heading(out, styles, &format!("{files} fixed by {}: {how}", and_list(&checks)));
    let width = by_file.keys().map(|p| name(p).chars().count()).max().unwrap_or(0);
    for (path, ids) in &by_file {
        let mark = if partly > 0 && partly < by_file.len() && partial(path) { "  (git add -p)" } else { "" };
        let path = name(path);
        let ids: Vec<_> = ids.iter().map(|id| name(id)).collect();
        let _ = writeln!(
            out,
            "  {}  {}{mark}",
            pad(&Styles::paint(styles.path, &path), &path, width),
            Styles::paint(styles.subtle, &ids.join(", "))
        );
    }
}

/// 1b. Fixes that were not kept because they overlapped the user's unstaged changes.
fn dropped(out: &mut String, ctx: &Context, styles: &Styles) {
    if ctx.dropped.is_empty() {
        return;
    }
    let fixes = plural(ctx.dropped.len(), "fix was", "fixes were");
    heading(out, styles, &format!("{fixes} dropped: it overlapped your unstaged changes, so your version is kept"));
    for (path, check) in ctx.dropped {
        let _ = writeln!(out, "  {}  {}", Styles::paint(styles.path, path), Styles::paint(styles.subtle, check));
    }
    let checks: BTreeSet<&str> = ctx.dropped.iter().map(|(_, c)| c.as_str()).collect();
    let paths: Vec<String> = ctx.dropped.iter().map(|(p, _)| shell_word(p)).collect();
    let command =
        format!("ward run --fix {} --files {}", checks.into_iter().collect::<Vec<_>>().join(" "), paths.join(" "));
    let _ =
        writeln!(out, "  stage or stash your other edits there, then run `{}`", Styles::paint(styles.bold, &command));
}

fn shell_word(word: &str) -> String {
    shlex::try_quote(word).map_or_else(|_| word.to_string(), |q| q.into_owned())
}

/// 2. Checks that could fix but did not: the exact command that would.
fn fixable(out: &mut String, report: &Report, ctx: &Context, styles: &Styles) {
    let mut ids = Vec::new();
    let mut files = BTreeSet::new();
    for check in report.checks.iter().filter(|c| ctx.fixers.contains(&c.id)) {
        // Files the tool could not parse or read are not the fixer's to fix: they need a person.
        let findings: Vec<&Diagnostic> = check.diagnostics.iter().filter(|d| d.severity != Severity::Info).collect();
        let fixable: Vec<&Diagnostic> = findings
            .iter()
            .copied()
            .filter(|d| !d.is_syntax_error() && d.rule.as_deref() != Some(FILE_ACCESS_RULE))
            .collect();
        let would_fix =
            ctx.check_mode && check.status == Status::Failed && (findings.is_empty() || !fixable.is_empty());
        let skipped_by_user =
            check.status == Status::Skipped && check.reason.as_deref().is_some_and(|r| r.contains("SKIP"));
        if would_fix || skipped_by_user {
            ids.push(check.id.as_str());
            files.extend(fixable.iter().filter_map(|d| d.path.as_deref()));
        }
    }
    if ids.is_empty() {
        return;
    }
    let ids: Vec<_> = ids.iter().map(|id| name(id)).collect();
    let command = format!("ward run --fix {}{}", ids.join(" "), ctx.selection_args);
    let what =
        if files.is_empty() { String::new() } else { format!(" to fix {}", plural(files.len(), "file", "files")) };
    heading(out, styles, "A command can fix this");
    let _ = writeln!(out, "  run `{}`{what}", Styles::paint(styles.bold, &command));
    for path in files.iter().take(MAX_LISTED) {
        let _ = writeln!(out, "    {}", Styles::paint(styles.path, &name(path)));
    }
    if files.len() > MAX_LISTED {
        let _ = writeln!(out, "    … and {} more", files.len() - MAX_LISTED);
    }
}

/// One finding a person must look at, tagged with the check that found it.
struct Finding<'a> {
    line: Option<u32>,
    column: Option<u32>,
    severity: Severity,
    message: &'a str,
    check: &'a str,
}

/// Section 3: findings that need a person, merged per file across checks; files with failures
/// first, failures before warnings within a file; findings outside the commit folded.
fn needs_a_person(out: &mut String, report: &Report, ctx: &Context, styles: &Styles) {
    let mut by_file: BTreeMap<&str, Vec<Finding>> = BTreeMap::new();
    let mut general: Vec<(Severity, String)> = Vec::new();
    let mut folded: Vec<String> = Vec::new();
    for check in report.checks.iter() {
        let fixer_failed = ctx.fixers.contains(&check.id) && check.status == Status::Failed;
        // What `ward run --fix` would change (section 2) or has changed (section 1) is listed
        // there. A failure about a whole file (it could not be read or written) and a file the
        // tool could not parse need you, whatever the mode.
        let covered = |d: &Diagnostic| {
            fixer_failed
                && d.rule.as_deref() != Some(FILE_ACCESS_RULE)
                && !d.is_syntax_error()
                && (ctx.check_mode || d.path.as_deref().is_some_and(|p| check.modified_files.iter().any(|m| m == p)))
        };
        let shown: Vec<&Diagnostic> = check
            .diagnostics
            .iter()
            .filter(|d| d.severity != Severity::Info && !covered(d) && !d.is_outside_selection())
            .collect();
        add_findings(&mut by_file, &mut general, &check.id, &shown);
        if let Some(line) = folded_line(check) {
            folded.push(line);
        }
        match check.status {
            Status::Error => general.push((
                Severity::Error,
                format!(
                    "{} could not run: {}",
                    name(&check.id),
                    check.reason.as_deref().unwrap_or("see its output above")
                ),
            )),
            Status::Failed
                if !check.diagnostics.iter().any(|d| d.severity == Severity::Error)
                    && check.modified_files.is_empty()
                    && !ctx.dropped.iter().any(|(_, id)| *id == check.id) =>
            {
                // The tool's output is shown above only when it had no findings.
                let why = if check.diagnostics.iter().any(|d| d.severity == Severity::Warning) {
                    "its exit code says the warnings listed here fail it"
                } else {
                    "its output is above"
                };
                general.push((Severity::Error, format!("{} failed: {why}", name(&check.id))));
            }
            _ => {}
        }
    }
    if by_file.is_empty() && general.is_empty() && folded.is_empty() {
        return;
    }
    heading(out, styles, "Needs you, by file (most problems first)");
    let mut files: Vec<(&str, Vec<Finding>)> = by_file.into_iter().collect();
    let fails = |findings: &[Finding]| findings.iter().any(|f| f.severity == Severity::Error);
    files.sort_by(|a, b| fails(&b.1).cmp(&fails(&a.1)).then(b.1.len().cmp(&a.1.len())).then(a.0.cmp(b.0)));
    for (path, mut findings) in files {
        findings.sort_by_key(|f| (f.severity, f.line.unwrap_or(0), f.column.unwrap_or(0)));
        let _ = writeln!(out, "  {} ({})", Styles::paint(styles.path, &name(path)), findings.len());
        for f in findings {
            let at = match (f.line, f.column) {
                (Some(l), Some(c)) => format!("{l}:{c}"),
                (Some(l), None) => l.to_string(),
                _ => "-".to_string(),
            };
            let message = first_line(f.message);
            let message = match f.severity {
                Severity::Warning => format!("{} {}", Styles::paint(styles.warning, "warning:"), one_line(message)),
                _ => one_line(message),
            };
            let _ = writeln!(
                out,
                "    {at:>7}  {message}  {}",
                Styles::paint(styles.subtle, &format!("[{}]", name(f.check)))
            );
        }
    }
    general.sort_by_key(|(severity, _)| *severity);
    for (severity, line) in general {
        match severity {
            Severity::Warning => {
                let _ = writeln!(out, "  {} {}", Styles::paint(styles.warning, "warning:"), one_line(&line));
            }
            _ => {
                let _ = writeln!(out, "  {}", one_line(&line));
            }
        }
    }
    for line in folded {
        let _ = writeln!(out, "  {}", Styles::paint(styles.subtle, &line));
    }
}

/// One line for a check's findings in files outside the selection (pre-existing, not blocking).
fn folded_line(check: &CheckOutcome) -> Option<String> {
    let outside: Vec<&Diagnostic> = check.diagnostics.iter().filter(|d| d.is_outside_selection()).collect();
    if outside.is_empty() {
        return None;
    }
    let files: BTreeSet<&str> = outside.iter().filter_map(|d| d.path.as_deref()).collect();
    // The note the demotion appended, "(in a file that is not being committed)", says where.
    let note = outside[0].message.rsplit_once(" (in a file ").map_or("", |(_, n)| n.trim_end_matches(')'));
    Some(format!(
        "{}: {} in {} {note}, not blocking (`ward run --all {}` lists them; `ward baseline` records them)",
        check.id,
        plural(outside.len(), "finding", "findings"),
        plural(files.len(), "file", "files"),
        check.id
    ))
}

fn add_findings<'a>(
    by_file: &mut BTreeMap<&'a str, Vec<Finding<'a>>>,
    general: &mut Vec<(Severity, String)>,
    check: &'a str,
    shown: &[&'a Diagnostic],
) {
    for d in shown {
        match d.path.as_deref() {
            Some(path) => by_file.entry(path).or_default().push(Finding {
                line: d.line,
                column: d.column,
                severity: d.severity,
                message: &d.message,
                check,
            }),
            None => general.push((d.severity, format!("{}: {}", name(check), first_line(&d.message)))),
        }
    }
}

/// 4. Counts, time, and the slowest checks.
pub fn closing_line(report: &Report, styles: &Styles) -> String {
    let s = &report.summary;
    let mut parts = Vec::new();
    if s.failed > 0 {
        parts.push(Styles::paint(styles.failed, &format!("{} failed", s.failed)));
    }
    if s.errors > 0 {
        parts.push(Styles::paint(styles.failed, &format!("{} could not run", s.errors)));
    }
    if s.passed > 0 || parts.is_empty() {
        let style = if s.failed + s.errors == 0 { styles.passed } else { styles.subtle };
        parts.push(Styles::paint(style, &format!("{} passed", s.passed)));
    }
    if s.skipped > 0 {
        parts.push(Styles::paint(styles.skipped, &format!("{} skipped", s.skipped)));
    }
    let mut slow: Vec<&CheckOutcome> = report.checks.iter().filter(|c| c.duration_ms >= 100).collect();
    slow.sort_by_key(|c| std::cmp::Reverse(c.duration_ms));
    let slowest: Vec<String> =
        slow.iter().take(3).map(|c| format!("{} {}", name(&c.id), seconds(c.duration_ms))).collect();
    let mut tail = if slowest.is_empty() { String::new() } else { format!("; slowest: {}", slowest.join(", ")) };
    let known: usize = report.checks.iter().map(|c| crate::outcome::baseline::matched(&c.diagnostics)).sum();
    if known > 0 {
        tail.push_str(&format!(
            "; {} in {} not reported",
            plural(known, "known finding", "known findings"),
            crate::outcome::baseline::FILE_NAME
        ));
    }
    let cache = match s.cache {
        Some(c) if c.from_cache > 0 => {
            let how = match (c.whole_run, c.rechecked) {
                (true, _) => " (every file as in the index: the whole report at once)".to_string(),
                (false, Some(n)) => format!(
                    " (the index's report, with the {} that differ from it checked again)",
                    plural(n, "file", "files")
                ),
                (false, None) => String::new(),
            };
            let text = format!(
                "{}, {}, {} from cache{how}",
                plural(c.checks, "check", "checks"),
                plural_number(c.files, "file", "files"),
                crate::printer::thousands(c.from_cache as u64),
            );
            format!("{}\n", Styles::paint(styles.subtle, &text))
        }
        _ => String::new(),
    };
    format!("\n{} in {}{tail}\n{cache}", parts.join(", "), seconds(s.duration_ms))
}

fn plural_number(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", crate::printer::thousands(n as u64), if n == 1 { one } else { many })
}

fn seconds(ms: u64) -> String {
    format!("{:.2}s", ms as f64 / 1000.0)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// A message from a tool as one line of the guide: control sequences out, breaks as spaces.
fn one_line(text: &str) -> String {
    crate::printer::escape::terminal(text, false).replace('\n', " ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Pads a possibly coloured `painted` to the width of its plain `text`.
fn pad(painted: &str, text: &str, width: usize) -> String {
    format!("{painted}{}", " ".repeat(width.saturating_sub(text.chars().count())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, status: Status) -> CheckOutcome {
        CheckOutcome {
            id: id.into(),
            name: id.into(),
            status,
            exit_code: None,
            duration_ms: 5,
            files: 1,
            modified_files: vec![],
            output: String::new(),
            diagnostics: vec![],
            reason: None,
            cache: None,
        }
    }

    fn render_plain(checks: Vec<CheckOutcome>, fixers: &[&str], check_mode: bool) -> String {
        let fixers: HashSet<String> = fixers.iter().map(|s| s.to_string()).collect();
        let report = Report::new(checks, 1234);
        let ctx =
            Context { fixers: &fixers, check_mode, selection_args: " --all", dropped: &[], partially_staged: &[] };
        render(&report, &ctx, &Styles::new(false))
    }

    #[test]
    fn fixed_files_come_first_with_the_checks_that_fixed_them() {
        let mut ws = check("trailing-whitespace", Status::Failed);
        ws.modified_files = vec!["a.php".into(), "b.md".into()];
        let mut cs = check("php-cs-fixer", Status::Failed);
        cs.modified_files = vec!["a.php".into()];
        let text = render_plain(vec![ws, cs], &["trailing-whitespace", "php-cs-fixer"], false);
        assert!(
            text.contains("2 files were fixed by trailing-whitespace and php-cs-fixer: review and `git add` them"),
            "{text}"
        );
        assert!(text.contains("  a.php  trailing-whitespace, php-cs-fixer\n"), "{text}");
        assert!(!text.contains("Needs you"), "{text}");
    }

    #[test]
    fn check_mode_names_the_fix_command() {
        let mut cs = check("php-cs-fixer", Status::Failed);
        cs.diagnostics = vec![Diagnostic::error("a.php", "needs fixing"), Diagnostic::error("b.php", "needs fixing")];
        let text = render_plain(vec![cs], &["php-cs-fixer"], true);
        assert!(text.contains("run `ward run --fix php-cs-fixer --all` to fix 2 files"), "{text}");
    }

    #[test]
    fn findings_are_merged_per_file_most_first() {
        let mut stan = check("phpstan", Status::Failed);
        stan.diagnostics = vec![
            Diagnostic::error("src/A.php", "Call to undefined method").at_line(12),
            Diagnostic::error("src/B.php", "Unknown class").at_line(3),
        ];
        let mut dep = check("deptrac", Status::Failed);
        dep.diagnostics = vec![Diagnostic::error("src/A.php", "Domain must not depend on Infra").at_line(4)];
        let mut lint = check("php-lint", Status::Error);
        lint.reason = Some("php: command not found".into());
        let text = render_plain(vec![stan, dep, lint], &[], false);
        let a = text.find("src/A.php (2)").expect("A first");
        let b = text.find("src/B.php (1)").expect("B");
        assert!(a < b, "{text}");
        let four = text.find("Domain must not").expect("deptrac");
        let twelve = text.find("Call to undefined").expect("phpstan");
        assert!(four < twelve, "sorted by line within a file: {text}");
        assert!(
            text.contains("[deptrac]") && text.contains("php-lint could not run: php: command not found"),
            "{text}"
        );
    }

    #[test]
    fn nothing_a_check_line_counts_goes_unlisted() {
        // Fix mode: a fixer's finding in a file it did not change is nobody else's to list.
        let mut cs = check("php-cs-fixer", Status::Failed);
        cs.diagnostics = vec![Diagnostic::error("a.php", "needs fixing"), Diagnostic::error("b.php", "needs fixing")];
        cs.modified_files = vec!["a.php".into()];
        let text = render_plain(vec![cs.clone()], &["php-cs-fixer"], false);
        assert!(text.contains("1 file was fixed") && text.contains("  a.php  php-cs-fixer"), "{text}");
        assert!(text.contains("b.php (1)"), "{text}");
        // Check mode: unparsable files are not offered to --fix but listed for a person.
        let mut broken = check("php-cs-fixer", Status::Failed);
        broken.diagnostics = vec![Diagnostic::error("c.php", "could not parse").with_rule("syntax-error")];
        let text = render_plain(vec![broken], &["php-cs-fixer"], true);
        assert!(!text.contains("A command can fix this"), "{text}");
        assert!(text.contains("c.php (1)"), "{text}");
    }

    #[test]
    fn outside_findings_are_folded_and_errors_sort_first() {
        let mut dep = check("deptrac", Status::Failed);
        dep.diagnostics = vec![
            Diagnostic::error("src/Old.php", format!("old{}", crate::outcome::OUTSIDE_COMMIT))
                .with_severity(Severity::Warning),
            Diagnostic::error("src/New.php", "a warning").at_line(1).with_severity(Severity::Warning),
            Diagnostic::error("src/New.php", "an error").at_line(9),
            Diagnostic::error("src/Warn.php", "only a warning").with_severity(Severity::Warning),
        ];
        let text = render_plain(vec![dep], &[], false);
        assert!(!text.contains("src/Old.php"), "{text}");
        assert!(text.contains("deptrac: 1 finding in 1 file that is not being committed, not blocking"), "{text}");
        let error = text.find("an error").expect("error");
        assert!(error < text.find("a warning").expect("warning"), "{text}");
        assert!(text.find("src/New.php").expect("new") < text.find("src/Warn.php").expect("warn"), "{text}");
    }

    #[test]
    fn closing_line_counts_and_names_the_slowest() {
        let mut slow = check("phpstan", Status::Passed);
        slow.duration_ms = 3100;
        let text = render_plain(vec![slow, check("a", Status::Skipped)], &[], false);
        assert!(text.ends_with("1 passed, 1 skipped in 1.23s; slowest: phpstan 3.10s\n"), "{text}");
    }
}
