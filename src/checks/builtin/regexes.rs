//! Regular-expression options (`pattern`, `forbid_pattern`, ...): compiled once, errors by key.

use regex::Regex;

use super::OptionError;

/// Compiles each pattern; a bad one is an error on `key` that quotes it.
pub(crate) fn compile(key: &'static str, patterns: &[String]) -> Result<Vec<Regex>, OptionError> {
    patterns.iter().map(|p| one(key, p)).collect()
}

pub(crate) fn one(key: &'static str, pattern: &str) -> Result<Regex, OptionError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| OptionError::new(key, format!("`{key}`: `{pattern}` is not a valid regular expression: {e}")))
}

/// Quotes user text for a one-line message: control characters are shown escaped.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('`');
    for c in text.chars().take(200) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if text.chars().count() > 200 {
        out.push('…');
    }
    out.push('`');
    out
}
