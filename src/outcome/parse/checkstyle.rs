//! Checkstyle XML (`<file name><error line column severity message source/>`), as written by
//! phpcs, shellcheck, php-cs-fixer, phpstan and many linters.

use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::relativize;
use super::shared::{position, severity_word};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], root: &Path) -> Vec<Diagnostic> {
    read(stdout, root).unwrap_or_default()
}

/// `None` when the document is not well-formed or stops early: half a report would look complete.
fn read(xml: &[u8], root: &Path) -> Option<Vec<Diagnostic>> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut diagnostics = Vec::new();
    let mut file: Option<String> = None;
    let mut depth = 0usize;
    let mut saw_root = false;
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        match &event {
            Event::Start(element) | Event::Empty(element) => {
                let empty = matches!(event, Event::Empty(_));
                match element.local_name().as_ref() {
                    b"checkstyle" => saw_root = true,
                    b"file" => {
                        let name = attribute(element, b"name")?;
                        file = if empty { None } else { Some(relativize(&name, root)) };
                    }
                    b"error" => {
                        if let Some(path) = &file {
                            diagnostics.push(error(element, path)?);
                        }
                    }
                    _ => {}
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(element) => {
                if element.local_name().as_ref() == b"file" {
                    file = None;
                }
                depth = depth.checked_sub(1)?;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    (saw_root && depth == 0).then_some(diagnostics)
}

fn error(element: &BytesStart<'_>, path: &str) -> Option<Diagnostic> {
    let severity = match attribute(element, b"severity")? {
        word if word.is_empty() => Severity::Error,
        word => severity_word(&word).unwrap_or(Severity::Error),
    };
    Some(Diagnostic {
        path: Some(path.to_string()),
        line: position(&attribute(element, b"line")?),
        column: position(&attribute(element, b"column")?),
        severity,
        message: attribute(element, b"message")?,
        rule: Some(attribute(element, b"source")?).filter(|source| !source.is_empty()),
        commit: None,
    })
}

/// The unescaped value, `""` when absent, `None` when malformed.
fn attribute(element: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    for attr in element.attributes() {
        let attr = attr.ok()?;
        if attr.key.local_name().as_ref() == name {
            return attr.unescape_value().ok().map(|value| value.into_owned());
        }
    }
    Some(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_at(xml: &[u8], root: &str) -> Vec<Diagnostic> {
        parse(xml, Path::new(root))
    }

    #[test]
    fn phpcs_report_with_absolute_paths() {
        let diags = parse_at(include_bytes!("testdata/phpcs.checkstyle.xml"), "/tmp/cap");
        assert_eq!(diags.len(), 17);
        assert_eq!(
            diags[3],
            Diagnostic::error("src/Bad.php", "Class name \"bad_name\" is not in PascalCase format")
                .at_line(4)
                .at_column(1)
                .with_rule("Squiz.Classes.ValidClassName.NotCamelCaps")
        );
        assert!(diags.iter().all(|d| d.path.as_deref() == Some("src/Bad.php")));
        assert_eq!(diags[16].message, "Whitespace found at end of line");
    }

    #[test]
    fn shellcheck_report_decodes_entities_and_severities() {
        let diags = parse_at(include_bytes!("testdata/shellcheck.checkstyle.xml"), "/tmp/cap");
        assert_eq!(diags.len(), 6);
        assert_eq!(diags[0].severity, Severity::Error);
        assert_eq!(diags[0].rule.as_deref(), Some("ShellCheck.SC2045"));
        assert_eq!(diags[1].severity, Severity::Info);
        assert_eq!(diags[1].message, "Use ./*glob* or -- *glob* so names with dashes won't become options.");
        assert_eq!((diags[3].line, diags[3].column), (Some(5), Some(1)));
        assert_eq!(diags[3].severity, Severity::Warning);
        assert_eq!(diags[5].message, "In POSIX sh, == in place of = is undefined.");
        assert_eq!(diags[5].path.as_deref(), Some("scripts/a.sh"));
    }

    #[test]
    fn ignore_severity_and_missing_attributes() {
        let xml = br#"<?xml version="1.0"?><checkstyle><file name="./a.php">
            <error line="0" severity="ignore" message="m"/><error message="n"/></file>
            <file name="empty.php"/></checkstyle>"#;
        let diags = parse_at(xml, "/r");
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[0].severity, Severity::Info);
        assert_eq!((diags[0].line, diags[0].column, diags[0].rule.as_deref()), (None, None, None));
        assert_eq!(diags[1], Diagnostic::error("a.php", "n"));
    }

    #[test]
    fn garbage_empty_and_truncated_give_nothing() {
        let full: &[u8] = include_bytes!("testdata/shellcheck.checkstyle.xml");
        for input in [&b""[..], b"not xml at all", b"<<<>>>", b"{\"files\":[]}", &full[..full.len() / 2]] {
            assert!(parse_at(input, "/r").is_empty(), "{:?}", String::from_utf8_lossy(input));
        }
        assert!(parse_at(b"<checkstyle><file name='a'><error message='&bogus;'/></file></checkstyle>", "/r").is_empty());
    }
}
