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
        let mut message = err.message().trim().to_string();
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let key = rest.split('`').next().unwrap_or_default().to_string();
            message = unknown_key_message(&key, &section_keys(source, span.clone()));
        } else if let Some(key) = span.as_ref().and_then(|s| key_on_line(source, s.start)) {
            message = format!("`{key}`: {message}");
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
