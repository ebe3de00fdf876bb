//! identify's tags and pre-commit's filters: `types`, `types_or`, `exclude_types`, `files_regex`,
//! `exclude_regex` (per check and in `[settings]`), the symlink rule, and `ward identify`.

use std::collections::BTreeMap;
use std::process::Command;

use crate::common::*;

/// A repository with a recording check configured by `check_keys`, and these files committed.
fn seen_with(settings: &str, check_keys: &str) -> Vec<String> {
    let repo = TestRepo::new();
    let log = repo.temp().join("seen");
    repo.script("tools/record", &recorder(&log));
    repo.config(&format!(
        "[settings]\nexclude = [\"tools/**\", \"checks.toml\"]\n{settings}\n[checks.record]\nrun = \"tools/record\"\n{check_keys}"
    ));
    repo.write("src/Kernel.php", "<?php\n")
        .write("src/legacy/Old.php", "<?php\n")
        .write("config/services.yaml", "a: 1\n")
        .write("config/services.yaml.dist", "a: 1\n")
        .write("composer.json", "{}\n")
        .write("phpstan.neon", "parameters:\n")
        .write("vendor/lib/Lib.php", "<?php\n")
        .write("web/app.min.js", "x\n")
        .write("bin/console", "#!/usr/bin/env php\n<?php\n")
        .write("scripts/legacy/run.sh", "#!/bin/sh\n")
        .write("scripts/deploy.sh", "#!/bin/sh\n")
        .write("blob.dat", b"\x00\x01");
    repo.chmod("bin/console", 0o755);
    std::os::unix::fs::symlink("src/Kernel.php", repo.path("link.php")).expect("symlink");
    repo.commit("files");
    repo.ward(&["run", "--all"]).code(0);
    let mut seen = recorded(&log);
    seen.sort();
    seen
}

#[test]
fn types_or_takes_files_with_any_of_the_tags() {
    // `bin/console` is PHP by its `#!` line; the `.dist` copy is YAML by ward's addition.
    assert_eq!(
        seen_with("", "types_or = [\"php\", \"yaml\"]\n"),
        [
            "bin/console",
            "config/services.yaml",
            "config/services.yaml.dist",
            "src/Kernel.php",
            "src/legacy/Old.php",
            "vendor/lib/Lib.php"
        ]
    );
}

#[test]
fn exclude_types_drops_files_with_any_of_the_tags() {
    let seen = seen_with("", "types = [\"text\"]\nexclude_types = [\"php\", \"json\", \"shell\"]\n");
    assert_eq!(seen, ["config/services.yaml", "config/services.yaml.dist", "phpstan.neon", "web/app.min.js"]);
    // types, types_or and exclude_types together, as pre-commit combines them.
    let seen =
        seen_with("", "types = [\"executable\"]\ntypes_or = [\"php\", \"shell\"]\nexclude_types = [\"binary\"]\n");
    assert_eq!(seen, ["bin/console"]);
}

#[test]
fn symlinks_only_reach_checks_that_ask_for_them() {
    assert!(!seen_with("", "").contains(&"link.php".to_string()));
    assert_eq!(seen_with("", "types = [\"symlink\"]\n"), ["link.php"]);
}

#[test]
fn files_regex_and_exclude_regex_are_python_searches() {
    let seen = seen_with("", "files_regex = '\\.(php|ya?ml)$'\nexclude_regex = '^(vendor|src/legacy)/'\n");
    assert_eq!(seen, ["config/services.yaml", "src/Kernel.php"]);
    // re.search: unanchored, anywhere in the path.
    assert_eq!(seen_with("", "files_regex = 'Kern'\n"), ["src/Kernel.php"]);
}

#[test]
fn a_verbose_exclude_copied_from_a_real_pre_commit_configuration() {
    // From a published .pre-commit-config.yaml (a `script-naming` hook), comments and all.
    let exclude =
        "(?x)^(\n    scripts/legacy/.*|  # Grandfathered exceptions\n    vendor/.*           # Third-party code\n)$";
    let seen = seen_with("", &format!("files_regex = '\\.(sh|php)$'\nexclude_regex = '''\n{exclude}'''\n"));
    assert_eq!(seen, ["scripts/deploy.sh", "src/Kernel.php", "src/legacy/Old.php"]);
}

#[test]
fn settings_regexes_apply_before_every_check() {
    // pre-commit's top-level `exclude`, with the negative lookahead real configurations use.
    let seen = seen_with("exclude_regex = '^(?!src/|config/)'\nfiles_regex = '\\.(php|yaml)$'\n", "");
    assert_eq!(seen, ["config/services.yaml", "src/Kernel.php", "src/legacy/Old.php"]);
}

#[test]
fn unsupported_python_regex_features_are_config_errors() {
    let repo = TestRepo::new();
    repo.config("[checks.a]\nrun = \"true\"\nfiles_regex = '(?a)\\w+\\.php$'\n");
    let run = repo.ward(&["validate"]);
    run.code(2).stderr_has("checks.toml:3:15: `files_regex`: the ASCII flag `(?a)` of Python's `re` is not supported");
}

#[test]
fn ward_identify_prints_tags_as_identify_cli_does() {
    let repo = TestRepo::new();
    repo.write("bin/console", "#!/usr/bin/env php\n<?php\n").chmod("bin/console", 0o755);
    repo.ward(&["identify", "bin/console"]).code(0).stdout_has("[\"executable\", \"file\", \"php\", \"text\"]\n");
    repo.ward(&["identify", "bin"]).code(0).stdout_has("[\"directory\"]\n");
    let run = repo.ward(&["identify", "--json", "bin/console", "bin"]);
    let tags: BTreeMap<String, Vec<String>> = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(tags["bin"], ["directory"]);
    repo.ward(&["identify", "missing"]).code(1).stderr_has("missing does not exist.");
}

/// identify-cli's own `main`, run in one Python process over many paths (one process per path
/// would take a minute): its exact output per path.
fn identify_cli(dir: &std::path::Path, paths: &[String]) -> Option<BTreeMap<String, String>> {
    let script = "import contextlib, io, json, sys\nfrom identify import cli\nout = {}\nfor p in json.load(sys.stdin):\n    buf = io.StringIO()\n    with contextlib.redirect_stdout(buf):\n        cli.main([p])\n    out[p] = buf.getvalue()\njson.dump(out, sys.stdout)\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    serde_json::to_writer(child.stdin.take()?, paths).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

#[test]
fn ward_identify_equals_identify_cli_on_this_repository() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = Command::new("git").args(["ls-files", "-z"]).current_dir(root).output().expect("git ls-files");
    let paths: Vec<String> = listed
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .filter(|p| root.join(p).exists())
        .collect();
    assert!(paths.len() > 50, "the repository's files");
    let Some(reference) = identify_cli(root, &paths) else {
        assert!(std::env::var_os("CI").is_none(), "identify is required in CI (.ci/run installs it)");
        eprintln!("SKIPPED: pip install identify");
        return;
    };
    let ours = Command::new(WARD).arg("identify").arg("--json").args(&paths).current_dir(root).output().expect("ward");
    let ours: BTreeMap<String, Vec<String>> = serde_json::from_slice(&ours.stdout).expect("ward identify --json");
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        // ward's documented additions: `*.X.dist`, `.neon`, `composer.lock`.
        if name.ends_with(".dist") || name.ends_with(".neon") || name == "composer.lock" {
            continue;
        }
        // identify-cli prints `json.dumps(sorted(tags))`; ward prints the same list per path.
        let theirs: Option<Vec<String>> = reference.get(path).and_then(|line| serde_json::from_str(line).ok());
        if ours.get(path) != theirs.as_ref() {
            failures.push(format!("{path}: ward {:?}, identify-cli {:?}", ours.get(path), reference.get(path)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn explain_and_list_show_the_regex_and_tag_filters() {
    let repo = TestRepo::new();
    repo.config("[checks.a]\nrun = \"true\"\nfiles_regex = '\\.php$'\nexclude_regex = '^vendor/'\ntypes_or = [\"php\", \"yaml\"]\nexclude_types = [\"binary\"]\n");
    let run = repo.ward(&["explain", "a"]);
    run.code(0)
        .stdout_has("matching /\\.php$/; not matching /^vendor//; of any type of php, yaml; of no type of binary");
    repo.ward(&["list"]).code(0).stdout_has("of any type of php, yaml");
}

#[test]
fn text_checks_see_what_identify_calls_text() {
    let repo = TestRepo::new();
    repo.config("[checks.trailing-whitespace]\nbuiltin = \"trailing-whitespace\"\n");
    let late_nul = [vec![b'x'; 1100], b"  \n\x00\n".to_vec()].concat();
    repo.write("img.png", b"\x89PNG\r\n\x1a\n\x00\x00  \n")
        .write("blob", b"\x01\x02  \n")
        .write("late-nul.txt", &late_nul)
        .write("notes", "text  \n")
        .commit("files");
    let (_, report) = repo.ward_json(&["--all"]);
    let fixed = &check(&report, "trailing-whitespace")["modified_files"];
    // A NUL after the first KiB does not make a file binary (identify reads 1024 bytes).
    assert_eq!(fixed, &serde_json::json!(["late-nul.txt", "notes"]));
    assert_eq!(repo.read("img.png"), b"\x89PNG\r\n\x1a\n\x00\x00  \n");
    assert_eq!(repo.read("blob"), b"\x01\x02  \n");
}
