//! Rector's `--output-format=json`: each changed (or to-be-changed) file with its diff and the
//! rules that apply, plus the errors it met.

use std::path::Path;

use serde_json::Value;

use super::php_cs_fixer::first_changed_line;
use super::relativize;
use super::shared::{json_document, number, project_diagnostic, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], root: &Path) -> Vec<Diagnostic> {
    let Some(report) = json_document(stdout) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for diff in report.get("file_diffs").and_then(Value::as_array).into_iter().flatten() {
        let Some(file) = text(diff.get("file")) else { continue };
        let rules: Vec<&str> = diff
            .get("applied_rectors")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let short: Vec<&str> = rules.iter().map(|r| r.rsplit('\\').next().unwrap_or(r)).collect();
        out.push(Diagnostic {
            path: Some(relativize(file, root)),
            line: text(diff.get("diff")).and_then(first_changed_line),
            column: None,
            severity: Severity::Error,
            message: if short.is_empty() {
                "would be changed by rector".to_string()
            } else {
                format!("would be changed by rector: {}", short.join(", "))
            },
            rule: (!short.is_empty()).then(|| short.join(",")),
            commit: None,
        });
    }
    for error in report.get("errors").and_then(Value::as_array).into_iter().flatten() {
        let message = text(error.get("message")).unwrap_or("rector error").to_string();
        out.push(match text(error.get("file")) {
            Some(file) => Diagnostic {
                path: Some(relativize(file, root)),
                line: number(error.get("line")).filter(|n| *n > 0),
                column: None,
                severity: Severity::Error,
                message,
                rule: Some("rector.error".to_string()),
                commit: None,
            },
            None => project_diagnostic(Severity::Error, message),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_and_errors() {
        let json = br#"{"totals":{"changed_files":1,"errors":1},"file_diffs":[{"file":"src/A.php","diff":"--- Original\n+++ New\n@@ -3,7 +3,7 @@\n a\n b\n c\n-old\n+new\n","applied_rectors":["Rector\\Php80\\Rector\\Class_\\ClassPropertyAssignToConstructorPromotionRector"]}],"changed_files":["src/A.php"],"errors":[{"message":"Syntax error","file":"src/B.php","line":4}]}"#;
        let found = parse(json, Path::new("/repo"));
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].line, Some(6));
        assert_eq!(found[0].rule.as_deref(), Some("ClassPropertyAssignToConstructorPromotionRector"));
        assert_eq!((found[1].path.as_deref(), found[1].line), (Some("src/B.php"), Some(4)));
    }
}
