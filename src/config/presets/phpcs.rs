//! PHP_CodeSniffer's `phpcs`: coding standard violations of the selected files.

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};

pub const PRESET: Preset = Preset {
    name: "phpcs",
    description: "PHP coding standard (phpcs) on the selected PHP files; `uses = \"phpcbf\"` also fixes",
    program: "phpcs",
    check: &["{format}", "-q", "--no-colors", "{config}"],
    config_option: &["--standard={}"],
    config_files: &[".phpcs.xml", "phpcs.xml", ".phpcs.xml.dist", "phpcs.xml.dist"],
    format: "phpcs",
    format_words: &[("phpcs", "--report=json"), ("checkstyle", "--report=checkstyle")],
    exit: ExitMeaning::Tool(verdict),
    install: "composer require --dev squizlabs/php_codesniffer (or apt-get install php-codesniffer)",
    ..BASE
};

/// phpcs 3: 0 clean, 1 violations, 2 violations some of which phpcbf can fix, 3 a processing
/// error (an unknown standard, an unreadable file).
pub(super) fn verdict(exit: &Exit) -> Verdict {
    match exit.code {
        0 => Verdict::Pass,
        1 | 2 => Verdict::Fail,
        code => Verdict::ToolError(format!("phpcs exited {code}: it could not check the files; see its output below")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit::new(2, "", "")), Verdict::Fail);
        assert!(matches!(
            verdict(&Exit::new(3, "ERROR: the \"Nope\" coding standard is not installed", "")),
            Verdict::ToolError(_)
        ));
    }
}
