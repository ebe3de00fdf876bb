//! Configuration errors that point at the file, line and column, with the line shown.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A user error in a configuration file; every variant of bad input ends here.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column; `None` when the error is about the file as a whole.
    pub location: Option<(usize, usize)>,
    pub message: String,
    /// The offending source line and the caret under it.
    pub snippet: Option<(String, Range<usize>)>,
}

impl ConfigError {
    pub fn new(path: &Path, source: &str, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        let message = message.into();
        let Some(span) = span else {
            return ConfigError { path: path.to_owned(), location: None, message, snippet: None };
        };
        // A span that ends inside a character (bytes from a lossy decoding) is widened to it.
        let floor = |mut i: usize| {
            i = i.min(source.len());
            while !source.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = floor(span.start);
        let mut end = span.end.max(start).min(source.len());
        while !source.is_char_boundary(end) {
            end += 1;
        }
        let span = start..end;
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
        let line_no = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let line = source[line_start..line_end].trim_end_matches('\r').to_string();
        let caret_start = column - 1;
        let caret_len = source[start..span.end.min(line_end).max(start)].chars().count().max(1);
        ConfigError {
            path: path.to_owned(),
            location: Some((line_no, column)),
            message,
            snippet: Some((line, caret_start..caret_start + caret_len)),
        }
    }

    /// Turns a toml parse error into ours, naming the key where the toml crate does not.
    pub fn from_toml(path: &Path, source: &str, err: &toml::de::Error) -> Self {
        let span = err.span();
        let mut message = plain_words(err.message().trim());
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let key = rest.split('`').next().unwrap_or_default().to_string();
            message = unknown_key_message(&key, &section_keys(source, span.clone()));
        } else if let Some(table) = span.as_ref().and_then(|s| duplicate_table(source, s.start, &message)) {
            message = table;
        } else if let Some(key) = span.as_ref().and_then(|s| key_on_line(source, s.start)) {
            let first = span.as_ref().and_then(|s| duplicate_key(source, s.start, &key, &message));
            message = format!("`{key}`: {message}{}", first.unwrap_or_default());
        }
        ConfigError::new(path, source, span, message)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path.display(), self.message)?,
            None => write!(f, "{}: {}", self.path.display(), self.message)?,
        }
        if let (Some((text, caret)), Some((line, _))) = (&self.snippet, self.location) {
            let gutter = line.to_string().len();
            write!(
                f,
                "\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {}{}",
                "",
                "",
                " ".repeat(caret.start),
                "^".repeat(caret.len())
            )?;
        }
        Ok(())
    }
}

/// The toml and serde words for types ("expected usize", "invalid type: sequence") said the way
/// a person writing checks.toml says them.
fn plain_words(message: &str) -> String {
    let mut text = message.to_string();
    for (rust, plain) in [
        ("invalid type: ", "got "),
        ("invalid value: ", "got "),
        ("floating point `", "the number `"),
        ("integer `", "the number `"),
        ("string \"", "the string \""),
        ("got sequence", "got a list"),
        ("got map", "got a table"),
        ("got boolean `", "got `"),
        ("expected a sequence", "expected a list, such as [\"*.php\"]"),
        ("expected a map", "expected a table, such as { KEY = \"value\" }"),
        ("expected a boolean", "expected true or false"),
        ("expected a string", "expected a string in quotes"),
    ] {
        text = text.replace(rust, plain);
    }
    for int in ["usize", "u64", "u32", "u16", "u8"] {
        text = text.replace(&format!("expected {int}"), "expected a whole number (0 or more)");
    }
    for int in ["isize", "i64", "i32", "i16", "i8"] {
        text = text.replace(&format!("expected {int}"), "expected a whole number");
    }
    if text.contains("got the string \"") && text.contains("expected a whole number") {
        text.push_str(", written without quotes");
    }
    text
}

/// "duplicate table `[checks.a]`, first defined on line 1" for a table header defined twice.
fn duplicate_table(source: &str, offset: usize, message: &str) -> Option<String> {
    if !message.starts_with("duplicate key") {
        return None;
    }
    let offset = offset.min(source.len());
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let header = source[line_start..].lines().next()?.split('#').next()?.trim();
    if !header.starts_with('[') {
        return None;
    }
    let first = source[..line_start].lines().position(|line| line.split('#').next().unwrap_or("").trim() == header)?;
    Some(format!("duplicate table `{header}`, first defined on line {}", first + 1))
}

/// ", first set on line N" for a key given twice in one table.
fn duplicate_key(source: &str, offset: usize, key: &str, message: &str) -> Option<String> {
    if !message.starts_with("duplicate key") {
        return None;
    }
    let offset = offset.min(source.len());
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before: Vec<&str> = source[..line_start].lines().collect();
    for (n, line) in before.iter().enumerate().rev() {
        let line = line.trim();
        if line.starts_with('[') {
            return None;
        }
        if line.split_once('=').is_some_and(|(k, _)| k.trim().trim_matches('"') == key) {
            return Some(format!(", first set on line {}", n + 1));
        }
    }
    None
}

/// "unknown key `x`" with the nearest known key suggested, or the list of known keys.
pub fn unknown_key_message(key: &str, known: &[&str]) -> String {
    match suggest(key, known) {
        Some(best) => format!("unknown key `{key}`; did you mean `{best}`?"),
        None => format!("unknown key `{key}`; expected one of: {}", known.join(", ")),
    }
}

/// The known word closest to `word`, when it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Which table an error span sits in decides which keys to suggest from.
fn section_keys(source: &str, span: Option<Range<usize>>) -> Vec<&'static str> {
    let end = span.map_or(0, |s| s.start.min(source.len()));
    let header = source[..end].lines().rev().map(str::trim).find(|l| l.starts_with('[')).unwrap_or("");
    if header.starts_with("[settings") {
        super::raw::SETTINGS_KEYS.to_vec()
    } else if header.starts_with("[checks") {
        super::raw::check_keys()
    } else {
        super::raw::TOP_KEYS.to_vec()
    }
}

/// The `key` of a `key = value` line containing `offset`.
fn key_on_line(source: &str, offset: usize) -> Option<String> {
    let offset = offset.min(source.len());
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &source[line_start..];
    let line = line.split('\n').next().unwrap_or("");
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('[') && !key.contains(char::is_whitespace)).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(suggest("fils", &super::super::raw::check_keys()), Some("files"));
        assert_eq!(suggest("pass_file", &super::super::raw::check_keys()), Some("pass_files"));
        assert_eq!(suggest("zzzzzzzz", &super::super::raw::check_keys()), None);
    }

    #[test]
    fn rust_type_names_become_plain_words() {
        assert_eq!(
            plain_words("invalid value: integer `-1`, expected usize"),
            "got the number `-1`, expected a whole number (0 or more)"
        );
        assert_eq!(
            plain_words("invalid type: string \"3\", expected usize"),
            "got the string \"3\", expected a whole number (0 or more), written without quotes"
        );
        assert_eq!(plain_words("invalid type: sequence, expected a map").split(',').next(), Some("got a list"));
    }

    #[test]
    fn points_at_line_and_column() {
        let src = "[checks.a]\nrun = \"x\"\nserial = 3\n";
        let start = src.find('3').unwrap_or(0);
        let err = ConfigError::new(Path::new("checks.toml"), src, Some(start..start + 1), "bad");
        assert_eq!(err.location, Some((3, 10)));
        let shown = err.to_string();
        assert!(shown.starts_with("checks.toml:3:10: bad"), "{shown}");
        assert!(shown.contains("3 | serial = 3"), "{shown}");
    }
}
