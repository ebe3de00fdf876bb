//! Rector: automated refactoring; `process --dry-run` says what it would change, `process`
//! changes it.

use super::{looks_like_json, Exit, ExitMeaning, Preset, Verdict, BASE};

pub const PRESET: Preset = Preset {
    name: "rector",
    description: "automated refactoring (rector): checks with `process --dry-run`, fixes with `process`",
    program: "rector",
    check: &["process", "--dry-run", "--output-format=json", "--no-progress-bar", "{config}"],
    fix: Some(&["process", "--output-format=json", "--no-progress-bar", "{config}"]),
    config_option: &["--config={}"],
    config_files: &["rector.php"],
    config_required: true,
    format: "rector",
    exit: ExitMeaning::Tool(verdict),
    install: "composer require --dev rector/rector",
    ..BASE
};

/// 0 nothing to change; 1 with its JSON report: changes to make (dry run) or errors met;
/// 1 without a report is a failure to start (a bad rector.php, a missing autoload).
fn verdict(exit: &Exit) -> Verdict {
    match exit.code {
        0 => Verdict::Pass,
        1 if looks_like_json(exit.stdout) || exit.findings > 0 => Verdict::Fail,
        code => Verdict::ToolError(format!("rector exited {code} without a report; see its output below")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit::new(1, "{\"totals\":{}}", "")), Verdict::Fail);
        assert!(matches!(verdict(&Exit::new(1, "", "[ERROR] File rector.php not found")), Verdict::ToolError(_)));
    }
}
