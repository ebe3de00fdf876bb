//! `ward explain CHECK`: what a check does, what it matches, its command, how to fix or skip it.

use std::fmt::Write as _;

use anyhow::{bail, Result};

use crate::cli::ExplainArgs;
use crate::config::{suggest, Check, CheckKind};
use crate::exit::ExitStatus;
use crate::printer::escape::name;
use crate::printer::{Printer, Stream, Styles};

use super::Workspace;

pub fn explain(args: &ExplainArgs) -> Result<ExitStatus> {
    let ws = Workspace::discover()?;
    let printer = Printer::new(args.config.color, Stream::Stdout);
    let config = ws.load_config(args.config.config.as_deref(), &Printer::new(args.config.color, Stream::Stderr))?;
    let Some(check) = config.checks.iter().find(|c| c.id == args.check) else {
        if let Some(text) = preset_expansion(&args.check, &ws.root, &printer.styles) {
            printer.write(&text);
            return Ok(ExitStatus::Success);
        }
        let ids: Vec<&str> = config.checks.iter().map(|c| c.id.as_str()).collect();
        let hint = suggest(&args.check, &ids)
            .or_else(|| ids.iter().copied().find(|id| id.contains(args.check.as_str()) || args.check.contains(id)))
            .map_or_else(|| format!("; the checks are: {}", ids.join(", ")), |s| format!("; did you mean `{s}`?"));
        bail!("no check with id `{}`{hint} (`ward list` shows them)", args.check);
    };
    printer.write(&render(check, &printer.styles));
    Ok(ExitStatus::Success)
}

/// `ward explain PRESET` with no check of that id: what `uses = "PRESET"` expands to here (every
/// variant of one with several).
fn preset_expansion(name: &str, root: &std::path::Path, styles: &Styles) -> Option<String> {
    let preset = crate::config::presets::find(name)?;
    let tables: Vec<String> = if preset.variants.is_empty() {
        vec![format!("[checks.{name}]\nuses = \"{name}\"\n")]
    } else {
        preset
            .variants
            .iter()
            .map(|v| format!("[checks.{name}-{0}]\nuses = \"{name}\"\nlint = \"{0}\"\n", v.name))
            .collect()
    };
    let config = crate::config::parse(&tables.concat(), None, Some(root)).ok()?;
    let mut out = format!("`uses = \"{name}\"` (no check of this id in checks.toml) expands to:\n\n");
    for check in &config.checks {
        out.push_str(&render(check, styles));
        out.push('\n');
    }
    out.push_str(&format!("install: {}\n", preset.install));
    Some(out)
}

fn command_line(words: &[String], pass_files: bool) -> String {
    let mut text = crate::config::display_command(words);
    if pass_files {
        text.push_str(" FILES...");
    }
    text
}

pub fn render(check: &Check, styles: &Styles) -> String {
    let mut out = String::new();
    let id = name(&check.id);
    let title = super::list::title(check);
    let _ = writeln!(out, "{}", Styles::paint(styles.bold, &title));
    match &check.kind {
        CheckKind::Builtin(b) => {
            let _ = writeln!(out, "  {}", b.describe());
            let kind = if b.is_fixer() {
                "a built-in fixer: rewrites files in the hook and `ward run`; with --check it only reports"
            } else {
                "a built-in check: reads, never writes"
            };
            let _ = writeln!(out, "  kind:     {kind}");
        }
        CheckKind::External(e) => {
            if let Some(preset) = e.preset {
                let uses = match crate::config::presets::parent_of(preset) {
                    (top, Some(variant)) => format!("uses = \"{}\", lint = \"{variant}\"", top.name),
                    (top, None) => format!("uses = \"{}\"", top.name),
                };
                let _ = writeln!(out, "  {} (preset `{uses}`)", preset.description);
            }
            let _ = writeln!(out, "  command:  {}", command_line(&e.run, check.pass_files));
            if let Some(container) = &e.container {
                let root =
                    container.root.as_deref().map(|r| format!("; the repository is {r} there")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  runs in:  a container, through `{}`{root}",
                    crate::config::display_command(&container.prefix)
                );
            }
            if e.writes_report() {
                let _ =
                    writeln!(out, "            {{report}} is a file ward creates for the tool's report and reads back");
            }
            if let Some(fix) = &e.fix {
                let _ = writeln!(
                    out,
                    "  fix:      {}   (in the hook and `ward run`; `--check` runs the command above)",
                    command_line(fix, check.pass_files)
                );
            }
            if let Some(format) = &e.format {
                let _ = writeln!(out, "  output:   parsed as {} into file and line findings", format.name());
            }
            if let Some(why) = &e.unusable {
                let _ = writeln!(out, "  {}     {why}", Styles::paint(styles.error, "note:"));
            }
        }
    }
    let files = check.files.as_ref().map_or_else(|| "all files".to_string(), |g| g.patterns.join(", "));
    let mut matches = files;
    if let Some(exclude) = &check.exclude {
        let _ = write!(matches, ", except {}", exclude.patterns.join(", "));
    }
    for note in check.filter_notes() {
        let _ = write!(matches, "; {note}");
    }
    let reads_messages = matches!(&check.kind, CheckKind::Builtin(b) if b.reads_messages());
    if reads_messages {
        matches = "the commit message (the commit-msg hook, --message FILE), or each commit of a \
                   --from-ref or --ci range"
            .to_string();
    }
    let _ = writeln!(out, "  matches:  {matches}");
    if !check.pass_files && check.always_run && !reads_messages {
        let _ = writeln!(out, "            runs once on the whole project, on every run of its stages");
    } else if !check.pass_files && !reads_messages {
        let _ = writeln!(out, "            runs once on the whole project when any of them is selected");
    }
    if !check.env.is_empty() {
        let env: Vec<String> = check.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(out, "  env:      {}", env.join(" "));
    }
    let stages: Vec<&str> = check.stages.iter().map(|s| s.name()).collect();
    let _ = writeln!(out, "  stages:   {}", stages.join(", "));
    if let Some(timeout) = check.timeout {
        let _ = writeln!(out, "  timeout:  {} (then the tool is stopped)", humantime::format_duration(timeout));
    }
    if let Some(size) = check.batch_size {
        let _ = writeln!(out, "  batches:  at most {size} files per process (batch_size)");
    }
    if check.is_fixer() {
        let _ = writeln!(out, "  to fix:   ward run --fix {id}");
    }
    let _ = writeln!(out, "  to skip:  SKIP={id} git commit ...   or   ward run --skip {id}");
    out
}
