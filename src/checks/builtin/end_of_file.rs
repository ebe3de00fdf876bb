//! end-of-file-fixer: a non-empty file ends with exactly one line ending.

use super::lines::{count_endings, line_number};
use super::sink::Sink;

/// What is wrong with the end of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The last line has no ending; pre-commit-hooks appends `\n` whatever the file uses.
    MissingNewline,
    /// Line endings after the first one that follows the last content; cut at `keep`.
    ExtraEndings { keep: usize },
    /// Nothing but line endings: the file becomes empty.
    OnlyEndings,
}

pub(crate) fn inspect(buf: &[u8]) -> Option<Problem> {
    let &last = buf.last()?;
    if last != b'\n' && last != b'\r' {
        return Some(Problem::MissingNewline);
    }
    let content_end = buf.iter().rposition(|&b| b != b'\n' && b != b'\r').map_or(0, |i| i + 1);
    if content_end == 0 {
        return Some(Problem::OnlyEndings);
    }
    let tail = &buf[content_end..];
    let first = if tail.starts_with(b"\r\n") { 2 } else { 1 };
    (tail.len() > first).then_some(Problem::ExtraEndings { keep: content_end + first })
}

pub(crate) fn check(buf: &[u8], sink: &mut Sink) {
    match inspect(buf) {
        None => {}
        Some(Problem::MissingNewline) => {
            sink.error(line_number(buf, buf.len()), None, "no newline at end of file: would add one");
        }
        Some(Problem::ExtraEndings { keep }) => {
            let extra = count_endings(&buf[keep..]);
            let message = format!("{extra} extra blank line(s) at end of file: would remove them");
            sink.error(line_number(buf, keep), None, message);
        }
        Some(Problem::OnlyEndings) => {
            sink.error(1, None, "file holds only line endings: would empty it");
        }
    }
}

/// Fixes the end of `buf`; returns what was done, or `None` when it was already right.
pub(crate) fn fix(buf: &mut Vec<u8>) -> Option<(u32, String)> {
    let problem = inspect(buf)?;
    Some(match problem {
        Problem::MissingNewline => {
            let line = line_number(buf, buf.len());
            buf.push(b'\n');
            (line, "added a newline at end of file".to_string())
        }
        Problem::ExtraEndings { keep } => {
            let line = line_number(buf, keep);
            let extra = count_endings(&buf[keep..]);
            buf.truncate(keep);
            (line, format!("removed {extra} extra blank line(s) at end of file"))
        }
        Problem::OnlyEndings => {
            buf.clear();
            (1, "emptied a file that held only line endings".to_string())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(input: &[u8]) -> Vec<u8> {
        let mut buf = input.to_vec();
        let changed = fix(&mut buf).is_some();
        assert_eq!(changed, buf != input);
        buf
    }

    #[test]
    fn empty_and_clean_files_are_left_alone() {
        assert_eq!(inspect(b""), None);
        assert_eq!(inspect(b"a\n"), None);
        assert_eq!(inspect(b"a\r\n"), None);
        assert_eq!(inspect(b"a\r"), None);
    }

    #[test]
    fn missing_newline_gets_lf_even_in_crlf_files() {
        assert_eq!(fixed(b"a"), b"a\n");
        assert_eq!(fixed(b"a\r\nb"), b"a\r\nb\n");
        assert_eq!(fixed(b"\xef\xbb\xbf"), b"\xef\xbb\xbf\n");
        assert_eq!(fixed(b"\xff\xfe"), b"\xff\xfe\n");
    }

    #[test]
    fn extra_endings_are_cut_to_the_first() {
        assert_eq!(fixed(b"a\n\n\n"), b"a\n");
        assert_eq!(fixed(b"a\r\n\r\n"), b"a\r\n");
        assert_eq!(fixed(b"a\r\r"), b"a\r");
        assert_eq!(fixed(b"a\n\r\n"), b"a\n");
        assert_eq!(fixed(b"a\r\n\n"), b"a\r\n");
    }

    #[test]
    fn only_endings_become_empty() {
        assert_eq!(fixed(b"\n"), b"");
        assert_eq!(fixed(b"\r\n\n\r"), b"");
    }

    #[test]
    fn huge_line_without_newline() {
        let input = vec![b'y'; 1 << 20];
        assert_eq!(fixed(&input).len(), (1 << 20) + 1);
    }

    #[test]
    fn check_reports_lines() {
        let report = |buf: &[u8]| {
            let mut sink = Sink::new("f", "end-of-file-fixer");
            check(buf, &mut sink);
            sink.finish().into_iter().map(|d| (d.line, d.message)).collect::<Vec<_>>()
        };
        assert_eq!(report(b"a\nb"), vec![(Some(2), "no newline at end of file: would add one".to_string())]);
        assert_eq!(report(b"a\n\n\n")[0], (Some(2), "2 extra blank line(s) at end of file: would remove them".into()));
        assert_eq!(report(b"\n\n")[0].0, Some(1));
        assert!(report(b"ok\n").is_empty());
    }
}
