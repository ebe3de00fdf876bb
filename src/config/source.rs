//! The configuration file as text: decoding with a position for bad bytes, and the errors the
//! toml parser reports without a position (nesting too deep) or cannot see (NUL in a command).

use std::ops::Range;
use std::path::Path;

use super::ConfigError;

/// The file's text; invalid UTF-8 is an error at the line and column of the first bad byte.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, ConfigError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bad = e.as_bytes().get(at).copied().unwrap_or(0);
            // Up to `at` the lossy text has the same bytes, so the position is the same.
            let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Err(ConfigError::new(
                path,
                &shown,
                Some(at..at + 1),
                format!("invalid UTF-8 (byte 0x{bad:02x}): checks.toml must be UTF-8 text"),
            ))
        }
    }
}

/// The toml parser stops nesting at a fixed depth and says only "recursion limit": find the
/// deepest dotted key, table header or inline nesting and point at it.
pub fn nesting_error(path: &Path, source: &str, message: &str) -> Option<ConfigError> {
    if !message.contains("recursion") {
        return None;
    }
    let mut deepest: Option<(usize, usize)> = None;
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let depth = depth(line);
        if deepest.is_none_or(|(d, _)| depth > d) {
            deepest = Some((depth, offset + (line.len() - line.trim_start().len())));
        }
        offset += line.len();
    }
    let (depth, at) = deepest?;
    Some(ConfigError::new(
        path,
        source,
        Some(at..at + 1),
        format!(
            "nested too deeply ({depth} levels of dotted keys, tables or brackets on this line); \
             checks.toml needs a few: `[checks.ID]` with `key = value`"
        ),
    ))
}

/// How deeply one line nests: dots in its key or header, and brackets and braces, outside strings.
fn depth(line: &str) -> usize {
    let (mut depth, mut open, mut quote) = (0usize, 0usize, None);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => break,
            (None, '.') => depth += 1,
            (None, '[' | '{') => {
                open += 1;
                depth = depth.max(open);
            }
            (None, ']' | '}') => open = open.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

/// Where a NUL character is written (`\u0000`, `\U00000000`) within `span`, or the span.
pub fn nul_span(source: &str, span: Range<usize>) -> Range<usize> {
    let Some(text) = source.get(span.clone()) else { return span };
    let lower = text.to_ascii_lowercase();
    for escape in ["\\u0000", "\\u00000000"] {
        if let Some(i) = lower.find(escape) {
            return span.start + i..span.start + i + escape.len();
        }
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bytes_have_a_position() {
        let err = decode(Path::new("checks.toml"), b"[checks.a]\nrun = \"\xe9cho\"\n".to_vec()).expect_err("bad");
        assert_eq!(err.location, Some((2, 8)));
        assert!(err.message.contains("0xe9"), "{}", err.message);
        assert_eq!(decode(Path::new("c"), b"ok = 1\n".to_vec()).expect("good"), "ok = 1\n");
    }

    #[test]
    fn nesting_points_at_the_deepest_line() {
        let src = "[checks.a]\nrun = \"a.b.c\"\nx.a.a.a.a = 1 # a.b.c.d.e.f\n";
        let err = nesting_error(Path::new("checks.toml"), src, "recursion limit").expect("found");
        assert_eq!(err.location, Some((3, 1)));
        assert!(err.message.contains("4 levels"), "{}", err.message);
        assert!(nesting_error(Path::new("c"), src, "other").is_none());
    }

    #[test]
    fn nul_escapes_are_found() {
        let src = "run = \"a\\u0000b\"";
        assert_eq!(nul_span(src, 6..src.len()), 8..14);
        assert_eq!(nul_span(src, 0..3), 0..3);
    }
}
