//! `--format json`: the whole report as one stable JSON document (documented in the README).

use crate::outcome::Report;

pub fn render(report: &Report) -> String {
    // Serializing plain owned data cannot fail; the fallback keeps the contract anyway.
    let mut text = serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    text.push('\n');
    text
}
