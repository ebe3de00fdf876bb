//! One function per subcommand: each takes its parsed arguments and returns an exit status.

mod explain;
mod hook;
mod import;
mod init;
mod list;
mod merge;
mod restore;
mod run;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

pub use explain::explain;
pub use hook::{hook_impl, install, uninstall};
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
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let repo = Repo::discover(&cwd)?;
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
    pub fn config_path(&self, explicit: Option<&Path>) -> Option<PathBuf> {
        match explicit {
            Some(path) => Some(self.cwd.join(path)),
            None => Some(self.root.join(config::FILE_NAME)).filter(|p| p.is_file()),
        }
    }

    /// Loads the configuration; an invalid file is a user error shown with its location.
    pub fn load_config(&self, explicit: Option<&Path>, printer: &Printer) -> Result<Config> {
        let path = self.config_path(explicit);
        if path.is_none() {
            printer.line(&crate::printer::Styles::paint(
                printer.styles.subtle,
                "no checks.toml here: running ward's default checks (write one to choose your own)",
            ));
        }
        let shown = path.as_deref().map(|p| p.strip_prefix(&self.cwd).unwrap_or(p).to_path_buf());
        config::load(path.as_deref(), Some(&self.root)).map_err(|mut e| {
            if let Some(shown) = shown {
                e.path = shown;
            }
            anyhow::Error::new(e)
        })
    }
}

/// Writes `--output [FORMAT=]FILE` reports.
pub fn write_outputs(outputs: &[String], default: crate::cli::Format, report: &crate::outcome::Report) -> Result<()> {
    for spec in outputs {
        let (format, path) = crate::report::parse_output(spec, default);
        let text = crate::report::render(format, report).unwrap_or_default();
        std::fs::write(&path, text).with_context(|| format!("cannot write the report to {}", path.display()))?;
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
