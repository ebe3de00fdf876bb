//! Small helpers every parser shares: severity words, lines, JSON access.

use std::borrow::Cow;

use serde_json::Value;

use crate::outcome::{Diagnostic, Severity};

/// Maps the severity words tools print (gcc, shellcheck, checkstyle, SARIF, yamllint) to ours.
pub(super) fn severity_word(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "error" | "err" | "fatal" | "fatal error" | "failure" | "critical" | "blocker" | "major" => {
            Some(Severity::Error)
        }
        "warning" | "warn" | "minor" => Some(Severity::Warning),
        "note" | "info" | "information" | "style" | "notice" | "hint" | "ignore" | "none" => Some(Severity::Info),
        _ => None,
    }
}

/// Lines of stdout then stderr, lossily decoded, without their line terminators.
pub(super) fn output_lines<'a>(stdout: &'a [u8], stderr: &'a [u8]) -> impl Iterator<Item = String> + 'a {
    [stdout, stderr].into_iter().flat_map(|stream| {
        let text: Cow<'a, str> = String::from_utf8_lossy(stream);
        text.lines().map(|line| line.trim_end_matches('\r').to_string()).collect::<Vec<_>>()
    })
}

/// The one JSON document a tool printed on stdout, tolerating noise before it
/// (PHP notices or deprecations printed by `display_errors=stdout`).
pub(super) fn json_document(stdout: &[u8]) -> Option<Value> {
    json_report(stdout).map(|(value, _)| value)
}

/// How many line starts are tried as the start of the report: hostile output full of `{`
/// lines must not make the search quadratic.
const MAX_REPORT_STARTS: usize = 16;

/// The JSON document a tool printed and the non-report text around it (deptrac's
/// "Syntax Error on File ..." lines, PHP notices), trimmed; `None` without a whole document.
pub fn json_report(stdout: &[u8]) -> Option<(Value, String)> {
    if let Ok(value) = serde_json::from_slice::<Value>(stdout) {
        return Some((value, String::new()));
    }
    let text = String::from_utf8_lossy(stdout);
    let starts = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(at, _)| at + 1))
        .filter(|&at| text[at..].starts_with('{'))
        .take(MAX_REPORT_STARTS);
    for start in starts {
        let mut stream = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        if let Some(Ok(value)) = stream.next() {
            let end = start + stream.byte_offset();
            let noise = format!("{}\n{}", text[..start].trim(), text[end..].trim());
            return Some((value, noise.trim().to_string()));
        }
    }
    None
}

/// Reads a line or column that a tool printed as a number or as a numeric string.
pub(super) fn number(value: Option<&Value>) -> Option<u32> {
    match value? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(super) fn text(value: Option<&Value>) -> Option<&str> {
    value?.as_str()
}

/// Parses a line or column number; 0 means "unknown" to most tools.
pub(super) fn position(text: &str) -> Option<u32> {
    text.trim().parse::<u32>().ok().filter(|n| *n > 0)
}

/// A finding about the whole project rather than one file.
pub(super) fn project_diagnostic(severity: Severity, message: impl Into<String>) -> Diagnostic {
    Diagnostic { path: None, line: None, column: None, severity, message: message.into(), rule: None, commit: None }
}

/// The messages of Symfony Console's exception blocks (`In Foo.php line 74:` then the message,
/// indented and padded), which every console-based tool prints when a command fails outright.
pub(super) fn console_exceptions(stdout: &[u8], stderr: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut block: Option<Vec<String>> = None;
    for line in output_lines(stdout, stderr) {
        let trimmed = line.trim();
        let header = trimmed.starts_with("In ") && trimmed.ends_with(':') && trimmed.contains(" line ");
        if header {
            if let Some(done) = block.take().filter(|b| !b.is_empty()) {
                out.push(done.join(" "));
            }
            block = Some(Vec::new());
        } else if let Some(lines) = &mut block {
            if !trimmed.is_empty() {
                lines.push(trimmed.to_string());
            } else if !lines.is_empty() {
                out.push(std::mem::take(lines).join(" "));
                block = None;
            }
        }
    }
    if let Some(done) = block.filter(|b| !b.is_empty()) {
        out.push(done.join(" "));
    }
    out
}

/// A file of the project a parser consults (composer.json, composer.lock): read without
/// following a link and only up to `max` bytes; `None` when it cannot be.
pub(super) fn project_file(root: &std::path::Path, rel: &str, max: u64) -> Option<String> {
    let rel = std::path::Path::new(rel);
    let meta = crate::worktree_fs::lstat(root, rel).ok()?;
    if meta.kind != crate::worktree_fs::Kind::File || meta.size > max {
        return None;
    }
    String::from_utf8(crate::worktree_fs::read(root, rel).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_found_among_other_lines() {
        let out = b"\nSyntax Error on File /r/a.php\nSyntax error, unexpected EOF on line 3\n\n{\"files\": []}\ntrailing note\n";
        let (value, noise) = json_report(out).expect("report");
        assert_eq!(value["files"], serde_json::json!([]));
        assert_eq!(noise, "Syntax Error on File /r/a.php\nSyntax error, unexpected EOF on line 3\ntrailing note");
        assert_eq!(json_report(b"{\"a\": 1}").map(|(_, n)| n), Some(String::new()));
        assert!(json_report(b"no report\n{\"truncated\": ").is_none());
        let many = "{\n".repeat(10_000);
        assert!(json_report(many.as_bytes()).is_none(), "hostile output is given up on, not searched forever");
    }
}
