//! check-merge-conflict: finds complete conflict blocks, so a lone `=======` underline passes.

use memchr::memmem;

use super::lines::{lines, to_u32};
use super::sink::Sink;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    Ours,
    Base,
    Separator,
    Theirs,
}

/// The marker a line starts with: seven marker characters, then a space or the end of the line.
fn marker(content: &[u8]) -> Option<Marker> {
    let (head, rest) = content.split_at_checked(7)?;
    if !(rest.is_empty() || rest[0] == b' ') {
        return None;
    }
    match head {
        b"<<<<<<<" => Some(Marker::Ours),
        b"|||||||" => Some(Marker::Base),
        b"=======" => Some(Marker::Separator),
        b">>>>>>>" => Some(Marker::Theirs),
        _ => None,
    }
}

/// Where we are inside a possible conflict block; line numbers of the markers seen so far.
#[derive(Clone, Copy, Debug)]
enum State {
    Outside,
    Ours { start: u32 },
    Base { start: u32, base: u32 },
    Theirs { start: u32, base: Option<u32>, separator: u32 },
}

pub(crate) fn check(buf: &[u8], sink: &mut Sink) {
    // Nearly every file has no opening marker at all: one vectorised search settles it.
    if memmem::find(buf, b"<<<<<<<").is_none() {
        return;
    }
    let mut state = State::Outside;
    for (index, line) in lines(buf).enumerate() {
        let Some(found) = marker(&buf[line.start..line.end]) else { continue };
        let n = to_u32(index + 1);
        state = match (state, found) {
            (_, Marker::Ours) => State::Ours { start: n },
            (State::Ours { start }, Marker::Base) => State::Base { start, base: n },
            (State::Ours { start }, Marker::Separator) => State::Theirs { start, base: None, separator: n },
            (State::Base { start, base }, Marker::Separator) => State::Theirs { start, base: Some(base), separator: n },
            (State::Theirs { start, base, separator }, Marker::Theirs) => {
                report(sink, start, base, separator, n);
                State::Outside
            }
            (State::Theirs { .. }, _) => state,
            (_, Marker::Theirs) => State::Outside,
            _ => state,
        };
    }
}

fn report(sink: &mut Sink, start: u32, base: Option<u32>, separator: u32, end: u32) {
    let base = base.map(|b| format!(", `|||||||` at line {b}")).unwrap_or_default();
    let message = format!(
        "unresolved merge conflict: `<<<<<<<` at line {start}{base}, `=======` at line {separator}, \
`>>>>>>>` at line {end}; keep the right side and delete the markers"
    );
    sink.error(start, Some(1), message);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(buf: &[u8]) -> Vec<(u32, String)> {
        let mut sink = Sink::new("f", "check-merge-conflict");
        check(buf, &mut sink);
        sink.finish().into_iter().map(|d| (d.line.unwrap(), d.message)).collect()
    }

    #[test]
    fn finds_a_real_block() {
        let input = b"a\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> branch\nb\n";
        let found = blocks(input);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 2);
        assert!(found[0].1.contains("`=======` at line 4, `>>>>>>>` at line 6"), "{}", found[0].1);
    }

    #[test]
    fn finds_diff3_blocks_with_crlf_and_bare_markers() {
        let input = b"<<<<<<<\r\nours\r\n||||||| base\r\nold\r\n=======\r\ntheirs\r\n>>>>>>>\r\n";
        let found = blocks(input);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("`|||||||` at line 3"));
    }

    #[test]
    fn underlines_and_partial_blocks_pass() {
        assert!(blocks(b"Title\n=======\n\ntext\n").is_empty());
        assert!(blocks(b"<<<<<<< only an opener\n").is_empty());
        assert!(blocks(b"<<<<<<< a\n>>>>>>> b\n=======\n").is_empty());
        assert!(blocks(b"x <<<<<<< not at start\n=======\n>>>>>>> y\n").is_empty());
        assert!(blocks(b"<<<<<<<< eight\n=======\n>>>>>>> y\n").is_empty());
        assert!(blocks(b"").is_empty());
    }

    #[test]
    fn a_new_opener_restarts_and_several_blocks_are_all_found() {
        let input = b"<<<<<<< stray\n<<<<<<< a\n1\n=======\n2\n>>>>>>> b\n<<<<<<< c\n=======\n>>>>>>> d";
        let lines: Vec<u32> = blocks(input).into_iter().map(|b| b.0).collect();
        assert_eq!(lines, vec![2, 7]);
    }

    #[test]
    fn binaryish_and_cr_only_content() {
        assert_eq!(blocks(b"\xff<<<<<<<\r<<<<<<< x\r\xfe\r=======\r>>>>>>> y\r").len(), 1);
    }

    #[test]
    fn huge_lines() {
        let mut input = b"<<<<<<< a\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 1 << 20));
        input.extend_from_slice(b"\n=======\n>>>>>>> b");
        assert_eq!(blocks(&input).len(), 1);
        assert!(blocks(&vec![b'<'; 1 << 20]).is_empty(), "a line of 1 MB of `<` is not a marker");
    }
}
