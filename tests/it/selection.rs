//! Which files a run checks: staged, all, given, ref ranges, outside git, odd file names.

use crate::common::*;

fn recording_repo() -> (TestRepo, std::path::PathBuf) {
    let repo = TestRepo::new();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config("[checks.record]\nrun = \"tools/record\"\nexclude = [\"tools/**\", \"checks.toml\"]\n");
    (repo, log)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn default_is_the_staged_files_only() {
    let (repo, log) = recording_repo();
    repo.write("committed.txt", "a\n").write("changed-unstaged.txt", "a\n").commit("base");
    repo.write("changed-unstaged.txt", "b\n");
    repo.write("staged.txt", "new\n").write("untracked.txt", "u\n");
    repo.git(&["add", "staged.txt"]);
    repo.ward(&["run"]).code(0);
    assert_eq!(recorded(&log), vec!["staged.txt"]);
}

#[test]
fn staged_deletions_are_not_passed() {
    let (repo, log) = recording_repo();
    repo.write("gone.txt", "a\n").write("kept.txt", "a\n").commit("base");
    repo.git(&["rm", "-q", "gone.txt"]);
    repo.write("kept.txt", "b\n").add_all();
    repo.ward(&["run"]).code(0);
    assert_eq!(recorded(&log), vec!["kept.txt"]);
}

#[test]
fn all_is_every_tracked_file() {
    let (repo, log) = recording_repo();
    repo.write("a.txt", "a\n").write("dir/b.txt", "b\n").commit("base");
    repo.write("untracked.txt", "u\n");
    repo.ward(&["run", "--all"]).code(0);
    assert_eq!(sorted(recorded(&log)), vec!["a.txt", "dir/b.txt"]);
}

#[test]
fn files_takes_given_paths_tracked_or_not_and_walks_directories() {
    let (repo, log) = recording_repo();
    repo.write("a.txt", "a\n").write("dir/b.txt", "b\n").write("dir/sub/c.txt", "c\n").commit("base");
    repo.write("dir/new.txt", "n\n").write("other.txt", "o\n");
    repo.ward(&["run", "--files", "a.txt", "dir"]).code(0);
    assert_eq!(sorted(recorded(&log)), vec!["a.txt", "dir/b.txt", "dir/new.txt", "dir/sub/c.txt"]);
}

#[test]
fn files_are_relative_to_the_current_directory() {
    let (repo, log) = recording_repo();
    repo.write("dir/b.txt", "b\n").commit("base");
    repo.ward_in("dir", &["run", "--files", "b.txt"]).code(0);
    assert_eq!(recorded(&log), vec!["dir/b.txt"]);
}

#[test]
fn a_missing_given_path_is_an_error() {
    let (repo, _log) = recording_repo();
    repo.commit("base");
    repo.ward(&["run", "--files", "nope.txt"]).code(2).stderr_has("nope.txt");
}

#[test]
fn from_ref_checks_what_the_branch_changed_since_the_merge_base() {
    let (repo, log) = recording_repo();
    repo.write("base.txt", "a\n").commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature1.txt", "f\n").commit("f1");
    repo.write("feature2.txt", "f\n").write("base.txt", "changed\n").commit("f2");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main-only.txt", "m\n").commit("main moves on");
    repo.git(&["checkout", "-q", "feature"]);
    repo.ward(&["run", "--from-ref", "main"]).code(0);
    assert_eq!(sorted(recorded(&log)), vec!["base.txt", "feature1.txt", "feature2.txt"]);

    std::fs::remove_file(&log).ok();
    repo.ward(&["run", "--from-ref", "main", "--to-ref", "HEAD~1"]).code(0);
    assert_eq!(recorded(&log), vec!["feature1.txt"]);

    std::fs::remove_file(&log).ok();
    repo.ward(&["run", "--changed-since", "HEAD~1"]).code(0);
    assert_eq!(sorted(recorded(&log)), vec!["base.txt", "feature2.txt"]);
}

#[test]
fn from_ref_that_does_not_exist_is_an_error() {
    let (repo, _log) = recording_repo();
    repo.commit("base");
    repo.ward(&["run", "--from-ref", "no-such-branch"]).code(2).stderr_has("no-such-branch");
}

#[test]
fn odd_file_names_reach_the_tool_intact() {
    let (repo, log) = recording_repo();
    let names = ["with space.txt", "ünïcødé.txt", "-leading-dash.txt", "new\nline.txt"];
    for name in names {
        repo.write(name, "x\n");
    }
    repo.add_all();
    repo.ward(&["run"]).code(0);
    let seen = sorted(recorded(&log));
    assert_eq!(
        seen,
        sorted(vec![
            "./-leading-dash.txt".into(),
            "new\nline.txt".into(),
            "with space.txt".into(),
            "ünïcødé.txt".into()
        ])
    );
}

#[test]
fn outside_git_all_walks_the_tree_and_honours_gitignore() {
    let repo = TestRepo::plain();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config("[checks.record]\nrun = \"tools/record\"\nexclude = [\"tools/**\", \"checks.toml\"]\n");
    repo.write(".gitignore", "ignored/\n*.log\n")
        .write("a.txt", "a\n")
        .write("ignored/b.txt", "b\n")
        .write("c.log", "c\n");
    repo.ward(&["run", "--all"]).code(0);
    assert_eq!(sorted(recorded(&log)), vec![".gitignore", "a.txt"]);
}

#[test]
fn outside_git_staged_and_ref_modes_say_they_need_git() {
    let repo = TestRepo::plain();
    repo.config("[checks.t]\nrun = \"true\"\n");
    repo.ward(&["run"]).code(2).stderr_has("needs a git repository");
    repo.ward(&["run", "--from-ref", "main"]).code(2).stderr_has("needs a git repository");
}

#[test]
fn global_exclude_and_check_filters_combine() {
    let repo = TestRepo::new();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config(
        r#"
[settings]
exclude = ["vendor/**"]

[checks.record]
run = "tools/record"
files = ["src/**/*.php", "*.sh"]
exclude = ["src/Fixtures/**"]
types = ["text"]
"#,
    );
    repo.write("src/A.php", "<?php\n")
        .write("src/Fixtures/B.php", "<?php\n")
        .write("vendor/lib/C.php", "<?php\n")
        .write("bin/deploy.sh", "echo\n")
        .write("src/D.txt", "t\n");
    repo.add_all();
    repo.ward(&["run"]).code(0);
    assert_eq!(sorted(recorded(&log)), vec!["bin/deploy.sh", "src/A.php"]);
}
