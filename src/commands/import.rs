//! `ward import`: read another hook runner's configuration, write checks.toml, say what became
//! of each hook.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use crate::cli::ImportArgs;
use crate::config;
use crate::exit::ExitStatus;
use crate::import::{self, writer};
use crate::printer::{Printer, Stream};

use super::Workspace;

pub fn import(args: &ImportArgs) -> Result<ExitStatus> {
    let ws = Workspace::discover()?;
    let root = &ws.root;
    let to_stdout = args.output.as_deref() == Some(Path::new("-"));
    let printer = Printer::new(args.color, if to_stdout { Stream::Stderr } else { Stream::Stdout });
    let (source, others) = match &args.path {
        Some(path) => (ws.cwd.join(path), Vec::new()),
        None => {
            let mut found = import::find_sources(root);
            if found.is_empty() {
                bail!(
                    "found no configuration to import at {}; looked for {} (give its path: `ward import PATH`)",
                    root.display(),
                    import::SOURCES.join(", ")
                );
            }
            let first = found.remove(0);
            (first, found)
        }
    };
    let shown = shown(&source, root, &ws.cwd);
    let mut imported = import::import(&source, root, &shown)?;
    for other in &others {
        let name = shown_name(other, root);
        imported.next.push(format!(
            "ward import {name} --output checks-{}.toml (also found)",
            name.trim_start_matches('.').split('.').next().unwrap_or("other")
        ));
    }
    let text = writer::render_toml(&imported);
    let target: Option<PathBuf> = match &args.output {
        Some(_) if to_stdout => None,
        Some(p) => Some(ws.cwd.join(p)),
        None => Some(root.join(config::FILE_NAME)),
    };
    let target_shown = target.as_ref().map_or_else(|| "standard output".to_string(), |t| shown_name(t, &ws.cwd));
    // What the importer writes must load; say so when it does not (a key this ward lacks).
    let problem = config::parse(&text, Some(Path::new(&target_shown)), Some(root)).err();
    match &target {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).context("cannot write to standard output")?;
        }
        Some(path) => write_new(path, &text, args.force)?,
    }
    let mut summary = writer::render_summary(&imported, &target_shown, &printer.styles);
    if let Some(e) = problem {
        let label = crate::printer::Styles::paint(printer.styles.warning, "warning:");
        summary.push_str(&format!("\n{label} this ward does not accept the written file yet:\n{e}\n"));
    }
    printer.write(&summary);
    Ok(ExitStatus::Success)
}

/// Writes `text` to `path` only if nothing is there (or `force`), by renaming a temporary file
/// into place, so a symlink at `path` is replaced rather than written through.
fn write_new(path: &Path, text: &str, force: bool) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() && !force {
        bail!("{} already exists; `ward import --force` replaces it, `--output FILE` writes elsewhere", path.display());
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "checks.toml".into());
    let tmp = dir.join(format!(".{name}.ward-import-{}", std::process::id()));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
    })
}

fn shown_name(path: &Path, base: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).to_string_lossy().into_owned()
}

/// The source as the user sees it: relative to the repository root when inside it.
fn shown(path: &Path, root: &Path, cwd: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => shown_name(path, cwd),
    }
}
