//! PHP_CodeSniffer's `--report=json`: files keyed by path, each with its messages.

use std::path::Path;

use serde_json::Value;

use super::relativize;
use super::shared::{json_document, number, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], root: &Path) -> Vec<Diagnostic> {
    let Some(report) = json_document(stdout) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, file) in report.get("files").and_then(Value::as_object).into_iter().flatten() {
        for message in file.get("messages").and_then(Value::as_array).into_iter().flatten() {
            let Some(text_out) = text(message.get("message")) else { continue };
            let fixable = message.get("fixable").and_then(Value::as_bool).unwrap_or(false);
            out.push(Diagnostic {
                path: Some(relativize(path, root)),
                line: number(message.get("line")).filter(|n| *n > 0),
                column: number(message.get("column")).filter(|n| *n > 0),
                severity: match text(message.get("type")) {
                    Some("WARNING") => Severity::Warning,
                    _ => Severity::Error,
                },
                message: if fixable { format!("{text_out} (fixable by phpcbf)") } else { text_out.to_string() },
                rule: text(message.get("source")).map(str::to_string),
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
    fn messages_of_the_real_phpcs() {
        // phpcs 3.7.1 --standard=PSR12 --report=json on a one-class file.
        let json = br#"{"totals":{"errors":2,"warnings":0,"fixable":1},"files":{"\/tmp\/pcs\/A.php":{"errors":2,"warnings":0,"messages":[{"message":"Each class must be in a namespace of at least one level (a top-level vendor name)","source":"PSR1.Classes.ClassDeclaration.MissingNamespace","severity":5,"fixable":false,"type":"ERROR","line":2,"column":1},{"message":"Opening brace of a class must be on the line after the definition","source":"PSR2.Classes.ClassDeclaration.OpenBraceNewLine","severity":5,"fixable":true,"type":"ERROR","line":2,"column":11}]}}}"#;
        let found = parse(json, Path::new("/tmp/pcs"));
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].path.as_deref(), Some("A.php"));
        assert_eq!((found[1].line, found[1].column), (Some(2), Some(11)));
        assert!(found[1].message.ends_with("(fixable by phpcbf)"));
        assert_eq!(found[0].rule.as_deref(), Some("PSR1.Classes.ClassDeclaration.MissingNamespace"));
    }
}
