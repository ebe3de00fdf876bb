//! How checks run: in parallel, in batches, with modified-file detection, errors, skips, timeouts.

use std::time::{Duration, Instant};

use crate::common::*;

#[test]
fn twenty_thousand_files_go_to_one_check_in_several_batches_each_exactly_once() {
    let repo = TestRepo::new();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config("[checks.record]\nrun = \"tools/record\"\nfiles = [\"data/**\"]\n");
    let mut expected = Vec::new();
    for i in 0..20_000 {
        let rel = format!("data/d{:02}/file-with-a-longish-name-{i:05}.txt", i % 50);
        repo.write(&rel, "");
        expected.push(rel);
    }
    repo.commit("many files");
    repo.ward(&["run", "--all", "--jobs", "2"]).code(0);
    let mut seen = recorded(&log);
    assert_eq!(seen.len(), 20_000, "every file passed exactly once");
    seen.sort();
    expected.sort();
    assert_eq!(seen, expected);
    assert!(calls(&log) >= 2, "expected several batches, got {}", calls(&log));
}

#[test]
fn two_slow_checks_overlap_with_two_jobs() {
    let repo = TestRepo::new();
    let marks = repo.temp().join("marks");
    let body = format!(
        "echo start-$1 $(date +%s%N) >> '{m}'; sleep 1; echo end-$1 $(date +%s%N) >> '{m}'",
        m = marks.display()
    );
    repo.script("tools/slow", &body);
    repo.config("[checks.one]\nrun = \"tools/slow one\"\npass_files = false\nalways_run = true\n\n[checks.two]\nrun = \"tools/slow two\"\npass_files = false\nalways_run = true\n");
    repo.commit("base");
    let started = Instant::now();
    repo.ward(&["run", "--all", "--jobs", "2"]).code(0);
    let elapsed = started.elapsed();
    let text = std::fs::read_to_string(&marks).expect("marks");
    let time = |tag: &str| -> u128 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{tag} ")))
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {tag} in {text}"))
    };
    assert!(
        time("start-two") < time("end-one") && time("start-one") < time("end-two"),
        "checks did not overlap:\n{text}"
    );
    assert!(elapsed < Duration::from_millis(1900), "took {elapsed:?}");
}

#[test]
fn one_job_runs_checks_one_after_another() {
    let repo = TestRepo::new();
    let marks = repo.temp().join("marks");
    let body = format!(
        "echo start-$1 $(date +%s%N) >> '{m}'; sleep 0.3; echo end-$1 $(date +%s%N) >> '{m}'",
        m = marks.display()
    );
    repo.script("tools/slow", &body);
    repo.config("[checks.one]\nrun = \"tools/slow one\"\npass_files = false\nalways_run = true\n\n[checks.two]\nrun = \"tools/slow two\"\npass_files = false\nalways_run = true\n");
    repo.commit("base");
    repo.ward(&["run", "--all", "--jobs", "1"]).code(0);
    let text = std::fs::read_to_string(&marks).expect("marks");
    let order: Vec<&str> = text.lines().map(|l| l.split(' ').next().unwrap_or("")).collect();
    assert!(
        order == ["start-one", "end-one", "start-two", "end-two"]
            || order == ["start-two", "end-two", "start-one", "end-one"],
        "{text}"
    );
}

#[test]
fn a_failing_command_fails_the_run_with_its_output_and_code() {
    let repo = TestRepo::new();
    repo.script("tools/lint", "echo \"bad style in $1\"; exit 3");
    repo.config("[checks.lint]\nname = \"php lint\"\nrun = \"tools/lint\"\nfiles = [\"*.php\"]\n");
    repo.write("a.php", "<?php\n").add_all();
    let run = repo.ward(&["run"]);
    run.code(1)
        .stdout_has("php lint")
        .stdout_has("Failed")
        .stdout_has("- id: lint")
        .stdout_has("- exit code: 3")
        .stdout_has("bad style in a.php");
}

#[test]
fn a_command_that_modifies_its_files_fails_and_names_them() {
    let repo = TestRepo::new();
    repo.script("tools/rewrite", "for f in \"$@\"; do echo rewritten > \"$f\"; done");
    repo.config("[checks.rewrite]\nrun = \"tools/rewrite\"\nfiles = [\"*.txt\"]\n");
    repo.write("a.txt", "a\n").write("b.txt", "b\n").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let check = check(&report, "rewrite");
    assert_eq!(check["status"], "failed");
    assert_eq!(check["exit_code"], 0);
    assert_eq!(check["modified_files"], serde_json::json!(["a.txt", "b.txt"]));
    run.stderr_has("files were modified by this check");
}

#[test]
fn a_missing_tool_is_the_checks_error_not_a_crash() {
    let repo = TestRepo::new();
    repo.config("[checks.cs]\nrun = \"php-cs-fixer-does-not-exist fix\"\n\n[checks.ok]\nrun = \"true\"\n");
    repo.write("a.php", "<?php\n").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let cs = check(&report, "cs");
    assert_eq!(cs["status"], "error");
    let reason = cs["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("command not found") && reason.contains("vendor/bin") && reason.contains("PATH"),
        "{reason}"
    );
    assert_eq!(check(&report, "ok")["status"], "passed");
    assert_eq!(report["summary"]["errors"], 1);
}

#[test]
fn tools_in_vendor_bin_are_found_before_path() {
    let repo = TestRepo::new();
    repo.script("vendor/bin/true", "echo from-vendor; exit 0");
    repo.config("[checks.t]\nrun = \"true\"\nalways_run = true\npass_files = false\n");
    repo.commit("base");
    let (run, report) = repo.ward_json(&["--all"]);
    run.code(0);
    assert_eq!(check(&report, "t")["output"], "from-vendor\n");
}

#[test]
fn skip_flag_and_skip_variable_skip_checks() {
    let repo = TestRepo::new();
    repo.config("[checks.a]\nrun = \"false\"\n\n[checks.b]\nrun = \"false\"\n\n[checks.c]\nrun = \"true\"\n");
    repo.write("x.txt", "x\n").add_all();
    let run = Run::from(
        repo.ward_cmd()
            .args(["run", "--skip", "a", "--format", "json"])
            .env("SKIP", "b, nothing")
            .output()
            .expect("ward"),
    );
    run.code(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(check(&report, "a")["status"], "skipped");
    assert_eq!(check(&report, "b")["status"], "skipped");
    assert_eq!(check(&report, "c")["status"], "passed");
}

#[test]
fn fail_fast_stops_later_checks() {
    let repo = TestRepo::new();
    repo.config("[checks.first]\nrun = \"false\"\n\n[checks.second]\nrun = \"true\"\n");
    repo.write("x.txt", "x\n").add_all();
    let (run, report) = repo.ward_json(&["--fail-fast", "--jobs", "1"]);
    run.code(1);
    assert_eq!(check(&report, "first")["status"], "failed");
    assert_eq!(check(&report, "second")["status"], "skipped");
}

#[test]
fn named_checks_run_alone_and_unknown_names_are_refused() {
    let repo = TestRepo::new();
    repo.config("[checks.alpha]\nrun = \"true\"\n\n[checks.beta]\nrun = \"false\"\n");
    repo.write("x.txt", "x\n").add_all();
    let (run, report) = repo.ward_json(&["alpha"]);
    run.code(0);
    assert_eq!(report["checks"].as_array().map(Vec::len), Some(1));
    repo.ward(&["run", "alpah"]).code(2).stderr_has("did you mean `alpha`");
}

#[test]
fn stages_select_checks() {
    let repo = TestRepo::new();
    repo.config("[checks.ci-only]\nrun = \"true\"\nstages = [\"ci\"]\n\n[checks.everywhere]\nrun = \"true\"\n");
    repo.write("x.txt", "x\n").add_all();
    let (_, report) = repo.ward_json(&["--stage", "pre-commit"]);
    let ids: Vec<&str> = report["checks"].as_array().expect("checks").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["everywhere"]);
    let (_, report) = repo.ward_json(&["--stage", "ci"]);
    assert_eq!(report["checks"].as_array().map(Vec::len), Some(2));
}

#[test]
fn whole_project_checks_run_once_without_file_arguments_when_a_watched_file_changed() {
    let repo = TestRepo::new();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config("[checks.deptrac]\nrun = \"tools/record --config-file=deptrac.yaml\"\nfiles = [\"src/**/*.php\"]\npass_files = false\n");
    repo.write("README.md", "r\n").add_all();
    let (_, report) = repo.ward_json(&[]);
    assert_eq!(check(&report, "deptrac")["status"], "skipped");
    repo.write("src/A.php", "<?php\n").write("src/B.php", "<?php\n").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(0);
    assert_eq!(check(&report, "deptrac")["status"], "passed");
    assert_eq!(recorded(&log), vec!["--config-file=deptrac.yaml"]);
    assert_eq!(calls(&log), 1);
}

#[test]
fn a_hung_tool_is_killed_at_its_timeout_and_reported_as_an_error() {
    let repo = TestRepo::new();
    repo.config("[checks.hang]\nrun = \"sleep 30\"\ntimeout = \"300ms\"\npass_files = false\nalways_run = true\n");
    repo.commit("base");
    let started = Instant::now();
    let (run, report) = repo.ward_json(&["--all"]);
    run.code(1);
    assert!(started.elapsed() < Duration::from_secs(10));
    let hang = check(&report, "hang");
    assert_eq!(hang["status"], "error");
    assert!(hang["reason"].as_str().unwrap_or_default().contains("timed out"), "{hang}");
}

#[test]
fn commands_are_not_run_through_a_shell() {
    let repo = TestRepo::new();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config("[checks.r]\nrun = \"tools/record 'two words' $HOME ;\"\nfiles = [\"*.txt\"]\n");
    repo.write("$(touch pwned).txt", "x\n").add_all();
    repo.ward(&["run"]).code(0);
    assert_eq!(recorded(&log), vec!["two words", "$HOME", ";", "$(touch pwned).txt"]);
    assert!(!repo.path("pwned").exists());
}

#[test]
fn check_env_reaches_the_tool() {
    let repo = TestRepo::new();
    repo.script("tools/env", "echo \"APP_ENV=$APP_ENV WARD=$WARD\"");
    repo.config(
        "[checks.e]\nrun = \"tools/env\"\nenv = { APP_ENV = \"test\" }\nalways_run = true\npass_files = false\n",
    );
    repo.commit("base");
    let (_, report) = repo.ward_json(&["--all"]);
    assert_eq!(check(&report, "e")["output"], "APP_ENV=test WARD=1\n");
}

#[test]
fn a_tool_does_not_outlive_a_killed_ward() {
    let repo = TestRepo::new();
    let pid_file = repo.temp().join("tool.pid");
    repo.script("tools/slow", &format!("echo $$ > '{}.tmp' && mv '{0}.tmp' '{0}'; exec sleep 30", pid_file.display()));
    repo.config("[checks.slow]\nrun = \"tools/slow\"\npass_files = false\nalways_run = true\n");
    repo.commit("base");
    let mut child = repo.ward_cmd().args(["run", "--all"]).stdout(std::process::Stdio::null()).spawn().expect("ward");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pid_file.exists() {
        assert!(Instant::now() < deadline, "the tool never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let tool: u32 = std::fs::read_to_string(&pid_file).expect("pid").trim().parse().expect("pid number");
    child.kill().expect("SIGKILL ward");
    child.wait().expect("wait");
    // Gone, or a zombie waiting for its new parent to reap it: either way it runs no more.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{tool}/stat")).ok();
        let running = state
            .as_deref()
            .is_some_and(|s| s.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')));
        if !running {
            break;
        }
        assert!(Instant::now() < deadline, "the tool (pid {tool}) still runs after ward was killed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn batch_size_caps_the_files_of_one_process() {
    let repo = TestRepo::new();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config("[checks.one-by-one]\nrun = \"tools/record\"\nfiles = [\"*.php\"]\nbatch_size = 1\n");
    for i in 0..5 {
        repo.write(&format!("f{i}.php"), "<?php\n");
    }
    repo.add_all();
    repo.ward(&["run", "--jobs", "2"]).code(0);
    assert_eq!(recorded(&log).len(), 5);
    assert_eq!(calls(&log), 5, "one process per file");
}
