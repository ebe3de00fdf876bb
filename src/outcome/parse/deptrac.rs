//! deptrac's `--formatter=json` report: violations are errors, skipped violations and uncovered
//! dependencies (reported only with `--report-skipped` / `--report-uncovered`) are warnings.

use std::path::Path;

use serde_json::Value;

use super::relativize;
use super::shared::{json_document, number, project_diagnostic, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], root: &Path) -> Vec<Diagnostic> {
    let Some(report) = json_document(stdout) else {
        return Vec::new();
    };
    let mut diagnostics = Vec::new();
    // `files` is a PHP array too: `[]` when nothing was reported.
    if let Some(files) = report.get("files").and_then(Value::as_object) {
        for (path, file) in files {
            let messages = file.get("messages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            diagnostics.extend(messages.iter().filter_map(|message| file_message(path, message, root)));
        }
    }
    // The JSON formatter only counts analyser errors and warnings; their text is in the table output.
    let count = |key: &str| number(report.pointer(&format!("/Report/{key}"))).unwrap_or(0);
    if count("Errors") > 0 {
        diagnostics.push(project_diagnostic(
            Severity::Error,
            format!("deptrac reported {} error(s) that its JSON report does not describe", count("Errors")),
        ));
    }
    if count("Warnings") > 0 {
        diagnostics.push(project_diagnostic(
            Severity::Warning,
            format!("deptrac reported {} warning(s) that its JSON report does not describe", count("Warnings")),
        ));
    }
    diagnostics
}

/// deptrac's "Syntax Error on File <path>" lines, each followed by the parser's message
/// ("Syntax error, unexpected token "}" on line 9"): the file was left out of the analysis.
/// Returns them as warnings on their files, and the text that is something else.
pub(super) fn syntax_errors(noise: &str, root: &Path) -> (Vec<Diagnostic>, String) {
    let mut diagnostics = Vec::new();
    let mut rest = String::new();
    let mut lines = noise.lines();
    while let Some(line) = lines.next() {
        let Some(path) = line.trim().strip_prefix("Syntax Error on File ").filter(|p| !p.is_empty()) else {
            rest.push_str(line);
            rest.push('\n');
            continue;
        };
        let reason = lines.next().map(str::trim).unwrap_or_default();
        let line_no = reason.rsplit_once(" on line ").and_then(|(_, n)| n.trim().parse::<u32>().ok());
        let mut message = "deptrac could not parse this file, so its dependencies were not checked".to_string();
        if !reason.is_empty() {
            message.push_str(&format!(": {reason}"));
        }
        diagnostics.push(Diagnostic {
            path: Some(relativize(path.trim(), root)),
            line: line_no.filter(|n| *n > 0),
            column: None,
            severity: Severity::Warning,
            message,
            rule: Some(crate::outcome::SYNTAX_ERROR_RULE.to_string()),
            commit: None,
        });
    }
    (diagnostics, rest)
}

fn file_message(path: &str, message: &Value, root: &Path) -> Option<Diagnostic> {
    let text_out = text(message.get("message"))?;
    let (severity, rule) = match text(message.get("type")) {
        Some("warning") if text_out.contains(" has uncovered dependency on ") => (Severity::Warning, "uncovered"),
        Some("warning") => (Severity::Warning, "skipped-violation"),
        _ => (Severity::Error, "violation"),
    };
    Some(Diagnostic {
        path: Some(relativize(path, root)),
        line: number(message.get("line")).filter(|n| *n > 0),
        column: None,
        severity,
        message: text_out.to_string(),
        rule: Some(rule.to_string()),
        commit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/work/repo";

    fn parse_at(stdout: &[u8]) -> Vec<Diagnostic> {
        parse(stdout, Path::new(ROOT))
    }

    #[test]
    fn violations_skipped_and_uncovered() {
        let diags = parse_at(include_bytes!("testdata/deptrac.violations.json"));
        assert_eq!(diags.len(), 4);
        // Files come out in path order; a path outside the root is kept as printed.
        assert_eq!(diags[0].path.as_deref(), Some("/elsewhere/Outside.php"));
        assert_eq!(
            diags[1],
            Diagnostic::error(
                "src/Billing/Controller/InvoiceController.php",
                "App\\Billing\\Controller\\InvoiceController has uncovered dependency on Symfony\\Bundle\\FrameworkBundle\\Controller\\AbstractController (Controller)"
            )
            .at_line(12)
            .with_rule("uncovered")
            .with_severity(Severity::Warning)
        );
        assert_eq!(
            diags[2],
            Diagnostic::error(
                "src/Billing/Domain/Invoice.php",
                "App\\Billing\\Domain\\Invoice should not depend on App\\Billing\\Infrastructure\\Clock (Domain on Infrastructure)"
            )
            .at_line(14)
            .with_rule("skipped-violation")
            .with_severity(Severity::Warning)
        );
        assert_eq!(
            diags[3],
            Diagnostic::error(
                "src/Billing/Domain/Invoice.php",
                "App\\Billing\\Domain\\Invoice must not depend on App\\Billing\\Infrastructure\\SystemClock (Domain on Infrastructure)"
            )
            .at_line(20)
            .with_rule("violation")
        );
    }

    #[test]
    fn syntax_error_lines_become_warnings_on_their_files() {
        let noise = "Syntax Error on File /work/repo/src/Broken.php\nSyntax error, unexpected token \"}\" on line 9\n\nsomething else";
        let (diags, rest) = syntax_errors(noise, Path::new(ROOT));
        assert_eq!(diags.len(), 1);
        assert_eq!((diags[0].path.as_deref(), diags[0].line), (Some("src/Broken.php"), Some(9)));
        assert_eq!(diags[0].severity, Severity::Warning);
        assert!(diags[0].message.ends_with(": Syntax error, unexpected token \"}\" on line 9"), "{}", diags[0].message);
        assert_eq!(rest.trim(), "something else");
    }

    #[test]
    fn clean_report_has_files_as_an_empty_array() {
        assert!(parse_at(include_bytes!("testdata/deptrac.clean.json")).is_empty());
    }

    #[test]
    fn analyser_errors_and_warnings_become_project_diagnostics() {
        let json = br#"{"Report":{"Violations":0,"Skipped violations":0,"Uncovered":0,"Allowed":0,"Warnings":1,"Errors":2},"files":[]}"#;
        let diags = parse_at(json);
        assert_eq!(diags.len(), 2);
        assert_eq!((diags[0].path.as_deref(), diags[0].severity), (None, Severity::Error));
        assert!(diags[0].message.contains("2 error(s)"));
        assert_eq!(diags[1].severity, Severity::Warning);
    }

    #[test]
    fn garbage_empty_and_truncated_give_nothing() {
        let full: &[u8] = include_bytes!("testdata/deptrac.violations.json");
        for input in
            [&b""[..], b"garbage", b"JSON Report dumped to /tmp/x.json", b"{\"files\":\"x\"}", &full[..full.len() / 2]]
        {
            assert!(parse_at(input).is_empty(), "{:?}", String::from_utf8_lossy(input));
        }
    }
}
