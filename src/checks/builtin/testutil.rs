//! Test fixtures: a real git repository, isolated from the user's configuration, and file entries.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::repo::Repo;
use crate::select::FileEntry;

pub(crate) struct GitFixture {
    dir: TempDir,
    home: TempDir,
}

impl GitFixture {
    pub fn new() -> Self {
        let fixture = GitFixture { dir: TempDir::new().unwrap(), home: TempDir::new().unwrap() };
        fixture.git(&["init", "--quiet", "--initial-branch=main"]);
        // `Repo` runs git with the test process's environment, so pin in the repository's own
        // configuration everything a user's global configuration could change.
        for (key, value) in [
            ("user.name", "Ward Test"),
            ("user.email", "ward@example.com"),
            ("commit.gpgsign", "false"),
            ("core.fileMode", "true"),
            ("core.symlinks", "true"),
            ("core.autocrlf", "false"),
            ("core.attributesFile", "/dev/null"),
            ("core.hooksPath", "/dev/null"),
        ] {
            fixture.git(&["config", key, value]);
        }
        fixture
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn repo(&self) -> Repo {
        Repo::discover(self.root()).unwrap().expect("the fixture is a git work tree")
    }

    /// Runs git in the fixture with no global or system configuration; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(self.root())
            .args(args)
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", "2020-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2020-01-01T00:00:00Z")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, bytes).unwrap();
        path
    }

    pub fn chmod(&self, rel: &str, mode: u32) {
        fs::set_permissions(self.root().join(rel), fs::Permissions::from_mode(mode)).unwrap();
    }

    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "--allow-empty", "-m", message]);
    }
}

/// A file entry for `rel` under `root`, tagged as the selection tags it.
pub(crate) fn entry_in(root: &Path, rel: &str) -> FileEntry {
    crate::select::classify(root, Path::new(rel)).unwrap()
}
