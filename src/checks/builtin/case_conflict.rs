//! check-case-conflict: paths that differ only by case collide on macOS and Windows.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::engine::{CheckResult, Context};
use crate::outcome::Diagnostic;
use crate::select::FileEntry;

const RULE: &str = "check-case-conflict";

pub(crate) fn run(ctx: &Context, files: &[&FileEntry]) -> Result<CheckResult, String> {
    let mut relevant: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
    relevant.extend(ctx.changes()?.iter().filter(|c| c.status == b'A').map(|c| text(&c.path)));
    let existing: Vec<String> = match ctx.tracked()? {
        Some(tracked) => tracked.iter().map(text).collect(),
        None => Vec::new(),
    };
    let diagnostics = conflicts(&relevant, &existing)
        .into_iter()
        .map(|(path, others)| {
            let others: Vec<String> = others.iter().map(|o| format!("`{o}`")).collect();
            let message = format!(
                "differs only by case from {}: on case-insensitive file systems (macOS, Windows) they are \
                 the same path; rename one",
                others.join(", ")
            );
            Diagnostic::error(path, message).with_rule(RULE)
        })
        .collect();
    Ok(CheckResult { diagnostics, ..CheckResult::default() })
}

fn text(path: impl AsRef<Path>) -> String {
    path.as_ref().to_string_lossy().into_owned()
}

/// `path` and every directory above it.
fn with_parents(path: &str) -> impl Iterator<Item = &str> {
    std::iter::once(path).chain(path.match_indices('/').map(move |(i, _)| &path[..i]))
}

/// For each relevant path (or directory) that collides with another path once lowercased, the
/// paths it collides with. Collisions among existing paths only are not this change's doing.
fn conflicts(relevant: &BTreeSet<String>, existing: &[String]) -> BTreeMap<String, Vec<String>> {
    let relevant: BTreeSet<&str> = relevant.iter().flat_map(|p| with_parents(p)).collect();
    let mut by_lower: HashMap<String, BTreeSet<&str>> = HashMap::new();
    for path in existing.iter().flat_map(|p| with_parents(p)).chain(relevant.iter().copied()) {
        by_lower.entry(path.to_lowercase()).or_default().insert(path);
    }
    let mut found = BTreeMap::new();
    for path in &relevant {
        let Some(group) = by_lower.get(&path.to_lowercase()) else { continue };
        if group.len() > 1 {
            let others = group.iter().filter(|o| *o != path).map(|o| o.to_string()).collect();
            found.insert(path.to_string(), others);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    fn owned(paths: &[&str]) -> Vec<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn new_file_against_existing_file() {
        let found = conflicts(&set(&["README.md"]), &owned(&["readme.md", "src/a.rs"]));
        assert_eq!(found.len(), 1);
        assert_eq!(found["README.md"], vec!["readme.md".to_string()]);
    }

    #[test]
    fn new_path_against_existing_directory() {
        let found = conflicts(&set(&["Docs/intro.md"]), &owned(&["docs/guide.md"]));
        assert_eq!(found.keys().collect::<Vec<_>>(), vec!["Docs"]);
        let found = conflicts(&set(&["docs"]), &owned(&["Docs/guide.md"]));
        assert_eq!(found["docs"], vec!["Docs".to_string()]);
    }

    #[test]
    fn new_files_against_each_other() {
        let found = conflicts(&set(&["a/File.txt", "a/file.txt"]), &[]);
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn old_conflicts_and_identical_paths_are_ignored() {
        assert!(conflicts(&set(&["x.rs"]), &owned(&["Old.txt", "old.txt", "x.rs"])).is_empty());
        assert!(conflicts(&set(&["src/lib.rs"]), &owned(&["src/lib.rs", "src/main.rs"])).is_empty());
    }

    #[test]
    fn unicode_case() {
        assert_eq!(conflicts(&set(&["ÄPFEL.txt"]), &owned(&["äpfel.txt"])).len(), 1);
    }
}
