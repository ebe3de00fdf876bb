//! Renders an import: the commented checks.toml, and the summary people read after it.

use std::fmt::Write as _;

use super::{Check, Import, Kind, Origin, Val};
use crate::printer::Styles;

/// Source text in a comment or a summary line: no control characters, no line breaks.
fn one_line(text: &str) -> String {
    let clean = crate::report::common::clean(text);
    clean.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn origin_text(origin: &Origin) -> String {
    one_line(&format!("{}:{}, {}", origin.file, origin.line, origin.what))
}

/// `file:line  what:` as the summary lines start.
fn summary_origin(origin: &Origin) -> String {
    one_line(&format!("{}:{}  {}:", origin.file, origin.line, origin.what))
}

/// A TOML string: literal (`'...'`, no escapes: regexes stay readable) where it can be, a
/// multi-line literal for verbose regexes, else a basic string with escapes.
pub fn toml_str(s: &str) -> String {
    let plain_ok = |c: char| !c.is_control() || c == '\t';
    if !s.contains('\'') && s.chars().all(plain_ok) {
        return format!("'{s}'");
    }
    if s.contains('\n') && !s.contains("'''") && !s.ends_with('\'') && s.chars().all(|c| plain_ok(c) || c == '\n') {
        // The newline right after the opening quotes is dropped by TOML readers.
        return format!("'''\n{s}'''");
    }
    toml::Value::String(s.to_string()).to_string()
}

fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
    }
}

fn toml_val(v: &Val) -> String {
    match v {
        // Strings without anything to escape read best in the usual double quotes.
        Val::Str(s) if !s.contains(['\\', '"']) && !s.chars().any(char::is_control) => format!("\"{s}\""),
        Val::Str(s) => toml_str(s),
        Val::Bool(b) => b.to_string(),
        Val::Int(i) => i.to_string(),
        Val::List(items) => format!("[{}]", items.iter().map(toml_val).collect::<Vec<_>>().join(", ")),
        Val::Table(entries) => format!(
            "{{ {} }}",
            entries.iter().map(|(k, v)| format!("{} = {}", toml_key(k), toml_val(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The checks.toml text.
pub fn render_toml(import: &Import) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Imported from {} by `ward import`.", one_line(&import.source));
    out.push_str("# Review it, then `ward validate`, `ward run --all`, and `ward install --force` for the hooks.\n");
    if !import.left.is_empty() {
        let _ = writeln!(
            out,
            "# {} item(s) could not be carried over: they are listed at the end of this file.",
            import.left.len()
        );
    }
    let needs = import.checks.iter().filter(|c| !c.needs.is_empty()).count();
    if needs > 0 {
        let _ = writeln!(out, "# {needs} check(s) below say \"needs you\": read those comments first.");
    }
    if !import.settings.is_empty() {
        out.push_str("\n[settings]\n");
        for (key, value, origin) in &import.settings {
            let _ = writeln!(out, "# from {}", origin_text(origin));
            let _ = writeln!(out, "{} = {}", toml_key(key), toml_val(value));
        }
    }
    for check in &import.checks {
        out.push('\n');
        let _ = writeln!(out, "# from {}", origin_text(&check.origin));
        for comment in &check.comments {
            let _ = writeln!(out, "# {}", one_line(comment));
        }
        for need in &check.needs {
            let _ = writeln!(out, "# needs you: {}", one_line(need));
        }
        let _ = writeln!(out, "[checks.{}]", toml_key(&check.id));
        // What the check is comes first, then its filters and the rest, in the order set.
        let rank =
            |k: &str| ["name", "builtin", "uses", "run", "config", "args"].iter().position(|p| *p == k).unwrap_or(6);
        let mut keys: Vec<&(String, Val)> = check.keys.iter().collect();
        keys.sort_by_key(|(k, _)| rank(k));
        for (key, value) in keys {
            let _ = writeln!(out, "{} = {}", toml_key(key), toml_val(value));
        }
    }
    if !import.left.is_empty() {
        out.push_str("\n# Not carried over:\n");
        for left in &import.left {
            let _ = writeln!(out, "# - {}: {}", origin_text(&left.origin), one_line(&left.why));
            let _ = writeln!(out, "#   what to do: {}", one_line(&left.todo));
        }
    }
    out
}

/// What a check is, in one line: `builtin = "check-yaml"`, `uses = "phpstan"`, `run = "..."`.
fn what_it_is(check: &Check) -> String {
    let key = match check.kind {
        Kind::Builtin => "builtin",
        Kind::Preset => "uses",
        Kind::Run => "run",
    };
    let value = match check.get(key) {
        Some(Val::Str(s)) => s.clone(),
        _ => String::new(),
    };
    let mut value = one_line(&value);
    if value.chars().count() > 70 {
        value = value.chars().take(67).collect::<String>() + "...";
    }
    format!("{key} = {value:?}")
}

/// The summary printed after an import; `target` is where checks.toml went.
pub fn render_summary(import: &Import, target: &str, styles: &Styles) -> String {
    let paint = |style, text: &str| Styles::paint(style, text);
    let mut out = String::new();
    let count = |kind: Kind| import.checks.iter().filter(|c| c.kind == kind).count();
    let _ = writeln!(
        out,
        "Imported {} into {}: {} check(s) ({} built-in, {} preset, {} run command); {} not carried over.",
        one_line(&import.source),
        one_line(target),
        import.checks.len(),
        count(Kind::Builtin),
        count(Kind::Preset),
        count(Kind::Run),
        import.left.len()
    );
    let groups = [
        (Kind::Builtin, "Became built-in checks:"),
        (Kind::Preset, "Became tool presets:"),
        (Kind::Run, "Became run commands:"),
    ];
    for (kind, title) in groups {
        let checks: Vec<&Check> = import.checks.iter().filter(|c| c.kind == kind).collect();
        if checks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint(styles.bold, title));
        for check in checks {
            let _ = writeln!(
                out,
                "  {}:{}  {} -> [checks.{}] {}",
                one_line(&check.origin.file),
                check.origin.line,
                one_line(&check.origin.what),
                one_line(&check.id),
                what_it_is(check)
            );
            for need in &check.needs {
                let _ = writeln!(out, "      {} {}", paint(styles.warning, "needs you:"), one_line(need));
            }
        }
    }
    if !import.left.is_empty() {
        let _ = writeln!(out, "\n{}", paint(styles.warning, "Not carried over (needs you):"));
        for left in &import.left {
            let _ = writeln!(out, "  {} {}", summary_origin(&left.origin), one_line(&left.why));
            let _ = writeln!(out, "      what to do: {}", one_line(&left.todo));
        }
    }
    if !import.notes.is_empty() {
        let _ = writeln!(out, "\n{}", paint(styles.bold, "Noted:"));
        for note in &import.notes {
            let _ = writeln!(out, "  {} {}", summary_origin(&note.origin), one_line(&note.text));
        }
    }
    out.push_str("\nNext: review the file, then `ward validate` and `ward run --all`");
    for next in &import.next {
        let _ = write!(out, "; `{}`", one_line(next));
    }
    out.push_str(".\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_stay_readable_and_valid_toml() {
        for s in ["^vendor/", "it's", "(?x)^(\n  a|\n  b\n)$\n", "tab\there", "bell\u{7}", "ends'", "'''"] {
            let doc = format!("k = {}\n", toml_str(s));
            let parsed: toml::Table = toml::from_str(&doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(parsed["k"].as_str(), Some(s), "{doc}");
        }
        assert_eq!(toml_str("\\d+"), "'\\d+'");
        assert_eq!(toml_key("a.b"), "\"a.b\"");
    }

    #[test]
    fn rendered_file_parses_and_comments_cannot_break_out() {
        let mut import = Import::new(".pre-commit-config.yaml");
        let origin = Origin { file: ".pre-commit-config.yaml".into(), line: 3, what: "local x\n[checks.evil]".into() };
        let mut check = Check::new("x", origin.clone(), Kind::Run);
        check.set("run", "echo \"hi\"").set("env", Val::Table(vec![("A B".into(), Val::from("1"))]));
        check.need("line\nbreak");
        import.add(check);
        import.leave(origin, "why\nnot", "do\nthis");
        let text = render_toml(&import);
        let parsed: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{text}\n{e}"));
        let checks = parsed["checks"].as_table().unwrap();
        assert_eq!(checks.len(), 1, "{text}");
        assert_eq!(checks["x"]["run"].as_str(), Some("echo \"hi\""));
        assert!(render_summary(&import, "checks.toml", &Styles::new(false)).contains("needs you: line break"));
    }
}
