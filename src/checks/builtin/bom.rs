//! fix-byte-order-marker: removes a UTF-8 byte-order marker from the start of a file.

use super::sink::Sink;

pub(crate) const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

pub(crate) fn check(buf: &[u8], sink: &mut Sink) {
    if buf.starts_with(UTF8_BOM) {
        sink.error(1, Some(1), "UTF-8 byte-order marker at start of file: would remove it");
    }
}

/// A marker followed by bytes that are not UTF-8: the file is not UTF-8 text with a marker, so
/// it is left alone and reported (pre-commit-hooks fails on it too, with a decoding error).
pub(crate) fn undecodable(buf: &[u8], sink: &mut Sink) -> bool {
    let Some(rest) = buf.strip_prefix(UTF8_BOM) else { return false };
    let Err(err) = std::str::from_utf8(rest) else { return false };
    let (line, column) = super::lines::position(buf, UTF8_BOM.len() + err.valid_up_to());
    sink.error(
        line,
        Some(column),
        "starts with a UTF-8 byte-order marker but is not UTF-8 here; left as is: re-encode the file as UTF-8",
    );
    true
}

/// Drops the marker; every other byte, line endings included, stays as it was.
pub(crate) fn fix(buf: &mut Vec<u8>) -> bool {
    if !buf.starts_with(UTF8_BOM) {
        return false;
    }
    buf.drain(..UTF8_BOM.len());
    true
}

/// `buf` without a leading UTF-8 byte-order marker, for parsers that reject one.
pub(crate) fn strip(buf: &[u8]) -> &[u8] {
    buf.strip_prefix(UTF8_BOM).unwrap_or(buf)
}

/// The text of a document after any byte-order marker, or `None` after reporting where it stops
/// being UTF-8 (`what` names the format in the message). Also the offset the marker took.
pub(crate) fn utf8_text<'a>(buf: &'a [u8], sink: &mut super::sink::Sink, what: &str) -> Option<(&'a str, usize)> {
    let text = strip(buf);
    let skipped = buf.len() - text.len();
    match std::str::from_utf8(text) {
        Ok(text) => Some((text, skipped)),
        Err(err) => {
            let (line, column) = super::lines::position(buf, skipped + err.valid_up_to());
            sink.error(line, Some(column), format!("invalid {what}: the file is not valid UTF-8 here"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(input: &[u8]) -> Vec<u8> {
        let mut buf = input.to_vec();
        assert_eq!(fix(&mut buf), buf != input);
        buf
    }

    #[test]
    fn removes_only_a_leading_marker() {
        assert_eq!(fixed(b"\xef\xbb\xbfa\r\nb"), b"a\r\nb");
        assert_eq!(fixed(b"\xef\xbb\xbf"), b"");
        assert_eq!(fixed(b""), b"");
        assert_eq!(fixed(b"a\xef\xbb\xbf"), b"a\xef\xbb\xbf");
        assert_eq!(fixed(b"\xef\xbb"), b"\xef\xbb");
        // A UTF-16 marker is not ours to touch.
        assert_eq!(fixed(b"\xff\xfea\x00"), b"\xff\xfea\x00");
    }

    #[test]
    fn check_reports_line_one() {
        let mut sink = Sink::new("f", "fix-byte-order-marker");
        check(b"\xef\xbb\xbf{}", &mut sink);
        check(b"{}", &mut sink);
        let diagnostics = sink.finish();
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].line, Some(1));
        assert_eq!(strip(b"\xef\xbb\xbfx"), b"x");
    }
}
