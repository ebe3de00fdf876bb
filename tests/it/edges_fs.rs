//! The file system at the edges: no read or write through a symlink, config files that are not
//! files, restore after `git gc`, orphaned tool processes, every failure shown.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use crate::common::*;

const TRAILING: &str = "[checks.trailing-whitespace]\nbuiltin = \"trailing-whitespace\"\n";
/// An external fixer that appends a line to every file it is given.
const APPEND: &str = r#"for f in "$@"; do echo appended >> "$f"; done"#;

/// A directory outside the repository holding `f.txt`, as an attacker's link would point to.
fn outside(repo: &TestRepo) -> PathBuf {
    let dir = repo.temp().join("outside");
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join("f.txt"), "outside   \n").expect("write");
    dir
}

/// `sub/f.txt` committed, then `sub` replaced by a link to a directory outside the tree.
fn linked_parent(config: &str) -> (TestRepo, PathBuf) {
    let repo = TestRepo::new();
    repo.script("tools/append", APPEND);
    repo.config(config);
    repo.write("sub/f.txt", "inside   \n").write("ok.txt", "ok   \n").commit("base");
    let out = outside(&repo);
    fs::remove_dir_all(repo.path("sub")).expect("rm sub");
    symlink(&out, repo.path("sub")).expect("symlink");
    (repo, out)
}

#[track_caller]
fn assert_untouched(out: &Path) {
    assert_eq!(fs::read_to_string(out.join("f.txt")).expect("read"), "outside   \n", "the file outside was written");
    assert_eq!(fs::read_dir(out).expect("list").count(), 1, "something was created outside");
}

fn external_fixer(files: &str) -> String {
    format!("[checks.append]\nrun = \"true\"\nfix = \"tools/append\"\nfiles = [\"{files}\"]\n")
}

#[test]
fn all_refuses_a_path_behind_a_linked_directory_and_writes_nothing_outside() {
    let (repo, out) = linked_parent(&format!("{TRAILING}{}", external_fixer("*.txt")));
    let run = repo.ward(&["run", "--all"]);
    run.code(2).stderr_has("sub/f.txt").stderr_has("sub is a symbolic link");
    assert_untouched(&out);
    assert_eq!(repo.read_string("ok.txt"), "ok   \n", "nothing ran on a tree ward refuses");
}

#[test]
fn files_refuses_a_path_behind_a_linked_directory() {
    let (repo, out) = linked_parent(TRAILING);
    repo.ward(&["run", "--files", "sub/f.txt"]).code(2).stderr_has("cannot check sub/f.txt: sub is a symbolic link");
    repo.ward(&["run", "--check", "--files", "sub/f.txt"]).code(2).stderr_has("sub is a symbolic link");
    assert_untouched(&out);
}

#[test]
fn staged_mode_never_writes_the_staged_version_through_a_linked_directory() {
    let repo = TestRepo::new();
    repo.script("tools/append", APPEND);
    repo.config(&format!("{TRAILING}{}", external_fixer("*.txt")));
    repo.write("sub/f.txt", "one\n").commit("base");
    repo.write("sub/f.txt", "one\ntwo   \n").add_all();
    let out = outside(&repo);
    fs::remove_dir_all(repo.path("sub")).expect("rm sub");
    symlink(&out, repo.path("sub")).expect("symlink");
    let run = repo.ward(&["run"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    run.stderr_has("sub/f.txt").stderr_has("sub is a symbolic link");
    assert_untouched(&out);
    assert!(!repo
        .path(".git/ward")
        .read_dir()
        .is_ok_and(|mut d| d.any(|e| e.is_ok_and(|e| e.path().is_dir() && e.file_name() != "cache"))));
}

#[test]
fn staged_mode_with_unstaged_changes_refuses_a_linked_directory() {
    let repo = TestRepo::new();
    repo.script("tools/append", APPEND);
    repo.config(&external_fixer("*.txt"));
    repo.write("sub/f.txt", "one\n").write("a.txt", "a\n").commit("base");
    // Staged and unstaged changes in both: staged mode has to set them aside.
    repo.write("sub/f.txt", "one\ntwo\n").write("a.txt", "a\nb\n").add_all();
    repo.write("sub/f.txt", "one\ntwo\nthree\n").write("a.txt", "a\nb\nc\n");
    let out = outside(&repo);
    fs::rename(repo.path("sub"), repo.temp().join("moved-sub")).expect("move sub");
    symlink(&out, repo.path("sub")).expect("symlink");
    let run = repo.ward(&["run"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    run.stderr_has("sub is a symbolic link");
    assert_untouched(&out);
    assert_eq!(repo.read_string("a.txt"), "a\nb\nc\n", "the unstaged change stays");
}

#[test]
fn restore_never_writes_through_a_directory_linked_after_the_crash() {
    let repo = TestRepo::new();
    repo.script("tools/append", APPEND);
    repo.config(&external_fixer("*.txt"));
    repo.write("sub/f.txt", "one\n").commit("base");
    repo.write("sub/f.txt", "one\ntwo\n").add_all();
    repo.write("sub/f.txt", "one\ntwo\nthree\n");
    let run = Run::from(repo.ward_cmd().args(["run"]).env("WARD_INTERNAL_FAULT", "kill:checks").output().expect("run"));
    assert_eq!(run.code, None, "killed: {run:?}");
    // After the crash, `sub` (holding the set-aside file) becomes a link to elsewhere.
    let out = outside(&repo);
    fs::rename(repo.path("sub"), repo.temp().join("moved-sub")).expect("move sub");
    symlink(&out, repo.path("sub")).expect("symlink");
    let run = repo.ward(&["restore"]);
    assert_ne!(run.code, Some(0), "{run:?}");
    assert!(run.stderr.contains("sub is a symbolic link"), "{run:?}");
    assert_untouched(&out);
    // The backup is still there for when the link is gone.
    fs::remove_file(repo.path("sub")).expect("rm link");
    fs::rename(repo.temp().join("moved-sub"), repo.path("sub")).expect("move back");
    repo.ward(&["restore"]).code(0);
    assert_eq!(repo.read_string("sub/f.txt"), "one\ntwo\nthree\n");
}

#[test]
fn external_fixers_are_not_handed_symlinks_unless_they_ask() {
    let repo = TestRepo::new();
    let log = repo.temp().join("seen");
    repo.script("tools/append", APPEND);
    repo.script("tools/record", &recorder(&log));
    let out = outside(&repo);
    repo.write("a.txt", "a\n");
    symlink(out.join("f.txt"), repo.path("link.txt")).expect("symlink");
    repo.config(&format!("{}[checks.record]\nrun = \"tools/record\"\nfiles = [\"*.txt\"]\n", external_fixer("*.txt")));
    repo.commit("base");
    repo.ward(&["run", "--all"]).code(1);
    assert_untouched(&out);
    assert_eq!(repo.read_string("a.txt"), "a\nappended\n");
    assert_eq!(recorded(&log), vec!["a.txt".to_string()]);
    // Staged mode and --files too.
    fs::remove_file(&log).expect("rm log");
    repo.write("a.txt", "a2\n");
    symlink(out.join("f.txt"), repo.path("link2.txt")).expect("symlink");
    repo.add_all();
    repo.ward(&["run"]).code(1);
    repo.ward(&["run", "--files", "link.txt", "link2.txt", "a.txt"]).code(1);
    assert_untouched(&out);
    assert_eq!(recorded(&log), vec!["a.txt".to_string(), "a.txt".to_string()]);
    // A check that asks for links gets them.
    fs::remove_file(&log).expect("rm log");
    repo.config("[checks.record]\nrun = \"tools/record\"\ntypes = [\"symlink\"]\n");
    repo.ward(&["run", "--all"]).code(0);
    assert_eq!(recorded(&log), vec!["link.txt".to_string(), "link2.txt".to_string()]);
}

/// Runs ward with a deadline: a FIFO opened for reading would block forever.
fn ward_bounded(repo: &TestRepo, args: &[&str]) -> Run {
    let mut child = repo
        .ward_cmd()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn ward");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("ward {args:?} blocked");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Run::from(child.wait_with_output().expect("output"))
}

#[test]
fn init_refuses_a_dangling_config_link_and_creates_nothing() {
    let repo = TestRepo::new();
    let target = repo.temp().join("elsewhere").join("checks.toml");
    fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
    symlink(&target, repo.path("checks.toml")).expect("symlink");
    repo.ward(&["init"]).code(2).stderr_has("checks.toml is a symbolic link to").stderr_has("which does not exist");
    assert!(!target.exists(), "ward init created the link's target outside the repository");
    // An existing file is never overwritten either.
    fs::remove_file(repo.path("checks.toml")).expect("rm");
    repo.write("checks.toml", "# mine\n");
    repo.ward(&["init"]).code(2).stderr_has("already exists");
    assert_eq!(repo.read_string("checks.toml"), "# mine\n");
}

/// Puts something that is not a config file at the given path.
type MakeConfig = dyn Fn(&Path);

#[test]
fn a_config_that_is_not_a_file_is_a_configuration_error_not_the_default_checks() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a   \n").commit("base");
    let cases: Vec<(&str, Box<MakeConfig>)> = vec![
        ("it is a directory", Box::new(|p: &Path| fs::create_dir(p).expect("mkdir"))),
        ("which does not exist", Box::new(|p: &Path| symlink("nowhere.toml", p).expect("symlink"))),
        ("loops", Box::new(|p: &Path| symlink("checks.toml", p).expect("symlink"))),
        (
            "not a regular file",
            Box::new(|p: &Path| nix::unistd::mkfifo(p, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo")),
        ),
    ];
    for (why, make) in &cases {
        let path = repo.path("checks.toml");
        let _ = fs::remove_dir(&path);
        let _ = fs::remove_file(&path);
        make(&path);
        for args in [&["run", "--all"][..], &["validate"], &["list"]] {
            let run = ward_bounded(&repo, args);
            assert_eq!(run.code, Some(2), "{why} / {args:?}: {run:?}");
            assert!(run.stderr.contains("checks.toml") && run.stderr.contains(why), "{why} / {args:?}: {run:?}");
            assert!(!run.stdout.contains("default checks") && !run.stderr.contains("default checks"), "{run:?}");
        }
        // --config names the same problems.
        let run = ward_bounded(&repo, &["validate", "--config", "checks.toml"]);
        assert_eq!(run.code, Some(2), "{why}: {run:?}");
    }
    assert_eq!(repo.read_string("a.txt"), "a   \n", "no default fixer ran");
}

/// `ward` as a user whom permissions bind. Tests run as root here, and root reads and writes
/// whatever the mode bits say: dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
/// bounding set before exec leaves uid 0 bound by them (as owner, mode 000 denies). Returns
/// `None` (and fails in CI) when that cannot be arranged.
fn ward_unprivileged(repo: &TestRepo, args: &[&str], probe: &Path) -> Option<Run> {
    let bound = |mut cmd: std::process::Command| -> std::process::Command {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl(2) is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                for cap in [1, 2] {
                    // CAP_DAC_OVERRIDE = 1, CAP_DAC_READ_SEARCH = 2; failing as non-root is fine.
                    nix::libc::prctl(nix::libc::PR_CAPBSET_DROP, cap, 0, 0, 0);
                }
                Ok(())
            });
        }
        cmd
    };
    let mut cat = std::process::Command::new("cat");
    cat.arg(probe).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    if bound(cat).status().is_ok_and(|s| s.success()) {
        assert!(std::env::var_os("CI").is_none(), "cannot make {} unreadable to ward in CI", probe.display());
        eprintln!("skipped: this user reads {} whatever its mode", probe.display());
        return None;
    }
    let mut cmd = bound(repo.ward_cmd());
    cmd.args(args);
    Some(Run::from(cmd.output().expect("run ward")))
}

#[test]
fn a_fixer_that_cannot_write_is_listed_with_the_file_and_the_cause() {
    let repo = TestRepo::new();
    repo.config(TRAILING);
    repo.write("ro/f.txt", "a   \n").write("ro/probe", "").commit("base");
    repo.chmod("ro/probe", 0o000).chmod("ro", 0o555);
    let run = ward_unprivileged(&repo, &["run", "--all"], &repo.path("ro/probe"));
    repo.chmod("ro", 0o755);
    let Some(run) = run else { return };
    run.code(1).stdout_has("ro/f.txt").stdout_has("could not write the fixed file: Permission denied");
    assert!(!run.stdout.contains("fixed by"), "{run:?}");
    assert_eq!(repo.read_string("ro/f.txt"), "a   \n");
}

#[test]
fn a_name_near_the_limit_is_fixed_all_the_same() {
    let repo = TestRepo::new();
    repo.config(TRAILING);
    let name = format!("{}.txt", "n".repeat(251));
    repo.write(&name, "a   \n").commit("base");
    let run = repo.ward(&["run", "--all"]);
    run.code(1).stdout_has("1 file was fixed by trailing-whitespace");
    assert_eq!(repo.read_string(&name), "a\n");
    assert_eq!(fs::read_dir(&repo.root).expect("list").count(), 3, "a temporary file was left behind");
}

#[test]
fn an_unreadable_file_is_an_error_of_the_checks_that_would_read_it() {
    let repo = TestRepo::new();
    repo.config(TRAILING);
    repo.write("unreadable.txt", "secret   \n").write("noext", "x\n").commit("base");
    repo.chmod("unreadable.txt", 0o000).chmod("noext", 0o000);
    for args in [&["run", "--files", "unreadable.txt", "noext"][..], &["run", "--all"], &["run", "--check", "--all"]] {
        let Some(run) = ward_unprivileged(&repo, args, &repo.path("unreadable.txt")) else { return };
        run.code(1).stdout_has("could not read the file: Permission denied");
        assert!(run.stdout.contains("unreadable.txt") && run.stdout.contains("noext"), "{args:?}: {run:?}");
        assert!(!run.stdout.contains("no files to check"), "{args:?}: {run:?}");
        assert!(!run.stdout.contains("A command can fix this"), "an unreadable file is not fixable: {run:?}");
    }
}

/// A repository whose `a.txt` is partially staged (a fixable line staged, an edit far below
/// unstaged), with a fixer that changes the staged line only.
fn partially_staged() -> TestRepo {
    let repo = TestRepo::new();
    repo.script("tools/fixme", r#"for f in "$@"; do sed -i 's/fixme/FIXED/g' "$f"; done"#);
    repo.config("[checks.fixme]\nrun = \"true\"\nfix = \"tools/fixme\"\nfiles = [\"*.txt\"]\n");
    let body = |first: &str, last: &str| {
        let middle: String = (2..=11).map(|i| format!("line {i}\n")).collect();
        format!("{first}\n{middle}{last}\n")
    };
    repo.write("a.txt", body("line 1", "line 12")).commit("base");
    repo.write("a.txt", body("fixme staged", "line 12")).add_all();
    repo.write("a.txt", body("fixme staged", "line 12 unstaged"));
    repo
}

fn killed_at(repo: &TestRepo, point: &str) {
    let run = Run::from(
        repo.ward_cmd().args(["run"]).env("WARD_INTERNAL_FAULT", format!("kill:{point}")).output().expect("run"),
    );
    assert_eq!(run.code, None, "not killed at {point}: {run:?}");
}

fn prune(repo: &TestRepo) {
    repo.git(&["reflog", "expire", "--expire=now", "--all"]);
    repo.git(&["gc", "-q", "--prune=now"]);
}

#[test]
fn restore_after_git_gc_uses_wards_own_copy() {
    for point in ["checks", "decided"] {
        let repo = partially_staged();
        let mine = repo.read_string("a.txt");
        killed_at(&repo, point);
        assert_ne!(repo.read_string("a.txt"), mine, "{point}: the staged version is in place");
        prune(&repo);
        let run = repo.ward(&["restore"]);
        run.code(0);
        let expected = if point == "decided" { mine.replace("fixme", "FIXED") } else { mine.clone() };
        assert_eq!(repo.read_string("a.txt"), expected, "{point}");
        assert!(!repo
            .path(".git/ward")
            .read_dir()
            .expect("ward dir")
            .any(|e| e.is_ok_and(|e| e.path().is_dir() && e.file_name() != "cache")));
    }
}

#[test]
fn a_backup_beyond_repair_says_where_it_is_and_how_to_apply_it_by_hand() {
    let repo = partially_staged();
    let mine = repo.read_string("a.txt");
    killed_at(&repo, "checks");
    prune(&repo);
    let backup = fs::read_dir(repo.path(".git/ward"))
        .expect("ward dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        // `cache` is the result cache, not a backup.
        .find(|p| p.is_dir() && !p.ends_with("cache"))
        .expect("a backup");
    fs::remove_dir_all(backup.join("blobs")).expect("rm copies");
    let id = backup.file_name().expect("name").to_string_lossy().into_owned();
    for args in [&["restore"][..], &["run"]] {
        let run = repo.ward(args);
        assert_eq!(run.code, Some(2), "{run:?}");
        run.stderr_has(&format!("cannot restore the backup in .git/ward/{id} (a.txt)"))
            .stderr_has(&format!("git apply --binary .git/ward/{id}/unstaged.patch"))
            .stderr_has("is missing from git's objects");
    }
    // What the message says works.
    repo.git(&["checkout", "--", "a.txt"]);
    repo.git(&["apply", "--binary", &format!(".git/ward/{id}/unstaged.patch")]);
    assert_eq!(repo.read_string("a.txt"), mine);
}

#[test]
fn recovery_stops_what_a_killed_run_left_running_before_restoring() {
    let repo = TestRepo::new();
    // The fixer leaves a worker behind (as php-cs-fixer's parallel workers may) that writes
    // late, then keeps running itself; ward is killed outright while it runs. The fixer dies
    // with ward (its parent-death signal); the worker, in the fixer's process group, does not,
    // and would write after the next ward has put the user's version back.
    let marker = repo.temp().join("worker-started");
    repo.script(
        "tools/leaves-a-worker",
        &format!(
            "exec </dev/null >/dev/null 2>&1\nfor f in \"$@\"; do (touch '{m}'; sleep 3; echo LATE >> \"$f\") & done\nexec sleep 30",
            m = marker.display()
        ),
    );
    repo.config("[checks.worker]\nrun = \"true\"\nfix = \"tools/leaves-a-worker\"\nfiles = [\"*.txt\"]\n");
    repo.write("a.txt", "one\n").commit("base");
    repo.write("a.txt", "one\ntwo\n").add_all();
    repo.write("a.txt", "one\ntwo\nthree\n");
    let mut ward = repo
        .ward_cmd()
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn ward");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !marker.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(marker.exists(), "the worker never started");
    ward.kill().expect("kill ward");
    ward.wait().expect("reap ward");
    repo.ward(&["restore"]).code(0);
    assert_eq!(repo.read_string("a.txt"), "one\ntwo\nthree\n");
    std::thread::sleep(std::time::Duration::from_millis(3500));
    assert_eq!(repo.read_string("a.txt"), "one\ntwo\nthree\n", "a worker of the killed run wrote after the restore");
}

#[test]
fn a_run_refused_because_another_is_active_reports_no_modified_files() {
    let repo = TestRepo::new();
    let ready = repo.temp().join("ready");
    repo.script(
        "tools/block",
        &format!(
            r#"for f in "$@"; do sed -i 's/fixme/FIXED/g' "$f"; done; touch '{}'; exec sleep 60"#,
            ready.display()
        ),
    );
    repo.config("[checks.block]\nrun = \"true\"\nfix = \"tools/block\"\nfiles = [\"*.txt\"]\nserial = true\n");
    repo.write("a.txt", "a\nb\n").commit("base");
    repo.write("a.txt", "fixme\nb\n").add_all();
    repo.write("a.txt", "fixme\nb\nc\n");
    let mut first = repo
        .ward_cmd()
        .arg("run")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !ready.exists() {
        assert!(std::time::Instant::now() < deadline && first.try_wait().expect("wait").is_none(), "never ready");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    for args in [&["run", "--all"][..], &["run", "--all", "--format", "json"], &["run", "--files", "a.txt"]] {
        let run = repo.ward(args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        run.stderr_has("another ward (pid");
        assert!(!run.stdout.contains("modified") && !run.stdout.contains("fixed by"), "{args:?}: {run:?}");
    }
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(first.id() as i32), nix::sys::signal::Signal::SIGINT);
    let out = first.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(repo.read_string("a.txt"), "fixme\nb\nc\n", "the user's version is back");
}

#[test]
fn other_directories_under_git_ward_are_not_backups() {
    let repo = TestRepo::new();
    repo.config(TRAILING);
    repo.write("a.txt", "a\n").commit("base");
    for dir in ["cache", "tmp"] {
        repo.write(&format!(".git/ward/{dir}/keep"), "kept\n");
    }
    repo.ward(&["run", "--all"]).code(0);
    repo.ward(&["restore"]).code(0);
    for dir in ["cache", "tmp"] {
        assert_eq!(repo.read_string(&format!(".git/ward/{dir}/keep")), "kept\n", "{dir} was taken for a backup");
    }
}
