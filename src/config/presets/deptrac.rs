//! deptrac: architecture layers, once for the whole project.

use super::{looks_like_json, Exit, ExitMeaning, Preset, Verdict, BASE};
use crate::select::identify::Tag;

pub const PRESET: Preset = Preset {
    name: "deptrac",
    description: "architecture layers (deptrac analyse), once for the whole project when a PHP file changed",
    program: "deptrac",
    // The config file comes first: older deptrac ignored it after another option.
    check: &["analyse", "{config}", "--formatter=json", "--no-progress"],
    fix: None,
    before_files: &[],
    config_option: &["--config-file={}"],
    config_files: &["deptrac.yaml", "deptrac.php", "depfile.yaml"],
    config_required: true,
    types: &[Tag::PHP],
    pass_files: false,
    format: "deptrac",
    exit: ExitMeaning::Tool(verdict),
    install: "composer require --dev deptrac/deptrac",
    ..BASE
};

/// 1 with a JSON report is violations; 1 without one is the tool's error.
fn verdict(exit: &Exit) -> Verdict {
    let Exit { code, stdout, .. } = *exit;
    if code == 0 {
        Verdict::Pass
    } else if code == 1 && looks_like_json(stdout) {
        Verdict::Fail
    } else {
        Verdict::ToolError(format!("deptrac exited {code} without a report; see its output below"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit::new(1, "{\"Report\":{}}", "")), Verdict::Fail);
        let noisy = "\nSyntax Error on File /r/src/A.php\nSyntax error, unexpected EOF on line 3\n\n{\"Report\":{}}";
        assert_eq!(verdict(&Exit::new(1, noisy, "")), Verdict::Fail, "a report after syntax-error lines is a report");
        assert!(matches!(verdict(&Exit::new(1, "Config file deptrac.yaml does not exist", "")), Verdict::ToolError(_)));
    }
}
