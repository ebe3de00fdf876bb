//! GitLab Code Quality: a JSON array of issues, each with a fingerprint stable across runs.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::outcome::{Report, Severity};
use crate::report::common::{clean, unexplained, CONFIG_PATH};

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// The report as a Code Quality artifact.
pub fn render(report: &Report) -> String {
    let mut fingerprints = Fingerprints::default();
    let mut issues = Vec::new();
    for check in &report.checks {
        for diagnostic in &check.diagnostics {
            // GitLab needs a path and a line; findings without one point at the config.
            let path = diagnostic.path.as_deref().unwrap_or(CONFIG_PATH);
            let message = clean(&diagnostic.message).trim_end().to_string();
            let rule = diagnostic.rule.as_deref();
            issues.push(Issue {
                fingerprint: fingerprints.next(&check.id, path, rule.unwrap_or(""), &message),
                description: message,
                check_name: match rule {
                    Some(rule) => format!("{}/{rule}", check.id),
                    None => check.id.clone(),
                },
                severity: match diagnostic.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                location: location(path, diagnostic.line),
            });
        }
        if let Some(problem) = unexplained(check) {
            issues.push(Issue {
                // The title, not the output: output carries timings and counts that change.
                fingerprint: fingerprints.next(&check.id, CONFIG_PATH, "", &problem.title),
                description: problem.message(),
                check_name: check.id.clone(),
                severity: if problem.is_error { "critical" } else { "major" },
                location: location(CONFIG_PATH, None),
            });
        }
    }
    let mut text = serde_json::to_string_pretty(&issues).expect("plain structs always serialize");
    text.push('\n');
    text
}

fn location(path: &str, line: Option<u32>) -> Location {
    Location { path: path.to_string(), lines: Lines { begin: line.filter(|&l| l >= 1).unwrap_or(1) } }
}

/// SHA-256 of check, path, rule and message, never the line, so a finding keeps its identity
/// when code above it moves; the n-th repeat of the same finding in a file hashes `n` too.
#[derive(Default)]
struct Fingerprints {
    seen: HashMap<[String; 4], usize>,
}

impl Fingerprints {
    fn next(&mut self, check: &str, path: &str, rule: &str, message: &str) -> String {
        let key = [check, path, rule, message].map(str::to_string);
        let repeat = self.seen.entry(key).or_insert(0);
        let mut hasher = Sha256::new();
        for part in [check, path, rule, message] {
            // A separator that cannot occur in the parts keeps ("ab", "c") apart from ("a", "bc").
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        if *repeat > 0 {
            hasher.update(repeat.to_string().as_bytes());
        }
        *repeat += 1;
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::Value;

    use super::*;
    use crate::outcome::{Diagnostic, Status};
    use crate::report::fixture;

    fn issues(report: &Report) -> Vec<Value> {
        let value: Value = serde_json::from_str(&render(report)).expect("render gives JSON");
        value.as_array().expect("an array of issues").clone()
    }

    #[test]
    fn golden() {
        insta::assert_snapshot!(render(&fixture::report()));
    }

    #[test]
    fn issues_have_what_gitlab_requires() {
        let issues = issues(&fixture::report());
        assert_eq!(issues.len(), 10);
        let mut fingerprints = HashSet::new();
        for issue in &issues {
            for field in ["description", "check_name", "fingerprint", "severity"] {
                let text = issue[field].as_str().unwrap_or_default();
                assert!(!text.is_empty(), "{field} in {issue}");
            }
            let severity = issue["severity"].as_str().unwrap_or_default();
            assert!(["info", "minor", "major", "critical", "blocker"].contains(&severity), "{issue}");
            assert!(!issue["location"]["path"].as_str().unwrap_or_default().is_empty());
            assert!(issue["location"]["lines"]["begin"].as_u64().is_some_and(|l| l >= 1));
            let fingerprint = issue["fingerprint"].as_str().unwrap_or_default();
            assert_eq!(fingerprint.len(), 64);
            assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(fingerprints.insert(fingerprint.to_string()), "repeated {fingerprint}");
        }
        let file_less = issues.iter().filter(|i| i["location"]["path"] == CONFIG_PATH).count();
        assert_eq!(file_less, 4, "one path-less finding and three unexplained failures");
    }

    #[test]
    fn fingerprints_survive_moved_lines_but_not_other_changes() {
        let one = |d: Diagnostic| {
            let mut check = fixture::check("lint", Status::Failed);
            check.diagnostics = vec![d];
            issues(&Report::new(vec![check], 0))[0]["fingerprint"].clone()
        };
        let base = Diagnostic::error("a.rs", "bad").at_line(3).with_rule("r");
        let fingerprint = one(base.clone());
        assert_eq!(fingerprint, one(base.clone().at_line(40).at_column(2)));
        assert_ne!(fingerprint, one(Diagnostic::error("b.rs", "bad").at_line(3).with_rule("r")));
        assert_ne!(fingerprint, one(Diagnostic::error("a.rs", "bad!").at_line(3).with_rule("r")));
        assert_ne!(fingerprint, one(base.clone().with_rule("s")));
        // Pinned: SHA-256 is the same everywhere, so a change here breaks every MR comparison.
        assert_eq!(fingerprint, "64efe217db3e93a014c58717c9b805402ebbbd76e25aaefe21548b108eef45df");
    }
}
