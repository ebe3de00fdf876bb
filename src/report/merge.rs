//! Merging the reports of sharded runs into what one unsharded run would have reported.

use std::collections::HashMap;

use anyhow::{bail, Result};

use crate::outcome::{CheckOutcome, Report, Status};

/// Combines shard reports: checks by id in first-seen order, the worst status, summed files,
/// sorted and deduplicated findings, the longest duration.
pub fn merge(reports: Vec<Report>) -> Result<Report> {
    if reports.is_empty() {
        // An empty merge would read as "all passed" when CI collected no shard at all.
        bail!("no reports to merge");
    }
    if let Some((i, report)) = reports.iter().enumerate().find(|(_, r)| r.version != Report::VERSION) {
        bail!(
            "report {} has format version {}, but this ward reads version {}; merge the reports \
             with the ward that wrote them",
            i + 1,
            report.version,
            Report::VERSION
        );
    }
    // Shards run side by side, so the run took as long as the slowest one.
    let duration_ms = reports.iter().map(|r| r.summary.duration_ms).max().unwrap_or(0);
    let mut order: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Vec<CheckOutcome>> = Vec::new();
    for check in reports.into_iter().flat_map(|r| r.checks) {
        match order.get(&check.id) {
            Some(&i) => groups[i].push(check),
            None => {
                order.insert(check.id.clone(), groups.len());
                groups.push(vec![check]);
            }
        }
    }
    Ok(Report::new(groups.into_iter().map(merge_check).collect(), duration_ms))
}

/// Error > failed > passed > skipped: a check skipped for lack of files in one shard and passed
/// in another passed.
fn rank(status: Status) -> u8 {
    match status {
        Status::Skipped => 0,
        Status::Passed => 1,
        Status::Failed => 2,
        Status::Error => 3,
    }
}

fn merge_check(shards: Vec<CheckOutcome>) -> CheckOutcome {
    let status = shards.iter().map(|c| c.status).max_by_key(|&s| rank(s)).unwrap_or(Status::Skipped);
    let deciding: Vec<&CheckOutcome> = shards.iter().filter(|c| c.status == status).collect();

    // Like pre-commit across batches: the code furthest from zero, the first on a tie.
    let mut exit_code: Option<i32> = None;
    for code in deciding.iter().filter_map(|c| c.exit_code) {
        if exit_code.is_none_or(|best| code.unsigned_abs() > best.unsigned_abs()) {
            exit_code = Some(code);
        }
    }
    let mut reasons: Vec<&str> = Vec::new();
    for reason in deciding.iter().filter_map(|c| c.reason.as_deref()) {
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    let reason = (!reasons.is_empty()).then(|| reasons.join("; "));

    let outputs: Vec<&str> = shards.iter().map(|c| c.output.trim_end()).filter(|o| !o.is_empty()).collect();
    let mut output = outputs.join("\n\n");
    if !output.is_empty() {
        output.push('\n');
    }

    let mut modified_files: Vec<String> = shards.iter().flat_map(|c| c.modified_files.iter().cloned()).collect();
    modified_files.sort();
    modified_files.dedup();

    // Checks that see the whole project run in every shard and repeat the same findings.
    let mut diagnostics: Vec<_> = shards.iter().flat_map(|c| c.diagnostics.iter().cloned()).collect();
    diagnostics.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.message, &a.rule, a.severity)
            .cmp(&(&b.path, b.line, b.column, &b.message, &b.rule, b.severity))
    });
    diagnostics.dedup();

    let first = &shards[0];
    CheckOutcome {
        id: first.id.clone(),
        name: first.name.clone(),
        status,
        exit_code,
        duration_ms: shards.iter().map(|c| c.duration_ms).max().unwrap_or(0),
        files: shards.iter().map(|c| c.files).sum(),
        modified_files,
        output,
        diagnostics,
        reason,
        cache: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Diagnostic, Severity};
    use crate::report::fixture::check;

    fn shard(checks: Vec<CheckOutcome>, duration_ms: u64) -> Report {
        Report::new(checks, duration_ms)
    }

    #[test]
    fn checks_merge_by_id_in_first_seen_order() {
        let merged = merge(vec![
            shard(vec![check("a", Status::Passed), check("b", Status::Passed)], 10),
            shard(vec![check("c", Status::Passed), check("a", Status::Passed)], 30),
        ])
        .expect("merges");
        let ids: Vec<&str> = merged.checks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(merged.summary.passed, 3);
        assert_eq!(merged.summary.duration_ms, 30);
    }

    #[test]
    fn the_worst_status_wins() {
        let cases = [
            (Status::Skipped, Status::Passed, Status::Passed),
            (Status::Passed, Status::Failed, Status::Failed),
            (Status::Failed, Status::Error, Status::Error),
            (Status::Error, Status::Skipped, Status::Error),
            (Status::Skipped, Status::Skipped, Status::Skipped),
        ];
        for (one, two, expected) in cases {
            let merged = merge(vec![shard(vec![check("x", one)], 0), shard(vec![check("x", two)], 0)]).expect("merges");
            assert_eq!(merged.checks[0].status, expected, "{one:?} + {two:?}");
        }
    }

    #[test]
    fn skipped_for_no_files_and_passed_elsewhere_is_passed() {
        let mut skipped = check("lint", Status::Skipped);
        skipped.reason = Some("no files to check".into());
        let mut passed = check("lint", Status::Passed);
        passed.files = 4;
        passed.duration_ms = 80;
        let merged = merge(vec![shard(vec![skipped], 5), shard(vec![passed.clone()], 90)]).expect("merges");
        assert_eq!(merged.checks, vec![passed]);
        assert_eq!(merged.summary.skipped, 0);
        assert!(merged.is_success());
    }

    #[test]
    fn failing_shard_decides_exit_code_and_everything_else_adds_up() {
        let mut one = check("lint", Status::Passed);
        one.files = 2;
        one.duration_ms = 50;
        one.output = "ok\n".into();
        let mut two = check("lint", Status::Failed);
        two.exit_code = Some(2);
        two.files = 3;
        two.duration_ms = 20;
        two.output = "b.rs: bad\n".into();
        two.modified_files = vec!["z.rs".into(), "b.rs".into()];
        let mut three = check("lint", Status::Failed);
        three.files = 1;
        three.modified_files = vec!["b.rs".into()];
        let project_wide = Diagnostic { path: None, ..Diagnostic::error("", "config missing") };
        two.diagnostics = vec![
            Diagnostic::error("b.rs", "bad").at_line(9),
            project_wide.clone(),
            Diagnostic::error("b.rs", "bad").at_line(2).at_column(7),
        ];
        three.diagnostics = vec![
            Diagnostic::error("a.rs", "worse").at_line(1),
            project_wide.clone(),
            Diagnostic::error("a.rs", "worse").at_line(1).with_severity(Severity::Warning),
        ];
        let merged = merge(vec![shard(vec![one], 50), shard(vec![two], 20), shard(vec![three], 0)]).expect("merges");
        let lint = &merged.checks[0];
        assert_eq!(lint.status, Status::Failed);
        assert_eq!(lint.exit_code, Some(2));
        assert_eq!(lint.files, 6);
        assert_eq!(lint.duration_ms, 50);
        assert_eq!(lint.output, "ok\n\nb.rs: bad\n");
        assert_eq!(lint.modified_files, ["b.rs", "z.rs"]);
        assert_eq!(
            lint.diagnostics,
            vec![
                project_wide,
                Diagnostic::error("a.rs", "worse").at_line(1),
                Diagnostic::error("a.rs", "worse").at_line(1).with_severity(Severity::Warning),
                Diagnostic::error("b.rs", "bad").at_line(2).at_column(7),
                Diagnostic::error("b.rs", "bad").at_line(9),
            ]
        );
        assert_eq!((merged.summary.failed, merged.summary.passed), (1, 0));
    }

    #[test]
    fn error_reasons_are_kept_once() {
        let errored = |reason: &str| {
            let mut c = check("scan", Status::Error);
            c.reason = Some(reason.into());
            shard(vec![c], 0)
        };
        let merged = merge(vec![errored("timed out"), errored("timed out"), errored("killed")]).expect("merges");
        assert_eq!(merged.checks[0].reason.as_deref(), Some("timed out; killed"));
        assert_eq!(merged.summary.errors, 1);
    }

    #[test]
    fn a_single_report_is_unchanged() {
        let report = crate::report::fixture::report();
        let mut expected = report.clone();
        for check in &mut expected.checks {
            check.diagnostics = merge_check(vec![check.clone()]).diagnostics;
        }
        assert_eq!(merge(vec![report]).expect("merges"), expected);
    }

    #[test]
    fn refuses_other_versions_and_nothing() {
        let mut newer = shard(vec![check("a", Status::Passed)], 0);
        newer.version = Report::VERSION + 1;
        let err = merge(vec![shard(Vec::new(), 0), newer]).expect_err("refused");
        assert!(err.to_string().contains("report 2 has format version 2"), "{err}");
        assert!(merge(Vec::new()).is_err());
    }
}
