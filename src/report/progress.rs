//! Live progress on a terminal: the checks running (with their time, so a long phpstan shows it
//! is alive), how many are done and queued, redrawn in place under the finished check lines.
//! Off the terminal (CI logs, pipes) nothing is drawn: check lines are printed once, as they end.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::printer::escape;
use crate::printer::{Printer, Styles};

/// Erases the status line: carriage return, then clear the whole line.
const CLEAR: &str = "\r\x1b[2K";
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub struct Progress<'a> {
    printer: &'a Printer,
    live: bool,
    started: Instant,
    state: Mutex<State>,
}

struct State {
    running: Vec<(String, Instant)>,
    done: usize,
    total: usize,
    drawn: bool,
    frame: usize,
}

impl<'a> Progress<'a> {
    /// `live` draws the status line; decide it with [`live_allowed`].
    pub fn new(printer: &'a Printer, live: bool, total: usize) -> Self {
        Progress {
            printer,
            live,
            started: Instant::now(),
            state: Mutex::new(State { running: Vec::new(), done: 0, total, drawn: false, frame: 0 }),
        }
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn started(&self, name: &str) {
        let mut state = self.lock();
        state.running.push((name.to_string(), Instant::now()));
        self.draw(&mut state);
    }

    /// Prints a finished check's block above the status line, then redraws it.
    pub fn finished(&self, name: &str, block: &str) {
        let mut state = self.lock();
        if let Some(i) = state.running.iter().position(|(n, _)| n == name) {
            state.running.remove(i);
        }
        state.done += 1;
        if self.live && state.drawn {
            self.printer.write_control(CLEAR);
            state.drawn = false;
        }
        self.printer.write(block);
        self.draw(&mut state);
    }

    /// Called by a ticker a few times a second so elapsed times keep moving.
    pub fn tick(&self) {
        let mut state = self.lock();
        state.frame += 1;
        self.draw(&mut state);
    }

    /// Removes the status line for good, before the summary.
    pub fn clear(&self) {
        let mut state = self.lock();
        if state.drawn {
            self.printer.write_control(CLEAR);
            state.drawn = false;
        }
        state.total = 0;
    }

    fn draw(&self, state: &mut State) {
        if !self.live || state.total == 0 || state.done >= state.total {
            return;
        }
        let line = status_line(state, self.started.elapsed(), &self.printer.styles);
        let line = truncate(&line, self.printer.width.saturating_sub(1));
        self.printer.write_control(&format!("{CLEAR}{line}"));
        state.drawn = true;
    }
}

fn status_line(state: &State, elapsed: Duration, styles: &Styles) -> String {
    let spinner = SPINNER[state.frame % SPINNER.len()];
    let queued = state.total.saturating_sub(state.done + state.running.len());
    let mut running: Vec<String> = state
        .running
        .iter()
        .map(|(name, since)| format!("{} {:.1}s", escape::name(name), since.elapsed().as_secs_f64()))
        .collect();
    if running.is_empty() {
        running.push("starting".into());
    }
    format!(
        "{spinner} {} {} · {} done · {} queued · {:.1}s",
        Styles::paint(styles.bold, "running"),
        running.join(", "),
        state.done,
        queued,
        elapsed.as_secs_f64()
    )
}

/// Cuts a line to `width` visible characters, leaving escape sequences whole.
fn truncate(line: &str, width: usize) -> String {
    let mut out = String::new();
    let mut visible = 0;
    let mut in_escape = false;
    for c in line.chars() {
        if c == '\x1b' {
            in_escape = true;
        }
        if in_escape {
            out.push(c);
            in_escape = !c.is_ascii_alphabetic() || c == '\x1b' || c == '[';
            continue;
        }
        if visible + 1 >= width {
            out.push('…');
            break;
        }
        out.push(c);
        visible += 1;
    }
    out
}

/// Live progress only where a person watches a terminal: not in CI, not on a dumb terminal.
pub fn live_allowed(printer: &Printer) -> bool {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    let dumb = std::env::var_os("TERM").is_none_or(|t| t == "dumb");
    printer.is_terminal() && !ci && !dumb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_escapes_and_counts_visible_characters() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("\x1b[1mab\x1b[0mcdef", 4), "\x1b[1mab\x1b[0mc…");
        assert_eq!(truncate("abc", 10), "abc");
    }

    #[test]
    fn status_line_counts() {
        let state =
            State { running: vec![("phpstan".into(), Instant::now())], done: 3, total: 6, drawn: false, frame: 0 };
        let line = status_line(&state, Duration::from_millis(1500), &Styles::new(false));
        assert!(line.contains("running phpstan 0.0s · 3 done · 2 queued · 1.5s"), "{line}");
    }
}
