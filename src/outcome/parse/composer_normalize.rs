//! ergebnis/composer-normalize (`composer normalize --dry-run`): "composer.json is not
//! normalized." with a diff, or a lock file that no longer matches.

use super::php_cs_fixer::first_changed_line;
use super::shared::output_lines;
use crate::outcome::Diagnostic;

pub(super) fn parse(stdout: &[u8], stderr: &[u8]) -> Vec<Diagnostic> {
    let lines: Vec<String> = output_lines(stdout, stderr).collect();
    let mut out = Vec::new();
    for line in &lines {
        let trimmed = line.trim();
        if let Some(file) = trimmed.strip_suffix(" is not normalized.") {
            let diff = lines.join("\n");
            let mut d =
                Diagnostic::error(file.trim_start_matches("./"), "is not normalized; `composer normalize` rewrites it")
                    .with_rule("composer-normalize");
            d.line = first_changed_line(&diff);
            out.push(d);
        } else if trimmed.contains("lock file is not up to date") {
            out.push(Diagnostic::error("composer.lock", trimmed).with_rule("composer-normalize"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_normalized_points_at_the_first_change() {
        let stdout = b"Running ergebnis/composer-normalize by Andreas M\xc3\xb6ller and contributors.\n./composer.json is not normalized.\n---------------- begin diff ----------------\n--- original\n+++ normalized\n@@ -3,8 +3,8 @@\n     \"type\": \"project\",\n     \"license\": \"MIT\",\n     \"require\": {\n-        \"symfony/yaml\": \"^7.1\",\n-        \"php\": \">=8.2\"\n+        \"php\": \">=8.2\",\n+        \"symfony/yaml\": \"^7.1\"\n     },\n----------------- end diff -----------------\n";
        let found = parse(stdout, b"");
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].path.as_deref(), found[0].line), (Some("composer.json"), Some(6)));
    }
}
