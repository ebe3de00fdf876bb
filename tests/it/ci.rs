//! The CI step: base detection, shallow clones, report formats read by real consumers, shards.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// A repository with a `main` pushed to a local bare remote and a feature branch on top.
fn pull_request() -> (TestRepo, PathBuf) {
    let repo = TestRepo::new();
    let remote = repo.temp().join("remote.git");
    let out = Command::new("git").args(["init", "-q", "--bare", "-b", "main"]).arg(&remote).output().expect("git");
    assert!(out.status.success());
    repo.script("tools/no-todo", "if grep -Hn TODO \"$@\"; then exit 1; fi");
    repo.config("[checks.no-todo]\nrun = \"tools/no-todo\"\nfiles = [\"*.txt\"]\nregex = '^(?P<path>[^:]+):(?P<line>\\d+):(?P<message>.*)$'\n");
    repo.write("base.txt", "TODO from long ago\n").commit("base");
    repo.git(&["remote", "add", "origin", remote.to_str().expect("utf-8")]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.git(&["fetch", "-q", "origin"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature.txt", "TODO new\n").write("clean.txt", "ok\n").commit("feature work");
    (repo, remote)
}

fn ward_env(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = repo.ward_cmd();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::from(cmd.output().expect("ward"))
}

#[test]
fn check_from_ref_checks_the_branch_and_writes_nothing() {
    let (repo, _) = pull_request();
    repo.script("tools/fixer", "for f in \"$@\"; do echo fixed > \"$f\"; done");
    repo.config("[checks.no-todo]\nrun = \"tools/no-todo\"\nfiles = [\"*.txt\"]\n\n[checks.fixer]\nrun = \"true\"\nfix = \"tools/fixer\"\nfiles = [\"*.txt\"]\n");
    repo.commit("config");
    let (run, report) = repo.ward_json(&["--check", "--from-ref", "origin/main"]);
    run.code(1);
    assert_eq!(check(&report, "no-todo")["files"], 2, "feature.txt and clean.txt, not base.txt");
    assert_eq!(repo.read_string("feature.txt"), "TODO new\n", "--check never writes");
    assert_eq!(check(&report, "fixer")["status"], "passed");
}

#[test]
fn ci_detects_the_github_pull_request_base() {
    let (repo, _) = pull_request();
    let run = ward_env(
        &repo,
        &["run", "--ci", "--format", "json"],
        &[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_NAME", "pull_request"), ("GITHUB_BASE_REF", "main")],
    );
    run.code(1).stderr_has("origin/main...HEAD").stderr_has("GitHub Actions");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(check(&report, "no-todo")["files"], 2);
}

#[test]
fn ci_reads_the_github_event_file() {
    let (repo, _) = pull_request();
    let base = repo.git(&["rev-parse", "main"]).trim().to_string();
    let event = repo.temp().join("event.json");
    std::fs::write(&event, format!("{{\"pull_request\":{{\"base\":{{\"sha\":\"{base}\"}}}}}}")).expect("event");
    let run = ward_env(
        &repo,
        &["run", "--ci"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", event.to_str().expect("utf-8")),
        ],
    );
    run.code(1).stdout_has(&format!("{base}...HEAD")).stdout_has("feature.txt");
}

#[test]
fn ci_uses_gitlab_merge_request_variables() {
    let (repo, _) = pull_request();
    let base = repo.git(&["rev-parse", "main"]).trim().to_string();
    let run = ward_env(&repo, &["run", "--ci"], &[("GITLAB_CI", "true"), ("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)]);
    run.code(1).stdout_has(&format!("{base}...HEAD")).stdout_has("GitLab");
}

#[test]
fn ci_without_ci_variables_falls_back_to_the_default_branch() {
    let (repo, _) = pull_request();
    let run = ward_env(&repo, &["run", "--ci"], &[]);
    run.code(1).stdout_has("origin/main...HEAD").stdout_has("default branch");
}

#[test]
fn a_shallow_clone_without_the_base_says_exactly_what_to_fetch() {
    let (repo, remote) = pull_request();
    repo.git(&["push", "-q", "origin", "feature"]);
    let clone = repo.temp().join("shallow");
    let url = format!("file://{}", remote.display());
    let out = repo.git_os(["clone", "-q", "--depth", "1", "--branch", "feature", &url, clone.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ward_ci = || {
        let mut cmd = repo.ward_cmd();
        cmd.current_dir(&clone).args(["run", "--ci"]);
        for (k, v) in [("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_NAME", "pull_request"), ("GITHUB_BASE_REF", "main")] {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("ward"))
    };
    ward_ci().code(2).stderr_has("git fetch --no-tags --deepen=1000 origin");
    // Following the advice makes the same command work.
    let fetch = Command::new("git")
        .current_dir(&clone)
        .args(["fetch", "-q", "--no-tags", "--deepen=1000", "origin", "+refs/heads/main:refs/remotes/origin/main"])
        .output()
        .expect("git");
    assert!(fetch.status.success(), "{}", String::from_utf8_lossy(&fetch.stderr));
    let again = ward_ci();
    again.code(1).stdout_has("feature.txt");
}

fn schema_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/sarif-schema-2.1.0.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("SARIF schema missing at {}: {e}", path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema json");
    jsonschema::draft4::options().build(&schema).expect("draft-04 schema")
}

#[test]
fn every_format_is_written_side_by_side_and_read_by_its_consumer() {
    let (repo, _) = pull_request();
    repo.config("[checks.no-todo]\nrun = \"tools/no-todo\"\nfiles = [\"*.txt\"]\nregex = '^(?P<path>[^:]+):(?P<line>\\d+):(?P<message>.*)$'\n\n[checks.hang]\nrun = \"sleep 20\"\ntimeout = \"200ms\"\nalways_run = true\npass_files = false\n");
    repo.commit("config");
    let dir = repo.temp();
    let out = |name: &str| dir.join(name).to_str().expect("utf-8").to_string();
    let args: Vec<String> = ["run", "--ci", "--format", "github"]
        .into_iter()
        .map(String::from)
        .chain(
            ["json", "junit", "sarif", "gitlab", "checkstyle"]
                .iter()
                .flat_map(|f| ["--output".to_string(), format!("{f}={}", out(&format!("report.{f}")))]),
        )
        .collect();
    let summary = dir.join("summary.md");
    let run = Run::from(
        repo.ward_cmd()
            .args(&args)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_BASE_REF", "main")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .expect("ward"),
    );
    run.code(1);
    // GitHub annotations on stdout, inline on the pull request.
    assert!(run.stdout.contains("::error file=feature.txt"), "{}", run.stdout);
    let md = std::fs::read_to_string(&summary).expect("job summary");
    assert!(md.contains("no-todo") && md.contains('|'), "{md}");

    // JSON: the timed-out check is an error, and the report exists although a check hung.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out("report.json")).expect("json")).expect("json");
    assert_eq!(check(&json, "hang")["status"], "error");

    // SARIF against the official schema.
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out("report.sarif")).expect("sarif")).expect("sarif json");
    let errors: Vec<String> = schema_validator().iter_errors(&sarif).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");

    // GitLab Code Quality: the required fields.
    let gitlab: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out("report.gitlab")).expect("gitlab")).expect("gitlab json");
    for issue in gitlab.as_array().expect("array") {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue.get(key).is_some(), "{key} missing in {issue}");
        }
        assert!(issue["location"]["path"].is_string() && issue["location"]["lines"]["begin"].is_u64(), "{issue}");
    }

    // Checkstyle and JUnit are well-formed XML; JUnit is read by junitparser when present.
    let junit = out("report.junit");
    let python = "import sys\nfrom junitparser import JUnitXml\nxml = JUnitXml.fromfile(sys.argv[1])\nprint(sum(1 for s in xml for c in s))";
    match Command::new("python3").args(["-c", python, &junit]).output() {
        Ok(o) if o.status.success() => {
            assert!(String::from_utf8_lossy(&o.stdout).trim().parse::<u32>().is_ok_and(|n| n >= 2))
        }
        _ if std::env::var_os("CI").is_some() => panic!("junitparser is required in CI"),
        _ => eprintln!("SKIPPED part: junitparser is not installed"),
    }
    let checkstyle = std::fs::read_to_string(out("report.checkstyle")).expect("checkstyle");
    assert!(checkstyle.contains("<checkstyle") && checkstyle.contains("feature.txt"), "{checkstyle}");
}

/// Files (with sizes) that each shard's recorder saw.
fn shard_files(repo: &TestRepo, log: &Path, shard: &str, report: &Path) -> Vec<String> {
    let _ = std::fs::remove_file(log);
    let _ = std::fs::remove_file(format!("{}.calls", log.display()));
    repo.ward(&["run", "--all", "--shard", shard, "--format", "json", "--output", report.to_str().expect("utf-8")])
        .code(0);
    recorded(log)
}

#[test]
fn shards_are_disjoint_complete_balanced_and_merge_into_the_unsharded_report() {
    let repo = TestRepo::new();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config("[checks.record]\nrun = \"tools/record\"\nfiles = [\"src/**\"]\n\n[checks.whole]\nrun = \"true\"\nfiles = [\"src/**\"]\npass_files = false\n");
    let mut sizes = std::collections::HashMap::new();
    let mut state: u64 = 42;
    for i in 0..10_000 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let size = ((state >> 33) % 4000 + 1) as usize;
        let path = format!("src/d{}/f{i}.txt", i % 20);
        repo.write(&path, "x".repeat(size));
        sizes.insert(path, size as u64);
    }
    repo.commit("corpus");
    let mut union = Vec::new();
    let mut weights = Vec::new();
    let mut reports = Vec::new();
    for k in 1..=4 {
        let report = repo.temp().join(format!("shard{k}.json"));
        let files = shard_files(&repo, &log, &format!("{k}/4"), &report);
        weights.push(files.iter().map(|f| sizes[f].max(1024)).sum::<u64>());
        union.extend(files);
        reports.push(report);
    }
    let total = union.len();
    union.sort();
    union.dedup();
    assert_eq!(union.len(), total, "shards are disjoint");
    assert_eq!(union.len(), 10_000, "shards are complete");
    let mean = weights.iter().sum::<u64>() as f64 / 4.0;
    for w in &weights {
        assert!((*w as f64 - mean).abs() / mean < 0.2, "unbalanced shards: {weights:?}");
    }

    let full = repo.temp().join("full.json");
    repo.ward(&["run", "--all", "--format", "json", "--output", full.to_str().expect("utf-8")]).code(0);
    let mut merge_args = vec!["report", "merge"];
    let names: Vec<String> = reports.iter().map(|r| r.to_str().expect("utf-8").to_string()).collect();
    merge_args.extend(names.iter().map(String::as_str));
    let merged = repo.ward(&merge_args);
    merged.code(0);
    let strip = |mut v: serde_json::Value| {
        v["summary"]["duration_ms"] = 0.into();
        for c in v["checks"].as_array_mut().expect("checks") {
            c["duration_ms"] = 0.into();
            c["output"] = "".into();
        }
        v
    };
    let merged: serde_json::Value = serde_json::from_str(&merged.stdout).expect("merged json");
    let full: serde_json::Value = serde_json::from_slice(&std::fs::read(&full).expect("full")).expect("json");
    assert_eq!(strip(merged), strip(full));
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    let repo = TestRepo::new();
    repo.ward(&["run", "--all", "--shard", "5/4"]).code(2).stderr_has("only 4 shards");
}

/// The `ward ...` command lines of the README's YAML block that follows `heading`.
fn readme_commands(heading: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README");
    let section = readme.split(heading).nth(1).unwrap_or_else(|| panic!("README has no {heading}"));
    let block = section.split("```yaml").nth(1).and_then(|b| b.split("```").next()).expect("yaml block");
    block
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("run: ").or_else(|| l.strip_prefix("- ")))
        .filter(|l| l.starts_with("ward "))
        .map(str::to_string)
        .collect()
}

#[test]
fn readme_workflows_run_against_a_local_remote() {
    let (repo, remote) = pull_request();
    repo.git(&["push", "-q", "origin", "feature"]);
    let clone = repo.temp().join("ci-checkout");
    let out = repo.git_os([
        "clone",
        "-q",
        "--branch",
        "feature",
        remote.to_str().expect("utf-8"),
        clone.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    let sh = |command: &str, env: &[(&str, String)]| -> Run {
        let mut cmd = Command::new("sh");
        cmd.current_dir(&clone).arg("-c").arg(command).env(
            "PATH",
            format!(
                "{}:{}",
                Path::new(WARD).parent().expect("dir").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("sh"))
    };

    let github = readme_commands("### GitHub Actions");
    assert_eq!(github.len(), 2, "{github:?}");
    let summary = repo.temp().join("summary.md");
    for shard in 1..=4 {
        let command = github[0].replace("${{ matrix.shard }}", &shard.to_string());
        let env = [
            ("GITHUB_ACTIONS", "true".to_string()),
            ("GITHUB_EVENT_NAME", "pull_request".to_string()),
            ("GITHUB_BASE_REF", "main".to_string()),
            ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
        ];
        let run = sh(&command, &env);
        assert!(run.code == Some(0) || run.code == Some(1), "{command}: {run:?}");
        assert!(clone.join(format!("ward-{shard}.json")).is_file());
    }
    let merged = sh(&github[1], &[]);
    merged.code(1);
    let sarif = std::fs::read_to_string(clone.join("ward.sarif")).expect("merged sarif");
    assert!(sarif.contains("feature.txt"));
    assert!(clone.join("ward.xml").is_file());

    let gitlab = readme_commands("### GitLab CI");
    assert_eq!(gitlab.len(), 1, "{gitlab:?}");
    let base = repo.git(&["rev-parse", "main"]).trim().to_string();
    for shard in 1..=4 {
        let env = [
            ("GITLAB_CI", "true".to_string()),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.clone()),
            ("CI_NODE_INDEX", shard.to_string()),
            ("CI_NODE_TOTAL", "4".to_string()),
        ];
        let run = sh(&gitlab[0], &env);
        assert!(run.code == Some(0) || run.code == Some(1), "{run:?}");
        for file in
            [format!("ward-{shard}.json"), format!("ward-junit-{shard}.xml"), format!("ward-quality-{shard}.json")]
        {
            assert!(clone.join(&file).is_file(), "{file}");
        }
    }
}

#[test]
fn ci_all_files_gives_a_check_every_matching_file_in_ci_only() {
    let (repo, _) = pull_request();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config(
        "[checks.everything]\nrun = \"tools/record\"\nfiles = [\"*.txt\"]\nci_all_files = true\n\n[checks.changed]\nrun = \"true\"\nfiles = [\"*.txt\"]\n",
    );
    repo.commit("config");
    let (run, report) = repo.ward_json(&["--ci"]);
    run.code(0);
    let mut seen = recorded(&log);
    seen.sort();
    assert_eq!(seen, ["base.txt", "clean.txt", "feature.txt"], "the untouched base.txt too");
    assert_eq!(check(&report, "changed")["files"], 2, "other checks keep to the changed files");

    // Outside the ci stage the option does nothing.
    std::fs::remove_file(&log).ok();
    repo.ward(&["run", "--from-ref", "origin/main"]).code(0);
    let mut seen = recorded(&log);
    seen.sort();
    assert_eq!(seen, ["clean.txt", "feature.txt"]);
}
