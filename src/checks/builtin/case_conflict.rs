//! check-case-conflict: paths that differ only by case collide on macOS and Windows.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;
use std::path::Path;

use super::engine::{CheckResult, Context};
use crate::outcome::Diagnostic;
use crate::select::{FileEntry, Selection};

const RULE: &str = "check-case-conflict";
/// The colliding paths a finding names; the rest are counted.
const MAX_NAMED: usize = 5;

pub(crate) fn run(ctx: &Context, files: &[&FileEntry]) -> Result<CheckResult, String> {
    // Over every file, every path added is among them already: no need to ask git what is staged.
    let added: BTreeSet<String> = if *ctx.selection == Selection::All {
        BTreeSet::new()
    } else {
        ctx.changes()?.iter().filter(|c| c.status == b'A').map(|c| text(&c.path)).collect()
    };
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
            // Bounded: a tree of a thousand case variants must not make a million-name message.
            let mut named: Vec<String> = others.named.iter().map(|o| format!("`{o}`")).collect();
            if others.count > named.len() {
                named.push(format!("and {} more", others.count - named.len()));
            }
            let message = format!(
                "differs only by case from {}: on case-insensitive file systems (macOS, Windows) they are \
                 the same path; rename one",
                named.join(", ")
            );
            Diagnostic::error(path, message).with_rule(RULE)
        })
        .collect();
    Ok(CheckResult { diagnostics, ..CheckResult::default() })
}

fn text(path: impl AsRef<Path>) -> String {
    path.as_ref().to_string_lossy().into_owned()
}

/// For each relevant path (or directory) that collides with another path once lowercased, the
/// paths it collides with. Collisions among existing paths only are not this change's doing.
///
/// Names are grouped by a hash of their lowercase form, computed once along each path (every
/// directory's hash is a prefix of its file's), so a run over every file makes one pass without
/// a string per name; only a group of two names or more is compared for real. A commit of five
/// files against a large repository keeps only the existing names whose hash it shares.
fn conflicts<'a>(relevant: &'a BTreeSet<String>, existing: impl Iterator<Item = &'a str>) -> BTreeMap<String, Others> {
    let mut groups: HashMap<u64, Group<'a>> = HashMap::default();
    for path in relevant {
        each_prefix(path, |hash, name| groups.entry(hash).or_default().add(name, true));
    }
    for path in existing {
        each_prefix(path, |hash, name| {
            if let Some(group) = groups.get_mut(&hash) {
                group.add(name, false);
            }
        });
    }
    let mut found = BTreeMap::new();
    for group in groups.values_mut().filter(|g| g.names.len() > 1) {
        group.settle();
    }
    for group in groups.values().filter(|g| g.names.len() > 1) {
        let lower: Vec<String> = group.names.iter().map(|(name, _)| lowercase(name)).collect();
        for (i, (name, is_relevant)) in group.names.iter().enumerate() {
            if !is_relevant {
                continue;
            }
            // The group is sorted: the first few are named, every one is counted.
            let mut others = Others::default();
            for ((other, _), l) in group.names.iter().zip(&lower) {
                if other != name && *l == lower[i] {
                    if others.named.len() < MAX_NAMED {
                        others.named.push(other.to_string());
                    }
                    others.count += 1;
                }
            }
            if others.count > 0 {
                found.insert(name.to_string(), others);
            }
        }
    }
    found
}

/// The paths one path collides with: the first few by name, and how many in all.
#[derive(Debug, Default, PartialEq, Eq)]
struct Others {
    named: Vec<String>,
    count: usize,
}

/// The distinct names whose lowercase forms hash alike, each marked when it is relevant.
#[derive(Default)]
struct Group<'a> {
    names: Vec<(&'a str, bool)>,
}

impl<'a> Group<'a> {
    /// Paths come in sorted order, so a directory's repeats arrive one after another: only the
    /// last name is compared here, and [`Group::settle`] merges what is left (whatever a hostile
    /// tree of case variants makes the group's size).
    fn add(&mut self, name: &'a str, relevant: bool) {
        match self.names.last_mut() {
            Some((n, r)) if *n == name => *r |= relevant,
            _ => self.names.push((name, relevant)),
        }
    }

    fn settle(&mut self) {
        self.names.sort_unstable();
        self.names.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            kept.1 |= same && later.1;
            same
        });
    }
}

/// Calls `f` with the hash of the lowercase form of `path` and of every directory above it.
fn each_prefix<'a>(path: &'a str, mut f: impl FnMut(u64, &'a str)) {
    let step = |hash: u64, byte: u8| (hash.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x517c_c1b7_2722_0a95);
    let mut hash = 0u64;
    if !path.is_ascii() {
        // Unicode lowercasing may change lengths, so component by component (a component's
        // lowercase form does not depend on the others: `/` ends a word): linear in the path,
        // however many components a hostile path has.
        let mut end = 0;
        for (n, part) in path.split('/').enumerate() {
            if n > 0 {
                f(hash, &path[..end]);
                hash = step(hash, b'/');
                end += 1;
            }
            hash = lowercase(part).bytes().fold(hash, step);
            end += part.len();
        }
        f(hash, path);
        return;
    }
    for (i, byte) in path.bytes().enumerate() {
        if byte == b'/' {
            f(hash, &path[..i]);
        }
        hash = step(hash, byte.to_ascii_lowercase());
    }
    f(hash, path);
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
            .into_iter()
            .map(|(path, others)| {
                assert_eq!(others.count, others.named.len(), "{path}: a few others are all named");
                (path, others.named)
            })
            .collect()
    }

    #[test]
    fn a_thousand_case_variants_name_five_and_count_the_rest() {
        let variants: Vec<String> = (0..1000u32)
            .map(|i| (0..10).map(|b| if i & (1 << b) != 0 { 'A' } else { 'a' }).collect::<String>() + ".txt")
            .collect();
        let relevant: BTreeSet<String> = variants.iter().cloned().collect();
        let found = conflicts(&relevant, variants.iter().map(String::as_str));
        assert_eq!(found.len(), 1000);
        let first = &found["aaaaaaaaaa.txt"];
        assert_eq!((first.named.len(), first.count), (MAX_NAMED, 999));
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
    fn unicode_paths_hash_as_their_lowercase_prefixes() {
        for path in ["Ä/ΣΑΣ/x.TXT", "ä/σας/x.txt", "K/a", "k/A"] {
            let mut seen = Vec::new();
            each_prefix(path, |hash, name| seen.push((hash, name)));
            let step =
                |hash: u64, byte: u8| (hash.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x517c_c1b7_2722_0a95);
            let expected: Vec<(u64, &str)> = path
                .match_indices('/')
                .map(|(i, _)| &path[..i])
                .chain(std::iter::once(path))
                .map(|name| (lowercase(name).bytes().fold(0, step), name))
                .collect();
            assert_eq!(seen, expected, "{path}");
        }
        assert_eq!(conflicts_of(&set(&["Ä/ΣΑΣ/x.TXT"]), &owned(&["ä/σας/x.txt"])).len(), 3);
    }

    #[test]
    fn unicode_case() {
        assert_eq!(conflicts_of(&set(&["ÄPFEL.txt"]), &owned(&["äpfel.txt"])).len(), 1);
    }
}
