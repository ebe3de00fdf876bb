//! Parsers that turn a tool's output into diagnostics.

mod checkstyle;
mod composer_audit;
mod composer_normalize;
mod composer_validate;
mod deptrac;
mod doctrine;
mod gcc;
mod infection;
mod json_lines;
mod junit;
mod path;
mod pattern;
mod php_cs_fixer;
mod php_lint;
mod phpcs;
mod phpstan;
mod psalm;
mod rector;
mod sarif;
mod shared;
#[cfg(test)]
mod standins;
mod symfony_lint;

use std::path::Path;

use super::Diagnostic;

pub use path::relativize;

/// How a check's output is read; chosen by `format`/`regex` in checks.toml.
#[derive(Clone, Debug)]
pub enum Format {
    Checkstyle,
    Gcc,
    Regex(regex::Regex),
    Sarif,
    JsonLines,
    PhpCsFixer,
    Phpstan,
    Deptrac,
    Junit,
    Infection,
    Psalm,
    Rector,
    Phpcs,
    PhpLint,
    SymfonyLint,
    Doctrine,
    ComposerValidate,
    ComposerAudit,
    ComposerNormalize,
}

impl Format {
    /// Every value `format` accepts in checks.toml.
    pub const NAMES: &'static [&'static str] = &[
        "checkstyle",
        "gcc",
        "regex",
        "sarif",
        "json-lines",
        "php-cs-fixer",
        "phpstan",
        "deptrac",
        "junit",
        "infection",
        "psalm",
        "rector",
        "phpcs",
        "php-lint",
        "symfony-lint",
        "doctrine",
        "composer-validate",
        "composer-audit",
        "composer-normalize",
    ];

    /// From checks.toml: `format = "checkstyle"|"gcc"|"sarif"|"json-lines"|"php-cs-fixer"|"phpstan"|"deptrac"`,
    /// or `regex` given (named groups: path/file, line, column/col, severity, message, rule/code).
    /// The name `format = "..."` takes for this format.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Checkstyle => "checkstyle",
            Format::Gcc => "gcc",
            Format::Regex(_) => "regex",
            Format::Sarif => "sarif",
            Format::JsonLines => "json-lines",
            Format::PhpCsFixer => "php-cs-fixer",
            Format::Phpstan => "phpstan",
            Format::Deptrac => "deptrac",
            Format::Junit => "junit",
            Format::Infection => "infection",
            Format::Psalm => "psalm",
            Format::Rector => "rector",
            Format::Phpcs => "phpcs",
            Format::PhpLint => "php-lint",
            Format::SymfonyLint => "symfony-lint",
            Format::Doctrine => "doctrine",
            Format::ComposerValidate => "composer-validate",
            Format::ComposerAudit => "composer-audit",
            Format::ComposerNormalize => "composer-normalize",
        }
    }

    /// Formats whose report is one JSON document on stdout, where other lines beside it are
    /// worth a warning (text and XML formats read every line, or a report file, instead).
    fn is_json_report(&self) -> bool {
        matches!(
            self,
            Format::Sarif
                | Format::PhpCsFixer
                | Format::Phpstan
                | Format::Deptrac
                | Format::Psalm
                | Format::Rector
                | Format::Phpcs
                | Format::ComposerAudit
        )
    }

    pub fn from_config(format: Option<&str>, regex: Option<&str>) -> Result<Option<Format>, String> {
        let named = match format {
            None => None,
            Some(name) => Some(Self::named(name)?),
        };
        match (named, regex) {
            (None, None) => Ok(None),
            (None, Some(pattern)) | (Some(None), Some(pattern)) => {
                pattern::compile(pattern).map(|re| Some(Format::Regex(re)))
            }
            (Some(None), None) => Err("format = \"regex\" needs a `regex` pattern".to_string()),
            (Some(Some(format)), None) => Ok(Some(format)),
            (Some(Some(_)), Some(_)) => Err(format!(
                "`regex` only goes with format = \"regex\", not format = \"{}\"",
                format.unwrap_or_default()
            )),
        }
    }

    /// `Ok(None)` stands for "regex", whose pattern comes from a separate key.
    fn named(name: &str) -> Result<Option<Format>, String> {
        Ok(Some(match name {
            "checkstyle" => Format::Checkstyle,
            "gcc" => Format::Gcc,
            "regex" => return Ok(None),
            "sarif" => Format::Sarif,
            "json-lines" => Format::JsonLines,
            "php-cs-fixer" => Format::PhpCsFixer,
            "phpstan" => Format::Phpstan,
            "deptrac" => Format::Deptrac,
            "junit" => Format::Junit,
            "infection" => Format::Infection,
            "psalm" => Format::Psalm,
            "rector" => Format::Rector,
            "phpcs" => Format::Phpcs,
            "php-lint" => Format::PhpLint,
            "symfony-lint" => Format::SymfonyLint,
            "doctrine" => Format::Doctrine,
            "composer-validate" => Format::ComposerValidate,
            "composer-audit" => Format::ComposerAudit,
            "composer-normalize" => Format::ComposerNormalize,
            _ => return Err(unknown_format(name)),
        }))
    }
}

fn unknown_format(name: &str) -> String {
    let closest = Format::NAMES
        .iter()
        .map(|known| (strsim::jaro_winkler(name, known), *known))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let mut message = format!("unknown format \"{name}\"");
    if let Some((_, known)) = closest {
        message.push_str(&format!(", did you mean \"{known}\"?"));
    }
    message.push_str(&format!(" (known formats: {})", Format::NAMES.join(", ")));
    message
}

/// Never panics on garbage; unparseable output gives an empty Vec (the raw output is still shown to the user by the caller).
/// `stdout` is the tool's report file instead when its command names one (`{report}`).
pub fn parse(format: &Format, stdout: &[u8], stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    let mut diagnostics = parse_report(format, stdout, stderr, root);
    if format.is_json_report() {
        diagnostics.extend(report_noise(format, stdout, root));
    }
    diagnostics
}

/// True when `stdout` holds a whole JSON report, with or without other lines around it.
pub fn has_json_report(stdout: &str) -> bool {
    shared::json_report(stdout.as_bytes()).is_some()
}

/// At most this many lines printed beside a report become warnings; the rest are counted.
const MAX_NOISE_LINES: usize = 10;

/// What a tool printed on stdout beside its JSON report: warnings, so that a report with
/// findings still reads as findings and the extra lines are not lost.
fn report_noise(format: &Format, stdout: &[u8], root: &Path) -> Vec<Diagnostic> {
    let Some((_, noise)) = shared::json_report(stdout) else { return Vec::new() };
    let (mut diagnostics, rest) = match format {
        Format::Deptrac => deptrac::syntax_errors(&noise, root),
        _ => (Vec::new(), noise),
    };
    let lines: Vec<&str> = rest.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let warning = |message: String| shared::project_diagnostic(super::Severity::Warning, message);
    for line in lines.iter().take(MAX_NOISE_LINES) {
        diagnostics.push(warning(format!("{} printed beside its report: {line}", format.name())));
    }
    if lines.len() > MAX_NOISE_LINES {
        diagnostics.push(warning(format!(
            "{} printed {} more lines beside its report (`-v` shows them)",
            format.name(),
            lines.len() - MAX_NOISE_LINES
        )));
    }
    diagnostics
}

fn parse_report(format: &Format, stdout: &[u8], stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    match format {
        Format::Checkstyle => checkstyle::parse(stdout, root),
        Format::Gcc => gcc::parse(stdout, stderr, root),
        Format::Regex(re) => pattern::parse(re, stdout, stderr, root),
        Format::Sarif => sarif::parse(stdout, root),
        Format::JsonLines => json_lines::parse(stdout, stderr, root),
        Format::PhpCsFixer => php_cs_fixer::parse(stdout, stderr, root),
        Format::Phpstan => phpstan::parse(stdout, root),
        Format::Deptrac => deptrac::parse(stdout, root),
        Format::Junit => junit::parse(stdout, root),
        Format::Infection => infection::parse(stdout, stderr, root),
        Format::Psalm => psalm::parse(stdout, root),
        Format::Rector => rector::parse(stdout, root),
        Format::Phpcs => phpcs::parse(stdout, root),
        Format::PhpLint => php_lint::parse(stdout, stderr, root),
        Format::SymfonyLint => symfony_lint::parse(stdout, stderr, root),
        Format::Doctrine => doctrine::parse(stdout, stderr, root),
        Format::ComposerValidate => composer_validate::parse(stdout, stderr),
        Format::ComposerAudit => composer_audit::parse(stdout, root),
        Format::ComposerNormalize => composer_normalize::parse(stdout, stderr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_accepted() {
        for name in Format::NAMES {
            let regex = (*name == "regex").then_some("(?P<path>[^:]+):(?P<message>.*)");
            assert!(Format::from_config(Some(name), regex).is_ok_and(|f| f.is_some()), "{name}");
        }
    }

    #[test]
    fn nothing_configured_means_no_parser() {
        assert!(matches!(Format::from_config(None, None), Ok(None)));
    }

    #[test]
    fn regex_alone_selects_the_regex_format() {
        let format = Format::from_config(None, Some(r"^(?P<file>\S+): (?P<message>.*)$"));
        assert!(matches!(format, Ok(Some(Format::Regex(_)))));
    }

    #[test]
    fn misconfigurations_are_explained() {
        let err = Format::from_config(Some("chekstyle"), None).unwrap_err();
        assert!(err.contains("did you mean \"checkstyle\""), "{err}");
        assert!(Format::from_config(Some("regex"), None).unwrap_err().contains("needs a `regex`"));
        let err = Format::from_config(Some("gcc"), Some("(?P<message>.*)")).unwrap_err();
        assert!(err.contains("only goes with"), "{err}");
        assert!(Format::from_config(None, Some("(?P<message>")).is_err());
        assert!(Format::from_config(None, Some(r"\d+")).unwrap_err().contains("named group"));
    }
}
