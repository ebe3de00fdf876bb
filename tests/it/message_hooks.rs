//! What the message hooks learn from git, through real commits: the branch from HEAD in every
//! kind of repository (linked worktrees, detached and unborn heads, submodules, a linked HEAD,
//! reftable), git's comment and cleanup settings, and amends and merges on a ticket branch.

use std::fs;

use crate::common::*;
use crate::messages::{editor, git_env, hooked, last_message, shown, SEED_BRANCH, TICKETS};

/// The version of the git on PATH, as `(major, minor)`.
fn git_version() -> (u32, u32) {
    let out = std::process::Command::new("git").arg("--version").output().expect("git --version");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut numbers = text.split_whitespace().nth(2).unwrap_or("").split('.').map(|n| n.parse().unwrap_or(0));
    (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0))
}

/// An editor that writes `text` above everything git put in the file.
fn editor_above(repo: &TestRepo, name: &str, text: &str) -> String {
    let path = repo.temp().join(name);
    let body = format!("#!/bin/sh\n{{ printf '%s\\n' '{text}'; cat \"$1\"; }} > \"$1.new\" && mv \"$1.new\" \"$1\"\n");
    fs::write(&path, body).expect("editor");
    fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    path.to_string_lossy().into_owned()
}

/// `git commit -q -m MESSAGE` in `dir` after writing a new file there.
fn commit_in(repo: &TestRepo, dir: &std::path::Path, file: &str, message: &str) -> std::process::Output {
    fs::write(dir.join(file), format!("{file}\n")).expect("write");
    let mut add = repo.git_cmd();
    assert!(add.current_dir(dir).args(["add", "-A"]).status().expect("git add").success());
    let mut commit = repo.git_cmd();
    commit.current_dir(dir).args(["commit", "-q", "-m", message]).output().expect("git commit")
}

fn last_message_in(repo: &TestRepo, dir: &std::path::Path) -> String {
    let out = repo.git_cmd().current_dir(dir).args(["log", "-1", "--format=%B"]).output().expect("git log");
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

#[test]
fn each_worktree_commits_with_the_ticket_of_its_own_branch() {
    let repo = hooked(TICKETS);
    repo.git(&["checkout", "-q", "-b", "feat/oxp-3-main-work"]);
    let side = repo.temp().join("side");
    repo.git(&["worktree", "add", "-q", "-b", "fix/tsd-2-side-work", side.to_str().expect("utf-8")]);

    // The linked worktree's HEAD is in .git/worktrees/side, not in .git.
    let out = commit_in(&repo, &side, "side.txt", "side work");
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message_in(&repo, &side), "TSD-2: side work");
    let out = commit_in(&repo, &repo.root, "main.txt", "main work");
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-3: main work");
}

#[test]
fn a_detached_head_has_no_branch_and_an_unborn_one_has_its_name() {
    let repo = TestRepo::new();
    repo.config(&format!("{TICKETS}required = true\n"));
    // Before the first commit the branch exists only in HEAD.
    repo.git(&["symbolic-ref", "HEAD", &format!("refs/heads/{SEED_BRANCH}")]);
    repo.ward(&["install"]).code(0);
    repo.write("a.txt", "a\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "first commit"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1087: first commit");

    // Detached, the ticket of the branch it came from is not taken: there is no branch.
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("b.txt", "b\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "detached work"]);
    assert!(!out.status.success(), "required, and no branch to take a ticket from");
    let text = shown(&out);
    assert!(text.contains("names no ticket") && !text.contains("the branch"), "{text}");
    assert!(repo.git_os(["commit", "-q", "-m", "OXP-1087: detached work"]).status.success());
}

#[test]
fn a_head_only_git_can_read_is_asked_of_git() {
    // HEAD as a symbolic link (git still reads these): ward does not follow it, git does.
    let repo = hooked(TICKETS);
    repo.git(&["branch", SEED_BRANCH]);
    let head = repo.path(".git/HEAD");
    fs::remove_file(&head).expect("rm HEAD");
    std::os::unix::fs::symlink(format!("refs/heads/{SEED_BRANCH}"), &head).expect("symlink");
    assert_eq!(repo.git(&["symbolic-ref", "HEAD"]).trim(), format!("refs/heads/{SEED_BRANCH}"));
    repo.write("a.txt", "a\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "linked head"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1087: linked head");
}

#[test]
fn a_reftable_repository_gives_its_branch_through_git() {
    // The reftable backend (git 2.45 and later) leaves `ref: refs/heads/.invalid` in the HEAD
    // file; the branch is in the tables. An older git cannot make such a repository at all.
    let repo = TestRepo::plain();
    let init = repo.git_os(["init", "-q", "-b", SEED_BRANCH, "--ref-format=reftable"]);
    if git_version() < (2, 45) {
        assert!(!init.status.success(), "git before 2.45 has no reftable");
        return;
    }
    assert!(init.status.success(), "{}", shown(&init));
    assert_eq!(fs::read_to_string(repo.path(".git/HEAD")).expect("HEAD").trim(), "ref: refs/heads/.invalid");
    repo.config(TICKETS).write("README.md", "readme\n").commit("chore: start");
    repo.ward(&["install"]).code(0);
    repo.write("a.txt", "a\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "update nafo on fulfillment"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1087: update nafo on fulfillment");
    // Detached: the stub file says nothing, git says there is no branch.
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("b.txt", "b\n").add_all();
    assert!(repo.git_os(["commit", "-q", "-m", "detached work"]).status.success());
    assert_eq!(last_message(&repo), "detached work");
}

#[test]
fn a_submodule_commits_with_the_ticket_of_its_branch() {
    let lib = TestRepo::new();
    lib.config(TICKETS).write("lib.txt", "lib\n").commit("chore: lib");
    let repo = hooked(TICKETS);
    repo.git(&["-c", "protocol.file.allow=always", "submodule", "add", "-q", lib.root.to_str().expect("utf-8"), "lib"]);
    repo.commit("chore: add lib");
    // The submodule's `.git` is a file; its HEAD is in .git/modules/lib.
    assert!(repo.path("lib/.git").is_file());
    let sub = repo.path("lib");
    let mut branch = repo.git_cmd();
    assert!(branch.current_dir(&sub).args(["checkout", "-q", "-b", "feat/oxp-4-lib"]).status().expect("git").success());
    repo.ward_in("lib", &["install"]).code(0);
    let out = commit_in(&repo, &sub, "more.txt", "lib work");
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message_in(&repo, &sub), "OXP-4: lib work");
}

#[test]
fn lines_git_keeps_are_the_message_and_lines_it_removes_are_not() {
    let narrow = "[checks.message]\nbuiltin = \"commit-message\"\nbody_max = 20\n";
    let repo = hooked(&format!("{narrow}{TICKETS}"));
    repo.git(&["checkout", "-q", "-b", SEED_BRANCH]);
    // With -m git keeps `#` lines: `#123 ...` is the subject, and the ticket goes before it.
    repo.write("a.txt", "a\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "#123 fix the login"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1087: #123 fix the login");
    repo.write("b.txt", "b\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "OXP-1: wide\n\n# a kept line far wider than twenty"]);
    assert!(!out.status.success(), "git keeps the line: it is checked");
    assert!(shown(&out).contains("line 3 of the message"), "{}", shown(&out));

    // With the editor git strips its comments; `commit.cleanup` says otherwise.
    let typed = editor_above(&repo, "typed", "OXP-1: typed\n\n# typed comment far wider than twenty");
    let out = git_env(&repo, &["commit", "-q"], &[("GIT_EDITOR", &typed)]);
    assert!(out.status.success(), "stripped: {}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1: typed");
    for (mode, kept) in [("scissors", true), ("verbatim", true), ("strip", false)] {
        repo.git(&["config", "commit.cleanup", mode]);
        repo.write("c.txt", mode).add_all();
        let out = git_env(&repo, &["commit", "-q"], &[("GIT_EDITOR", &typed)]);
        assert_eq!(!out.status.success(), kept, "commit.cleanup={mode}: {}", shown(&out));
    }
    repo.git(&["config", "--unset", "commit.cleanup"]);

    // A comment string of several characters (git 2.45 and later).
    if git_version() >= (2, 45) {
        repo.git(&["config", "core.commentString", "//"]);
        repo.write("d.txt", "d\n").add_all();
        let plain = editor(&repo, "plain", "OXP-1: with a comment string");
        let out = git_env(&repo, &["commit", "-q", "-v"], &[("GIT_EDITOR", &plain)]);
        assert!(out.status.success(), "`//` lines are git's: {}", shown(&out));
        let above = editor_above(&repo, "above", "OXP-1: slashes\n\n// a comment far wider than twenty");
        repo.write("e.txt", "e\n").add_all();
        let out = git_env(&repo, &["commit", "-q"], &[("GIT_EDITOR", &above)]);
        assert!(out.status.success(), "{}", shown(&out));
        assert_eq!(last_message(&repo), "OXP-1: slashes");
    }
}

#[test]
fn amends_get_the_ticket_when_their_message_has_none_and_merges_never() {
    let repo = hooked(TICKETS);
    repo.git(&["checkout", "-q", "-b", SEED_BRANCH]);
    // A commit without a ticket, made with the hooks out of the way.
    let unhooked = |args: &[&str]| repo.git(&[&["-c", "core.hooksPath=/dev/null"], args].concat());
    repo.write(
        "draft.txt",
        "draft
",
    )
    .add_all();
    unhooked(&["commit", "-q", "-m", "draft"]);
    assert_eq!(last_message(&repo), "draft");

    // --amend -m: git gives prepare-commit-msg the source `message`.
    let out = repo.git_os(["commit", "-q", "--amend", "-m", "update nafo on fulfillment"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1087: update nafo on fulfillment");
    // An amend of a message that carries the id leaves it as it is.
    let out = repo.git_os(["commit", "-q", "--amend", "--no-edit"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1087: update nafo on fulfillment");
    let out = repo.git_os(["commit", "-q", "--amend", "-m", "TSD-7: another ticket"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "TSD-7: another ticket");

    // --amend with the editor (source `commit`, HEAD) of a message without an id: the id is
    // put in before the editor opens, and stays.
    unhooked(&["commit", "-q", "--amend", "-m", "plain words"]);
    assert_eq!(last_message(&repo), "plain words");
    let out = git_env(&repo, &["commit", "-q", "--amend"], &[("GIT_EDITOR", "true")]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1087: plain words");
    unhooked(&["commit", "-q", "--amend", "-m", "more plain words"]);
    let out = repo.git_os(["commit", "-q", "--amend", "--no-edit"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1087: more plain words");

    // A merge into the ticket branch keeps git's `Merge branch ...` message.
    repo.git(&["checkout", "-q", "-b", "other", "main"]);
    repo.write("other.txt", "other\n").commit("chore: other");
    repo.git(&["checkout", "-q", SEED_BRANCH]);
    let out = git_env(&repo, &["merge", "-q", "--no-ff", "other"], &[("GIT_EDITOR", "true")]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), format!("Merge branch 'other' into {SEED_BRANCH}"));
    repo.git(&["checkout", "-q", "-b", "another", "main"]);
    repo.write("another.txt", "another\n").commit("chore: another");
    repo.git(&["checkout", "-q", SEED_BRANCH]);
    let out = repo.git_os(["merge", "-q", "--no-ff", "--no-edit", "another"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), format!("Merge branch 'another' into {SEED_BRANCH}"));
}

#[test]
fn a_message_check_asks_git_twice_and_never_for_the_files() {
    let repo = TestRepo::new();
    repo.config(&format!("{TICKETS}\n[checks.cc]\nbuiltin = \"conventional-commit\"\n"));
    for i in 0..50 {
        repo.write(&format!("src/f{i}.php"), "<?php\n");
    }
    repo.commit("chore: files");
    repo.git(&["checkout", "-q", "-b", SEED_BRANCH]);
    // Every git process ward starts is logged by a `git` ahead of the real one on PATH.
    let (path, log) = repo.logging_git();
    fs::write(repo.temp().join("msg"), "fix: update nafo (OXP-1087)\n").expect("msg");

    let out = repo.ward_cmd().env("PATH", &path).args(["run", "--message"]).arg(repo.temp().join("msg")).output();
    let out = out.expect("ward");
    assert!(out.status.success(), "{}", shown(&out));
    let calls = fs::read_to_string(&log).expect("log");
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert!(calls.iter().any(|c| c.starts_with("rev-parse")), "{calls:#?}");
    assert!(calls.iter().any(|c| c.contains(" config ")), "{calls:#?}");
    // Nothing written in the repository either: no result cache for a message.
    assert!(!repo.path(".git/ward/cache").exists());
}
