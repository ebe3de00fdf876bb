//! Psalm: static analysis of the selected PHP files, read from its JSON (or SARIF) output.

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};

pub const PRESET: Preset = Preset {
    name: "psalm",
    description: "PHP static analysis (psalm) on the selected PHP files",
    program: "psalm",
    check: &["{format}", "--no-progress", "--monochrome", "{config}"],
    config_option: &["--config={}"],
    config_files: &["psalm.xml", "psalm.xml.dist"],
    format: "psalm",
    format_words: &[("psalm", "--output-format=json"), ("sarif", "--output-format=sarif")],
    exit: ExitMeaning::Tool(verdict),
    install: "composer require --dev vimeo/psalm",
    ..BASE
};

/// 0 no issues, 2 issues found; 1 is Psalm's own failure (a crash, a bad config or argument).
fn verdict(exit: &Exit) -> Verdict {
    match exit.code {
        0 => Verdict::Pass,
        2 => Verdict::Fail,
        code => {
            Verdict::ToolError(format!("psalm exited {code}: it could not analyse the files; see its output below"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit::new(2, "[]", "")), Verdict::Fail);
        assert!(matches!(verdict(&Exit::new(1, "", "Could not locate a config XML file")), Verdict::ToolError(_)));
    }
}
