//! Symfony's console lints: `lint:yaml`, `lint:twig` and `lint:xliff` with `--format=json` (a
//! list of `{file, valid, line?, message?, messages?}`) or `--format=github` (`::error file=..`),
//! and the `[ERROR]` and exception blocks of `lint:container`, which has no machine format.

use std::path::Path;

use serde_json::Value;

use super::relativize;
use super::shared::{console_exceptions, number, output_lines, project_diagnostic, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    if let Some(files) = json_list(stdout) {
        return files.iter().flat_map(|file| file_findings(file, root)).collect();
    }
    let github: Vec<Diagnostic> = output_lines(stdout, stderr).filter_map(|l| github_line(&l, root)).collect();
    if !github.is_empty() {
        return github;
    }
    error_blocks(stdout, stderr)
}

fn json_list(stdout: &[u8]) -> Option<Vec<Value>> {
    let text = String::from_utf8_lossy(stdout);
    let start = text.find('[')?;
    match serde_json::from_str::<Value>(text[start..].trim_end()).ok()? {
        Value::Array(files) => Some(files),
        _ => None,
    }
}

fn file_findings(file: &Value, root: &Path) -> Vec<Diagnostic> {
    if file.get("valid").and_then(Value::as_bool) != Some(false) {
        return Vec::new();
    }
    let path = text(file.get("file")).filter(|f| !f.is_empty()).map(|f| relativize(f, root));
    let finding = |line: Option<u32>, column: Option<u32>, message: &str| Diagnostic {
        path: path.clone(),
        line: line.filter(|n| *n > 0),
        column: column.filter(|n| *n > 0),
        severity: Severity::Error,
        message: message.to_string(),
        rule: None,
        commit: None,
    };
    // lint:xliff lists several messages per file; general document errors have line -1.
    if let Some(messages) = file.get("messages").and_then(Value::as_array) {
        return messages
            .iter()
            .filter_map(|m| Some(finding(number(m.get("line")), number(m.get("column")), text(m.get("message"))?)))
            .collect();
    }
    vec![finding(number(file.get("line")), None, text(file.get("message")).unwrap_or("invalid"))]
}

/// `::error file=config/a.yaml,line=3,col=1::message` (Symfony's GithubActionReporter).
fn github_line(line: &str, root: &Path) -> Option<Diagnostic> {
    let rest = line.strip_prefix("::error ").or_else(|| line.strip_prefix("::warning "))?;
    let (props, message) = rest.split_once("::")?;
    let mut d = Diagnostic::error(String::new(), unescape(message));
    d.path = None;
    if line.starts_with("::warning") {
        d.severity = Severity::Warning;
    }
    for prop in props.split(',') {
        match prop.split_once('=') {
            Some(("file", f)) => d.path = Some(relativize(&unescape(f), root)),
            Some(("line", n)) => d.line = n.parse().ok().filter(|n| *n > 0),
            Some(("col", n)) => d.column = n.parse().ok().filter(|n| *n > 0),
            _ => {}
        }
    }
    Some(d)
}

fn unescape(text: &str) -> String {
    text.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
}

/// SymfonyStyle's ` [ERROR] message` blocks, continued on lines indented to the message.
fn error_blocks(stdout: &[u8], stderr: &[u8]) -> Vec<Diagnostic> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for line in output_lines(stdout, stderr) {
        let trimmed = line.trim();
        if let Some(message) = trimmed.strip_prefix("[ERROR]") {
            out.push(message.trim().to_string());
            open = true;
        } else if open && line.starts_with("  ") && !trimmed.is_empty() {
            if let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(trimmed);
            }
        } else {
            open = false;
        }
    }
    out.extend(console_exceptions(stdout, stderr));
    out.into_iter().filter(|m| !m.is_empty()).map(|m| project_diagnostic(Severity::Error, m)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_twig_and_xliff_json() {
        let yaml = br#"[
    {
        "file": "config/services.yaml",
        "line": 4,
        "valid": false,
        "message": "Unable to parse at line 4 (near \"  bad: [\")."
    },
    {
        "file": "config/packages/ok.yaml",
        "valid": true
    }
]"#;
        let found = parse(yaml, b"", Path::new("/repo"));
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].path.as_deref(), found[0].line), (Some("config/services.yaml"), Some(4)));
        let xliff = br#"[{"file":"translations/messages.en.xlf","valid":false,"messages":[{"line":7,"column":12,"message":"Element 'target': This element is not expected."}]}]"#;
        let found = parse(xliff, b"", Path::new("/repo"));
        assert_eq!((found[0].line, found[0].column), (Some(7), Some(12)));
    }

    #[test]
    fn github_and_container_text() {
        let found =
            parse(b"::error file=templates/a.html.twig,line=3,col=0::Unexpected \"}\".\n", b"", Path::new("/r"));
        assert_eq!((found[0].path.as_deref(), found[0].line), (Some("templates/a.html.twig"), Some(3)));
        let text = b"\n [ERROR] Invalid definition for service \"App\\Mailer\": argument 1 of\n         \"App\\Mailer::__construct()\" accepts \"string\", \"int\" passed.\n\n";
        let found = parse(text, b"", Path::new("/r"));
        assert_eq!(found.len(), 1);
        assert!(found[0].path.is_none());
        assert!(found[0].message.ends_with("accepts \"string\", \"int\" passed."), "{}", found[0].message);
        let block = b"\nIn ClassExistenceResource.php line 74:\n                    \n  Class \"App\\Missing\" not found  \n                    \n\nlint:container [--resolve-env-vars]\n";
        let found = parse(b"", block, Path::new("/r"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].message, "Class \"App\\Missing\" not found");
    }
}
