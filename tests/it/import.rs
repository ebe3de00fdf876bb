//! `ward import`: configurations modelled on real ones, imported into checks.toml; the written
//! file and the summary are snapshots, and `ward validate` must accept every written file.

use std::path::Path;

use crate::common::*;
use crate::tools::copy_dir;

/// A repository holding the fixture `fixtures/import/NAME`.
fn fixture(name: &str) -> TestRepo {
    let repo = TestRepo::new();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import").join(name), &repo.root);
    repo.commit("project");
    repo
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

/// The summary without the warning this ward adds while a written key is not yet known to it
/// (the validate assertion below is what holds the written file to account).
fn summary_part(stdout: &str) -> &str {
    stdout.split("\nwarning: this ward does not accept").next().unwrap_or(stdout)
}

/// Imports the fixture, snapshots the file and the summary, and validates the file.
fn imports(name: &str, args: &[&str]) -> TestRepo {
    let repo = fixture(name);
    let mut full = vec!["import", "--color", "never"];
    full.extend_from_slice(args);
    let run = repo.ward(&full);
    run.code(0);
    snapshot(&format!("import-{name}-toml"), &repo.read_string("checks.toml"));
    snapshot(&format!("import-{name}-summary"), summary_part(&run.stdout));
    repo.ward(&["validate", "--color", "never"]).code(0);
    repo
}

#[test]
fn pre_commit_php_app() {
    imports("pre-commit-php-app", &[]);
}

#[test]
fn pre_commit_verbose_regexes_aliases_and_local_languages() {
    imports("pre-commit-verbose", &[]);
}

#[test]
fn pre_commit_old_list_only_format() {
    imports("pre-commit-old-format", &[]);
}

#[test]
fn pre_commit_environment_hooks_meta_and_docker() {
    imports("pre-commit-mixed-repos", &[]);
}

#[test]
fn pre_commit_shared_template_yml() {
    imports("pre-commit-shared-template", &[]);
}

#[test]
fn grumphp_layout() {
    imports("grumphp-new", &[]);
}

#[test]
fn grumphp_old_parameters_layout() {
    imports("grumphp-old", &[]);
}

#[test]
fn grumphp_imports_from_vendor_with_parameters() {
    imports("grumphp-imports", &[]);
}

#[test]
fn captainhook_actions_and_conditions() {
    imports("captainhook-basic", &[]);
}

#[test]
fn captainhook_docker_beams_and_conventional_commits() {
    imports("captainhook-beams-docker", &[]);
}

#[test]
fn lefthook_dot_file() {
    imports("lefthook-php", &[]);
}

#[test]
fn lefthook_with_local_overrides() {
    imports("lefthook-local", &[]);
}

#[test]
fn unreadable_sources_exit_2_with_line_and_column() {
    let repo = TestRepo::new();
    repo.write(".pre-commit-config.yaml", "repos:\n  - repo: local\n    hooks: [\n");
    let run = repo.ward(&["import"]);
    run.code(2).stderr_has(".pre-commit-config.yaml:4:1: invalid YAML");
    assert!(!repo.path("checks.toml").exists());
    repo.write("captainhook.json", "{\n  \"pre-commit\": {\n    \"actions\" []\n  }\n}\n");
    repo.ward(&["import", "captainhook.json"]).code(2).stderr_has("captainhook.json:3:15: invalid JSON: expected `:`");
    repo.write("lefthook.yml", "pre-commit:\n  commands: [1, 2\n");
    repo.ward(&["import", "lefthook.yml"]).code(2).stderr_has("lefthook.yml:");
    repo.write("grumphp.yml", "grumphp:\n  tasks: {phpstan: ~\n");
    repo.ward(&["import", "grumphp.yml"]).code(2).stderr_has("grumphp.yml:");
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: local\n    hooks:\n      - name: no id\n        entry: x\n",
    );
    repo.ward(&["import"]).code(2).stderr_has(".pre-commit-config.yaml:4:9: a hook without `id:`");
    repo.ward(&["import", "missing.yml"]).code(2).stderr_has("not a configuration ward can import");
    repo.ward(&["import", ".pre-commit-config.yml"]).code(2).stderr_has("cannot read");
}

#[test]
fn nothing_to_import_says_what_was_looked_for() {
    let repo = TestRepo::new();
    repo.ward(&["import"]).code(2).stderr_has("found no configuration to import").stderr_has("captainhook.json");
}

const SMALL: &str = "repos:\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v4.6.0\n    hooks:\n      - id: check-json\n";

#[test]
fn never_overwrites_without_force() {
    let repo = TestRepo::new();
    repo.write(".pre-commit-config.yaml", SMALL).config("[checks.mine]\nrun = \"true\"\n");
    repo.ward(&["import"]).code(2).stderr_has("checks.toml already exists").stderr_has("--force");
    assert_eq!(repo.read_string("checks.toml"), "[checks.mine]\nrun = \"true\"\n");
    repo.ward(&["import", "--force"]).code(0).stdout_has("Imported .pre-commit-config.yaml into checks.toml");
    assert!(repo.read_string("checks.toml").contains("builtin = \"check-json\""));
    repo.ward(&["validate"]).code(0);
}

#[test]
fn output_to_a_file_or_standard_output() {
    let repo = TestRepo::new();
    repo.write(".pre-commit-config.yaml", SMALL);
    let run = repo.ward(&["import", "--output", "-"]);
    run.code(0);
    assert!(run.stdout.starts_with("# Imported from .pre-commit-config.yaml"), "{}", run.stdout);
    assert!(run.stderr.contains("into standard output"), "{}", run.stderr);
    assert!(!repo.path("checks.toml").exists());
    repo.ward(&["import", "--output", "ci/checks.toml"]).code(2).stderr_has("cannot write");
    std::fs::create_dir_all(repo.path("ci")).expect("mkdir");
    repo.ward(&["import", "-o", "ci/checks.toml"]).code(0).stdout_has("into ci/checks.toml");
    repo.ward(&["validate", "--config", "ci/checks.toml"]).code(0);
    repo.ward(&["import", "-o", "ci/checks.toml"]).code(2).stderr_has("already exists");
}

#[test]
fn a_symlinked_checks_toml_is_replaced_not_written_through() {
    let repo = TestRepo::new();
    repo.write(".pre-commit-config.yaml", SMALL).write("elsewhere.toml", "keep = 1\n");
    std::os::unix::fs::symlink("elsewhere.toml", repo.path("checks.toml")).expect("symlink");
    repo.ward(&["import"]).code(2).stderr_has("already exists");
    repo.ward(&["import", "--force"]).code(0);
    assert_eq!(repo.read_string("elsewhere.toml"), "keep = 1\n");
    assert!(!std::fs::symlink_metadata(repo.path("checks.toml")).expect("meta").file_type().is_symlink());
}

#[test]
fn without_a_path_the_first_source_at_the_root_is_imported_from_a_subdirectory_too() {
    let repo = TestRepo::new();
    repo.write("grumphp.yml", "grumphp:\n  tasks:\n    jsonlint: ~\n").write(".pre-commit-config.yaml", SMALL);
    repo.write("src/a.php", "<?php\n");
    let run = repo.ward_in("src", &["import", "--color", "never"]);
    run.code(0).stdout_has("Imported .pre-commit-config.yaml").stdout_has("ward import grumphp.yml --output");
    assert!(repo.path("checks.toml").exists() && !repo.path("src/checks.toml").exists());
    repo.ward(&["import", "grumphp.yml", "--output", "grumphp.toml"]).code(0).stdout_has("task jsonlint");
}

#[test]
fn hostile_names_cannot_reach_the_terminal_or_break_the_file() {
    let repo = TestRepo::new();
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: local\n    hooks:\n      - id: \"evil\\e[31m\\n[checks.x]\"\n        name: \"a\\u0007b\"\n        entry: \"echo '\\\"'\"\n        language: system\n",
    );
    let run = repo.ward(&["import", "--color", "never"]);
    run.code(0);
    assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{7}'), "{:?}", run.stdout);
    let text = repo.read_string("checks.toml");
    assert!(!text.contains('\u{1b}'), "{text:?}");
    let table: toml::Table = toml::from_str(&text).expect("valid toml");
    assert_eq!(table["checks"].as_table().map(|t| t.len()), Some(1), "{text}");
    repo.ward(&["validate"]).code(0);
}

/// Hook scripts as each tool writes them (their recognisable lines), plus a trace when run.
fn foreign_hook(tool: &str) -> String {
    let body = match tool {
        "pre-commit" => "# File generated by pre-commit: https://pre-commit.com\n# ID: 138fd403232d2ddd5efb44317e38bf03\nARGS=(hook-impl --config=.pre-commit-config.yaml --hook-type=pre-commit)",
        "GrumPHP" => "DIFF=$(git diff -r -p -m -M --full-index --no-color --staged | cat)\n(cd \"./\" && printf \"%s\\n\" \"${DIFF}\" | exec 'vendor/bin/grumphp' 'git:pre-commit' '--skip-success-output')",
        "CaptainHook" => "# installed by CaptainHook 5.23.0\nvendor/bin/captainhook --configuration=captainhook.json hook:pre-commit \"$@\"",
        _ => "if [ \"$LEFTHOOK\" = \"0\" ]; then\n  exit 0\nfi\ncall_lefthook run \"pre-commit\" \"$@\"",
    };
    format!("#!/bin/sh\ntouch legacy-ran\n{body}\nexit 0\n")
}

#[test]
fn install_recognises_other_runners_hooks_and_replaces_them_without_chaining() {
    for tool in ["pre-commit", "GrumPHP", "CaptainHook", "lefthook"] {
        let repo = TestRepo::new();
        repo.config("[checks.check-json]\nbuiltin = \"check-json\"\n").commit("init");
        let hook = repo.path(".git/hooks/pre-commit");
        std::fs::create_dir_all(hook.parent().expect("dir")).expect("mkdir");
        std::fs::write(&hook, foreign_hook(tool)).expect("hook");
        repo.chmod(".git/hooks/pre-commit", 0o755);
        repo.ward(&["install"]).code(2).stderr_has(&format!("was installed by {tool}")).stderr_has("ward import");
        repo.ward(&["install", "--force"]).code(0).stdout_has(&format!("hook {tool} installed")).stdout_has("not run");
        assert!(repo.path(".git/hooks/pre-commit.legacy").exists(), "{tool}");
        repo.write("a.json", "{\"a\": 1}\n").add_all();
        repo.git(&["commit", "-q", "-m", "with ward"]);
        assert!(!repo.path("legacy-ran").exists(), "{tool}'s old hook ran: the checks would run twice");
        repo.write("b.json", "{").add_all();
        let out = repo.git_os(["commit", "-q", "-m", "broken json"]);
        assert!(!out.status.success(), "{tool}: ward's hook let broken JSON through");
        repo.ward(&["uninstall"]).code(0);
        assert!(std::fs::read_to_string(&hook).expect("restored").contains("legacy-ran"), "{tool}");
    }
}

#[test]
fn install_still_chains_a_hand_written_hook() {
    let repo = TestRepo::new();
    repo.config("[checks.check-json]\nbuiltin = \"check-json\"\n").commit("init");
    std::fs::create_dir_all(repo.path(".git/hooks")).expect("mkdir");
    repo.script(".git/hooks/pre-commit", "touch legacy-ran");
    repo.ward(&["install", "--force"]).code(0).stdout_has("it runs before ward");
    repo.write("a.json", "{}\n").add_all();
    repo.git(&["commit", "-q", "-m", "x"]);
    assert!(repo.path("legacy-ran").exists());
}

#[test]
fn a_preset_config_missing_from_the_repository_is_not_written() {
    let repo = TestRepo::new();
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: https://github.com/digitalpulp/pre-commit-php\n    rev: 1.4.0\n    hooks:\n      - id: php-stan\n        args: [-c, build/phpstan.neon, --level=5]\n",
    );
    let run = repo.ward(&["import", "--color", "never"]);
    run.code(0).stdout_has("needs you: its configuration file build/phpstan.neon is not in the repository");
    let text = repo.read_string("checks.toml");
    assert!(!text.contains("config = ") && text.contains("args = [\"--level=5\"]"), "{text}");
    repo.ward(&["validate"]).code(0);
    repo.write("build/phpstan.neon", "parameters:\n  level: 5\n");
    repo.ward(&["import", "--force"]).code(0);
    assert!(repo.read_string("checks.toml").contains("config = \"build/phpstan.neon\""));
    repo.ward(&["validate"]).code(0);
}
