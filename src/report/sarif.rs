//! SARIF 2.1.0, for code scanning: one run per check, one result per finding.

use serde::Serialize;

use crate::outcome::{CheckOutcome, Diagnostic, Report, Severity, Status};
use crate::report::common::{clean, unexplained};

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The report as a SARIF log.
pub fn render(report: &Report) -> String {
    let log = Log { schema: SCHEMA, version: "2.1.0", runs: report.checks.iter().map(run).collect() };
    let mut text = serde_json::to_string_pretty(&log).expect("plain structs always serialize");
    text.push('\n');
    text
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
struct Driver<'a> {
    name: String,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Rule<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    /// The commit a message finding is about (it has no file location).
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties<'a>>,
}

#[derive(Serialize)]
struct Properties<'a> {
    commit: &'a crate::outcome::CommitRef,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

fn run(check: &CheckOutcome) -> Run<'_> {
    let mut rules: Vec<&str> = Vec::new();
    for rule in check.diagnostics.iter().filter_map(|d| d.rule.as_deref()) {
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    let mut results: Vec<SarifResult> = check.diagnostics.iter().map(|d| result(d, &rules)).collect();
    let problem = unexplained(check);
    if let Some(problem) = &problem {
        results.push(SarifResult {
            rule_id: None,
            rule_index: None,
            level: "error",
            message: Message { text: problem.message() },
            locations: Vec::new(),
            properties: None,
        });
    }
    let invocations = match check.status {
        Status::Skipped => Vec::new(),
        status => vec![Invocation {
            execution_successful: status != Status::Error,
            exit_code: check.exit_code,
            tool_execution_notifications: match (status, problem) {
                (Status::Error, Some(problem)) => {
                    vec![Notification { level: "error", message: Message { text: problem.title } }]
                }
                _ => Vec::new(),
            },
        }],
    };
    Run {
        // A driver per check, because code scanning keys alerts and categories on the tool name.
        tool: Tool {
            driver: Driver {
                name: format!("ward/{}", check.id),
                rules: rules.into_iter().map(|id| Rule { id }).collect(),
            },
        },
        automation_details: AutomationDetails { id: format!("ward/{}/", check.id) },
        invocations,
        results,
    }
}

fn result<'a>(diagnostic: &'a Diagnostic, rules: &[&str]) -> SarifResult<'a> {
    let rule_id = diagnostic.rule.as_deref();
    let text = clean(&diagnostic.message).trim_end().to_string();
    SarifResult {
        rule_id,
        rule_index: rule_id.and_then(|id| rules.iter().position(|r| *r == id)),
        level: match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        },
        message: Message { text: if text.is_empty() { "(no message)".into() } else { text } },
        locations: diagnostic
            .path
            .iter()
            .map(|path| Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: uri(path), uri_base_id: "%SRCROOT%" },
                    region: diagnostic
                        .line
                        .filter(|&l| l >= 1)
                        .map(|start_line| Region { start_line, start_column: diagnostic.column.filter(|&c| c >= 1) }),
                },
            })
            .collect(),
        properties: diagnostic.commit.as_ref().map(|commit| Properties { commit }),
    }
}

/// A repository-relative path as a relative URI reference: every byte but unreserved ones and
/// `/` percent-encoded, so spaces, `%`, `#`, `?` and a `:` in the first segment stay path.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use serde_json::{json, Value};

    use super::*;
    use crate::report::fixture;

    #[test]
    fn golden() {
        insta::assert_snapshot!(render(&fixture::report()));
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("src/a-b_c.~d/e.php"), "src/a-b_c.~d/e.php");
        assert_eq!(uri("dir with space/ü.php"), "dir%20with%20space/%C3%BC.php");
        assert_eq!(uri("c:x/50%#?.rs"), "c%3Ax/50%25%23%3F.rs");
    }

    /// The official OASIS schema, read where the project keeps it (never copied into the repo).
    fn schema() -> Value {
        let candidates = [
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/sarif-schema-2.1.0.json"),
            PathBuf::from("/work/shared/schemas/sarif-schema-2.1.0.json"),
        ];
        let Some(text) = candidates.iter().find_map(|p| std::fs::read_to_string(p).ok()) else {
            panic!(
                "the SARIF 2.1.0 schema is missing: looked for {}; it belongs in shared/schemas/ \
                 beside the repository",
                candidates.map(|p| p.display().to_string()).join(" and ")
            );
        };
        serde_json::from_str(&text).expect("the SARIF schema is JSON")
    }

    /// RFC 3986 relative reference, checked by the test because draft-04 has no `uri-reference`.
    fn is_uri_reference(text: &str) -> bool {
        let bytes = text.as_bytes();
        let escapes_ok = bytes.iter().enumerate().all(|(i, &b)| {
            b != b'%'
                || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        });
        let chars_ok = bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?#[]%".contains(&b));
        let first_segment = text.split(['/', '?', '#']).next().unwrap_or_default();
        escapes_ok && chars_ok && !first_segment.contains(':')
    }

    fn validator() -> jsonschema::Validator {
        jsonschema::draft4::options()
            .should_validate_formats(true)
            .with_format("uri-reference", is_uri_reference)
            .build(&schema())
            .expect("the SARIF schema compiles as draft-04")
    }

    fn assert_valid(report: &Report) {
        let validator = validator();
        let rendered = render(report);
        let instance: Value = serde_json::from_str(&rendered).expect("render gives JSON");
        let errors: Vec<String> =
            validator.iter_errors(&instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{}\n{rendered}", errors.join("\n"));
    }

    #[test]
    fn validates_against_the_official_schema() {
        assert_valid(&fixture::report());
        assert_valid(&Report::new(Vec::new(), 0));
        let mut odd = fixture::check("odd", Status::Failed);
        odd.diagnostics = vec![
            Diagnostic::error("a:b/c d.rs", "").at_line(0).at_column(0),
            Diagnostic::error("x.rs", "column without line").at_column(4),
        ];
        assert_valid(&Report::new(vec![odd, fixture::check("ok", Status::Passed)], 1));
    }

    #[test]
    fn the_validator_is_strict() {
        let validator = validator();
        let log: Value = serde_json::from_str(&render(&fixture::report())).expect("JSON");
        assert!(validator.is_valid(&log));
        let location = "/runs/2/results/0/locations/0/physicalLocation";
        let broken = |pointer: &str, value: Value| {
            let mut log = log.clone();
            *log.pointer_mut(pointer).expect("the pointer exists") = value;
            !validator.is_valid(&log)
        };
        assert!(broken(&format!("{location}/region/startLine"), json!(0)));
        assert!(broken(&format!("{location}/artifactLocation/uri"), json!("a b.rs")));
        assert!(broken(&format!("{location}/artifactLocation/uri"), json!("c:x.rs")));
        assert!(broken("/runs/2/results/0/level", json!("fatal")));
        assert!(broken("/version", json!("2.0.0")));
    }

    #[test]
    fn regions_only_for_known_positions() {
        let log: Value = serde_json::from_str(&render(&fixture::report())).expect("JSON");
        let lint = &log["runs"][2];
        assert_eq!(lint["tool"]["driver"]["name"], "ward/lint");
        let region = |i: usize| &lint["results"][i]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region(0), &json!({ "startLine": 3, "startColumn": 5 }));
        assert_eq!(region(1), &json!({ "startLine": 10 }));
        assert_eq!(region(3), &Value::Null);
        assert_eq!(lint["results"][4].get("locations"), None, "a path-less finding");
        let types = &log["runs"][3]["results"][0];
        assert_eq!(types["level"], "error");
        assert_eq!(types.get("locations"), None, "a file-less failure");
    }
}
