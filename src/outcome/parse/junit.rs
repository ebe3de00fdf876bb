//! JUnit XML as PHPUnit writes it (`--log-junit FILE`): a failing or erroring test is a finding
//! at the line of the test file where it failed (the test method's line when the trace does
//! not name the file).

use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::relativize;
use crate::outcome::{Diagnostic, Severity};

/// Test cases read at most; a report is never allowed to grow memory without bound.
const MAX_CASES: usize = 100_000;

#[derive(Default)]
struct Case {
    name: String,
    class: String,
    file: Option<String>,
    line: Option<u32>,
}

pub(super) fn parse(report: &[u8], root: &Path) -> Vec<Diagnostic> {
    read(report, root).unwrap_or_default()
}

fn read(xml: &[u8], root: &Path) -> Option<Vec<Diagnostic>> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut case: Option<Case> = None;
    // The failure being read: its kind, its type attribute and its text so far.
    let mut failure: Option<(Severity, String, String)> = None;
    let mut cases = 0usize;
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"testcase" => {
                cases += 1;
                if cases > MAX_CASES {
                    break;
                }
                case = Some(Case {
                    name: attr(&e, b"name").unwrap_or_default(),
                    class: attr(&e, b"class").or_else(|| attr(&e, b"classname")).unwrap_or_default(),
                    file: attr(&e, b"file"),
                    line: attr(&e, b"line").and_then(|l| l.trim().parse().ok()),
                });
            }
            Event::Start(e) => {
                let severity = match e.local_name().as_ref() {
                    b"failure" | b"error" => Some(Severity::Error),
                    b"warning" => Some(Severity::Warning),
                    _ => None,
                };
                if let (Some(severity), Some(_)) = (severity, &case) {
                    failure = Some((severity, attr(&e, b"type").unwrap_or_default(), String::new()));
                }
            }
            Event::Empty(e) => {
                let kind = e.local_name();
                if matches!(kind.as_ref(), b"failure" | b"error") {
                    if let Some(case) = &case {
                        let message = attr(&e, b"message").unwrap_or_default();
                        out.push(finding(case, Severity::Error, attr(&e, b"type").unwrap_or_default(), &message, root));
                    }
                }
            }
            Event::Text(t) => {
                if let Some((_, _, text)) = &mut failure {
                    if text.len() < 64 * 1024 {
                        text.push_str(&t.unescape().ok()?);
                    }
                }
            }
            Event::CData(t) => {
                if let Some((_, _, text)) = &mut failure {
                    text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"failure" | b"error" | b"warning" => {
                    if let (Some((severity, kind, text)), Some(case)) = (failure.take(), &case) {
                        out.push(finding(&case_at_trace(case, &text, root), severity, kind, &text, root));
                    }
                }
                b"testcase" => case = None,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Some(out)
}

/// The line in the test's own file where it failed: PHPUnit ends the text with the trace,
/// `/path/to/FooTest.php:42`, innermost frame first.
fn case_at_trace(case: &Case, text: &str, root: &Path) -> Case {
    let file = case.file.as_deref().map(|f| relativize(f, root));
    let line = text.lines().find_map(|l| {
        let (path, line) = l.trim().rsplit_once(':')?;
        let line: u32 = line.parse().ok()?;
        (file.as_deref() == Some(relativize(path, root).as_str())).then_some(line)
    });
    Case { name: case.name.clone(), class: case.class.clone(), file: case.file.clone(), line: line.or(case.line) }
}

fn finding(case: &Case, severity: Severity, kind: String, text: &str, root: &Path) -> Diagnostic {
    let header = format!("{}::{}", case.class, case.name);
    // The text starts with "Class::test" (sometimes with a data set), then the message.
    let reason = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(&header) && !l.starts_with(&case.class))
        .take_while(|l| !is_trace_line(l))
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let test = if case.class.is_empty() { case.name.clone() } else { header };
    let message = if reason.is_empty() { format!("{test} failed") } else { format!("{test}: {reason}") };
    Diagnostic {
        path: case.file.as_deref().map(|f| relativize(f, root)),
        line: case.line.filter(|l| *l > 0),
        column: None,
        severity,
        message,
        rule: Some(kind).filter(|k| !k.is_empty()),
        commit: None,
    }
}

fn is_trace_line(line: &str) -> bool {
    line.rsplit_once(':').is_some_and(|(path, n)| path.ends_with(".php") && n.parse::<u32>().is_ok())
}

fn attr(element: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="App\Tests\PriceTest" file="/app/tests/PriceTest.php" tests="2" assertions="2" errors="0" failures="1" skipped="0" time="0.01">
    <testcase name="testAdds" file="/app/tests/PriceTest.php" line="12" class="App\Tests\PriceTest" classname="App.Tests.PriceTest" assertions="1" time="0.001"/>
    <testcase name="testRounds" file="/app/tests/PriceTest.php" line="18" class="App\Tests\PriceTest" classname="App.Tests.PriceTest" assertions="1" time="0.002">
      <failure type="PHPUnit\Framework\ExpectationFailedException">App\Tests\PriceTest::testRounds
Failed asserting that 1.0 is identical to 2.0.

/app/tests/PriceTest.php:21</failure>
    </testcase>
  </testsuite>
</testsuites>
"#;

    #[test]
    fn a_failing_test_is_found_where_it_failed() {
        let found = parse(REPORT.as_bytes(), Path::new("/app"));
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(d.path.as_deref(), Some("tests/PriceTest.php"));
        assert_eq!(d.line, Some(21));
        assert_eq!(d.message, "App\\Tests\\PriceTest::testRounds: Failed asserting that 1.0 is identical to 2.0.");
        assert_eq!(d.rule.as_deref(), Some("PHPUnit\\Framework\\ExpectationFailedException"));
    }

    #[test]
    fn garbage_gives_nothing() {
        assert!(parse(b"<testsuites><testcase", Path::new("/")).is_empty());
        assert!(parse(b"\xff\xfe", Path::new("/")).is_empty());
    }
}
