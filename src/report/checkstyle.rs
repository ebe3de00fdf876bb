//! Checkstyle XML, as reviewdog and Jenkins' warnings plugin read it: findings grouped by file.

use std::collections::BTreeMap;

use crate::outcome::{Report, Severity};
use crate::report::common::{clean, source, unexplained, xml_attr, CONFIG_PATH};

struct Finding {
    line: Option<u32>,
    column: Option<u32>,
    severity: &'static str,
    message: String,
    source: String,
}

/// The report as a `<checkstyle>` document, files in path order.
pub fn render(report: &Report) -> String {
    let mut files: BTreeMap<&str, Vec<Finding>> = BTreeMap::new();
    for check in &report.checks {
        for diagnostic in &check.diagnostics {
            let path = diagnostic.path.as_deref().unwrap_or(CONFIG_PATH);
            let line = diagnostic.line.filter(|&l| l >= 1);
            files.entry(path).or_default().push(Finding {
                line,
                column: line.and(diagnostic.column).filter(|&c| c >= 1),
                severity: match diagnostic.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "info",
                },
                message: clean(&diagnostic.message).trim_end().to_string(),
                source: source(&check.id, diagnostic.rule.as_deref()),
            });
        }
        if let Some(problem) = unexplained(check) {
            files.entry(CONFIG_PATH).or_default().push(Finding {
                line: None,
                column: None,
                severity: "error",
                message: problem.message(),
                source: source(&check.id, None),
            });
        }
    }

    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for (path, findings) in files {
        xml.push_str(&format!("  <file name=\"{}\">\n", xml_attr(path)));
        for finding in findings {
            xml.push_str("    <error");
            if let Some(line) = finding.line {
                xml.push_str(&format!(" line=\"{line}\""));
            }
            if let Some(column) = finding.column {
                xml.push_str(&format!(" column=\"{column}\""));
            }
            xml.push_str(&format!(
                " severity=\"{}\" message=\"{}\" source=\"{}\"/>\n",
                finding.severity,
                xml_attr(&finding.message),
                xml_attr(&finding.source)
            ));
        }
        xml.push_str("  </file>\n");
    }
    xml.push_str("</checkstyle>\n");
    xml
}

#[cfg(test)]
mod tests {
    use quick_xml::events::Event;
    use quick_xml::Reader;

    use super::*;
    use crate::report::fixture;

    #[test]
    fn golden() {
        insta::assert_snapshot!(render(&fixture::report()));
    }

    /// Reads the document back with an XML parser: every attribute unescapes to the cleaned text.
    #[test]
    fn parses_back_to_the_original_text() {
        let xml = render(&fixture::report());
        let mut reader = Reader::from_str(&xml);
        let mut errors = Vec::new();
        let mut file = String::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let mut attrs = BTreeMap::new();
                    for attr in e.attributes() {
                        let attr = attr.expect("a valid attribute");
                        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
                        let value = attr.unescape_value().expect("unescapes").into_owned();
                        attrs.insert(key, value);
                    }
                    match e.name().as_ref() {
                        b"file" => file = attrs["name"].clone(),
                        b"error" => errors.push((file.clone(), attrs)),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        assert_eq!(errors.len(), 10);
        let find = |source: &str| errors.iter().find(|(_, a)| a["source"] == source).expect("present");
        let (file, lines) = find("ward.lint.lines");
        assert_eq!(file, "src/a.php");
        assert_eq!(lines["message"], "line one\nline two: 100% done, a,b");
        assert_eq!(lines["line"], "10");
        assert!(!lines.contains_key("column"));
        let (_, quotes) = find("ward.lint.style.quotes");
        assert_eq!(quotes["message"], "Unexpected `<>` & \"double\" 'single'");
        assert_eq!(find("ward.lint.info-rule").1["message"], "note red");
        let (file, scan) = find("ward.sec,scan");
        assert_eq!(file, "checks.toml");
        assert_eq!(scan["message"], "Sec: scan could not run: `sec` not found in PATH");
        assert_eq!(find("ward.lint").0, "src/dir with space/ü.php");
    }
}
