//! The one way output reaches people: stream choice, colour policy, width, broken pipes.

pub mod escape;

use std::io::{self, IsTerminal, Write};

use owo_colors::{OwoColorize, Style};

use crate::cli::ColorChoice;

/// Which standard stream a printer writes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => io::stdout().is_terminal(),
            Stream::Stderr => io::stderr().is_terminal(),
        }
    }
}

/// Decides colour: an explicit `--color` wins; then `NO_COLOR`, `FORCE_COLOR`, `TERM=dumb`;
/// then whether the stream is a terminal.
pub fn use_color(choice: ColorChoice, stream: Stream) -> bool {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if env("NO_COLOR").is_some() {
                false
            } else if env("FORCE_COLOR").is_some_and(|v| v != "0" && v != "false") {
                true
            } else if std::env::var_os("TERM").is_some_and(|t| t == "dumb") {
                false
            } else {
                stream.is_terminal()
            }
        }
    }
}

/// Semantic styles; all plain when colour is off, so callers never branch on colour.
#[derive(Clone, Copy, Debug)]
pub struct Styles {
    pub passed: Style,
    pub failed: Style,
    pub skipped: Style,
    pub no_files: Style,
    pub subtle: Style,
    pub bold: Style,
    pub path: Style,
    pub error: Style,
    pub warning: Style,
    /// Whether a tool's own colours may pass through to this stream: only with colour on and
    /// a terminal reading (see [`escape::terminal`]).
    pub tool_sgr: bool,
}

impl Styles {
    pub fn new(color: bool) -> Styles {
        if !color {
            let plain = Style::new();
            return Styles {
                passed: plain,
                failed: plain,
                skipped: plain,
                no_files: plain,
                subtle: plain,
                bold: plain,
                path: plain,
                error: plain,
                warning: plain,
                tool_sgr: false,
            };
        }
        Styles {
            passed: Style::new().green(),
            failed: Style::new().red().bold(),
            skipped: Style::new().yellow(),
            no_files: Style::new().cyan(),
            subtle: Style::new().dimmed(),
            bold: Style::new().bold(),
            path: Style::new().bold().underline(),
            error: Style::new().red().bold(),
            warning: Style::new().yellow().bold(),
            tool_sgr: false,
        }
    }

    pub fn paint(style: Style, text: &str) -> String {
        text.style(style).to_string()
    }

    /// Captured text (tool output, a tool's message) as this stream may show it.
    pub fn tool_text<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        escape::terminal(text, self.tool_sgr)
    }
}

/// Writes whole blocks to one stream. A closed pipe (`ward list | head`) ends output quietly.
#[derive(Clone, Copy, Debug)]
pub struct Printer {
    pub stream: Stream,
    pub styles: Styles,
    pub color: bool,
    /// Columns available for check lines.
    pub width: usize,
}

impl Printer {
    pub fn new(choice: ColorChoice, stream: Stream) -> Printer {
        let color = use_color(choice, stream);
        let width = if stream.is_terminal() {
            terminal_size::terminal_size().map_or(80, |(w, _)| usize::from(w.0))
        } else {
            80
        };
        let mut styles = Styles::new(color);
        styles.tool_sgr = color && stream.is_terminal();
        Printer { stream, styles, color, width: width.clamp(40, 100) }
    }

    pub fn is_terminal(&self) -> bool {
        self.stream.is_terminal()
    }

    /// Writes `text` as one unit; returns false once the reader has gone away.
    ///
    /// Whatever a caller put together, no control sequence but colour (and that only with
    /// colour on) reaches the stream, and nothing in it can act as a GitHub workflow command.
    pub fn write(&self, text: &str) -> bool {
        let text = escape::terminal(text, self.color);
        self.write_raw(&escape::guard_commands(&text, self.stream as usize))
    }

    /// Ward's own terminal control (the live progress line), written as it is.
    pub fn write_control(&self, text: &str) -> bool {
        self.write_raw(text)
    }

    /// A machine report as its format escaped it: ward's own workflow commands
    /// (`::error file=...::`), JSON, XML. Never wrapped, so commands act and files parse.
    pub fn write_report(&self, text: &str) -> bool {
        escape::wrote_commands(self.stream as usize);
        self.write_raw(text)
    }

    fn write_raw(&self, text: &str) -> bool {
        let result = match self.stream {
            Stream::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            Stream::Stderr => {
                let mut out = io::stderr().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
        };
        match result {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => false,
            Err(_) => false,
        }
    }

    pub fn line(&self, text: &str) -> bool {
        self.write(&format!("{text}\n"))
    }
}

/// `13,139`: a count as people read it.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Text from outside (a file name) made safe for a terminal: control characters escaped.
pub fn escape_control(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

#[cfg(test)]
mod count_tests {
    #[test]
    fn thousands_are_grouped() {
        assert_eq!(super::thousands(13139), "13,139");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000_000), "1,000,000");
        assert_eq!(super::escape_control("a\x1b[31mb\n"), "a\\u{1b}[31mb\\n");
    }
}
