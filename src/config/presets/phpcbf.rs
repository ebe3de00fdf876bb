//! PHP_CodeSniffer as a fixer: `phpcs` reports, `phpcbf` fixes what it can.

use super::{phpcs, Exit, ExitMeaning, Preset, Verdict};

pub const PRESET: Preset = Preset {
    name: "phpcbf",
    description: "PHP coding standard: reports with phpcs, fixes with phpcbf",
    fix: Some(&["-q", "--no-colors", "{config}"]),
    fix_program: Some("phpcbf"),
    exit: ExitMeaning::Tool(verdict),
    ..phpcs::PRESET
};

/// When fixing, phpcbf's codes: 0 nothing to fix, 1 everything fixable was fixed, 2 some
/// fixable errors could not be fixed, 3 a processing error. Checking reads phpcs's.
fn verdict(exit: &Exit) -> Verdict {
    if !exit.fixing {
        return phpcs::verdict(exit);
    }
    match exit.code {
        0 | 1 => Verdict::Pass,
        2 => Verdict::Fail,
        code => Verdict::ToolError(format!("phpcbf exited {code}: it could not fix the files; see its output below")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixing_reads_phpcbf_codes() {
        let fixing = |code| verdict(&Exit { fixing: true, ..Exit::new(code, "", "") });
        assert_eq!(fixing(1), Verdict::Pass);
        assert_eq!(fixing(2), Verdict::Fail);
        assert!(matches!(fixing(3), Verdict::ToolError(_)));
        assert_eq!(verdict(&Exit::new(1, "", "")), Verdict::Fail);
    }
}
