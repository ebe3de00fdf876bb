//! `ward import` keeps what a pre-commit configuration does: pre-commit itself runs the original
//! (pre-commit-hooks as local `language: system` hooks calling its installed console scripts,
//! since there is no network to clone the repository) and ward runs the imported checks.toml,
//! on the same corpus; every hook must flag (report or fix) the same files.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::common::*;

/// pre-commit-hooks ids with the console script and types its manifest gives, and arguments.
const HYGIENE: &[(&str, &str, &str, &str)] = &[
    ("trailing-whitespace", "trailing-whitespace-fixer", "[text]", "[]"),
    ("end-of-file-fixer", "end-of-file-fixer", "[text]", "[]"),
    ("check-yaml", "check-yaml", "[yaml]", "[]"),
    ("check-json", "check-json", "[json]", "[]"),
    ("check-xml", "check-xml", "[xml]", "[]"),
    ("check-toml", "check-toml", "[toml]", "[]"),
    ("mixed-line-ending", "mixed-line-ending", "[text]", "[--fix=lf]"),
    ("check-merge-conflict", "check-merge-conflict", "[text]", "[--assume-in-merge]"),
    ("detect-private-key", "detect-private-key", "[text]", "[]"),
    ("check-added-large-files", "check-added-large-files", "[file]", "[--maxkb=2, --enforce-all]"),
    ("fix-byte-order-marker", "fix-byte-order-marker", "[text]", "[]"),
];

/// Local hooks, the same in both configurations: each names the files it was given.
const LOCAL: &str = r#"  - repo: local
    hooks:
      - id: php-files
        name: php files outside the fixtures
        entry: sh -c 'for f in "$@"; do echo "seen=$f"; done' _
        language: system
        types: [php]
        exclude: ^tests/fixtures/
      - id: todo
        name: no TODO left
        entry: sh -c '! grep -l TODO "$@"' _
        language: system
        files: \.(php|md)$
      - id: data-files
        name: data files
        entry: sh -c 'for f in "$@"; do echo "seen=$f"; done' _
        language: system
        types_or: [yaml, json]
        exclude_types: [toml]
      - id: config-yaml
        name: configuration YAML
        entry: sh -c 'for f in "$@"; do echo "seen=$f"; done' _
        language: system
        files: |
          (?x)^(
              config/.*\.ya?ml|
              docker-compose\.yml
          )$
      - id: once
        name: once for JSON
        entry: sh -c 'echo "ran once with $# files"; test "$#" = 0' _
        language: system
        pass_filenames: false
        files: \.json$
"#;

fn original() -> String {
    let mut text = String::from("exclude: ^vendor/\nrepos:\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v6.0.0\n    hooks:\n");
    for (id, _, _, args) in HYGIENE {
        text.push_str(&format!("      - id: {id}\n        args: {args}\n"));
    }
    text + LOCAL
}

/// The original with the pre-commit-hooks repository turned into local system hooks.
fn rewritten() -> String {
    let mut text = String::from("exclude: ^vendor/\nrepos:\n  - repo: local\n    hooks:\n");
    for (id, script, types, args) in HYGIENE {
        text.push_str(&format!(
            "      - id: {id}\n        name: {id}\n        entry: {script}\n        language: system\n        types: {types}\n        args: {args}\n"
        ));
    }
    text + LOCAL
}

fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("src/A.php", b"<?php\n// TODO: remove\necho 1;\n".to_vec()),
        ("src/B.php", b"<?php\necho 2;\n".to_vec()),
        ("src/C.php", b"<?php  \necho 3;".to_vec()),
        ("tests/fixtures/F.php", b"<?php // TODO  \n".to_vec()),
        ("vendor/acme/V.php", b"<?php // TODO  \n".to_vec()),
        ("README.md", b"# Title  \nSee the TODO list.\n".to_vec()),
        ("docs/guide.md", b"Hard break  \nnext\n\n\n".to_vec()),
        ("config/services.yaml", b"services:\n  app: ~\n".to_vec()),
        ("config/broken.yml", b"a: [1, 2\n".to_vec()),
        ("config/dup.yaml", b"a: 1\na: 2\n".to_vec()),
        ("docker-compose.yml", b"services: {}\n".to_vec()),
        ("other.yaml", b"x: 1\n".to_vec()),
        ("data/a.json", b"{\"a\": 1}\n".to_vec()),
        ("data/bad.json", b"{\"a\": }\n".to_vec()),
        ("data/dup.json", b"{\"a\": 1, \"a\": 2}\n".to_vec()),
        ("a.xml", b"<?xml version=\"1.0\"?>\n<a/>\n".to_vec()),
        ("b.xml", b"<a><b></a>\n".to_vec()),
        ("a.toml", b"[a]\nb = 1\n".to_vec()),
        ("b.toml", b"[a\n".to_vec()),
        ("noeol.txt", b"no newline".to_vec()),
        ("crlf.txt", b"one\r\ntwo\r\n".to_vec()),
        ("mixed.txt", b"one\r\ntwo\nthree\n".to_vec()),
        ("conflict.txt", b"a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> topic\n".to_vec()),
        // Put together here so that ward's own detect-private-key does not flag this file.
        (
            "key.pem",
            format!("-----BEGIN OPENSSH {}-----\nabc\n-----END OPENSSH {}-----\n", "PRIVATE KEY", "PRIVATE KEY")
                .into_bytes(),
        ),
        ("big.txt", "line of text\n".repeat(300).into_bytes()),
        ("bom.txt", b"\xef\xbb\xbfhello\n".to_vec()),
        ("image.bin", [b"\x89PNG\r\n\x1a\n\x00".to_vec(), vec![0u8; 64]].concat()),
    ]
}

fn names() -> Vec<&'static str> {
    corpus().into_iter().map(|(n, _)| n).collect()
}

fn write_corpus(dir: &Path) {
    for (name, body) in corpus() {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, body).expect("write");
    }
}

/// True when `text` names `name` as a whole path.
fn names_file(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || "_./-".contains(c)));
        boundary(before) && boundary(after)
    })
}

fn changed(dir: &Path) -> BTreeSet<String> {
    let out = Command::new("git").args(["status", "--porcelain", "-z"]).current_dir(dir).output().expect("git");
    out.stdout
        .split(|b| *b == 0)
        .filter(|r| r.len() > 3)
        .map(|r| String::from_utf8_lossy(&r[3..]).into_owned())
        .filter(|p| names().contains(&p.as_str()))
        .collect()
}

fn reset(dir: &Path) {
    let out = Command::new("git").args(["checkout", "-q", "--", "."]).current_dir(dir).output().expect("git");
    assert!(out.status.success());
}

/// One hook's part of `pre-commit run --verbose`: its status line, then everything up to the
/// next hook's status line.
fn hook_section(text: &str, id: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let marker = format!("- hook id: {id}");
    let Some(at) = lines.iter().position(|l| *l == marker) else {
        panic!("pre-commit did not run {id}:\n{text}");
    };
    let next = lines[at + 1..].iter().position(|l| l.starts_with("- hook id: ")).map_or(lines.len(), |i| at + i);
    lines[at.saturating_sub(1)..next].join("\n")
}

fn pre_commit_available() -> bool {
    let ok = Command::new("pre-commit").arg("--version").output().is_ok_and(|o| o.status.success())
        && Command::new("trailing-whitespace-fixer").arg("--help").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "pre-commit and pre-commit-hooks are required in CI (.ci/run installs them)"
        );
        eprintln!("SKIPPED: pre-commit or pre-commit-hooks is not installed (pip install pre-commit pre-commit-hooks)");
    }
    ok
}

#[test]
fn imported_config_flags_the_same_files_as_pre_commit() {
    if !pre_commit_available() {
        return;
    }
    // pre-commit's side: a plain repository with the rewritten configuration.
    let reference = tempfile::tempdir().expect("tempdir");
    let dir = reference.path();
    write_corpus(dir);
    std::fs::write(dir.join(".pre-commit-config.yaml"), rewritten()).expect("config");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "--no-verify", "-m", "corpus"]);

    // ward's side: the original configuration, imported.
    let repo = TestRepo::new();
    write_corpus(&repo.root);
    repo.write(".pre-commit-config.yaml", original());
    repo.commit("corpus");
    repo.ward(&["import"]).code(0);
    repo.ward(&["validate"]).code(0);
    repo.commit("imported");

    // Fixers run one at a time on each side (what each one changed is what it flagged); the
    // checks run together, in one pre-commit and one ward run, read hook by hook.
    let fixers = ["trailing-whitespace", "end-of-file-fixer", "mixed-line-ending", "fix-byte-order-marker"];
    let checks: Vec<&str> = HYGIENE
        .iter()
        .map(|h| h.0)
        .filter(|id| !fixers.contains(id))
        .chain(["php-files", "todo", "data-files", "config-yaml", "once"])
        .collect();
    let mut runs: Vec<Vec<&str>> = fixers.iter().map(|f| vec![*f]).collect();
    runs.push(checks);
    let mut flagging = 0;
    for ids in runs {
        let mut command = Command::new("pre-commit");
        command.args(["run", "--all-files", "--verbose", "--color", "never"]);
        if let [one] = ids.as_slice() {
            command.arg(one);
        } else {
            command.env("SKIP", fixers.join(","));
        }
        let out = command
            .env("PRE_COMMIT_HOME", reference.path().join(".cache"))
            .current_dir(dir)
            .output()
            .expect("pre-commit");
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(!text.contains("An error has occurred"), "pre-commit could not run {ids:?}:\n{text}");
        let pre_commit_changed = changed(dir);
        reset(dir);
        let mut args = vec!["--all"];
        args.extend(&ids);
        let (run, report) = repo.ward_json(&args);
        let ward_changed = changed(&repo.root);
        reset(&repo.root);
        for id in &ids {
            let section = hook_section(&text, id);
            let mut theirs: BTreeSet<String> =
                names().into_iter().filter(|n| names_file(&section, n)).map(String::from).collect();
            if ids.len() == 1 {
                theirs.extend(pre_commit_changed.iter().cloned());
            }
            let pre_commit_failed = section.lines().next().is_some_and(|l| l.ends_with("Failed"));
            let c = check(&report, id);
            let mut ours: BTreeSet<String> = c["modified_files"]
                .as_array()
                .expect("modified")
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            ours.extend(
                c["diagnostics"]
                    .as_array()
                    .expect("diagnostics")
                    .iter()
                    .filter_map(|d| d["path"].as_str().map(String::from)),
            );
            let output = c["output"].as_str().unwrap_or_default();
            ours.extend(names().into_iter().filter(|n| names_file(output, n)).map(String::from));
            if ids.len() == 1 {
                ours.extend(ward_changed.iter().cloned());
            }
            // The configuration files differ by design (each side has its own).
            ours.retain(|n| names().contains(&n.as_str()));
            assert_eq!(
                ours, theirs,
                "{id}: ward flagged {ours:?}, pre-commit {theirs:?}\npre-commit:\n{section}\nward:\n{}",
                run.stdout
            );
            flagging += usize::from(!theirs.is_empty());
            let ward_failed = c["status"] != "passed";
            assert_eq!(
                ward_failed, pre_commit_failed,
                "{id}: pass/fail differs\npre-commit:\n{section}\nward:\n{}",
                run.stdout
            );
        }
    }
    assert!(flagging >= 13, "the corpus should give nearly every hook something to flag; {flagging} did");
}
