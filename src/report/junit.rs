//! JUnit XML, as GitLab and Jenkins read it: a test suite per check, a test case per file.

use crate::outcome::{CheckOutcome, Report, Status};
use crate::report::common::{clean, describe, group_by_path, seconds, source, unexplained, xml_attr, xml_text};

/// The report as a `<testsuites>` document.
pub fn render(report: &Report) -> String {
    let suites: Vec<Suite> = report.checks.iter().map(suite).collect();
    let total = |f: fn(&Suite) -> usize| suites.iter().map(f).sum::<usize>();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"ward\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
        total(|s| s.cases.len()),
        total(|s| s.count(|v| matches!(v, Verdict::Failures(_)))),
        total(|s| s.count(|v| matches!(v, Verdict::Errors(_)))),
        total(|s| s.count(|v| matches!(v, Verdict::Skipped(_)))),
        seconds(report.summary.duration_ms),
    ));
    for suite in &suites {
        suite.write(&mut xml);
    }
    xml.push_str("</testsuites>\n");
    xml
}

struct Suite {
    id: String,
    time_ms: u64,
    cases: Vec<Case>,
}

struct Case {
    name: String,
    file: Option<String>,
    time_ms: u64,
    verdict: Verdict,
}

enum Verdict {
    /// With the diagnostics a passing check still reported (warnings), as `<system-out>`.
    Passed(Option<String>),
    Skipped(Option<String>),
    Failures(Vec<Entry>),
    Errors(Vec<Entry>),
}

struct Entry {
    message: String,
    kind: String,
    text: String,
}

fn suite(check: &CheckOutcome) -> Suite {
    let mut cases = Vec::new();
    match check.status {
        Status::Passed => {
            let notes: Vec<String> = check.diagnostics.iter().map(describe).collect();
            let out = (!notes.is_empty()).then(|| notes.join("\n"));
            cases.push(case(check, None, Verdict::Passed(out)));
        }
        Status::Skipped => cases.push(case(check, None, Verdict::Skipped(check.reason.clone()))),
        Status::Failed | Status::Error => {
            // A failed check fails every file it reported on, whatever each finding's severity:
            // JUnit has no warnings, and the check's verdict is what the pipeline acts on.
            let verdict = |entries| match check.status {
                Status::Error => Verdict::Errors(entries),
                _ => Verdict::Failures(entries),
            };
            let mut whole_check = Vec::new();
            // A commit-message finding in CI is about one commit: a test case per commit.
            let (by_commit, by_path): (Vec<_>, Vec<_>) =
                check.diagnostics.iter().cloned().partition(|d| d.path.is_none() && d.commit.is_some());
            let mut commits: Vec<(String, Vec<Entry>)> = Vec::new();
            for d in &by_commit {
                let Some(commit) = &d.commit else { continue };
                let name = format!("commit {} {}", commit.id, commit.subject);
                let entry =
                    Entry { message: d.message.clone(), kind: source(&check.id, d.rule.as_deref()), text: describe(d) };
                match commits.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, entries)) => entries.push(entry),
                    None => commits.push((name, vec![entry])),
                }
            }
            for (name, entries) in commits {
                cases.push(Case { name, file: None, time_ms: 0, verdict: verdict(entries) });
            }
            for (path, diagnostics) in group_by_path(&by_path) {
                let entries = diagnostics.iter().map(|d| Entry {
                    message: d.message.clone(),
                    kind: source(&check.id, d.rule.as_deref()),
                    text: describe(d),
                });
                match path {
                    Some(path) => cases.push(case(check, Some(path), verdict(entries.collect()))),
                    None => whole_check.extend(entries),
                }
            }
            if let Some(problem) = unexplained(check) {
                whole_check.push(Entry {
                    message: problem.title,
                    kind: source(&check.id, None),
                    text: problem.details,
                });
            }
            if !whole_check.is_empty() {
                cases.insert(0, case(check, None, verdict(whole_check)));
            }
        }
    }
    // The check's time goes to one case so the cases add up to the suite.
    if let Some(first) = cases.first_mut() {
        first.time_ms = check.duration_ms;
    }
    Suite { id: check.id.clone(), time_ms: check.duration_ms, cases }
}

fn case(check: &CheckOutcome, path: Option<&str>, verdict: Verdict) -> Case {
    Case { name: path.unwrap_or(&check.id).to_string(), file: path.map(str::to_string), time_ms: 0, verdict }
}

impl Suite {
    fn count(&self, which: fn(&Verdict) -> bool) -> usize {
        self.cases.iter().filter(|c| which(&c.verdict)).count()
    }

    fn write(&self, xml: &mut String) {
        let id = xml_attr(&self.id);
        xml.push_str(&format!(
            "  <testsuite name=\"{id}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
            self.cases.len(),
            self.count(|v| matches!(v, Verdict::Failures(_))),
            self.count(|v| matches!(v, Verdict::Errors(_))),
            self.count(|v| matches!(v, Verdict::Skipped(_))),
            seconds(self.time_ms),
        ));
        for case in &self.cases {
            xml.push_str(&format!("    <testcase classname=\"{id}\" name=\"{}\"", xml_attr(&case.name)));
            if let Some(file) = &case.file {
                xml.push_str(&format!(" file=\"{}\"", xml_attr(file)));
            }
            xml.push_str(&format!(" time=\"{}\"", seconds(case.time_ms)));
            match &case.verdict {
                Verdict::Passed(None) => xml.push_str("/>\n"),
                Verdict::Passed(Some(out)) => {
                    xml.push_str(&format!(">\n      <system-out>{}</system-out>\n    </testcase>\n", xml_text(out)))
                }
                Verdict::Skipped(reason) => {
                    xml.push_str(">\n      <skipped");
                    if let Some(reason) = reason {
                        xml.push_str(&format!(" message=\"{}\"", xml_attr(reason)));
                    }
                    xml.push_str("/>\n    </testcase>\n");
                }
                Verdict::Failures(entries) | Verdict::Errors(entries) => {
                    let element = match case.verdict {
                        Verdict::Errors(_) => "error",
                        _ => "failure",
                    };
                    xml.push_str(">\n");
                    for entry in entries {
                        xml.push_str(&format!(
                            "      <{element} message=\"{}\" type=\"{}\">{}</{element}>\n",
                            xml_attr(clean(&entry.message).trim_end()),
                            xml_attr(&entry.kind),
                            xml_text(&entry.text),
                        ));
                    }
                    xml.push_str("    </testcase>\n");
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;
    use crate::report::fixture;

    #[test]
    fn golden() {
        insta::assert_snapshot!(render(&fixture::report()));
    }

    #[test]
    fn empty_report_is_an_empty_document() {
        let xml = render(&Report::new(Vec::new(), 0));
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ward\" tests=\"0\" \
             failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.000\">\n</testsuites>\n"
        );
    }

    /// The `type` attribute must never be a bare word: GitLab reads JUnit through Rails'
    /// `Hash.from_xml`, which casts element text by `type` (`yaml`, `integer`, `file`, ...).
    #[test]
    fn failure_types_are_never_bare_words() {
        let xml = render(&fixture::report());
        for part in xml.split(" type=\"").skip(1) {
            let kind = part.split('"').next().unwrap_or_default();
            assert!(kind.starts_with("ward."), "{kind}");
        }
    }

    /// Parses the output with junitparser, a real JUnit consumer, and checks what it reads back.
    #[test]
    fn junitparser_reads_it() {
        let python = "import sys, junitparser\n\
            from junitparser import JUnitXml, Failure, Error, Skipped\n\
            xml = JUnitXml.fromstring(sys.stdin.buffer.read())\n\
            for suite in xml:\n\
            \x20   counts = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}\n\
            \x20   for case in suite:\n\
            \x20       counts['tests'] += 1\n\
            \x20       kinds = {type(r) for r in case.result}\n\
            \x20       counts['failures'] += Failure in kinds\n\
            \x20       counts['errors'] += Error in kinds\n\
            \x20       counts['skipped'] += Skipped in kinds\n\
            \x20       for r in case.result:\n\
            \x20           print(repr((suite.name, case.classname, case.name, type(r).__name__, r.message, r.type, r.text)))\n\
            \x20   for k, v in counts.items():\n\
            \x20       assert getattr(suite, k) == v, (suite.name, k, getattr(suite, k), v)\n\
            print('ok', len(list(xml)))\n";
        let Some(stdout) = run_python(python, render(&fixture::report()).as_bytes()) else {
            return;
        };
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.last(), Some(&"ok 7"), "{stdout}");
        let expect = [
            r#"('lint', 'lint', 'lint', 'Failure', 'project-wide: config, missing', 'ward.lint.config', 'project-wide: config, missing [config]')"#,
            r#"('lint', 'lint', 'src/a.php', 'Failure', 'Unexpected `<>` & "double" \'single\'', 'ward.lint.style.quotes', 'src/a.php:3:5: Unexpected `<>` & "double" \'single\' [style.quotes]')"#,
            r#"('lint', 'lint', 'src/a.php', 'Failure', 'line one\nline two: 100% done, a,b', 'ward.lint.lines', 'src/a.php:10: line one\nline two: 100% done, a,b [lines]')"#,
            r#"('lint', 'lint', 'src/dir with space/ü.php', 'Failure', 'unicode ✓ 日本', 'ward.lint', 'src/dir with space/ü.php: unicode ✓ 日本')"#,
            r#"('lint', 'lint', 'src/b.php', 'Failure', 'note red', 'ward.lint.info-rule', 'src/b.php:1:1: note red [info-rule]')"#,
            r#"('types', 'types', 'types', 'Failure', 'types failed (exit code 2)', 'ward.types', 'Fatal: <memory> exhausted\nat line 5 & more')"#,
            r#"('fixer', 'fixer', 'fixer', 'Failure', 'fixer failed and modified 1 file', 'ward.fixer', 'Files modified by this check:\n  src/c.php')"#,
            r#"('docs', 'docs', 'docs', 'Skipped', 'no files to check', None, None)"#,
            r#"('sec,scan', 'sec,scan', 'sec,scan', 'Error', 'Sec: scan could not run: `sec` not found in PATH', 'ward.sec,scan', 'Sec: scan could not run: `sec` not found in PATH')"#,
        ];
        for line in expect {
            assert!(lines.contains(&line), "missing {line}\nin:\n{stdout}");
        }
    }

    /// Runs `python3 -c program` with junitparser; `None` (test skipped) only outside CI.
    fn run_python(program: &str, stdin: &[u8]) -> Option<String> {
        use std::io::Write;
        let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        let probe = Command::new("python3").args(["-c", "import junitparser"]).output();
        if !probe.as_ref().is_ok_and(|o| o.status.success()) {
            let why = "python3 with junitparser is missing (pip install junitparser)";
            assert!(!in_ci, "{why}; CI must have it");
            eprintln!("skipping: {why}");
            return None;
        }
        let mut child = Command::new("python3")
            .args(["-c", program])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        child.stdin.take().expect("piped stdin").write_all(stdin).expect("write stdin");
        let output = child.wait_with_output().expect("python3 finishes");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "junitparser rejected the report:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Some(stdout)
    }
}
