//! check-case-conflict: paths that differ only by case collide on macOS and Windows.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;
use std::path::Path;

use super::engine::{CheckResult, Context};
use crate::outcome::Diagnostic;
use crate::select::{FileEntry, Selection};

const RULE: &str = "check-case-conflict";

pub(crate) fn run(ctx: &Context, files: &[&FileEntry]) -> Result<CheckResult, String> {
    let added: BTreeSet<String> = ctx.changes()?.iter().filter(|c| c.status == b'A').map(|c| text(&c.path)).collect();
    // A commit can only bring a collision in with a path it adds; one between files already
    // tracked is not its doing (and `ward run --all` reports it). So a commit that adds nothing
    // needs no listing of the index at all.
    let relevant: BTreeSet<String> = if *ctx.selection == Selection::Staged {
        added
    } else {
        files.iter().map(|f| f.path.clone()).chain(added).collect()
    };
    if relevant.is_empty() {
        return Ok(CheckResult::default());
    }
    let tracked = ctx.tracked()?.unwrap_or_default();
    // Borrowed where the path is UTF-8 (nearly always), so a large index costs no copies.
    let existing: Vec<std::borrow::Cow<str>> = tracked.iter().map(|e| e.path.to_string_lossy()).collect();
    let diagnostics = conflicts(&relevant, existing.iter().map(|p| p.as_ref()))
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
///
/// Only the relevant paths get a bucket: a commit of five files against a large repository then
/// costs one lowercasing and a few look-ups per existing path, not a map of them all.
fn conflicts<'e>(
    relevant: &BTreeSet<String>,
    existing: impl Iterator<Item = &'e str>,
) -> BTreeMap<String, Vec<String>> {
    let relevant: BTreeSet<&str> = relevant.iter().flat_map(|p| with_parents(p)).collect();
    let mut buckets: HashMap<String, BTreeSet<String>> = HashMap::default();
    for path in &relevant {
        buckets.entry(lowercase(path)).or_default().insert((*path).to_string());
    }
    let mut lower = String::new();
    for path in existing {
        lowercase_into(path, &mut lower);
        // ASCII lowercasing keeps byte offsets, so every parent is a prefix of the same buffer.
        let same_offsets = lower.len() == path.len();
        for end in path.match_indices('/').map(|(i, _)| i).chain(std::iter::once(path.len())) {
            let key = if same_offsets { &lower[..end] } else { &lowercase(&path[..end]) };
            if let Some(bucket) = buckets.get_mut(key) {
                if !bucket.contains(&path[..end]) {
                    bucket.insert(path[..end].to_string());
                }
            }
        }
    }
    let mut found = BTreeMap::new();
    for path in &relevant {
        let Some(bucket) = buckets.get(&lowercase(path)) else { continue };
        if bucket.len() > 1 {
            let others = bucket.iter().filter(|o| o.as_str() != *path).cloned().collect();
            found.insert(path.to_string(), others);
        }
    }
    found
}

fn lowercase(path: &str) -> String {
    let mut out = String::new();
    lowercase_into(path, &mut out);
    out
}

/// Lowercases into a reused buffer; ASCII paths, nearly all of them, skip Unicode case mapping.
fn lowercase_into(path: &str, out: &mut String) {
    out.clear();
    if path.is_ascii() {
        out.push_str(path);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&path.to_lowercase());
    }
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

    fn conflicts_of(relevant: &BTreeSet<String>, existing: &[String]) -> BTreeMap<String, Vec<String>> {
        conflicts(relevant, existing.iter().map(String::as_str))
    }

    #[test]
    fn new_file_against_existing_file() {
        let found = conflicts_of(&set(&["README.md"]), &owned(&["readme.md", "src/a.rs"]));
        assert_eq!(found.len(), 1);
        assert_eq!(found["README.md"], vec!["readme.md".to_string()]);
    }

    #[test]
    fn new_path_against_existing_directory() {
        let found = conflicts_of(&set(&["Docs/intro.md"]), &owned(&["docs/guide.md"]));
        assert_eq!(found.keys().collect::<Vec<_>>(), vec!["Docs"]);
        let found = conflicts_of(&set(&["docs"]), &owned(&["Docs/guide.md"]));
        assert_eq!(found["docs"], vec!["Docs".to_string()]);
    }

    #[test]
    fn new_files_against_each_other() {
        let found = conflicts_of(&set(&["a/File.txt", "a/file.txt"]), &[]);
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn old_conflicts_and_identical_paths_are_ignored() {
        assert!(conflicts_of(&set(&["x.rs"]), &owned(&["Old.txt", "old.txt", "x.rs"])).is_empty());
        assert!(conflicts_of(&set(&["src/lib.rs"]), &owned(&["src/lib.rs", "src/main.rs"])).is_empty());
    }

    #[test]
    fn unicode_case() {
        assert_eq!(conflicts_of(&set(&["ÄPFEL.txt"]), &owned(&["äpfel.txt"])).len(), 1);
    }
}
