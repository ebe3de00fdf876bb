//! phpstan: static analysis of the selected PHP files.

use super::{looks_like_json, Exit, ExitMeaning, Preset, Verdict, BASE};
use crate::select::identify::Tag;

pub const PRESET: Preset = Preset {
    name: "phpstan",
    description: "PHP static analysis (phpstan analyse) on the selected PHP files",
    program: "phpstan",
    check: &["analyse", "--no-progress", "--error-format=json", "{config}"],
    fix: None,
    before_files: &[],
    config_option: &["-c", "{}"],
    config_files: &["phpstan.neon", "phpstan.neon.dist", "phpstan.dist.neon"],
    config_required: false,
    types: &[Tag::PHP],
    pass_files: true,
    format: "phpstan",
    exit: ExitMeaning::Tool(verdict),
    install: "composer require --dev phpstan/phpstan",
    ..BASE
};

/// 1 with "No files found to analyse" is a pass; 255 or the memory-limit message is the tool's
/// error; 1 without a JSON report is a usage error.
fn verdict(exit: &Exit) -> Verdict {
    let Exit { code, stdout, stderr, .. } = *exit;
    if code == 0 {
        return Verdict::Pass;
    }
    let all = format!("{stdout}\n{stderr}");
    if all.contains("reached configured PHP memory limit") || all.contains("Allowed memory size") || code == 255 {
        Verdict::ToolError(format!(
            "phpstan exited {code}: it ran out of memory; raise the limit with args = [\"--memory-limit=1G\"]"
        ))
    } else if code == 1 && all.contains("No files found to analyse") {
        // Every passed file is excluded by phpstan's own configuration: nothing to say.
        Verdict::Pass
    } else if code == 1 && looks_like_json(stdout) {
        Verdict::Fail
    } else {
        Verdict::ToolError(format!("phpstan exited {code} without a report; see its output below"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        let at = |code, out, err| verdict(&Exit::new(code, out, err));
        assert_eq!(at(1, "{\"totals\":{},\"files\":[],\"errors\":[]}", ""), Verdict::Fail);
        assert_eq!(at(1, "", " [ERROR] No files found to analyse."), Verdict::Pass);
        assert!(
            matches!(at(255, "", "PHPStan process crashed because it reached configured PHP memory limit"), Verdict::ToolError(e) if e.contains("--memory-limit"))
        );
        assert!(matches!(at(1, "", "Path src/x.php does not exist"), Verdict::ToolError(_)));
    }
}
