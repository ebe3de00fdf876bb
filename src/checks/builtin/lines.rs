//! Line splitting over raw bytes: `\n`, `\r\n` and a lone `\r` all end a line.

use memchr::{memchr2, memchr2_iter, memrchr2};

/// One line of a buffer, as byte offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub start: usize,
    /// End of the content, where the line ending (if any) begins.
    pub end: usize,
    /// Length of the line ending: 0 (last line without one), 1 or 2.
    pub eol: usize,
}

impl Line {
    /// Offset just past the line ending.
    pub fn next(&self) -> usize {
        self.end + self.eol
    }
}

/// The line ending kinds, in the order pre-commit-hooks ranks ties (last wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    Cr,
    CrLf,
    Lf,
}

impl Ending {
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Ending::Cr => b"\r",
            Ending::CrLf => b"\r\n",
            Ending::Lf => b"\n",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Ending::Cr => "CR",
            Ending::CrLf => "CRLF",
            Ending::Lf => "LF",
        }
    }
}

/// The line starting at `start`, or `None` at the end of the buffer.
#[inline]
pub(crate) fn line_at(buf: &[u8], start: usize) -> Option<Line> {
    if start >= buf.len() {
        return None;
    }
    Some(match memchr2(b'\n', b'\r', &buf[start..]) {
        None => Line { start, end: buf.len(), eol: 0 },
        Some(i) => {
            let end = start + i;
            let eol = if buf[end] == b'\r' && buf.get(end + 1) == Some(&b'\n') { 2 } else { 1 };
            Line { start, end, eol }
        }
    })
}

/// Iterates the lines of `buf`; an empty buffer has none, and a final line ending does not
/// start another (empty) line.
pub(crate) fn lines(buf: &[u8]) -> impl Iterator<Item = Line> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let line = line_at(buf, pos)?;
        pos = line.next();
        Some(line)
    })
}

/// The ending of `line` in `buf`, if it has one.
#[inline]
pub(crate) fn ending(buf: &[u8], line: &Line) -> Option<Ending> {
    match line.eol {
        0 => None,
        2 => Some(Ending::CrLf),
        _ if buf[line.end] == b'\n' => Some(Ending::Lf),
        _ => Some(Ending::Cr),
    }
}

/// How many line endings `buf` holds (a `\r\n` counts once).
pub(crate) fn count_endings(buf: &[u8]) -> usize {
    memchr2_iter(b'\n', b'\r', buf).filter(|&i| !(buf[i] == b'\r' && buf.get(i + 1) == Some(&b'\n'))).count()
}

/// The 1-based line number of byte `offset`.
pub(crate) fn line_number(buf: &[u8], offset: usize) -> u32 {
    let offset = offset.min(buf.len());
    // A `\r` right before `offset` may be the first half of a `\r\n` that ends this same line.
    let mut count = count_endings(&buf[..offset]);
    if offset > 0 && buf[offset - 1] == b'\r' && buf.get(offset) == Some(&b'\n') {
        count -= 1;
    }
    to_u32(count + 1)
}

/// The 1-based line and byte column of `offset`.
pub(crate) fn position(buf: &[u8], offset: usize) -> (u32, u32) {
    let offset = offset.min(buf.len());
    let line_start = memrchr2(b'\n', b'\r', &buf[..offset]).map_or(0, |i| i + 1);
    (line_number(buf, offset), to_u32(offset - line_start + 1))
}

pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(buf: &[u8]) -> Vec<(&[u8], usize)> {
        lines(buf).map(|l| (&buf[l.start..l.end], l.eol)).collect()
    }

    #[test]
    fn splits_on_every_ending() {
        assert!(split(b"").is_empty());
        assert_eq!(split(b"a"), vec![(&b"a"[..], 0)]);
        assert_eq!(split(b"a\n"), vec![(&b"a"[..], 1)]);
        assert_eq!(split(b"a\r\nb\rc\nd"), vec![(&b"a"[..], 2), (&b"b"[..], 1), (&b"c"[..], 1), (&b"d"[..], 0)]);
        assert_eq!(split(b"\n\n"), vec![(&b""[..], 1), (&b""[..], 1)]);
        assert_eq!(split(b"a\r\r\n"), vec![(&b"a"[..], 1), (&b""[..], 2)]);
    }

    #[test]
    fn endings_and_numbers() {
        let buf = b"a\r\nb\rc\n";
        let kinds: Vec<_> = lines(buf).map(|l| ending(buf, &l)).collect();
        assert_eq!(kinds, vec![Some(Ending::CrLf), Some(Ending::Cr), Some(Ending::Lf)]);
        assert_eq!(count_endings(buf), 3);
        assert_eq!(line_number(buf, 0), 1);
        assert_eq!(line_number(buf, 1), 1);
        assert_eq!(line_number(buf, 2), 1);
        assert_eq!(line_number(buf, 3), 2);
        assert_eq!(line_number(buf, 5), 3);
        assert_eq!(position(buf, 6), (3, 2));
        assert_eq!(position(b"xy", 1), (1, 2));
    }
}
