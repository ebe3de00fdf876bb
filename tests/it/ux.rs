//! What people see: snapshots of the human report, live progress under a terminal, init, explain.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::*;

/// Snapshots must not depend on timing: durations are redacted and the slow-check list (there
/// only when a check took 100 ms, which a loaded machine decides) is left out.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        filters => vec![
            (r"\d+\.\d\ds", "[TIME]"),
            (r"; slowest: [^\n\x1b]*", ""),
        ],
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Runs `ward run` with and without colour and snapshots both.
fn snapshot_both(repo: &TestRepo, name: &str, args: &[&str], code: i32) {
    for (suffix, color) in [("plain", "never"), ("color", "always")] {
        // Each snapshot is of a fresh run: the second would otherwise report results from the cache.
        let mut full = vec!["run", "--no-cache", "--color", color];
        full.extend_from_slice(args);
        let run = repo.ward(&full);
        run.code(code);
        snapshot(&format!("{name}-{suffix}"), &run.stdout);
    }
}

fn hygiene(repo: &TestRepo, extra: &str) {
    repo.config(&format!(
        "[checks.trailing-whitespace]\nbuiltin = \"trailing-whitespace\"\n\n[checks.end-of-file-fixer]\nbuiltin = \"end-of-file-fixer\"\n\n[checks.check-json]\nbuiltin = \"check-json\"\n{extra}"
    ));
}

#[test]
fn all_passed() {
    let repo = TestRepo::new();
    hygiene(&repo, "");
    repo.write("a.json", "{\"a\": 1}\n").write("b.txt", "fine\n").add_all();
    snapshot_both(&repo, "all-passed", &[], 0);
}

#[test]
fn some_skipped() {
    let repo = TestRepo::new();
    hygiene(&repo, "\n[checks.php-lint]\nname = \"php lint\"\nrun = \"php -l\"\ntypes = [\"php\"]\n");
    repo.write("b.txt", "fine\n").add_all();
    let run = Run::from(
        repo.ward_cmd()
            .args(["run", "--no-cache", "--color", "never"])
            .env("SKIP", "end-of-file-fixer")
            .output()
            .expect("ward"),
    );
    run.code(0);
    snapshot("some-skipped-plain", &run.stdout);
    let run = Run::from(
        repo.ward_cmd()
            .args(["run", "--no-cache", "--color", "always"])
            .env("SKIP", "end-of-file-fixer")
            .output()
            .expect("ward"),
    );
    snapshot("some-skipped-color", &run.stdout);
}

#[test]
fn a_fixer_modified_files() {
    let repo = TestRepo::new();
    hygiene(&repo, "");
    for (suffix, color) in [("plain", "never"), ("color", "always")] {
        repo.write("src/a.php", "<?php  \necho 1;   \n").write("notes.md", "keep  \nnone\n\n\n").add_all();
        let run = repo.ward(&["run", "--no-cache", "--color", color]);
        run.code(1);
        snapshot(&format!("fixer-modified-{suffix}"), &run.stdout);
    }
    assert_eq!(repo.read_string("src/a.php"), "<?php\necho 1;\n");
}

#[test]
fn failures_from_several_checks_on_one_file() {
    let repo = TestRepo::new();
    repo.script("tools/stan", "printf '%s\\n' '{\"totals\":{\"errors\":0,\"file_errors\":2},\"files\":{\"src/Invoice.php\":{\"errors\":2,\"messages\":[{\"message\":\"Call to an undefined method App\\\\Clock::now().\",\"line\":20,\"ignorable\":true,\"identifier\":\"method.notFound\"},{\"message\":\"Parameter #1 $id of method App\\\\Invoice::__construct() expects int, string given.\",\"line\":12,\"ignorable\":true,\"identifier\":\"argument.type\"}]}},\"errors\":[]}'; exit 1");
    repo.script("tools/lint", "echo 'src/Invoice.php:20:9: warning: use a clock service [clock]'; echo 'src/Other.php:3:1: error: missing strict_types [strict]'; exit 1");
    repo.config(
        "[checks.phpstan]\nrun = \"tools/stan\"\nformat = \"phpstan\"\ntypes = [\"php\"]\n\n[checks.lint]\nname = \"house rules\"\nrun = \"tools/lint\"\nformat = \"gcc\"\ntypes = [\"php\"]\n\n[checks.check-json]\nbuiltin = \"check-json\"\n",
    );
    repo.write("src/Invoice.php", "<?php\n")
        .write("src/Other.php", "<?php\n")
        .write("broken.json", "{\"a\": }\n")
        .add_all();
    snapshot_both(&repo, "diagnostics-by-file", &[], 1);
}

#[test]
fn a_missing_tool() {
    let repo = TestRepo::new();
    repo.config("[checks.phpstan]\nuses = \"phpstan\"\n\n[checks.shellcheck]\nrun = \"shellcheck-not-installed -f gcc\"\ntypes = [\"shell\"]\n");
    repo.write("src/A.php", "<?php\n").write("bin/run.sh", "echo\n").add_all();
    snapshot_both(&repo, "missing-tool", &[], 1);
}

#[test]
fn check_mode_names_the_fix_command() {
    let repo = TestRepo::new();
    hygiene(&repo, "");
    repo.write("src/a.php", "<?php  \necho 1;").commit("base");
    snapshot_both(&repo, "check-mode", &["--all", "--check"], 1);
}

#[test]
fn an_interrupted_run() {
    let repo = TestRepo::new();
    let ready = repo.temp().join("ready");
    repo.script("tools/slow", &format!("touch '{}'; exec sleep 30", ready.display()));
    repo.config("[checks.fast]\nrun = \"true\"\npass_files = false\nalways_run = true\n\n[checks.slow]\nrun = \"tools/slow\"\npass_files = false\nalways_run = true\n\n[checks.later]\nrun = \"true\"\npass_files = false\nalways_run = true\n");
    repo.commit("base");
    for (suffix, color) in [("plain", "never"), ("color", "always")] {
        let _ = std::fs::remove_file(&ready);
        let child = repo
            .ward_cmd()
            .args(["run", "--all", "--jobs", "1", "--color", color])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ward");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !ready.exists() {
            assert!(std::time::Instant::now() < deadline, "slow check never started");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT)
            .expect("kill");
        let run = Run::from(child.wait_with_output().expect("wait"));
        run.code(130);
        snapshot(&format!("interrupted-{suffix}"), &run.stdout);
    }
}

#[test]
fn live_progress_redraws_under_a_terminal_and_never_when_piped() {
    let repo = TestRepo::new();
    repo.config("[checks.one]\nrun = \"sleep 0.6\"\npass_files = false\nalways_run = true\n\n[checks.two]\nrun = \"sleep 0.9\"\npass_files = false\nalways_run = true\n");
    repo.commit("base");
    // `script` gives ward a pseudo-terminal, as a person's terminal would.
    let out = Command::new("script")
        .args(["-qec", &format!("'{WARD}' run --all --jobs 2"), "/dev/null"])
        .current_dir(&repo.root)
        .env_remove("CI")
        .env("TERM", "xterm-256color")
        .env("HOME", repo.temp())
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs ward under a pty");
    let text = String::from_utf8_lossy(&out.stdout);
    let redraws = text.matches("\r\x1b[2K").count();
    assert!(redraws >= 3, "expected the status line to be redrawn in place, got {redraws}:\n{text:?}");
    assert!(text.contains("running") && text.contains("done") && text.contains("queued"), "{text:?}");
    assert!(text.contains("one") && text.contains("two"));

    let piped = repo.ward(&["run", "--all", "--jobs", "2"]);
    piped.code(0);
    assert!(
        !piped.stdout.contains('\x1b') && !piped.stdout.contains('\r'),
        "piped output has no control sequences: {:?}",
        piped.stdout
    );
    // In CI logs, even on a terminal, lines are printed once.
    let ci = Command::new("script")
        .args(["-qec", &format!("'{WARD}' run --all --jobs 2"), "/dev/null"])
        .current_dir(&repo.root)
        .env("CI", "true")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .output()
        .expect("script");
    assert!(!String::from_utf8_lossy(&ci.stdout).contains("\x1b[2K"), "no redraw in CI");
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn init_on_a_symfony_project_wires_the_tools_and_their_configs() {
    let repo = TestRepo::new();
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/symfony-app"), &repo.root);
    std::fs::remove_file(repo.path("checks.toml")).expect("the fixture has its own config");
    repo.ward(&["init"]).code(0).stdout_has("wrote");
    let toml = repo.read_string("checks.toml");
    for expected in [
        "uses = \"php-cs-fixer\"\nconfig = \".php-cs-fixer.dist.php\"",
        "[checks.deptrac-layers]\nuses = \"deptrac\"\nconfig = \"deptrac.layers.yaml\"",
        "[checks.deptrac-domains]\nuses = \"deptrac\"\nconfig = \"deptrac.domains.yaml\"",
        "uses = \"phpstan\"\nconfig = \"phpstan.neon\"",
        "builtin = \"check-yaml\"\nunsafe = true",
        "[checks.shellcheck]",
        "[checks.trailing-whitespace]",
    ] {
        assert!(toml.contains(expected), "missing {expected:?} in:\n{toml}");
    }
    assert!(toml.lines().any(|l| l.starts_with('#')), "commented");
    repo.ward(&["validate"]).code(0);
    // Never overwrites.
    repo.write("checks.toml", "# mine\n");
    repo.ward(&["init"]).code(2).stderr_has("never overwrites");
    assert_eq!(repo.read_string("checks.toml"), "# mine\n");
}

#[test]
fn init_on_a_rust_project_and_with_install() {
    let repo = TestRepo::new();
    repo.write("Cargo.toml", "[package]\nname = \"x\"\nversion = \"0.1.0\"\n").write("src/main.rs", "fn main() {}\n");
    repo.ward(&["init", "--install"]).code(0).stdout_has("installed the pre-commit hook");
    let toml = repo.read_string("checks.toml");
    assert!(
        toml.contains("[checks.cargo-fmt]")
            && toml.contains("[checks.cargo-clippy]")
            && toml.contains("builtin = \"check-toml\""),
        "{toml}"
    );
    assert!(!toml.contains("php"), "{toml}");
    assert!(repo.path(".git/hooks/pre-commit").is_file());
}

#[test]
fn init_on_an_empty_repository_gives_the_hygiene_checks() {
    let repo = TestRepo::new();
    repo.ward(&["init"]).code(0);
    let toml = repo.read_string("checks.toml");
    assert!(
        toml.contains("[checks.trailing-whitespace]") && !toml.contains("uses =") && !toml.contains("check-yaml"),
        "{toml}"
    );
    repo.ward(&["validate"]).code(0);
}

#[test]
fn explain_says_what_how_and_how_to_skip() {
    let repo = TestRepo::new();
    repo.config("[checks.cs]\nuses = \"php-cs-fixer\"\nfiles = [\"src/**\"]\n\n[checks.ws]\nbuiltin = \"trailing-whitespace\"\n");
    repo.write(".php-cs-fixer.dist.php", "<?php\n");
    let run = repo.ward(&["explain", "cs"]);
    run.code(0)
        .stdout_has("php-cs-fixer check --config=.php-cs-fixer.dist.php --path-mode=intersection --format=json --diff -- FILES...")
        .stdout_has("php-cs-fixer fix --config=.php-cs-fixer.dist.php")
        .stdout_has("matches:  src/**; of type php")
        .stdout_has("SKIP=cs git commit")
        .stdout_has("ward run --fix cs");
    repo.ward(&["explain", "ws"]).code(0).stdout_has("built-in fixer");
    repo.ward(&["explain", "wss"]).code(2).stderr_has("did you mean `ws`?");
}

#[test]
fn fix_runs_only_fixers_then_checks_what_they_touched() {
    let repo = TestRepo::new();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config("[checks.trailing-whitespace]\nbuiltin = \"trailing-whitespace\"\n\n[checks.record]\nrun = \"tools/record\"\nfiles = [\"*.txt\"]\n");
    repo.write("dirty.txt", "a  \n").write("clean.txt", "b\n").commit("base");
    let run = repo.ward(&["run", "--fix", "--all"]);
    run.code(0).stdout_has("1 file was fixed by trailing-whitespace").stdout_has("checking the fixed file again");
    assert_eq!(repo.read_string("dirty.txt"), "a\n");
    // The first pass ran only the fixer; the second only looked at the touched file.
    assert_eq!(recorded(&log), vec!["dirty.txt"]);

    repo.ward(&["run", "--fix", "record"]).code(2).stderr_has("can fix");
}

#[test]
fn check_mode_reports_a_command_that_writes_as_an_error() {
    let repo = TestRepo::new();
    repo.script("tools/sneaky", "for f in \"$@\"; do echo changed >> \"$f\"; done");
    repo.config("[checks.sneaky]\nrun = \"tools/sneaky\"\n");
    repo.write("a.txt", "a\n").commit("base");
    let (run, report) = repo.ward_json(&["--all", "--check"]);
    run.code(1);
    assert_eq!(check(&report, "sneaky")["status"], "error");
    assert!(check(&report, "sneaky")["reason"].as_str().unwrap_or("").contains("--check"));
}
