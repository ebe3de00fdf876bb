//! YAML and JSON read into one small tree that keeps the line of every value.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Anchors and aliases can multiply a small file into a huge tree; past this many values the
/// file is refused rather than expanded.
const MAX_NODES: usize = 200_000;
/// Nesting deeper than any real configuration, refused before it can exhaust the stack.
const MAX_DEPTH: usize = 200;

/// A value with the 1-based line and column where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: usize,
    pub col: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    /// A scalar; `plain` when it was unquoted (so `true`, `no`, `5` may be read as such).
    Str {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A file that could not be parsed, with the place it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl Node {
    fn new(value: Value, line: usize, col: usize) -> Node {
        Node { value, line, col }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries().iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    /// The entry of `key` (its key node carries the line people look for).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries().iter().find(|(k, _)| k.as_str() == Some(key)).map(|(k, v)| (k, v))
    }

    /// A mapping's entries; empty for anything else.
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A sequence's items; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// A scalar's text.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A boolean as YAML 1.1 (what PyYAML and Symfony read) and JSON write it.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Str { text, plain: true } => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "y" => Some(true),
                "false" | "no" | "off" | "n" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match &self.value {
            Value::Str { text, plain: true } => text.parse().ok(),
            _ => None,
        }
    }

    /// A string, or a list of strings (many keys take either).
    pub fn str_list(&self) -> Option<Vec<String>> {
        match &self.value {
            Value::Str { text, .. } => Some(vec![text.clone()]),
            Value::Seq(items) => items.iter().map(|i| i.as_str().map(String::from)).collect(),
            Value::Null => Some(Vec::new()),
            Value::Map(_) => None,
        }
    }

    /// What the value is, for messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "nothing",
            Value::Str { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// Counts the values in the tree (to bound the work done on it).
    fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|(k, v)| k.size() + v.size()).sum(),
            _ => 0,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// YAML

enum Frame {
    Seq { items: Vec<Node>, anchor: usize, at: Marker },
    Map { entries: Vec<(Node, Node)>, key: Option<Node>, anchor: usize, at: Marker },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    done: Option<Node>,
    documents: usize,
    nodes: usize,
    error: Option<ParseError>,
}

fn pos(mark: Marker) -> (usize, usize) {
    (mark.line().max(1), mark.col() + 1)
}

impl Builder {
    fn fail(&mut self, mark: Marker, message: impl Into<String>) {
        if self.error.is_none() {
            let (line, col) = pos(mark);
            self.error = Some(ParseError { line, col, message: message.into() });
        }
    }

    /// `weight`: the values this push adds (an alias adds a copy of everything it names).
    fn push(&mut self, node: Node, anchor: usize, mark: Marker, weight: usize) {
        self.nodes += weight;
        if self.nodes > MAX_NODES {
            self.fail(mark, format!("more than {MAX_NODES} values (anchors and aliases expand too far)"));
            return;
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.documents == 1 && self.done.is_none() {
                    self.done = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
}

/// `<<: *defaults` merges the entries of another mapping that this one does not set itself.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, _)| k.as_str() == Some("<<")) {
        return entries;
    }
    let mut own: Vec<(Node, Node)> = Vec::new();
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (k, v) in entries {
        if k.as_str() == Some("<<") {
            let sources: Vec<Node> = if v.is_seq() { v.items().to_vec() } else { vec![v] };
            for source in sources {
                merged.extend(source.entries().iter().cloned());
            }
        } else {
            own.push((k, v));
        }
    }
    for (k, v) in merged {
        if !own.iter().any(|(o, _)| o.as_str() == k.as_str()) {
            own.push((k, v));
        }
    }
    own
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let (line, col) = pos(mark);
        match event {
            Event::DocumentStart => self.documents += 1,
            Event::Scalar(text, style, anchor, _) => {
                let plain = style == TScalarStyle::Plain;
                let value = if plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                    Value::Null
                } else {
                    Value::Str { text, plain }
                };
                self.push(Node::new(value, line, col), anchor, mark, 1);
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(mut node) => {
                    node.line = line;
                    node.col = col;
                    let weight = node.size();
                    self.push(node, 0, mark, weight);
                }
                None => self.fail(mark, "an alias to an unknown anchor"),
            },
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_DEPTH => {
                self.fail(mark, format!("nested more than {MAX_DEPTH} levels deep"));
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq { items: Vec::new(), anchor, at: mark }),
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map { entries: Vec::new(), key: None, anchor, at: mark })
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq { items, anchor, at }) => {
                    let (line, col) = pos(at);
                    self.push(Node::new(Value::Seq(items), line, col), anchor, at, 1);
                }
                Some(Frame::Map { entries, anchor, at, .. }) => {
                    // A block mapping starts where its first key does (the parser's mark is later).
                    let (line, col) = entries.first().map_or_else(|| pos(at), |(k, _)| (k.line, k.col));
                    self.push(Node::new(Value::Map(merge_keys(entries)), line, col), anchor, at, 1);
                }
                None => self.fail(mark, "unbalanced end of a collection"),
            },
            _ => {}
        }
    }
}

/// Parses the first YAML document of `text`; an empty file is `Null`.
pub fn yaml(text: &str) -> Result<Node, ParseError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        let (line, col) = pos(*e.marker());
        return Err(ParseError { line, col, message: format!("invalid YAML: {}", e.info()) });
    }
    if let Some(error) = builder.error {
        return Err(error);
    }
    Ok(builder.done.unwrap_or(Node::new(Value::Null, 1, 1)))
}

// ---------------------------------------------------------------------------------------------
// JSON (serde_json keeps no positions, and every message about a hook wants its line)

struct Json<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    nodes: usize,
}

/// Parses a JSON document.
pub fn json(text: &str) -> Result<Node, ParseError> {
    let mut p = Json { text, bytes: text.as_bytes(), at: 0, nodes: 0 };
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.at < p.bytes.len() {
        return Err(p.error("unexpected text after the end of the document"));
    }
    Ok(node)
}

impl Json<'_> {
    fn position(&self, at: usize) -> (usize, usize) {
        let before = &self.text[..at.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        let (line, col) = self.position(self.at);
        ParseError { line, col, message: format!("invalid JSON: {}", message.into()) }
    }

    fn skip_ws(&mut self) {
        while self.at < self.bytes.len() && matches!(self.bytes[self.at], b' ' | b'\t' | b'\n' | b'\r') {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} levels deep")));
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(self.error(format!("more than {MAX_NODES} values")));
        }
        let start = self.at;
        let (line, col) = self.position(start);
        let value = match self.peek() {
            Some(b'{') => {
                self.at += 1;
                let mut entries = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                } else {
                    loop {
                        self.skip_ws();
                        if self.peek() != Some(b'"') {
                            return Err(self.error("expected a key in double quotes"));
                        }
                        let key = self.value(depth + 1)?;
                        self.skip_ws();
                        if self.peek() != Some(b':') {
                            return Err(self.error("expected `:` after the key"));
                        }
                        self.at += 1;
                        self.skip_ws();
                        let value = self.value(depth + 1)?;
                        entries.push((key, value));
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.at += 1,
                            Some(b'}') => {
                                self.at += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `}`")),
                        }
                    }
                }
                Value::Map(entries)
            }
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.at += 1;
                } else {
                    loop {
                        self.skip_ws();
                        items.push(self.value(depth + 1)?);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.at += 1,
                            Some(b']') => {
                                self.at += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `]`")),
                        }
                    }
                }
                Value::Seq(items)
            }
            Some(b'"') => Value::Str { text: self.string()?, plain: false },
            Some(_) => {
                while self.at < self.bytes.len()
                    && !matches!(self.bytes[self.at], b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r' | b':')
                {
                    self.at += 1;
                }
                let word = &self.text[start..self.at];
                match word {
                    "null" => Value::Null,
                    "true" | "false" => Value::Str { text: word.to_string(), plain: true },
                    _ if !word.is_empty() && word.parse::<f64>().is_ok() && !word.starts_with('+') => {
                        Value::Str { text: word.to_string(), plain: true }
                    }
                    _ => {
                        self.at = start;
                        return Err(self.error("expected a value"));
                    }
                }
            }
            None => return Err(self.error("unexpected end of the file")),
        };
        Ok(Node::new(value, line, col))
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let Some(i) = rest.find(['"', '\\']) else {
                return Err(self.error("unterminated string"));
            };
            if rest[..i].chars().any(|c| c.is_control()) {
                return Err(self.error("a control character inside a string"));
            }
            out.push_str(&rest[..i]);
            self.at += i;
            if self.bytes[self.at] == b'"' {
                self.at += 1;
                return Ok(out);
            }
            self.at += 1;
            let escaped = self.peek().ok_or_else(|| self.error("unterminated string"))?;
            self.at += 1;
            match escaped {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let first = self.hex4()?;
                    let c = if (0xD800..0xDC00).contains(&first) && self.text[self.at..].starts_with("\\u") {
                        self.at += 2;
                        let second = self.hex4()?;
                        char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second.wrapping_sub(0xDC00) & 0x3FF))
                    } else {
                        char::from_u32(first)
                    };
                    out.push(c.unwrap_or('\u{fffd}'));
                }
                _ => {
                    self.at -= 1;
                    return Err(self.error("an unknown escape in a string"));
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self.text.get(self.at..self.at + 4).ok_or_else(|| self.error("a short \\u escape"))?;
        let value = u32::from_str_radix(digits, 16).map_err(|_| self.error("a bad \\u escape"))?;
        self.at += 4;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keeps_lines_and_reads_yaml_1_1_booleans() {
        let node = yaml("repos:\n  - repo: local\n    hooks:\n      - id: a\n        pass_filenames: no\n").unwrap();
        let repo = &node.get("repos").unwrap().items()[0];
        assert_eq!(repo.line, 2);
        let hook = &repo.get("hooks").unwrap().items()[0];
        assert_eq!(hook.get("id").unwrap().line, 4);
        assert_eq!(hook.get("pass_filenames").unwrap().as_bool(), Some(false));
        assert_eq!(hook.entry("id").unwrap().0.line, 4);
    }

    #[test]
    fn yaml_quoted_scalars_are_not_booleans_and_merge_keys_apply() {
        let node = yaml("a: 'no'\nbase: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n").unwrap();
        assert_eq!(node.get("a").unwrap().as_bool(), None);
        let c = node.get("c").unwrap();
        assert_eq!(c.get("x").unwrap().as_str(), Some("1"));
        assert_eq!(c.get("y").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn yaml_errors_have_a_position_and_alias_bombs_are_refused() {
        let e = yaml("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1 && e.message.starts_with("invalid YAML"), "{e:?}");
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 { "a".to_string() } else { format!("l{}", i - 1) };
            bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(yaml(&bomb).unwrap_err().message.contains("expand"));
        assert_eq!(yaml("").unwrap().value, Value::Null);
    }

    #[test]
    fn json_keeps_lines_and_unescapes() {
        let node = json("{\n  \"pre-commit\": {\n    \"actions\": [\n      {\"action\": \"a\\\"b \\u00e9\\ud83d\\ude00\"}\n    ]\n  },\n  \"n\": 5, \"t\": true, \"z\": null\n}").unwrap();
        let action = &node.get("pre-commit").unwrap().get("actions").unwrap().items()[0];
        assert_eq!(action.line, 4);
        assert_eq!(action.get("action").unwrap().as_str(), Some("a\"b é😀"));
        assert_eq!(node.get("n").unwrap().as_int(), Some(5));
        assert_eq!(node.get("t").unwrap().as_bool(), Some(true));
        assert!(node.get("z").unwrap().is_null());
    }

    #[test]
    fn json_errors_point_at_the_fault() {
        let e = json("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!((e.line, e.col), (3, 7));
        assert!(json("[1, 2").is_err());
        assert!(json(&"[".repeat(1000)).unwrap_err().message.contains("nested"));
        assert!(json("{\"a\": tru}").is_err());
        assert!(json("{} x").is_err());
    }
}
