//! `ward cache info` and `ward cache clean`: the result cache seen and emptied by hand.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::cli::{CacheCommand, CacheDirArgs};
use crate::exit::ExitStatus;
use crate::printer::thousands;
use crate::repo::Repo;

/// The cache directory of a run: `--cache-dir`/`WARD_CACHE_DIR`, else `ward/cache` in the git
/// directory all worktrees share; `None` outside git without one given.
pub fn cache_dir(explicit: Option<&Path>, cwd: &Path, repo: Option<&Repo>) -> Option<PathBuf> {
    match explicit {
        Some(dir) => Some(cwd.join(dir)),
        None => repo.map(|r| r.common_dir.join("ward").join("cache")),
    }
}

pub fn cache(command: &CacheCommand) -> Result<ExitStatus> {
    let (CacheCommand::Info(args) | CacheCommand::Clean(args)) = command;
    let dir = locate(args)?;
    match command {
        CacheCommand::Info(_) => {
            let info = crate::cache::info(&dir);
            println!("cache: {}", dir.display());
            println!(
                "entries: {} in {} file{}, {}",
                thousands(info.entries as u64),
                info.segments,
                if info.segments == 1 { "" } else { "s" },
                megabytes(info.bytes)
            );
            match info.last {
                Some(last) if last.hits + last.misses > 0 => {
                    let total = last.hits + last.misses;
                    println!(
                        "last run: {} of {} results from the cache ({:.0}%), {} new",
                        thousands(last.hits),
                        thousands(total),
                        last.hits as f64 * 100.0 / total as f64,
                        thousands(last.stored)
                    );
                }
                _ => println!("last run: none recorded"),
            }
        }
        CacheCommand::Clean(_) => {
            let removed = crate::cache::clean(&dir).with_context(|| format!("cannot empty {}", dir.display()))?;
            println!("removed {removed} cache file{} from {}", if removed == 1 { "" } else { "s" }, dir.display());
        }
    }
    Ok(ExitStatus::Success)
}

fn locate(args: &CacheDirArgs) -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let repo = Repo::discover(&cwd)?;
    cache_dir(args.cache_dir.as_deref(), &cwd, repo.as_ref())
        .context("not inside a git repository: give the cache directory with --cache-dir DIR")
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}
