//! How Python's expat parser (pre-commit-hooks' `check-xml`) reads the bytes of an XML file:
//! the byte-order mark or the first bytes pick UTF-8 or UTF-16, the declaration may name a
//! single-byte encoding that Python knows, and only XML 1.0 characters may appear.

use std::borrow::Cow;

/// Why the bytes are not an XML document's characters, at an offset of the input.
pub(crate) struct Undecodable {
    pub offset: usize,
    pub message: String,
}

fn undecodable(offset: usize, message: impl Into<String>) -> Undecodable {
    Undecodable { offset, message: message.into() }
}

/// The document as UTF-8 text, decoded as expat decodes it.
pub(crate) fn decode(buf: &[u8]) -> Result<Cow<'_, str>, Undecodable> {
    let utf16 = |bytes: &[u8], big: bool| -> Result<Cow<'static, str>, Undecodable> {
        let units = bytes.chunks(2).map(|c| match c {
            [a, b] if big => Ok(u16::from_be_bytes([*a, *b])),
            [a, b] => Ok(u16::from_le_bytes([*a, *b])),
            _ => Err(()),
        });
        let mut out = String::with_capacity(bytes.len() / 2);
        for (i, unit) in char::decode_utf16(units.map(|u| u.unwrap_or(0xdc00))).enumerate() {
            match unit {
                Ok(c) => out.push(c),
                Err(_) => return Err(undecodable(i * 2, "not well-formed (invalid UTF-16)")),
            }
        }
        if bytes.len() % 2 != 0 {
            return Err(undecodable(bytes.len() - 1, "unclosed token (a UTF-16 file of odd length)"));
        }
        Ok(Cow::Owned(out))
    };
    let sixteen = if let Some(rest) = buf.strip_prefix(b"\xff\xfe") {
        Some((rest, false))
    } else if let Some(rest) = buf.strip_prefix(b"\xfe\xff") {
        Some((rest, true))
    } else if buf.starts_with(b"<\x00") {
        Some((buf, false))
    } else if buf.starts_with(b"\x00<") {
        Some((buf, true))
    } else {
        None
    };
    if let Some((bytes, big)) = sixteen {
        let text = utf16(bytes, big)?;
        if let Some(declared) = declared_encoding(text.as_bytes()) {
            if !matches!(declared.as_str(), "utf-16" | "utf-16le" | "utf-16be") {
                return Err(undecodable(0, "the encoding the XML declaration names is not the file's (UTF-16)"));
            }
        }
        return Ok(text);
    }
    let (bytes, bom) = match buf.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => (rest, true),
        None => (buf, false),
    };
    let declared = declared_encoding(bytes);
    match declared.as_deref().map(python_codec) {
        None | Some(Codec::Utf8) => utf8(bytes, usize::from(bom) * 3),
        Some(_) if bom => utf8(bytes, 3),
        Some(Codec::Utf16) => Err(undecodable(0, "the XML declaration names UTF-16 but the file is not UTF-16")),
        Some(Codec::Ascii) => match bytes.iter().position(|b| *b >= 0x80) {
            Some(at) => Err(undecodable(at, "not well-formed (a byte that is not US-ASCII)")),
            None => Ok(Cow::Owned(String::from_utf8_lossy(bytes).into_owned())),
        },
        Some(Codec::Latin1) => Ok(Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect())),
        Some(Codec::SingleByte { undefined }) => {
            if let Some(at) = bytes.iter().position(|b| undefined.contains(b)) {
                return Err(undecodable(at, "not well-formed (a byte the declared encoding does not define)"));
            }
            // Which character a byte above 0x7F stands for does not change well-formedness.
            Ok(Cow::Owned(bytes.iter().map(|&b| if b < 0x80 { char::from(b) } else { '\u{a4}' }).collect()))
        }
        Some(Codec::Unsupported) => {
            let name = declared.unwrap_or_default();
            Err(undecodable(
                0,
                format!("encoding `{name}` cannot be read (Python's XML parser knows no such single-byte encoding)"),
            ))
        }
    }
}

fn utf8(bytes: &[u8], skipped: usize) -> Result<Cow<'_, str>, Undecodable> {
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
        undecodable(
            skipped + e.valid_up_to(),
            "not well-formed (invalid UTF-8; declare the encoding if it is not UTF-8)",
        )
    })
}

enum Codec {
    Utf8,
    Utf16,
    Ascii,
    Latin1,
    SingleByte { undefined: &'static [u8] },
    Unsupported,
}

/// The codec Python's `codecs.lookup` finds for a declared name (expat's own names included).
fn python_codec(name: &str) -> Codec {
    let n = name.to_ascii_lowercase().replace(['-', ' '], "_");
    match n.as_str() {
        "utf_8" | "utf8" | "u8" | "utf" | "cp65001" => Codec::Utf8,
        "utf_16" | "utf16" | "utf_16le" | "utf_16be" | "utf_16_le" | "utf_16_be" => Codec::Utf16,
        "ascii" | "us_ascii" | "646" | "us" => Codec::Ascii,
        "latin_1" | "latin1" | "iso_8859_1" | "iso8859_1" | "l1" | "8859" | "cp819" | "iso_ir_100" | "latin" => {
            Codec::Latin1
        }
        "cp1252" | "windows_1252" => Codec::SingleByte { undefined: &[0x81, 0x8d, 0x8f, 0x90, 0x9d] },
        "cp1250" | "windows_1250" => Codec::SingleByte { undefined: &[0x81, 0x83, 0x88, 0x90, 0x98] },
        "cp1251" | "windows_1251" => Codec::SingleByte { undefined: &[0x98] },
        "cp1253" | "windows_1253" => Codec::SingleByte {
            undefined: &[
                0x81, 0x88, 0x8a, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x98, 0x9a, 0x9c, 0x9d, 0x9e, 0x9f, 0xaa, 0xd2, 0xff,
            ],
        },
        "cp1254" | "windows_1254" => Codec::SingleByte { undefined: &[0x81, 0x8d, 0x8e, 0x8f, 0x90, 0x9d, 0x9e] },
        "koi8_r" | "koi8_u" | "mac_roman" | "macroman" | "macintosh" | "cp437" | "cp850" => {
            Codec::SingleByte { undefined: &[] }
        }
        _ => {
            let iso = n.strip_prefix("iso_8859_").or_else(|| n.strip_prefix("iso8859_"));
            let latin = n.strip_prefix("latin").and_then(|d| match d {
                "2" => Some("2"),
                "3" => Some("3"),
                "4" => Some("4"),
                "5" => Some("9"),
                "6" => Some("10"),
                "7" => Some("13"),
                "8" => Some("14"),
                "9" => Some("15"),
                "10" => Some("16"),
                _ => None,
            });
            match iso.or(latin) {
                // ISO-8859-3 leaves a few bytes undefined; the others define all 256.
                Some("3") => Codec::SingleByte { undefined: &[0xa5, 0xae, 0xbe, 0xc3, 0xd0, 0xe3, 0xf0] },
                Some("2" | "4" | "5" | "7" | "9" | "10" | "13" | "14" | "15" | "16") => {
                    Codec::SingleByte { undefined: &[] }
                }
                _ => Codec::Unsupported,
            }
        }
    }
}

/// The `encoding` of a leading `<?xml ...?>` declaration, lower-cased.
fn declared_encoding(text: &[u8]) -> Option<String> {
    let decl = text.strip_prefix(b"<?xml")?;
    let end = decl.windows(2).position(|w| w == b"?>")?;
    let decl = &decl[..end];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = decl[at + 8..].iter().skip_while(|b| b.is_ascii_whitespace()).copied().collect::<Vec<u8>>();
    let rest = rest.strip_prefix(b"=")?;
    let rest: Vec<u8> = rest.iter().skip_while(|b| b.is_ascii_whitespace()).copied().collect();
    let quote = *rest.first().filter(|q| matches!(q, b'"' | b'\''))?;
    let value = &rest[1..];
    let close = value.iter().position(|b| *b == quote)?;
    Some(String::from_utf8_lossy(&value[..close]).to_ascii_lowercase())
}

/// The offset of the first character XML 1.0 does not allow (a control character, U+FFFE...).
pub(crate) fn invalid_char(text: &str) -> Option<(usize, char)> {
    first_char_where(text, |b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r'), |c| !is_xml_char(c))
}

/// The first character of `text` that `bad` refuses, looking at ASCII bytes with `ascii_ok`
/// alone (the hot path: most files are ASCII) and decoding only the others.
pub(crate) fn first_char_where(
    text: &str,
    ascii_ok: impl Fn(u8) -> bool,
    bad: impl Fn(char) -> bool,
) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if !ascii_ok(b) {
                return Some((i, char::from(b)));
            }
            i += 1;
            continue;
        }
        let c = text[i..].chars().next()?;
        if bad(c) {
            return Some((i, c));
        }
        i += c.len_utf8();
    }
    None
}

pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(buf: &[u8]) -> bool {
        decode(buf).is_ok()
    }

    #[test]
    fn encodings_as_expat_reads_them() {
        assert!(ok(b"<a/>") && ok(b"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>"));
        assert!(ok(b"\xff\xfe<\x00a\x00/\x00>\x00") && ok(b"<\x00a\x00/\x00>\x00") && ok(b"\x00<\x00a\x00/\x00>"));
        assert!(!ok(b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>"));
        assert!(ok(b"<?xml version=\"1.0\" encoding=\"latin1\"?><a>\xe9</a>"));
        assert!(ok(b"<?xml version='1.0' encoding='windows-1252'?><a>\x80</a>"));
        assert!(!ok(b"<?xml version='1.0' encoding='windows-1252'?><a>\x81</a>"));
        assert!(!ok(b"<?xml version=\"1.0\" encoding=\"US-ASCII\"?><a>\xe9</a>"));
        assert!(
            !ok(b"<?xml version=\"1.0\" encoding=\"latin-9\"?><a/>")
                && ok(b"<?xml version=\"1.0\" encoding=\"latin9\"?><a/>")
        );
        assert!(!ok(b"<?xml version=\"1.0\" encoding=\"UTF-32\"?><a/>") && !ok(b"<a>\xff</a>"));
        assert!(!ok(b"\xff\xfe<\x00a\x00/\x00>\x00\x00"));
    }

    #[test]
    fn characters() {
        assert_eq!(invalid_char("<a>\u{1}</a>"), Some((3, '\u{1}')));
        assert_eq!(invalid_char("<a>\u{fffe}</a>").map(|f| f.1), Some('\u{fffe}'));
        assert_eq!(invalid_char("<a>\u{7f}\u{85}é\t</a>"), None);
    }
}
