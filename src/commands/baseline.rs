//! `ward baseline`: runs the checks over every file and records their findings in
//! `.ward-baseline.json`, so that later runs report only new ones.

use anyhow::{bail, Context as _, Result};

use crate::cli::{BaselineArgs, Stage};
use crate::exit::ExitStatus;
use crate::outcome::baseline::{self, FILE_NAME};
use crate::outcome::Status;
use crate::printer::{Printer, Stream, Styles};

use super::Workspace;

pub fn baseline(args: &BaselineArgs) -> Result<ExitStatus> {
    let report = super::run::report_all(&args.config, args.stage.unwrap_or(Stage::Manual), &args.checks)?;
    let printer = Printer::new(args.config.color, Stream::Stdout);
    let (text, count) = baseline::render(&report);
    let root = Workspace::discover()?.root;
    let path = root.join(FILE_NAME);
    // Written in place of a regular file only: never through a link someone committed.
    if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
        bail!("{FILE_NAME} exists and is not a regular file (a symlink or a directory); remove it first");
    }
    let temp = root.join(format!("{FILE_NAME}.tmp{}", std::process::id()));
    std::fs::write(&temp, text).with_context(|| format!("cannot write {}", temp.display()))?;
    std::fs::rename(&temp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    let recorded = |c: &&crate::outcome::CheckOutcome| {
        c.diagnostics.iter().filter(|d| d.severity != crate::outcome::Severity::Info).count()
    };
    let with_findings: Vec<_> = report.checks.iter().filter(|c| recorded(c) > 0).collect();
    for check in &with_findings {
        printer.line(&format!("  {}: {}", check.id, plural(recorded(check), "finding")));
    }
    printer.line(&format!(
        "wrote {FILE_NAME}: {} of {}; later runs report only new findings (commit the file)",
        plural(count, "finding"),
        plural(with_findings.len(), "check")
    ));
    for check in report.checks.iter().filter(|c| c.status == Status::Error) {
        printer.line(&format!(
            "{} {} could not run, so none of its findings are recorded: {}",
            Styles::paint(printer.styles.warning, "warning:"),
            check.id,
            check.reason.as_deref().unwrap_or("see `ward run --all`")
        ));
    }
    Ok(ExitStatus::Success)
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
