//! Engine tests: fixer composition, single writes, check mode, and git-backed checks on real repositories.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::*;
use crate::checks::builtin::aws::AwsEnvironment;
use crate::checks::builtin::fileio::WRITES;
use crate::checks::builtin::testutil::{entry_in, GitFixture};
use crate::checks::builtin::{Builtin, BuiltinOptions};
use crate::outcome::Severity;

fn builtin(name: &str) -> Builtin {
    Builtin::from_options(name, &BuiltinOptions::default()).unwrap()
}

fn with(name: &str, opts: BuiltinOptions) -> Builtin {
    Builtin::from_options(name, &opts).unwrap()
}

/// Runs content checks over `rels`, every check on every file, in the order given.
fn content(root: &Path, repo: Option<&Repo>, mode: Mode, checks: &[Builtin], rels: &[&str]) -> Vec<CheckResult> {
    let selection = Selection::All;
    let ctx = Context::new(root, repo, mode, &selection).with_aws_environment(AwsEnvironment::default());
    let entries: Vec<FileEntry> = rels.iter().map(|r| entry_in(root, r)).collect();
    let targets: Vec<ContentTarget> =
        entries.iter().map(|file| ContentTarget { file, checks: (0..checks.len()).collect() }).collect();
    let refs: Vec<&Builtin> = checks.iter().collect();
    run_content(&ctx, &refs, &targets)
}

fn errors(result: &CheckResult) -> Vec<(String, Option<u32>)> {
    result
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.path.clone().unwrap_or_default(), d.line))
        .collect()
}

fn writes_to(path: &Path) -> usize {
    WRITES.lock().unwrap().iter().filter(|p| p.as_path() == path).count()
}

const MESSY: &[u8] = b"\xef\xbb\xbf# Title  \r\nline one \t\nline two\r\n\r\n\n\n";

#[test]
fn fixers_compose_exactly_like_sequential_runs() {
    let orders: [&[&str]; 3] = [
        &["fix-byte-order-marker", "trailing-whitespace", "end-of-file-fixer", "mixed-line-ending"],
        &["end-of-file-fixer", "mixed-line-ending", "trailing-whitespace", "fix-byte-order-marker"],
        &["trailing-whitespace", "end-of-file-fixer"],
    ];
    for order in orders {
        for (name, input) in [("a.md", MESSY), ("b.txt", MESSY), ("c.txt", b"x \r\ny\n  " as &[u8])] {
            let together = tempfile::tempdir().unwrap();
            fs::write(together.path().join(name), input).unwrap();
            let checks: Vec<Builtin> = order.iter().map(|n| builtin(n)).collect();
            let results = content(together.path(), None, Mode::Fix, &checks, &[name]);
            assert!(results.iter().all(|r| r.error.is_none()));

            let one_by_one = tempfile::tempdir().unwrap();
            fs::write(one_by_one.path().join(name), input).unwrap();
            for check in &checks {
                content(one_by_one.path(), None, Mode::Fix, std::slice::from_ref(check), &[name]);
            }
            let combined = fs::read(together.path().join(name)).unwrap();
            assert_eq!(combined, fs::read(one_by_one.path().join(name)).unwrap(), "{order:?} on {name}");
            assert_ne!(combined, input);
        }
    }
}

#[test]
fn the_composed_result_is_what_each_fixer_implies() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("doc.md"), MESSY).unwrap();
    let checks: Vec<Builtin> =
        ["fix-byte-order-marker", "trailing-whitespace", "end-of-file-fixer", "mixed-line-ending"]
            .iter()
            .map(|n| builtin(n))
            .collect();
    let results = content(dir.path(), None, Mode::Fix, &checks, &["doc.md"]);
    // Markdown keeps its two-space hard break; the majority ending (CRLF) wins the tie-free count.
    assert_eq!(fs::read(dir.path().join("doc.md")).unwrap(), b"# Title  \r\nline one\r\nline two\r\n");
    for result in &results {
        assert_eq!(result.modified, vec!["doc.md".to_string()]);
        assert!(result.diagnostics.iter().all(|d| d.severity == Severity::Info), "{:?}", result.diagnostics);
    }
}

#[test]
fn a_file_changed_by_several_fixers_is_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.txt");
    fs::write(&path, MESSY).unwrap();
    let checks: Vec<Builtin> =
        ["fix-byte-order-marker", "trailing-whitespace", "end-of-file-fixer"].iter().map(|n| builtin(n)).collect();
    content(dir.path(), None, Mode::Fix, &checks, &["x.txt"]);
    assert_eq!(writes_to(&path), 1);
    let clean = dir.path().join("clean.txt");
    fs::write(&clean, b"fine\n").unwrap();
    content(dir.path(), None, Mode::Fix, &checks, &["clean.txt"]);
    assert_eq!(writes_to(&clean), 0, "an unchanged file is never rewritten");
}

#[test]
fn check_mode_reports_and_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.txt");
    fs::write(&path, MESSY).unwrap();
    let before = fs::metadata(&path).unwrap().modified().unwrap();
    let checks: Vec<Builtin> =
        ["fix-byte-order-marker", "trailing-whitespace", "end-of-file-fixer", "mixed-line-ending"]
            .iter()
            .map(|n| builtin(n))
            .collect();
    let results = content(dir.path(), None, Mode::Check, &checks, &["x.txt"]);
    assert_eq!(fs::read(&path).unwrap(), MESSY);
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
    assert_eq!(writes_to(&path), 0);
    assert_eq!(errors(&results[0]), vec![("x.txt".to_string(), Some(1))]);
    assert_eq!(errors(&results[1]), vec![("x.txt".into(), Some(1)), ("x.txt".into(), Some(2))]);
    assert_eq!(errors(&results[2]), vec![("x.txt".to_string(), Some(4))]);
    assert_eq!(errors(&results[3]).len(), 1);
    assert!(results.iter().all(|r| r.modified.is_empty()));
    assert!(results[1].diagnostics[0].message.contains("would remove"));
}

#[test]
fn fixing_keeps_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.sh");
    fs::write(&path, b"#!/bin/sh  \necho hi").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    content(dir.path(), None, Mode::Fix, &[builtin("trailing-whitespace"), builtin("end-of-file-fixer")], &["run.sh"]);
    assert_eq!(fs::read(&path).unwrap(), b"#!/bin/sh\necho hi\n");
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o755);
}

#[test]
fn symlinked_and_oversized_files_are_skipped() {
    // Binary files never get here: their `binary` tag keeps them from text checks in the plan.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("target.txt"), b"ok\n").unwrap();
    std::os::unix::fs::symlink("target.txt", dir.path().join("link.txt")).unwrap();
    let huge = fs::File::create(dir.path().join("huge.txt")).unwrap();
    huge.set_len(fileio::MAX_CONTENT_BYTES + 10).unwrap();
    let checks = [builtin("trailing-whitespace"), builtin("end-of-file-fixer")];
    let results = content(dir.path(), None, Mode::Fix, &checks, &["link.txt", "huge.txt"]);
    assert!(fs::symlink_metadata(dir.path().join("link.txt")).unwrap().file_type().is_symlink());
    for result in &results {
        assert!(result.modified.is_empty());
        assert_eq!(result.diagnostics.len(), 1, "{:?}", result.diagnostics);
        assert_eq!(result.diagnostics[0].severity, Severity::Warning);
        assert_eq!(result.diagnostics[0].path.as_deref(), Some("huge.txt"));
    }
}

#[test]
fn results_follow_check_and_file_order_across_many_files() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..200).map(|i| format!("f{i:03}.txt")).collect();
    for (i, name) in names.iter().enumerate() {
        let body: &[u8] = if i % 3 == 0 { b"dirty \n" } else { b"clean\n" };
        fs::write(dir.path().join(name), body).unwrap();
    }
    let rels: Vec<&str> = names.iter().map(String::as_str).collect();
    let checks = [builtin("check-merge-conflict"), builtin("trailing-whitespace")];
    let results = content(dir.path(), None, Mode::Fix, &checks, &rels);
    assert!(results[0].diagnostics.is_empty());
    let expected: Vec<String> = names.iter().step_by(3).cloned().collect();
    assert_eq!(results[1].modified, expected);
    let noted: Vec<String> = results[1].diagnostics.iter().filter_map(|d| d.path.clone()).collect();
    assert_eq!(noted, expected);
}

#[test]
fn later_checks_see_what_earlier_fixers_wrote() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("data.json"), b"\xef\xbb\xbf{\"a\": 1}").unwrap();
    let results = content(
        dir.path(),
        None,
        Mode::Fix,
        &[builtin("fix-byte-order-marker"), builtin("check-json")],
        &["data.json"],
    );
    assert!(errors(&results[1]).is_empty());
    assert_eq!(fs::read(dir.path().join("data.json")).unwrap(), b"{\"a\": 1}");
}

#[test]
fn content_checks_run_in_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.json"), b"{\"k\": 1, \"k\": 2}").unwrap();
    fs::write(dir.path().join("b.yaml"), b"a: [\n").unwrap();
    fs::write(dir.path().join("c.xml"), b"<a><b></a>").unwrap();
    fs::write(dir.path().join("d.toml"), b"x = \n").unwrap();
    fs::write(dir.path().join("e.pem"), b"-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
    fs::write(dir.path().join("f.txt"), b"<<<<<<< a\n=======\n>>>>>>> b\n").unwrap();
    let names = ["check-json", "check-yaml", "check-xml", "check-toml", "detect-private-key", "check-merge-conflict"];
    let rels = ["a.json", "b.yaml", "c.xml", "d.toml", "e.pem", "f.txt"];
    let checks: Vec<Builtin> = names.iter().map(|n| builtin(n)).collect();
    let selection = Selection::All;
    let ctx = Context::new(dir.path(), None, Mode::Check, &selection);
    let entries: Vec<FileEntry> = rels.iter().map(|r| entry_in(dir.path(), r)).collect();
    let targets: Vec<ContentTarget> =
        entries.iter().enumerate().map(|(i, file)| ContentTarget { file, checks: vec![i] }).collect();
    let refs: Vec<&Builtin> = checks.iter().collect();
    let results = run_content(&ctx, &refs, &targets);
    for ((result, rel), name) in results.iter().zip(rels).zip(names) {
        let found = errors(result);
        assert_eq!(found.len(), 1, "{name}: {:?}", result.diagnostics);
        assert_eq!(found[0].0, rel);
        assert_eq!(result.diagnostics[0].rule.as_deref(), Some(name));
    }
}

#[test]
fn aws_credentials_found_and_missing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("creds.ini"), b"[default]\naws_secret_access_key = wJalrXUtnFEMIK7MDENG\n").unwrap();
    fs::write(dir.path().join("leak.py"), b"x = 1\nKEY = 'wJalrXUtnFEMIK7MDENG'\n").unwrap();
    fs::write(dir.path().join("fine.py"), b"x = 1\n").unwrap();
    let selection = Selection::All;
    let entries = [entry_in(dir.path(), "leak.py"), entry_in(dir.path(), "fine.py")];
    let targets: Vec<ContentTarget> = entries.iter().map(|file| ContentTarget { file, checks: vec![0] }).collect();
    let empty_env = || AwsEnvironment { home: Some(dir.path().join("no-home")), vars: Vec::new() };

    let configured = with(
        "detect-aws-credentials",
        BuiltinOptions { credentials_files: Some(vec!["creds.ini".into()]), ..Default::default() },
    );
    let ctx = Context::new(dir.path(), None, Mode::Check, &selection).with_aws_environment(empty_env());
    let result = &run_content(&ctx, &[&configured], &targets)[0];
    assert_eq!(errors(result), vec![("leak.py".to_string(), Some(2))]);
    assert!(result.diagnostics[0].message.contains("`wJal****`"));

    let from_env = builtin("detect-aws-credentials");
    let env = AwsEnvironment { vars: vec![("AWS_SESSION_TOKEN".into(), "wJalrXUtnFEMIK7MDENG".into())], ..empty_env() };
    let ctx = Context::new(dir.path(), None, Mode::Check, &selection).with_aws_environment(env);
    assert_eq!(errors(&run_content(&ctx, &[&from_env], &targets)[0]).len(), 1);

    let ctx = Context::new(dir.path(), None, Mode::Check, &selection).with_aws_environment(empty_env());
    let missing = &run_content(&ctx, &[&from_env], &targets)[0];
    let error = missing.error.as_deref().unwrap();
    assert!(error.contains("no AWS secrets are configured") && error.contains("allow_missing_credentials"), "{error}");
    assert!(missing.diagnostics.is_empty());

    let allowed =
        with("detect-aws-credentials", BuiltinOptions { allow_missing_credentials: Some(true), ..Default::default() });
    let passed = &run_content(&ctx, &[&allowed], &targets)[0];
    assert!(passed.error.is_none() && passed.diagnostics.is_empty());
}

// ---- git-backed checks ----

fn paths(ctx: &Context, check: &Builtin, rels: &[&str]) -> CheckResult {
    let entries: Vec<FileEntry> = rels.iter().map(|r| entry_in(ctx.root, r)).collect();
    let refs: Vec<&FileEntry> = entries.iter().collect();
    run_paths(ctx, check, &refs)
}

fn single_content(ctx: &Context, check: &Builtin, rels: &[&str]) -> CheckResult {
    let entries: Vec<FileEntry> = rels.iter().map(|r| entry_in(ctx.root, r)).collect();
    let targets: Vec<ContentTarget> = entries.iter().map(|file| ContentTarget { file, checks: vec![0] }).collect();
    run_content(ctx, &[check], &targets).remove(0)
}

#[test]
fn shebang_checks_use_the_file_system_or_the_index() {
    let git = GitFixture::new();
    git.write("script.sh", b"#!/bin/sh\necho\n");
    git.write("notes.txt", b"plain\n");
    git.write("tool", b"#!/usr/bin/env python3\n");
    git.chmod("notes.txt", 0o755);
    git.chmod("tool", 0o755);
    git.git(&["add", "script.sh", "notes.txt", "tool"]);
    let repo = git.repo();
    let selection = Selection::Staged;
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &selection);
    let rels = ["script.sh", "notes.txt", "tool"];

    let have = single_content(&ctx, &builtin("check-executables-have-shebangs"), &rels);
    assert_eq!(errors(&have), vec![("notes.txt".to_string(), Some(1))]);
    assert!(have.diagnostics[0].message.contains("chmod -x notes.txt"), "{}", have.diagnostics[0].message);

    let are = single_content(&ctx, &builtin("check-shebang-scripts-are-executable"), &rels);
    assert_eq!(errors(&are), vec![("script.sh".to_string(), Some(1))]);
    assert!(are.diagnostics[0].message.contains("chmod +x script.sh && git add --chmod=+x script.sh"));

    // With core.fileMode off, only the index says what is executable.
    git.git(&["config", "core.fileMode", "false"]);
    git.git(&["update-index", "--chmod=+x", "script.sh"]);
    git.git(&["update-index", "--chmod=-x", "notes.txt"]);
    let repo = git.repo();
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &selection);
    let mut entries: Vec<FileEntry> = rels.iter().map(|r| entry_in(git.root(), r)).collect();
    for entry in &mut entries {
        entry.types.insert(crate::select::identify::Tag::EXECUTABLE);
    }
    let targets: Vec<ContentTarget> = entries.iter().map(|file| ContentTarget { file, checks: vec![0, 1] }).collect();
    let have = builtin("check-executables-have-shebangs");
    let are = builtin("check-shebang-scripts-are-executable");
    let results = run_content(&ctx, &[&have, &are], &targets);
    assert!(errors(&results[0]).is_empty(), "{:?}", results[0].diagnostics);
    assert!(errors(&results[1]).is_empty(), "{:?}", results[1].diagnostics);
    git.write("plain.txt", b"no shebang\n");
    git.git(&["add", "--chmod=+x", "plain.txt"]);
    let repo = git.repo();
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &selection);
    let found = single_content(&ctx, &have, &["plain.txt"]);
    assert_eq!(errors(&found), vec![("plain.txt".to_string(), Some(1))]);
    assert!(found.diagnostics[0].message.contains("git add --chmod=-x plain.txt"));
}

#[test]
fn large_files_only_when_added_unless_enforced_and_never_lfs() {
    let git = GitFixture::new();
    git.write("old.bin", &vec![b'a'; 3000]);
    git.commit_all("old");
    fs::write(git.root().join("old.bin"), vec![b'b'; 4000]).unwrap();
    git.write("new.bin", &vec![b'c'; 2049]);
    git.write("small.bin", &vec![b'd'; 1024]);
    git.write("video.mp4", &vec![b'e'; 5000]);
    git.write(".gitattributes", b"*.mp4 filter=lfs diff=lfs merge=lfs -text\n");
    git.git(&["add", "."]);
    let repo = git.repo();
    let selection = Selection::Staged;
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &selection);
    let rels = ["old.bin", "new.bin", "small.bin", "video.mp4"];
    let limit = |enforce_all| {
        with(
            "check-added-large-files",
            BuiltinOptions { max_kb: Some(2), enforce_all: Some(enforce_all), ..Default::default() },
        )
    };
    let added = paths(&ctx, &limit(false), &rels);
    assert_eq!(errors(&added), vec![("new.bin".to_string(), None)]);
    assert!(added.diagnostics[0].message.starts_with("is 3 KB, over the 2 KB limit"));
    let all = paths(&ctx, &limit(true), &rels);
    let flagged: Vec<String> = errors(&all).into_iter().map(|e| e.0).collect();
    assert_eq!(flagged, vec!["old.bin".to_string(), "new.bin".to_string()]);
}

#[test]
fn case_conflicts_with_tracked_files_and_directories() {
    let git = GitFixture::new();
    git.write("README.md", b"x\n");
    git.write("docs/guide.md", b"x\n");
    git.commit_all("base");
    git.write("readme.md", b"y\n");
    git.write("Docs/new.md", b"y\n");
    git.write("src/ok.rs", b"y\n");
    git.git(&["add", "."]);
    let repo = git.repo();
    let selection = Selection::Staged;
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &selection);
    let result = paths(&ctx, &builtin("check-case-conflict"), &["readme.md", "Docs/new.md", "src/ok.rs"]);
    let flagged: Vec<String> = errors(&result).into_iter().map(|e| e.0).collect();
    assert_eq!(flagged, vec!["Docs".to_string(), "readme.md".to_string()]);
    assert!(result.diagnostics[1].message.contains("`README.md`"));
}

#[test]
fn new_submodules_are_forbidden_in_staged_and_range_modes() {
    let git = GitFixture::new();
    git.write("a.txt", b"a\n");
    git.commit_all("base");
    let head = git.git(&["rev-parse", "HEAD"]).trim().to_string();
    git.git(&["update-index", "--add", "--cacheinfo", &format!("160000,{head},vendor/lib")]);
    let repo = git.repo();
    let check = builtin("forbid-new-submodules");
    let staged = Selection::Staged;
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &staged);
    let result = run_paths(&ctx, &check, &[]);
    assert_eq!(errors(&result), vec![("vendor/lib".to_string(), None)]);
    assert!(result.diagnostics[0].message.contains("git rm --cached vendor/lib"));

    let other = Selection::Files(vec![PathBuf::from("a.txt")]);
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &other);
    assert!(run_paths(&ctx, &check, &[]).diagnostics.is_empty());
    let named = Selection::Files(vec![PathBuf::from("./vendor/lib")]);
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &named);
    assert_eq!(run_paths(&ctx, &check, &[]).diagnostics.len(), 1);

    git.git(&["commit", "--quiet", "-m", "add submodule"]);
    // A `Repo` keeps what it asked git for one run; a new run sees the new state.
    let repo = git.repo();
    let range = Selection::Range { from: head.clone(), to: "HEAD".into() };
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &range);
    assert_eq!(errors(&run_paths(&ctx, &check, &[])), vec![("vendor/lib".to_string(), None)]);
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &staged);
    assert!(run_paths(&ctx, &check, &[]).diagnostics.is_empty(), "nothing new is staged any more");
}

#[test]
fn gitkeep_removal_only_when_the_directory_empties() {
    let git = GitFixture::new();
    git.write("logs/.gitkeep", b"");
    git.write("cache/.gitkeep", b"");
    git.write("cache/README", b"kept\n");
    git.write(".gitkeep", b"");
    git.commit_all("base");
    git.git(&["rm", "--quiet", "logs/.gitkeep", "cache/.gitkeep", ".gitkeep"]);
    let repo = git.repo();
    let selection = Selection::Staged;
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &selection);
    let result = run_paths(&ctx, &builtin("forbid-gitkeep-removal"), &[]);
    assert_eq!(errors(&result), vec![("logs/.gitkeep".to_string(), None)]);
    assert!(result.diagnostics[0].message.contains("git restore --staged --worktree logs/.gitkeep"));

    let base = git.git(&["rev-parse", "HEAD"]).trim().to_string();
    git.git(&["commit", "--quiet", "-m", "drop"]);
    let range = Selection::Range { from: base, to: "HEAD".into() };
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &range);
    assert_eq!(errors(&run_paths(&ctx, &builtin("forbid-gitkeep-removal"), &[])).len(), 1);
}

#[test]
fn destroyed_and_broken_symlinks() {
    let git = GitFixture::new();
    git.write("real.txt", b"data\n");
    std::os::unix::fs::symlink("real.txt", git.root().join("good")).unwrap();
    std::os::unix::fs::symlink("real.txt", git.root().join("flattened")).unwrap();
    std::os::unix::fs::symlink("real.txt", git.root().join("edited")).unwrap();
    std::os::unix::fs::symlink("nowhere.txt", git.root().join("dangling")).unwrap();
    git.commit_all("links");
    for (name, body) in [("flattened", &b"real.txt"[..]), ("edited", b"real.txt\n")] {
        fs::remove_file(git.root().join(name)).unwrap();
        git.write(name, body);
    }
    git.git(&["add", "."]);
    let repo = git.repo();
    let selection = Selection::Staged;
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &selection);
    let destroyed = paths(&ctx, &builtin("destroyed-symlinks"), &["flattened", "edited", "real.txt"]);
    let flagged: Vec<String> = errors(&destroyed).into_iter().map(|e| e.0).collect();
    assert_eq!(flagged, vec!["edited".to_string(), "flattened".to_string()]);
    assert!(destroyed.diagnostics[0].message.contains("git reset HEAD -- edited"));

    let broken = paths(&ctx, &builtin("check-symlinks"), &["good", "dangling", "real.txt"]);
    assert_eq!(errors(&broken), vec![("dangling".to_string(), None)]);
    assert!(broken.diagnostics[0].message.contains("`nowhere.txt`"));
}

#[test]
fn no_commit_to_protected_branches() {
    let git = GitFixture::new();
    git.write("a", b"a\n");
    git.commit_all("base");
    let repo = git.repo();
    let selection = Selection::Staged;
    let check = builtin("no-commit-to-branch");
    let on_branch = |git: &GitFixture, check: &Builtin| {
        let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &selection);
        run_paths(&ctx, check, &[])
    };
    let result = on_branch(&git, &check);
    assert_eq!(result.diagnostics.len(), 1);
    assert_eq!(result.diagnostics[0].path, None);
    assert!(result.diagnostics[0].message.contains("`main`"));

    // A tag of the same name must not hide the branch (`symbolic-ref --short` would say `heads/main`).
    git.git(&["tag", "main"]);
    assert_eq!(on_branch(&git, &check).diagnostics.len(), 1);

    git.git(&["switch", "--quiet", "-c", "feature/x"]);
    assert!(on_branch(&git, &check).diagnostics.is_empty());
    let patterned =
        with("no-commit-to-branch", BuiltinOptions { patterns: Some(vec!["feature/".into()]), ..Default::default() });
    assert_eq!(on_branch(&git, &patterned).diagnostics.len(), 1);

    git.git(&["switch", "--quiet", "--detach", "HEAD"]);
    assert!(on_branch(&git, &patterned).diagnostics.is_empty());
    assert!(on_branch(&git, &check).error.is_none());
}

#[test]
fn index_queries_before_the_first_commit() {
    let git = GitFixture::new();
    git.write("big.bin", &vec![b'x'; 4096]);
    git.git(&["add", "big.bin"]);
    let repo = git.repo();
    let selection = Selection::Staged;
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &selection);
    let check = with("check-added-large-files", BuiltinOptions { max_kb: Some(1), ..Default::default() });
    assert_eq!(errors(&paths(&ctx, &check, &["big.bin"])).len(), 1);
    assert!(run_paths(&ctx, &builtin("no-commit-to-branch"), &[]).diagnostics.len() == 1);
}

#[test]
fn git_failures_become_check_errors() {
    let git = GitFixture::new();
    let repo = git.repo();
    let range = Selection::Range { from: "no-such-rev".into(), to: "HEAD".into() };
    let ctx = Context::new(git.root(), Some(&repo), Mode::Check, &range);
    let result = run_paths(&ctx, &builtin("forbid-new-submodules"), &[]);
    assert!(result.error.as_deref().is_some_and(|e| e.contains("no-such-rev")), "{:?}", result.error);
}

#[test]
fn windows_names_through_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("aux.c"), b"").unwrap();
    fs::write(dir.path().join("fine.c"), b"").unwrap();
    let selection = Selection::All;
    let ctx = Context::new(dir.path(), None, Mode::Check, &selection);
    let result = paths(&ctx, &builtin("check-illegal-windows-names"), &["aux.c", "fine.c"]);
    assert_eq!(errors(&result), vec![("aux.c".to_string(), None)]);
    assert!(run_paths(&ctx, &builtin("check-json"), &[]).error.is_some());
}

/// Many clean files through six content checks in both modes: nothing found, nothing written.
/// (Speed is measured by bench/, not asserted here.)
#[test]
fn many_clean_files_give_nothing_in_either_mode() {
    let dir = tempfile::tempdir().unwrap();
    let body: Vec<u8> =
        (0..60).flat_map(|i| format!("line {i} of some ordinary source text;\n").into_bytes()).collect();
    let names: Vec<String> = (0..2_000).map(|i| format!("d{}/f{i}.txt", i % 100)).collect();
    for name in &names {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, &body).unwrap();
    }
    let rels: Vec<&str> = names.iter().map(String::as_str).collect();
    let checks: Vec<Builtin> = [
        "fix-byte-order-marker",
        "trailing-whitespace",
        "end-of-file-fixer",
        "mixed-line-ending",
        "check-merge-conflict",
        "detect-private-key",
    ]
    .iter()
    .map(|n| builtin(n))
    .collect();
    let entries: Vec<FileEntry> = rels.iter().map(|r| entry_in(dir.path(), r)).collect();
    let targets: Vec<ContentTarget> =
        entries.iter().map(|file| ContentTarget { file, checks: (0..checks.len()).collect() }).collect();
    let refs: Vec<&Builtin> = checks.iter().collect();
    let selection = Selection::All;
    for mode in [Mode::Check, Mode::Fix, Mode::Check, Mode::Fix] {
        let ctx = Context::new(dir.path(), None, mode, &selection);
        let results = run_content(&ctx, &refs, &targets);
        assert_eq!(results.len(), checks.len());
        assert!(results.iter().all(|r| r.diagnostics.is_empty() && r.modified.is_empty() && r.error.is_none()));
        assert!(entries.iter().all(|e| fs::read(dir.path().join(&e.rel)).is_ok_and(|b| b == body)));
    }
}
