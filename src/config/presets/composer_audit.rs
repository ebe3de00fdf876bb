//! `composer audit --locked`: security advisories and abandoned packages in composer.lock,
//! in CI (advisories appear without any commit, so it runs on every pipeline).

use super::{looks_like_json, Exit, ExitMeaning, Preset, Verdict, BASE};
use crate::cli::Stage;
use crate::select::identify::Tag;

pub const PRESET: Preset = Preset {
    name: "composer-audit",
    description: "known security advisories and abandoned packages in composer.lock (composer audit)",
    program: "composer",
    check: &["audit", "--locked", "--format=json", "--no-interaction", "--no-ansi"],
    files: &["composer.lock"],
    types: &[] as &[Tag],
    pass_files: false,
    always_run: true,
    stages: &[Stage::Ci, Stage::Manual],
    format: "composer-audit",
    exit: ExitMeaning::Tool(verdict),
    install: "apt-get install composer (or https://getcomposer.org/download/)",
    ..BASE
};

/// Composer 2.6+: a bitmask, 1 vulnerable packages, 2 abandoned ones (2.4-2.5: 1 for any);
/// 100 the advisory database could not be reached.
fn verdict(exit: &Exit) -> Verdict {
    match exit.code {
        0 => Verdict::Pass,
        1..=3 if looks_like_json(exit.stdout) || exit.findings > 0 => Verdict::Fail,
        100 => Verdict::ToolError(
            "composer audit exited 100: the advisory database (packagist.org) could not be reached; is the network up?"
                .into(),
        ),
        code => Verdict::ToolError(format!("composer audit exited {code} without a report; see its output below")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit::new(1, "{\"advisories\":{}}", "")), Verdict::Fail);
        assert!(matches!(verdict(&Exit::new(100, "", "curl error 6")), Verdict::ToolError(e) if e.contains("network")));
    }
}
