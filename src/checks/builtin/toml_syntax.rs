//! check-toml: the file parses as TOML.

use super::lines::position;
use super::sink::Sink;

pub(crate) fn check(buf: &[u8], sink: &mut Sink) {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(buf: &[u8]) -> Option<(u32, u32, String)> {
        let mut sink = Sink::new("f.toml", "check-toml");
        check(buf, &mut sink);
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
    fn non_utf8_and_bom() {
        assert_eq!(report(b"a = \"\xff\"\n").unwrap().0, 1);
        // Unlike tomllib, a UTF-8 byte-order marker is accepted (fix-byte-order-marker removes it).
        assert_eq!(report(b"\xef\xbb\xbfa = 1\n"), None);
        assert_eq!(report(b"\xef\xbb\xbfa = 1\nb =\n").map(|r| r.0), Some(2));
    }
}
