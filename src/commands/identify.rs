//! `ward identify PATH...`: the tags a check's `types` filters see, as identify-cli prints them.

use anyhow::Result;

use crate::cli::IdentifyArgs;
use crate::exit::ExitStatus;
use crate::printer::{Printer, Stream};
use crate::select::identify::Tag;

pub fn identify(args: &IdentifyArgs) -> Result<ExitStatus> {
    let out = Printer::new(args.color, Stream::Stdout);
    let err = Printer::new(args.color, Stream::Stderr);
    let mut status = ExitStatus::Success;
    let mut all = serde_json::Map::new();
    for path in &args.paths {
        let tags = match crate::select::identify_path(path) {
            Ok(tags) => tags,
            Err(_) => {
                // identify's own words, and its exit code 1.
                err.line(&format!("{} does not exist.", shown(path)));
                status = ExitStatus::Failure;
                continue;
            }
        };
        let names: Vec<&str> = tags.iter().map(Tag::name).collect();
        let array = python_list(&names);
        if args.json {
            all.insert(path.to_string_lossy().into_owned(), names.into());
        } else if args.paths.len() == 1 {
            out.line(&array);
        } else {
            out.line(&format!("{}: {array}", shown(path)));
        }
    }
    if args.json {
        out.line(&serde_json::to_string_pretty(&all)?);
    }
    Ok(status)
}

/// `json.dumps` of a list of plain strings: `["file", "text"]`.
fn python_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| serde_json::Value::from(*n).to_string()).collect();
    format!("[{}]", quoted.join(", "))
}

/// The path as typed when it is plain text, else as a JSON string (control characters escaped).
fn shown(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    let plain = text.chars().all(|c| !c.is_control() && c != '"' && c != ':') && text.trim() == text;
    if plain {
        text.into_owned()
    } else {
        serde_json::Value::from(text.as_ref()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn formats() {
        assert_eq!(python_list(&["file", "text"]), r#"["file", "text"]"#);
        assert_eq!(shown(&PathBuf::from("src/a.php")), "src/a.php");
        assert_eq!(shown(&PathBuf::from("a\x1b[31m")), r#""a\u001b[31m""#);
    }
}
