//! `ward install` / `uninstall` and real `git commit`s through the installed hook.

use std::fs;

use crate::common::*;

fn failing_on_todo(repo: &TestRepo) {
    repo.script("tools/no-todo", "if grep -l TODO \"$@\"; then echo 'remove the TODOs above'; exit 1; fi");
    repo.config("[checks.no-todo]\nrun = \"tools/no-todo\"\nfiles = [\"*.txt\"]\n");
}

#[test]
fn installed_hook_refuses_a_bad_commit_and_accepts_the_fix() {
    let repo = TestRepo::new();
    failing_on_todo(&repo);
    repo.commit("tooling");
    repo.ward(&["install"]).code(0).stdout_has("installed the pre-commit hook");

    repo.write("notes.txt", "TODO: finish\n").add_all();
    let out = repo.git_os(["commit", "-m", "wip"]);
    assert!(!out.status.success(), "commit should be refused");
    // git sends a hook's standard output to its standard error.
    let shown = String::from_utf8_lossy(&out.stderr);
    assert!(shown.contains("notes.txt") && shown.contains("Failed"), "{shown}");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "1");

    repo.write("notes.txt", "done\n").add_all();
    let out = repo.git_os(["commit", "-m", "fixed"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "2");
}

#[test]
fn hook_script_records_the_ward_path_and_falls_back_to_path() {
    let repo = TestRepo::new();
    repo.ward(&["install"]).code(0);
    let script = fs::read_to_string(repo.path(".git/hooks/pre-commit")).expect("hook");
    assert!(script.contains(WARD), "absolute path recorded:\n{script}");
    assert!(script.contains("command -v ward"), "PATH fallback:\n{script}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &fs::metadata(repo.path(".git/hooks/pre-commit")).expect("meta").permissions(),
    );
    assert_eq!(mode & 0o111, 0o111);
}

#[test]
fn hook_runs_with_a_minimal_path_as_gui_clients_do() {
    let repo = TestRepo::new();
    failing_on_todo(&repo);
    repo.commit("tooling");
    repo.ward(&["install"]).code(0);
    repo.write("notes.txt", "TODO\n").add_all();
    // No ward on this PATH: the hook must use the path recorded at install time.
    let out = repo.git_cmd().env("PATH", "/usr/bin:/bin").args(["commit", "-m", "x"]).output().expect("git");
    assert!(!out.status.success(), "the hook must still find ward and refuse");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-todo"));
}

#[test]
fn core_hooks_path_is_respected() {
    let repo = TestRepo::new();
    failing_on_todo(&repo);
    repo.commit("tooling");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    repo.ward(&["install"]).code(0).stdout_has(".githooks");
    assert!(repo.path(".githooks/pre-commit").is_file());
    assert!(!repo.path(".git/hooks/pre-commit").exists());
    repo.write("notes.txt", "TODO\n").add_all();
    assert!(!repo.git_os(["commit", "-m", "x"]).status.success());
}

#[test]
fn a_foreign_hook_is_refused_without_force_and_chained_with_it() {
    let repo = TestRepo::new();
    repo.config("[checks.ok]\nrun = \"true\"\n");
    repo.commit("tooling");
    let legacy_log = repo.temp().join("legacy-ran");
    repo.script(".git/hooks/pre-commit", &format!("echo ran >> '{}'; exit 0", legacy_log.display()));

    repo.ward(&["install"]).code(2).stderr_has("--force");
    assert!(!fs::read_to_string(repo.path(".git/hooks/pre-commit")).expect("hook").contains("ward-managed"));

    repo.ward(&["install", "--force"]).code(0).stdout_has("pre-commit.legacy");
    repo.write("a.txt", "a\n").add_all();
    assert!(repo.git_os(["commit", "-m", "x"]).status.success());
    assert_eq!(fs::read_to_string(&legacy_log).expect("legacy ran"), "ran\n");

    // A failing legacy hook still stops the commit.
    repo.script(".git/hooks/pre-commit.legacy", "echo legacy says no; exit 1");
    repo.write("b.txt", "b\n").add_all();
    assert!(!repo.git_os(["commit", "-m", "y"]).status.success());

    repo.ward(&["uninstall"]).code(0).stdout_has("restored");
    let restored = fs::read_to_string(repo.path(".git/hooks/pre-commit")).expect("hook");
    assert!(restored.contains("legacy says no"), "{restored}");
    assert!(!repo.path(".git/hooks/pre-commit.legacy").exists());
}

#[test]
fn uninstall_leaves_foreign_hooks_alone() {
    let repo = TestRepo::new();
    repo.script(".git/hooks/pre-commit", "exit 0");
    repo.ward(&["uninstall"]).code(0).stdout_has("left");
    assert!(repo.path(".git/hooks/pre-commit").exists());
}

#[test]
fn reinstall_updates_our_own_hook_without_force() {
    let repo = TestRepo::new();
    repo.ward(&["install"]).code(0);
    repo.ward(&["install", "--hook", "pre-commit", "--hook", "pre-push"]).code(0);
    assert!(repo.path(".git/hooks/pre-push").is_file());
    assert!(!repo.path(".git/hooks/pre-commit.legacy").exists());
}

/// `main` pushed to a local bare remote, with the pre-push hook refusing TODOs.
fn pushed_to_a_remote() -> TestRepo {
    let repo = TestRepo::new();
    let remote = repo.temp().join("remote.git");
    let out = std::process::Command::new("git").args(["init", "-q", "--bare"]).arg(&remote).output().expect("git");
    assert!(out.status.success());
    failing_on_todo(&repo);
    repo.config("[checks.no-todo]\nrun = \"tools/no-todo\"\nfiles = [\"*.txt\"]\nstages = [\"pre-push\"]\n");
    repo.write("ok.txt", "fine\n").commit("base");
    repo.git(&["remote", "add", "origin", remote.to_str().expect("utf-8")]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.ward(&["install", "--hook", "pre-push"]).code(0);
    repo
}

#[test]
fn pre_push_hook_checks_the_pushed_commits() {
    let repo = pushed_to_a_remote();
    repo.write("bad.txt", "TODO\n").commit("bad");
    let out = repo.git_os(["push", "-q", "origin", "main"]);
    assert!(!out.status.success(), "push with a TODO must be refused");
    repo.write("bad.txt", "done\n").commit("fix");
    let out = repo.git_os(["push", "-q", "origin", "main"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn commit_msg_hook_gets_the_message_file() {
    let repo = TestRepo::new();
    repo.script("tools/msg", "grep -q '^[A-Z]' \"$1\" || { echo 'start the subject with a capital'; exit 1; }");
    repo.config("[checks.subject]\nrun = \"tools/msg\"\nstages = [\"commit-msg\"]\n");
    repo.commit("Base");
    repo.ward(&["install", "--hook", "commit-msg"]).code(0);
    repo.write("a.txt", "a\n").add_all();
    assert!(!repo.git_os(["commit", "-m", "lowercase subject"]).status.success());
    assert!(repo.git_os(["commit", "-m", "Capital subject"]).status.success());
}

#[test]
fn pre_push_of_several_branches_checks_each() {
    let repo = pushed_to_a_remote();
    repo.git(&["checkout", "-q", "-b", "clean"]);
    repo.write("clean.txt", "fine\n").commit("clean work");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "dirty"]);
    repo.write("dirty.txt", "TODO\n").commit("dirty work");
    let out = repo.git_os(["push", "-q", "origin", "clean", "dirty"]);
    assert!(!out.status.success(), "the dirty branch must stop the push");
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(shown.contains("dirty.txt") && shown.contains("no-todo"), "{shown}");
    let out = repo.git_os(["push", "-q", "origin", "clean"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
