//! `ward report merge`: one report from the JSON reports of CI shards.

use anyhow::{Context as _, Result};

use crate::cli::MergeArgs;
use crate::exit::ExitStatus;
use crate::outcome::Report;
use crate::printer::{Printer, Stream};

pub fn merge(args: &MergeArgs) -> Result<ExitStatus> {
    let mut reports = Vec::new();
    for path in &args.reports {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let report: Report =
            serde_json::from_str(&text).with_context(|| format!("{} is not a ward JSON report", path.display()))?;
        reports.push(report);
    }
    let merged = crate::report::merge::merge(reports)?;
    // The merged report goes where --output says; standard output only without one.
    if args.output.is_empty() {
        let text = crate::report::render(args.format, &merged).unwrap_or_else(|| crate::report::json::render(&merged));
        Printer::new(crate::cli::ColorChoice::Never, Stream::Stdout).write_report(&text);
    }
    super::write_outputs(&args.output, args.format, &merged)?;
    // Like a run: the merged result decides the exit code, so a merge job fails the pipeline.
    Ok(if merged.is_success() { ExitStatus::Success } else { ExitStatus::Failure })
}
