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
    let with_findings = report.checks.iter().filter(|c| !c.diagnostics.is_empty()).count();
    let noun = if count == 1 { "finding" } else { "findings" };
    printer.line(&format!(
        "wrote {FILE_NAME}: {count} {noun} of {with_findings} check(s); later runs report only new findings (commit the file)"
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
