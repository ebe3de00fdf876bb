//! php-cs-fixer: coding standards, checked with `check --diff` and fixed with `fix`.

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};
use crate::select::identify::Tag;

pub const PRESET: Preset = Preset {
    name: "php-cs-fixer",
    description: "PHP coding standards (php-cs-fixer): checks with `check --diff`, fixes with `fix`",
    program: "php-cs-fixer",
    check: &["check", "{config}", "--path-mode=intersection", "--format=json", "--diff"],
    fix: Some(&["fix", "{config}", "--path-mode=intersection", "--format=json"]),
    before_files: &["--"],
    config_option: &["--config={}"],
    config_files: &[".php-cs-fixer.php", ".php-cs-fixer.dist.php"],
    config_required: true,
    types: &[Tag::PHP],
    pass_files: true,
    format: "php-cs-fixer",
    exit: ExitMeaning::Tool(verdict),
    install: "composer require --dev friendsofphp/php-cs-fixer",
    ..BASE
};

/// A bitmask: 4 invalid syntax and 8 needs fixing are findings; 1, 16, 32 and 64 mean the tool
/// itself could not do its job.
fn verdict(exit: &Exit) -> Verdict {
    let code = exit.code;
    // `fix` exits 0 even when it left files it could not parse: those are not a pass.
    if code & (1 | 16 | 32 | 64) == 0 && skipped_files(exit.stderr) {
        return Verdict::Fail;
    }
    if code == 0 {
        return Verdict::Pass;
    }
    let tool = code & (1 | 16 | 32 | 64);
    if tool == 0 {
        return Verdict::Fail;
    }
    let what = match tool {
        t if t & 16 != 0 => "invalid configuration",
        t if t & 32 != 0 => "invalid fixer configuration",
        t if t & 64 != 0 => "an exception while fixing, or lint errors after fixing",
        _ => "a general error (is the PHP version supported?)",
    };
    Verdict::ToolError(format!("php-cs-fixer exited {code}: {what}; see its output below"))
}

fn skipped_files(stderr: &str) -> bool {
    stderr.contains("Files that were not fixed due to errors reported during linting")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(code: i32) -> Verdict {
        verdict(&Exit::new(code, "", ""))
    }

    #[test]
    fn exit_bits() {
        assert_eq!(at(0), Verdict::Pass);
        assert_eq!(at(8), Verdict::Fail);
        assert_eq!(at(12), Verdict::Fail);
        assert!(matches!(at(16), Verdict::ToolError(e) if e.contains("invalid configuration")));
        assert!(matches!(at(24), Verdict::ToolError(_)), "a tool bit wins over findings");
        assert!(matches!(at(64), Verdict::ToolError(_)));
        let unparsable =
            "Files that were not fixed due to errors reported during linting before fixing:\n   1) a.php\n";
        assert_eq!(verdict(&Exit::new(0, "{}", unparsable)), Verdict::Fail, "fix exits 0 on unparsable files");
    }
}
