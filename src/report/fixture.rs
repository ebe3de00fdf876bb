//! A hand-built report with every status and awkward text, shared by the format tests.

use crate::outcome::{CheckOutcome, Diagnostic, Report, Severity, Status};

pub(crate) fn check(id: &str, status: Status) -> CheckOutcome {
    CheckOutcome {
        id: id.to_string(),
        name: id.to_string(),
        status,
        exit_code: match status {
            Status::Passed => Some(0),
            Status::Failed => Some(1),
            Status::Skipped | Status::Error => None,
        },
        duration_ms: 0,
        files: 0,
        modified_files: Vec::new(),
        output: String::new(),
        diagnostics: Vec::new(),
        reason: None,
        cache: None,
    }
}

/// Every status; diagnostics with and without path, line, column and rule; `<>&"'`, newlines,
/// `%`, `:`, `,`, unicode, terminal colours and NUL in messages, paths and output.
pub(crate) fn report() -> Report {
    let mut fmt = check("fmt", Status::Passed);
    fmt.name = "Formatter".into();
    fmt.duration_ms = 120;
    fmt.files = 5;

    let mut yaml = check("yaml", Status::Passed);
    yaml.duration_ms = 7;
    yaml.files = 1;
    yaml.diagnostics =
        vec![Diagnostic::error("config.yml", "deprecated key `on`").at_line(2).with_severity(Severity::Warning)];

    let mut lint = check("lint", Status::Failed);
    lint.name = "Lint & <Style>".into();
    lint.duration_ms = 1500;
    lint.files = 3;
    lint.output = "checked 3 files\n\u{1b}[31m2 errors\u{1b}[0m\n".into();
    let quotes = Diagnostic::error("src/a.php", "Unexpected `<>` & \"double\" 'single'")
        .at_line(3)
        .at_column(5)
        .with_rule("style.quotes");
    lint.diagnostics = vec![
        quotes.clone(),
        Diagnostic::error("src/a.php", "line one\nline two: 100% done, a,b\r\n")
            .at_line(10)
            .with_rule("lines")
            .with_severity(Severity::Warning),
        quotes,
        Diagnostic::error("src/dir with space/ü.php", "unicode ✓ 日本"),
        Diagnostic { path: None, ..Diagnostic::error("", "project-wide: config, missing").with_rule("config") },
        Diagnostic::error("src/b.php", "note \u{1b}[31mred\u{1b}[0m\u{0}")
            .at_line(1)
            .at_column(1)
            .with_rule("info-rule")
            .with_severity(Severity::Info),
    ];

    let mut types = check("types", Status::Failed);
    types.exit_code = Some(2);
    types.duration_ms = 2300;
    types.files = 3;
    types.output = "Fatal: <memory> exhausted\nat line 5 & more\n".into();

    let mut fixer = check("fixer", Status::Failed);
    fixer.exit_code = Some(0);
    fixer.duration_ms = 40;
    fixer.files = 2;
    fixer.modified_files = vec!["src/c.php".into()];

    let mut docs = check("docs", Status::Skipped);
    docs.reason = Some("no files to check".into());

    let mut scan = check("sec,scan", Status::Error);
    scan.name = "Sec: scan".into();
    scan.reason = Some("`sec` not found in PATH".into());

    Report::new(vec![fmt, yaml, lint, types, fixer, docs, scan], 4000)
}
