//! What a new user hit on a real Symfony application (issue 14): reports beside other lines,
//! unparsable files, unwritable outputs, `--files` before a check id, dropped fixes, install
//! hints, the guide's order, CI against the hook, the baseline, and the smaller wording bugs.

use crate::common::*;
use crate::tools::{phar, require, symfony_app};

/// Not PHP that any parser accepts: `$a = 1` lacks its `;`.
const BROKEN_PHP: &str = "<?php\n\nnamespace App\\Billing\\Domain;\n\nfinal class Broken\n{\n    public function x(): void\n    {\n        $a = 1\n    }\n}\n";
const BROKEN: &str = "src/Billing/Domain/Broken.php";

fn diagnostics<'a>(report: &'a serde_json::Value, id: &str) -> &'a Vec<serde_json::Value> {
    check(report, id)["diagnostics"].as_array().expect("diagnostics")
}

// -------------------------------------------------------------------------------------------
// deptrac's syntax-error lines before its JSON

#[test]
fn deptrac_syntax_error_lines_before_its_report_leave_a_failure_with_findings() {
    let Some(repo) = symfony_app() else { return };
    repo.write(BROKEN, BROKEN_PHP).commit("a file deptrac cannot parse");
    let (run, report) = repo.ward_json(&["--all", "deptrac-layers"]);
    run.code(1);
    let c = check(&report, "deptrac-layers");
    assert_eq!(c["status"], "failed", "a parsable report with findings is a failure, not an error: {c}");
    assert!(c.get("reason").is_none(), "{c}");
    assert!(c["output"].as_str().unwrap_or("").contains("Syntax Error on File "), "{c}");
    let diags = diagnostics(&report, "deptrac-layers");
    assert!(
        diags.iter().any(|d| d["severity"] == "error" && d["path"] == "src/Billing/Domain/Invoice.php"),
        "{diags:?}"
    );
    let syntax = diags.iter().find(|d| d["path"] == BROKEN).expect("the unparsable file is a finding");
    assert_eq!(syntax["severity"], "warning");
    assert_eq!(syntax["line"], 10);
    assert!(syntax["message"].as_str().unwrap_or("").contains("could not parse"), "{syntax}");
    // The guide lists it: nothing is "below" that is not.
    let human = repo.ward(&["run", "--all", "deptrac-layers"]);
    human.code(1).stdout_has(&format!("{BROKEN} (1)")).stdout_has("src/Billing/Domain/Invoice.php (1)");
    assert!(!human.stdout.contains("without a report"), "{}", human.stdout);
}

// -------------------------------------------------------------------------------------------
// php-cs-fixer's exit code 4

#[test]
fn php_cs_fixer_unparsable_files_are_errors_never_fixable_and_never_a_pass() {
    let Some(repo) = symfony_app() else { return };
    repo.write(BROKEN, BROKEN_PHP).commit("a file php-cs-fixer cannot parse");
    let checked = repo.ward(&["run", "--check", "--all", "php-cs-fixer"]);
    checked.code(1);
    // Only the file it can fix is offered to --fix; the broken one needs a person.
    checked.stdout_has("run `ward run --fix php-cs-fixer --all` to fix 1 file");
    checked.stdout_has(&format!("{BROKEN} (1)")).stdout_has("could not parse this file");
    let offered = checked.stdout.split("A command can fix this").nth(1).unwrap_or("");
    let offered = offered.split("Needs you").next().unwrap_or("");
    assert!(!offered.contains(BROKEN), "{}", checked.stdout);

    let fixed = repo.ward(&["run", "--fix", "--all", "php-cs-fixer"]);
    fixed.code(1).stdout_has(&format!("{BROKEN} (1)"));
    assert!(!fixed.stdout.contains("nothing was left to fix"), "{}", fixed.stdout);

    // With nothing fixable at all there is nothing to offer, and fixing is not a pass.
    repo.git(&["checkout", "-q", "--", "."]);
    let only_broken = repo.ward(&["run", "--check", "--files", BROKEN, "php-cs-fixer"]);
    only_broken.code(1).stdout_has("1 problem in 1 file, listed below").stdout_has(&format!("{BROKEN} (1)"));
    assert!(!only_broken.stdout.contains("A command can fix this"), "{}", only_broken.stdout);
    let fix_broken = repo.ward(&["run", "--fix", "--files", BROKEN, "php-cs-fixer"]);
    fix_broken.code(1).stdout_has("php-cs-fixer").stdout_has("Failed");
    assert!(!fix_broken.stdout.contains("nothing was left to fix"), "{}", fix_broken.stdout);
    assert!(phar().is_some());
}

// -------------------------------------------------------------------------------------------
// --output

fn passing_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.config("[checks.ok]\nrun = \"true\"\n");
    repo.write("a.txt", "a\n").commit("base");
    repo
}

#[test]
fn one_unwritable_output_does_not_hide_the_others() {
    let repo = passing_repo();
    repo.write("not-a-dir", "a file where a directory is wanted\n");
    let run = repo.ward(&[
        "run",
        "--all",
        "--output",
        "sarif=not-a-dir/x.sarif",
        "--output",
        "json=ok.json",
        "--output",
        "junit=reports/deep/junit.xml",
    ]);
    run.code(0).stderr_has("cannot write the report to not-a-dir/x.sarif");
    let ok: serde_json::Value = serde_json::from_slice(&repo.read("ok.json")).expect("ok.json is JSON");
    assert_eq!(ok["summary"]["passed"], 1);
    assert!(repo.read_string("reports/deep/junit.xml").contains("<testsuites"), "missing directories are created");
    // Only when no report at all could be written is it an error.
    let none = repo.ward(&["run", "--all", "--output", "json=not-a-dir/a.json", "--output", "sarif=not-a-dir/b"]);
    none.code(2).stderr_has("not-a-dir/a.json").stderr_has("not-a-dir/b");
}

#[test]
fn report_merge_with_output_prints_nothing_on_stdout() {
    let repo = passing_repo();
    repo.ward(&["run", "--all", "--output", "json=shard.json"]).code(0);
    let merged = repo.ward(&["report", "merge", "shard.json", "--output", "json=merged.json"]);
    merged.code(0);
    assert_eq!(merged.stdout, "", "the report goes to the file only");
    assert!(repo.read_string("merged.json").contains("\"summary\""));
}

// -------------------------------------------------------------------------------------------
// --files before a check id

#[test]
fn files_stop_at_a_known_check_id() {
    let repo = TestRepo::new();
    let log = repo.temp().join("log");
    repo.script("tools/record", &recorder(&log));
    repo.config("[checks.php-lint]\nrun = \"tools/record\"\n\n[checks.other]\nrun = \"tools/record\"\n");
    repo.write("src/Kernel.php", "<?php\n").write("src/Other.php", "<?php\n").commit("base");
    let run = repo.ward(&["run", "--files", "src/Kernel.php", "php-lint"]);
    run.code(0);
    assert_eq!(recorded(&log), ["src/Kernel.php"], "php-lint alone, on the one file");
    assert_eq!(calls(&log), 1);
    let typo = repo.ward(&["run", "--files", "src/Kernel.php", "php-lnt"]);
    typo.code(2).stderr_has("cannot check php-lnt").stderr_has("did you mean the check `php-lint`?");
    typo.stderr_has("ward run php-lint --files PATH...");
}

// -------------------------------------------------------------------------------------------
// Dropped fixes and partially staged files

/// a.txt: `fixme` on line 1 staged, an unstaged edit on line 12.
fn partially_staged(fixer: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.script("tools/fixer", fixer);
    repo.config("[checks.fixer]\nrun = \"true\"\nfix = \"tools/fixer\"\nfiles = [\"*.txt\"]\n");
    let lines = |first: &str, last: &str| -> String {
        let middle: String = (2..12).map(|i| format!("line {i}\n")).collect();
        format!("{first}\n{middle}{last}\n")
    };
    repo.write("a.txt", lines("line 1", "line 12")).commit("base");
    repo.write("a.txt", lines("fixme", "line 12")).add_all();
    repo.write("a.txt", lines("fixme", "line 12 unstaged"));
    repo
}

#[test]
fn a_dropped_fix_is_not_reported_as_a_fixed_file() {
    let repo = partially_staged(r#"for f in "$@"; do sed -i 's/.*/& !/' "$f"; done"#);
    let run = repo.ward(&["run"]);
    run.code(1).stdout_has("1 fix was dropped").stdout_has("ward run --fix fixer --files a.txt");
    assert!(!run.stdout.contains("fixed by fixer"), "{}", run.stdout);
    assert!(!run.stdout.contains("review and `git add`"), "{}", run.stdout);
    assert!(!run.stdout.contains("its output is above"), "the dropped fix is the explanation: {}", run.stdout);
}

#[test]
fn a_kept_fix_in_a_partially_staged_file_says_git_add_p() {
    let repo = partially_staged(r#"for f in "$@"; do sed -i 's/fixme/FIXED/' "$f"; done"#);
    let run = repo.ward(&["run"]);
    run.code(1).stdout_has("1 file was fixed by fixer: review and stage the fixes with `git add -p`");
    assert!(repo.read_string("a.txt").starts_with("FIXED\n"));
}

// -------------------------------------------------------------------------------------------
// Validation, init, install hints

#[test]
fn a_missing_phar_fails_validation_with_its_line() {
    let repo = TestRepo::new();
    repo.write(".php-cs-fixer.dist.php", "<?php return new PhpCsFixer\\Config();\n");
    repo.config("[checks.cs]\nuses = \"php-cs-fixer\"\nphar = \"tools/php-cs-fixer.phar\"\n");
    let run = repo.ward(&["validate"]);
    run.code(2).stderr_has("checks.toml:3:8: `phar`: tools/php-cs-fixer.phar does not exist");
    repo.write("tools/php-cs-fixer.phar", "phar bytes");
    repo.ward(&["validate"]).code(0);
}

#[test]
fn init_install_after_init_installs_the_hook_and_keeps_checks_toml() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n").commit("base");
    repo.ward(&["init"]).code(0);
    let written = repo.read_string("checks.toml");
    let run = repo.ward(&["init", "--install"]);
    run.code(0).stdout_has("kept the existing");
    assert!(repo.path(".git/hooks/pre-commit").is_file(), "{}", run.stdout);
    assert_eq!(repo.read_string("checks.toml"), written);
    repo.ward(&["init"]).code(2);
}

#[test]
fn a_required_but_uninstalled_tool_suggests_composer_install_and_skip() {
    let repo = TestRepo::new();
    repo.config("[checks.phpstan]\nuses = \"phpstan\"\n");
    repo.write("composer.json", r#"{"require-dev": {"phpstan/phpstan": "^2.1"}}"#);
    repo.write("src/A.php", "<?php\n").add_all();
    let (run, report) = repo.ward_json(&[]);
    run.code(1);
    let reason = check(&report, "phpstan")["reason"].as_str().unwrap_or("").to_string();
    assert!(reason.contains("composer.json already requires phpstan/phpstan: run `composer install`"), "{reason}");
    assert!(reason.contains("SKIP=phpstan git commit"), "{reason}");
    assert!(!reason.contains("composer require"), "{reason}");
}

// -------------------------------------------------------------------------------------------
// The guide's order and folding

#[test]
fn failing_findings_come_before_warnings() {
    let repo = TestRepo::new();
    repo.script(
        "tools/lint",
        "echo 'a.php:1:1: warning: a mere warning'; echo 'a.php:9:1: error: the real failure'; exit 1",
    );
    repo.config("[checks.lint]\nrun = \"tools/lint\"\nformat = \"gcc\"\npass_files = false\n");
    repo.write("a.php", "<?php\n").commit("base");
    let run = repo.ward(&["run", "--all"]);
    run.code(1);
    let failure = run.stdout.find("the real failure").expect("failure listed");
    let warning = run.stdout.find("a mere warning").expect("warning listed");
    assert!(failure < warning, "{}", run.stdout);
}

#[test]
fn findings_outside_the_commit_are_folded_into_one_counted_line() {
    let Some(repo) = symfony_app() else { return };
    repo.write("src/Catalog/Domain/Sku.php", "<?php\n\nnamespace App\\Catalog\\Domain;\n\nfinal class Sku\n{\n}\n")
        .add_all();
    let run = repo.ward(&["run", "--stage", "pre-commit", "deptrac-layers"]);
    run.code(0).stdout_has("deptrac-layers: 1 finding in 1 file that is not being committed, not blocking");
    assert!(!run.stdout.contains("src/Billing/Domain/Invoice.php (1)"), "{}", run.stdout);
}

// -------------------------------------------------------------------------------------------
// CI like the hook, and the baseline

/// The fixture, plus a branch `feature` that adds one clean PHP file.
fn feature_branch() -> Option<TestRepo> {
    let repo = symfony_app()?;
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/Catalog/Domain/Sku.php", "<?php\n\nnamespace App\\Catalog\\Domain;\n\nfinal class Sku\n{\n}\n")
        .commit("sku");
    Some(repo)
}

#[test]
fn in_ci_findings_outside_the_change_warn_unless_fail_outside_selection() {
    let Some(repo) = feature_branch() else { return };
    let (run, report) = repo.ward_json(&["--from-ref", "main", "--stage", "ci", "deptrac-layers"]);
    run.code(0);
    let diags = diagnostics(&report, "deptrac-layers");
    assert!(
        diags.iter().any(|d| d["severity"] == "warning"
            && d["message"].as_str().unwrap_or("").ends_with("(in a file this change does not touch)")),
        "{diags:?}"
    );
    let config = repo
        .read_string("checks.toml")
        .replace("config = \"deptrac.layers.yaml\"", "config = \"deptrac.layers.yaml\"\nfail_outside_selection = true");
    repo.config(&config);
    let (run, _) = repo.ward_json(&["--from-ref", "main", "--stage", "ci", "deptrac-layers"]);
    run.code(1);
}

#[test]
fn a_baseline_keeps_known_findings_out_and_new_ones_in() {
    let Some(repo) = symfony_app() else { return };
    repo.ward(&["run", "--all", "deptrac-layers"]).code(1);
    let recorded = repo.ward(&["baseline", "deptrac-layers"]);
    recorded
        .code(0)
        .stdout_has("  deptrac-layers: 1 finding\n")
        .stdout_has("wrote .ward-baseline.json: 1 finding of 1 check");
    assert!(!recorded.stdout.contains("listed below"), "nothing is listed, so nothing says so: {}", recorded.stdout);
    let text = repo.read_string(".ward-baseline.json");
    assert!(text.contains("\"check\": \"deptrac-layers\"") && text.contains("SystemClock"), "{text}");
    assert!(!text.contains("\"line\""), "lines are not part of the key: {text}");
    let run = repo.ward(&["run", "--all", "deptrac-layers"]);
    run.code(0).stdout_has("1 known finding in .ward-baseline.json not reported");
    // Moved code stays baselined.
    let invoice = repo.read_string("src/Billing/Domain/Invoice.php").replacen("\n", "\n\n\n\n", 1);
    repo.write("src/Billing/Domain/Invoice.php", invoice);
    repo.ward(&["run", "--all", "deptrac-layers"]).code(0);
    // A new violation is reported, alone.
    let handler = "<?php\n\nnamespace App\\Billing\\Domain;\n\nuse App\\Billing\\Infrastructure\\SystemClock;\n\nfinal class Due\n{\n    public function __construct(private SystemClock $clock)\n    {\n    }\n}\n";
    repo.write("src/Billing/Domain/Due.php", handler);
    let (run, report) = repo.ward_json(&["--all", "deptrac-layers"]);
    run.code(1);
    let errors: Vec<_> = diagnostics(&report, "deptrac-layers").iter().filter(|d| d["severity"] == "error").collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], "src/Billing/Domain/Due.php");
    // A damaged baseline is a configuration error that names it.
    repo.write(".ward-baseline.json", "{\"findings\": 3}");
    repo.ward(&["validate"]).code(2).stderr_has("error: .ward-baseline.json: is not a ward baseline");
}

// -------------------------------------------------------------------------------------------
// Smaller

#[test]
fn list_and_explain_name_checks_once_and_keep_file_checks_out_of_commit_msg() {
    let repo = TestRepo::new();
    repo.config(
        "[checks.phpstan]\nname = \"phpstan (changed files)\"\nrun = \"true\"\ntimeout = \"90s\"\nbatch_size = 20\n",
    );
    let list = repo.ward(&["list"]);
    list.code(0).stdout_has("phpstan (changed files)\n");
    assert!(!list.stdout.contains("phpstan (phpstan"), "{}", list.stdout);
    assert!(!list.stdout.contains("commit-msg"), "{}", list.stdout);
    let explain = repo.ward(&["explain", "phpstan"]);
    explain.code(0).stdout_has("timeout:  1m 30s").stdout_has("at most 20 files per process");
    assert!(!explain.stdout.contains("phpstan (phpstan"), "{}", explain.stdout);
    repo.ward(&["explain", "phpstn"]).code(2).stderr_has("did you mean `phpstan`?");
    repo.ward(&["explain", "zzz"]).code(2).stderr_has("the checks are: phpstan");
}

#[test]
fn an_empty_selection_says_why() {
    let repo = TestRepo::new();
    repo.config("[settings]\nexclude = [\"vendor/**\"]\n\n[checks.ok]\nrun = \"true\"\n");
    repo.write("vendor/lib/a.php", "<?php\n").write("a.txt", "a\n").commit("base");
    repo.ward(&["run"]).code(0).stdout_has("nothing is staged");
    repo.ward(&["run", "--files", "vendor/"]).code(0).stdout_has("excluded by [settings] exclude (vendor/**)");
}

#[test]
fn config_errors_use_plain_words_and_name_the_first_definition() {
    let repo = TestRepo::new();
    repo.config("[checks.a]\nrun = \"true\"\nbatch_size = -1\n");
    repo.ward(&["validate"]).code(2).stderr_has("got the number `-1`, expected a whole number (0 or more)");
    repo.config("[checks.a]\nrun = \"true\"\n\n[checks.b]\nrun = \"true\"\n\n[checks.a]\nrun = \"x\"\n");
    repo.ward(&["validate"]).code(2).stderr_has("duplicate table `[checks.a]`, first defined on line 1");
    let usize_word = repo.ward(&["validate"]);
    assert!(!usize_word.stderr.contains("usize"), "{}", usize_word.stderr);
}

#[test]
fn github_detection_and_annotations_read_well() {
    let repo = TestRepo::new();
    repo.config("[checks.trailing-whitespace]\nbuiltin = \"trailing-whitespace\"\n");
    repo.write("a.txt", "a\n").commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("a.txt", "a  \n").commit("ws");
    repo.git(&["update-ref", "refs/remotes/origin/main", "main"]);
    let mut cmd = repo.ward_cmd();
    cmd.args(["run", "--ci", "--format", "github"]).env("GITHUB_ACTIONS", "true").env("GITHUB_BASE_REF", "main");
    cmd.env_remove("GITHUB_EVENT_NAME").env_remove("GITHUB_EVENT_PATH");
    let run = Run::from(cmd.output().expect("ward"));
    run.code(1).stdout_has("title=trailing-whitespace::");
    assert!(!run.stdout.contains("trailing-whitespace%3A trailing-whitespace"), "{}", run.stdout);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("unknown event"), "{all}");
    assert!(all.contains("$GITHUB_EVENT_NAME unset"), "{all}");
    assert!(require("git").is_some());
}
