//! `ward list` and `ward validate`.

use anyhow::Result;

use crate::cli::ConfigArgs;
use crate::config::CheckKind;
use crate::exit::ExitStatus;
use crate::printer::escape::name;
use crate::printer::{Printer, Stream, Styles};

use super::Workspace;

pub fn list(args: &ConfigArgs) -> Result<ExitStatus> {
    let ws = Workspace::discover()?;
    let printer = Printer::new(args.color, Stream::Stdout);
    let config = ws.load_config(args.config.as_deref(), &Printer::new(args.color, Stream::Stderr))?;
    for check in &config.checks {
        let mut text = Styles::paint(printer.styles.bold, &title(check));
        text.push('\n');
        match &check.kind {
            CheckKind::Builtin(b) => text.push_str(&format!("    builtin: {} — {}\n", b.name(), b.describe())),
            CheckKind::External(e) => {
                text.push_str(&format!("    run: {}\n", crate::config::display_command(&e.run)));
                if let Some(fix) = &e.fix {
                    text.push_str(&format!("    fix: {}\n", crate::config::display_command(fix)));
                }
            }
        }
        let stages: Vec<&str> = check.stages.iter().map(|s| s.name()).collect();
        text.push_str(&format!("    stages: {}\n", stages.join(", ")));
        let files = check.files.as_ref().map_or_else(|| "all files".to_string(), |g| g.patterns.join(", "));
        text.push_str(&format!("    files: {files}"));
        if let Some(exclude) = &check.exclude {
            text.push_str(&format!(" except {}", exclude.patterns.join(", ")));
        }
        for note in check.filter_notes() {
            text.push_str(&format!("; {note}"));
        }
        if !check.pass_files {
            text.push_str(" (runs once on the whole project when any of them is selected)");
        }
        text.push('\n');
        if !printer.write(&text) {
            break;
        }
    }
    Ok(ExitStatus::Success)
}

/// The id, with the name where it says more: `phpstan (changed files)`, never
/// `phpstan (phpstan (changed files))`.
pub(super) fn title(check: &crate::config::Check) -> String {
    let (id, shown) = (name(&check.id), name(&check.name));
    if check.name == check.id || check.name.starts_with(&format!("{} (", check.id)) {
        shown.into_owned()
    } else {
        format!("{id} ({shown})")
    }
}

pub fn validate(args: &ConfigArgs) -> Result<ExitStatus> {
    let ws = Workspace::discover()?;
    let printer = Printer::new(args.color, Stream::Stdout);
    let config = ws.load_config(args.config.as_deref(), &printer)?;
    let source =
        config.path.as_deref().map_or_else(|| "the default configuration".to_string(), |p| p.display().to_string());
    printer.line(&format!("{source} is valid: {} checks", config.checks.len()));
    Ok(ExitStatus::Success)
}
