//! twig-cs-fixer: coding standard of Twig templates, checked with `lint` and fixed with
//! `lint --fix`.

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};
use crate::select::identify::Tag;

pub const PRESET: Preset = Preset {
    name: "twig-cs-fixer",
    description: "Twig coding standard (twig-cs-fixer): checks with `lint`, fixes with `lint --fix`",
    program: "twig-cs-fixer",
    check: &["lint", "{format}", "--no-cache", "{config}"],
    fix: Some(&["lint", "--fix", "--no-cache", "{config}"]),
    config_option: &["--config={}"],
    config_files: &[".twig-cs-fixer.php", ".twig-cs-fixer.dist.php"],
    types: &[Tag::TWIG],
    format: "checkstyle",
    format_words: &[("checkstyle", "--report=checkstyle")],
    exit: ExitMeaning::Tool(verdict),
    install: "composer require --dev vincentlanglet/twig-cs-fixer",
    ..BASE
};

/// 0 clean, 1 violations (or, fixing, violations it could not fix); anything else is its own
/// failure (a bad config, an unknown option).
fn verdict(exit: &Exit) -> Verdict {
    match exit.code {
        0 => Verdict::Pass,
        1 => Verdict::Fail,
        code => Verdict::ToolError(format!("twig-cs-fixer exited {code}; see its output below")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit::new(1, "", "")), Verdict::Fail);
        assert!(matches!(verdict(&Exit::new(2, "", "")), Verdict::ToolError(_)));
    }
}
