//! Each repository-aware built-in through the real binary, on a real repository (the content
//! checks go through the binary in differential.rs as well).

use crate::common::*;

fn one(repo: &TestRepo, id: &str, options: &str) {
    repo.config(&format!("[checks.{id}]\nbuiltin = \"{id}\"\n{options}"));
}

fn errors(report: &serde_json::Value, id: &str) -> Vec<String> {
    check(report, id)["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| format!("{}: {}", d["path"].as_str().unwrap_or("-"), d["message"].as_str().unwrap_or("")))
        .collect()
}

#[test]
fn check_added_large_files_only_new_files_unless_enforce_all() {
    let repo = TestRepo::new();
    one(&repo, "check-added-large-files", "max_kb = 1\n");
    repo.write("old-big.bin", vec![b'x'; 4096]).commit("base");
    repo.write("new-big.txt", vec![b'y'; 2049]).write("new-small.txt", "s\n").add_all();
    let (run, report) = repo.ward_json(&["--all"]);
    run.code(1);
    let found = errors(&report, "check-added-large-files");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("new-big.txt") && found[0].contains("3 KB"), "{found:?}");
    one(&repo, "check-added-large-files", "max_kb = 1\nenforce_all = true\n");
    let (_, report) = repo.ward_json(&["--all"]);
    assert_eq!(errors(&report, "check-added-large-files").len(), 2);
}

#[test]
fn check_case_conflict_against_existing_paths() {
    let repo = TestRepo::new();
    one(&repo, "check-case-conflict", "");
    repo.write("Docs/readme.txt", "a\n").commit("base");
    repo.write("docs/other.txt", "b\n").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let found = errors(&report, "check-case-conflict");
    assert!(found.iter().any(|f| f.to_lowercase().contains("docs")), "{found:?}");
}

#[test]
fn check_illegal_windows_names() {
    let repo = TestRepo::new();
    one(&repo, "check-illegal-windows-names", "");
    repo.write("src/aux.php", "<?php\n").write("notes.", "x\n").write("ok.txt", "x\n").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let found = errors(&report, "check-illegal-windows-names");
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn shebang_and_executable_bits_follow_the_index() {
    let repo = TestRepo::new();
    repo.config("[checks.check-executables-have-shebangs]\nbuiltin = \"check-executables-have-shebangs\"\n\n[checks.check-shebang-scripts-are-executable]\nbuiltin = \"check-shebang-scripts-are-executable\"\n");
    repo.write("run.sh", "#!/bin/sh\necho\n").write("data.txt", "plain\n").add_all();
    repo.git(&["update-index", "--chmod=+x", "data.txt"]);
    repo.chmod("data.txt", 0o755);
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let no_shebang = errors(&report, "check-executables-have-shebangs");
    assert!(
        no_shebang.len() == 1 && no_shebang[0].starts_with("data.txt") && no_shebang[0].contains("chmod -x"),
        "{no_shebang:?}"
    );
    let not_exec = errors(&report, "check-shebang-scripts-are-executable");
    assert!(
        not_exec.len() == 1 && not_exec[0].starts_with("run.sh") && not_exec[0].contains("--chmod=+x"),
        "{not_exec:?}"
    );
}

#[test]
fn check_symlinks_finds_broken_links() {
    let repo = TestRepo::new();
    one(&repo, "check-symlinks", "");
    repo.write("target.txt", "t\n");
    std::os::unix::fs::symlink("target.txt", repo.path("good-link")).expect("symlink");
    std::os::unix::fs::symlink("missing.txt", repo.path("broken-link")).expect("symlink");
    repo.add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let found = errors(&report, "check-symlinks");
    assert!(found.len() == 1 && found[0].starts_with("broken-link"), "{found:?}");
}

#[test]
fn destroyed_symlinks_are_caught() {
    let repo = TestRepo::new();
    one(&repo, "destroyed-symlinks", "");
    repo.write("target.txt", "t\n");
    std::os::unix::fs::symlink("target.txt", repo.path("link")).expect("symlink");
    repo.commit("base");
    std::fs::remove_file(repo.path("link")).expect("rm");
    repo.write("link", "target.txt").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    assert!(errors(&report, "destroyed-symlinks").iter().any(|f| f.starts_with("link")));
}

#[test]
fn forbid_new_submodules() {
    let repo = TestRepo::new();
    one(&repo, "forbid-new-submodules", "");
    repo.write("a.txt", "a\n").commit("base");
    let sub = TestRepo::new();
    sub.write("x.txt", "x\n").commit("sub");
    let sha = sub.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&["update-index", "--add", "--cacheinfo", &format!("160000,{sha},vendor/lib")]);
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    assert!(errors(&report, "forbid-new-submodules").iter().any(|f| f.starts_with("vendor/lib")), "{report:#}");
}

#[test]
fn forbid_gitkeep_removal_runs_although_only_a_deletion_is_staged() {
    let repo = TestRepo::new();
    one(&repo, "forbid-gitkeep-removal", "");
    repo.write("var/cache/.gitkeep", "")
        .write("var/logs/.gitkeep", "")
        .write("var/logs/keep.txt", "k\n")
        .commit("base");
    repo.git(&["rm", "-q", "var/cache/.gitkeep", "var/logs/.gitkeep"]);
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let found = errors(&report, "forbid-gitkeep-removal");
    assert!(found.len() == 1 && found[0].starts_with("var/cache/.gitkeep"), "{found:?}");
}

#[test]
fn no_commit_to_branch_protects_main_and_patterns() {
    let repo = TestRepo::new();
    one(&repo, "no-commit-to-branch", "patterns = [\"release/.*\"]\n");
    repo.write("a.txt", "a\n").commit("base");
    repo.write("b.txt", "b\n").add_all();
    repo.ward_json(&[]).0.code(1);
    repo.git(&["checkout", "-q", "-b", "release/2.0"]);
    repo.ward_json(&[]).0.code(1);
    repo.git(&["checkout", "-q", "-b", "feature/x"]);
    repo.ward_json(&[]).0.code(0);
}

#[test]
fn detect_aws_credentials_finds_configured_secrets() {
    let repo = TestRepo::new();
    let creds = repo.temp().join("aws-credentials");
    std::fs::write(
        &creds,
        "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n",
    )
    .expect("creds");
    one(&repo, "detect-aws-credentials", &format!("credentials_files = [\"{}\"]\n", creds.display()));
    repo.write("config/app.env", "AWS_SECRET=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n")
        .write("clean.env", "X=1\n")
        .add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let found = errors(&report, "detect-aws-credentials");
    assert!(found.len() == 1 && found[0].starts_with("config/app.env"), "{found:?}");
    assert!(
        !found[0].contains("wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"),
        "the secret itself is never printed: {found:?}"
    );
}

#[test]
fn install_in_a_linked_worktree_uses_the_shared_hooks() {
    let repo = TestRepo::new();
    repo.config("[checks.ok]\nrun = \"true\"\n");
    repo.commit("base");
    let wt = repo.temp().join("linked");
    repo.git(&["worktree", "add", "-q", wt.to_str().expect("utf-8"), "-b", "side"]);
    let run = Run::from(repo.ward_cmd().current_dir(&wt).arg("install").output().expect("ward"));
    run.code(0);
    assert!(repo.path(".git/hooks/pre-commit").is_file(), "hooks live in the common git dir");
    std::fs::write(wt.join("b.txt"), "b\n").expect("write");
    let add = repo.git_cmd().current_dir(&wt).args(["add", "b.txt"]).output().expect("git");
    assert!(add.status.success());
    let commit =
        repo.git_cmd().current_dir(&wt).args(["commit", "-q", "-m", "from the worktree"]).output().expect("git");
    assert!(commit.status.success(), "{}", String::from_utf8_lossy(&commit.stderr));
}

#[test]
fn a_commit_is_only_blamed_for_case_conflicts_it_adds() {
    let repo = TestRepo::new();
    one(&repo, "check-case-conflict", "");
    repo.write("Docs/a.txt", "a\n").write("docs/b.txt", "b\n").commit("an old conflict");
    repo.write("docs/b.txt", "changed\n").add_all();
    repo.ward_json(&[]).0.code(0);
    let (run, report) = repo.ward_json(&["--all"]);
    run.code(1);
    assert!(!errors(&report, "check-case-conflict").is_empty());
}
