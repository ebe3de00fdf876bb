//! Doctrine's `doctrine:schema:validate --skip-sync` through `bin/console`: the entity
//! mapping is valid (the database is not needed).

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};

pub const PRESET: Preset = Preset {
    name: "doctrine-schema-validate",
    description: "Doctrine entity mapping (bin/console doctrine:schema:validate --skip-sync), once for the project",
    program: "bin/console",
    check: &["doctrine:schema:validate", "--skip-sync", "--no-interaction"],
    files: &["src/**/*.php", "config/**"],
    types: &[],
    pass_files: false,
    format: "doctrine",
    exit: ExitMeaning::Tool(verdict),
    install: "composer require symfony/orm-pack",
    ..BASE
};

/// A bitmask: 1 the mapping is invalid, 2 the database is out of sync (only without
/// --skip-sync); anything else is the console's own failure.
fn verdict(exit: &Exit) -> Verdict {
    match exit.code {
        0 => Verdict::Pass,
        1..=3 if exit.findings > 0 || exit.stdout.contains("[FAIL]") || exit.stdout.contains("not in sync") => {
            Verdict::Fail
        }
        code => Verdict::ToolError(format!(
            "bin/console exited {code} without validating the mapping; see its output below"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit { findings: 2, ..Exit::new(1, "", "") }), Verdict::Fail);
        assert!(matches!(
            verdict(&Exit::new(1, "", "Command \"doctrine:schema:validate\" is not defined.")),
            Verdict::ToolError(_)
        ));
    }
}
