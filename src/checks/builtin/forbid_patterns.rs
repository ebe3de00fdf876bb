//! forbid-patterns: debug calls and other patterns that must not be in what a change adds
//! (GrumPHP's `git_blacklist`); with `--all`, in any line.

use regex::Regex;

use super::engine::{CheckResult, Context};
use super::fileio::{self, Loaded};
use super::regexes::{self, quote};
use super::sink::Sink;
use super::OptionError;
use crate::select::identify::{Tag, TagSet};
use crate::select::{FileEntry, Selection};

const RULE: &str = "forbid-patterns";

/// One pattern given as a table: `{ regex = "...", types = ["javascript"] }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternSpec {
    pub regex: String,
    pub types: Option<Vec<String>>,
}

impl From<&str> for PatternSpec {
    fn from(regex: &str) -> Self {
        PatternSpec { regex: regex.to_string(), types: None }
    }
}

#[derive(Clone, Debug)]
pub struct Forbidden {
    pub regex: Regex,
    /// The file must have one of these types; empty: any text file.
    pub types: Vec<Tag>,
}

/// Validated options of `forbid-patterns`.
#[derive(Clone, Debug)]
pub struct ForbidOptions {
    pub patterns: Vec<Forbidden>,
    pub added_lines_only: bool,
}

/// Debug calls nobody means to commit, as GrumPHP teams blacklist them.
const PHP: &[&str] = &[
    r"\bvar_dump\s*\(",
    r"(?:^|[^\w$>:])dump\s*\(",
    r"(?:^|[^\w$>:])dd\s*\(",
    r"\bprint_r\s*\(",
    r"(?:^|[^\w$>:])die\s*\(",
    r"\bexit\s*;",
    r"\bxdebug_break\s*\(",
    r"\berror_log\s*\(",
    r"->dump\(\)",
];
const SCRIPT: &[&str] = &[r"\bconsole\.log\s*\(", r"\bdebugger\s*;"];

impl ForbidOptions {
    pub(crate) fn new(patterns: Option<&[PatternSpec]>, added_lines_only: Option<bool>) -> Result<Self, OptionError> {
        let patterns = match patterns {
            Some(specs) => specs.iter().map(forbidden).collect::<Result<_, _>>()?,
            None => defaults(),
        };
        Ok(ForbidOptions { patterns, added_lines_only: added_lines_only.unwrap_or(true) })
    }
}

fn defaults() -> Vec<Forbidden> {
    let build = |list: &[&str], types: &[Tag]| -> Vec<Forbidden> {
        list.iter().filter_map(|p| Regex::new(p).ok()).map(|regex| Forbidden { regex, types: types.to_vec() }).collect()
    };
    let mut all = build(PHP, &[Tag::PHP]);
    all.extend(build(SCRIPT, &[Tag::JAVASCRIPT, Tag::TS]));
    all
}

fn forbidden(spec: &PatternSpec) -> Result<Forbidden, OptionError> {
    let types = spec
        .types
        .iter()
        .flatten()
        .map(|name| {
            Tag::from_name(name)
                .ok_or_else(|| OptionError::new("patterns", format!("`patterns`: unknown file tag {}", quote(name))))
        })
        .collect::<Result<_, _>>()?;
    Ok(Forbidden { regex: regexes::one("patterns", &spec.regex)?, types })
}

impl Forbidden {
    fn applies(&self, types: TagSet) -> bool {
        types.contains(Tag::TEXT) && (self.types.is_empty() || self.types.iter().any(|t| types.contains(*t)))
    }
}

pub(crate) fn run(ctx: &Context, options: &ForbidOptions, files: &[&FileEntry]) -> Result<CheckResult, String> {
    let added = match ctx.selection {
        Selection::Staged if options.added_lines_only => Some(ctx.added_lines(None)?),
        Selection::Range { from, to } if options.added_lines_only => Some(ctx.added_lines(Some((from, to)))?),
        _ => None,
    };
    let mut diagnostics = Vec::new();
    for file in files {
        let applicable: Vec<&Forbidden> = options.patterns.iter().filter(|p| p.applies(file.types)).collect();
        if applicable.is_empty() {
            continue;
        }
        // At most a screenful per file: `--all` over an old codebase can find thousands.
        let mut sink = Sink::new(&file.path, RULE);
        let mut found = |line: u32, text: &str| {
            for pattern in &applicable {
                if let Some(m) = pattern.regex.find(text) {
                    let shown = text.trim();
                    let message = format!(
                        "{} matches the forbidden pattern {}: remove it before committing",
                        quote(shown),
                        quote(pattern.regex.as_str())
                    );
                    let column = text[..m.start()].chars().count() as u32 + 1;
                    sink.error(line, Some(column), message);
                    break;
                }
            }
        };
        match &added {
            Some(added) => {
                for (line, text) in added.get(&file.path).into_iter().flatten() {
                    found(*line, text);
                }
            }
            None => match fileio::load(ctx.root, &file.rel, file.size) {
                Ok(Loaded::Text(bytes)) => {
                    for (i, text) in String::from_utf8_lossy(&bytes).lines().enumerate() {
                        found(i as u32 + 1, text);
                    }
                }
                Ok(_) => {}
                Err(err) => sink.file_error(format!("could not read the file: {err}")),
            },
        }
        diagnostics.extend(sink.finish());
    }
    Ok(CheckResult { diagnostics, ..CheckResult::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(options: &ForbidOptions, types: &[Tag], line: &str) -> bool {
        let set: TagSet = types.iter().copied().chain([Tag::TEXT]).collect();
        options.patterns.iter().any(|p| p.applies(set) && p.regex.is_match(line))
    }

    #[test]
    fn default_debug_calls() {
        let o = ForbidOptions::new(None, None).unwrap();
        assert!(o.added_lines_only);
        let php = [Tag::PHP];
        for bad in [
            "var_dump($x);",
            "dump($a);",
            "  dd($a)",
            "print_r($x);",
            "die('x');",
            "exit;",
            "xdebug_break();",
            "error_log('x');",
            "$c->dump();",
            "\\dump($x);",
        ] {
            assert!(hits(&o, &php, bad), "{bad}");
        }
        for fine in
            ["$dumper->dump($x);", "Foo::dd($x);", "$this->dd(1);", "exit(1);", "$diedate = 1;", "console.log(x)"]
        {
            assert!(!hits(&o, &php, fine), "{fine}");
        }
        let js = [Tag::JAVASCRIPT];
        assert!(hits(&o, &js, "console.log(x)") && hits(&o, &js, "debugger;") && !hits(&o, &js, "var_dump($x)"));
        assert!(!hits(&o, &[Tag::YAML], "dump(x)"));
    }

    #[test]
    fn custom_patterns_and_types() {
        let specs = [
            PatternSpec { regex: r"\bTODO\b".into(), types: None },
            PatternSpec { regex: "alert\\(".into(), types: Some(vec!["javascript".into()]) },
        ];
        let o = ForbidOptions::new(Some(&specs), Some(false)).unwrap();
        assert!(!o.added_lines_only);
        assert!(hits(&o, &[Tag::YAML], "# TODO"));
        assert!(hits(&o, &[Tag::JAVASCRIPT], "alert(1)") && !hits(&o, &[Tag::PHP], "alert(1)"));
        let bad = [PatternSpec { regex: "x".into(), types: Some(vec!["cobol".into()]) }];
        assert_eq!(ForbidOptions::new(Some(&bad), None).unwrap_err().key, Some("patterns"));
        let bad = [PatternSpec { regex: "(".into(), types: None }];
        assert_eq!(ForbidOptions::new(Some(&bad), None).unwrap_err().key, Some("patterns"));
    }
}
