//! Commit messages and branch names through real `git commit`s with the installed hooks: every
//! way a message reaches git, ticket ids from the branch, and the message checks in CI.

use std::fs;
use std::process::Command;

use crate::common::*;

pub(crate) const SEED_BRANCH: &str = "feat/oxp-1087-update-nafo-on-fulfillment";

/// A repository with `config` committed on `main` and every hook ward installs by default.
pub(crate) fn hooked(config: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.config(config);
    repo.write("README.md", "readme\n").commit("chore: start");
    repo.ward(&["install"]).code(0);
    repo
}

/// `git` with extra environment (editors), returning the whole output.
pub(crate) fn git_env(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = repo.git_cmd();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("git")
}

pub(crate) fn shown(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

pub(crate) fn last_message(repo: &TestRepo) -> String {
    repo.git(&["log", "-1", "--format=%B"]).trim_end().to_string()
}

fn count(repo: &TestRepo) -> usize {
    repo.git(&["rev-list", "--count", "HEAD"]).trim().parse().expect("count")
}

/// An editor script that replaces the message with `text`, keeping git's comments (and the
/// `-v` diff) below it, and a copy of what git showed in `<file>.seen`.
pub(crate) fn editor(repo: &TestRepo, name: &str, text: &str) -> String {
    let path = repo.temp().join(name);
    let seen = repo.temp().join(format!("{name}.seen"));
    let body = format!(
        "#!/bin/sh\ncp \"$1\" '{seen}'\n{{ printf '%s\\n' '{text}'; sed -n '/^[#;]/,$p' '{seen}'; }} > \"$1\"\n",
        seen = seen.display()
    );
    fs::write(&path, body).expect("editor");
    fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    path.to_string_lossy().into_owned()
}

pub(crate) const TICKETS: &str = "[checks.ticket]\nbuiltin = \"ticket-reference\"\n";
const CONVENTIONAL: &str = "[checks.conventional]\nbuiltin = \"conventional-commit\"\n";

#[test]
fn install_adds_the_message_hooks_only_when_a_check_needs_them() {
    let repo = hooked(TICKETS);
    for hook in ["pre-commit", "prepare-commit-msg", "commit-msg"] {
        assert!(repo.path(&format!(".git/hooks/{hook}")).is_file(), "{hook}");
    }
    let plain = hooked("[checks.ok]\nrun = \"true\"\n");
    assert!(plain.path(".git/hooks/pre-commit").is_file());
    assert!(!plain.path(".git/hooks/commit-msg").exists() && !plain.path(".git/hooks/prepare-commit-msg").exists());
    plain.ward(&["install", "--hook", "prepare-commit-msg"]).code(0);
    assert!(plain.path(".git/hooks/prepare-commit-msg").is_file());
}

#[test]
fn the_ticket_comes_from_the_branch_name() {
    let repo = hooked(TICKETS);
    repo.git(&["checkout", "-q", "-b", SEED_BRANCH]);
    repo.write("a.txt", "a\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "update nafo on fulfillment"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1087: update nafo on fulfillment");

    // A message that names a ticket already is left alone, as is an amend of it.
    repo.write("b.txt", "b\n").add_all();
    assert!(repo.git_os(["commit", "-q", "-m", "TSD-7: shared fix"]).status.success());
    assert_eq!(last_message(&repo), "TSD-7: shared fix");
    assert!(repo.git_os(["commit", "-q", "--amend", "--no-edit"]).status.success());
    assert_eq!(last_message(&repo), "TSD-7: shared fix");

    // The editor: git's comments stay comments, the id is added to what was typed.
    let typed = editor(&repo, "typed", "update the invoice totals");
    repo.write("c.txt", "c\n").add_all();
    let out = git_env(&repo, &["commit", "-q"], &[("GIT_EDITOR", &typed)]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "OXP-1087: update the invoice totals");
    let seen = fs::read_to_string(repo.temp().join("typed.seen")).expect("seen");
    assert!(seen.contains("# ward: OXP-1087 (from the branch) will be added"), "{seen}");

    // An editor left empty still aborts the commit: the ticket alone is no message.
    let before = count(&repo);
    repo.write("d.txt", "d\n").add_all();
    let out = git_env(&repo, &["commit", "-q"], &[("GIT_EDITOR", "true")]);
    assert!(!out.status.success());
    assert_eq!(count(&repo), before);
}

#[test]
fn no_ticket_on_the_branch_passes_unless_required() {
    let repo = hooked(TICKETS);
    repo.git(&["checkout", "-q", "-b", "chore/cleanup"]);
    repo.write("a.txt", "a\n").add_all();
    assert!(repo.git_os(["commit", "-q", "-m", "tidy up"]).status.success());
    assert_eq!(last_message(&repo), "tidy up");

    repo.config(&format!("{TICKETS}required = true\n")).add_all();
    let out = repo.git_os(["commit", "-q", "-m", "tidy up more"]);
    assert!(!out.status.success(), "required: a message without a ticket is refused");
    assert!(shown(&out).contains("names no ticket"), "{}", shown(&out));
    assert!(repo.git_os(["commit", "-q", "-m", "OXP-9: tidy up more"]).status.success());
}

#[test]
fn a_bad_conventional_type_is_refused_with_an_example_that_passes() {
    let repo = hooked(CONVENTIONAL);
    repo.write("a.txt", "a\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "update nafo on fulfillment"]);
    assert!(!out.status.success());
    let text = shown(&out);
    assert!(text.contains("for example `fix: update nafo on fulfillment`"), "{text}");
    let out = repo.git_os(["commit", "-q", "-m", "feature: update nafo"]);
    assert!(shown(&out).contains("`feature` is not a commit type (did you mean `feat`?)"), "{}", shown(&out));
    assert!(repo.git_os(["commit", "-q", "-m", "fix: update nafo on fulfillment"]).status.success());

    // -F file and --no-verify.
    fs::write(repo.temp().join("msg"), "Bad subject\n").expect("msg");
    repo.write("b.txt", "b\n").add_all();
    let msg = repo.temp().join("msg");
    let out = repo.git_os([std::ffi::OsStr::new("commit"), "-q".as_ref(), "-F".as_ref(), msg.as_os_str()]);
    assert!(!out.status.success(), "-F: {}", shown(&out));
    let before = count(&repo);
    assert!(repo.git_os(["commit", "-q", "--no-verify", "-m", "Bad subject"]).status.success(), "git skips the hook");
    assert_eq!(count(&repo), before + 1);
}

#[test]
fn git_written_messages_pass() {
    // With Conventional Commits the ticket goes at the end of the subject.
    let repo = hooked(&format!("{CONVENTIONAL}{TICKETS}template = \"{{subject}} ({{ticket}})\"\n"));
    repo.git(&["checkout", "-q", "-b", "feat/oxp-5-side"]);
    repo.write("side.txt", "side\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "feat: side work"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "feat: side work (OXP-5)");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", "main\n").add_all();
    assert!(repo.git_os(["commit", "-q", "-m", "fix: on main"]).status.success());

    // merge: `Merge branch ...`, no ticket put in (branch main has none anyway).
    let out = git_env(&repo, &["merge", "--no-ff", "feat/oxp-5-side"], &[("GIT_EDITOR", "true")]);
    assert!(out.status.success(), "{}", shown(&out));
    assert!(last_message(&repo).starts_with("Merge branch 'feat/oxp-5-side'"));

    // revert
    let out = git_env(&repo, &["revert", "--no-edit", "HEAD~1"], &[("GIT_EDITOR", "true")]);
    assert!(out.status.success(), "{}", shown(&out));
    assert!(last_message(&repo).starts_with("Revert \"fix: on main\""), "{}", last_message(&repo));

    // --fixup, --fixup=amend:, --squash on a ticket branch: prefixes kept, no ticket added.
    repo.git(&["checkout", "-q", "feat/oxp-5-side"]);
    for (i, args) in [vec!["--fixup", "HEAD"], vec!["--fixup=amend:HEAD"], vec!["--squash", "HEAD", "-m", "more"]]
        .into_iter()
        .enumerate()
    {
        repo.write(&format!("f{i}.txt"), "f\n").add_all();
        let mut full = vec!["commit", "-q"];
        full.extend(args);
        let out = git_env(&repo, &full, &[("GIT_EDITOR", "true")]);
        assert!(out.status.success(), "{full:?}: {}", shown(&out));
        let subject = last_message(&repo).lines().next().unwrap_or("").to_string();
        assert!(subject.starts_with(["fixup! ", "amend! ", "squash! "][i]), "{subject}");
        assert!(!subject.ends_with("(OXP-5) (OXP-5)"), "{subject}");
    }
}

#[test]
fn cherry_pick_and_reword_run_the_message_checks() {
    let repo = hooked(CONVENTIONAL);
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.write("x.txt", "x\n").add_all();
    repo.git(&["commit", "-q", "--no-verify", "-m", "bad message"]);
    let bad = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&["checkout", "-q", "main"]);
    // git runs no commit-msg hook for a cherry-pick (the message was checked when it was
    // written): the range check of pre-push and CI catches it, naming the commit.
    let out = repo.git_os(["cherry-pick", &bad]);
    assert!(out.status.success(), "{}", shown(&out));
    repo.ward(&["run", "--from-ref", "HEAD~1"]).code(1).stdout_has("`bad message`");
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);

    // An interactive rebase's reword: the new message is checked.
    repo.write("y.txt", "y\n").add_all();
    assert!(repo.git_os(["commit", "-q", "-m", "feat: good"]).status.success());
    let sequence = repo.temp().join("sequence.sh");
    fs::write(&sequence, "#!/bin/sh\nsed -i 's/^pick/reword/' \"$1\"\n").expect("seq");
    fs::set_permissions(&sequence, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let sequence = sequence.to_string_lossy().into_owned();
    let reword_bad = editor(&repo, "reword-bad", "reworded badly");
    let out =
        git_env(&repo, &["rebase", "-i", "HEAD~1"], &[("GIT_SEQUENCE_EDITOR", &sequence), ("GIT_EDITOR", &reword_bad)]);
    assert!(shown(&out).contains("conventional"), "the hook ran on the reworded message: {}", shown(&out));
    let _ = repo.git_os(["rebase", "--abort"]);
    assert_eq!(last_message(&repo), "feat: good");
    let reword_good = editor(&repo, "reword-good", "feat: reworded well");
    let out = git_env(
        &repo,
        &["rebase", "-i", "HEAD~1"],
        &[("GIT_SEQUENCE_EDITOR", &sequence), ("GIT_EDITOR", &reword_good)],
    );
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(last_message(&repo), "feat: reworded well");
}

#[test]
fn the_message_is_checked_as_git_will_store_it() {
    // A narrow body makes any line of git's comments or of the -v diff fail, were it counted.
    let repo = hooked("[checks.message]\nbuiltin = \"commit-message\"\nbody_max = 20\nsubject_max = 30\n");
    repo.write("long.txt", "a line of content far wider than twenty characters\n").add_all();
    let typed = editor(&repo, "verbose", "Add the long file");
    let out = git_env(&repo, &["commit", "-q", "-v"], &[("GIT_EDITOR", &typed)]);
    assert!(out.status.success(), "comments and the -v diff are not the message: {}", shown(&out));
    assert_eq!(last_message(&repo), "Add the long file");

    for comment in [";", "auto"] {
        repo.git(&["config", "core.commentChar", comment]);
        repo.write("long.txt", format!("changed for {comment}\n")).add_all();
        let out = git_env(&repo, &["commit", "-q", "-v"], &[("GIT_EDITOR", &typed)]);
        assert!(out.status.success(), "core.commentChar={comment}: {}", shown(&out));
    }
    repo.git(&["config", "--unset", "core.commentChar"]);

    // What fails is the message itself, with the line of the body.
    repo.write("long.txt", "again\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "Subject\n\nthis body line is much too wide"]);
    assert!(!out.status.success());
    assert!(shown(&out).contains("line 3 of the message"), "{}", shown(&out));

    // `commit -a` and an empty message: git aborts by itself, ward says nothing alarming.
    repo.write("long.txt", "tracked change\n");
    let before = count(&repo);
    let out = repo.git_os(["commit", "-a", "-q", "-m", ""]);
    assert!(!out.status.success());
    assert_eq!(count(&repo), before);
    assert!(repo.git_os(["commit", "-a", "-q", "-m", "Commit all"]).status.success());
    assert_eq!(count(&repo), before + 1);
}

#[test]
fn run_checks_a_message_file_or_standard_input() {
    let repo = TestRepo::new();
    repo.config(CONVENTIONAL);
    fs::write(repo.temp().join("msg"), "fix: works\n# a comment\n").expect("msg");
    let msg = repo.temp().join("msg").to_string_lossy().into_owned();
    repo.ward(&["run", "--message", &msg]).code(0);
    fs::write(repo.temp().join("bad"), "Works\n").expect("msg");
    let bad = repo.temp().join("bad").to_string_lossy().into_owned();
    repo.ward(&["run", "--stage", "commit-msg", "--message", &bad]).code(1).stdout_has("for example `fix: works`");

    let stdin = |text: &str| {
        let mut child = repo
            .ward_cmd()
            .args(["run", "--message", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("ward");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), text.as_bytes()).expect("write");
        child.wait_with_output().expect("wait")
    };
    assert!(stdin("feat: from stdin\n").status.success());
    assert_eq!(stdin("from stdin\n").status.code(), Some(1));
    // Without a message, a message check has nothing to do and says why.
    let (run, report) = repo.ward_json(&["--all"]);
    run.code(0);
    assert!(check(&report, "conventional")["reason"].as_str().unwrap_or("").contains("no commit message to check"));
}

#[test]
fn types_of_conventional_commit_are_commit_types() {
    let repo = TestRepo::new();
    repo.config("[checks.cc]\nbuiltin = \"conventional-commit\"\ntypes = [\"feat\", \"fix\", \"simplify\"]\nscopes = [\"api\"]\nrequire_scope = true\n");
    fs::write(repo.temp().join("msg"), "simplify(api): less\n").expect("msg");
    let msg = repo.temp().join("msg").to_string_lossy().into_owned();
    repo.ward(&["run", "--message", &msg]).code(0);
    repo.ward(&["validate"]).code(0);
    // Elsewhere `types` are still file types.
    repo.config("[checks.msg]\nbuiltin = \"commit-message\"\nsubject_case = \"title\"\n");
    repo.ward(&["validate"]).code(2).stderr_has("subject_case");
    repo.config("[checks.b]\nbuiltin = \"branch-name\"\nscopes = [\"x\"]\n");
    repo.ward(&["validate"]).code(2).stderr_has("`scopes` does not apply to `branch-name`");
}

#[test]
fn branch_names_are_checked_at_commit_with_a_proposal() {
    let repo = hooked("[checks.branch]\nbuiltin = \"branch-name\"\n");
    repo.git(&["checkout", "-q", "-b", "OXP-1087_Update_Nafo"]);
    repo.write("a.txt", "a\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "x"]);
    assert!(!out.status.success());
    assert!(shown(&out).contains("git branch -m OXP-1087_Update_Nafo feat/oxp-1087-update-nafo"), "{}", shown(&out));
    repo.git(&["branch", "-m", "feat/oxp-1087-update-nafo"]);
    assert!(repo.git_os(["commit", "-q", "-m", "x"]).status.success());
    repo.git(&["checkout", "-q", "-b", "release/2.0"]);
    repo.config("[checks.branch]\nbuiltin = \"branch-name\"\npattern = '^(feat|fix)/[a-z]+-\\d+-'\nallow = [\"main\", \"release/*\"]\n");
    assert!(repo.add_all().git_os(["commit", "-q", "-m", "y"]).status.success());
}

#[test]
fn forbidden_patterns_count_only_added_lines() {
    let repo = hooked("[checks.debug]\nbuiltin = \"forbid-patterns\"\n");
    repo.write("src/old.php", "<?php\nvar_dump($legacy);\n").commit("legacy");
    // A change elsewhere in a file that already has a debug call passes.
    repo.write("src/old.php", "<?php\nvar_dump($legacy);\n$x = 1;\n").add_all();
    let out = repo.git_os(["commit", "-q", "-m", "touch"]);
    assert!(out.status.success(), "{}", shown(&out));
    // A debug call in a staged hunk fails with its file and line; the unstaged one is not seen.
    repo.write("src/old.php", "<?php\nvar_dump($legacy);\n$x = 1;\ndd($x);\n").add_all();
    repo.write("src/new.js", "console.log('unstaged');\n");
    let out = repo.git_os(["commit", "-q", "-m", "debug"]);
    assert!(!out.status.success());
    let text = shown(&out);
    assert!(text.contains("src/old.php") && text.contains("4:1") && text.contains("dd($x)"), "{text}");
    assert!(!text.contains("legacy") && !text.contains("new.js"), "{text}");
    // --all looks at every line.
    repo.ward(&["run", "--all"]).code(1).stdout_has("var_dump($legacy)");
}

/// `main` on a bare remote, then `branch` with commits; GitHub's pull-request variables.
fn ci_branch(branch: &str, config: &str) -> TestRepo {
    let repo = TestRepo::new();
    let remote = repo.temp().join("remote.git");
    let out = Command::new("git").args(["init", "-q", "--bare", "-b", "main"]).arg(&remote).output().expect("git");
    assert!(out.status.success());
    repo.config(config);
    repo.write("src/old.php", "<?php\nvar_dump($legacy);\n").commit("chore: base");
    repo.git(&["remote", "add", "origin", remote.to_str().expect("utf-8")]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.git(&["checkout", "-q", "-b", branch]);
    repo
}

fn ci(repo: &TestRepo, args: &[&str], head_ref: &str) -> Run {
    let mut cmd = repo.ward_cmd();
    cmd.args(["run", "--ci"]).args(args);
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_BASE_REF", "main")
        .env("GITHUB_HEAD_REF", head_ref)
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITHUB_STEP_SUMMARY");
    Run::from(cmd.output().expect("ward"))
}

#[test]
fn ci_checks_every_commit_of_the_pull_request_in_every_format() {
    let config = "[checks.cc]\nbuiltin = \"conventional-commit\"\n\n[checks.branch]\nbuiltin = \"branch-name\"\n\n[checks.debug]\nbuiltin = \"forbid-patterns\"\n";
    let repo = ci_branch(SEED_BRANCH, config);
    repo.write("src/a.php", "<?php\n").commit("feat: good one");
    // The pull request touches the file with the old debug call, in another line.
    repo.write("src/old.php", "<?php\nvar_dump($legacy);\n$y = 2;\n").commit("fix: touch the old file");
    repo.write("src/a.php", "<?php\ndd($x);\n").commit("Bad one");
    let bad = repo.git(&["rev-parse", "--short", "HEAD"]).trim().to_string();
    // A merge of main into the branch is not judged.
    repo.git(&["checkout", "-q", "main"]);
    repo.write("m.txt", "m\n").commit("chore: on main");
    repo.git(&["checkout", "-q", SEED_BRANCH]);
    repo.git(&["merge", "-q", "--no-ff", "--no-verify", "-m", "Merge branch 'main' into feature", "main"]);

    let out = ci(&repo, &["--format", "json"], SEED_BRANCH);
    out.code(1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let cc = check(&report, "cc");
    let findings = cc["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["commit"]["id"], bad.as_str());
    assert_eq!(findings[0]["commit"]["subject"], "Bad one");
    assert!(findings[0]["message"].as_str().unwrap_or("").starts_with(&format!("commit {bad} `Bad one`")));
    assert_eq!(check(&report, "branch")["status"], "passed");
    let debug = &check(&report, "debug")["diagnostics"];
    assert_eq!(debug.as_array().map(Vec::len), Some(1), "only the pull request's added line: {debug:#}");
    assert_eq!(debug[0]["path"], "src/a.php");
    assert_eq!(debug[0]["line"], 2);

    let junit = ci(&repo, &["--format", "junit"], SEED_BRANCH).stdout;
    assert!(junit.contains(&format!("name=\"commit {bad} Bad one\"")), "{junit}");
    let sarif: serde_json::Value =
        serde_json::from_str(&ci(&repo, &["--format", "sarif"], SEED_BRANCH).stdout).expect("sarif");
    let run = sarif["runs"].as_array().and_then(|r| r.iter().find(|r| r["tool"]["driver"]["name"] == "ward/cc"));
    let result = &run.expect("cc run")["results"][0];
    assert!(result.get("locations").is_none(), "{result:#}");
    assert_eq!(result["properties"]["commit"]["id"], bad.as_str());
    let github = ci(&repo, &["--format", "github"], SEED_BRANCH).stdout;
    assert!(github.lines().any(|l| l.starts_with("::error") && l.contains(&bad) && l.contains("Bad one")), "{github}");

    // The pull request's source branch is what branch-name judges in CI.
    let out = ci(&repo, &["--format", "json"], "Bad_Branch");
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let branch = &check(&report, "branch")["diagnostics"][0]["message"];
    assert!(branch.as_str().unwrap_or("").contains("`Bad_Branch`"), "{branch}");
}

/// A pushed `main` and the pre-push hook with message and branch checks.
fn pushing() -> TestRepo {
    let config = "[checks.cc]\nbuiltin = \"conventional-commit\"\nstages = [\"pre-push\"]\n\n[checks.branch]\nbuiltin = \"branch-name\"\nstages = [\"pre-push\"]\n";
    let repo = ci_branch("main-work", config);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-D", "main-work"]);
    repo.git(&["fetch", "-q", "origin"]);
    repo.git(&["remote", "set-head", "origin", "main"]);
    repo.ward(&["install", "--hook", "pre-push"]).code(0);
    repo
}

#[test]
fn pre_push_checks_what_each_push_adds() {
    let repo = pushing();
    // A new branch: only its own commits, not main's history ("chore: base" is fine anyway,
    // an old bad commit on main must not count).
    repo.write("old.txt", "o\n").commit("old bad commit on main");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.git(&["checkout", "-q", "-b", "feat/oxp-1-new"]);
    repo.write("n.txt", "n\n").commit("feat: new work");
    let out = repo.git_os(["push", "-q", "origin", "feat/oxp-1-new"]);
    assert!(out.status.success(), "{}", shown(&out));

    // A bad commit on top is refused, naming it.
    repo.write("n.txt", "n2\n").commit("bad next");
    let out = repo.git_os(["push", "-q", "origin", "feat/oxp-1-new"]);
    assert!(!out.status.success());
    assert!(shown(&out).contains("bad next"), "{}", shown(&out));

    // A force push replacing it is checked for what is new on the remote.
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.write("n.txt", "n3\n").commit("fix: better next");
    let out = repo.git_os(["push", "-q", "--force", "origin", "feat/oxp-1-new"]);
    assert!(out.status.success(), "{}", shown(&out));

    // Deleting a branch checks nothing; a tag is no branch to name.
    let out = repo.git_os(["push", "-q", "origin", "--delete", "feat/oxp-1-new"]);
    assert!(out.status.success(), "{}", shown(&out));
    repo.git(&["tag", "v1.0"]);
    let out = repo.git_os(["push", "-q", "origin", "v1.0"]);
    assert!(out.status.success(), "{}", shown(&out));

    // A badly named branch is refused with a proposal.
    repo.git(&["checkout", "-q", "-b", "My_Work"]);
    repo.write("w.txt", "w\n").commit("feat: work");
    let out = repo.git_os(["push", "-q", "origin", "My_Work"]);
    assert!(!out.status.success());
    assert!(shown(&out).contains("feat/my-work"), "{}", shown(&out));
}

#[test]
fn readme_message_configurations_are_valid() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let section = readme
        .split("## Commit messages, branch names and debug calls")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the README section");
    let blocks: Vec<&str> = section.split("```toml\n").skip(1).filter_map(|b| b.split("```").next()).collect();
    assert_eq!(blocks.len(), 3, "GrumPHP, CaptainHook Beams and Conventional Commits");
    let repo = TestRepo::new();
    for block in &blocks {
        repo.config(block);
        repo.ward(&["validate"]).code(0);
    }
    // And they do what the README says.
    repo.config(blocks[0]);
    let write = |name: &str, text: &str| {
        fs::write(repo.temp().join(name), text).expect("msg");
        repo.temp().join(name).to_string_lossy().into_owned()
    };
    repo.ward(&["run", "commit-message", "--message", &write("ok", "JIRA-1 Add the thing\n")]).code(0);
    repo.ward(&["run", "commit-message", "--message", &write("lower", "JIRA-1 add the thing\n")]).code(1);
    repo.config(blocks[1]);
    repo.ward(&["run", "beams", "--message", &write("past", "Added the thing\n")]).code(1);
    repo.ward(&["run", "beams", "--message", &write("imperative", "Add the thing\n")]).code(0);
    repo.config(blocks[2]);
    repo.ward(&["run", "--message", &write("simplify", "simplify: less code\n")]).code(0);
}
