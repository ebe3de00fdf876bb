//! What a run produced: per-check outcomes, diagnostics and the whole report.

pub mod baseline;
pub mod parse;

use serde::{Deserialize, Serialize};

/// The rule of a finding that says the tool could not parse the file: it cannot be fixed by the
/// tool, and a fixer that reports it has not passed.
pub const SYNTAX_ERROR_RULE: &str = "syntax-error";

/// Appended to a finding demoted because its file is not being committed (hook) or not
/// changed by the branch (CI and ranges).
pub const OUTSIDE_COMMIT: &str = " (in a file that is not being committed)";
pub const OUTSIDE_CHANGE: &str = " (in a file this change does not touch)";
pub const OUTSIDE_FILES: &str = " (in a file outside the files given)";
const OUTSIDE_SELECTION_NOTES: [&str; 3] = [OUTSIDE_COMMIT, OUTSIDE_CHANGE, OUTSIDE_FILES];

/// How serious a diagnostic is; `Error` fails its check, the others only inform.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// The rule of a finding that a file could not be read or written: never something a fixer
/// will fix, so always shown.
pub const FILE_ACCESS_RULE: &str = "file-access";

/// One problem a check found, attributed to a repository-relative path where it has one.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Repository-relative, `/`-separated; `None` for a finding about the whole project.
    pub path: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub severity: Severity,
    pub message: String,
    /// The tool's rule or identifier (`trailing-whitespace`, `method.notFound`, ...).
    pub rule: Option<String>,
    /// The commit whose message or branch the finding is about (commit-message checks in CI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitRef>,
}

/// A commit named in a finding: its short id and subject line.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CommitRef {
    pub id: String,
    pub subject: String,
}

impl Diagnostic {
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: Some(path.into()),
            line: None,
            column: None,
            severity: Severity::Error,
            message: message.into(),
            rule: None,
            commit: None,
        }
    }

    pub fn at_line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }

    pub fn at_column(mut self, column: u32) -> Self {
        self.column = Some(column);
        self
    }

    pub fn with_rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }

    pub fn with_commit(mut self, commit: Option<CommitRef>) -> Self {
        self.commit = commit;
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Demoted to a warning because its file is outside the run's selection (a whole-project
    /// tool reporting a file that was not committed or changed).
    pub fn is_outside_selection(&self) -> bool {
        self.severity == Severity::Warning && OUTSIDE_SELECTION_NOTES.iter().any(|note| self.message.ends_with(note))
    }

    /// The tool could not parse the file: nothing it could fix, and not a pass either.
    pub fn is_syntax_error(&self) -> bool {
        self.rule.as_deref() == Some(SYNTAX_ERROR_RULE)
    }
}

/// The result of one check.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
    /// The check could not run (tool missing, timed out, crashed, misconfigured tool).
    Error,
}

/// Everything known about one check after the run; the unit every report format consumes.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CheckOutcome {
    pub id: String,
    pub name: String,
    pub status: Status,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    /// How many files the check was given.
    pub files: usize,
    pub modified_files: Vec<String>,
    /// The tool's combined standard output and error, as it printed them.
    pub output: String,
    pub diagnostics: Vec<Diagnostic>,
    /// Why a skipped check did not run, or why an errored one could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How the result cache served it; absent when its results are not cached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheUse>,
}

/// A check's use of the result cache.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheUse {
    /// Files whose result came from the cache.
    pub from_cache: usize,
    /// The files really checked, when some came from the cache.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checked: Vec<String>,
}

/// Counts over all checks.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub errors: usize,
    pub duration_ms: u64,
    /// Files seen by checks whose results are cached, and how many of them were answered
    /// entirely from the cache; absent with `--no-cache`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheSummary>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheSummary {
    pub checks: usize,
    pub files: usize,
    pub from_cache: usize,
    /// The whole report came from the cache at once: every file was as the index says.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole_run: bool,
    /// The index's whole report stood for every file but these many, which differ from the
    /// index and were checked alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rechecked: Option<usize>,
}

/// The whole run: what `--format json` prints and what every report format renders.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub version: u32,
    pub summary: Summary,
    pub checks: Vec<CheckOutcome>,
}

impl Report {
    pub const VERSION: u32 = 1;

    pub fn new(checks: Vec<CheckOutcome>, duration_ms: u64) -> Self {
        let mut summary = Summary { duration_ms, ..Summary::default() };
        for check in &checks {
            match check.status {
                Status::Passed => summary.passed += 1,
                Status::Failed => summary.failed += 1,
                Status::Skipped => summary.skipped += 1,
                Status::Error => summary.errors += 1,
            }
        }
        Report { version: Self::VERSION, summary, checks }
    }

    /// True when nothing failed and nothing errored.
    pub fn is_success(&self) -> bool {
        self.summary.failed == 0 && self.summary.errors == 0
    }
}
