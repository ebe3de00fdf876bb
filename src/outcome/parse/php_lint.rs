//! `php -l`: "Parse error: MESSAGE in FILE on line N" on stdout, and the same again on stderr
//! as "PHP Parse error:  ..." when errors are also logged there; each error is one finding.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::relativize;
use super::shared::output_lines;
use crate::outcome::{Diagnostic, Severity};

static ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:PHP )?(?P<kind>Parse error|Fatal error|Deprecated|Warning):\s+(?P<message>.+) in (?P<path>.+) on line (?P<line>\d+)$")
        .expect("static regex")
});

pub(super) fn parse(stdout: &[u8], stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for line in output_lines(stdout, stderr) {
        let Some(c) = ERROR.captures(&line) else { continue };
        let severity = match &c["kind"] {
            "Parse error" | "Fatal error" => Severity::Error,
            _ => Severity::Warning,
        };
        let d = Diagnostic {
            path: Some(relativize(&c["path"], root)),
            line: c["line"].parse().ok(),
            column: None,
            severity,
            message: c["message"].trim().to_string(),
            rule: Some(c["kind"].to_ascii_lowercase().replace(' ', "-")),
            commit: None,
        };
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_on_both_streams_count_once() {
        // PHP 8.2's `php -l b.php c.php` (8.3+ lints every file it is given).
        let stdout = b"No syntax errors detected in a.php\n\nParse error: Unclosed '(' on line 2 in b.php on line 3\nErrors parsing b.php\n\nParse error: syntax error, unexpected token \";\" in c.php on line 2\nErrors parsing c.php\n";
        let stderr = b"PHP Parse error:  Unclosed '(' on line 2 in b.php on line 3\n";
        let found = parse(stdout, stderr, Path::new("/repo"));
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].path.as_deref(), found[0].line), (Some("b.php"), Some(3)));
        assert_eq!(found[0].message, "Unclosed '(' on line 2");
        assert_eq!(found[1].message, "syntax error, unexpected token \";\"");
    }
}
