//! Tool presets (`uses = "phpstan"`): plain data that expands to a command, a file filter, an
//! output format and the meaning of the tool's exit codes. Every key can still be overridden.

use std::path::Path;

use crate::select::identify::Tag;

/// How a tool's exit code reads, beyond "zero passed".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitMeaning {
    /// Zero passed, anything else failed.
    Plain,
    /// php-cs-fixer's bitmask: 4 invalid syntax and 8 needs fixing are findings; 1, 16, 32 and 64
    /// mean the tool itself could not do its job.
    PhpCsFixer,
    /// phpstan: 1 with "No files found to analyse" is a pass; 255 or the memory-limit message is
    /// the tool's error; 1 without a JSON report is a usage error.
    Phpstan,
    /// deptrac: 1 with a JSON report is violations; 1 without one is the tool's error.
    Deptrac,
}

/// What a finished tool run means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// The tool could not do its job; the message says what to do.
    ToolError(String),
}

impl ExitMeaning {
    pub fn verdict(self, code: i32, stdout: &str, stderr: &str) -> Verdict {
        if code == 0 {
            return Verdict::Pass;
        }
        match self {
            ExitMeaning::Plain => Verdict::Fail,
            ExitMeaning::PhpCsFixer => {
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
            ExitMeaning::Phpstan => {
                let all = format!("{stdout}\n{stderr}");
                if all.contains("reached configured PHP memory limit")
                    || all.contains("Allowed memory size")
                    || code == 255
                {
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
            ExitMeaning::Deptrac => {
                if code == 1 && looks_like_json(stdout) {
                    Verdict::Fail
                } else {
                    Verdict::ToolError(format!("deptrac exited {code} without a report; see its output below"))
                }
            }
        }
    }
}

fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with('{') && serde_json::from_str::<serde_json::Value>(text.trim()).is_ok()
}

/// A known tool.
#[derive(Debug)]
pub struct Preset {
    pub name: &'static str,
    pub description: &'static str,
    pub program: &'static str,
    /// Words after the program in check mode, before the user's `args`; `{config}` is replaced
    /// by `config_option` with the config path, or dropped when there is none.
    pub check: &'static [&'static str],
    /// The same for fix mode, when the tool can fix.
    pub fix: Option<&'static [&'static str]>,
    /// Words placed after the user's `args` and before the files (`--` ends options).
    pub before_files: &'static [&'static str],
    pub config_option: &'static [&'static str],
    /// Config files looked for at the repository root, in order.
    pub config_files: &'static [&'static str],
    /// Without a config file the tool cannot run usefully.
    pub config_required: bool,
    pub types: &'static [Tag],
    pub pass_files: bool,
    pub format: &'static str,
    pub exit: ExitMeaning,
    pub install: &'static str,
}

pub const PRESETS: &[Preset] = &[
    Preset {
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
        exit: ExitMeaning::PhpCsFixer,
        install: "composer require --dev friendsofphp/php-cs-fixer",
    },
    Preset {
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
        exit: ExitMeaning::Phpstan,
        install: "composer require --dev phpstan/phpstan",
    },
    Preset {
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
        exit: ExitMeaning::Deptrac,
        install: "composer require --dev deptrac/deptrac",
    },
];

pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.name).collect()
}

/// How to install a program that was not found, for presets and other tools people use.
pub fn install_hint(program: &str) -> Option<&'static str> {
    if let Some(preset) = PRESETS.iter().find(|p| p.program == program) {
        return Some(preset.install);
    }
    Some(match program {
        "phpcs" | "phpcbf" => "composer require --dev squizlabs/php_codesniffer (or apt-get install php-codesniffer)",
        "shellcheck" => "apt-get install shellcheck (or brew install shellcheck)",
        "yamllint" => "pip install yamllint (or apt-get install yamllint)",
        "php" => "apt-get install php-cli",
        "eslint" | "prettier" | "stylelint" => "npm install --save-dev <the tool>",
        "cargo" | "rustfmt" => "rustup (https://rustup.rs)",
        _ => return None,
    })
}

/// The command words of a preset, with the config file and the user's `args` in place.
pub fn command(preset: &Preset, template: &[&str], config: Option<&str>, args: &[String]) -> Vec<String> {
    let mut words = vec![preset.program.to_string()];
    for word in template {
        if *word == "{config}" {
            if let Some(config) = config {
                words.extend(preset.config_option.iter().map(|o| o.replace("{}", config)));
            }
        } else {
            words.push((*word).to_string());
        }
    }
    words.extend(args.iter().cloned());
    words.extend(preset.before_files.iter().map(|w| (*w).to_string()));
    words
}

/// The preset's config file at `root`, when one of its usual names exists.
pub fn find_config(preset: &Preset, root: &Path) -> Option<String> {
    preset.config_files.iter().find(|f| root.join(f).is_file()).map(|f| (*f).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_cs_fixer_command_keeps_config_first_and_ends_options() {
        let p = find("php-cs-fixer").expect("preset");
        let words = command(p, p.check, Some(".php-cs-fixer.dist.php"), &["--allow-risky=yes".into()]);
        assert_eq!(
            words,
            [
                "php-cs-fixer",
                "check",
                "--config=.php-cs-fixer.dist.php",
                "--path-mode=intersection",
                "--format=json",
                "--diff",
                "--allow-risky=yes",
                "--"
            ]
        );
        let fix = command(p, p.fix.expect("fix"), Some("x.php"), &[]);
        assert_eq!(fix[1], "fix");
        assert!(!fix.contains(&"--diff".to_string()));
    }

    #[test]
    fn deptrac_config_comes_right_after_analyse() {
        let p = find("deptrac").expect("preset");
        let words = command(p, p.check, Some("deptrac.layers.yaml"), &[]);
        assert_eq!(words[..3], ["deptrac", "analyse", "--config-file=deptrac.layers.yaml"]);
    }

    #[test]
    fn phpstan_without_config_drops_the_option() {
        let p = find("phpstan").expect("preset");
        let words = command(p, p.check, None, &["--memory-limit=1G".into()]);
        assert_eq!(words, ["phpstan", "analyse", "--no-progress", "--error-format=json", "--memory-limit=1G"]);
        let with = command(p, p.check, Some("phpstan.neon"), &[]);
        assert!(with.ends_with(&["-c".to_string(), "phpstan.neon".to_string()]));
    }

    #[test]
    fn php_cs_fixer_exit_bits() {
        let m = ExitMeaning::PhpCsFixer;
        assert_eq!(m.verdict(0, "", ""), Verdict::Pass);
        assert_eq!(m.verdict(8, "", ""), Verdict::Fail);
        assert_eq!(m.verdict(12, "", ""), Verdict::Fail);
        assert!(matches!(m.verdict(16, "", ""), Verdict::ToolError(e) if e.contains("invalid configuration")));
        assert!(matches!(m.verdict(24, "", ""), Verdict::ToolError(_)), "a tool bit wins over findings");
        assert!(matches!(m.verdict(64, "", ""), Verdict::ToolError(_)));
    }

    #[test]
    fn phpstan_exits() {
        let m = ExitMeaning::Phpstan;
        assert_eq!(m.verdict(1, "{\"totals\":{},\"files\":[],\"errors\":[]}", ""), Verdict::Fail);
        assert_eq!(m.verdict(1, "", " [ERROR] No files found to analyse."), Verdict::Pass);
        assert!(
            matches!(m.verdict(255, "", "PHPStan process crashed because it reached configured PHP memory limit"), Verdict::ToolError(e) if e.contains("--memory-limit"))
        );
        assert!(matches!(m.verdict(1, "", "Path src/x.php does not exist"), Verdict::ToolError(_)));
    }

    #[test]
    fn deptrac_exits() {
        let m = ExitMeaning::Deptrac;
        assert_eq!(m.verdict(1, "{\"Report\":{}}", ""), Verdict::Fail);
        assert!(matches!(m.verdict(1, "Config file deptrac.yaml does not exist", ""), Verdict::ToolError(_)));
    }
}
