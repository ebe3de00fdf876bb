//! check-toml: the file parses as TOML 1.0 (as pre-commit-hooks' tomllib reads it), or as TOML
//! 1.1 when the check sets `spec = "1.1"`.

use super::lines::position;
use super::sink::Sink;
use super::OptionError;

/// `spec = "1.0" | "1.1"`: whether TOML 1.1's additions are accepted.
pub(crate) fn spec_1_1(spec: Option<&str>) -> Result<bool, OptionError> {
    match spec {
        None | Some("1.0") => Ok(false),
        Some("1.1") => Ok(true),
        Some(other) => Err(OptionError::new("spec", format!("`spec` is \"1.0\" or \"1.1\", not \"{other}\""))),
    }
}

pub(crate) fn check(buf: &[u8], toml_1_1: bool, sink: &mut Sink) {
    let text = match std::str::from_utf8(buf) {
        Ok(text) => text,
        Err(err) => {
            let (line, column) = position(buf, err.valid_up_to());
            sink.error(line, Some(column), "invalid TOML: the file is not valid UTF-8 here");
            return;
        }
    };
    if let Err(err) = text.parse::<toml::Table>() {
        let offset = err.span().map_or(0, |span| span.start);
        let (line, column) = position(buf, offset);
        let message = err.message().trim_end().to_string();
        sink.error(line, Some(column), format!("invalid TOML: {message}"));
        return;
    }
    if !toml_1_1 {
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        if let Some((offset, what)) = toml_1_1_form(body.as_bytes()) {
            let (line, column) = position(buf, buf.len() - body.len() + offset);
            let message = format!(
                "invalid TOML 1.0: {what} is TOML 1.1; set `spec = \"1.1\"` on the check if your tools read TOML 1.1"
            );
            sink.error(line, Some(column), message);
        }
    }
}

/// The first TOML 1.1 addition in a document that parses: `\e` and `\xHH` escapes, newlines
/// and a trailing comma in an inline table, a time without seconds, a non-ASCII bare key.
fn toml_1_1_form(text: &[u8]) -> Option<(usize, &'static str)> {
    let mut stack: Vec<u8> = Vec::new();
    let mut line_start = true;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        let at_line_start = std::mem::replace(&mut line_start, false);
        match b {
            b'\n' => {
                if stack.last() == Some(&b'{') {
                    return Some((i, "a newline inside an inline table"));
                }
                line_start = true;
            }
            b' ' | b'\t' | b'\r' if at_line_start => line_start = true,
            b'#' => {
                i = text[i..].iter().position(|c| *c == b'\n').map_or(text.len(), |p| i + p);
                continue;
            }
            b'"' | b'\'' => {
                let triple = text[i..].starts_with(&[b; 3]);
                let (end, escape) = string_end(text, i, b, triple);
                if let Some(at) = escape {
                    return Some((at, "the `\\e` or `\\x` escape"));
                }
                i = end;
                continue;
            }
            b'[' if at_line_start && stack.is_empty() => {
                // A table header: nothing of TOML 1.1 happens there.
                i = text[i..].iter().position(|c| *c == b'\n').map_or(text.len(), |p| i + p);
                continue;
            }
            b'{' | b'[' => stack.push(b),
            b'}' | b']' => {
                stack.pop();
            }
            b',' if stack.last() == Some(&b'{') => {
                let next = text[i + 1..].iter().find(|c| !matches!(c, b' ' | b'\t'));
                if next == Some(&b'}') {
                    return Some((i, "a trailing comma in an inline table"));
                }
            }
            b'0'..=b'9' if is_short_time(text, i) => return Some((i, "a time without seconds")),
            0x80.. => return Some((i, "a bare key with non-ASCII characters")),
            _ => {}
        }
        i += 1;
    }
    None
}

/// `HH:MM` at `i`, not part of a longer number or of `HH:MM:SS`.
fn is_short_time(text: &[u8], i: usize) -> bool {
    let digit = |k: usize| text.get(k).is_some_and(u8::is_ascii_digit);
    let prev = i.checked_sub(1).map(|p| text[p]);
    digit(i + 1)
        && text.get(i + 2) == Some(&b':')
        && digit(i + 3)
        && digit(i + 4)
        && !prev.is_some_and(|p| p.is_ascii_digit() || p == b':')
        && !(digit(i + 5) || text.get(i + 5) == Some(&b':'))
}

/// The offset after the string opening at `start`, and the offset of a TOML 1.1 escape in it.
fn string_end(text: &[u8], start: usize, quote: u8, triple: bool) -> (usize, Option<usize>) {
    let mut i = start + if triple { 3 } else { 1 };
    let mut escape = None;
    while i < text.len() {
        let b = text[i];
        if quote == b'"' && b == b'\\' {
            if matches!(text.get(i + 1), Some(b'e' | b'x')) && escape.is_none() {
                escape = Some(i);
            }
            i += 2;
            continue;
        }
        if b == quote && (!triple || text[i..].starts_with(&[quote; 3])) {
            // A closing triple quote may carry up to two more quotes of the content.
            let mut end = i + if triple { 3 } else { 1 };
            while triple && text.get(end) == Some(&quote) && end < i + 5 {
                end += 1;
            }
            return (end, escape);
        }
        i += 1;
    }
    (text.len(), escape)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(buf: &[u8]) -> Option<(u32, u32, String)> {
        let mut sink = Sink::new("f.toml", "check-toml");
        check(buf, false, &mut sink);
        sink.finish().into_iter().next().map(|d| (d.line.unwrap(), d.column.unwrap(), d.message))
    }

    #[test]
    fn valid_toml_passes() {
        assert_eq!(report(b""), None);
        assert_eq!(report(b"a = 1\r\n[t]\r\nb = \"x\"\r\n"), None);
        assert_eq!(report(b"[package]\nname = \"ward\"\n[[bin]]\nname = \"w\"\n"), None);
        let long = format!("k = \"{}\"\n", "v".repeat(1 << 20));
        assert_eq!(report(long.as_bytes()), None);
    }

    #[test]
    fn errors_have_a_position() {
        let (line, column, message) = report(b"a = 1\nb = \n").unwrap();
        assert_eq!(line, 2);
        assert!(column >= 4, "{column}");
        assert!(message.starts_with("invalid TOML:"), "{message}");
        let (line, _, message) = report(b"a = 1\n[t]\nx = 1\n[t]\n").unwrap();
        assert_eq!(line, 4);
        assert!(message.contains("duplicate") || message.contains("redefin"), "{message}");
        assert_eq!(report(b"a = 1\na = 2\n").unwrap().0, 2);
    }

    #[test]
    fn toml_1_1_forms_need_the_option() {
        let forms: [&[u8]; 6] = [
            b"a = \"\\e\"\n",
            b"a = \"\\x41\"\n",
            b"t = {a = 1,\n b = 2}\n",
            b"t = {a = 1,}\n",
            b"d = 1979-05-27T07:32Z\n",
            b"t = 07:32\n",
        ];
        for form in forms {
            let found = report(form).map(|r| r.2).unwrap_or_default();
            assert!(found.contains("TOML 1.1"), "{}: {found}", String::from_utf8_lossy(form));
            let mut sink = Sink::new("f.toml", "check-toml");
            check(form, true, &mut sink);
            assert!(sink.finish().is_empty(), "{} is TOML 1.1", String::from_utf8_lossy(form));
        }
        let fine: [&[u8]; 3] = [
            b"a = \"07:32 \\\\e\"\nb = 07:32:00\nc = 1979-05-27T07:32:00Z\n",
            b"[t]\nx = [\n 1,\n 2,\n]\ny = {a = [1,\n 2]}\n",
            b"a = '''x''''\n# caf\xc3\xa9 12:30\n",
        ];
        for doc in fine {
            assert_eq!(report(doc), None, "{}", String::from_utf8_lossy(doc));
        }
        assert!(spec_1_1(Some("2.0")).is_err());
    }

    #[test]
    fn non_utf8_and_bom() {
        assert_eq!(report(b"a = \"\xff\"\n").unwrap().0, 1);
        // Unlike tomllib, a UTF-8 byte-order marker is accepted (fix-byte-order-marker removes it).
        assert_eq!(report(b"\xef\xbb\xbfa = 1\n"), None);
        assert_eq!(report(b"\xef\xbb\xbfa = 1\nb =\n").map(|r| r.0), Some(2));
    }
}
