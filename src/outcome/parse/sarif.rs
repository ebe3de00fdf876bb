//! SARIF 2.1.0: `runs[].results[]` with the first location, level, ruleId and message text.

use std::path::Path;

use serde_json::Value;

use super::relativize;
use super::shared::{json_document, number, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], root: &Path) -> Vec<Diagnostic> {
    let Some(document) = json_document(stdout) else {
        return Vec::new();
    };
    let runs = document.get("runs").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    runs.iter()
        .flat_map(|run| run.get("results").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default())
        .filter_map(|result| diagnostic(result, root))
        .collect()
}

fn diagnostic(result: &Value, root: &Path) -> Option<Diagnostic> {
    let rule = text(result.get("ruleId")).or_else(|| text(result.pointer("/rule/id"))).map(str::to_string);
    let message = text(result.pointer("/message/text"))
        .or_else(|| text(result.pointer("/message/markdown")))
        .map(str::to_string)
        .or_else(|| rule.clone())?;
    let location = result.pointer("/locations/0/physicalLocation");
    let path = location
        .and_then(|loc| text(loc.pointer("/artifactLocation/uri")))
        .map(|uri| relativize(&uri_to_path(uri), root));
    let region = location.and_then(|loc| loc.get("region"));
    Some(Diagnostic {
        path,
        line: number(region.and_then(|r| r.get("startLine"))).filter(|n| *n > 0),
        column: number(region.and_then(|r| r.get("startColumn"))).filter(|n| *n > 0),
        severity: severity(result),
        message,
        rule,
        commit: None,
    })
}

/// SARIF's default level is "warning"; `kind: "pass"` or `"informational"` results are not failures.
fn severity(result: &Value) -> Severity {
    match text(result.get("level")) {
        Some("error") => Severity::Error,
        Some("note") | Some("none") => Severity::Info,
        Some(_) => Severity::Warning,
        None => match text(result.get("kind")) {
            Some("fail") | None => Severity::Warning,
            Some(_) => Severity::Info,
        },
    }
}

/// `file:///abs/p%20q.php` -> `/abs/p q.php`; relative URIs (resolved against a `uriBaseId` such
/// as `%SRCROOT%`, i.e. the repository) stay relative.
fn uri_to_path(uri: &str) -> String {
    let stripped = match uri.strip_prefix("file://") {
        Some(rest) if rest.starts_with('/') => rest,
        // file://host/path: the host part is not a path component.
        Some(rest) => rest.find('/').map_or(rest, |at| &rest[at..]),
        None => uri,
    };
    percent_decode(stripped)
}

fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| input.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/work/repo";

    fn parse_str(json: &str) -> Vec<Diagnostic> {
        parse(json.as_bytes(), Path::new(ROOT))
    }

    #[test]
    fn results_with_locations_levels_and_rules() {
        let json = r#"{
          "version": "2.1.0",
          "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
          "runs": [{
            "tool": {"driver": {"name": "phpstan", "rules": [{"id": "method.notFound"}]}},
            "results": [
              {"ruleId": "method.notFound", "level": "error",
               "message": {"text": "Call to an undefined method App\\Foo::bar()."},
               "locations": [{"physicalLocation": {
                  "artifactLocation": {"uri": "file:///work/repo/src/My%20Foo.php"},
                  "region": {"startLine": 12, "startColumn": 9}}}]},
              {"ruleId": "x", "level": "note", "message": {"text": "n"},
               "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/B.php", "uriBaseId": "%SRCROOT%"},
                  "region": {"startLine": 3}}}]},
              {"ruleId": "y", "level": "none", "message": {"text": "hint"}},
              {"message": {"text": "default level"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "/elsewhere/c.php"}}}]}
            ]
          }, {"tool": {"driver": {"name": "other"}}, "results": [{"ruleId": "z", "level": "warning", "message": {"markdown": "**md**"}}]}]
        }"#;
        let diags = parse_str(json);
        assert_eq!(diags.len(), 5);
        assert_eq!(
            diags[0],
            Diagnostic::error("src/My Foo.php", "Call to an undefined method App\\Foo::bar().")
                .at_line(12)
                .at_column(9)
                .with_rule("method.notFound")
        );
        assert_eq!(
            (diags[1].path.as_deref(), diags[1].severity, diags[1].line),
            (Some("src/B.php"), Severity::Info, Some(3))
        );
        assert_eq!((diags[2].path.as_deref(), diags[2].severity), (None, Severity::Info));
        assert_eq!((diags[3].path.as_deref(), diags[3].severity), (Some("/elsewhere/c.php"), Severity::Warning));
        assert_eq!(diags[3].rule, None);
        assert_eq!((diags[4].message.as_str(), diags[4].severity), ("**md**", Severity::Warning));
    }

    #[test]
    fn uri_forms() {
        assert_eq!(uri_to_path("file:///a/b.php"), "/a/b.php");
        assert_eq!(uri_to_path("file://host/a/b.php"), "/a/b.php");
        assert_eq!(uri_to_path("a%2"), "a%2");
        assert_eq!(uri_to_path("%E2%9C%93.php"), "✓.php");
        assert_eq!(uri_to_path("100%"), "100%");
    }

    #[test]
    fn garbage_empty_and_truncated_give_nothing() {
        for input in [
            "",
            "garbage",
            "[]",
            "{\"runs\": 3}",
            "{\"runs\":[{\"results\":[{\"ruleId\":\"a\",\"message\":{\"text\":\"b\"}}",
            "null",
        ] {
            assert!(parse_str(input).is_empty(), "{input}");
        }
        // A result with neither message nor rule says nothing a person can act on.
        assert!(parse_str(r#"{"runs":[{"results":[{"level":"error"}]}]}"#).is_empty());
    }
}
