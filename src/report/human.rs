//! The human report: one line per check in the familiar pre-commit shape, details of failures,
//! and a closing summary.

use std::fmt::Write as _;

use crate::outcome::{CheckOutcome, Diagnostic, Severity, Status};
use crate::printer::escape::name;
use crate::printer::Styles;

const NO_FILES: &str = "(no files to check)";

/// How much to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// The width check lines are padded to: wide enough for the longest name and a skip note.
pub fn line_width(names: impl Iterator<Item = usize>, available: usize) -> usize {
    let longest = names.max().unwrap_or(0);
    (longest + 3 + NO_FILES.len() + 1 + "Skipped".len()).max(available.min(79))
}

/// One check: its status line and, when it failed, errored or when verbose, its details.
pub fn render_check(check: &CheckOutcome, width: usize, styles: &Styles, verbosity: Verbosity) -> String {
    let mut out = String::new();
    let interesting = matches!(check.status, Status::Failed | Status::Error);
    if verbosity == Verbosity::Quiet && !interesting {
        return out;
    }
    let (label, style, note) = match check.status {
        Status::Passed => ("Passed", styles.passed, ""),
        Status::Failed => ("Failed", styles.failed, ""),
        Status::Error => ("Error", styles.failed, ""),
        Status::Skipped if check.reason.as_deref() == Some("no files to check") => {
            ("Skipped", styles.no_files, NO_FILES)
        }
        Status::Skipped if check.reason.as_deref() == Some("interrupted") => ("Stopped", styles.skipped, ""),
        Status::Skipped => ("Skipped", styles.skipped, ""),
    };
    let shown = name(&check.name);
    let name_width = shown.chars().count();
    let dots = width.saturating_sub(name_width + note.len() + label.len()).max(1);
    let _ = writeln!(out, "{shown}{}{}{}", ".".repeat(dots), note, Styles::paint(style, label));
    if !interesting && verbosity != Verbosity::Verbose {
        return out;
    }
    let subtle = |s: &str| Styles::paint(styles.subtle, s);
    let _ = writeln!(out, "{}", subtle(&format!("- id: {}", name(&check.id))));
    if verbosity == Verbosity::Verbose {
        let _ = writeln!(out, "{}", subtle(&format!("- duration: {:.2}s", check.duration_ms as f64 / 1000.0)));
    }
    if let Some(cache) = check.cache.as_ref().filter(|c| verbosity == Verbosity::Verbose && c.from_cache > 0) {
        let checked = if cache.checked.is_empty() {
            "nothing checked again".to_string()
        } else {
            let names: Vec<String> = cache.checked.iter().map(|p| crate::printer::escape_control(p)).collect();
            format!("checked: {}", names.join(", "))
        };
        let _ = writeln!(
            out,
            "{}",
            subtle(&format!("- {} from cache; {checked}", crate::printer::thousands(cache.from_cache as u64)))
        );
    }
    if let Some(code) = check.exit_code.filter(|c| *c != 0) {
        let _ = writeln!(out, "{}", subtle(&format!("- exit code: {code}")));
    }
    let reason = check.reason.as_deref().map(|r| styles.tool_text(r).replace('\n', " "));
    if let Some(reason) = reason.as_deref().filter(|_| check.status != Status::Skipped) {
        let _ = writeln!(out, "{}", Styles::paint(styles.error, &format!("- error: {reason}")));
    } else if let Some(reason) = reason.as_deref() {
        let _ = writeln!(out, "{}", subtle(&format!("- {reason}")));
    }
    if !check.modified_files.is_empty() {
        let _ = writeln!(out, "{}", subtle("- files were modified by this check:"));
        for path in &check.modified_files {
            let _ = writeln!(out, "    {}", name(path));
        }
    }
    if let Some(line) = findings_line(check).filter(|_| verbosity != Verbosity::Verbose) {
        let _ = writeln!(out, "{}", subtle(&line));
    }
    let body = details(check, verbosity);
    let body = styles.tool_text(&body);
    if !body.trim().is_empty() {
        out.push('\n');
        for line in body.trim_end().lines() {
            let _ = writeln!(out, "    {line}");
        }
        out.push('\n');
    }
    out
}

/// What a person reads under a failed check: the tool's own output when it has no findings
/// (or with `-v`); findings are listed once, by file, in the guide after the check lines.
fn details(check: &CheckOutcome, verbosity: Verbosity) -> String {
    if verbosity == Verbosity::Verbose && !check.output.trim().is_empty() {
        return check.output.clone();
    }
    // A tool that could not do its job is explained by its output ("see its output below"),
    // also when it printed some findings first.
    if check.diagnostics.is_empty() || check.status == Status::Error {
        return check.output.clone();
    }
    if verbosity == Verbosity::Verbose {
        return check.diagnostics.iter().map(format_diagnostic).collect::<Vec<_>>().join("\n");
    }
    String::new()
}

/// "- 3 problems in 2 files, listed by file below": only what the guide lists; findings in
/// files outside the selection are folded there into one line, and counted so here.
fn findings_line(check: &CheckOutcome) -> Option<String> {
    let shown = |d: &&Diagnostic| d.severity != Severity::Info && !d.is_outside_selection();
    let problems = check.diagnostics.iter().filter(shown).count();
    let outside = check.diagnostics.iter().filter(|d| d.is_outside_selection()).count();
    if problems == 0 {
        return (outside > 0).then(|| format!("- {outside} in files outside this run's selection, counted below"));
    }
    let files: std::collections::BTreeSet<&str> =
        check.diagnostics.iter().filter(shown).filter_map(|d| d.path.as_deref()).collect();
    let noun = if problems == 1 { "problem" } else { "problems" };
    let more = if outside > 0 {
        format!(" (and {outside} outside this run's selection, counted below)")
    } else {
        String::new()
    };
    Some(match files.len() {
        0 => format!("- {problems} {noun}, listed below{more}"),
        1 => format!("- {problems} {noun} in 1 file, listed below{more}"),
        n => format!("- {problems} {noun} in {n} files, listed by file below{more}"),
    })
}

/// `path:line:col: message`, the shape editors and terminals turn into links.
///
/// The path is quoted when it holds control characters; the message is shown as tool output.
pub fn format_diagnostic(d: &Diagnostic) -> String {
    let mut location = d.path.as_deref().map(|p| name(p).into_owned()).unwrap_or_default();
    if let Some(line) = d.line {
        let _ = write!(location, ":{line}");
        if let Some(col) = d.column {
            let _ = write!(location, ":{col}");
        }
    }
    let severity = match d.severity {
        Severity::Error => "",
        Severity::Warning => "warning: ",
        Severity::Info => "note: ",
    };
    let message = crate::printer::escape::terminal(&d.message, false);
    if location.is_empty() {
        format!("{severity}{message}")
    } else {
        format!("{location}: {severity}{message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: Status) -> CheckOutcome {
        CheckOutcome {
            id: "php-lint".into(),
            name: "php lint".into(),
            status,
            exit_code: None,
            duration_ms: 10,
            files: 1,
            modified_files: vec![],
            output: String::new(),
            diagnostics: vec![],
            reason: None,
            cache: None,
        }
    }

    #[test]
    fn status_line_is_padded_to_width() {
        let line = render_check(&outcome(Status::Passed), 40, &Styles::new(false), Verbosity::Normal);
        assert_eq!(line, format!("php lint{}Passed\n", ".".repeat(40 - 8 - 6)));
    }

    #[test]
    fn no_files_note_sits_before_status() {
        let mut check = outcome(Status::Skipped);
        check.reason = Some("no files to check".into());
        let line = render_check(&check, 60, &Styles::new(false), Verbosity::Normal);
        assert!(line.ends_with("(no files to check)Skipped\n"), "{line}");
    }

    #[test]
    fn failure_shows_id_code_and_indented_output() {
        let mut check = outcome(Status::Failed);
        check.exit_code = Some(255);
        check.output = "Parse error in a.php\n".into();
        let text = render_check(&check, 40, &Styles::new(false), Verbosity::Normal);
        assert!(text.contains("- id: php-lint\n- exit code: 255\n\n    Parse error in a.php\n"), "{text}");
    }

    #[test]
    fn an_errored_check_shows_its_output_beside_findings() {
        let mut check = outcome(Status::Error);
        check.reason = Some("deptrac exited 255 without a report; see its output below".into());
        check.output = "In Analyser.php line 3: boom\n".into();
        check.diagnostics = vec![Diagnostic::error("a.php", "x")];
        let text = render_check(&check, 40, &Styles::new(false), Verbosity::Normal);
        assert!(text.contains("    In Analyser.php line 3: boom"), "{text}");
    }

    #[test]
    fn quiet_hides_passing_checks() {
        assert_eq!(render_check(&outcome(Status::Passed), 40, &Styles::new(false), Verbosity::Quiet), "");
    }

    #[test]
    fn diagnostic_shape() {
        let d = Diagnostic::error("src/a.php", "trailing whitespace").at_line(3).at_column(7);
        assert_eq!(format_diagnostic(&d), "src/a.php:3:7: trailing whitespace");
    }
}
