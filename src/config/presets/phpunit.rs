//! PHPUnit: the test suite, once for the whole project, its JUnit log read into findings at the
//! failing test's line.

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};
use crate::cli::Stage;

pub const PRESET: Preset = Preset {
    name: "phpunit",
    description: "the PHPUnit test suite, once for the whole project; failing tests are findings at their line",
    program: "phpunit",
    check: &["{config}", "--log-junit", "{report}"],
    config_option: &["-c", "{}"],
    config_files: &["phpunit.xml", "phpunit.xml.dist", "phpunit.dist.xml"],
    pass_files: false,
    stages: &[Stage::Ci, Stage::Manual],
    format: "junit",
    exit: ExitMeaning::Tool(verdict),
    install: "composer require --dev phpunit/phpunit",
    ..BASE
};

/// 0 passed, 1 some test failed or errored, 2 PHPUnit itself could not run (configuration,
/// bootstrap), 255 PHP died.
fn verdict(exit: &Exit) -> Verdict {
    match exit.code {
        0 => Verdict::Pass,
        1 => Verdict::Fail,
        2 => Verdict::ToolError(
            "phpunit exited 2: it could not run the tests (configuration, bootstrap or an unknown option); see its output below".into(),
        ),
        code => Verdict::ToolError(format!("phpunit exited {code}: PHP stopped with a fatal error; see its output below")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit::new(1, "", "")), Verdict::Fail);
        assert!(matches!(verdict(&Exit::new(2, "", "")), Verdict::ToolError(_)));
        assert!(matches!(verdict(&Exit::new(255, "", "")), Verdict::ToolError(_)));
    }
}
