//! check-json: the file parses as Python's `json` module parses it, and no object repeats a key.
//!
//! pre-commit-hooks reads the bytes with `json.load`, so this follows Python's rules exactly:
//! the encoding is detected from the first bytes (UTF-8 with or without a BOM, UTF-16, UTF-32),
//! `NaN`, `Infinity` and `-Infinity` are values, lone surrogates are accepted, control
//! characters in strings are not, and nesting stops near Python's recursion limit.

use std::borrow::Cow;
// Keys are hashed by the million on a large run; FxHash is several times faster than SipHash
// there, and collision attacks on a linter's own maps do not apply.
use rustc_hash::FxHashMap as HashMap;

use super::lines::{line_number, position};
use super::sink::Sink;

/// Python's json gives up (RecursionError) at about this depth.
const MAX_DEPTH: usize = 990;

/// JSON with comments and JSON5 are other languages; a strict parse would only report noise.
pub(crate) fn applies_to(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    !(lower.ends_with(".jsonc") || lower.ends_with(".json5"))
}

pub(crate) fn check(buf: &[u8], sink: &mut Sink) {
    let text = match decode(buf) {
        Ok(text) => text,
        Err((offset, message)) => {
            let (line, column) = position(buf, offset);
            sink.error(line, Some(column), format!("invalid JSON: {message}"));
            return;
        }
    };
    let bytes = text.as_bytes();
    if let Err(problem) = (Parser { text: bytes, at: 0 }).document() {
        let (line, column) = position(bytes, problem.offset);
        let message = match problem.first {
            Some(first) => {
                format!("{} (first defined at line {})", problem.message, line_number(bytes, first))
            }
            None => format!("invalid JSON: {}", problem.message),
        };
        sink.error(line, Some(column), message);
    }
}

/// Python's `json.detect_encoding` and `bytes.decode(encoding, 'surrogatepass')`; lone
/// surrogates (which Python keeps) become U+FFFD here, which no rule looks at.
fn decode(buf: &[u8]) -> Result<Cow<'_, str>, (usize, String)> {
    let starts = |p: &[u8]| buf.starts_with(p);
    if starts(b"\x00\x00\xfe\xff") {
        return utf32(&buf[4..], true, 4);
    }
    if starts(b"\xff\xfe\x00\x00") {
        return utf32(&buf[4..], false, 4);
    }
    if starts(b"\xfe\xff") {
        return utf16(&buf[2..], true, 2);
    }
    if starts(b"\xff\xfe") {
        return utf16(&buf[2..], false, 2);
    }
    if let Some(rest) = buf.strip_prefix(b"\xef\xbb\xbf") {
        return utf8(rest, 3);
    }
    if buf.len() >= 4 {
        if buf[0] == 0 {
            return if buf[1] != 0 { utf16(buf, true, 0) } else { utf32(buf, true, 0) };
        }
        if buf[1] == 0 {
            return if buf[2] != 0 || buf[3] != 0 { utf16(buf, false, 0) } else { utf32(buf, false, 0) };
        }
    } else if buf.len() == 2 {
        if buf[0] == 0 {
            return utf16(buf, true, 0);
        }
        if buf[1] == 0 {
            return utf16(buf, false, 0);
        }
    }
    utf8(buf, 0)
}

fn utf8(bytes: &[u8], skipped: usize) -> Result<Cow<'_, str>, (usize, String)> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) => {
            // Python's surrogatepass takes encoded surrogates (ED A0..BF ..); anything else fails.
            let mut out = String::with_capacity(bytes.len());
            let mut rest = bytes;
            while !rest.is_empty() {
                match std::str::from_utf8(rest) {
                    Ok(text) => {
                        out.push_str(text);
                        break;
                    }
                    Err(err) => {
                        let good = err.valid_up_to();
                        out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                        let bad = &rest[good..];
                        let surrogate = bad.len() >= 3
                            && bad[0] == 0xed
                            && (0xa0..=0xbf).contains(&bad[1])
                            && (0x80..=0xbf).contains(&bad[2]);
                        if !surrogate {
                            let offset = skipped + (bytes.len() - bad.len());
                            return Err((offset, "the file is not valid UTF-8 here".into()));
                        }
                        out.push('\u{fffd}');
                        rest = &bad[3..];
                    }
                }
            }
            Ok(Cow::Owned(out))
        }
    }
}

fn utf16(bytes: &[u8], big_endian: bool, skipped: usize) -> Result<Cow<'static, str>, (usize, String)> {
    if bytes.len() % 2 != 0 {
        return Err((skipped + bytes.len() - 1, "the file is not valid UTF-16: truncated data".into()));
    }
    let units = bytes.chunks_exact(2).map(|c| {
        if big_endian {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    Ok(Cow::Owned(char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')).collect()))
}

fn utf32(bytes: &[u8], big_endian: bool, skipped: usize) -> Result<Cow<'static, str>, (usize, String)> {
    if bytes.len() % 4 != 0 {
        return Err((skipped + bytes.len() - bytes.len() % 4, "the file is not valid UTF-32: truncated data".into()));
    }
    let mut out = String::with_capacity(bytes.len() / 4);
    for (i, c) in bytes.chunks_exact(4).enumerate() {
        let unit = if big_endian {
            u32::from_be_bytes([c[0], c[1], c[2], c[3]])
        } else {
            u32::from_le_bytes([c[0], c[1], c[2], c[3]])
        };
        match char::from_u32(unit) {
            Some(ch) => out.push(ch),
            None if (0xd800..0xe000).contains(&unit) => out.push('\u{fffd}'),
            None => return Err((skipped + i * 4, "the file is not valid UTF-32: code point out of range".into())),
        }
    }
    Ok(Cow::Owned(out))
}

struct Problem {
    offset: usize,
    message: String,
    /// For a duplicate key: where the key was first seen.
    first: Option<usize>,
}

fn problem(offset: usize, message: impl Into<String>) -> Problem {
    Problem { offset, message: message.into(), first: None }
}

/// A recursive-descent reading of the C scanner of Python's `json` (its `strict` mode).
struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn document(&mut self) -> Result<(), Problem> {
        self.skip_ws();
        self.value(0)?;
        self.skip_ws();
        if self.at != self.text.len() {
            return Err(problem(self.at, "extra data after the document"));
        }
        Ok(())
    }

    fn skip_ws(&mut self) {
        while self.text.get(self.at).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), Problem> {
        match self.peek() {
            Some(b'"') => self.string(None),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'n') if self.literal(b"null") => Ok(()),
            Some(b't') if self.literal(b"true") => Ok(()),
            Some(b'f') if self.literal(b"false") => Ok(()),
            Some(b'N') if self.literal(b"NaN") => Ok(()),
            Some(b'I') if self.literal(b"Infinity") => Ok(()),
            Some(b'-') if self.literal(b"-Infinity") => Ok(()),
            Some(b'-' | b'0'..=b'9') if self.number() => Ok(()),
            _ => Err(problem(self.at, "expecting a value")),
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, as far as it matches.
    fn number(&mut self) -> bool {
        let digits = |p: &Self, from: usize| p.text[from..].iter().take_while(|b| b.is_ascii_digit()).count();
        let mut i = self.at;
        if self.text.get(i) == Some(&b'-') {
            i += 1;
        }
        match self.text.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i += digits(self, i),
            _ => return false,
        }
        if self.text.get(i) == Some(&b'.') && digits(self, i + 1) > 0 {
            i += 1 + digits(self, i + 1);
        }
        if matches!(self.text.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(self.text.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if digits(self, j) > 0 {
                i = j + digits(self, j);
            }
        }
        self.at = i;
        true
    }

    /// A string at `"`; its decoded value goes to `out` when asked for (keys only: values are
    /// checked, never copied).
    fn string(&mut self, mut out: Option<&mut String>) -> Result<(), Problem> {
        let start = self.at;
        self.at += 1;
        let mut scratch = String::new();
        loop {
            let rest = &self.text[self.at..];
            let stop = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            let Some(stop) = stop else { return Err(problem(start, "unterminated string")) };
            if let Some(out) = out.as_deref_mut() {
                out.push_str(std::str::from_utf8(&rest[..stop]).unwrap_or_default());
            }
            self.at += stop;
            match self.text[self.at] {
                b'"' => {
                    self.at += 1;
                    return Ok(());
                }
                b'\\' => {
                    scratch.clear();
                    self.escape(&mut scratch)?;
                    if let Some(out) = out.as_deref_mut() {
                        out.push_str(&scratch);
                    }
                }
                _ => return Err(problem(self.at, "invalid control character in a string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), Problem> {
        let at = self.at;
        let Some(&c) = self.text.get(at + 1) else { return Err(problem(at, "unterminated string")) };
        self.at += 2;
        let simple = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4(at)?;
                let code = if (0xd800..0xdc00).contains(&unit) && self.text[self.at..].starts_with(b"\\u") {
                    let save = self.at;
                    self.at += 2;
                    match self.hex4(save) {
                        Ok(low) if (0xdc00..0xe000).contains(&low) => {
                            0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                        }
                        _ => {
                            self.at = save;
                            unit
                        }
                    }
                } else {
                    unit
                };
                // A lone surrogate is kept by Python; here it stands as U+FFFD.
                out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                return Ok(());
            }
            _ => return Err(problem(at, "invalid escape in a string")),
        };
        out.push(simple);
        Ok(())
    }

    fn hex4(&mut self, escape_at: usize) -> Result<u32, Problem> {
        let hex = self.text.get(self.at..self.at + 4).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        let Some(hex) = hex else { return Err(problem(escape_at, "invalid \\uXXXX escape")) };
        self.at += 4;
        Ok(hex.iter().fold(0, |n, &b| n * 16 + char::from(b).to_digit(16).unwrap_or(0)))
    }

    fn object(&mut self, depth: usize) -> Result<(), Problem> {
        if depth > MAX_DEPTH {
            return Err(problem(self.at, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        self.at += 1;
        let mut keys: HashMap<String, usize> = HashMap::default();
        let mut duplicate: Option<Problem> = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(problem(self.at, "expecting a property name in double quotes"));
            }
            let key_at = self.at;
            let mut key = String::new();
            self.string(Some(&mut key))?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(problem(self.at, "expecting ':' delimiter"));
            }
            self.at += 1;
            self.skip_ws();
            self.value(depth)?;
            if duplicate.is_none() {
                if let Some(&first) = keys.get(&key) {
                    let message = format!("duplicate key `{key}`");
                    duplicate = Some(Problem { offset: key_at, message, first: Some(first) });
                } else {
                    keys.insert(key, key_at);
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.skip_ws();
                }
                // The object is complete: Python's hook sees its pairs now.
                Some(b'}') => {
                    self.at += 1;
                    return duplicate.map_or(Ok(()), Err);
                }
                _ => return Err(problem(self.at, "expecting ',' delimiter")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), Problem> {
        if depth > MAX_DEPTH {
            return Err(problem(self.at, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        self.at += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.skip_ws();
                }
                Some(b']') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return Err(problem(self.at, "expecting ',' delimiter")),
            }
        }
    }
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
        assert_eq!(report(b"[1,\n2,]")[0], (2, 3, "invalid JSON: expecting a value".to_string()));
        assert_eq!(report(b"")[0].2, "invalid JSON: expecting a value");
        assert_eq!(report(b"{} {}")[0].2, "invalid JSON: extra data after the document");
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
        // As in Python, the first duplicate stops the parse.
        assert_eq!(keys, vec!["duplicate key `a` (first defined at line 1)"]);
        assert_eq!(report(br#"{"q\"": 1, "q\"": 2}"#)[0].2, "duplicate key `q\"` (first defined at line 1)");
    }

    #[test]
    fn python_json_rules() {
        assert!(report(b"[NaN, Infinity, -Infinity, 1e400, -0]").is_empty(), "Python's json accepts these");
        assert!(report(b"\"\\ud800\"").is_empty() && report(b"\"\xed\xa0\x80\"").is_empty(), "lone surrogates");
        assert!(report(b"\xff\xfe[\x001\x00]\x00").is_empty(), "UTF-16 with a BOM");
        assert!(report(b"[\x001\x00]\x00").is_empty(), "UTF-16 without a BOM, detected as Python does");
        for bad in [
            &b"[01]"[..],
            b"[.5]",
            b"[1.]",
            b"[nan]",
            b"[\"\t\"]",
            b"\x0c[]",
            b"\xef\xbb\xbf\xef\xbb\xbf[]",
            b"{\"a\":1,}",
        ] {
            assert_eq!(report(bad).len(), 1, "{}", String::from_utf8_lossy(bad));
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(report(deep.as_bytes())[0].2.contains("nested"));
        let fine = format!("{}{}", "[".repeat(500), "]".repeat(500));
        assert!(report(fine.as_bytes()).is_empty());
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
