//! Psalm's `--output-format=json`: a list of issues with file, line, column, type and severity.

use std::path::Path;

use serde_json::Value;

use super::relativize;
use super::shared::{json_document, number, severity_word, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], root: &Path) -> Vec<Diagnostic> {
    let Some(Value::Array(issues)) = json_document_or_list(stdout) else {
        return Vec::new();
    };
    issues.iter().filter_map(|issue| issue_of(issue, root)).collect()
}

/// Psalm prints a JSON list, which `json_document` (objects) does not look for after noise.
fn json_document_or_list(stdout: &[u8]) -> Option<Value> {
    if let Ok(value) = serde_json::from_slice::<Value>(stdout) {
        return Some(value);
    }
    let text = String::from_utf8_lossy(stdout);
    let start = text.find("\n[").map(|at| at + 1)?;
    serde_json::from_str(&text[start..]).ok().or_else(|| json_document(stdout))
}

fn issue_of(issue: &Value, root: &Path) -> Option<Diagnostic> {
    let path = text(issue.get("file_path")).or_else(|| text(issue.get("file_name")))?;
    let severity = text(issue.get("severity")).and_then(severity_word).unwrap_or(Severity::Error);
    let message = text(issue.get("message"))?;
    let rule = text(issue.get("type"));
    Some(Diagnostic {
        path: Some(relativize(path, root)),
        line: number(issue.get("line_from")).filter(|n| *n > 0),
        column: number(issue.get("column_from")).filter(|n| *n > 0),
        severity,
        message: match text(issue.get("link")) {
            Some(link) => format!("{message} ({link})"),
            None => message.to_string(),
        },
        rule: rule.map(str::to_string),
        commit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_become_findings() {
        let json = br#"[{"link":"https://psalm.dev/022","severity":"error","line_from":9,"line_to":9,"type":"UndefinedMethod","message":"Method App\\Billing\\Invoice::total does not exist","file_name":"src/Billing/Invoice.php","file_path":"/repo/src/Billing/Invoice.php","snippet":"x","selected_text":"x","from":1,"to":2,"snippet_from":0,"snippet_to":3,"column_from":16,"column_to":21,"error_level":-1,"shortcode":22,"taint_trace":null,"other_references":null},{"severity":"info","line_from":3,"type":"MissingReturnType","message":"m","file_path":"/repo/src/A.php","column_from":1}]"#;
        let found = parse(json, Path::new("/repo"));
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].path.as_deref(), Some("src/Billing/Invoice.php"));
        assert_eq!((found[0].line, found[0].column), (Some(9), Some(16)));
        assert_eq!(found[0].rule.as_deref(), Some("UndefinedMethod"));
        assert_eq!(found[1].severity, Severity::Info);
        assert!(parse(b"[]", Path::new("/repo")).is_empty());
        assert!(parse(b"not json", Path::new("/repo")).is_empty());
    }
}
