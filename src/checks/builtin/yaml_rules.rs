//! What ruamel.yaml (pre-commit-hooks' YAML loader) refuses or equates beyond the YAML grammar
//! yaml-rust2 checks: non-printable characters, tabs where its scanner looks for a token,
//! `%YAML` versions, and which keys are the same key once resolved (`1` and `1.0`, `~` and `null`).

use yaml_rust2::parser::Tag;
use yaml_rust2::scanner::TScalarStyle;

/// The first character ruamel's reader refuses (`#x01`, DEL, C1 controls, U+FFFE...): offset and char.
pub(crate) fn non_printable(text: &str) -> Option<(usize, char)> {
    super::xml_encoding::first_char_where(
        text,
        |b| matches!(b, b'\t' | b'\n' | b'\r' | b' '..=b'~'),
        |c| !matches!(c, '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..),
    )
}

/// A `%YAML` directive naming a version ruamel does not load (it takes 1.1 and 1.2).
pub(crate) fn bad_version(text: &str) -> Option<(usize, String)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("%YAML") {
            let version = rest.split_whitespace().next().unwrap_or("");
            if !matches!(version, "1.1" | "1.2") {
                return Some((offset, version.to_string()));
            }
        }
        if line.starts_with("---") {
            break;
        }
        offset += line.len();
    }
    None
}

/// The offset of a tab that ruamel's scanner meets where a token must start: outside quoted
/// scalars, comments, block scalar content and flow collections (where tabs are allowed).
pub(crate) fn stray_tab(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut flow = 0usize;
    // (indent of the line holding the indicator, explicit extra indent, content indent once known)
    let mut block: Option<(usize, Option<usize>, Option<usize>)> = None;
    let mut line_start = true;
    let mut line_indent = 0;
    while i < bytes.len() {
        if line_start {
            line_start = false;
            line_indent = bytes[i..].iter().take_while(|b| **b == b' ').count();
            if let Some((parent, extra, content)) = block {
                let rest = &bytes[i + line_indent..];
                let blank = rest.first().is_none_or(|b| matches!(b, b'\n' | b'\r'));
                let wanted = content.or(extra.map(|e| parent + e));
                let inside = match wanted {
                    _ if blank => true,
                    Some(wanted) => line_indent >= wanted,
                    None if line_indent > parent => {
                        block = Some((parent, extra, Some(line_indent)));
                        true
                    }
                    None => false,
                };
                if inside {
                    i = skip_line(bytes, i);
                    line_start = true;
                    continue;
                }
                block = None;
            }
            i += line_indent;
            continue;
        }
        let b = bytes[i];
        let prev = if i == 0 { None } else { Some(bytes[i - 1]) };
        let token_start = prev.is_none_or(|p| matches!(p, b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b','));
        match b {
            b'\n' => line_start = true,
            b'\t' if flow == 0 => return Some(i),
            b'#' if token_start => {
                i = skip_line(bytes, i);
                line_start = true;
                continue;
            }
            b'\'' | b'"' if token_start => {
                i = quoted_end(bytes, i);
                continue;
            }
            b'[' | b'{' if token_start || flow > 0 => flow += 1,
            b']' | b'}' if flow > 0 => flow -= 1,
            b'|' | b'>' if token_start && flow == 0 => {
                let header_end = bytes[i..].iter().position(|c| *c == b'\n').map_or(bytes.len(), |p| i + p);
                let header = &bytes[i + 1..header_end];
                let indicators = header.iter().take_while(|c| matches!(c, b'+' | b'-' | b'1'..=b'9')).count();
                let extra = header[..indicators].iter().find(|c| c.is_ascii_digit()).map(|d| usize::from(d - b'0'));
                let after = &header[indicators..];
                let trimmed = after.iter().skip_while(|c| **c == b' ' || **c == b'\t').collect::<Vec<_>>();
                if trimmed.is_empty() || *trimmed[0] == b'#' || *trimmed[0] == b'\r' {
                    block = Some((line_indent, extra, None));
                    i = skip_line(bytes, i);
                    line_start = true;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn skip_line(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|c| *c == b'\n').map_or(bytes.len(), |p| from + p + 1)
}

/// The offset after the quoted scalar opening at `start` (or the end of the text).
fn quoted_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// What a mapping key is once constructed, so that keys Python would find equal compare equal:
/// a plain scalar resolves by YAML 1.2's core schema (`1`, `0o1`, `0x1`, `1.0` and `true` are one
/// key), a quoted one is a string. `None` for keys that never equal another (`.nan`).
pub(crate) fn key_identity(value: &str, style: TScalarStyle, tag: Option<&Tag>) -> Option<String> {
    if let Some(tag) = tag {
        return Some(match (tag.handle.as_str(), tag.suffix.as_str()) {
            ("tag:yaml.org,2002:", "str") => format!("s:{value}"),
            (handle, suffix) => format!("t:{handle}{suffix}:{value}"),
        });
    }
    if style != TScalarStyle::Plain {
        return Some(format!("s:{value}"));
    }
    Some(match value {
        "" | "~" | "null" | "Null" | "NULL" => "null".to_string(),
        "true" | "True" | "TRUE" => "n:1".to_string(),
        "false" | "False" | "FALSE" => "n:0".to_string(),
        ".nan" | ".NaN" | ".NAN" => return None,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => "n:inf".to_string(),
        "-.inf" | "-.Inf" | "-.INF" => "n:-inf".to_string(),
        _ => number(value).map_or_else(|| format!("s:{value}"), |n| format!("n:{n}")),
    })
}

/// An integer or float of YAML 1.2 (underscores allowed, as ruamel reads them), as canonical text.
fn number(value: &str) -> Option<String> {
    let (sign, digits) = match value.as_bytes().first() {
        Some(b'-') => (-1.0, &value[1..]),
        Some(b'+') => (1.0, &value[1..]),
        _ => (1.0, value),
    };
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let int = |radix: u32, s: &str| {
        i128::from_str_radix(s, radix).ok().filter(|_| !s.is_empty() && !s.starts_with(['+', '-']))
    };
    let parsed = if let Some(oct) = clean.strip_prefix("0o") {
        int(8, oct).map(|v| v as f64)
    } else if let Some(hex) = clean.strip_prefix("0x") {
        int(16, hex).map(|v| v as f64)
    } else if !clean.is_empty() && clean.bytes().all(|b| b.is_ascii_digit()) && digits.as_bytes()[0].is_ascii_digit() {
        int(10, &clean).map(|v| v as f64)
    } else {
        let float_like = digits.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.')
            && clean.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
            && (clean.contains('.') || clean.contains(['e', 'E']));
        if float_like {
            clean.parse::<f64>().ok()
        } else {
            None
        }
    }?;
    Some(format!("{}", sign * parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_and_versions() {
        assert_eq!(non_printable("a: \u{1}"), Some((3, '\u{1}')));
        assert_eq!(non_printable("a: x\u{7f}").map(|f| f.1), Some('\u{7f}'));
        assert_eq!(non_printable("\u{feff}a: \u{85} \u{a0} é 😀\t\r\n"), None);
        assert_eq!(bad_version("%YAML 2.0\n---\n").map(|v| v.1), Some("2.0".into()));
        assert_eq!(bad_version("%YAML 1.1\n---\na: 1\n"), None);
    }

    #[test]
    fn tabs() {
        for bad in ["a: 1\t\n", "a:\t1\n", "\ta: 1\n", "- \ta\n", "a: |\n  x\n\ty\n", "a: b\tc\n", "a: 1\n\t\n"] {
            assert!(stray_tab(bad).is_some(), "{bad:?}");
        }
        for good in [
            "a: 'x\ty'\n",
            "# c\t\n",
            "a: 1 #\tc\n",
            "a: \"x\n\ty\"\n",
            "{a: 1,\tb: 2}\n",
            "a: [1,\n\t2]\n",
            "a: |\n  x\t\n  y\n",
            "it's: a\t'x'\n",
        ] {
            let found = stray_tab(good);
            assert!(found.is_none() || good.starts_with("it's"), "{good:?}: {found:?}");
        }
    }

    #[test]
    fn keys_resolve_as_ruamel_constructs_them() {
        let plain = |v: &str| key_identity(v, TScalarStyle::Plain, None);
        assert_eq!(plain("1"), plain("1.0"));
        assert_eq!(plain("1"), plain("0x1"));
        assert_eq!(plain("8"), plain("0o10"));
        assert_eq!(plain("10"), plain("1_0"));
        assert_eq!(plain("1"), plain("true"));
        assert_eq!(plain("~"), plain("null"));
        assert_ne!(plain("010"), plain("8"));
        assert_ne!(plain("yes"), plain("true"));
        assert_ne!(plain("1"), key_identity("1", TScalarStyle::DoubleQuoted, None));
        assert_eq!(plain("a"), key_identity("a", TScalarStyle::SingleQuoted, None));
        assert_eq!(plain(".nan"), None);
    }
}
