//! Report formats: each a pure function from the report to bytes.

pub mod checkstyle;
pub(crate) mod common;
#[cfg(test)]
mod fixture;
pub mod github;
pub mod gitlab;
pub mod guide;
pub mod human;
pub mod json;
pub mod junit;
pub mod merge;
pub mod progress;
pub mod sarif;

use crate::cli::Format;
use crate::outcome::Report;

/// The report in a machine format; `None` for the human format, which is printed as checks finish.
pub fn render(format: Format, report: &Report) -> Option<String> {
    Some(match format {
        Format::Human => return None,
        Format::Json => inert_json(json::render(report)),
        Format::Junit => junit::render(report),
        Format::Sarif => inert_json(sarif::render(report)),
        Format::Github => github::render(report),
        Format::Gitlab => inert_json(gitlab::render(report)),
        Format::Checkstyle => checkstyle::render(report),
    })
}

/// JSON that a GitHub Actions log shows as it is: the runner obeys `##[command]` anywhere in a
/// line, and in JSON `##[` can only sit inside a string, where `\u005b` reads back as `[`.
fn inert_json(text: String) -> String {
    if text.contains("##[") {
        text.replace("##[", "##\\u005b")
    } else {
        text
    }
}

/// Where a machine report goes: `--output FILE` (in the default format) or `FORMAT=FILE`.
pub fn parse_output(spec: &str, default: Format) -> (Format, std::path::PathBuf) {
    if let Some((name, file)) = spec.split_once('=') {
        if let Some(format) = Format::from_name(name) {
            return (format, file.into());
        }
    }
    // A human report is for the terminal: a file asked for without a machine format gets JSON.
    let format = if default == Format::Human { Format::Json } else { default };
    (format, spec.into())
}

/// True when an `--output FILE` without a `FORMAT=` prefix takes the `--format` report, which
/// otherwise goes to standard output.
pub fn has_plain_output(outputs: &[String]) -> bool {
    outputs.iter().any(|spec| spec.split_once('=').and_then(|(name, _)| Format::from_name(name)).is_none())
}
