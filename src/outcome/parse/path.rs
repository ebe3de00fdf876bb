//! Turns the paths tools print into repository-relative, `/`-separated ones.

use std::path::{Component, Path, PathBuf};

/// Makes `path` relative to `root` when it lies inside it (absolute under the root, or relative
/// with `./` prefixes); a path outside the root is returned as printed.
pub fn relativize(path: &str, root: &Path) -> String {
    let printed = path.trim();
    if printed.is_empty() {
        return path.to_string();
    }
    let candidate = Path::new(printed);
    if !candidate.is_absolute() {
        return normalize(candidate).unwrap_or_else(|| printed.to_string());
    }
    let Some(absolute) = normalize(candidate) else {
        return printed.to_string();
    };
    if let Some(relative) = under(&absolute, root) {
        return relative;
    }
    // Tools often print realpaths (deptrac, phpcs) while the root may have been reached through a
    // symlink such as /tmp on macOS; only then is the filesystem consulted.
    if let Ok(real_root) = root.canonicalize() {
        if real_root != root {
            if let Some(relative) = under(&absolute, &real_root) {
                return relative;
            }
        }
    }
    printed.to_string()
}

fn under(absolute: &str, root: &Path) -> Option<String> {
    let root = normalize(root)?;
    let rest = Path::new(absolute).strip_prefix(Path::new(&root)).ok()?;
    let rest = rest.to_str()?;
    Some(if rest.is_empty() { ".".to_string() } else { rest.to_string() })
}

/// Lexically removes `.` and `..`; `None` when `..` would climb above the start of the path.
fn normalize(path: &Path) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let mut absolute = false;
    for component in path.components() {
        match component {
            Component::RootDir => absolute = true,
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::Prefix(_) => return None,
        }
    }
    let joined = parts.join("/");
    Some(match (absolute, joined.is_empty()) {
        (true, _) => PathBuf::from("/").join(&joined).to_str()?.to_string(),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/work/repo";

    fn rel(path: &str) -> String {
        relativize(path, Path::new(ROOT))
    }

    #[test]
    fn absolute_paths_under_the_root_become_relative() {
        assert_eq!(rel("/work/repo/src/A.php"), "src/A.php");
        assert_eq!(rel("/work/repo/./src/../src/A.php"), "src/A.php");
        assert_eq!(relativize("/work/repo/src/A.php", Path::new("/work/repo/")), "src/A.php");
    }

    #[test]
    fn dot_slash_prefixes_are_dropped() {
        assert_eq!(rel("./src/A.php"), "src/A.php");
        assert_eq!(rel("././src//A.php"), "src/A.php");
        assert_eq!(rel("src/A.php"), "src/A.php");
    }

    #[test]
    fn paths_outside_the_root_are_kept_as_printed() {
        assert_eq!(rel("/work/repository/src/A.php"), "/work/repository/src/A.php");
        assert_eq!(rel("/etc/passwd"), "/etc/passwd");
        assert_eq!(rel("../other/A.php"), "../other/A.php");
        assert_eq!(rel("/../../x"), "/../../x");
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert_eq!(rel(""), "");
        assert_eq!(rel("   "), "   ");
        assert_eq!(rel("/work/repo"), ".");
        assert_eq!(rel("."), ".");
    }

    #[test]
    fn a_symlinked_root_still_matches_realpaths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().canonicalize().expect("canonical tempdir");
        let link = real.join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let printed = format!("{}/src/A.php", real.display());
        assert_eq!(relativize(&printed, &link), "src/A.php");
    }
}
