//! `composer validate`: the `- ` items under its `# General errors`, `# General warnings`,
//! `# Lock file errors` and `# Publish ...` headings, and the schema error Composer raises
//! before validating (`"./composer.json" does not match the expected JSON schema`).

use super::shared::output_lines;
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], stderr: &[u8]) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut section: Option<(&str, Severity)> = None;
    let mut exception: Option<Vec<String>> = None;
    for line in output_lines(stdout, stderr) {
        let trimmed = line.trim();
        if let Some(heading) = trimmed.strip_prefix("# ") {
            let severity = if heading.ends_with("warnings") { Severity::Warning } else { Severity::Error };
            let file = if heading.starts_with("Lock file") { "composer.lock" } else { "composer.json" };
            section = Some((file, severity));
            exception = None;
        } else if trimmed.starts_with("In ") && trimmed.ends_with(':') && trimmed.contains(" line ") {
            // Symfony Console's exception block: the message follows, indented.
            exception = Some(Vec::new());
            section = None;
        } else if let Some(lines) = &mut exception {
            if trimmed.is_empty() && !lines.is_empty() && !line.starts_with("  ") {
                out.push(Diagnostic::error("composer.json", lines.join(" ")).with_rule("composer.schema"));
                exception = None;
            } else if !trimmed.is_empty() {
                lines.push(trimmed.trim_start_matches("- ").to_string());
            }
        } else if let (Some(item), Some((file, severity))) = (trimmed.strip_prefix("- "), section) {
            out.push(Diagnostic::error(file, item).with_severity(severity).with_rule("composer.validate"));
        } else if !line.starts_with(' ') && !trimmed.is_empty() {
            // The explanation after the lock errors is prose, not more items.
            section = section.filter(|_| trimmed.starts_with("- "));
        }
    }
    if let Some(lines) = exception.filter(|l| !l.is_empty()) {
        out.push(Diagnostic::error("composer.json", lines.join(" ")).with_rule("composer.schema"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_and_lock_errors_of_composer_2_5() {
        let stderr = b"./composer.json is valid, but with a few warnings\nSee https://getcomposer.org/doc/04-schema.md for details on the schema\n# Lock file errors\n- The lock file is not up to date with the latest changes in composer.json, it is recommended that you run `composer update` or `composer update <package name>`.\n- Required package \"foo/bar\" is not present in the lock file.\nThis usually happens when composer files are incorrectly merged or the composer.json file is manually edited.\n# General warnings\n- No license specified, it is recommended to do so. For closed-source software you may use \"proprietary\" as license.\n";
        let found = parse(b"", stderr);
        assert_eq!(found.len(), 3);
        assert_eq!((found[0].path.as_deref(), found[0].severity), (Some("composer.lock"), Severity::Error));
        assert_eq!((found[2].path.as_deref(), found[2].severity), (Some("composer.json"), Severity::Warning));
    }

    #[test]
    fn a_schema_error_is_one_finding() {
        let stderr = b"In Factory.php line 320:\n                                                                               \n  \"./composer.json\" does not match the expected JSON schema:                   \n   - name : Does not match the regex pattern ^[a-z0-9]  \n                                                                               \n\nvalidate [--no-check-all]\n";
        let found = parse(b"", stderr);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("does not match the expected JSON schema: name : Does not match"));
    }
}
