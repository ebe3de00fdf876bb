//! Collects one check's diagnostics for one file, capped so a huge file cannot flood the report.

use crate::outcome::{Diagnostic, Severity};

/// Per-line findings kept for one file before the rest are summarised.
const MAX_PER_FILE: usize = 50;

pub(crate) struct Sink<'a> {
    path: &'a str,
    rule: &'static str,
    diagnostics: Vec<Diagnostic>,
    dropped: usize,
}

impl<'a> Sink<'a> {
    pub fn new(path: &'a str, rule: &'static str) -> Self {
        Sink { path, rule, diagnostics: Vec::new(), dropped: 0 }
    }

    pub fn path(&self) -> &'a str {
        self.path
    }

    /// An error at a line (and column, when known).
    pub fn error(&mut self, line: u32, column: Option<u32>, message: impl Into<String>) {
        self.push(Severity::Error, Some(line), column, message.into());
    }

    /// The file could not be read or written: a failure of the check, not a finding.
    pub fn file_error(&mut self, message: impl Into<String>) {
        let rule = std::mem::replace(&mut self.rule, crate::outcome::FILE_ACCESS_RULE);
        self.push(Severity::Error, None, None, message.into());
        self.rule = rule;
    }

    /// A note: what a fixer changed, or why a file was skipped.
    pub fn info(&mut self, line: Option<u32>, message: impl Into<String>) {
        self.push(Severity::Info, line, None, message.into());
    }

    pub fn warning(&mut self, message: impl Into<String>) {
        self.push(Severity::Warning, None, None, message.into());
    }

    fn push(&mut self, severity: Severity, line: Option<u32>, column: Option<u32>, message: String) {
        if self.diagnostics.len() >= MAX_PER_FILE {
            self.dropped += 1;
            return;
        }
        let mut diagnostic = Diagnostic::error(self.path, message).with_rule(self.rule).with_severity(severity);
        diagnostic.line = line;
        diagnostic.column = column;
        self.diagnostics.push(diagnostic);
    }

    pub fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            let message = format!("{} more findings in this file not shown", self.dropped);
            self.diagnostics.push(Diagnostic::error(self.path, message).with_rule(self.rule));
        }
        self.diagnostics
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_findings_and_summarises_the_rest() {
        let mut sink = Sink::new("a.txt", "trailing-whitespace");
        for line in 1..=60 {
            sink.error(line, None, "x");
        }
        let diagnostics = sink.finish();
        assert_eq!(diagnostics.len(), MAX_PER_FILE + 1);
        assert_eq!(diagnostics[0].line, Some(1));
        assert_eq!(diagnostics[0].rule.as_deref(), Some("trailing-whitespace"));
        assert_eq!(diagnostics[MAX_PER_FILE].message, "10 more findings in this file not shown");
    }
}
