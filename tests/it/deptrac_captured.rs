//! The deptrac stand-in against what the real deptrac printed (fixtures/deptrac-captured): the
//! same bytes on the same projects, and ward's deptrac preset finding what the real one found.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::tools::{copy_dir, fixtures, require, symfony_app};

/// The root the captures were taken at was this long; the table formatter pads columns to the
/// longest line, absolute paths included, so the stand-in must run at a root of the same length.
const ROOT_LEN: usize = 64;

struct Run {
    kept: String,
    code: i32,
    args: Vec<String>,
}

fn captured_versions() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(fixtures().join("deptrac-captured"))
        .expect("fixtures/deptrac-captured")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("runs.txt").is_file())
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no captured deptrac output under fixtures/deptrac-captured");
    found
}

fn runs(version: &Path) -> Vec<Run> {
    let text = std::fs::read_to_string(version.join("runs.txt")).expect("runs.txt");
    text.lines()
        .map(|line| {
            let mut words = line.split_whitespace();
            let kept = words.next().expect("kept file").to_string();
            let code = words.next().and_then(|c| c.parse().ok()).expect("exit code");
            Run { kept, code, args: words.map(str::to_string).collect() }
        })
        .collect()
}

/// A copy of `project` at a real path of exactly ROOT_LEN characters below `dir`.
fn project_at_fixed_length_root(dir: &Path, project: &str) -> PathBuf {
    let base = std::fs::canonicalize(dir).expect("realpath of the temporary directory");
    let base_len = base.as_os_str().len();
    assert!(
        base_len + 2 <= ROOT_LEN,
        "the temporary directory {} is too long to hold a {ROOT_LEN}-character project root (set TMPDIR shorter)",
        base.display()
    );
    let root = base.join("r".repeat(ROOT_LEN - base_len - 1));
    std::fs::create_dir(&root).expect("mkdir root");
    copy_dir(&fixtures().join(project), &root);
    assert_eq!(root.as_os_str().len(), ROOT_LEN);
    root
}

/// The first line where `actual` and `expected` differ, for a readable failure.
fn first_difference(actual: &str, expected: &str) -> String {
    for (n, (a, e)) in actual.split('\n').zip(expected.split('\n')).enumerate() {
        if a != e {
            return format!("line {}:\n  stand-in: {a:?}\n  deptrac:  {e:?}", n + 1);
        }
    }
    format!("lengths differ: stand-in {} bytes, deptrac {} bytes", actual.len(), expected.len())
}

/// Runs the stand-in as `run` was run and requires what the real deptrac printed.
fn replay(version: &Path, run: &Run) {
    let script = fixtures().join("bin/deptrac");
    let (project, _) = run.kept.split_once('/').expect("<project>/<file>");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project_at_fixed_length_root(dir.path(), project);
    let out = Command::new("python3")
        .arg(&script)
        .args(&run.args)
        .current_dir(&root)
        .env_remove("COLUMNS")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("running the deptrac stand-in");
    let label = format!("{} ({})", run.kept, run.args.join(" "));
    let root_text = root.to_str().expect("utf-8 root");
    // The stdout file is always kept; the stderr one only when there was any.
    let kept = |name: &str| -> String {
        let path = version.join(name);
        let text = if name.ends_with(".stderr") && !path.exists() {
            String::new()
        } else {
            std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        };
        // `{ROOT}\/` stood for the root as JSON escapes it, any other `{ROOT}` for the
        // root as printed.
        text.replace("{ROOT}\\/", &format!("{}\\/", root_text.replace('/', "\\/"))).replace("{ROOT}", root_text)
    };
    let stdout = String::from_utf8(out.stdout).expect("utf-8 output");
    let stderr = String::from_utf8(out.stderr).expect("utf-8 errors");
    let expected = kept(&run.kept);
    assert!(stdout == expected, "{label}: not what deptrac printed; {}", first_difference(&stdout, &expected));
    // Only the runs that failed on their arguments or configuration printed to stderr.
    let expected_err = kept(&format!("{}.stderr", run.kept));
    assert!(stderr == expected_err, "{label}: stderr; {}", first_difference(&stderr, &expected_err));
    assert_eq!(out.status.code(), Some(run.code), "{label}: exit code");
    // The AST cache in the current directory: there exactly when deptrac left one, empty when
    // it only created it, else the same files and hashes.
    let cache = root.join(".deptrac.cache");
    let kept_cache = version.join(format!("{}.cache", run.kept));
    assert_eq!(cache.exists(), kept_cache.exists(), "{label}: whether .deptrac.cache is left behind");
    if kept_cache.exists() {
        let summary = Command::new("python3")
            .arg(fixtures().join("deptrac-captured/cache-summary.py"))
            .arg(&cache)
            .output()
            .expect("summarising .deptrac.cache");
        assert!(summary.status.success(), "{label}: {}", String::from_utf8_lossy(&summary.stderr));
        let expected_cache = kept(&format!("{}.cache", run.kept));
        let actual_cache = String::from_utf8(summary.stdout).expect("utf-8 summary");
        assert!(
            actual_cache == expected_cache,
            "{label}: .deptrac.cache; {}",
            first_difference(&actual_cache, &expected_cache)
        );
    }
}

#[test]
fn the_stand_in_prints_what_the_real_deptrac_printed_byte_for_byte() {
    // The stand-in asks PHP which files parse (the corpus has files that do not).
    if require("php").is_none() || require("python3").is_none() {
        return;
    }
    let all: Vec<(PathBuf, Run)> =
        captured_versions().into_iter().flat_map(|v| runs(&v).into_iter().map(move |r| (v.clone(), r))).collect();
    assert!(all.len() >= 19, "only {} captured runs", all.len());
    // A few at a time: each run is a Python and a PHP process.
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((version, run)) = all.get(index) else { break };
                replay(version, run);
            });
        }
    });
}

/// (path relative to the project, line, message) of every error in a kept JSON report.
fn captured_errors(kept: &str) -> Vec<(String, u64, String)> {
    let report: serde_json::Value = serde_json::from_str(kept).expect("kept JSON");
    let mut found = Vec::new();
    for (file, entry) in report["files"].as_object().expect("files") {
        for message in entry["messages"].as_array().expect("messages") {
            if message["type"] == "error" {
                found.push((
                    file.strip_prefix("{ROOT}/").expect("a path below {ROOT}").to_string(),
                    message["line"].as_u64().expect("line"),
                    message["message"].as_str().expect("message").to_string(),
                ));
            }
        }
    }
    found
}

#[test]
fn the_deptrac_preset_reports_what_the_real_deptrac_found_on_the_fixture() {
    let Some(repo) = symfony_app() else { return };
    let version = captured_versions().pop().expect("a captured version");
    for (check_id, kept) in
        [("deptrac-layers", "symfony-app/layers.json"), ("deptrac-domains", "symfony-app/domains.json")]
    {
        let expected = captured_errors(&std::fs::read_to_string(version.join(kept)).expect("kept"));
        assert!(!expected.is_empty(), "{kept} has no violation to look for");
        let (run, report) = repo.ward_json(&["--all", check_id]);
        run.code(1);
        let c = check(&report, check_id);
        assert_eq!(c["status"], "failed", "{c}");
        let found: Vec<(String, u64, String)> = c["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["severity"] == "error")
            .map(|d| {
                (
                    d["path"].as_str().unwrap_or("").to_string(),
                    d["line"].as_u64().unwrap_or(0),
                    d["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        assert_eq!(found, expected, "{check_id}: ward's findings against {kept}");
    }
}
