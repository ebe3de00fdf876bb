//! check-illegal-windows-names: paths that Windows cannot create.

use super::engine::CheckResult;
use crate::outcome::Diagnostic;
use crate::select::FileEntry;

const RULE: &str = "check-illegal-windows-names";
const DEVICES: &[&str] = &["CON", "PRN", "AUX", "NUL"];

pub(crate) fn run(files: &[&FileEntry]) -> CheckResult {
    let diagnostics =
        files.iter().filter_map(|f| problem(&f.path).map(|p| Diagnostic::error(&f.path, p).with_rule(RULE))).collect();
    CheckResult { diagnostics, ..CheckResult::default() }
}

/// Why `path` cannot exist on Windows, naming the component at fault.
pub(crate) fn problem(path: &str) -> Option<String> {
    path.split('/').find_map(|component| {
        component_problem(component).map(|why| format!("`{component}` {why}: rename it to check out on Windows"))
    })
}

fn component_problem(component: &str) -> Option<String> {
    if let Some(c) = component.chars().find(|c| matches!(c, '<' | '>' | ':' | '"' | '\\' | '|' | '?' | '*')) {
        return Some(format!("contains `{c}`, which Windows forbids in names"));
    }
    if let Some(c) = component.chars().find(|c| u32::from(*c) < 0x20) {
        return Some(format!("contains the control character U+{:04X}", u32::from(c)));
    }
    if component.ends_with(|c: char| c == '.' || c.is_whitespace()) {
        return Some("ends with a dot or a space, which Windows drops".to_string());
    }
    let stem = component.split('.').next().unwrap_or(component);
    if is_device(stem) {
        return Some(format!("uses the reserved device name `{stem}`"));
    }
    None
}

/// CON, PRN, AUX, NUL, COM1-9 and LPT1-9 (superscript ¹²³ too), in any case.
fn is_device(stem: &str) -> bool {
    let upper = stem.to_uppercase();
    if DEVICES.contains(&upper.as_str()) {
        return true;
    }
    let Some(number) = upper.strip_prefix("COM").or_else(|| upper.strip_prefix("LPT")) else { return false };
    let mut chars = number.chars();
    matches!((chars.next(), chars.next()), (Some('1'..='9' | '¹' | '²' | '³'), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(path: &str) -> bool {
        problem(path).is_some()
    }

    #[test]
    fn reserved_device_names_with_any_extension_and_case() {
        for path in ["CON", "con.txt", "docs/Aux.tar.gz", "nul", "COM1", "lpt9.log", "a/com³/b", "PRN/x"] {
            assert!(bad(path), "{path}");
        }
        for path in ["CONSOLE", "icon.png", "COM0", "COM10", "LPT", "auxiliary.md", "a/nullable.rs", "com1x"] {
            assert!(!bad(path), "{path}");
        }
    }

    #[test]
    fn forbidden_characters_and_endings() {
        for path in [
            "a<b",
            "a>b",
            "c:d",
            "q\"",
            "back\\slash",
            "p|q",
            "what?",
            "star*",
            "tab\there",
            "dir./x",
            "x ",
            "dir /x",
            "end.",
        ] {
            assert!(bad(path), "{path}");
        }
        for path in ["src/main.rs", ".gitignore", "a b/c d.txt", "ünïcödé.md", ".github/workflows/ci.yml"] {
            assert!(!bad(path), "{path}");
        }
    }

    #[test]
    fn message_names_the_component() {
        assert_eq!(
            problem("docs/con.md").unwrap(),
            "`con.md` uses the reserved device name `con`: rename it to check out on Windows"
        );
        assert!(problem("a?/b").unwrap().starts_with("`a?` contains `?`"));
    }
}
