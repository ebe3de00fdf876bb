//! `TestRepo`: a hermetic git repository in a temporary directory, and the real `ward` binary.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const WARD: &str = env!("CARGO_BIN_EXE_ward");

pub struct TestRepo {
    dir: tempfile::TempDir,
    pub root: PathBuf,
    home: PathBuf,
}

impl TestRepo {
    /// An initialized repository on branch `main` with no commits.
    pub fn new() -> TestRepo {
        let repo = TestRepo::plain();
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A directory that is not a git repository.
    pub fn plain() -> TestRepo {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("work");
        let home = dir.path().join("home");
        fs::create_dir_all(&root).expect("mkdir");
        fs::create_dir_all(&home).expect("mkdir");
        fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n[advice]\n\tdetachedHead = false\n",
        )
        .expect("gitconfig");
        TestRepo { dir, root, home }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> &TestRepo {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, content).expect("write");
        self
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        fs::read(self.root.join(rel)).expect("read")
    }

    pub fn read_string(&self, rel: &str) -> String {
        String::from_utf8(self.read(rel)).expect("utf-8")
    }

    pub fn chmod(&self, rel: &str, mode: u32) -> &TestRepo {
        fs::set_permissions(self.root.join(rel), fs::Permissions::from_mode(mode)).expect("chmod");
        self
    }

    /// Writes an executable script (a stand-in tool) at `rel`.
    pub fn script(&self, rel: &str, body: &str) -> &TestRepo {
        self.write(rel, format!("#!/bin/sh\n{body}\n"));
        self.chmod(rel, 0o755)
    }

    pub fn config(&self, toml: &str) -> &TestRepo {
        self.write("checks.toml", toml)
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("SKIP")
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITLAB_CI")
            .env("TERM", "xterm");
    }

    pub fn git_cmd(&self) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.root).stdin(Stdio::null());
        self.env(&mut cmd);
        cmd
    }

    /// Runs git and returns its standard output; fails the test when git fails.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_cmd().args(args).output().expect("run git");
        assert!(out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn git_os<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(&self, args: I) -> Output {
        self.git_cmd().args(args).output().expect("run git")
    }

    pub fn add_all(&self) -> &TestRepo {
        self.git(&["add", "-A"]);
        self
    }

    pub fn commit(&self, message: &str) -> &TestRepo {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--no-verify", "-m", message]);
        self
    }

    pub fn ward_cmd(&self) -> Command {
        let mut cmd = Command::new(WARD);
        cmd.current_dir(&self.root).stdin(Stdio::null());
        self.env(&mut cmd);
        cmd
    }

    pub fn ward(&self, args: &[&str]) -> Run {
        Run::from(self.ward_cmd().args(args).output().expect("run ward"))
    }

    pub fn ward_in(&self, dir: &str, args: &[&str]) -> Run {
        Run::from(self.ward_cmd().current_dir(self.root.join(dir)).args(args).output().expect("run ward"))
    }

    /// `ward run --format json` parsed.
    pub fn ward_json(&self, args: &[&str]) -> (Run, serde_json::Value) {
        let mut full = vec!["run", "--format", "json"];
        full.extend_from_slice(args);
        let run = self.ward(&full);
        let value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", run.stdout, run.stderr));
        (run, value)
    }

    /// A `PATH` whose `git` logs each of its command lines to the returned file, then runs the
    /// real git: every git process ward starts, in order.
    pub fn logging_git(&self) -> (String, PathBuf) {
        let real = String::from_utf8(Command::new("sh").args(["-c", "command -v git"]).output().expect("sh").stdout)
            .expect("utf-8");
        let bin = self.temp().join("logging-bin");
        fs::create_dir_all(&bin).expect("mkdir");
        let log = self.temp().join("git.log");
        let wrapper =
            format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n", log.display(), real.trim());
        fs::write(bin.join("git"), wrapper).expect("wrapper");
        fs::set_permissions(bin.join("git"), fs::Permissions::from_mode(0o755)).expect("chmod");
        (format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()), log)
    }

    pub fn temp(&self) -> &Path {
        self.dir.path()
    }
}

/// A finished command with its streams as text.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(expected),
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The check with `id` in a JSON report.
pub fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

/// A stand-in tool that appends each file argument on its own NUL-terminated record to `log`,
/// so tests can see exactly which files a check received and in how many processes.
pub fn recorder(log: &Path) -> String {
    format!(
        "for f in \"$@\"; do printf '%s\\0' \"$f\" >> '{}'; done; printf 'call\\n' >> '{}.calls'",
        log.display(),
        log.display()
    )
}

pub fn recorded(log: &Path) -> Vec<String> {
    let text = fs::read(log).unwrap_or_default();
    text.split(|b| *b == 0).filter(|s| !s.is_empty()).map(|s| String::from_utf8_lossy(s).into_owned()).collect()
}

pub fn calls(log: &Path) -> usize {
    fs::read_to_string(format!("{}.calls", log.display())).unwrap_or_default().lines().count()
}
