//! A user's regex applied to each output line, with named groups path/file, line, column/col,
//! severity, message, rule/code.

use std::path::Path;

use regex::{Captures, Regex};

use super::relativize;
use super::shared::{output_lines, position, severity_word};
use crate::outcome::{Diagnostic, Severity};

const GROUPS: &[&str] = &["path", "file", "line", "column", "col", "severity", "message", "rule", "code"];

pub(super) fn compile(pattern: &str) -> Result<Regex, String> {
    let re = Regex::new(pattern).map_err(|err| format!("invalid `regex`: {err}"))?;
    let names: Vec<&str> = re.capture_names().flatten().collect();
    if !names.iter().any(|name| matches!(*name, "path" | "file" | "message")) {
        return Err(format!(
            "`regex` needs a named group `path`, `file` or `message`, e.g. (?P<path>[^:]+); known groups: {}",
            GROUPS.join(", ")
        ));
    }
    Ok(re)
}

pub(super) fn parse(re: &Regex, stdout: &[u8], stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    output_lines(stdout, stderr)
        .filter_map(|line| {
            let caps = re.captures(&line)?;
            Some(diagnostic(&caps, &line, root))
        })
        .collect()
}

fn diagnostic(caps: &Captures<'_>, line: &str, root: &Path) -> Diagnostic {
    let group = |names: &[&str]| {
        names.iter().find_map(|name| caps.name(name)).map(|m| m.as_str().trim()).filter(|s| !s.is_empty())
    };
    Diagnostic {
        path: group(&["path", "file"]).map(|path| relativize(path, root)),
        line: group(&["line"]).and_then(position),
        column: group(&["column", "col"]).and_then(position),
        severity: group(&["severity"]).and_then(severity_word).unwrap_or(Severity::Error),
        message: group(&["message"]).unwrap_or(line.trim()).to_string(),
        rule: group(&["rule", "code"]).map(str::to_string),
        commit: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_lint_errors_from_stderr() {
        let re = compile(r"^PHP (?P<message>.+?) in (?P<file>.+) on line (?P<line>\d+)$").expect("valid");
        let diags = parse(
            &re,
            include_bytes!("testdata/php-l.stdout.txt"),
            include_bytes!("testdata/php-l.stderr.txt"),
            Path::new("/tmp/cap"),
        );
        assert_eq!(
            diags,
            vec![Diagnostic::error(
                "src/Broken.php",
                "Parse error:  syntax error, unexpected token \"{\", expecting variable"
            )
            .at_line(4)]
        );
    }

    #[test]
    fn yamllint_with_every_group() {
        let re = compile(
            r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): \[(?P<severity>\w+)\] (?P<message>.*) \((?P<code>[\w-]+)\)$",
        )
        .expect("valid");
        let diags = parse(&re, include_bytes!("testdata/yamllint.parsable.txt"), b"", Path::new("/tmp/cap"));
        assert_eq!(diags.len(), 7);
        assert_eq!(
            diags[4],
            Diagnostic::error("config/bad.yaml", "line too long (119 > 80 characters)")
                .at_line(7)
                .at_column(81)
                .with_rule("line-length")
        );
        assert_eq!(diags[5].severity, Severity::Warning);
    }

    #[test]
    fn missing_groups_fall_back() {
        let re = compile(r"^FAIL (?P<path>\S+)").expect("valid");
        let diags = parse(&re, b"FAIL ./a/b.txt something\nok c\n", b"", Path::new("/r"));
        assert_eq!(diags, vec![Diagnostic::error("a/b.txt", "FAIL ./a/b.txt something")]);
        let re = compile(r"^(?P<message>oops.*)").expect("valid");
        let diags = parse(&re, b"", b"oops: it broke\n", Path::new("/r"));
        assert_eq!((diags[0].path.as_deref(), diags[0].message.as_str()), (None, "oops: it broke"));
    }

    #[test]
    fn garbage_gives_nothing() {
        let re = compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<message>.*)$").expect("valid");
        assert!(parse(&re, b"", b"", Path::new("/r")).is_empty());
        assert!(parse(&re, b"\xff\xfe garbage\n\n", b"no colon here", Path::new("/r")).is_empty());
        // A line number too large for u32 is dropped, not a panic.
        let diags = parse(&re, b"a:99999999999: m\n", b"", Path::new("/r"));
        assert_eq!(diags[0].line, None);
    }
}
