//! `doctrine:schema:validate`: the mapping errors listed under each invalid entity class, found
//! in the class's file through composer.json's PSR-4 autoload; an out-of-sync database is one
//! finding about the project.

use std::path::Path;

use super::shared::{output_lines, project_diagnostic, project_file};
use crate::outcome::{Diagnostic, Severity};

pub(super) fn parse(stdout: &[u8], stderr: &[u8], root: &Path) -> Vec<Diagnostic> {
    let autoload = psr4(root);
    let mut out = Vec::new();
    let mut class: Option<String> = None;
    for line in output_lines(stdout, stderr) {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("[FAIL] The entity-class ") {
            class = rest.strip_suffix(" mapping is invalid:").map(|c| c.trim().to_string());
        } else if let (Some(message), Some(name)) = (trimmed.strip_prefix("* "), &class) {
            let mut d = project_diagnostic(Severity::Error, format!("{name}: {message}"));
            d.path = file_of(name, &autoload, root);
            d.rule = Some("doctrine.mapping".to_string());
            out.push(d);
        } else if trimmed.contains("The database schema is not in sync with the current mapping file") {
            let mut d = project_diagnostic(
                Severity::Error,
                "The database schema is not in sync with the current mapping file (doctrine:schema:update --dump-sql shows the difference)",
            );
            d.rule = Some("doctrine.sync".to_string());
            out.push(d);
        } else if trimmed.starts_with("Database") {
            class = None;
        }
    }
    out
}

/// `autoload.psr-4` of the project's composer.json: namespace prefix to directories.
fn psr4(root: &Path) -> Vec<(String, String)> {
    let Some(text) = project_file(root, "composer.json", 16 << 20) else { return Vec::new() };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { return Vec::new() };
    let Some(map) = json.pointer("/autoload/psr-4").and_then(|m| m.as_object()) else { return Vec::new() };
    let mut out = Vec::new();
    for (prefix, dirs) in map {
        let dirs: Vec<&str> = match dirs {
            serde_json::Value::String(d) => vec![d.as_str()],
            serde_json::Value::Array(list) => list.iter().filter_map(|d| d.as_str()).collect(),
            _ => Vec::new(),
        };
        out.extend(dirs.into_iter().map(|d| (prefix.clone(), d.to_string())));
    }
    out
}

fn file_of(class: &str, autoload: &[(String, String)], root: &Path) -> Option<String> {
    autoload.iter().find_map(|(prefix, dir)| {
        let rest = class.strip_prefix(prefix.as_str())?;
        if rest.split('\\').any(|part| part.is_empty() || part == "..") {
            return None;
        }
        let dir = dir.trim_end_matches('/');
        let rel = if dir.is_empty() || dir == "." {
            format!("{}.php", rest.replace('\\', "/"))
        } else {
            format!("{dir}/{}.php", rest.replace('\\', "/"))
        };
        let meta = crate::worktree_fs::lstat(root, Path::new(&rel)).ok()?;
        (meta.kind == crate::worktree_fs::Kind::File).then_some(rel)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_errors_land_in_the_entity_file() {
        let dir = std::env::temp_dir().join(format!("ward-doctrine-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src/Entity")).expect("dir");
        std::fs::write(dir.join("composer.json"), r#"{"autoload":{"psr-4":{"App\\":"src/"}}}"#).expect("write");
        std::fs::write(dir.join("src/Entity/Post.php"), "<?php\n").expect("write");
        let text = b"\nMapping\n-------\n\n [FAIL] The entity-class App\\Entity\\Post mapping is invalid:\n * The association App\\Entity\\Post#comments refers to the owning side field App\\Entity\\Comment#post which does not exist.\n\n\nDatabase\n--------\n\n [SKIPPED] The database was not checked for synchronicity.\n";
        let found = parse(text, b"", &dir);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("src/Entity/Post.php"));
        assert!(found[0].message.starts_with("App\\Entity\\Post: The association"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
