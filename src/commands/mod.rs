//! One function per subcommand: each takes its parsed arguments and returns an exit status.

mod baseline;
mod cache;
mod explain;
mod hook;
mod identify;
mod import;
mod init;
mod init_php;
mod list;
mod merge;
mod message_input;
mod restore;
mod run;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

pub use baseline::baseline;
pub use cache::{cache, cache_dir};
pub use explain::explain;
pub use hook::{hook_impl, install, uninstall};
pub use identify::identify;
pub use import::import;
pub use init::init;
pub use list::{list, validate};
pub use merge::merge;
pub use restore::restore;
pub use run::run;

use crate::config::{self, Config};
use crate::printer::Printer;
use crate::repo::Repo;

/// Where a command runs: the repository (when there is one) and the root paths are relative to.
pub struct Workspace {
    pub cwd: PathBuf,
    pub repo: Option<Repo>,
    pub root: PathBuf,
}

impl Workspace {
    pub fn discover() -> Result<Workspace> {
        Self::discover_with(crate::repo::Early::default())
    }

    /// [`Workspace::discover`], with git asked for the `early` facts while it finds the repository.
    pub fn discover_with(early: crate::repo::Early) -> Result<Workspace> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let repo = Repo::discover_with(&cwd, early)?;
        if let Some(repo) = &repo {
            // A run that died with unstaged changes set aside is put right before anything else.
            crate::safe::recover_at_start(repo)
                .context("cannot restore the unstaged changes of an interrupted run (`ward restore --list`)")?;
        }
        let root = match &repo {
            Some(repo) => repo.root.clone(),
            // Outside git, the nearest directory with a checks.toml is the project root.
            None => cwd.ancestors().find(|d| d.join(config::FILE_NAME).is_file()).unwrap_or(&cwd).to_path_buf(),
        };
        Ok(Workspace { cwd, repo, root })
    }

    pub fn repo(&self) -> Result<&Repo> {
        self.repo.as_ref().context("not inside a git repository")
    }

    /// The configuration file to use: `--config`, else `checks.toml` at the root, else none.
    /// A `checks.toml` that is there but not a readable file (a directory, a dangling link, a
    /// link loop, a FIFO) is an error: running the default checks instead would silently
    /// replace the team's.
    pub fn config_path(&self, explicit: Option<&Path>) -> Result<Option<PathBuf>> {
        let path = match explicit {
            Some(path) => self.cwd.join(path),
            None => self.root.join(config::FILE_NAME),
        };
        match config_file_problem(&path) {
            None => Ok(Some(path)),
            Some(ConfigFile::Missing) if explicit.is_none() => Ok(None),
            Some(problem) => {
                let shown = path.strip_prefix(&self.cwd).unwrap_or(&path).display().to_string();
                Err(config::ConfigError::new(Path::new(&shown), "", None, problem.to_string()).into())
            }
        }
    }

    /// Loads the configuration; an invalid file is a user error shown with its location.
    pub fn load_config(&self, explicit: Option<&Path>, printer: &Printer) -> Result<Config> {
        let path = self.config_path(explicit)?;
        if path.is_none() {
            printer.line(&crate::printer::Styles::paint(
                printer.styles.subtle,
                "no checks.toml here: running ward's default checks (write one to choose your own)",
            ));
        }
        let shown = path.as_deref().map(|p| p.strip_prefix(&self.cwd).unwrap_or(p).to_path_buf());
        config::load(path.as_deref(), Some(&self.root)).map_err(|mut e| {
            // Shown relative to where ward runs; an error in another file (the baseline) keeps its path.
            if let Some(shown) = shown.filter(|_| Some(&e.path) == path.as_ref()) {
                e.path = shown;
            }
            anyhow::Error::new(e)
        })
    }
}

/// Why a configuration path cannot be read as a file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFile {
    #[error("no such file")]
    Missing,
    #[error("it is a symbolic link to {0}, which does not exist")]
    Dangling(String),
    #[error("it is a symbolic link that loops (too many levels of links)")]
    Loop,
    #[error("it is a directory, not a file")]
    Directory,
    #[error("it is not a regular file (a FIFO, socket or device); ward reads its configuration only from a file")]
    Special,
    #[error("cannot look at it: {0}")]
    Unreadable(std::io::Error),
}

/// What is wrong with `path` as a configuration file, found with `stat` alone (never opened:
/// opening a FIFO would block).
pub fn config_file_problem(path: &Path) -> Option<ConfigFile> {
    let link = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(ConfigFile::Missing),
        Err(e) => return Some(ConfigFile::Unreadable(e)),
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => return Some(ConfigFile::Loop),
        Err(e) if link.file_type().is_symlink() && e.kind() == std::io::ErrorKind::NotFound => {
            let target = std::fs::read_link(path).map(|t| t.display().to_string()).unwrap_or_default();
            return Some(ConfigFile::Dangling(target));
        }
        Err(e) => return Some(ConfigFile::Unreadable(e)),
    };
    if meta.is_dir() {
        Some(ConfigFile::Directory)
    } else if !meta.is_file() {
        Some(ConfigFile::Special)
    } else {
        None
    }
}

/// Writes `--output [FORMAT=]FILE` reports, creating missing directories. A report that cannot
/// be written is reported and the others are still written: the check results must not be
/// lost to one bad path. Fails only when reports were asked for and none could be written.
pub fn write_outputs(outputs: &[String], default: crate::cli::Format, report: &crate::outcome::Report) -> Result<()> {
    let mut failures = Vec::new();
    for spec in outputs {
        let (format, path) = crate::report::parse_output(spec, default);
        let text = crate::report::render(format, report).unwrap_or_default();
        let written = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, text));
        if let Err(e) = written {
            failures.push(format!("cannot write the report to {}: {e}", path.display()));
        }
    }
    if !failures.is_empty() && failures.len() == outputs.len() {
        anyhow::bail!("{}", failures.join("\nerror: "));
    }
    let printer = Printer::new(crate::cli::ColorChoice::Auto, crate::printer::Stream::Stderr);
    for failure in failures {
        printer.line(&format!(
            "{} {failure} (the other reports were written)",
            crate::printer::Styles::paint(printer.styles.error, "error:")
        ));
    }
    Ok(())
}

/// The range a CI job checks: from its provider's variables, else the merge base with the
/// default branch.
pub fn ci_range(repo: &Repo) -> Result<(String, String, String)> {
    let env = |k: &str| std::env::var(k).ok();
    let read = |p: &Path| std::fs::read_to_string(p).ok();
    if let Some(base) = crate::ci::detect(&env, &read) {
        return Ok((base.base, base.head, format!("{}: {}", base.provider, base.explanation)));
    }
    let default = repo.default_branch()?.context(
        "--ci found no base: not a pull or merge request pipeline, and no origin/HEAD, origin/main or \
         origin/master; use --from-ref REF",
    )?;
    Ok((default.clone(), "HEAD".into(), format!("merge base with the default branch {default}")))
}
