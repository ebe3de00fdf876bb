//! phpstan's `--error-format=json` (or `prettyJson`) report.

use std::path::Path;

use serde_json::Value;

use super::relativize;
use super::shared::{json_document, number, project_diagnostic, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], root: &Path) -> Vec<Diagnostic> {
    let Some(report) = json_document(stdout) else {
        return Vec::new();
    };
    let mut diagnostics = Vec::new();
    // `files` is a PHP array: `[]` when empty, an object keyed by absolute path otherwise.
    if let Some(files) = report.get("files").and_then(Value::as_object) {
        for (path, file) in files {
            let messages = file.get("messages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            diagnostics.extend(messages.iter().filter_map(|message| file_error(path, message, root)));
        }
    }
    let errors = report.get("errors").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    diagnostics.extend(errors.iter().filter_map(Value::as_str).map(|error| project_diagnostic(Severity::Error, error)));
    diagnostics
}

fn file_error(path: &str, message: &Value, root: &Path) -> Option<Diagnostic> {
    let mut text_out = text(message.get("message"))?.to_string();
    if let Some(tip) = text(message.get("tip")).filter(|tip| !tip.trim().is_empty()) {
        // The same marker phpstan's own table output uses, one per tip line.
        for line in tip.lines().map(|line| line.trim_start_matches([' ', '•'])).filter(|l| !l.is_empty()) {
            text_out.push_str("\n💡 ");
            text_out.push_str(line);
        }
    }
    Some(Diagnostic {
        path: Some(relativize(path, root)),
        line: number(message.get("line")).filter(|n| *n > 0),
        column: None,
        severity: Severity::Error,
        message: text_out,
        rule: text(message.get("identifier")).filter(|id| !id.is_empty()).map(str::to_string),
        commit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/work/repo";

    fn parse_at(stdout: &[u8]) -> Vec<Diagnostic> {
        parse(stdout, Path::new(ROOT))
    }

    #[test]
    fn file_and_project_errors() {
        let diags = parse_at(include_bytes!("testdata/phpstan.errors.json"));
        assert_eq!(diags.len(), 4);
        // serde_json's map orders files by path, which keeps reports stable between runs.
        assert_eq!(
            diags[0].message,
            "Instantiated class App\\Billing\\Missing not found.\n💡 Learn more at https://phpstan.org/user-guide/discovering-symbols"
        );
        assert_eq!(diags[0].path.as_deref(), Some("src/Billing/Application/Importer.php"));
        assert_eq!(diags[0].rule.as_deref(), Some("class.notFound"));
        assert_eq!((diags[1].line, diags[1].rule.as_deref()), (None, None));
        assert_eq!(
            diags[2],
            Diagnostic::error(
                "src/Catalog/Application/ProductFinder.php",
                "Call to an undefined method App\\Catalog\\Domain\\Product::getPriceInCents()."
            )
            .at_line(26)
            .with_rule("method.notFound")
        );
        assert_eq!(
            diags[3],
            project_diagnostic(
                Severity::Error,
                "Child process error (exit code 255): PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 262144 bytes)"
            )
        );
    }

    #[test]
    fn multi_line_tips_keep_one_marker_per_line() {
        let json = r#"{"totals":{"errors":0,"file_errors":1},"files":{"/work/repo/a.php":{"errors":1,"messages":[{"message":"M","line":1,"ignorable":true,"tip":"• first\n• second"}]}},"errors":[]}"#;
        assert_eq!(parse_at(json.as_bytes())[0].message, "M\n💡 first\n💡 second");
    }

    #[test]
    fn no_errors_means_files_is_an_empty_array() {
        assert!(parse_at(include_bytes!("testdata/phpstan.clean.json")).is_empty());
        assert!(parse_at(b"{\"totals\":{\"errors\":0,\"file_errors\":0},\"files\":{},\"errors\":[]}").is_empty());
    }

    #[test]
    fn pretty_json_after_php_noise() {
        let out = b"PHP Deprecated:  something in x.php on line 3\n{\n    \"totals\": {\"errors\": 0, \"file_errors\": 1},\n    \"files\": {\"./src/a.php\": {\"errors\": 1, \"messages\": [{\"message\": \"m\", \"line\": 5, \"ignorable\": true}]}},\n    \"errors\": []\n}";
        assert_eq!(parse_at(out), vec![Diagnostic::error("src/a.php", "m").at_line(5)]);
    }

    #[test]
    fn garbage_empty_and_truncated_give_nothing() {
        let full: &[u8] = include_bytes!("testdata/phpstan.errors.json");
        for input in [&b""[..], b"garbage", b" [ERROR] No files found to analyse.", b"[]", &full[..full.len() - 30]] {
            assert!(parse_at(input).is_empty(), "{:?}", String::from_utf8_lossy(input));
        }
        assert!(parse_at(br#"{"files":{"a":{"messages":[{"line":1}, 7, null]}},"errors":[1, null]}"#).is_empty());
    }
}
