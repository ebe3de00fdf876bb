//! One JSON object per line with keys path|file, line, column|col, severity|level, message,
//! rule|code.

use std::path::Path;

use serde_json::Value;

use super::relativize;
use super::shared::{number, output_lines, severity_word, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    output_lines(stdout, stderr)
        .filter(|line| line.trim_start().starts_with('{'))
        .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
        .filter_map(|object| diagnostic(&object, root))
        .collect()
}

fn diagnostic(object: &Value, root: &Path) -> Option<Diagnostic> {
    let first = |keys: &[&str]| keys.iter().find_map(|key| object.get(*key)).filter(|v| !v.is_null());
    let message = text(first(&["message"]))?.to_string();
    Some(Diagnostic {
        path: text(first(&["path", "file"])).filter(|p| !p.is_empty()).map(|p| relativize(p, root)),
        line: number(first(&["line"])).filter(|n| *n > 0),
        column: number(first(&["column", "col"])).filter(|n| *n > 0),
        severity: text(first(&["severity", "level"])).and_then(severity_word).unwrap_or(Severity::Error),
        message,
        rule: first(&["rule", "code"]).and_then(|rule| match rule {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }),
        commit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_with_either_key_spelling() {
        let out = br#"{"path":"/r/src/a.php","line":3,"column":7,"severity":"warning","message":"m1","rule":"r1"}
{"file":"./b.js","line":"4","col":2,"level":"info","message":"m2","code":2001}
not json
{"message":"project-wide"}
{"path":"c","message":42}
"#;
        let diags = parse(out, b"", Path::new("/r"));
        assert_eq!(diags.len(), 3);
        assert_eq!(
            diags[0],
            Diagnostic::error("src/a.php", "m1")
                .at_line(3)
                .at_column(7)
                .with_rule("r1")
                .with_severity(Severity::Warning)
        );
        assert_eq!(
            diags[1],
            Diagnostic::error("b.js", "m2").at_line(4).at_column(2).with_rule("2001").with_severity(Severity::Info)
        );
        assert_eq!((diags[2].path.as_deref(), diags[2].severity), (None, Severity::Error));
    }

    #[test]
    fn garbage_and_truncated_lines_give_nothing() {
        let out = b"{\"path\":\"a\",\"message\":\"tru\n{{{{\n\xff\xfe\n[1,2]\n";
        assert!(parse(out, b"", Path::new("/r")).is_empty());
        assert!(parse(b"", b"", Path::new("/r")).is_empty());
    }
}
