//! `composer audit --format=json`: security advisories and abandoned packages, as findings on
//! `composer.lock` at the line where the package is locked.

use std::path::Path;

use serde_json::Value;

use super::shared::{json_document, project_file, text};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], root: &Path) -> Vec<Diagnostic> {
    let Some(report) = json_document(stdout) else {
        return Vec::new();
    };
    let lock = project_file(root, "composer.lock", 64 << 20).unwrap_or_default();
    let mut out = Vec::new();
    // `advisories` is `[]` when empty (a PHP array), else package => list (or map) of advisories.
    for (package, advisories) in report.get("advisories").and_then(Value::as_object).into_iter().flatten() {
        let list: Vec<&Value> = match advisories {
            Value::Array(list) => list.iter().collect(),
            Value::Object(map) => map.values().collect(),
            _ => Vec::new(),
        };
        for advisory in list {
            let title = text(advisory.get("title")).unwrap_or("security advisory");
            let id = text(advisory.get("cve")).or_else(|| text(advisory.get("advisoryId")));
            let mut message = format!("{package}: {title}");
            if let Some(versions) = text(advisory.get("affectedVersions")) {
                message.push_str(&format!(" (affected versions {versions})"));
            }
            if let Some(link) = text(advisory.get("link")) {
                message.push_str(&format!("; {link}"));
            }
            message.push_str(&format!("; `composer update {package}` to a fixed version"));
            out.push(Diagnostic {
                path: Some("composer.lock".to_string()),
                line: line_of(&lock, package),
                column: None,
                severity: Severity::Error,
                message,
                rule: id.map(str::to_string),
                commit: None,
            });
        }
    }
    for (package, replacement) in report.get("abandoned").and_then(Value::as_object).into_iter().flatten() {
        let instead = match text(Some(replacement)) {
            Some(other) => format!("; use {other} instead"),
            None => "; no replacement was suggested".to_string(),
        };
        out.push(Diagnostic {
            path: Some("composer.lock".to_string()),
            line: line_of(&lock, package),
            column: None,
            severity: Severity::Warning,
            message: format!("{package} is abandoned{instead}"),
            rule: Some("abandoned".to_string()),
            commit: None,
        });
    }
    out
}

/// The line of `"name": "PACKAGE"` in composer.lock.
fn line_of(lock: &str, package: &str) -> Option<u32> {
    let needle = format!("\"name\": \"{package}\"");
    let at = lock.find(&needle)?;
    u32::try_from(lock[..at].matches('\n').count() + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advisories_and_abandoned_packages() {
        let json = br#"{
    "advisories": {
        "symfony/http-kernel": [
            {
                "advisoryId": "PKSA-5gtt-0tdm-1xsc",
                "packageName": "symfony/http-kernel",
                "affectedVersions": ">=6.0.0,<6.0.20",
                "title": "CVE-2022-24894: Prevent storing cookie headers in HttpCache",
                "cve": "CVE-2022-24894",
                "link": "https://symfony.com/cve-2022-24894",
                "reportedAt": "2023-02-01T08:00:00+00:00",
                "sources": [{"name": "GitHub", "remoteId": "GHSA-h7vf-5wrv-9fhv"}]
            }
        ]
    },
    "abandoned": {"swiftmailer/swiftmailer": "symfony/mailer"}
}"#;
        let found = parse(json, Path::new("/nonexistent"));
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].rule.as_deref(), Some("CVE-2022-24894"));
        assert!(found[0].message.contains("composer update symfony/http-kernel"));
        assert_eq!(found[1].severity, Severity::Warning);
        assert!(parse(br#"{"advisories":[],"abandoned":[]}"#, Path::new("/x")).is_empty());
        assert_eq!(line_of("{\n  \"packages\": [\n    {\n      \"name\": \"a/b\",", "a/b"), Some(4));
    }
}
