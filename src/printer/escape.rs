//! Making hostile text safe to show: names quoted as git quotes paths, tool output stripped of
//! terminal control sequences, and GitHub Actions kept from reading text as workflow commands.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::OnceLock;

/// A file or check name as one safe line: unchanged when harmless, otherwise in double quotes
/// with C escapes, as git shows paths (`core.quotePath`): `"evil\n::error::x"`, `"a\033[2Jb"`.
///
/// Besides C0 controls and DEL, C1 controls (U+0080..U+009F, which some terminals obey) and
/// the bidirectional overrides that reorder what a reader sees are escaped, as octal UTF-8 bytes.
pub fn name(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| needs_quoting(c) || c == '"' || c == '\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            c if needs_quoting(c) => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\{byte:03o}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Cow::Owned(out)
}

fn needs_quoting(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Captured text (tool output, messages) fit for a terminal: escape sequences and control
/// characters removed, line breaks and tabs kept (`\r\n` as `\n`, a lone `\r`, which would
/// let a later line overwrite an earlier one, as `\n`).
///
/// With `keep_sgr`, colour and style sequences (`ESC [ ... m`) pass; cursor movement, screen
/// clearing, titles and hyperlinks (OSC 8) never do.
pub fn terminal(text: &str, keep_sgr: bool) -> Cow<'_, str> {
    strip(text, keep_sgr, false)
}

/// [`terminal`] for reports that keep a `\r` as data (XML writes it as `&#13;`) and never colour.
pub fn report_text(text: &str) -> Cow<'_, str> {
    strip(text, false, true)
}

fn is_dropped(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

fn strip(text: &str, keep_sgr: bool, keep_cr: bool) -> Cow<'_, str> {
    if !text.chars().any(is_dropped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek().map(|&(_, c)| c) {
                Some('[') => {
                    chars.next();
                    let mut end = None;
                    for (i, c) in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            end = Some((i, c));
                            break;
                        }
                        if !('\u{20}'..='\u{3f}').contains(&c) {
                            // Not a well-formed sequence: drop what was read.
                            break;
                        }
                    }
                    if let Some((i, 'm')) = end {
                        let params = &text[start + 2..i];
                        if keep_sgr && params.bytes().all(|b| b.is_ascii_digit() || b == b';' || b == b':') {
                            out.push_str(&text[start..=i]);
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: strings up to BEL or ST (`ESC \`).
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    while let Some((_, c)) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' {
                            chars.next_if(|&(_, c)| c == '\\');
                            break;
                        }
                    }
                }
                // Two-byte sequences (`ESC c` resets the terminal) and a trailing ESC.
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\r' if keep_cr => out.push('\r'),
            '\r' => {
                if chars.peek().map(|&(_, c)| c) != Some('\n') {
                    out.push('\n');
                }
            }
            '\n' | '\t' => out.push(c),
            c if is_dropped(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Set when ward writes GitHub workflow commands (`--format github`), or runs in GitHub Actions.
static GITHUB: AtomicBool = AtomicBool::new(false);

/// Turns on the guard of [`guard_commands`] for every printer of this process.
pub fn set_github_commands() {
    GITHUB.store(true, Ordering::SeqCst);
}

pub fn github_commands() -> bool {
    static IN_ACTIONS: OnceLock<bool> = OnceLock::new();
    GITHUB.load(Ordering::SeqCst)
        || *IN_ACTIONS.get_or_init(|| std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true"))
}

/// The token that ends this process's `::stop-commands::` blocks: random, so that no file or
/// tool can know it and end a block early.
fn token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let mut bytes = [0u8; 16];
        let read = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
        if read.is_err() {
            // No /dev/urandom (a strange chroot): std's hasher keys come from the OS generator.
            use std::hash::{BuildHasher, Hasher};
            for chunk in bytes.chunks_mut(8) {
                let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
                hasher.write_u64(std::process::id().into());
                chunk.copy_from_slice(&hasher.finish().to_le_bytes()[..chunk.len()]);
            }
        }
        bytes.iter().fold(String::with_capacity(32), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    })
}

/// Set once a `::stop-commands::` block was written.
static FENCED: AtomicBool = AtomicBool::new(false);

/// The last byte written to stdout (0) and stderr (1), so a block starts on a line of its own.
static LAST_BYTE: [AtomicU8; 2] = [AtomicU8::new(b'\n'), AtomicU8::new(b'\n')];

/// Text that is not a workflow command of ward's own, made inert for the Actions runner.
///
/// The runner obeys `::command::` at the start of any line (after spaces) and `##[command]`
/// anywhere in it, on both streams: a file name or a tool's output could add a mask, stop
/// command processing or forge an error annotation. Such text goes inside a
/// `::stop-commands::TOKEN` ... `::TOKEN::` block; text that cannot hold a command is left as it
/// is, so logs stay readable. `stream` is 0 for stdout, 1 for stderr.
pub fn guard_commands(text: &str, stream: usize) -> Cow<'_, str> {
    let last = &LAST_BYTE[stream.min(1)];
    let out = if github_commands() && (text.contains("::") || text.contains("##[")) {
        let token = token();
        let mut out = String::with_capacity(text.len() + 2 * token.len() + 24);
        if last.load(Ordering::SeqCst) != b'\n' {
            out.push('\n');
        }
        let _ = writeln!(out, "::stop-commands::{token}");
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
        let _ = writeln!(out, "::{token}::");
        FENCED.store(true, Ordering::SeqCst);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    };
    if let Some(&b) = out.as_bytes().last() {
        last.store(b, Ordering::SeqCst);
    }
    out
}

/// Called before ward's own annotations go out: the runner reads stdout and stderr separately,
/// so a block just closed on the other stream gets a moment to be read first, or the runner
/// could still be inside it and ignore the annotations.
pub fn settle_before_commands() {
    if FENCED.load(Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Notes that ward wrote its own workflow commands (whole lines) on `stream`.
pub fn wrote_commands(stream: usize) {
    LAST_BYTE[stream.min(1)].store(b'\n', Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_as_git_quotes_paths() {
        assert!(matches!(name("src/Ünïcode file.php"), Cow::Borrowed(_)));
        assert_eq!(name("evil\n::error file=x::y"), r#""evil\n::error file=x::y""#);
        assert_eq!(name("a\u{1b}[2Jb\r\t\"q\"\\"), r#""a\033[2Jb\r\t\"q\"\\""#);
        assert_eq!(name("x\u{9b}y\u{202e}z\u{7f}"), r#""x\302\233y\342\200\256z\177""#);
    }

    #[test]
    fn terminal_text_loses_control_sequences() {
        let raw = "\u{1b}[2J\u{1b}[1;31merror\u{1b}[0m: \u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{1b}\\ ok\r\nnext\rover\u{7}\u{0}\u{1b}c\u{1b}[?25l\tend\u{1b}";
        assert_eq!(terminal(raw, false), "error: link ok\nnext\nover\tend");
        assert_eq!(terminal(raw, true), "\u{1b}[1;31merror\u{1b}[0m: link ok\nnext\nover\tend");
        assert!(matches!(terminal("plain\n\ttext ü", false), Cow::Borrowed(_)));
        assert_eq!(terminal("a\u{1b}[31;", true), "a", "an unfinished sequence is dropped");
        assert_eq!(terminal("\u{9b}2Jx\u{202e}y", true), "2Jxy");
    }

    #[test]
    fn command_guard_wraps_only_what_could_be_a_command() {
        set_github_commands();
        assert_eq!(guard_commands("plain text\n", 1), "plain text\n");
        let token = token();
        assert_eq!(token.len(), 32);
        let wrapped = guard_commands("  ::error::forged", 1);
        assert_eq!(wrapped, format!("::stop-commands::{token}\n  ::error::forged\n::{token}::\n"));
        guard_commands("no newline", 1);
        assert!(guard_commands("x ##[error]y", 1).starts_with("\n::stop-commands::"));
    }
}
