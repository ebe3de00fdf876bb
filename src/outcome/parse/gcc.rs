//! gcc-style lines: `path:line:col: severity: message` and `path:line: severity: message`, with
//! shellcheck's trailing ` [SC2086]` (or gcc's ` [-Wflag]`) as the rule. yamllint's
//! `-f parsable` (`path:line:col: [severity] message (rule)`) is read too.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::relativize;
use super::shared::{output_lines, position, severity_word};
use crate::outcome::{Diagnostic, Severity};

static LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<path>[^:\s][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s*(?P<open>\[)?(?i:(?P<sev>fatal error|error|warning|note|info|style))(?:\]|:)\s*(?P<msg>.*)$",
    )
    .expect("static gcc pattern")
});

static BRACKET_RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<msg>.*?)\s+\[(?P<rule>[A-Za-z0-9_.:/=+-]+)\]$").expect("static rule pattern"));

static PAREN_RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<msg>.*?)\s+\((?P<rule>[a-z0-9-]+)\)$").expect("static rule pattern"));

pub(super) fn parse(stdout: &[u8], stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    output_lines(stdout, stderr).filter_map(|line| parse_line(&line, root)).collect()
}

fn parse_line(line: &str, root: &Path) -> Option<Diagnostic> {
    let caps = LINE.captures(line)?;
    let mut message = caps.name("msg").map_or("", |m| m.as_str()).trim().to_string();
    let mut rule = None;
    // yamllint puts its severity in brackets and its rule in parentheses; only then is a trailing
    // "(word)" a rule rather than part of a message.
    let rule_pattern: &Regex = if caps.name("open").is_some() { &PAREN_RULE } else { &BRACKET_RULE };
    if let Some(split) = rule_pattern.captures(&message) {
        rule = Some(split["rule"].to_string());
        message = split["msg"].to_string();
    }
    Some(Diagnostic {
        path: Some(relativize(&caps["path"], root)),
        line: position(&caps["line"]),
        column: caps.name("col").and_then(|c| position(c.as_str())),
        severity: severity_word(&caps["sev"]).unwrap_or(Severity::Error),
        message,
        rule,
        commit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_out(stdout: &[u8]) -> Vec<Diagnostic> {
        parse(stdout, b"", Path::new("/tmp/cap"))
    }

    #[test]
    fn shellcheck_gcc_output() {
        let diags = parse_out(include_bytes!("testdata/shellcheck.gcc.txt"));
        assert_eq!(diags.len(), 6);
        assert_eq!(
            diags[0],
            Diagnostic::error("scripts/a.sh", "Iterating over ls output is fragile. Use globs.")
                .at_line(2)
                .at_column(10)
                .with_rule("SC2045")
        );
        assert_eq!(diags[1].severity, Severity::Info);
        assert_eq!(diags[3].severity, Severity::Warning);
        assert_eq!(diags[3].message, "x appears unused. Verify use (or export if used externally).");
        assert_eq!(diags[5].rule.as_deref(), Some("SC3014"));
    }

    #[test]
    fn yamllint_parsable_output() {
        let diags = parse_out(include_bytes!("testdata/yamllint.parsable.txt"));
        assert_eq!(diags.len(), 7);
        assert_eq!(
            diags[1],
            Diagnostic::error("config/bad.yaml", "trailing spaces")
                .at_line(1)
                .at_column(11)
                .with_rule("trailing-spaces")
        );
        assert_eq!(diags[0].severity, Severity::Warning);
        assert_eq!(diags[6].rule.as_deref(), Some("syntax"));
        assert_eq!(diags[6].message, "syntax error: expected ',' or ']', but got '<stream end>'");
    }

    #[test]
    fn line_without_column_and_other_severity_words() {
        let out = b"./src/a.c:12: warning: unused variable 'x' [-Wunused-variable]\n\
                    /tmp/cap/b.c:3:1: fatal error: foo.h: No such file or directory\n\
                    c.sh:1:1: style: prefer [[ ]]\n\
                    d.txt:0:0: Note: hi\n";
        let diags = parse_out(out);
        assert_eq!(diags.len(), 4);
        assert_eq!((diags[0].path.as_deref(), diags[0].line, diags[0].column), (Some("src/a.c"), Some(12), None));
        assert_eq!(diags[0].rule.as_deref(), Some("-Wunused-variable"));
        assert_eq!(diags[0].message, "unused variable 'x'");
        assert_eq!(diags[1].path.as_deref(), Some("b.c"));
        assert_eq!(diags[1].message, "foo.h: No such file or directory");
        assert_eq!(diags[1].severity, Severity::Error);
        assert_eq!(diags[2].severity, Severity::Info);
        assert_eq!(diags[2].rule, None);
        assert_eq!((diags[3].line, diags[3].severity), (None, Severity::Info));
    }

    #[test]
    fn stderr_is_read_too_and_noise_is_skipped() {
        let diags = parse(b"In a.sh line 3:\nrandom text\n", b"x.sh:3:4: error: bad\n", Path::new("/r"));
        assert_eq!(diags, vec![Diagnostic::error("x.sh", "bad").at_line(3).at_column(4)]);
    }

    #[test]
    fn garbage_gives_nothing() {
        for input in [&b""[..], b"\xff\xfe\x00garbage", b"a:b:c: error: x", b":1:2: error: no path"] {
            assert!(parse_out(input).is_empty());
        }
    }
}
