//! pre-commit's `files`/`exclude` regular expressions: Python `re.search` semantics on a path.
//!
//! Python's syntax is translated to fancy-regex's where the two differ (verbose mode, `$`,
//! `\Z`, octal escapes, literal braces and brackets, `(?P=name)`); the Python features that
//! have no equivalent are refused with a message, never matched differently.

use std::fmt;

/// A compiled Python regular expression, searched anywhere in the path (`re.search`).
#[derive(Clone)]
pub struct PyRegex {
    pub source: String,
    regex: fancy_regex::Regex,
}

impl fmt::Debug for PyRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PyRegex({:?})", self.source)
    }
}

impl PyRegex {
    pub fn new(source: &str) -> Result<PyRegex, String> {
        let translated = translate(source)?;
        let regex = fancy_regex::RegexBuilder::new(&translated)
            .backtrack_limit(1_000_000)
            .build()
            .map_err(|e| format!("invalid regular expression: {e}"))?;
        Ok(PyRegex { source: source.to_string(), regex })
    }

    /// `re.search(pattern, path)`; a search that exceeds the backtracking limit counts as no match.
    pub fn is_match(&self, path: &str) -> bool {
        self.regex.is_match(path).unwrap_or(false)
    }
}

#[derive(Default, Clone, Copy)]
struct Flags {
    verbose: bool,
    multiline: bool,
}

/// Python pattern text to fancy-regex pattern text.
fn translate(source: &str) -> Result<String, String> {
    let chars: Vec<char> = source.chars().collect();
    let mut flags = Flags::default();
    // Python applies global flags wherever `(?x)` stands (3.11 requires the start); scan them first.
    let mut i = 0;
    while let Some(end) = global_flags_at(&chars, i) {
        for &c in &chars[i + 2..end] {
            match c {
                'x' => flags.verbose = true,
                'm' => flags.multiline = true,
                'i' | 's' | 'u' => {}
                'a' => return Err(unsupported("the ASCII flag `(?a)`")),
                'L' => return Err(unsupported("the locale flag `(?L)`")),
                other => return Err(format!("unknown flag `{other}` in `(?...)`")),
            }
        }
        i = end + 1;
    }
    let mut out = String::with_capacity(source.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => i = escape(&chars, i, &mut out, false)?,
            '[' => i = class(&chars, i, &mut out)?,
            '(' => {
                if chars.get(i + 1) == Some(&'?') {
                    if let Some(end) = global_flags_at(&chars, i) {
                        // Keep the flags fancy-regex understands; `x` and `u` are handled here.
                        let kept: String = chars[i + 2..end].iter().filter(|c| matches!(c, 'i' | 'm' | 's')).collect();
                        if !kept.is_empty() {
                            out.push_str(&format!("(?{kept})"));
                        }
                        i = end + 1;
                        continue;
                    }
                    i = group_open(&chars, i, &mut out)?;
                } else {
                    out.push('(');
                    i += 1;
                }
            }
            ')' => {
                out.push(')');
                i += 1;
            }
            '$' if !flags.multiline => {
                // Python's `$`: at the end, or before a newline that ends the string.
                out.push_str("(?=\\n?\\z)");
                i += 1;
            }
            '{' => {
                match quantifier(&chars, i) {
                    Some((text, end)) => {
                        out.push_str(&text);
                        i = end;
                    }
                    // Not a repetition: Python reads a literal brace.
                    None => {
                        out.push_str("\\{");
                        i += 1;
                    }
                }
            }
            '}' => {
                out.push_str("\\}");
                i += 1;
            }
            '#' if flags.verbose => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            c if flags.verbose && is_py_space(c) => i += 1,
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn unsupported(what: &str) -> String {
    format!("{what} of Python's `re` is not supported")
}

/// Whitespace that verbose mode skips (Python's `str.isspace` over ASCII and beyond).
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\x1c'..='\x1f')
}

/// At `(?flags)` (a global flag group, not `(?flags:...)`): the index of its `)`.
fn global_flags_at(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i) != Some(&'(') || chars.get(i + 1) != Some(&'?') {
        return None;
    }
    let mut j = i + 2;
    while j < chars.len() && chars[j].is_ascii_alphabetic() {
        j += 1;
    }
    (j > i + 2 && chars.get(j) == Some(&')')).then_some(j)
}

/// A group opening `(?...`: returns the index after what it wrote.
fn group_open(chars: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    let rest: String = chars[i + 2..chars.len().min(i + 4)].iter().collect();
    if rest.starts_with("P<") {
        out.push_str("(?P<");
        return Ok(i + 4);
    }
    if rest.starts_with("P=") {
        // `(?P=name)` is a backreference by name.
        let close = chars[i..].iter().position(|c| *c == ')').ok_or("unterminated `(?P=name)`")? + i;
        let name: String = chars[i + 4..close].iter().collect();
        out.push_str(&format!("(?:\\k<{name}>"));
        return Ok(close);
    }
    if rest.starts_with('#') {
        // A comment group: written as an empty group (its `)` closes it).
        let close = chars[i..].iter().position(|c| *c == ')').ok_or("unterminated `(?#...)` comment")? + i;
        out.push_str("(?:");
        return Ok(close);
    }
    match chars.get(i + 2) {
        Some(':' | '=' | '!' | '>' | '(') => {
            out.push_str("(?");
            Ok(i + 2)
        }
        Some('<') if matches!(chars.get(i + 3), Some('=' | '!')) => {
            out.push_str("(?<");
            Ok(i + 3)
        }
        Some(c) if c.is_ascii_alphabetic() || *c == '-' => {
            // Scoped flags `(?i:...)`, `(?-i:...)`.
            let mut j = i + 2;
            let mut kept = String::new();
            while j < chars.len() && (chars[j].is_ascii_alphabetic() || chars[j] == '-') {
                match chars[j] {
                    'i' | 'm' | 's' | '-' => kept.push(chars[j]),
                    'x' => return Err(unsupported("a scoped verbose flag `(?x:...)`")),
                    'a' | 'L' | 'u' => return Err(unsupported("a scoped `(?a:...)`/`(?L:...)`/`(?u:...)` flag")),
                    other => return Err(format!("unknown flag `{other}` in `(?...)`")),
                }
                j += 1;
            }
            if chars.get(j) != Some(&':') {
                return Err("a flag group must be `(?flags)` or `(?flags:...)`".into());
            }
            out.push_str(&format!("(?{kept}:"));
            Ok(j + 1)
        }
        _ => Err("unknown group extension `(?...`".into()),
    }
}

/// `{m}`, `{m,}`, `{,n}`, `{m,n}` at `i`: the fancy-regex text and the index after it.
fn quantifier(chars: &[char], i: usize) -> Option<(String, usize)> {
    let close = chars[i..].iter().position(|c| *c == '}')? + i;
    let inner: String = chars[i + 1..close].iter().collect();
    let (low, high) = match inner.split_once(',') {
        Some((low, high)) => (low, Some(high)),
        None => (inner.as_str(), None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(low) || !high.is_none_or(digits) || (low.is_empty() && high.is_none()) {
        return None;
    }
    let low = if low.is_empty() { "0" } else { low };
    let text = match high {
        Some(high) => format!("{{{low},{high}}}"),
        None => format!("{{{low}}}"),
    };
    Some((text, close + 1))
}

/// An escape at `i` (outside or inside a class): writes its fancy-regex form.
fn escape(chars: &[char], i: usize, out: &mut String, in_class: bool) -> Result<usize, String> {
    let Some(&c) = chars.get(i + 1) else { return Err("the pattern ends with a lone backslash".into()) };
    let hex = |n: usize| -> Result<(u32, usize), String> {
        let digits: String = chars.get(i + 2..i + 2 + n).ok_or("incomplete escape")?.iter().collect();
        let value = u32::from_str_radix(&digits, 16).map_err(|_| format!("bad escape `\\{c}{digits}`"))?;
        Ok((value, i + 2 + n))
    };
    let push_code = |out: &mut String, value: u32| out.push_str(&format!("\\x{{{value:x}}}"));
    match c {
        'x' => {
            let (value, next) = hex(2)?;
            push_code(out, value);
            Ok(next)
        }
        'u' => {
            let (value, next) = hex(4)?;
            push_code(out, value);
            Ok(next)
        }
        'U' => {
            let (value, next) = hex(8)?;
            push_code(out, value);
            Ok(next)
        }
        'N' => Err(unsupported("the named character escape `\\N{...}`")),
        '0'..='7' => {
            // Octal: `\0`, `\0NN`, or three octal digits; otherwise a backreference.
            let octal: String = chars[i + 1..].iter().take(3).take_while(|c| ('0'..='7').contains(c)).collect();
            if c == '0' || octal.len() == 3 || in_class {
                let value = u32::from_str_radix(&octal, 8).map_err(|_| "bad octal escape".to_string())?;
                push_code(out, value);
                return Ok(i + 1 + octal.len());
            }
            backreference(chars, i, out)
        }
        '8' | '9' if !in_class => backreference(chars, i, out),
        'Z' if !in_class => {
            out.push_str("\\z");
            Ok(i + 2)
        }
        'b' if in_class => {
            out.push_str("\\x08");
            Ok(i + 2)
        }
        'A' | 'b' | 'B' | 'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'a' | 'f' | 'n' | 'r' | 't' | 'v' => {
            match c {
                'a' => out.push_str("\\x07"),
                'v' => out.push_str("\\x0b"),
                'f' => out.push_str("\\x0c"),
                _ => {
                    out.push('\\');
                    out.push(c);
                }
            }
            Ok(i + 2)
        }
        c if c.is_ascii_alphanumeric() => Err(format!("bad escape `\\{c}`")),
        c => {
            // Python escapes any other character to itself.
            push_literal(out, c);
            Ok(i + 2)
        }
    }
}

fn backreference(chars: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    let digits: String = chars[i + 1..].iter().take(2).take_while(|c| c.is_ascii_digit()).collect();
    out.push_str(&format!("\\{digits}"));
    Ok(i + 1 + digits.len())
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() && c != '<' && c != '>' {
        out.push('\\');
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:x}}}", c as u32));
    }
}

/// A character class at `i` (Python rules: a leading `]` is literal, `[` inside is literal,
/// no set operations): writes a class fancy-regex reads the same way.
fn class(chars: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    let mut j = i + 1;
    out.push('[');
    if chars.get(j) == Some(&'^') {
        out.push('^');
        j += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = chars.get(j) else { return Err("unterminated character set `[...`".into()) };
        match c {
            ']' if !first => {
                out.push(']');
                return Ok(j + 1);
            }
            '\\' => j = escape(chars, j, out, true)?,
            '-' => {
                // A range dash stays; anything that could read as a set operation is escaped.
                let prev_is_item = !first && !out.ends_with('[') && !out.ends_with('^');
                let next_ok = chars.get(j + 1).is_some_and(|n| *n != ']' && *n != '-');
                if prev_is_item && next_ok {
                    out.push('-');
                } else {
                    out.push_str("\\-");
                }
                j += 1;
            }
            '[' | ']' | '&' | '~' | '^' => {
                out.push('\\');
                out.push(c);
                j += 1;
            }
            c => {
                out.push(c);
                j += 1;
            }
        }
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(pattern: &str, path: &str) -> bool {
        PyRegex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")).is_match(path)
    }

    #[test]
    fn search_semantics() {
        assert!(search(r"\.php$", "src/a.php"));
        assert!(!search(r"\.php$", "src/a.php.bak"));
        assert!(search(r"\.php$", "a.php\n"), "Python's `$` matches before a final newline");
        assert!(search(r"^src/", "src/a") && !search(r"^src/", "lib/src/a"));
        assert!(search(r"\.ph\Z", "a.ph") && !search(r"a\Z", "a\n"));
    }

    #[test]
    fn verbose_patterns_and_lookarounds() {
        let exclude = r"(?x)^(
            vendor/|          # dependencies
            var/cache/ |
            .*\.min\.js$
        )";
        assert!(search(exclude, "vendor/a.php") && search(exclude, "web/app.min.js"));
        assert!(!search(exclude, "src/a.php"));
        assert!(search(r"^(?!tests/).*\.php$", "src/a.php") && !search(r"^(?!tests/).*\.php$", "tests/a.php"));
        assert!(search(r"(?<!_test)\.py$", "a.py") && !search(r"(?<!_test)\.py$", "a_test.py"));
        assert!(search(r"(?x) a [ ] b", "a b"), "whitespace in a class is kept in verbose mode");
    }

    #[test]
    fn python_only_syntax() {
        assert!(search(r"(?P<ext>php)/(?P=ext)", "php/php"));
        assert!(search(r"a{,2}b", "aab") && search(r"x{y}", "x{y}") && search(r"a{2}", "aa"));
        assert!(search(r"[[]", "[") && search(r"[]a]", "]") && search(r"[a-]", "-"));
        assert!(search(r"\101", "A") && search(r"\x41\u0042", "AB") && search(r"\é", "é"));
        assert!(search(r"(?i)readme", "README") && search(r"(?i:a)B", "AB"));
        assert!(search(r"a(?#note)b", "ab"));
        assert!(search(r"(a)\1", "aa"));
    }

    #[test]
    fn unsupported_features_are_errors() {
        assert!(PyRegex::new(r"(?a)\w").unwrap_err().contains("not supported"));
        assert!(PyRegex::new(r"\N{DASH}").unwrap_err().contains("not supported"));
        assert!(PyRegex::new(r"(unclosed").is_err());
        assert!(PyRegex::new(r"\q").unwrap_err().contains("bad escape"));
    }
}
