//! GitHub Actions: workflow-command annotations, and a Markdown job summary.

use std::collections::BTreeMap;

use crate::outcome::{CheckOutcome, Diagnostic, Report, Severity, Status};
use crate::report::common::{clean, head, unexplained, HEAD_LINES};

/// One `::error`/`::warning`/`::notice` line per finding and per unexplained failure.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for check in &report.checks {
        for diagnostic in &check.diagnostics {
            out.push_str(&annotation(check, diagnostic));
        }
        if let Some(problem) = unexplained(check) {
            let message = if problem.details == problem.title {
                problem.title.clone()
            } else {
                head(&problem.details, HEAD_LINES)
            };
            out.push_str(&format!("::error title={}::{}\n", escape_property(&problem.title), escape_data(&message)));
        }
    }
    out
}

fn annotation(check: &CheckOutcome, diagnostic: &Diagnostic) -> String {
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut properties = Vec::new();
    if let Some(path) = &diagnostic.path {
        properties.push(format!("file={}", escape_property(path)));
        if let Some(line) = diagnostic.line {
            properties.push(format!("line={line}"));
            if let Some(column) = diagnostic.column {
                properties.push(format!("col={column}"));
            }
        }
    }
    // A built-in's rule is usually its own name: `trailing-whitespace`, not
    // `trailing-whitespace: trailing-whitespace`.
    let title = match &diagnostic.rule {
        Some(rule) if rule != &check.name && rule != &check.id => format!("{}: {rule}", check.name),
        _ => check.name.clone(),
    };
    properties.push(format!("title={}", escape_property(&title)));
    let message = clean(&diagnostic.message);
    format!("::{command} {}::{}\n", properties.join(","), escape_data(message.trim_end()))
}

/// Escapes a command's message as the Actions runner unescapes it.
fn escape_data(text: &str) -> String {
    clean(text).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value, where `:` and `,` also end the value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A Markdown job summary (for `$GITHUB_STEP_SUMMARY`): a table of checks, then failures by file.
pub fn step_summary(report: &Report) -> String {
    let s = &report.summary;
    let verdict = if report.is_success() { "✅" } else { "❌" };
    let mut counts = Vec::new();
    for (n, word) in [(s.failed, "failed"), (s.errors, "errored"), (s.passed, "passed")] {
        if n > 0 {
            counts.push(format!("{n} {word}"));
        }
    }
    if s.skipped > 0 {
        counts.push(format!("{} skipped", s.skipped));
    }
    if counts.is_empty() {
        counts.push("no checks".into());
    }
    let mut md = format!("## ward {verdict}\n\n{} in {}\n\n", counts.join(", "), duration(s.duration_ms));

    if !report.checks.is_empty() {
        md.push_str("| Check | Status | Files | Time |\n| --- | --- | ---: | ---: |\n");
        for check in &report.checks {
            let status = match check.status {
                Status::Passed => "✅ passed",
                Status::Failed => "❌ failed",
                Status::Skipped => "⏭️ skipped",
                Status::Error => "💥 error",
            };
            md.push_str(&format!(
                "| {} | {status} | {} | {} |\n",
                markdown(&check.name),
                check.files,
                duration(check.duration_ms)
            ));
        }
    }

    let failing: Vec<&CheckOutcome> =
        report.checks.iter().filter(|c| matches!(c.status, Status::Failed | Status::Error)).collect();
    if failing.is_empty() {
        return md;
    }
    md.push_str("\n### Failures\n");

    // Path-less findings sort last: `None` is mapped past every path.
    let mut by_file: BTreeMap<(bool, &str), Vec<(&CheckOutcome, &Diagnostic)>> = BTreeMap::new();
    for &check in &failing {
        for diagnostic in &check.diagnostics {
            let key = match &diagnostic.path {
                Some(path) => (false, path.as_str()),
                None => (true, ""),
            };
            by_file.entry(key).or_default().push((check, diagnostic));
        }
    }
    for ((whole_project, path), mut findings) in by_file {
        let heading = if whole_project { "Whole project".to_string() } else { markdown(path) };
        md.push_str(&format!("\n#### {heading}\n\n"));
        findings.sort_by_key(|(_, d)| (d.line, d.column));
        for (check, diagnostic) in findings {
            md.push_str(&finding(check, diagnostic));
        }
    }
    for check in failing {
        let Some(problem) = unexplained(check) else {
            continue;
        };
        md.push_str(&format!("\n#### {}\n", markdown(&problem.title)));
        if problem.details != problem.title {
            md.push('\n');
            md.push_str(&code_block(&head(&problem.details, 50)));
        }
    }
    md
}

fn finding(check: &CheckOutcome, diagnostic: &Diagnostic) -> String {
    let mut item = String::from("- ");
    if let Some(line) = diagnostic.line {
        match diagnostic.column {
            Some(column) => item.push_str(&format!("**{line}:{column}** ")),
            None => item.push_str(&format!("**{line}** ")),
        }
    }
    match diagnostic.severity {
        Severity::Error => {}
        Severity::Warning => item.push_str("warning: "),
        Severity::Info => item.push_str("note: "),
    }
    item.push_str(&markdown(diagnostic.message.trim_end()));
    let origin = match &diagnostic.rule {
        Some(rule) => format!("{}, {}", markdown(&check.name), markdown(rule)),
        None => markdown(&check.name),
    };
    item.push_str(&format!(" ({origin})\n"));
    item
}

/// Inline Markdown text: one line, with everything GitHub would read as markup escaped.
fn markdown(text: &str) -> String {
    let mut out = String::new();
    for c in clean(text).chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '$' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// A fenced block whose fence is longer than any backtick run inside it.
fn code_block(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{text}\n{fence}\n")
}

fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{}.{:02} s", ms / 1000, ms % 1000 / 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn golden_annotations() {
        insta::assert_snapshot!(render(&fixture::report()));
    }

    #[test]
    fn golden_step_summary() {
        insta::assert_snapshot!(step_summary(&fixture::report()));
    }

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
        assert_eq!(escape_data("\u{1b}[31mred\u{1b}[0m\u{0}"), "red");
    }

    #[test]
    fn every_annotation_is_one_line() {
        let out = render(&fixture::report());
        for line in out.lines() {
            assert!(
                line.starts_with("::error ") || line.starts_with("::warning ") || line.starts_with("::notice "),
                "{line}"
            );
        }
        assert_eq!(out.lines().count(), 10);
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(markdown("a|b <b>*x*</b>\n`c` & $y$"), r"a\|b \<b\>\*x\*\</b\> \`c\` \& \$y\$");
        assert_eq!(code_block("a ``` b"), "````text\na ``` b\n````\n");
        assert_eq!(duration(999), "999 ms");
        assert_eq!(duration(61_234), "61.23 s");
    }

    #[test]
    fn all_passed_has_no_failures_section() {
        let report = Report::new(vec![fixture::check("fmt", Status::Passed)], 12);
        assert_eq!(
            step_summary(&report),
            "## ward ✅\n\n1 passed in 12 ms\n\n\
             | Check | Status | Files | Time |\n| --- | --- | ---: | ---: |\n\
             | fmt | ✅ passed | 0 | 0 ms |\n"
        );
        assert_eq!(render(&report), "");
    }
}
