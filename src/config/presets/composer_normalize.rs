//! ergebnis/composer-normalize: composer.json in its normal form; `--dry-run` checks,
//! `normalize` rewrites it.

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};
use crate::select::identify::Tag;

pub const PRESET: Preset = Preset {
    name: "composer-normalize",
    description: "composer.json normalized (composer normalize --dry-run; fixes with composer normalize)",
    program: "composer",
    check: &["normalize", "--dry-run", "--no-interaction", "--no-ansi"],
    fix: Some(&["normalize", "--no-interaction", "--no-ansi"]),
    files: &["composer.json"],
    types: &[] as &[Tag],
    pass_files: false,
    format: "composer-normalize",
    exit: ExitMeaning::Tool(verdict),
    install: "composer require --dev ergebnis/composer-normalize",
    ..BASE
};

/// 0 normalized (or now normalized), 1 not normalized; the plugin missing is not a verdict.
fn verdict(exit: &Exit) -> Verdict {
    let all = format!("{}\n{}", exit.stdout, exit.stderr);
    if all.contains("\"normalize\" is not defined") {
        return Verdict::ToolError(
            "composer normalize is a plugin that is not installed: composer require --dev ergebnis/composer-normalize"
                .into(),
        );
    }
    match exit.code {
        0 => Verdict::Pass,
        1 if exit.findings > 0 => Verdict::Fail,
        code => Verdict::ToolError(format!("composer normalize exited {code}; see its output below")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert!(
            matches!(verdict(&Exit::new(1, "", "Command \"normalize\" is not defined.")), Verdict::ToolError(e) if e.contains("ergebnis"))
        );
        assert_eq!(verdict(&Exit { findings: 1, ..Exit::new(1, "", "") }), Verdict::Fail);
    }
}
