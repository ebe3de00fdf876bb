//! The lines a change adds, from `git diff -U0`: what `forbid-patterns` looks at.

use std::collections::HashMap;

use anyhow::Result;

use super::Repo;

/// Added lines per repository-relative path: (line number in the new file, text).
pub type AddedLines = HashMap<String, Vec<(u32, String)>>;

/// At most this many bytes of one added line are kept (a minified file's one line).
const MAX_LINE: usize = 64 * 1024;

/// The lines staged for commit (`range = None`) or added in `from...to`.
pub fn added_lines(repo: &Repo, range: Option<(&str, &str)>) -> Result<AddedLines> {
    let mut args = vec![
        "diff".to_string(),
        "-U0".into(),
        "--no-color".into(),
        "--no-ext-diff".into(),
        "--no-textconv".into(),
        "--no-renames".into(),
        "--diff-filter=ACMRTUXB".into(),
        "--src-prefix=a/".into(),
        "--dst-prefix=b/".into(),
    ];
    match range {
        None => args.push("--cached".into()),
        Some((from, to)) => args.push(format!("{from}...{to}")),
    }
    args.push("--".into());
    Ok(parse(&repo.output(&args)?))
}

/// Parses unified diff output with no context lines, trusting the hunk counts rather than the
/// line prefixes, so an added line that reads `+++ b/x` is still content.
pub fn parse(out: &[u8]) -> AddedLines {
    let mut added = AddedLines::new();
    let mut path: Option<String> = None;
    let mut lines = out.split(|b| *b == b'\n').peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix(b"+++ ") {
            path = unquote(rest).and_then(|p| p.strip_prefix("b/").map(str::to_string));
            continue;
        }
        let Some(header) = line.strip_prefix(b"@@ ") else { continue };
        let Some((start, count)) = new_range(header) else { continue };
        let (mut new_left, mut number) = (count, start);
        // Old lines come first in a -U0 hunk, then new ones; `\ No newline` notes may follow either.
        while new_left > 0 {
            let Some(body) = lines.next() else { break };
            if body.first() == Some(&b'+') {
                if let Some(path) = &path {
                    let text = &body[1..body.len().min(MAX_LINE)];
                    added.entry(path.clone()).or_default().push((number, String::from_utf8_lossy(text).into_owned()));
                }
                number += 1;
                new_left -= 1;
            }
        }
    }
    added
}

/// `+c,d` of `-a,b +c,d @@`: the first new line and how many new lines follow.
fn new_range(header: &[u8]) -> Option<(u32, u32)> {
    let text = std::str::from_utf8(header).ok()?;
    let plus = text.split(' ').find(|w| w.starts_with('+'))?;
    let mut parts = plus[1..].splitn(2, ',');
    let start = parts.next()?.parse().ok()?;
    let count = match parts.next() {
        Some(c) => c.parse().ok()?,
        None => 1,
    };
    Some((start, count))
}

/// A diff header path: as is, or C-quoted (`"b/a\tb"`) when it holds unusual bytes.
fn unquote(raw: &[u8]) -> Option<String> {
    let raw = raw.strip_suffix(b"\t").unwrap_or(raw);
    let Some(inner) = raw.strip_prefix(b"\"").and_then(|r| r.strip_suffix(b"\"")) else {
        return Some(String::from_utf8_lossy(raw).into_owned()).filter(|p| p != "/dev/null");
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next()? {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            d @ b'0'..=b'7' => {
                let (d2, d3) = (bytes.next()?, bytes.next()?);
                let value = (u32::from(d - b'0') << 6)
                    | (u32::from(d2.wrapping_sub(b'0')) << 3)
                    | u32::from(d3.wrapping_sub(b'0'));
                out.push(u8::try_from(value).ok()?);
            }
            other => out.push(other),
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_added_lines_by_count() {
        let diff = b"diff --git a/a.php b/a.php\nindex 1..2 100644\n--- a/a.php\n+++ b/a.php\n@@ -2,0 +3,2 @@ x\n+var_dump($x);\n+++ b/not-a-header\n@@ -9 +10 @@\n-old\n+new\n\\ No newline at end of file\ndiff --git \"a/we\\\"ird\\303\\251.js\" \"b/we\\\"ird\\303\\251.js\"\n--- /dev/null\n+++ \"b/we\\\"ird\\303\\251.js\"\n@@ -0,0 +1 @@\n+debugger;\n";
        let added = parse(diff);
        assert_eq!(
            added["a.php"],
            [(3, "var_dump($x);".to_string()), (4, "++ b/not-a-header".to_string()), (10, "new".to_string())]
        );
        assert_eq!(added["we\"irdé.js"], [(1, "debugger;".to_string())]);
        assert_eq!(added.len(), 2);
    }
}
