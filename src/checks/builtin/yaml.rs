//! check-yaml: the file parses as YAML with no duplicate keys; unless `unsafe`, standard tags only.

// Keys and paths are hashed by the million on a large run; FxHash is several times
// faster than SipHash there, and collision attacks on a linter's own maps do not apply.
use rustc_hash::FxHashMap as HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::Marker;

use yaml_rust2::scanner::TScalarStyle;

use super::bom;
use super::lines::{position, to_u32};
use super::sink::Sink;
use super::yaml_rules;

/// Validated options of `check-yaml`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct YamlOptions {
    pub allow_multiple_documents: bool,
    /// Accept any tag (`!php/const`, `!tagged_iterator`...): only the syntax is checked, as
    /// pre-commit-hooks does with `--unsafe`. Implies several documents are allowed.
    pub unsafe_tags: bool,
}

impl YamlOptions {
    pub(crate) fn new(allow_multiple_documents: Option<bool>, unsafe_tags: Option<bool>) -> Self {
        let unsafe_tags = unsafe_tags.unwrap_or(false);
        YamlOptions { allow_multiple_documents: allow_multiple_documents.unwrap_or(false) || unsafe_tags, unsafe_tags }
    }
}

/// The tags of the YAML 1.1 types a safe loader constructs.
const SAFE_TAGS: &[&str] = &[
    "str",
    "int",
    "float",
    "bool",
    "null",
    "map",
    "seq",
    "omap",
    "pairs",
    "set",
    "binary",
    "timestamp",
    "merge",
    "value",
];
const CORE_PREFIX: &str = "tag:yaml.org,2002:";

enum Frame {
    /// `keys`: scalar key -> line it was first seen on.
    Mapping {
        keys: HashMap<String, u32>,
        expect_key: bool,
    },
    Sequence,
}

pub(crate) fn check(options: &YamlOptions, buf: &[u8], sink: &mut Sink) {
    let Some((text, skipped)) = bom::utf8_text(buf, sink, "YAML") else { return };
    let at = |offset: usize| position(buf, skipped + offset);
    if let Some((offset, c)) = yaml_rules::non_printable(text) {
        let (line, column) = at(offset);
        sink.error(
            line,
            Some(column),
            format!("invalid YAML: unacceptable character U+{:04X}: special characters are not allowed", c as u32),
        );
        return;
    }
    if let Some((offset, version)) = yaml_rules::bad_version(text) {
        let (line, column) = at(offset);
        sink.error(line, Some(column), format!("invalid YAML: `%YAML {version}`: only YAML 1.1 and 1.2 are read"));
        return;
    }
    if let Some(offset) = yaml_rules::stray_tab(text) {
        let (line, column) = at(offset);
        let message = "invalid YAML: a tab character here cannot start any token (indent and separate with spaces)";
        sink.error(line, Some(column), message);
        return;
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut documents = 0;
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(err) => {
                let mark = err.marker();
                sink.error(to_u32(mark.line()), Some(to_u32(mark.col() + 1)), format!("invalid YAML: {}", err.info()));
                return;
            }
        };
        match event {
            Event::StreamEnd => return,
            Event::DocumentStart => {
                documents += 1;
                if documents == 2 && !options.allow_multiple_documents {
                    let message = "expected a single document, found another: set `allow_multiple_documents = true` \
                                   if this file is a stream of documents";
                    sink.error(line(mark), None, message);
                }
            }
            Event::Scalar(value, style, _, tag) => {
                check_tag(options, tag.as_ref(), mark, sink);
                let identity = if value == "<<" && style == TScalarStyle::Plain {
                    None
                } else {
                    yaml_rules::key_identity(&value, style, tag.as_ref())
                };
                node(&mut stack, identity.as_deref().map(|id| (id, value.as_str())), mark, sink);
            }
            Event::Alias(_) => node(&mut stack, None, mark, sink),
            Event::MappingStart(_, tag) => {
                check_tag(options, tag.as_ref(), mark, sink);
                node(&mut stack, None, mark, sink);
                stack.push(Frame::Mapping { keys: HashMap::default(), expect_key: true });
            }
            Event::SequenceStart(_, tag) => {
                check_tag(options, tag.as_ref(), mark, sink);
                node(&mut stack, None, mark, sink);
                stack.push(Frame::Sequence);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
        }
    }
}

fn line(mark: Marker) -> u32 {
    to_u32(mark.line().max(1))
}

/// A node starts: in a mapping it is alternately a key and a value; scalar keys are remembered
/// by what they resolve to, with the text they were written as.
fn node(stack: &mut [Frame], scalar: Option<(&str, &str)>, mark: Marker, sink: &mut Sink) {
    let Some(Frame::Mapping { keys, expect_key }) = stack.last_mut() else { return };
    let is_key = *expect_key;
    *expect_key = !is_key;
    // Merge keys (`<<`) legitimately repeat; complex and alias keys are left alone.
    let Some((identity, key)) = scalar.filter(|_| is_key) else { return };
    match keys.get(identity) {
        Some(first) => {
            let message = format!("duplicate key `{key}` (first defined at line {first})");
            sink.error(line(mark), Some(to_u32(mark.col() + 1)), message);
        }
        None => {
            keys.insert(identity.to_string(), line(mark));
        }
    }
}

fn check_tag(options: &YamlOptions, tag: Option<&Tag>, mark: Marker, sink: &mut Sink) {
    let Some(tag) = tag else { return };
    if options.unsafe_tags || is_safe(tag) {
        return;
    }
    let message = format!(
        "unknown tag `{}`: a safe YAML load rejects custom tags; if this file is meant for a loader that \
         knows them (Symfony's `!php/const`, `!tagged_iterator`...), set `unsafe = true` to check syntax only",
        show(tag)
    );
    sink.error(line(mark), Some(to_u32(mark.col() + 1)), message);
}

fn is_safe(tag: &Tag) -> bool {
    // A lone `!` is the non-specific tag: it only forces a string.
    (tag.handle.is_empty() && tag.suffix == "!")
        || (tag.handle == CORE_PREFIX && SAFE_TAGS.contains(&tag.suffix.as_str()))
}

fn show(tag: &Tag) -> String {
    match tag.handle.as_str() {
        CORE_PREFIX => format!("!!{}", tag.suffix),
        "!" => format!("!{}", tag.suffix),
        handle => format!("!<{handle}{}>", tag.suffix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYMFONY: &str = "\
parameters:
    locale: en
    max: !php/const App\\Entity\\User::MAX
services:
    _defaults:
        autowire: true
    App\\Handler\\Chain:
        arguments:
            - !tagged_iterator app.handler
            - !service { class: Foo }
";

    fn report(options: YamlOptions, text: &[u8]) -> Vec<(u32, String)> {
        let mut sink = Sink::new("f.yaml", "check-yaml");
        check(&options, text, &mut sink);
        sink.finish().into_iter().map(|d| (d.line.unwrap_or(0), d.message)).collect()
    }

    fn safe() -> YamlOptions {
        YamlOptions::new(None, None)
    }

    fn unsafe_() -> YamlOptions {
        YamlOptions::new(None, Some(true))
    }

    #[test]
    fn valid_yaml_passes() {
        assert!(report(safe(), b"a: 1\nb:\n  - x\n  - {c: d}\n").is_empty());
        assert!(report(safe(), b"").is_empty());
        assert!(report(safe(), b"\xef\xbb\xbfa: 1\r\nb: 2\r\n").is_empty());
        assert!(report(safe(), b"a: !!str 1\nb: ! 2\nc: !!binary aGk=\n").is_empty());
        assert!(report(safe(), b"base: &b {x: 1}\nd:\n  <<: *b\n  <<: *b\n").is_empty());
    }

    #[test]
    fn symfony_tags_fail_safe_mode_with_advice_and_pass_unsafe() {
        let found = report(safe(), SYMFONY.as_bytes());
        let lines: Vec<u32> = found.iter().map(|f| f.0).collect();
        assert_eq!(lines, vec![3, 9, 10]);
        assert!(found[0].1.starts_with("unknown tag `!php/const`"), "{}", found[0].1);
        assert!(found[1].1.starts_with("unknown tag `!tagged_iterator`"));
        assert!(found[0].1.contains("`unsafe = true`"));
        assert!(report(unsafe_(), SYMFONY.as_bytes()).is_empty());
    }

    #[test]
    fn unsafe_still_checks_syntax_and_duplicates() {
        assert!(report(unsafe_(), b"a: [1, 2\n")[0].1.starts_with("invalid YAML"));
        let found = report(unsafe_(), b"services:\n  x: !php/const A\n  x: 2\n");
        assert_eq!(found, vec![(3, "duplicate key `x` (first defined at line 2)".to_string())]);
    }

    #[test]
    fn duplicate_keys_per_mapping() {
        let text = b"a: 1\nb:\n  a: 2\n  c: 3\n  c: 4\na: 5\nlist:\n  - a: 1\n  - a: 2\n";
        let found = report(safe(), text);
        let lines: Vec<u32> = found.iter().map(|f| f.0).collect();
        assert_eq!(lines, vec![5, 6]);
        assert_eq!(found[1].1, "duplicate key `a` (first defined at line 1)");
        assert!(report(safe(), b"? [a, b]\n: 1\n? [a, b]\n: 2\nk: [x, x]\n").is_empty());
    }

    #[test]
    fn columns_are_one_based() {
        let mut sink = Sink::new("f.yaml", "check-yaml");
        check(&safe(), b"a: 1\n  \nb:\n  k: 1\n  k: 2\n", &mut sink);
        let found = sink.finish();
        assert_eq!((found[0].line, found[0].column), (Some(5), Some(3)));
    }

    #[test]
    fn multiple_documents() {
        let text = b"a: 1\n---\nb: 2\n";
        assert_eq!(report(safe(), text).len(), 1);
        assert_eq!(report(safe(), text)[0].0, 2);
        assert!(report(YamlOptions::new(Some(true), None), text).is_empty());
        assert!(report(unsafe_(), text).is_empty());
        assert!(report(safe(), b"---\na: 1\n...\n").is_empty());
    }

    #[test]
    fn errors_and_odd_bytes() {
        let found = report(safe(), b"a: 1\n b: 2\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].1.starts_with("invalid YAML:"));
        assert!(report(safe(), b"key: \"unterminated\n")[0].1.starts_with("invalid YAML"));
        assert_eq!(report(safe(), b"a: 1\nb: \xff\n")[0].0, 2);
        assert!(report(safe(), b"a: 1\rb: 2\r").is_empty());
        let long = format!("k: {}\n", "v".repeat(1 << 20));
        assert!(report(safe(), long.as_bytes()).is_empty());
    }
}
