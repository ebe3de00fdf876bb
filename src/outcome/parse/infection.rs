//! Infection's reports: escaped mutants from its GitLab code-quality log (`--logger-gitlab=FILE`,
//! what the preset asks for) or its JSON log (`logs.json` in infection.json5), and the minimum
//! MSI it says was not reached.

use std::path::Path;

use serde_json::Value;

use super::relativize;
use super::shared::{json_document, number, output_lines, project_diagnostic, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(report: &[u8], stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    let mut out = match serde_json::from_slice::<Value>(report).ok().or_else(|| json_document(report)) {
        Some(Value::Array(issues)) => issues.iter().filter_map(|i| gitlab_issue(i, root)).collect(),
        Some(log @ Value::Object(_)) => json_log(&log, root),
        _ => Vec::new(),
    };
    for line in output_lines(report, stderr) {
        let trimmed = line.trim().trim_start_matches("[ERROR]").trim();
        if trimmed.starts_with("The minimum required") && trimmed.contains("MSI percentage") {
            out.push(project_diagnostic(Severity::Error, trimmed.to_string()));
        }
    }
    out
}

fn gitlab_issue(issue: &Value, root: &Path) -> Option<Diagnostic> {
    let path = text(issue.pointer("/location/path"))?;
    let mutator = text(issue.get("check_name")).unwrap_or("mutator");
    Some(Diagnostic {
        path: Some(relativize(path, root)),
        line: number(issue.pointer("/location/lines/begin")).filter(|n| *n > 0),
        column: None,
        // Escaped mutants inform; whether they fail the run is the minimum MSI's call.
        severity: Severity::Warning,
        message: format!("escaped mutant ({mutator}): no test fails when this code is changed"),
        rule: Some(mutator.to_string()),
        commit: None,
    })
}

fn json_log(log: &Value, root: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (key, what) in [("escaped", "escaped mutant"), ("uncovered", "mutant not covered by any test")] {
        for mutant in log.get(key).and_then(Value::as_array).into_iter().flatten() {
            let Some(path) = text(mutant.pointer("/mutator/originalFilePath")) else { continue };
            let mutator = text(mutant.pointer("/mutator/mutatorName")).unwrap_or("mutator");
            out.push(Diagnostic {
                path: Some(relativize(path, root)),
                line: number(mutant.pointer("/mutator/originalStartLine")).filter(|n| *n > 0),
                column: None,
                severity: Severity::Warning,
                message: format!("{what} ({mutator})"),
                rule: Some(mutator.to_string()),
                commit: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitlab_log_and_min_msi() {
        let log = br#"[{"type":"issue","fingerprint":"abc","check_name":"PublicVisibility","description":"Escaped Mutant for Mutator PublicVisibility","content":"--- Original","categories":["Escaped Mutant"],"location":{"path":"src/Price.php","lines":{"begin":12}},"severity":"major"}]"#;
        let stderr =
            b"\n [ERROR] The minimum required MSI percentage should be 80%, but actual is 50%. Improve your tests!\n";
        let found = parse(log, stderr, Path::new("/repo"));
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].path.as_deref(), found[0].line), (Some("src/Price.php"), Some(12)));
        assert_eq!(found[1].severity, Severity::Error);
    }

    #[test]
    fn json_log() {
        let log = br#"{"stats":{"msi":50},"escaped":[{"mutator":{"mutatorName":"Plus","originalSourceCode":"a","mutatedSourceCode":"b","originalFilePath":"/repo/src/A.php","originalStartLine":3},"diff":"","processOutput":""}],"uncovered":[]}"#;
        let found = parse(log, b"", Path::new("/repo"));
        assert_eq!((found[0].path.as_deref(), found[0].line), (Some("src/A.php"), Some(3)));
    }
}
