//! trailing-whitespace: strips whitespace before each line ending, keeping Markdown hard breaks.

use std::fmt;

use super::lines::{line_at, lines, to_u32, Line};
use super::sink::Sink;
use super::OptionError;
use crate::select::identify::Tag;
use crate::select::FileEntry;

/// Validated options of `trailing-whitespace`.
#[derive(Clone, Debug)]
pub struct TrailingWhitespaceOptions {
    strip: ByteSet,
    markdown: MarkdownFiles,
}

/// Which files keep a Markdown hard line break (exactly two trailing spaces).
#[derive(Clone, Debug, PartialEq, Eq)]
enum MarkdownFiles {
    /// Files typed `markdown`: the default, unlike pre-commit-hooks where it is opt-in.
    MarkdownType,
    /// `markdown_linebreak_ext = ["*"]`.
    All,
    /// Lowercase extensions without the dot; empty turns the exception off.
    Extensions(Vec<String>),
}

/// Bytes to strip, one bit each.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn from_bytes(bytes: &[u8]) -> Self {
        let mut set = ByteSet([0; 4]);
        for &b in bytes {
            set.0[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        set
    }

    #[inline]
    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

impl fmt::Debug for ByteSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes: Vec<u8> = (0..=255u8).filter(|b| self.contains(*b)).collect();
        write!(f, "ByteSet({:?})", String::from_utf8_lossy(&bytes))
    }
}

/// What pre-commit-hooks strips by default: Python's `bytes.rstrip()` whitespace, minus the line
/// endings that are never part of a line's content here.
const DEFAULT_STRIP: &[u8] = b" \t\x0b\x0c";

/// The result of trimming one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Trim {
    /// Bytes of the original content kept.
    keep: usize,
    /// Whether two spaces follow the kept bytes (a Markdown hard break).
    hard_break: bool,
}

impl Trim {
    fn changes(&self, len: usize) -> bool {
        if self.hard_break {
            self.keep + 2 != len
        } else {
            self.keep != len
        }
    }
}

/// What `fix` changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fixed {
    pub lines: usize,
    pub first_line: u32,
}

impl TrailingWhitespaceOptions {
    pub(crate) fn new(chars: Option<&str>, markdown_ext: Option<&[String]>) -> Result<Self, OptionError> {
        let strip = match chars {
            None => ByteSet::from_bytes(DEFAULT_STRIP),
            Some(chars) => ByteSet::from_bytes(validate_chars(chars)?),
        };
        let markdown = match markdown_ext {
            None => MarkdownFiles::MarkdownType,
            Some(exts) => parse_extensions(exts)?,
        };
        Ok(TrailingWhitespaceOptions { strip, markdown })
    }

    /// Whether `file` keeps Markdown hard line breaks.
    pub(crate) fn keeps_hard_breaks(&self, file: &FileEntry) -> bool {
        match &self.markdown {
            MarkdownFiles::MarkdownType => file.types.contains(Tag::MARKDOWN),
            MarkdownFiles::All => true,
            MarkdownFiles::Extensions(exts) => {
                let name = file.path.rsplit('/').next().unwrap_or(&file.path);
                match name.rsplit_once('.') {
                    Some((stem, ext)) if !stem.is_empty() => exts.iter().any(|e| e.eq_ignore_ascii_case(ext)),
                    _ => false,
                }
            }
        }
    }

    #[inline]
    fn rstrip_len(&self, content: &[u8]) -> usize {
        content.iter().rposition(|&b| !self.strip.contains(b)).map_or(0, |i| i + 1)
    }

    #[inline]
    fn trim(&self, content: &[u8], markdown: bool) -> Trim {
        let len = content.len();
        let hard_break = markdown && content.ends_with(b"  ");
        // Testing the last byte first keeps the common, clean line to one comparison.
        if !hard_break && !content.last().is_some_and(|&b| self.strip.contains(b)) {
            return Trim { keep: len, hard_break: false };
        }
        if hard_break && !content.iter().all(|&b| is_python_space(b)) {
            return Trim { keep: self.rstrip_len(&content[..len - 2]), hard_break: true };
        }
        Trim { keep: self.rstrip_len(content), hard_break: false }
    }

    /// Reports every line with trailing whitespace, changing nothing.
    pub(crate) fn check(&self, buf: &[u8], markdown: bool, sink: &mut Sink) {
        for (index, line) in lines(buf).enumerate() {
            let trim = self.trim(&buf[line.start..line.end], markdown);
            if trim.changes(line.end - line.start) {
                let column = to_u32(trim.keep + 1);
                sink.error(to_u32(index + 1), Some(column), "trailing whitespace: would remove it");
            }
        }
    }

    /// Strips trailing whitespace in place, compacting the buffer; `None` when nothing changed.
    pub(crate) fn fix(&self, buf: &mut Vec<u8>, markdown: bool) -> Option<Fixed> {
        let (first_index, first) = self.first_change(buf, markdown)?;
        let mut fixed = Fixed { lines: 0, first_line: to_u32(first_index + 1) };
        let mut write = first.start;
        let mut next = Some(first);
        while let Some(line) = next {
            let trim = self.trim(&buf[line.start..line.end], markdown);
            if trim.changes(line.end - line.start) {
                fixed.lines += 1;
            }
            // The write cursor never passes the read cursor, so the bytes still to be read
            // (this line's ending and everything after it) are intact when copied.
            buf.copy_within(line.start..line.start + trim.keep, write);
            write += trim.keep;
            if trim.hard_break {
                buf[write..write + 2].copy_from_slice(b"  ");
                write += 2;
            }
            buf.copy_within(line.end..line.next(), write);
            write += line.eol;
            next = line_at(buf, line.next());
        }
        buf.truncate(write);
        Some(fixed)
    }

    fn first_change(&self, buf: &[u8], markdown: bool) -> Option<(usize, Line)> {
        lines(buf)
            .enumerate()
            .find(|(_, line)| self.trim(&buf[line.start..line.end], markdown).changes(line.end - line.start))
    }
}

/// Python's `bytes.isspace()` set, which decides whether a Markdown line is blank.
fn is_python_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn validate_chars(chars: &str) -> Result<&[u8], OptionError> {
    if chars.is_empty() {
        return Err(OptionError::new("chars", "`chars` is empty, so nothing would be stripped"));
    }
    if !chars.is_ascii() {
        return Err(OptionError::new("chars", "`chars` must contain only ASCII characters"));
    }
    if chars.contains(['\n', '\r']) {
        return Err(OptionError::new("chars", "`chars` cannot contain line endings; they are always kept"));
    }
    Ok(chars.as_bytes())
}

fn parse_extensions(exts: &[String]) -> Result<MarkdownFiles, OptionError> {
    let mut parsed = Vec::new();
    for ext in exts.iter().flat_map(|e| e.split(',')) {
        let ext = ext.trim().trim_start_matches('.').to_ascii_lowercase();
        if ext == "*" {
            return Ok(MarkdownFiles::All);
        }
        if ext.is_empty() || ext.contains(['.', '/', '\\', ':']) {
            return Err(OptionError::new(
                "markdown_linebreak_ext",
                format!("`{ext}` is not a file extension (expected something like \"md\", or \"*\" for every file)"),
            ));
        }
        parsed.push(ext);
    }
    Ok(MarkdownFiles::Extensions(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::identify::TagSet;
    use std::path::PathBuf;

    fn opts() -> TrailingWhitespaceOptions {
        TrailingWhitespaceOptions::new(None, None).unwrap()
    }

    fn fix_with(o: &TrailingWhitespaceOptions, input: &[u8], markdown: bool) -> Vec<u8> {
        let mut buf = input.to_vec();
        let changed = o.fix(&mut buf, markdown).is_some();
        assert_eq!(changed, buf != input, "fix() must report a change exactly when bytes change");
        buf
    }

    fn fix(input: &[u8]) -> Vec<u8> {
        fix_with(&opts(), input, false)
    }

    fn check_lines(o: &TrailingWhitespaceOptions, input: &[u8], markdown: bool) -> Vec<(u32, u32)> {
        let mut sink = Sink::new("f", "trailing-whitespace");
        o.check(input, markdown, &mut sink);
        sink.finish().iter().map(|d| (d.line.unwrap(), d.column.unwrap())).collect()
    }

    fn entry(path: &str, types: &[Tag]) -> FileEntry {
        FileEntry {
            rel: PathBuf::from(path),
            path: path.into(),
            types: types.iter().copied().collect(),
            size: 0,
            stat: Default::default(),
        }
    }

    #[test]
    fn strips_before_every_ending_and_keeps_it() {
        assert_eq!(fix(b""), b"");
        assert_eq!(fix(b"a \nb\t\r\nc \x0c"), b"a\nb\r\nc");
        assert_eq!(fix(b"clean\nlines\n"), b"clean\nlines\n");
        assert_eq!(fix(b"   \n\t\n"), b"\n\n");
        assert_eq!(fix(b"no final newline   "), b"no final newline");
    }

    #[test]
    fn cr_only_files_keep_their_endings() {
        assert_eq!(fix(b"a \rb\t\rc"), b"a\rb\rc");
    }

    #[test]
    fn keeps_bom_and_non_utf8_bytes() {
        assert_eq!(fix(b"\xef\xbb\xbfx \n"), b"\xef\xbb\xbfx\n");
        assert_eq!(fix(b"\xff\xfe \n\xc3\x28\t\n"), b"\xff\xfe\n\xc3\x28\n");
        // Non-breaking space is not ASCII whitespace: left alone, as pre-commit-hooks does on bytes.
        assert_eq!(fix("a\u{a0}\n".as_bytes()), "a\u{a0}\n".as_bytes());
    }

    #[test]
    fn huge_line() {
        let mut input = vec![b'x'; 1 << 20];
        input.extend_from_slice(b"   \n");
        let out = fix(&input);
        assert_eq!(out.len(), (1 << 20) + 1);
        assert_eq!(check_lines(&opts(), &input, false), vec![(1, (1 << 20) + 1)]);
    }

    #[test]
    fn markdown_hard_breaks() {
        let o = opts();
        assert_eq!(fix_with(&o, b"line  \nnext\n", true), b"line  \nnext\n");
        assert_eq!(fix_with(&o, b"line   \n", true), b"line  \n");
        assert_eq!(fix_with(&o, b"line\t  \r\n", true), b"line  \r\n");
        assert_eq!(fix_with(&o, b"    \n", true), b"\n");
        assert_eq!(fix_with(&o, b"line \n", true), b"line\n");
        assert_eq!(fix_with(&o, b"line  \n", false), b"line\n");
        assert_eq!(check_lines(&o, b"ok  \nbad   \n", true), vec![(2, 4)]);
    }

    #[test]
    fn markdown_files_by_type_by_default_and_by_extension_when_configured() {
        let md = entry("docs/README.md", &[Tag::TEXT, Tag::MARKDOWN]);
        let txt = entry("notes.txt", &[Tag::TEXT]);
        assert!(opts().keeps_hard_breaks(&md));
        assert!(!opts().keeps_hard_breaks(&txt));
        let exts = TrailingWhitespaceOptions::new(None, Some(&[".TXT".into()])).unwrap();
        assert!(exts.keeps_hard_breaks(&txt));
        assert!(!exts.keeps_hard_breaks(&md));
        let none = TrailingWhitespaceOptions::new(None, Some(&[])).unwrap();
        assert!(!none.keeps_hard_breaks(&md));
        let all = TrailingWhitespaceOptions::new(None, Some(&["*".into()])).unwrap();
        assert!(all.keeps_hard_breaks(&entry("Makefile", &[])));
        assert!(!exts.keeps_hard_breaks(&FileEntry { types: TagSet::empty(), ..entry(".txt", &[]) }));
    }

    #[test]
    fn chars_option_limits_what_is_stripped() {
        let o = TrailingWhitespaceOptions::new(Some("x "), None).unwrap();
        assert_eq!(fix_with(&o, b"ax x\nb\t\n", false), b"a\nb\t\n");
        assert!(TrailingWhitespaceOptions::new(Some(""), None).is_err());
        assert!(TrailingWhitespaceOptions::new(Some("\u{a0}"), None).is_err());
        assert_eq!(TrailingWhitespaceOptions::new(Some("\n"), None).unwrap_err().key, Some("chars"));
    }

    #[test]
    fn check_reports_line_and_column_and_changes_nothing() {
        let input = b"ok\nbad  \r\nfine\n\t\n";
        assert_eq!(check_lines(&opts(), input, false), vec![(2, 4), (4, 1)]);
        assert!(check_lines(&opts(), b"", false).is_empty());
    }

    #[test]
    fn fix_counts_lines() {
        let mut buf = b"a\nb \nc\nd\t\n".to_vec();
        assert_eq!(opts().fix(&mut buf, false), Some(Fixed { lines: 2, first_line: 2 }));
    }
}
