//! The command line as a whole: help, formats, output routing, colour, pipes, no config.

use crate::common::*;

#[test]
fn help_lists_subcommands_and_exit_codes() {
    let repo = TestRepo::new();
    let run = repo.ward(&["--help"]);
    run.code(0);
    for word in ["run", "install", "uninstall", "list", "validate", "Exit codes"] {
        run.stdout_has(word);
    }
    assert!(!run.stdout.contains("hook-impl"), "internal subcommand must stay hidden");
    for sub in ["run", "install", "uninstall", "list", "validate"] {
        repo.ward(&[sub, "--help"]).code(0);
    }
    repo.ward(&["run", "--help"]).stdout_has("--from-ref").stdout_has("--skip");
}

#[test]
fn json_report_has_the_documented_shape_on_stdout_alone() {
    let repo = TestRepo::new();
    repo.script("tools/fail", "echo nope; exit 4");
    repo.config("[checks.good]\nrun = \"true\"\n\n[checks.bad]\nname = \"Bad one\"\nrun = \"tools/fail\"\nfiles = [\"*.txt\"]\n\n[checks.none]\nrun = \"true\"\nfiles = [\"*.none\"]\n");
    repo.write("a.txt", "a\n").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    assert_eq!(report["version"], 1);
    let summary = &report["summary"];
    assert_eq!(
        (
            summary["passed"].as_u64(),
            summary["failed"].as_u64(),
            summary["skipped"].as_u64(),
            summary["errors"].as_u64()
        ),
        (Some(1), Some(1), Some(1), Some(0))
    );
    assert!(summary["duration_ms"].is_u64());
    let bad = check(&report, "bad");
    for key in ["id", "name", "status", "exit_code", "duration_ms", "files", "modified_files", "output", "diagnostics"]
    {
        assert!(bad.get(key).is_some(), "missing {key} in {bad}");
    }
    assert_eq!(bad["name"], "Bad one");
    assert_eq!(bad["status"], "failed");
    assert_eq!(bad["exit_code"], 4);
    assert_eq!(bad["files"], 1);
    assert_eq!(bad["output"], "nope\n");
    assert_eq!(check(&report, "none")["exit_code"], serde_json::Value::Null);
    // People's text went to stderr.
    run.stderr_has("Bad one").stderr_has("1 failed, 1 passed, 1 skipped");
}

#[test]
fn output_file_gets_the_report_and_the_terminal_the_summary() {
    let repo = TestRepo::new();
    repo.config("[checks.good]\nrun = \"true\"\n");
    repo.write("a.txt", "a\n").add_all();
    let run = repo.ward(&["run", "--format", "json", "--output", "report.json"]);
    run.code(0).stdout_has("good").stdout_has("1 passed");
    let report: serde_json::Value = serde_json::from_slice(&repo.read("report.json")).expect("json file");
    assert_eq!(report["summary"]["passed"], 1);
}

#[test]
fn colour_follows_flag_and_environment() {
    let repo = TestRepo::new();
    repo.config("[checks.good]\nrun = \"true\"\n");
    repo.write("a.txt", "a\n").add_all();
    let esc = "\u{1b}[";
    assert!(!repo.ward(&["run"]).stdout.contains(esc), "piped output has no escapes");
    assert!(repo.ward(&["run", "--color", "always"]).stdout.contains(esc));
    let forced = Run::from(repo.ward_cmd().arg("run").env("FORCE_COLOR", "1").output().expect("ward"));
    assert!(forced.stdout.contains(esc));
    let both =
        Run::from(repo.ward_cmd().arg("run").env("FORCE_COLOR", "1").env("NO_COLOR", "1").output().expect("ward"));
    assert!(!both.stdout.contains(esc), "NO_COLOR wins over FORCE_COLOR");
    let flag_wins =
        Run::from(repo.ward_cmd().args(["run", "--color", "always"]).env("NO_COLOR", "1").output().expect("ward"));
    assert!(flag_wins.stdout.contains(esc), "an explicit flag wins");
}

#[test]
fn list_into_a_closed_pipe_exits_quietly() {
    let repo = TestRepo::new();
    let mut toml = String::new();
    for i in 0..2000 {
        toml.push_str(&format!("[checks.c{i}]\nrun = \"true\"\n"));
    }
    repo.config(&toml);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("'{WARD}' list | head -n 1; echo \"status=${{PIPESTATUS:-done}}\""))
        .current_dir(&repo.root)
        .output()
        .expect("sh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "no panic or error on a closed pipe: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("c0"));
}

#[test]
fn list_shows_checks_in_config_order_with_stages_and_files() {
    let repo = TestRepo::new();
    repo.config("[checks.zeta]\nrun = \"true\"\nfiles = [\"src/**/*.php\"]\nstages = [\"ci\"]\n\n[checks.alpha]\nrun = \"true\"\npass_files = false\n");
    let run = repo.ward(&["list"]);
    run.code(0);
    let zeta = run.stdout.find("zeta").expect("zeta");
    let alpha = run.stdout.find("alpha").expect("alpha");
    assert!(zeta < alpha, "config order:\n{}", run.stdout);
    run.stdout_has("stages: ci").stdout_has("files: src/**/*.php").stdout_has("runs once");
}

#[test]
fn without_checks_toml_the_default_set_runs_and_says_so() {
    let repo = TestRepo::new();
    repo.write("a.txt", "trailing   \n").commit("base");
    let run = repo.ward(&["run", "--all"]);
    run.stdout_has("no checks.toml here").stdout_has("trailing-whitespace");
}

#[test]
fn not_a_git_repository_for_install_is_an_error() {
    let repo = TestRepo::plain();
    repo.ward(&["install"]).code(2).stderr_has("not inside a git repository");
}
