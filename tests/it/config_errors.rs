//! Every kind of bad `checks.toml` is a user error with its file, line and column; nothing runs.

use crate::common::*;

/// Runs `ward run --all` on `toml` and returns standard error, asserting exit 2 and that no check ran.
fn error_for(toml: &str) -> String {
    let repo = TestRepo::new();
    let ran = repo.temp().join("ran");
    repo.config(toml);
    repo.script("tools/mark", &format!("touch '{}'", ran.display()));
    repo.write("a.txt", "a\n").commit("base");
    let run = repo.ward(&["run", "--all"]);
    run.code(2);
    assert!(!ran.exists(), "no check may run with a broken config");
    assert!(run.stderr.starts_with("error: checks.toml:"), "{}", run.stderr);
    let validate = repo.ward(&["validate"]);
    validate.code(2);
    run.stderr
}

#[test]
fn unknown_key_with_suggestion() {
    let err = error_for("[checks.a]\nrun = \"tools/mark\"\nfils = [\"*.php\"]\n");
    assert!(err.contains("checks.toml:3:1: unknown key `fils`; did you mean `files`?"), "{err}");
    assert!(err.contains("3 | fils = [\"*.php\"]"), "{err}");
}

#[test]
fn unknown_settings_key() {
    let err = error_for("[settings]\nfail_fats = true\n\n[checks.a]\nrun = \"tools/mark\"\n");
    assert!(err.contains("checks.toml:2:1: unknown key `fail_fats`; did you mean `fail_fast`?"), "{err}");
}

#[test]
fn unknown_top_level_table() {
    let err = error_for("[check.a]\nrun = \"tools/mark\"\n");
    assert!(err.contains("checks.toml:1:") && err.contains("unknown key `check`; did you mean `checks`?"), "{err}");
}

#[test]
fn wrong_type_names_the_key() {
    let err = error_for("[checks.a]\nrun = \"tools/mark\"\nserial = \"yes\"\n");
    assert!(err.contains("checks.toml:3:10: `serial`:"), "{err}");
    assert!(err.contains("expected true or false"), "{err}");
}

#[test]
fn both_run_and_builtin() {
    let err = error_for("[checks.a]\nrun = \"tools/mark\"\nbuiltin = \"trailing-whitespace\"\n");
    assert!(err.contains("checks.toml:3:11:") && err.contains("both `run` and `builtin`"), "{err}");
}

#[test]
fn neither_run_nor_builtin() {
    let err = error_for("[checks.ok]\nrun = \"tools/mark\"\n\n[checks.a]\nname = \"nothing\"\n");
    assert!(err.contains("checks.toml:4:") || err.contains("checks.toml:5:"), "{err}");
    assert!(err.contains("needs `run = \"command\"` or `builtin = \"NAME\"`"), "{err}");
}

#[test]
fn bad_glob() {
    let err = error_for("[checks.a]\nrun = \"tools/mark\"\nfiles = [\"src/**/*.php\", \"src/[a.php\"]\n");
    assert!(err.contains("checks.toml:3:26:") && err.contains("invalid glob `src/[a.php`"), "{err}");
}

#[test]
fn former_type_names_point_to_identify_names() {
    let err = error_for("[checks.a]\nrun = \"tools/mark\"\ntypes_or = [\"php\", \"typescript\"]\n");
    assert!(
        err.contains("checks.toml:3:20:")
            && err.contains("`types_or`: unknown file tag `typescript`; it is called `ts`"),
        "{err}"
    );
    let err = error_for("[checks.a]\nrun = \"tools/mark\"\nexclude_regex = \"(?P<x\"\n");
    assert!(err.contains("checks.toml:3:17:") && err.contains("`exclude_regex`: invalid regular expression"), "{err}");
    let err = error_for("[settings]\nfiles_regex = \"(?a)x\"\n");
    assert!(err.contains("checks.toml:2:15:") && err.contains("not supported"), "{err}");
}

#[test]
fn unknown_type() {
    let err = error_for("[checks.a]\nrun = \"tools/mark\"\ntypes = [\"phpp\"]\n");
    assert!(err.contains("checks.toml:3:10:") && err.contains("unknown file tag `phpp`; did you mean `php`?"), "{err}");
}

#[test]
fn unknown_stage() {
    let err = error_for("[checks.a]\nrun = \"tools/mark\"\nstages = [\"pre-comit\"]\n");
    assert!(
        err.contains("checks.toml:3:11:") && err.contains("unknown stage `pre-comit`; did you mean `pre-commit`?"),
        "{err}"
    );
}

#[test]
fn unknown_builtin() {
    let err = error_for("[checks.a]\nbuiltin = \"trailing-whitespaces\"\n");
    assert!(err.contains("checks.toml:2:11:") && err.contains("did you mean `trailing-whitespace`?"), "{err}");
}

#[test]
fn builtin_option_on_a_command() {
    let err = error_for("[checks.a]\nrun = \"tools/mark\"\nmax_kb = 10\n");
    assert!(err.contains("checks.toml:3:10:") && err.contains("`max_kb` is an option of built-in checks"), "{err}");
}

#[test]
fn unterminated_quote_in_command() {
    let err = error_for("[checks.a]\nrun = \"tools/mark 'oops\"\n");
    assert!(err.contains("checks.toml:2:7:") && err.contains("unterminated quote"), "{err}");
}

#[test]
fn bad_timeout() {
    let err = error_for("[checks.a]\nrun = \"tools/mark\"\ntimeout = \"soon\"\n");
    assert!(err.contains("checks.toml:3:11:") && err.contains("`timeout`"), "{err}");
}

#[test]
fn toml_syntax_error() {
    let err = error_for("[checks.a]\nrun = \"tools/mark\n");
    assert!(err.contains("checks.toml:2:"), "{err}");
}

#[test]
fn config_flag_names_the_file_it_read() {
    let repo = TestRepo::new();
    repo.write("ci/other.toml", "[checks.a]\nrunn = \"x\"\n");
    let run = repo.ward(&["validate", "--config", "ci/other.toml"]);
    run.code(2).stderr_has("ci/other.toml:2:1: unknown key `runn`; did you mean `run`?");
}

#[test]
fn a_valid_config_validates() {
    let repo = TestRepo::new();
    repo.config("[checks.a]\nrun = \"true\"\n[checks.b]\nrun = \"true\"\n");
    repo.ward(&["validate"]).code(0).stdout_has("is valid: 2 checks");
}
