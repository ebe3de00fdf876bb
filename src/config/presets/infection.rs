//! Infection: mutation testing, once for the whole project, in CI; the minimum MSI options
//! (`--min-msi`, `--min-covered-msi`) go in `args`.

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};
use crate::cli::Stage;

pub const PRESET: Preset = Preset {
    name: "infection",
    description: "mutation testing (infection); escaped mutants are findings, the run fails below the minimum MSI",
    program: "infection",
    // Its JSON log can only be configured in infection.json5; the GitLab log carries the same
    // escaped mutants and takes a path on the command line.
    check: &["--no-progress", "--no-interaction", "--logger-gitlab={report}", "{config}"],
    config_option: &["--configuration={}"],
    config_files: &["infection.json5", "infection.json", "infection.json5.dist", "infection.json.dist"],
    config_required: true,
    pass_files: false,
    stages: &[Stage::Ci, Stage::Manual],
    format: "infection",
    exit: ExitMeaning::Tool(verdict),
    install: "composer require --dev infection/infection",
    ..BASE
};

/// 0 passed; 1 with "The minimum required ... MSI" is a verdict on the tests; any other 1 is
/// Infection's own error (no coverage driver, a failing initial test run, a bad config).
fn verdict(exit: &Exit) -> Verdict {
    let all = format!("{}\n{}", exit.stdout, exit.stderr);
    match exit.code {
        0 => Verdict::Pass,
        1 if all.contains("The minimum required") => Verdict::Fail,
        code if all.contains("Project tests must be in a passing state") => Verdict::ToolError(format!(
            "infection exited {code}: the test suite does not pass without mutations; fix the tests first"
        )),
        code => {
            Verdict::ToolError(format!("infection exited {code} without a verdict on the tests; see its output below"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        let min = "The minimum required MSI percentage should be 80%, but actual is 50%. Improve your tests!";
        assert_eq!(verdict(&Exit::new(1, "", min)), Verdict::Fail);
        assert!(matches!(verdict(&Exit::new(1, "", "No code coverage driver")), Verdict::ToolError(_)));
    }
}
