//! Text helpers every report format shares: cleaning tool output, locations, check-level failures.

use std::borrow::Cow;

use crate::outcome::{CheckOutcome, Diagnostic, Severity, Status};

/// Path that file-less findings point at in formats that insist on a path (GitLab, Checkstyle).
pub(crate) const CONFIG_PATH: &str = "checks.toml";

/// How many lines of tool output a one-line annotation or summary carries.
pub(crate) const HEAD_LINES: usize = 20;

/// Removes terminal escape sequences and control characters, keeping `\t`, `\n` and `\r`.
///
/// Tool output often carries colours: dropping only the ESC byte would leave `[31m` in every
/// report, and XML 1.0 forbids most control characters outright, so the whole sequence goes.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    crate::printer::escape::report_text(text)
}

/// An XML attribute value: cleaned and escaped, with `\t`, `\n` and `\r` as character references
/// because parsers normalise literal ones to spaces (and `##[` as in [`xml_text`]).
pub(crate) fn xml_attr(text: &str) -> String {
    quick_xml::escape::escape(clean(text))
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace("##[", "&#35;#[")
}

/// XML element text: cleaned and escaped, `\r` as a reference because parsers turn it into `\n`.
///
/// A report printed in a GitHub Actions log must not carry workflow commands from tool output:
/// a `:` that starts a line (after spaces) and the `#` of `##[` are written as references,
/// which every XML reader turns back into the same text.
pub(crate) fn xml_text(text: &str) -> String {
    let escaped = quick_xml::escape::partial_escape(clean(text)).replace('\r', "&#13;").replace("##[", "&#35;#[");
    let mut out = String::with_capacity(escaped.len());
    for (i, line) in escaped.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let indent = line.len() - line.trim_start().len();
        match line[indent..].strip_prefix("::") {
            Some(rest) => {
                out.push_str(&line[..indent]);
                out.push_str("&#58;:");
                out.push_str(rest);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// `path:line:col: message [rule]`, leaving out what is unknown.
pub(crate) fn describe(diagnostic: &Diagnostic) -> String {
    let mut text = String::new();
    if let Some(path) = &diagnostic.path {
        text.push_str(path);
        if let Some(line) = diagnostic.line {
            text.push_str(&format!(":{line}"));
            if let Some(column) = diagnostic.column {
                text.push_str(&format!(":{column}"));
            }
        }
        text.push_str(": ");
    }
    text.push_str(diagnostic.message.trim_end());
    if let Some(rule) = &diagnostic.rule {
        text.push_str(&format!(" [{rule}]"));
    }
    clean(&text).into_owned()
}

/// Diagnostics grouped by path in first-seen order; `None` collects the path-less ones.
pub(crate) fn group_by_path(diagnostics: &[Diagnostic]) -> Vec<(Option<&str>, Vec<&Diagnostic>)> {
    let mut groups: Vec<(Option<&str>, Vec<&Diagnostic>)> = Vec::new();
    for diagnostic in diagnostics {
        let path = diagnostic.path.as_deref();
        match groups.iter_mut().find(|(p, _)| *p == path) {
            Some((_, members)) => members.push(diagnostic),
            None => groups.push((path, vec![diagnostic])),
        }
    }
    groups
}

/// `ward.<check>.<rule>`: names what reported a finding, as Checkstyle's `source` does.
pub(crate) fn source(check_id: &str, rule: Option<&str>) -> String {
    match rule {
        Some(rule) => format!("ward.{check_id}.{rule}"),
        None => format!("ward.{check_id}"),
    }
}

/// The first `max` lines of `text`, with a note of how many were left out.
pub(crate) fn head(text: &str, max: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= max {
        return lines.join("\n");
    }
    let left = lines.len() - max;
    format!("{}\n… {left} more line{}", lines[..max].join("\n"), plural(left))
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `1234` ms as `1.234`: the seconds JUnit and friends expect.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// A check-level problem that no error diagnostic explains: the check could not run, or it
/// failed (non-zero exit, modified files) without saying where.
///
/// Every format reports it once, so a failing check is never invisible in a report.
pub(crate) struct Unexplained {
    pub is_error: bool,
    /// One line: `PHPStan failed (exit code 1)`.
    pub title: String,
    /// The cleaned tool output and modified files; the title again when there is nothing else.
    pub details: String,
}

impl Unexplained {
    /// The title, then the first lines of the details when they add anything.
    pub fn message(&self) -> String {
        if self.details == self.title {
            self.title.clone()
        } else {
            format!("{}\n{}", self.title, head(&self.details, HEAD_LINES))
        }
    }
}

pub(crate) fn unexplained(check: &CheckOutcome) -> Option<Unexplained> {
    let is_error = match check.status {
        Status::Error => true,
        Status::Failed if !check.diagnostics.iter().any(|d| d.severity == Severity::Error) => false,
        _ => return None,
    };
    let name = clean(&check.name);
    let reason = check.reason.as_deref().map(clean).filter(|r| !r.trim().is_empty());
    let mut title = if is_error { format!("{name} could not run") } else { format!("{name} failed") };
    if let Some(reason) = &reason {
        title.push_str(&format!(": {}", reason.trim()));
    }
    if let Some(code) = check.exit_code.filter(|&c| c != 0) {
        title.push_str(&format!(" (exit code {code})"));
    }
    if !check.modified_files.is_empty() {
        let n = check.modified_files.len();
        title.push_str(&format!(" and modified {n} file{}", plural(n)));
    }

    let mut details = clean(&check.output).trim_end().to_string();
    if !check.modified_files.is_empty() {
        if !details.is_empty() {
            details.push_str("\n\n");
        }
        details.push_str("Files modified by this check:");
        for path in &check.modified_files {
            details.push_str("\n  ");
            details.push_str(&clean(path));
        }
    }
    if details.is_empty() {
        details = title.clone();
    }
    Some(Unexplained { is_error, title, details })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_colours_links_and_control_characters() {
        let raw =
            "\u{1b}[1;31merror\u{1b}[0m: bad\u{0}\u{7}\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{7}\t\r\n\u{ffff}é";
        assert_eq!(clean(raw), "error: badlink\t\r\né");
        assert!(matches!(clean("plain <text> ünïcode"), Cow::Borrowed(_)));
    }

    #[test]
    fn xml_escaping_keeps_whitespace_and_drops_illegal_characters() {
        assert_eq!(
            xml_attr("<a href=\"x\">'&'</a>\t\n\r\u{0}\u{1b}[1m"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;&#9;&#10;&#13;"
        );
        assert_eq!(xml_text("a < b && \"c\"\r\n\u{8}"), "a &lt; b &amp;&amp; \"c\"&#13;\n");
        assert_eq!(
            xml_text("x\n  ::error::f\n::add-mask::y a::b ##[error]"),
            "x\n  &#58;:error::f\n&#58;:add-mask::y a::b &#35;#[error]"
        );
    }

    #[test]
    fn describe_leaves_out_unknown_parts() {
        let full = Diagnostic::error("a.rs", "bad").at_line(3).at_column(4).with_rule("r");
        assert_eq!(describe(&full), "a.rs:3:4: bad [r]");
        let no_column = Diagnostic::error("a.rs", "bad").at_line(3);
        assert_eq!(describe(&no_column), "a.rs:3: bad");
        let column_without_line = Diagnostic::error("a.rs", "bad").at_column(3);
        assert_eq!(describe(&column_without_line), "a.rs: bad");
        let no_path = Diagnostic { path: None, ..Diagnostic::error("", "whole project") };
        assert_eq!(describe(&no_path), "whole project");
    }

    #[test]
    fn head_counts_what_it_leaves_out() {
        assert_eq!(head("a\nb\nc", 3), "a\nb\nc");
        assert_eq!(head("a\nb\nc", 2), "a\nb\n… 1 more line");
        assert_eq!(head("a\nb\nc\nd", 1), "a\n… 3 more lines");
    }

    #[test]
    fn seconds_keep_milliseconds() {
        assert_eq!(seconds(0), "0.000");
        assert_eq!(seconds(1234), "1.234");
        assert_eq!(seconds(60_005), "60.005");
    }
}
