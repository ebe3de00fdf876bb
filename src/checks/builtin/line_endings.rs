//! mixed-line-ending: finds files mixing LF, CRLF and CR, and converts them to one ending.

use memchr::memchr;

use super::lines::{ending, lines, to_u32, Ending};
use super::sink::Sink;
use super::OptionError;

/// The `fix` option of `mixed-line-ending`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEndingFix {
    /// Convert mixed files to their most common ending.
    Auto,
    /// Convert every ending to LF.
    Lf,
    /// Convert every ending to CRLF.
    Crlf,
    /// Only report mixed files.
    No,
}

impl LineEndingFix {
    pub(crate) fn parse(value: Option<&str>) -> Result<Self, OptionError> {
        Ok(match value {
            None | Some("auto") => LineEndingFix::Auto,
            Some("lf") => LineEndingFix::Lf,
            Some("crlf") => LineEndingFix::Crlf,
            Some("no") => LineEndingFix::No,
            Some(other) => {
                return Err(OptionError::new(
                    "fix",
                    format!("`fix` must be one of \"auto\", \"lf\", \"crlf\", \"no\", not \"{other}\""),
                ))
            }
        })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    cr: usize,
    crlf: usize,
    lf: usize,
}

impl Counts {
    fn of(buf: &[u8]) -> Counts {
        // Without a `\r` every ending is LF: one fast scan settles most files.
        if memchr(b'\r', buf).is_none() {
            return Counts { lf: memchr::memchr_iter(b'\n', buf).count(), ..Counts::default() };
        }
        let mut counts = Counts::default();
        for line in lines(buf) {
            match ending(buf, &line) {
                Some(Ending::Cr) => counts.cr += 1,
                Some(Ending::CrLf) => counts.crlf += 1,
                Some(Ending::Lf) => counts.lf += 1,
                None => {}
            }
        }
        counts
    }

    fn get(&self, kind: Ending) -> usize {
        match kind {
            Ending::Cr => self.cr,
            Ending::CrLf => self.crlf,
            Ending::Lf => self.lf,
        }
    }

    fn kinds(&self) -> usize {
        [self.cr, self.crlf, self.lf].iter().filter(|n| **n > 0).count()
    }

    /// The most common ending; ties go to LF, then CRLF, then CR, as in pre-commit-hooks.
    fn most_common(&self) -> Ending {
        let mut best = Ending::Lf;
        let mut best_count = 0;
        for kind in [Ending::Cr, Ending::CrLf, Ending::Lf] {
            if self.get(kind) >= best_count {
                best = kind;
                best_count = self.get(kind);
            }
        }
        best
    }

    fn describe(&self) -> String {
        let parts: Vec<String> = [Ending::Lf, Ending::CrLf, Ending::Cr]
            .into_iter()
            .filter(|k| self.get(*k) > 0)
            .map(|k| format!("{} {}", self.get(k), k.name()))
            .collect();
        parts.join(", ")
    }
}

/// What the file needs: the ending to convert to (if any) and whether it is mixed.
struct Verdict {
    counts: Counts,
    target: Option<Ending>,
    mixed: bool,
}

fn judge(fix: LineEndingFix, buf: &[u8]) -> Verdict {
    // Without a `\r` every ending is LF, which only `fix = "crlf"` needs to look at further.
    if fix != LineEndingFix::Crlf && memchr(b'\r', buf).is_none() {
        return Verdict { counts: Counts::default(), target: None, mixed: false };
    }
    let counts = Counts::of(buf);
    let mixed = counts.kinds() > 1;
    let target = match fix {
        LineEndingFix::No => None,
        LineEndingFix::Auto => mixed.then(|| counts.most_common()),
        LineEndingFix::Lf => (counts.cr + counts.crlf > 0).then_some(Ending::Lf),
        LineEndingFix::Crlf => (counts.cr + counts.lf > 0).then_some(Ending::CrLf),
    };
    Verdict { counts, target, mixed }
}

/// The first line whose ending is not `target`.
fn first_other(buf: &[u8], target: Ending) -> u32 {
    lines(buf).position(|l| ending(buf, &l).is_some_and(|e| e != target)).map_or(1, |i| to_u32(i + 1))
}

pub(crate) fn check(fix: LineEndingFix, buf: &[u8], sink: &mut Sink) {
    let verdict = judge(fix, buf);
    let counts = verdict.counts.describe();
    match (fix, verdict.target) {
        (LineEndingFix::No, _) if verdict.mixed => {
            let line = first_other(buf, verdict.counts.most_common());
            sink.error(line, None, format!("mixed line endings ({counts}): convert them to one style"));
        }
        (_, Some(target)) => {
            let others = lines(buf).filter(|l| ending(buf, l).is_some_and(|e| e != target)).count();
            let line = first_other(buf, target);
            let what = if verdict.mixed { "mixed line endings" } else { "line endings" };
            let message = format!("{what} ({counts}): would convert {others} to {}", target.name());
            sink.error(line, None, message);
        }
        _ => {}
    }
}

/// Converts every ending to the target; returns the first converted line and a summary.
pub(crate) fn fix(fix: LineEndingFix, buf: &mut Vec<u8>) -> Option<(u32, String)> {
    let verdict = judge(fix, buf);
    let target = verdict.target?;
    let line = first_other(buf, target);
    let mut out = Vec::with_capacity(buf.len() + buf.len() / 32);
    let mut converted = 0;
    for l in lines(buf) {
        out.extend_from_slice(&buf[l.start..l.end]);
        match ending(buf, &l) {
            Some(kind) => {
                converted += usize::from(kind != target);
                out.extend_from_slice(target.bytes());
            }
            // pre-commit-hooks ends every line of a file it rewrites, the last one too.
            None if l.end > l.start => out.extend_from_slice(target.bytes()),
            None => {}
        }
    }
    *buf = out;
    Some((line, format!("converted {converted} line ending(s) to {}", target.name())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(mode: LineEndingFix, input: &[u8]) -> Vec<u8> {
        let mut buf = input.to_vec();
        let changed = fix(mode, &mut buf).is_some();
        assert_eq!(changed, buf != input);
        buf
    }

    fn messages(mode: LineEndingFix, input: &[u8]) -> Vec<(Option<u32>, String)> {
        let mut sink = Sink::new("f", "mixed-line-ending");
        check(mode, input, &mut sink);
        sink.finish().into_iter().map(|d| (d.line, d.message)).collect()
    }

    #[test]
    fn auto_converts_mixed_files_to_the_majority() {
        assert_eq!(fixed(LineEndingFix::Auto, b"a\r\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(fixed(LineEndingFix::Auto, b"a\nb\nc\r\n"), b"a\nb\nc\n");
        assert_eq!(fixed(LineEndingFix::Auto, b"a\rb\rc\n"), b"a\rb\rc\r");
    }

    #[test]
    fn ties_prefer_lf_then_crlf_then_cr() {
        assert_eq!(fixed(LineEndingFix::Auto, b"a\r\nb\n"), b"a\nb\n");
        assert_eq!(fixed(LineEndingFix::Auto, b"a\rb\r\n"), b"a\r\nb\r\n");
        assert_eq!(fixed(LineEndingFix::Auto, b"a\rb\r\nc\n"), b"a\nb\nc\n");
    }

    #[test]
    fn auto_leaves_consistent_files_alone() {
        for input in [&b""[..], b"x", b"a\nb\n", b"a\r\nb\r\n", b"a\rb\r", b"no ending at all"] {
            assert_eq!(fixed(LineEndingFix::Auto, input), input);
        }
    }

    #[test]
    fn forced_endings() {
        assert_eq!(fixed(LineEndingFix::Lf, b"a\r\nb\r\n"), b"a\nb\n");
        // A rewritten file's last line gets the ending too, as pre-commit-hooks does.
        assert_eq!(fixed(LineEndingFix::Crlf, b"a\nb\rc"), b"a\r\nb\r\nc\r\n");
        assert_eq!(fixed(LineEndingFix::Auto, b"a\r\nb\r\nc\nd"), b"a\r\nb\r\nc\r\nd\r\n");
        assert_eq!(fixed(LineEndingFix::Crlf, b"a\r\n"), b"a\r\n");
        assert_eq!(fixed(LineEndingFix::Lf, b"\xef\xbb\xbf\xff\r\n"), b"\xef\xbb\xbf\xff\n");
    }

    #[test]
    fn no_only_reports() {
        assert_eq!(fixed(LineEndingFix::No, b"a\r\nb\n"), b"a\r\nb\n");
        assert_eq!(
            messages(LineEndingFix::No, b"a\nb\r\nc\n"),
            vec![(Some(2), "mixed line endings (2 LF, 1 CRLF): convert them to one style".to_string())]
        );
        assert!(messages(LineEndingFix::No, b"a\r\nb\r\n").is_empty());
    }

    #[test]
    fn check_points_at_the_first_line_to_convert() {
        assert_eq!(
            messages(LineEndingFix::Auto, b"a\r\nb\nc\r\nd\r\n"),
            vec![(Some(2), "mixed line endings (1 LF, 3 CRLF): would convert 1 to CRLF".to_string())]
        );
        assert_eq!(messages(LineEndingFix::Lf, b"a\r\n")[0].1, "line endings (1 CRLF): would convert 1 to LF");
    }

    #[test]
    fn huge_line() {
        let mut input = vec![b'z'; 1 << 20];
        input.extend_from_slice(b"\r\nend\n");
        assert_eq!(fixed(LineEndingFix::Auto, &input).len(), input.len() - 1);
    }

    #[test]
    fn parses_the_option() {
        assert_eq!(LineEndingFix::parse(None), Ok(LineEndingFix::Auto));
        assert_eq!(LineEndingFix::parse(Some("crlf")), Ok(LineEndingFix::Crlf));
        assert_eq!(LineEndingFix::parse(Some("CRLF")).unwrap_err().key, Some("fix"));
    }
}
