//! `composer validate --strict --no-check-publish`: composer.json is valid and the lock file
//! up to date with it.

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};

pub const PRESET: Preset = Preset {
    name: "composer-validate",
    description: "composer.json is valid and composer.lock up to date (composer validate --strict)",
    program: "composer",
    check: &["validate", "--strict", "--no-check-publish", "--no-interaction", "--no-ansi"],
    files: &["composer.json", "composer.lock"],
    types: &[],
    pass_files: false,
    format: "composer-validate",
    exit: ExitMeaning::Tool(verdict),
    install: "apt-get install composer (or https://getcomposer.org/download/)",
    ..BASE
};

/// 0 valid; 1 warnings under --strict (or a composer.json Composer cannot load); 2 errors;
/// 3 the file cannot be read.
fn verdict(exit: &Exit) -> Verdict {
    match exit.code {
        0 => Verdict::Pass,
        1 | 2 => Verdict::Fail,
        code => Verdict::ToolError(format!("composer validate exited {code}: it could not read composer.json")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit::new(1, "", "")), Verdict::Fail);
        assert!(matches!(verdict(&Exit::new(3, "", "")), Verdict::ToolError(_)));
    }
}
