//! Tool presets (`uses = "phpstan"`): plain data that expands to a command, a file filter, an
//! output format and the meaning of the tool's exit codes. Every key can still be overridden.

mod composer_audit;
mod composer_normalize;
mod composer_validate;
mod deptrac;
mod doctrine_schema_validate;
mod infection;
mod php_cs_fixer;
mod php_lint;
mod phpcbf;
mod phpcs;
mod phpstan;
mod phpunit;
mod psalm;
mod rector;
mod symfony_lint;
mod twig_cs_fixer;

use std::path::Path;

use crate::cli::Stage;
use crate::select::identify::Tag;

/// How a tool's exit code reads, beyond "zero passed".
#[derive(Clone, Copy, Debug)]
pub enum ExitMeaning {
    /// Zero passed, anything else failed.
    Plain,
    /// The tool's own rules, given in its preset's file.
    Tool(Judge),
}

/// A preset's reading of a finished run.
pub type Judge = fn(&Exit) -> Verdict;

/// What a judge sees of a finished run.
#[derive(Clone, Copy, Debug)]
pub struct Exit<'a> {
    pub code: i32,
    pub stdout: &'a str,
    pub stderr: &'a str,
    /// The run was the fix command, not the check.
    pub fixing: bool,
    /// How many findings were read from the tool's output.
    pub findings: usize,
}

impl<'a> Exit<'a> {
    pub fn new(code: i32, stdout: &'a str, stderr: &'a str) -> Self {
        Exit { code, stdout, stderr, fixing: false, findings: 0 }
    }
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
    pub fn verdict(self, exit: &Exit) -> Verdict {
        match self {
            ExitMeaning::Plain if exit.code == 0 => Verdict::Pass,
            ExitMeaning::Plain => Verdict::Fail,
            ExitMeaning::Tool(judge) => judge(exit),
        }
    }
}

/// The text holds a whole JSON document (a tool's report rather than its error message), also
/// with other lines around it (deptrac's "Syntax Error on File ..." lines before its JSON).
pub(crate) fn looks_like_json(text: &str) -> bool {
    crate::outcome::parse::has_json_report(text)
}

/// A known tool: plain data, so that a new property is one field here and one line in `BASE`.
#[derive(Debug)]
pub struct Preset {
    pub name: &'static str,
    pub description: &'static str,
    pub program: &'static str,
    /// Words after the program in check mode, before the user's `args`; `{config}` is replaced
    /// by `config_option` with the config path, or dropped when there is none; `{report}` by the
    /// path of a file the tool writes its report to, which is then read instead of its output.
    pub check: &'static [&'static str],
    /// The same for fix mode, when the tool can fix.
    pub fix: Option<&'static [&'static str]>,
    /// The fix command's program when it is another one (phpcs checks, phpcbf fixes).
    pub fix_program: Option<&'static str>,
    /// Words placed after the user's `args` and before the files (`--` ends options).
    pub before_files: &'static [&'static str],
    pub config_option: &'static [&'static str],
    /// Config files looked for at the repository root, in order.
    pub config_files: &'static [&'static str],
    /// Without a config file the tool cannot run usefully.
    pub config_required: bool,
    /// Globs of the files it looks at, beside `types` (empty: by type alone).
    pub files: &'static [&'static str],
    pub types: &'static [Tag],
    pub pass_files: bool,
    /// Runs even when none of its files was selected: its answer changes without a commit.
    pub always_run: bool,
    /// The stages it runs in unless the check says otherwise; empty: every stage.
    pub stages: &'static [Stage],
    pub format: &'static str,
    /// The word that asks the tool for each output format it can give (`{format}` in the
    /// command stands for the chosen one; the first is the default).
    pub format_words: &'static [(&'static str, &'static str)],
    pub exit: ExitMeaning,
    pub install: &'static str,
    /// Below this PHP_VERSION_ID the tool reads one file per call (`php -l` before PHP 8.3).
    pub one_file_below_php: Option<u32>,
    /// The variants a check picks with `lint = "NAME"` (symfony-lint); each is a whole preset
    /// whose `name` is the variant's.
    pub variants: &'static [Preset],
}

/// The values most presets share; a preset file spells out what differs (`..BASE`).
pub const BASE: Preset = Preset {
    name: "",
    description: "",
    program: "",
    check: &[],
    fix: None,
    fix_program: None,
    before_files: &[],
    config_option: &[],
    config_files: &[],
    config_required: false,
    files: &[],
    types: &[Tag::PHP],
    pass_files: true,
    always_run: false,
    stages: &[],
    format: "",
    format_words: &[],
    exit: ExitMeaning::Plain,
    install: "",
    one_file_below_php: None,
    variants: &[],
};

/// Every preset, in the order `ward` lists them.
pub const PRESETS: &[&Preset] = &[
    &php_cs_fixer::PRESET,
    &phpstan::PRESET,
    &deptrac::PRESET,
    &phpunit::PRESET,
    &infection::PRESET,
    &psalm::PRESET,
    &rector::PRESET,
    &phpcs::PRESET,
    &phpcbf::PRESET,
    &twig_cs_fixer::PRESET,
    &php_lint::PRESET,
    &symfony_lint::PRESET,
    &doctrine_schema_validate::PRESET,
    &composer_validate::PRESET,
    &composer_audit::PRESET,
    &composer_normalize::PRESET,
];

/// The preset a variant belongs to (`symfony-lint` for its `yaml`), and the variant's name.
pub fn parent_of(preset: &'static Preset) -> (&'static Preset, Option<&'static str>) {
    for top in PRESETS.iter().copied() {
        if top.variants.iter().any(|v| v.name == preset.name && v.description == preset.description) {
            return (top, Some(preset.name));
        }
    }
    (preset, None)
}

pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().copied().find(|p| p.name == name)
}

pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.name).collect()
}

/// How to install a program that was not found, for presets and other tools people use.
pub fn install_hint(program: &str) -> Option<&'static str> {
    if let Some(preset) = PRESETS.iter().find(|p| p.program == program || p.fix_program == Some(program)) {
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
    command_of(preset, preset.program, template, config, args)
}

/// The fix command, when the preset has one.
pub fn fix_command(preset: &Preset, config: Option<&str>, args: &[String]) -> Option<Vec<String>> {
    let program = preset.fix_program.unwrap_or(preset.program);
    preset.fix.map(|template| command_of(preset, program, template, config, args))
}

fn command_of(preset: &Preset, program: &str, template: &[&str], config: Option<&str>, args: &[String]) -> Vec<String> {
    let mut words = vec![program.to_string()];
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

/// `{format}` in a preset's command: the word asking for `format` (the preset's own when
/// `None`); `Err` lists the formats it can give when it cannot give that one.
pub fn format_word(preset: &Preset, format: Option<&str>) -> Result<Option<&'static str>, String> {
    let Some((_, default)) = preset.format_words.first() else {
        return Ok(None);
    };
    match format {
        None => Ok(Some(default)),
        Some(name) => match preset.format_words.iter().find(|(n, _)| *n == name) {
            Some((_, word)) => Ok(Some(word)),
            None if name == "regex" => Ok(Some(default)),
            None => {
                let names: Vec<&str> = preset.format_words.iter().map(|(n, _)| *n).collect();
                Err(format!("{} can give its findings as {}, not as \"{name}\"", preset.name, names.join(" or ")))
            }
        },
    }
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
        let fix = fix_command(p, Some("x.php"), &[]).expect("fix");
        assert_eq!(fix[1], "fix");
        assert!(!fix.contains(&"--diff".to_string()));
    }

    #[test]
    fn every_preset_and_variant_names_a_known_format_and_builds() {
        let all = PRESETS.iter().flat_map(|p| std::iter::once(*p).chain(p.variants.iter()));
        for preset in all {
            if !preset.variants.is_empty() {
                continue;
            }
            let format = crate::outcome::parse::Format::from_config(Some(preset.format), None);
            assert!(matches!(format, Ok(Some(_))), "{}: format {:?}", preset.name, preset.format);
            for (name, _) in preset.format_words {
                assert!(
                    crate::outcome::parse::Format::from_config(Some(name), None).is_ok(),
                    "{}: {name}",
                    preset.name
                );
            }
            assert!(!preset.install.is_empty() && !preset.description.is_empty(), "{}", preset.name);
            assert!(!preset.program.is_empty(), "{}", preset.name);
        }
        for preset in PRESETS {
            let lint = preset.variants.first().map(|v| format!("lint = \"{}\"\n", v.name)).unwrap_or_default();
            let toml = format!("[checks.x]\nuses = \"{}\"\n{lint}", preset.name);
            let config = crate::config::parse(&toml, None, None).unwrap_or_else(|e| panic!("{}: {e}", preset.name));
            let crate::config::CheckKind::External(e) = &config.checks[0].kind else { panic!("external") };
            assert!(
                !e.run.iter().any(|w| w.contains("{format}") || w.contains("{config}")),
                "{}: {:?}",
                preset.name,
                e.run
            );
        }
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
}
