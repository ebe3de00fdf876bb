//! `.ward-baseline.json`: findings a team already knows about, so that a run reports only new
//! ones. A finding matches by check, file, rule and message, never by line, so code that moves
//! stays baselined; each entry matches as many findings as it counts.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Diagnostic, Report, Severity};

/// The file name, at the repository root.
pub const FILE_NAME: &str = ".ward-baseline.json";

/// The rule of the note a check gets when some of its findings matched the baseline.
pub const BASELINE_RULE: &str = "ward-baseline";

/// Larger baselines are refused: the file is read on every run.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// One known finding, as stored.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub check: String,
    /// Repository-relative; absent for a finding about the whole project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub message: String,
    /// How many findings with exactly this key there were.
    #[serde(default = "one")]
    pub count: usize,
}

fn one() -> usize {
    1
}

#[derive(Serialize, Deserialize, Debug)]
struct Document {
    version: u32,
    findings: Vec<Entry>,
}

type Key = (String, Option<String>, Option<String>, String);

/// The loaded baseline: how many findings of each key are known.
#[derive(Debug, Default)]
pub struct Baseline {
    known: HashMap<Key, usize>,
}

/// Whitespace runs collapse to one space, so a tool that rewraps a message still matches.
fn normalise(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn key(check: &str, d: &Diagnostic) -> Key {
    (check.to_string(), d.path.clone(), d.rule.clone(), normalise(&d.message))
}

impl Baseline {
    /// The baseline at `root`, `Ok(None)` when there is none.
    pub fn load(root: &Path) -> Result<Option<Baseline>, String> {
        // Read as every work-tree file is: never through a link, and bounded.
        let rel = Path::new(FILE_NAME);
        let meta = match crate::worktree_fs::lstat(root, rel) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read: {e}")),
        };
        if meta.kind != crate::worktree_fs::Kind::File {
            return Err("is not a regular file (a symlink or a directory); write it with `ward baseline`".into());
        }
        if meta.size > MAX_BYTES {
            return Err(format!("is larger than {} MiB", MAX_BYTES / 1024 / 1024));
        }
        let text = crate::worktree_fs::read(root, rel).map_err(|e| format!("cannot read: {e}"))?;
        let document: Document = serde_json::from_slice(&text)
            .map_err(|e| format!("is not a ward baseline ({e}); write it again with `ward baseline`"))?;
        let mut known = HashMap::new();
        for entry in document.findings {
            *known.entry((entry.check, entry.file, entry.rule, normalise(&entry.message))).or_insert(0) += entry.count;
        }
        Ok(Some(Baseline { known }))
    }

    /// Removes the findings of `check` the baseline knows (errors and warnings; as many of each
    /// key as it counts) and adds one note saying how many. When that leaves no error (or no
    /// finding at all), a failure that the findings explained is no longer one.
    pub fn apply(&self, check: &str, diagnostics: &mut Vec<Diagnostic>, failed: &mut bool) {
        if self.known.is_empty() || diagnostics.is_empty() {
            return;
        }
        let had_errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
        let had_findings = diagnostics.iter().any(|d| d.severity != Severity::Info);
        let mut left: HashMap<Key, usize> = HashMap::new();
        let mut matched = 0usize;
        diagnostics.retain(|d| {
            if d.severity == Severity::Info {
                return true;
            }
            let k = key(check, d);
            let Some(&known) = self.known.get(&k) else { return true };
            let used = left.entry(k).or_insert(0);
            if *used < known {
                *used += 1;
                matched += 1;
                false
            } else {
                true
            }
        });
        if matched == 0 {
            return;
        }
        let noun = if matched == 1 { "finding" } else { "findings" };
        diagnostics.push(Diagnostic {
            path: None,
            line: None,
            column: None,
            severity: Severity::Info,
            message: format!("{matched} known {noun} matched {FILE_NAME} and are not reported"),
            rule: Some(BASELINE_RULE.to_string()),
            commit: None,
        });
        // A tool that fails on warnings (shellcheck) passes when every warning was known too.
        let errors_left = diagnostics.iter().any(|d| d.severity == Severity::Error);
        let findings_left = diagnostics.iter().any(|d| d.severity != Severity::Info);
        if (had_errors && !errors_left) || (had_findings && !findings_left) {
            *failed = false;
        }
    }
}

/// How many findings of a check the baseline took away (from its note), for the summary.
pub fn matched(diagnostics: &[Diagnostic]) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.rule.as_deref() == Some(BASELINE_RULE))
        .filter_map(|d| d.message.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

/// The baseline of every error and warning in `report`, as the bytes of `.ward-baseline.json`
/// (sorted, so that it diffs well), and how many findings it holds.
pub fn render(report: &Report) -> (String, usize) {
    let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
    for check in &report.checks {
        for d in check.diagnostics.iter().filter(|d| d.severity != Severity::Info) {
            *counts.entry(key(&check.id, d)).or_insert(0) += 1;
        }
    }
    let total = counts.values().sum();
    let findings = counts
        .into_iter()
        .map(|((check, file, rule, message), count)| Entry { check, file, rule, message, count })
        .collect();
    let text = serde_json::to_string_pretty(&Document { version: 1, findings }).unwrap_or_default();
    (format!("{text}\n"), total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(entries: &[(&str, &str, &str, usize)]) -> Baseline {
        let mut known = HashMap::new();
        for (check, file, message, count) in entries {
            known.insert((check.to_string(), Some(file.to_string()), None, normalise(message)), *count);
        }
        Baseline { known }
    }

    #[test]
    fn matches_by_check_file_rule_and_message_not_line() {
        let b = baseline(&[("phpstan", "src/A.php", "Undefined  method x()", 1)]);
        let mut diags = vec![
            Diagnostic::error("src/A.php", "Undefined method x()").at_line(40),
            Diagnostic::error("src/A.php", "Undefined method y()").at_line(41),
        ];
        let mut failed = true;
        b.apply("phpstan", &mut diags, &mut failed);
        assert!(failed, "a new finding still fails");
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[0].message, "Undefined method y()");
        assert_eq!(diags[1].severity, Severity::Info);
        assert_eq!(matched(&diags), 1);
    }

    #[test]
    fn counts_limit_the_matches_and_all_known_passes() {
        let b = baseline(&[("deptrac", "src/A.php", "A must not depend on B", 2)]);
        let one = || Diagnostic::error("src/A.php", "A must not depend on B");
        let mut diags = vec![one(), one(), one()];
        let mut failed = true;
        b.apply("deptrac", &mut diags, &mut failed);
        assert_eq!(diags.iter().filter(|d| d.severity == Severity::Error).count(), 1);
        let mut two = vec![one(), one()];
        let mut failed = true;
        b.apply("deptrac", &mut two, &mut failed);
        assert!(!failed);
        let warning = || one().with_severity(Severity::Warning);
        let mut warnings = vec![warning(), warning()];
        let mut failed = true;
        b.apply("deptrac", &mut warnings, &mut failed);
        assert!(!failed, "failing on known warnings alone is no failure");
        let mut other = vec![one()];
        let mut failed = true;
        b.apply("phpstan", &mut other, &mut failed);
        assert!(failed, "another check's findings are not matched");
    }
}
