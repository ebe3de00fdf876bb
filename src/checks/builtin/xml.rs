//! check-xml: the file is well-formed XML (matching end tags, one root, declared entities).

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::bom;
use super::lines::position;
use super::sink::Sink;
use super::xml_encoding;

/// What the walk over the document has seen so far.
#[derive(Default)]
struct Walk {
    /// Offsets of the `<` of every element still open.
    open: Vec<usize>,
    roots: usize,
    /// Any DOCTYPE: entities may then be declared in a DTD we do not read.
    doctype: bool,
    /// The encoding the declaration names, if any.
    encoding: Option<String>,
}

/// A well-formedness error at a byte offset of the text.
struct Malformed {
    offset: usize,
    message: String,
}

fn malformed(offset: usize, message: impl Into<String>) -> Malformed {
    Malformed { offset, message: message.into() }
}

pub(crate) fn check(buf: &[u8], sink: &mut Sink) {
    let decoded = match xml_encoding::decode(buf) {
        Ok(text) => text,
        Err(err) => {
            let (line, column) = position(buf, err.offset);
            sink.error(line, Some(column), format!("not well-formed XML: {}", err.message));
            return;
        }
    };
    // Positions from here on are in the decoded text (the same lines as the file).
    let text = bom::strip(decoded.as_bytes());
    if let Some((at, c)) = xml_encoding::invalid_char(std::str::from_utf8(text).unwrap_or_default()) {
        let (line, column) = position(text, at);
        let message = format!("not well-formed XML: character U+{:04X} is not allowed in XML 1.0", c as u32);
        sink.error(line, Some(column), message);
        return;
    }
    if let Err(err) = walk(text) {
        let (line, column) = position(text, err.offset);
        sink.error(line, Some(column), format!("not well-formed XML: {}", err.message));
    }
}

fn walk(text: &[u8]) -> Result<(), Malformed> {
    let mut reader = Reader::from_reader(text);
    reader.config_mut().check_comments = true;
    let mut state = Walk::default();
    loop {
        let at = offset(reader.buffer_position());
        let event = reader.read_event().map_err(|e| malformed(offset(reader.error_position()), e.to_string()))?;
        match event {
            Event::Eof => break,
            Event::Decl(decl) => {
                if at != 0 {
                    return Err(malformed(at, "the XML declaration must come first in the file"));
                }
                decl.version().map_err(|e| malformed(at, e.to_string()))?;
                state.encoding = match decl.encoding() {
                    Some(Ok(enc)) => Some(String::from_utf8_lossy(&enc).to_ascii_lowercase()),
                    Some(Err(e)) => return Err(malformed(at, e.to_string())),
                    None => None,
                };
            }
            Event::DocType(_) if state.roots > 0 => {
                return Err(malformed(at, "DOCTYPE must come before the root element"));
            }
            Event::DocType(_) => state.doctype = true,
            Event::Start(element) => {
                start_element(&mut state, text, &element, at)?;
                state.open.push(at);
            }
            Event::Empty(element) => start_element(&mut state, text, &element, at)?,
            Event::End(_) => {
                state.open.pop();
            }
            Event::Text(content) => {
                if state.open.is_empty() && !content.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
                    return Err(malformed(at, "text outside the root element"));
                }
                check_references(&content, at, state.doctype)?;
            }
            Event::CData(_) if state.open.is_empty() => {
                return Err(malformed(at, "CDATA outside the root element"));
            }
            Event::CData(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
    if let Some(&start) = state.open.last() {
        let name = element_name(&text[start..]);
        return Err(malformed(start, format!("`<{name}>` is never closed")));
    }
    if state.roots == 0 {
        return Err(malformed(text.len(), "no root element"));
    }
    Ok(())
}

fn start_element(state: &mut Walk, text: &[u8], element: &BytesStart, at: usize) -> Result<(), Malformed> {
    if state.open.is_empty() {
        state.roots += 1;
        if state.roots > 1 {
            return Err(malformed(at, "a second root element; a document has exactly one"));
        }
    }
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| malformed(at, e.to_string()))?;
        let value: &[u8] = &attribute.value;
        let value_at = offset_in(text, value).unwrap_or(at);
        if let Some(lt) = memchr::memchr(b'<', value) {
            return Err(malformed(value_at + lt, "`<` is not allowed in an attribute value; write `&lt;`"));
        }
        check_references(value, value_at, state.doctype)?;
    }
    Ok(())
}

/// Every `&` must start `&name;` with a predefined or (given a DTD) declared name, or a
/// character reference.
fn check_references(raw: &[u8], at: usize, any_name: bool) -> Result<(), Malformed> {
    for amp in memchr::memchr_iter(b'&', raw) {
        let rest = &raw[amp + 1..];
        let end = memchr::memchr(b';', rest).filter(|&e| e > 0 && rest[..e].iter().all(|b| is_name_byte(*b)));
        let Some(end) = end else {
            return Err(malformed(at + amp, "`&` must start an entity reference; write `&amp;` for a literal `&`"));
        };
        let name = &rest[..end];
        let known = match name {
            b"lt" | b"gt" | b"amp" | b"apos" | b"quot" => true,
            [b'#', b'x', hex @ ..] => char_reference(hex, 16).ok_or_else(|| bad_reference(at + amp))?,
            [b'#', digits @ ..] => char_reference(digits, 10).ok_or_else(|| bad_reference(at + amp))?,
            _ => any_name,
        };
        if !known {
            let name = String::from_utf8_lossy(name);
            return Err(malformed(at + amp, format!("undefined entity `&{name};`")));
        }
    }
    Ok(())
}

/// `&#N;` or `&#xN;` naming a character XML 1.0 allows.
fn char_reference(digits: &[u8], radix: u32) -> Option<bool> {
    let text =
        std::str::from_utf8(digits).ok().filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_hexdigit()))?;
    let code = u32::from_str_radix(text, radix).ok()?;
    char::from_u32(code).filter(|c| xml_encoding::is_xml_char(*c)).map(|_| true)
}

fn bad_reference(offset: usize) -> Malformed {
    malformed(offset, "reference to invalid character number")
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'#' | b'_' | b'-' | b'.' | b':') || b >= 0x80
}

fn element_name(from_lt: &[u8]) -> String {
    let name = from_lt.get(1..).unwrap_or_default();
    let end = name.iter().position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/').unwrap_or(name.len());
    String::from_utf8_lossy(&name[..end]).into_owned()
}

/// Where `part`, a slice borrowed from `text`, starts in it.
fn offset_in(text: &[u8], part: &[u8]) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (start + part.len() <= text.len()).then_some(start)
}

fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(buf: &[u8]) -> Option<(u32, u32, String)> {
        let mut sink = Sink::new("f.xml", "check-xml");
        check(buf, &mut sink);
        sink.finish().into_iter().next().map(|d| (d.line.unwrap(), d.column.unwrap(), d.message))
    }

    fn message(buf: &[u8]) -> String {
        report(buf).map(|r| r.2).unwrap_or_default()
    }

    #[test]
    fn well_formed_documents_pass() {
        assert_eq!(
            report(b"<?xml version=\"1.0\"?>\n<a x=\"1 &amp; 2\"><b/>t &lt; &#65; &#x41;<![CDATA[<&>]]></a>\n"),
            None
        );
        assert_eq!(report(b"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<root/>\r\n"), None);
        assert_eq!(report(b"<!-- c -->\n<!DOCTYPE r [<!ENTITY e \"x\">]>\n<r>&e;</r>\n<?pi x?>\n"), None);
        assert_eq!(report(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>caf\xe9</r>"), None);
    }

    #[test]
    fn mismatched_and_unclosed_tags() {
        let (line, _, msg) = report(b"<a>\n  <b>\n  </c>\n</a>\n").unwrap();
        assert_eq!(line, 3);
        assert!(msg.contains("expected `</b>`"), "{msg}");
        let (line, column, msg) = report(b"<a>\n  <b attr=\"1\">\n</a>").unwrap();
        assert!(msg.contains("expected `</b>`") || msg.contains("never closed"), "{msg}");
        assert!(line >= 2, "{line}:{column}");
        assert_eq!(message(b"<a>\n<b>"), "not well-formed XML: `<b>` is never closed");
        assert!(message(b"</a>").starts_with("not well-formed XML"));
    }

    #[test]
    fn exactly_one_root() {
        assert_eq!(
            report(b"<a/>\n<b/>\n").map(|r| (r.0, r.2)),
            Some((2, "not well-formed XML: a second root element; a document has exactly one".into()))
        );
        assert_eq!(message(b""), "not well-formed XML: no root element");
        assert_eq!(message(b"<!-- only a comment -->\n"), "not well-formed XML: no root element");
        assert_eq!(message(b"junk<a/>"), "not well-formed XML: text outside the root element");
    }

    #[test]
    fn entities_and_attributes() {
        assert_eq!(message(b"<a>&nbsp;</a>"), "not well-formed XML: undefined entity `&nbsp;`");
        assert!(message(b"<a>fish & chips</a>").contains("`&amp;`"));
        assert!(message(b"<a x=\"<\"/>").contains("`&lt;`"));
        assert!(message(b"<a x=\"1\" x=\"2\"/>").contains("not well-formed XML"));
        assert_eq!(
            report(b"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x.dtd\">\n<html>&nbsp;</html>"),
            None
        );
        let (line, column, _) = report(b"<a>\n  <b x=\"&bogus;\"/>\n</a>").unwrap();
        assert_eq!((line, column), (2, 9));
    }

    #[test]
    fn declaration_placement_and_encoding() {
        assert!(message(b"\n<?xml version=\"1.0\"?><a/>").contains("must come first"));
        assert!(message(b"<a>\xff</a>").contains("invalid UTF-8"));
        assert!(message(b"<a/><!DOCTYPE a>").contains("DOCTYPE"));
    }

    #[test]
    fn comments_and_huge_lines() {
        assert!(message(b"<a><!-- a -- b --></a>").starts_with("not well-formed XML"));
        let big = format!("<a>{}</a>", "x".repeat(1 << 20));
        assert_eq!(report(big.as_bytes()), None);
        assert_eq!(report(b"<a>\r<b/>\r</a>\r"), None);
    }
}
