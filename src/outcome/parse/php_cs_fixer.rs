//! php-cs-fixer's `--format=json` report: one diagnostic per file that needs fixing, plus the
//! files its stderr says it could not lint or fix.

use std::path::Path;

use serde_json::Value;

use super::relativize;
use super::shared::{json_document, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = json_document(stdout)
        .map(|report| files(&report).into_iter().filter_map(|(name, entry)| file(name, entry, root)).collect())
        .unwrap_or_default();
    diagnostics.extend(not_fixed(stderr, root));
    diagnostics
}

/// `files` is a list of `{name, appliedFixers?, diff?}` in every 2.x and 3.x release; a map from
/// name to entry is accepted too so that a reshaped report still yields its files.
fn files(report: &Value) -> Vec<(&str, &Value)> {
    match report.get("files") {
        Some(Value::Array(entries)) => {
            entries.iter().filter_map(|entry| Some((text(entry.get("name"))?, entry))).collect()
        }
        Some(Value::Object(entries)) => entries.iter().map(|(name, entry)| (name.as_str(), entry)).collect(),
        _ => Vec::new(),
    }
}

fn file(name: &str, entry: &Value, root: &Path) -> Option<Diagnostic> {
    if name.is_empty() {
        return None;
    }
    // `appliedFixers` only appears with -v; without it the report still says the file needs fixing.
    let fixers: Vec<&str> = entry
        .get("appliedFixers")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let message =
        if fixers.is_empty() { "needs fixing".to_string() } else { format!("needs fixing: {}", fixers.join(", ")) };
    Some(Diagnostic {
        path: Some(relativize(name, root)),
        line: text(entry.get("diff")).and_then(first_changed_line),
        column: None,
        severity: Severity::Error,
        message,
        rule: (!fixers.is_empty()).then(|| fixers.join(",")),
        commit: None,
    })
}

/// The old-file line of the first change in the first hunk: the hunk header points up to three
/// context lines earlier, which is not where the problem is.
pub(super) fn first_changed_line(diff: &str) -> Option<u32> {
    let mut lines = diff.lines().skip_while(|line| !line.starts_with("@@ -"));
    let header = lines.next()?;
    let start: u32 = header.strip_prefix("@@ -")?.split([',', ' ']).next()?.parse().ok()?;
    let context = lines.take_while(|line| !line.starts_with('-') && !line.starts_with('+')).count();
    let context = u32::try_from(context).ok()?;
    Some(start.max(1).saturating_add(context))
}

/// Files named on stderr under "Files that were not fixed due to errors reported during
/// linting before fixing:" (or "... during fixing:"); they are missing from the JSON.
fn not_fixed(stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    let text = String::from_utf8_lossy(stderr);
    let mut reason: Option<(&str, &str)> = None;
    let mut diagnostics = Vec::new();
    for line in text.lines() {
        if line.starts_with("Files that were not fixed due to errors reported during linting") {
            reason = Some((
                "not checked: php-cs-fixer could not parse this file (syntax error)",
                crate::outcome::SYNTAX_ERROR_RULE,
            ));
            continue;
        }
        if line.starts_with("Files that were not fixed due to errors reported during fixing") {
            reason = Some(("not checked: php-cs-fixer failed while fixing this file", "fix-error"));
            continue;
        }
        let Some((message, rule)) = reason else { continue };
        let Some((number, path)) = line.trim_start().split_once(") ") else {
            reason = None;
            continue;
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            reason = None;
            continue;
        }
        if path.trim().is_empty() {
            continue;
        }
        let mut diagnostic = Diagnostic::error(relativize(path.trim(), root), message);
        diagnostic.rule = Some(rule.to_string());
        diagnostics.push(diagnostic);
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/tmp/cap";

    fn parse_at(stdout: &[u8], stderr: &[u8]) -> Vec<Diagnostic> {
        parse(stdout, stderr, Path::new(ROOT))
    }

    #[test]
    fn verbose_report_with_diff_and_lint_failures() {
        let diags = parse_at(
            include_bytes!("testdata/php-cs-fixer.diff-v.json"),
            include_bytes!("testdata/php-cs-fixer.diff-v.stderr.txt"),
        );
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[0].path.as_deref(), Some("src/Bad.php"));
        assert_eq!(diags[0].line, Some(2));
        assert_eq!(diags[0].severity, Severity::Error);
        assert!(
            diags[0].message.starts_with("needs fixing: modifier_keywords, class_definition, "),
            "{}",
            diags[0].message
        );
        assert!(diags[0].message.ends_with(", no_unused_imports, blank_line_after_namespace, binary_operator_spaces"));
        assert!(diags[0].rule.as_deref().is_some_and(|r| r.starts_with("modifier_keywords,class_definition,")));
        assert_eq!(
            diags[1],
            Diagnostic::error("src/Broken.php", "not checked: php-cs-fixer could not parse this file (syntax error)")
                .with_rule("syntax-error")
        );
    }

    #[test]
    fn plain_report_without_fixers_or_diff() {
        let diags = parse_at(include_bytes!("testdata/php-cs-fixer.plain.json"), b"");
        assert_eq!(diags, vec![Diagnostic::error("src/Bad.php", "needs fixing")]);
    }

    #[test]
    fn clean_report_gives_nothing() {
        assert!(parse_at(include_bytes!("testdata/php-cs-fixer.clean.json"), b"Loaded config default.\n").is_empty());
    }

    #[test]
    fn old_shape_without_about_and_absolute_names() {
        // php-cs-fixer 2.x: no "about", "memory" before "time"; names as given on the command line.
        let json = br#"{"files":[{"name":"/tmp/cap/src/A.php","appliedFixers":["braces","no_unused_imports"],"diff":"--- Original\n+++ New\n@@ @@\n-x\n+y\n"}],"memory":12,"time":{"total":0.1}}"#;
        assert_eq!(
            parse_at(json, b""),
            vec![Diagnostic::error("src/A.php", "needs fixing: braces, no_unused_imports")
                .with_rule("braces,no_unused_imports")]
        );
        let keyed =
            br#"{"files":{"./src/B.php":{"appliedFixers":["braces"],"diff":"@@ -10,7 +10,7 @@\n a\n b\n-c\n+d\n"}}}"#;
        assert_eq!(
            parse_at(keyed, b"")[0],
            Diagnostic::error("src/B.php", "needs fixing: braces").at_line(12).with_rule("braces")
        );
    }

    #[test]
    fn first_changed_line_of_the_first_hunk() {
        let diff = "--- a\n+++ b\n@@ -19,7 +19,7 @@\n     #[Route]\n     public function show()\n     {\n-        if($x){\n+        if ($x) {\n@@ -40,1 +40,1 @@\n-a\n+b\n";
        assert_eq!(first_changed_line(diff), Some(22));
        assert_eq!(first_changed_line("@@ -0,0 +1,3 @@\n+a\n"), Some(1));
        assert_eq!(first_changed_line("no hunk"), None);
        assert_eq!(first_changed_line("@@ -x,1 +1 @@\n-a"), None);
    }

    #[test]
    fn garbage_empty_and_truncated_give_nothing() {
        let full: &[u8] = include_bytes!("testdata/php-cs-fixer.diff-v.json");
        for input in [&b""[..], b"garbage", b"[]", b"{\"files\":3}", &full[..full.len() - 40]] {
            assert!(parse_at(input, b"").is_empty(), "{:?}", String::from_utf8_lossy(input));
        }
        let stderr = b"Files that were not fixed due to errors reported during linting before fixing:\n   1) \n   2) /tmp/cap/x.php\n   x) y\n   3) z.php\n";
        let diags = parse_at(b"", stderr);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].path.as_deref(), Some("x.php"));
    }
}
