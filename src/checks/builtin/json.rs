//! check-json: the file parses as JSON and no object repeats a key.

use std::borrow::Cow;
// Keys and paths are hashed by the million on a large run; FxHash is several times
// faster than SipHash there, and collision attacks on a linter's own maps do not apply.
use rustc_hash::FxHashMap as HashMap;

use memchr::memchr2;
use serde::de::IgnoredAny;

use super::bom;
use super::lines::{line_number, position, to_u32};
use super::sink::Sink;

/// JSON with comments and JSON5 are other languages; a strict parse would only report noise.
pub(crate) fn applies_to(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    !(lower.ends_with(".jsonc") || lower.ends_with(".json5"))
}

pub(crate) fn check(buf: &[u8], sink: &mut Sink) {
    // Python's json module accepts a UTF-8 byte-order marker; serde_json does not.
    let Some((text, skipped)) = bom::utf8_text(buf, sink, "JSON") else { return };
    if let Err(err) = serde_json::from_str::<IgnoredAny>(text) {
        let full = err.to_string();
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        let column = to_u32(err.column() + if err.line() == 1 { skipped } else { 0 });
        sink.error(to_u32(err.line().max(1)), Some(column.max(1)), format!("invalid JSON: {message}"));
        return;
    }
    for dup in duplicate_keys(text) {
        let (line, column) = position(buf, skipped + dup.offset);
        let first = line_number(buf, skipped + dup.first_offset);
        sink.error(line, Some(column), format!("duplicate key `{}` (first defined at line {first})", dup.key));
    }
}

/// A key that appears a second time in the same object.
#[derive(Debug, PartialEq, Eq)]
struct Duplicate {
    key: String,
    /// Byte offset of the repeated key's opening quote.
    offset: usize,
    first_offset: usize,
}

enum Frame<'a> {
    Object { keys: HashMap<Cow<'a, str>, usize>, expect_key: bool },
    Array,
}

/// Finds repeated keys in `text`, which must already be valid JSON: a structural scan over
/// strings and brackets, decoding only keys that contain escapes.
fn duplicate_keys(text: &str) -> Vec<Duplicate> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => stack.push(Frame::Object { keys: HashMap::default(), expect_key: true }),
            b'[' => stack.push(Frame::Array),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Frame::Object { expect_key, .. }) = stack.last_mut() {
                    *expect_key = true;
                }
            }
            b'"' => {
                let end = string_end(bytes, i);
                if let Some(Frame::Object { keys, expect_key: expect @ true }) = stack.last_mut() {
                    *expect = false;
                    let key = decode_key(&text[i..=end]);
                    if let Some(&first_offset) = keys.get(&key) {
                        found.push(Duplicate { key: key.into_owned(), offset: i, first_offset });
                    } else {
                        keys.insert(key, i);
                    }
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// Offset of the closing quote of the string opening at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(found) = memchr2(b'"', b'\\', &bytes[i..]) {
        let at = i + found;
        if bytes[at] == b'"' {
            return at;
        }
        i = at + 2;
    }
    bytes.len().saturating_sub(1)
}

fn decode_key(quoted: &str) -> Cow<'_, str> {
    let inner = &quoted[1..quoted.len() - 1];
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    serde_json::from_str::<String>(quoted).map_or(Cow::Borrowed(inner), Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(buf: &[u8]) -> Vec<(u32, u32, String)> {
        let mut sink = Sink::new("f.json", "check-json");
        check(buf, &mut sink);
        sink.finish().into_iter().map(|d| (d.line.unwrap(), d.column.unwrap(), d.message)).collect()
    }

    #[test]
    fn valid_json_passes() {
        assert!(report(b"{\"a\": [1, 2, {\"b\": null}], \"c\": \"x\\\"y\"}\n").is_empty());
        assert!(report(b"[]").is_empty());
        assert!(report(b"\xef\xbb\xbf{\"a\": 1}\r\n").is_empty());
        assert!(report(b"{\"a\": {\"k\": 1}, \"b\": {\"k\": 2}}").is_empty());
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let found = report(b"{\n  \"a\": 1,\n}\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 3);
        assert!(found[0].2.starts_with("invalid JSON: "), "{}", found[0].2);
        assert_eq!(report(b"[1,\n2,]")[0], (2, 3, "invalid JSON: expected value".to_string()));
        assert_eq!(report(b"")[0].2, "invalid JSON: EOF while parsing a value");
        assert_eq!(report(b"{} {}")[0].2, "invalid JSON: trailing characters");
    }

    #[test]
    fn non_utf8_is_reported() {
        let found = report(b"{\"a\":\n \"\xff\"}");
        assert_eq!((found[0].0, found[0].1), (2, 3));
        assert!(found[0].2.contains("UTF-8"));
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_lines() {
        let found = report(b"{\n  \"a\": 1,\n  \"b\": {\"a\": 2},\n  \"a\": 3\n}\n");
        assert_eq!(found, vec![(4, 3, "duplicate key `a` (first defined at line 2)".to_string())]);
    }

    #[test]
    fn escaped_keys_compare_decoded_and_values_are_not_keys() {
        let found = report(br#"{"a": "a", "\u0061": 1, "x": ["a", "a"], "q\"": 1, "q\"": 2}"#);
        let keys: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
        assert_eq!(
            keys,
            vec!["duplicate key `a` (first defined at line 1)", "duplicate key `q\"` (first defined at line 1)"]
        );
    }

    #[test]
    fn jsonc_is_left_to_other_tools() {
        assert!(!applies_to("tsconfig.JSONC"));
        assert!(!applies_to("a/b.json5"));
        assert!(applies_to("composer.json"));
    }

    #[test]
    fn huge_and_cr_only_documents() {
        let big = format!("{{\"k\": \"{}\"}}", "v".repeat(1 << 20));
        assert!(report(big.as_bytes()).is_empty());
        assert_eq!(report(b"{\r\"a\": 1,\r\"a\": 2\r}")[0].0, 3);
    }
}
