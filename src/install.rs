//! Git hook scripts: install, uninstall, and the chaining of a hook that was there before.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use crate::cli::HookType;
use crate::repo::Repo;

/// Marks a hook script as ours, so that uninstall and reinstall never touch anyone else's.
pub const MARKER: &str = "# ward-managed-hook";

/// What an install or uninstall did, one line per hook, for the user.
pub type Actions = Vec<String>;

/// The hook script: finds `ward` at the path recorded at install time (GUI git clients run
/// hooks with a minimal PATH), else on PATH, and hands over to `ward hook-impl`.
pub fn script(hook: HookType, ward: &Path) -> String {
    let ward = shell_quote(&ward.to_string_lossy());
    format!(
        r#"#!/bin/sh
{MARKER} (written by `ward install`; `ward uninstall` removes it)
WARD={ward}
if [ ! -x "$WARD" ]; then
    WARD=$(command -v ward 2>/dev/null) || {{
        echo "ward: not found at {ward} nor on PATH; reinstall ward, or bypass once with 'git commit --no-verify'" >&2
        exit 1
    }}
fi
WARD_HOOK_PATH="$0" exec "$WARD" hook-impl {hook} "$@"
"#,
        hook = hook.name()
    )
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn is_ours(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|text| text.contains(MARKER))
}

pub fn legacy_path(hook_path: &Path) -> PathBuf {
    let mut name = hook_path.as_os_str().to_owned();
    name.push(".legacy");
    PathBuf::from(name)
}

/// Writes each hook; a foreign hook is kept as `<hook>.legacy` (and run first) only with `force`.
pub fn install(repo: &Repo, hooks: &[HookType], force: bool, ward: &Path) -> Result<Actions> {
    let dir = repo.hooks_dir()?;
    fs::create_dir_all(&dir).with_context(|| format!("cannot create the hooks directory {}", dir.display()))?;
    let mut actions = Vec::new();
    for &hook in hooks {
        let path = dir.join(hook.name());
        let legacy = legacy_path(&path);
        let exists = fs::symlink_metadata(&path).is_ok();
        if exists && !is_ours(&path) {
            if !force {
                bail!(
                    "{} already exists and was not written by ward.\n\
                     Re-run with --force to keep it as {} and run it before ward's checks.",
                    path.display(),
                    legacy.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                );
            }
            if fs::symlink_metadata(&legacy).is_ok() {
                bail!("{} and {} both exist; move one of them away first", path.display(), legacy.display());
            }
            fs::rename(&path, &legacy).with_context(|| format!("cannot move {} aside", path.display()))?;
            actions.push(format!(
                "kept the existing {} hook as {}; it runs before ward",
                hook.name(),
                legacy.display()
            ));
        }
        write_executable(&path, &script(hook, ward))?;
        actions.push(format!("installed the {} hook at {}", hook.name(), path.display()));
    }
    Ok(actions)
}

/// Removes only hooks ward wrote, and puts back a hook it had set aside.
pub fn uninstall(repo: &Repo, hooks: &[HookType]) -> Result<Actions> {
    let dir = repo.hooks_dir()?;
    let mut actions = Vec::new();
    for &hook in hooks {
        let path = dir.join(hook.name());
        let legacy = legacy_path(&path);
        if fs::symlink_metadata(&path).is_err() {
            continue;
        }
        if !is_ours(&path) {
            actions.push(format!("left {} alone: ward did not write it", path.display()));
            continue;
        }
        fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        actions.push(format!("removed the {} hook", hook.name()));
        if fs::symlink_metadata(&legacy).is_ok() {
            fs::rename(&legacy, &path).with_context(|| format!("cannot restore {}", legacy.display()))?;
            actions.push(format!("restored the previous {} hook", hook.name()));
        }
    }
    Ok(actions)
}

fn write_executable(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("ward-tmp");
    fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The set-aside hook to run before ward, if there is one; `script` is the running hook's path
/// when its script passed it (else git is asked for the hooks directory).
pub fn legacy_hook(repo: &Repo, hook: HookType, script: Option<&Path>) -> Result<Option<PathBuf>> {
    let script = match script {
        Some(path) if path.file_name().is_some_and(|n| n == hook.name()) => path.to_path_buf(),
        _ => repo.hooks_dir()?.join(hook.name()),
    };
    let legacy = legacy_path(&script);
    Ok(fs::metadata(&legacy).is_ok_and(|m| m.permissions().mode() & 0o111 != 0).then_some(legacy))
}
