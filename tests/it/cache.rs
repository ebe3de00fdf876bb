//! The result cache through the binary: replay, exact invalidation, damage, a full disk, a
//! read-only directory, and a randomized comparison of cached and uncached reports.

use std::fs;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};

use crate::common::*;

/// A linter that logs every file it is given (one per line) and fails on files containing BAD,
/// in gcc's `file:line:col: error: message` shape.
const LINT: &str = r#"for f in "$@"; do echo "$f" >> "$LOG"; done
status=0
for f in "$@"; do
  if grep -q BAD "$f"; then echo "$f:1:1: error: BAD found"; status=1; fi
done
exit $status"#;

struct Setup {
    repo: TestRepo,
    log: PathBuf,
}

impl Setup {
    fn new(files: usize) -> Setup {
        let repo = TestRepo::new();
        let log = repo.temp().join("lint.log");
        repo.script("lint.sh", LINT);
        repo.write("lint.cfg", "strict\n");
        for i in 0..files {
            repo.write(&format!("src/f{i}.txt"), format!("file {i}\n"));
        }
        repo.config(&config(&log, ""));
        repo.commit("init");
        Setup { repo, log }
    }

    /// The files the linter was given since the last call, sorted.
    fn linted(&self) -> Vec<String> {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let _ = fs::remove_file(&self.log);
        let mut files: Vec<String> = text.lines().filter(|l| !l.starts_with('-')).map(str::to_string).collect();
        files.sort();
        files
    }

    fn run(&self, extra: &[&str]) -> (Run, serde_json::Value) {
        let mut args = vec!["--all", "--check"];
        args.extend_from_slice(extra);
        self.repo.ward_json(&args)
    }
}

fn config(log: &Path, extra: &str) -> String {
    format!(
        "[checks.ws]\nbuiltin = \"trailing-whitespace\"\n\n[checks.json]\nbuiltin = \"check-json\"\n\n\
         [checks.lint]\nrun = \"./lint.sh\"\nfiles = [\"*.txt\"]\nformat = \"gcc\"\ncache = \"per-file\"\n\
         cache_inputs = [\"lint.cfg\"]\nenv = {{ LOG = \"{}\" }}\n{extra}",
        log.display()
    )
}

/// The report without what differs between a cached and an uncached run of the same tree.
fn normalized(mut report: serde_json::Value) -> serde_json::Value {
    if let Some(summary) = report["summary"].as_object_mut() {
        summary.remove("duration_ms");
        summary.remove("cache");
    }
    for check in report["checks"].as_array_mut().into_iter().flatten() {
        let check = check.as_object_mut().expect("check object");
        check.remove("duration_ms");
        check.remove("cache");
    }
    report
}

fn from_cache(report: &serde_json::Value, id: &str) -> u64 {
    let check = report["checks"].as_array().expect("checks").iter().find(|c| c["id"] == id).expect("check");
    check["cache"]["from_cache"].as_u64().unwrap_or(0)
}

/// Waits past the cache's guard against changes in the same clock tick as the run's start.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(40));
}

#[test]
fn a_cached_pass_is_replayed_without_running_anything() {
    let s = Setup::new(5);
    settle();
    let (_, first) = s.run(&[]);
    assert_eq!(s.linted().len(), 5, "the first run checks every file");
    let (run, second) = s.run(&[]);
    run.code(0);
    assert!(s.linted().is_empty(), "nothing is linted again");
    assert_eq!(normalized(first), normalized(second.clone()));
    assert_eq!(from_cache(&second, "lint"), 5);
    assert_eq!(
        second["summary"]["cache"]["from_cache"].as_u64(),
        Some(s.repo.git(&["ls-files"]).lines().count() as u64)
    );
    let human = s.repo.ward(&["run", "--all", "--check"]);
    human.code(0).stdout_has("files, ").stdout_has("from cache");
}

#[test]
fn editing_one_file_rechecks_exactly_that_file() {
    let s = Setup::new(6);
    settle();
    s.run(&[]);
    s.linted();
    s.repo.write("src/f3.txt", "file 3, edited\n");
    settle();
    let verbose = s.repo.ward(&["run", "--all", "--check", "-v"]);
    verbose.code(0).stdout_has("from cache; checked: src/f3.txt");
    assert_eq!(s.linted(), ["src/f3.txt"]);
    // Staged, it is known by its index entry: still nothing else is checked.
    s.repo.git(&["add", "src/f3.txt"]);
    settle();
    s.run(&[]);
    assert!(s.linted().len() <= 1, "at most the staged file is checked again");
    s.run(&[]);
    assert!(s.linted().is_empty());
}

#[test]
fn a_cached_failure_is_replayed_exactly() {
    let s = Setup::new(3);
    s.repo.write("src/bad.txt", "BAD\n").write("broken.json", "{").write("ws.txt", "trailing  \n");
    s.repo.commit("defects");
    settle();
    let (run, first) = s.run(&[]);
    run.code(1);
    s.linted();
    let (run, second) = s.run(&[]);
    run.code(1);
    assert!(s.linted().is_empty(), "a cached finding is replayed, not re-run");
    assert_eq!(normalized(first), normalized(second.clone()));
    let (_, uncached) = s.run(&["--no-cache"]);
    assert_eq!(s.linted().len(), 5, "--no-cache checks everything");
    assert_eq!(normalized(uncached), normalized(second));
    let cached = s.repo.ward(&["run", "--all", "--check"]);
    let plain = s.repo.ward(&["run", "--all", "--check", "--no-cache"]);
    let strip = |text: &str| -> String {
        text.lines().filter(|l| !l.contains("from cache") && !l.contains(" in 0.")).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(strip(&cached.stdout), strip(&plain.stdout));
}

#[test]
fn every_part_of_a_checks_definition_is_in_its_key() {
    let s = Setup::new(4);
    settle();
    s.run(&[]);
    assert_eq!(s.linted().len(), 4);
    let rerun = |what: &str, s: &Setup| {
        settle();
        let (_, report) = s.run(&[]);
        assert_eq!(s.linted().len(), 4, "{what} re-checks every file");
        assert_eq!(from_cache(&report, "lint"), 0, "{what}");
        s.run(&[]);
        assert!(s.linted().is_empty(), "{what}: and then it is cached again");
    };
    // The definition: an argument.
    s.repo.config(&config(&s.log, "").replace("./lint.sh", "./lint.sh --strict"));
    rerun("an argument", &s);
    // The tool's configuration file, named in cache_inputs.
    s.repo.write("lint.cfg", "lenient\n");
    rerun("the tool's config file", &s);
    // The tool itself, replaced.
    s.repo.script("lint.sh", &format!("# version 2\n{LINT}"));
    rerun("a new executable", &s);
    // Ward's version (the test-only salt stands for it).
    settle();
    let salted = Run::from(
        s.repo.ward_cmd().args(["run", "--all", "--check"]).env("WARD_CACHE_SALT", "next").output().expect("ward"),
    );
    salted.code(0);
    assert_eq!(s.linted().len(), 4, "another ward version trusts no result");
    // The built-ins too: changing an option re-checks.
    let (_, report) = s.run(&[]);
    assert!(from_cache(&report, "ws") > 0);
    s.repo.config(
        &config(&s.log, "")
            .replace("builtin = \"trailing-whitespace\"", "builtin = \"trailing-whitespace\"\nchars = \" \""),
    );
    let (_, report) = s.run(&[]);
    assert_eq!(from_cache(&report, "ws"), 0, "an option of a built-in is part of its key");
}

#[test]
fn a_file_changed_while_ward_runs_is_not_cached_with_the_old_result() {
    let s = Setup::new(1);
    // The linter reads its file only after a pause, during which the file gains a defect.
    s.repo.script("lint.sh", &format!("sleep 1\n{LINT}"));
    s.repo.commit("slow linter");
    settle();
    let child =
        s.repo.ward_cmd().args(["run", "--all", "--check"]).stdout(std::process::Stdio::null()).spawn().expect("ward");
    std::thread::sleep(std::time::Duration::from_millis(400));
    s.repo.write("src/f0.txt", "BAD\n");
    let _ = child.wait_with_output();
    s.linted();
    settle();
    let (run, report) = s.run(&[]);
    run.code(1);
    assert_eq!(s.linted(), ["src/f0.txt"], "the changed file is checked again");
    let lint = report["checks"].as_array().expect("checks").iter().find(|c| c["id"] == "lint").expect("lint");
    assert_eq!(lint["status"], "failed");
}

#[test]
fn a_damaged_cache_gives_correct_results_with_a_warning() {
    let s = Setup::new(3);
    s.repo.write("src/bad.txt", "BAD\n").commit("bad");
    settle();
    let (_, clean) = s.run(&["--no-cache"]);
    s.run(&[]);
    let dir = s.repo.path(".git/ward/cache");
    for entry in fs::read_dir(&dir).expect("cache dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "wc") {
            let mut bytes = fs::read(&path).expect("read");
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x55;
            bytes.truncate(bytes.len() - 5);
            fs::write(&path, bytes).expect("write");
        }
    }
    s.linted();
    let (run, report) = s.run(&[]);
    run.code(1);
    assert!(run.stderr.contains("damaged cache file"), "{}", run.stderr);
    assert_eq!(normalized(report), normalized(clean));
    assert_eq!(s.linted().len(), 4, "nothing damaged is trusted");
    let (_, report) = s.run(&[]);
    assert_eq!(from_cache(&report, "lint"), 4, "the damaged entries were written again");
}

#[test]
fn a_full_disk_gives_correct_results_with_a_warning() {
    let s = Setup::new(60);
    settle();
    let (_, clean) = s.run(&["--no-cache"]);
    // A file-size limit makes every write past 2 KiB fail as a full disk would (EFBIG, with
    // SIGXFSZ ignored as the limit's signal); the cache's segment is larger than that.
    let mut cmd = s.repo.ward_cmd();
    cmd.args(["run", "--all", "--check", "--format", "json"]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::signal::signal(nix::sys::signal::Signal::SIGXFSZ, nix::sys::signal::SigHandler::SigIgn)
                .map_err(std::io::Error::from)?;
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_FSIZE, 2048, 2048)
                .map_err(std::io::Error::from)
        });
    }
    let run = Run::from(cmd.output().expect("ward"));
    run.code(0);
    assert!(run.stderr.contains("could not save results in the cache"), "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(normalized(report), normalized(clean));
    let leftovers: Vec<String> = fs::read_dir(s.repo.path(".git/ward/cache"))
        .expect("cache dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "no half-written file is left: {leftovers:?}");
}

#[test]
fn a_read_only_cache_directory_gives_correct_results_with_a_warning() {
    let s = Setup::new(3);
    s.repo.write("src/bad.txt", "BAD\n").commit("bad");
    settle();
    let dir = s.repo.temp().join("ci-cache");
    let dir_arg = dir.to_string_lossy().into_owned();
    let (_, clean) = s.run(&["--no-cache"]);
    s.run(&["--cache-dir", &dir_arg]);
    s.linted();
    let read_only = ReadOnly::make(&dir);
    let (run, report) = s.run(&["--cache-dir", &read_only.path.to_string_lossy()]);
    run.code(1);
    assert!(run.stderr.contains("cannot be used"), "{}", run.stderr);
    assert_eq!(normalized(report.clone()), normalized(clean));
    if read_only.keeps_content {
        assert!(s.linted().is_empty(), "results in a read-only cache are still used");
        assert_eq!(from_cache(&report, "lint"), 4);
    }
}

/// A read-only view of a directory: a read-only bind mount as root (where permissions do not
/// bind), else the directory with its write bits removed; as root without mounts, a directory
/// on a read-only file system (`/proc`), which has no cached results to offer.
struct ReadOnly {
    path: PathBuf,
    keeps_content: bool,
    mounted: bool,
}

impl ReadOnly {
    fn make(dir: &Path) -> ReadOnly {
        if !is_root() {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).expect("chmod");
            return ReadOnly { path: dir.to_path_buf(), keeps_content: true, mounted: false };
        }
        let view = dir.with_extension("ro");
        fs::create_dir_all(&view).expect("mkdir");
        let bind = std::process::Command::new("mount").arg("--bind").arg(dir).arg(&view).status();
        if bind.is_ok_and(|s| s.success()) {
            let ro = std::process::Command::new("mount").args(["-o", "remount,bind,ro"]).arg(&view).status();
            if ro.is_ok_and(|s| s.success()) {
                return ReadOnly { path: view, keeps_content: true, mounted: true };
            }
            let _ = std::process::Command::new("umount").arg(&view).status();
        }
        ReadOnly { path: PathBuf::from("/proc"), keeps_content: false, mounted: false }
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if self.mounted {
            let _ = std::process::Command::new("umount").arg(&self.path).status();
        }
    }
}

#[test]
fn cache_info_and_clean() {
    let s = Setup::new(2);
    settle();
    s.run(&[]);
    s.run(&[]);
    let info = s.repo.ward(&["cache", "info"]);
    info.code(0).stdout_has(".git/ward/cache").stdout_has("entries: ").stdout_has("(100%)");
    s.repo.ward(&["cache", "clean"]).code(0).stdout_has("removed");
    s.repo.ward(&["cache", "info"]).code(0).stdout_has("entries: 0");
    s.linted();
    s.run(&[]);
    assert_eq!(s.linted().len(), 2, "a cleaned cache checks everything again");
}

#[test]
fn the_start_up_clean_up_of_git_ward_spares_the_cache() {
    let s = Setup::new(2);
    settle();
    s.run(&[]);
    // An interrupted run's leftovers make the next start clean up .git/ward/.
    fs::create_dir_all(s.repo.path(".git/ward/123-456")).expect("mkdir");
    s.linted();
    s.run(&[]);
    assert!(s.linted().is_empty(), "the cache survived the clean-up");
}

/// A small deterministic generator: the test is random in its choices, repeatable in its runs.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn randomized_edits_branches_and_configs_never_change_a_report() {
    let s = Setup::new(8);
    s.repo.write("data.json", "{}\n");
    s.repo.commit("json");
    s.repo.git(&["branch", "other"]);
    let contents = ["fine\n", "BAD\n", "trailing  \n", "{\"a\": 1}\n", "{", "no newline", "fine\r\nmixed\n"];
    let files = ["src/f0.txt", "src/f1.txt", "src/f5.txt", "data.json", "new.txt", "src/deep/n.json"];
    let seed = std::env::var("WARD_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(15);
    let mut rng = Lcg(seed);
    let started = std::time::Instant::now();
    let mut hits = 0;
    for step in 0..24 {
        if started.elapsed().as_secs() > 20 {
            break;
        }
        let what = match rng.next(6) {
            0 | 1 => {
                let file = files[rng.next(files.len())];
                s.repo.write(file, contents[rng.next(contents.len())]);
                format!("edit {file}")
            }
            2 => {
                s.repo.git(&["add", "-A"]);
                "stage".to_string()
            }
            3 => {
                s.repo.git(&["add", "-A"]);
                s.repo.git(&["commit", "-q", "--no-verify", "--allow-empty", "-m", &format!("step {step}")]);
                let branch = if s.repo.git(&["branch", "--show-current"]).trim() == "main" { "other" } else { "main" };
                s.repo.git(&["checkout", "-q", branch]);
                format!("commit and check out {branch}")
            }
            4 => {
                let extra = ["", "exclude = [\"src/f1.txt\"]\n"][rng.next(2)];
                let ws = ["", "\nchars = \" \""][rng.next(2)];
                s.repo.config(
                    &config(&s.log, extra).replace(
                        "builtin = \"trailing-whitespace\"",
                        &format!("builtin = \"trailing-whitespace\"{ws}"),
                    ),
                );
                // Staged mode refuses an unstaged checks.toml.
                s.repo.git(&["add", "checks.toml"]);
                "change the config".to_string()
            }
            _ => {
                s.repo.write("lint.cfg", format!("v{step}\n"));
                "change the tool's config".to_string()
            }
        };
        if rng.next(2) == 0 {
            settle();
        }
        for selection in [&["--all"][..], &[][..]] {
            let mut args = vec!["--check"];
            args.extend_from_slice(selection);
            let (_, cached) = s.repo.ward_json(&args);
            hits += cached["summary"]["cache"]["from_cache"].as_u64().unwrap_or(0);
            args.push("--no-cache");
            let (_, uncached) = s.repo.ward_json(&args);
            assert_eq!(normalized(cached), normalized(uncached), "step {step} ({what}), seed {seed}, {selection:?}");
        }
    }
    assert!(hits > 0, "the cached runs used the cache");
}

fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn php_cs_fixer_on_200_files_runs_only_on_what_changed() {
    if crate::tools::require("php").is_none() {
        return;
    }
    let Some(phar) = crate::tools::phar() else { return };
    let repo = TestRepo::new();
    let log = repo.temp().join("php-cs-fixer.log");
    repo.script(
        "vendor/bin/php-cs-fixer",
        &format!("echo \"$@\" >> '{}'\nexec php '{}' \"$@\"", log.display(), phar.display()),
    );
    repo.write(
        ".php-cs-fixer.dist.php",
        "<?php\n\nreturn (new PhpCsFixer\\Config())\n    ->setUsingCache(false)\n    ->setRules(['@PSR12' => true])\n    ->setFinder(PhpCsFixer\\Finder::create()->in(__DIR__));\n",
    );
    for i in 0..200 {
        repo.write(&format!("src/C{i}.php"), format!("<?php\n\nnamespace App;\n\nfinal class C{i}\n{{\n}}\n"));
    }
    repo.write(".gitignore", "/vendor/\n");
    repo.config("[checks.cs]\nuses = \"php-cs-fixer\"\n");
    repo.commit("php");
    settle();
    // The files php-cs-fixer was given, per start (the words after `--`), since the last call.
    let starts = || -> Vec<Vec<String>> {
        let text = fs::read_to_string(&log).unwrap_or_default();
        let _ = fs::remove_file(&log);
        text.lines()
            .map(|l| {
                l.split_once(" -- ")
                    .map(|(_, files)| files.split(' ').map(str::to_string).collect())
                    .unwrap_or_default()
            })
            .collect()
    };
    repo.ward(&["run", "--all", "--check"]).code(0);
    let first: usize = starts().iter().map(Vec::len).sum();
    assert_eq!(first, 201, "every PHP file is checked once");
    repo.ward(&["run", "--all", "--check"]).code(0).stdout_has("from cache");
    assert!(starts().is_empty(), "nothing changed: php-cs-fixer is not started at all");
    repo.write("src/C7.php", "<?php\n\nnamespace App;\n\n// edited\nfinal class C7\n{\n}\n");
    settle();
    repo.ward(&["run", "--all", "--check"]).code(0);
    assert_eq!(starts(), [vec!["src/C7.php".to_string()]], "only the changed file is passed");
}

/// A whole-project tool reads the files git does not track too: a new one must re-run it.
#[test]
fn a_project_result_is_run_again_when_an_untracked_file_appears() {
    let repo = TestRepo::new();
    let log = repo.temp().join("project.log");
    // Counts its runs, and fails when any file under src/ holds BAD, as a whole-project
    // analyser that walks its directories would.
    repo.script(
        "scan.sh",
        "echo run >> \"$LOG\"\nif grep -rq BAD src; then echo 'src: error: BAD found'; exit 1; fi\nexit 0",
    );
    repo.write("src/a.txt", "fine\n");
    repo.config(&format!(
        "[checks.scan]\nrun = \"./scan.sh\"\nfiles = [\"src/**\"]\npass_files = false\ncache = \"project\"\n\
         env = {{ LOG = \"{}\" }}\n",
        log.display()
    ));
    repo.commit("init");
    settle();
    let runs = || fs::read_to_string(&log).unwrap_or_default().lines().count();
    repo.ward(&["run", "--all", "--check"]).code(0);
    repo.ward(&["run", "--all", "--check"]).code(0);
    assert_eq!(runs(), 1, "the second run is replayed");
    repo.write("src/new.txt", "BAD\n");
    settle();
    repo.ward(&["run", "--all", "--check"]).code(1);
    assert_eq!(runs(), 2, "an untracked file in the project runs the tool again");
}

/// A file that an earlier fixer of the same run rewrote is looked at again: what the selection
/// saw of it, and the result kept for its committed content, no longer apply.
#[test]
fn a_file_an_earlier_fixer_rewrote_is_not_answered_from_the_cache() {
    let repo = TestRepo::new();
    repo.script("spaces.sh", "for f in \"$@\"; do printf 'added by the fixer   \\n' >> \"$f\"; done");
    repo.write("a.txt", "clean\n");
    repo.config(
        "[checks.spaces]\nrun = \"true\"\nfix = \"./spaces.sh\"\nfiles = [\"a.txt\"]\n\n\
         [checks.ws]\nbuiltin = \"trailing-whitespace\"\n",
    );
    repo.commit("init");
    settle();
    // In fix mode, as the run below: results are kept per mode.
    repo.ward(&["run", "--all", "ws"]).code(0);
    let (_, warm) = repo.ward_json(&["--all", "ws"]);
    assert!(from_cache(&warm, "ws") >= 3, "the committed content's result is cached: {warm}");
    let (run, fixed) = repo.ward_json(&["--all"]);
    assert_eq!(repo.read_string("a.txt"), "clean\nadded by the fixer\n", "{}", run.stderr);
    let ws = check(&fixed, "ws");
    assert_eq!(ws["modified_files"], serde_json::json!(["a.txt"]), "{ws}");
}

const BUILT_INS: &str = "[checks.ws]\nbuiltin = \"trailing-whitespace\"\n\n[checks.json]\nbuiltin = \"check-json\"\n\n\
    [checks.case]\nbuiltin = \"check-case-conflict\"\n\n[checks.large]\nbuiltin = \"check-added-large-files\"\n\
    max_kb = 1\n\n[checks.shebang]\nbuiltin = \"check-executables-have-shebangs\"\n";

/// Waits out the clock tick, then lets git refresh its index: an entry written in the same tick
/// as the index is racily clean, which git (and ward, which then looks file by file) does not
/// trust until the index is written again.
fn refresh(repo: &TestRepo) {
    settle();
    repo.git(&["status", "--porcelain"]);
}

fn whole_run(report: &serde_json::Value) -> bool {
    report["summary"]["cache"]["whole_run"] == serde_json::json!(true)
}

/// The report of a run with the cache and without it, over every file, in check mode.
fn both(repo: &TestRepo) -> (serde_json::Value, serde_json::Value) {
    let (_, cached) = repo.ward_json(&["--all", "--check"]);
    let (_, uncached) = repo.ward_json(&["--all", "--check", "--no-cache"]);
    (cached, uncached)
}

/// A run of built-ins over files that are all as the index says is answered by its whole report
/// at once; anything the report depends on (a file, the index, what is staged, the config)
/// makes it run the ordinary way, and the report is always what an uncached run says.
#[test]
fn a_run_of_built_ins_over_unchanged_files_is_answered_whole() {
    let repo = TestRepo::new();
    repo.write("a.txt", "trailing  \n").write("b.json", "{").write("c.txt", "fine\n").write("Docs/x.md", "x\n");
    repo.config(BUILT_INS);
    repo.commit("init");
    refresh(&repo);
    let (first, uncached) = both(&repo);
    assert!(!whole_run(&first), "nothing kept yet: {first}");
    assert_eq!(normalized(first.clone()), normalized(uncached));
    let (second, _) = both(&repo);
    assert!(whole_run(&second), "{second}");
    assert_eq!(normalized(second.clone()), normalized(first.clone()));
    repo.ward(&["run", "--all", "--check"]).stdout_has("(every file as in the index: the whole report at once)");

    type Step<'s> = (&'s str, &'s dyn Fn(&TestRepo));
    let steps: [Step; 7] = [
        ("an edit", &|r| {
            r.write("c.txt", "now trailing \n");
        }),
        ("staging it", &|r| {
            r.git(&["add", "c.txt"]);
        }),
        ("a large file staged", &|r| {
            r.write("big.txt", "x".repeat(4096));
            r.git(&["add", "big.txt"]);
        }),
        ("LFS attributes from outside the index", &|r| {
            r.write(".git/info/attributes", "big.txt filter=lfs diff=lfs merge=lfs -text\n");
        }),
        ("committing it", &|r| {
            r.git(&["commit", "-q", "--no-verify", "-m", "big"]);
        }),
        ("a case conflict and an executable without a shebang, staged", &|r| {
            r.write("docs/y.md", "y\n").write("run.txt", "no shebang\n").chmod("run.txt", 0o755);
            r.git(&["add", "-A"]);
        }),
        ("the config", &|r| {
            r.config(&format!("{BUILT_INS}\n[settings]\nexclude = [\"a.txt\"]\n"));
            r.git(&["add", "checks.toml"]);
        }),
    ];
    let mut seen = std::collections::HashSet::new();
    for (what, step) in steps {
        step(&repo);
        refresh(&repo);
        let (cached, uncached) = both(&repo);
        assert!(!whole_run(&cached), "after {what}, the old report does not stand: {cached}");
        assert_eq!(normalized(cached.clone()), normalized(uncached), "after {what}");
        let (again, _) = both(&repo);
        // A file that differs from the index is checked file by file, every time.
        let as_indexed = repo.git(&["diff", "--name-only"]).trim().is_empty();
        assert_eq!(whole_run(&again), as_indexed, "after {what}: {again}");
        assert_eq!(normalized(again), normalized(cached.clone()), "after {what}");
        seen.insert(normalized(cached).to_string());
    }
    assert!(seen.len() >= 5, "the steps change the reports: {}", seen.len());
}

fn rechecked(report: &serde_json::Value) -> Option<u64> {
    report["summary"]["cache"]["rechecked"].as_u64()
}

/// Restores every file to the index's content and stat data, as a fresh checkout leaves it.
fn restore(repo: &TestRepo) {
    repo.git(&["checkout", "-q", "--", "."]);
    repo.git(&["update-index", "-q", "--refresh"]);
    settle();
}

/// A few files that differ from the index are checked alone, against the index's report: the
/// report is what a full run says, in check mode and in fix mode. A changed file whose tags
/// changed with it, or one that is gone, makes the run go file by file.
#[test]
fn a_few_changed_files_are_checked_against_the_index_report() {
    let repo = TestRepo::new();
    for i in 0..30 {
        let body = if i % 7 == 0 { "trailing \n" } else { "fine\n" };
        repo.write(&format!("src/m{i:02}.txt"), body);
    }
    repo.write("data.json", "{\"a\": 1}\n").write("bin/tool", "#!/bin/sh\necho\n").write("notes", "plain words\n");
    repo.chmod("bin/tool", 0o755);
    repo.config(BUILT_INS);
    repo.commit("init");
    refresh(&repo);
    both(&repo);
    let (warm, _) = both(&repo);
    assert!(whole_run(&warm), "{warm}");

    type Change<'s> = (&'s str, &'s dyn Fn(&TestRepo), bool);
    let changes: [Change; 7] = [
        (
            "an edit that adds a finding",
            &|r| {
                r.write("src/m03.txt", "now trailing \n");
            },
            true,
        ),
        (
            "an edit that removes one",
            &|r| {
                r.write("src/m07.txt", "fine now\n");
            },
            true,
        ),
        (
            "a broken JSON file",
            &|r| {
                r.write("data.json", "{");
            },
            true,
        ),
        (
            "a file made executable",
            &|r| {
                r.chmod("src/m01.txt", 0o755);
            },
            false,
        ),
        (
            "a file without a telling name turned binary",
            &|r| {
                r.write("notes", b"\0\x01\x02binary".as_slice());
            },
            false,
        ),
        ("a file removed", &|r| fs::remove_file(r.path("src/m02.txt")).expect("rm"), false),
        (
            "an edit back to the index's content",
            &|r| {
                r.write("src/m03.txt", "fine\n");
            },
            true,
        ),
    ];
    for (what, change, alone) in changes {
        restore(&repo);
        change(&repo);
        let (cached, uncached) = both(&repo);
        assert_eq!(normalized(cached.clone()), normalized(uncached), "after {what}");
        assert_eq!(rechecked(&cached).is_some(), alone, "after {what}: {cached}");
    }

    // Fix mode: the changed file is fixed, and the report says so as a full run does.
    restore(&repo);
    repo.ward(&["run", "--all"]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "fixed"]);
    refresh(&repo);
    repo.ward_json(&["--all"]);
    let (_, clean) = repo.ward_json(&["--all"]);
    assert!(whole_run(&clean), "{clean}");
    repo.write("src/m05.txt", "trailing again \n");
    let (_, fixed) = repo.ward_json(&["--all"]);
    assert_eq!(rechecked(&fixed), Some(1), "{fixed}");
    assert_eq!(check(&fixed, "ws")["modified_files"], serde_json::json!(["src/m05.txt"]), "{fixed}");
    assert_eq!(repo.read_string("src/m05.txt"), "trailing again\n");
    repo.write("src/m05.txt", "trailing again \n");
    let (_, uncached) = repo.ward_json(&["--all", "--no-cache"]);
    assert_eq!(normalized(fixed), normalized(uncached));
}

/// Entries git wrote in the same clock tick as the index (racily clean, here all of them, by an
/// index dated in the past) are vouched for by their content, as git does: the report is still
/// answered whole, and a file whose bytes differ from the index is not.
#[test]
fn racily_clean_entries_are_vouched_for_by_their_content() {
    let repo = TestRepo::new();
    repo.write("a.txt", "trailing \n").write("b.json", "{}\n").write("link", "").write("c.txt", "c\n");
    fs::remove_file(repo.path("link")).expect("rm");
    std::os::unix::fs::symlink("a.txt", repo.path("link")).expect("symlink");
    repo.config(BUILT_INS);
    repo.commit("init");
    refresh(&repo);
    let (_, uncached) = both(&repo);
    let past = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(946_684_800);
    let racy = || {
        fs::File::options().write(true).open(repo.path(".git/index")).and_then(|f| f.set_modified(past)).expect("mtime")
    };
    racy();
    let (cached, _) = both(&repo);
    assert!(whole_run(&cached), "{cached}");
    assert_eq!(normalized(cached), normalized(uncached));
    repo.write("c.txt", "now trailing \n");
    racy();
    let (cached, uncached) = both(&repo);
    assert!(!whole_run(&cached), "{cached}");
    assert_eq!(normalized(cached), normalized(uncached));
}

/// The git processes a run over every file starts, and its report.
fn logged_run(repo: &TestRepo) -> (Vec<String>, serde_json::Value) {
    let (path, log) = repo.logging_git();
    let _ = fs::remove_file(&log);
    let out = repo.ward_cmd().env("PATH", &path).args(["run", "--all", "--check", "--format", "json"]).output();
    let out = out.expect("ward");
    let report = serde_json::from_slice(&out.stdout).expect("json report");
    let calls = fs::read_to_string(&log).unwrap_or_default();
    (calls.lines().map(str::to_string).collect(), report)
}

/// A whole report asks git where the repository is and nothing about the files: not even what
/// is staged when files over check-added-large-files' limit are committed ones (HEAD's commit,
/// read from the ref files, stands for that). A large file being added has its attributes asked.
#[test]
fn a_whole_report_asks_git_only_what_it_cannot_read() {
    let repo = TestRepo::new();
    repo.write("a.txt", "fine\n").write("big.txt", "x".repeat(4096)).write("run.sh", "#!/bin/sh\n");
    repo.chmod("run.sh", 0o755);
    repo.config(BUILT_INS);
    repo.commit("init");
    // Refs packed as `git gc` leaves them, and a branch pointing at a branch.
    repo.git(&["pack-refs", "--all"]);
    repo.git(&["symbolic-ref", "refs/heads/alias", "refs/heads/main"]);
    repo.git(&["symbolic-ref", "HEAD", "refs/heads/alias"]);
    refresh(&repo);
    let (_, uncached) = both(&repo);
    let (calls, report) = logged_run(&repo);
    assert!(whole_run(&report), "{report}");
    assert_eq!(normalized(report), normalized(uncached));
    // Where the repository is, and core.fileMode for the shebang check's wording.
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert!(calls[0].starts_with("rev-parse"), "{calls:#?}");
    assert!(calls[1].ends_with("config --get core.fileMode"), "{calls:#?}");

    repo.write("new-big.txt", "y".repeat(4096));
    repo.git(&["add", "new-big.txt"]);
    refresh(&repo);
    let (first, uncached) = both(&repo);
    assert_eq!(check(&uncached, "large")["status"], "failed", "{uncached}");
    assert!(!whole_run(&first), "{first}");
    let (calls, report) = logged_run(&repo);
    assert!(whole_run(&report), "{report}");
    assert_eq!(normalized(report), normalized(uncached.clone()));
    assert!(calls.iter().any(|c| c.contains("check-attr")), "the added file's attributes: {calls:#?}");
    assert!(!calls.iter().any(|c| c.contains(" diff ")), "what is added is known: {calls:#?}");

    // A new commit on the packed branch: a loose ref over the packed one.
    repo.git(&["commit", "-q", "--no-verify", "-m", "big"]);
    refresh(&repo);
    let (first, uncached) = both(&repo);
    assert_eq!(check(&uncached, "large")["status"], "passed", "{uncached}");
    assert!(!whole_run(&first), "a new HEAD: {first}");
    assert_eq!(normalized(first), normalized(uncached));
}

/// A submodule is as the index says when its directory is there: a run with one is answered
/// whole, and forbid-new-submodules sees a new one.
#[test]
fn submodules_are_answered_whole_and_a_new_one_is_seen() {
    let repo = TestRepo::new();
    repo.write("a.txt", "trailing \n");
    repo.config(
        "[checks.ws]\nbuiltin = \"trailing-whitespace\"\n\n[checks.sub]\nbuiltin = \"forbid-new-submodules\"\n",
    );
    repo.commit("init");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let gitlink = |path: &str| {
        fs::create_dir_all(repo.path(path)).expect("mkdir");
        repo.git(&["update-index", "--add", "--cacheinfo", &format!("160000,{},{path}", head.trim())]);
    };
    gitlink("vendor/lib");
    repo.git(&["commit", "-q", "--no-verify", "-m", "a submodule"]);
    refresh(&repo);
    let (_, uncached) = both(&repo);
    assert_eq!(check(&uncached, "sub")["status"], "passed", "{uncached}");
    let (second, _) = both(&repo);
    assert!(whole_run(&second), "{second}");
    assert_eq!(normalized(second), normalized(uncached));

    gitlink("vendor/other");
    refresh(&repo);
    let (cached, uncached) = both(&repo);
    assert_eq!(check(&uncached, "sub")["status"], "failed", "{uncached}");
    assert!(!whole_run(&cached), "{cached}");
    assert_eq!(normalized(cached), normalized(uncached.clone()));
    let (again, _) = both(&repo);
    assert!(whole_run(&again), "{again}");
    assert_eq!(normalized(again), normalized(uncached));

    // Its directory replaced by a file: checked file by file.
    fs::remove_dir(repo.path("vendor/other")).expect("rmdir");
    repo.write("vendor/other", "now a file \n");
    let (cached, uncached) = both(&repo);
    assert!(!whole_run(&cached), "{cached}");
    assert_eq!(normalized(cached), normalized(uncached));
}

/// A run with any check whose verdict does not follow from the index (an external tool, the
/// branch, a link's target) is never answered whole.
#[test]
fn a_run_with_other_checks_is_never_answered_whole() {
    for extra in [
        "[checks.tool]\nrun = \"true\"\n",
        "[checks.branch]\nbuiltin = \"no-commit-to-branch\"\n",
        "[checks.links]\nbuiltin = \"check-symlinks\"\n",
        "[checks.ws]\nbuiltin = \"trailing-whitespace\"\ncache = \"off\"\n",
    ] {
        let repo = TestRepo::new();
        repo.write("a.txt", "a\n");
        let config = if extra.contains("[checks.ws]") {
            extra.to_string()
        } else {
            format!("[checks.ws]\nbuiltin = \"trailing-whitespace\"\n\n{extra}")
        };
        repo.config(&config);
        repo.commit("init");
        settle();
        for _ in 0..2 {
            let (report, _) = both(&repo);
            assert!(!whole_run(&report), "{extra}: {report}");
        }
    }
}

/// Random edits, stages, commits, branch switches, modes and configs over built-ins only (the
/// runs a whole report may answer): every cached report is the uncached one.
#[test]
fn randomized_changes_never_change_a_report_answered_whole() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n").write("b.json", "{}\n").write("Dir/c.txt", "c\n");
    repo.config(BUILT_INS);
    repo.commit("init");
    repo.git(&["branch", "other"]);
    let contents =
        ["fine\n", "trailing  \n", "{\"a\": 1}\n", "{", "#!/bin/sh\necho\n", "x\n".repeat(800).leak(), "\0\x01binary"];
    // `tool` has no telling name: its content decides its tags, which an edit may change.
    let files = ["a.txt", "b.json", "Dir/c.txt", "dir/d.txt", "new.json", "tool"];
    let seed = std::env::var("WARD_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let mut rng = Lcg(seed);
    let (mut whole, mut alone) = (0, 0);
    for step in 0..20 {
        let what = match rng.next(6) {
            0 | 1 => {
                let file = files[rng.next(files.len())];
                repo.write(file, contents[rng.next(contents.len())]);
                format!("edit {file}")
            }
            2 => {
                repo.git(&["add", "-A"]);
                "stage".to_string()
            }
            3 => {
                repo.git(&["add", "-A"]);
                repo.git(&["commit", "-q", "--no-verify", "--allow-empty", "-m", &format!("step {step}")]);
                let branch = if repo.git(&["branch", "--show-current"]).trim() == "main" { "other" } else { "main" };
                repo.git(&["checkout", "-q", branch]);
                format!("commit and check out {branch}")
            }
            4 => {
                let file = files[rng.next(3)];
                repo.chmod(file, [0o644, 0o755][rng.next(2)]);
                repo.git(&["add", "-A"]);
                format!("chmod {file}")
            }
            _ => {
                let extra = ["", "\n[settings]\nexclude = [\"a.txt\"]\n"][rng.next(2)];
                repo.config(&format!("{BUILT_INS}{extra}"));
                repo.git(&["add", "checks.toml"]);
                "change the config".to_string()
            }
        };
        refresh(&repo);
        for _ in 0..2 {
            let (cached, uncached) = both(&repo);
            whole += usize::from(whole_run(&cached));
            alone += usize::from(rechecked(&cached).is_some());
            assert_eq!(normalized(cached), normalized(uncached), "step {step} ({what}), seed {seed}");
        }
    }
    assert!(whole >= 5, "some reports were answered whole: {whole}");
    assert!(alone >= 2, "some with a few files checked against the index's report: {alone}");
}
