//! File tags as identify (pre-commit's classifier) gives them: its tables, its rules, ward's few additions.
//!
//! The tags of a file are a [`TagSet`], one bit per tag of the vocabulary, computed once per file
//! from its `lstat`, its name and, only when the name does not decide, its first KiB.

use std::fmt;

use super::identify_data as data;

/// Tags ward adds to identify's vocabulary (documented in the README).
const EXTRA_TAGS: [&str; 1] = ["neon"];

const TAG_COUNT: usize = data::TAGS.len() + EXTRA_TAGS.len();
const WORDS: usize = TAG_COUNT.div_ceil(64);

/// How many bytes decide text or binary, as identify reads them.
pub const SNIFF_BYTES: usize = 1024;
/// The longest `#!` line read to find the interpreter (identify reads the whole line).
const MAX_SHEBANG_LINE: usize = 64 * 1024;

/// One tag of the vocabulary (identify's tags, then ward's additions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(u16);

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The tag called `name`, found at compile time (a typo fails the build).
const fn tag(name: &str) -> Tag {
    let mut i = 0;
    while i < data::TAGS.len() {
        if same(data::TAGS[i], name) {
            return Tag(i as u16);
        }
        i += 1;
    }
    let mut j = 0;
    while j < EXTRA_TAGS.len() {
        if same(EXTRA_TAGS[j], name) {
            return Tag((data::TAGS.len() + j) as u16);
        }
        j += 1;
    }
    panic!("not a tag")
}

impl Tag {
    pub const FILE: Tag = tag("file");
    pub const SYMLINK: Tag = tag("symlink");
    pub const DIRECTORY: Tag = tag("directory");
    pub const SOCKET: Tag = tag("socket");
    pub const EXECUTABLE: Tag = tag("executable");
    pub const NON_EXECUTABLE: Tag = tag("non-executable");
    pub const TEXT: Tag = tag("text");
    pub const BINARY: Tag = tag("binary");
    pub const JSON: Tag = tag("json");
    pub const YAML: Tag = tag("yaml");
    pub const XML: Tag = tag("xml");
    pub const TOML: Tag = tag("toml");
    pub const MARKDOWN: Tag = tag("markdown");
    pub const PHP: Tag = tag("php");
    pub const SHELL: Tag = tag("shell");
    pub const NEON: Tag = tag("neon");
    pub const TWIG: Tag = tag("twig");
    pub const JAVASCRIPT: Tag = tag("javascript");
    pub const TS: Tag = tag("ts");

    /// The tag called `name`, if the vocabulary has it.
    pub fn from_name(name: &str) -> Option<Tag> {
        if let Ok(i) = data::TAGS.binary_search(&name) {
            return Some(Tag(i as u16));
        }
        EXTRA_TAGS.iter().position(|t| *t == name).map(|j| Tag((data::TAGS.len() + j) as u16))
    }

    pub fn name(self) -> &'static str {
        let i = usize::from(self.0);
        data::TAGS.get(i).copied().unwrap_or_else(|| EXTRA_TAGS[i - data::TAGS.len()])
    }

    /// Every tag, sorted by name.
    pub fn all() -> impl Iterator<Item = Tag> {
        let mut tags: Vec<Tag> = (0..TAG_COUNT as u16).map(Tag).collect();
        tags.sort_by_key(|t| t.name());
        tags.into_iter()
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of tags, one bit each: copied freely, compared in a few instructions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TagSet([u64; WORDS]);

impl TagSet {
    pub fn empty() -> Self {
        TagSet([0; WORDS])
    }

    pub fn insert(&mut self, t: Tag) {
        self.0[usize::from(t.0) / 64] |= 1 << (t.0 % 64);
    }

    pub fn contains(self, t: Tag) -> bool {
        self.0[usize::from(t.0) / 64] & (1 << (t.0 % 64)) != 0
    }

    /// True when every tag of `other` is in `self`.
    pub fn contains_all(self, other: TagSet) -> bool {
        self.0.iter().zip(other.0).all(|(a, b)| a & b == b)
    }

    /// True when `self` and `other` share a tag.
    pub fn intersects(self, other: TagSet) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }

    /// The set as bytes, to keep (see [`TagSet::from_bytes`]).
    pub fn to_bytes(self) -> Vec<u8> {
        self.0.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// A set kept by [`TagSet::to_bytes`]; `None` for bytes of another length.
    pub fn from_bytes(bytes: &[u8]) -> Option<TagSet> {
        let mut set = TagSet::empty();
        if bytes.len() != WORDS * 8 {
            return None;
        }
        for (word, chunk) in set.0.iter_mut().zip(bytes.chunks_exact(8)) {
            *word = u64::from_le_bytes(chunk.try_into().ok()?);
        }
        Some(set)
    }

    pub fn is_empty(self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub fn union(mut self, other: TagSet) -> TagSet {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
        self
    }

    /// The tags, sorted by name (as identify-cli prints them).
    pub fn iter(self) -> impl Iterator<Item = Tag> {
        let mut tags: Vec<Tag> = (0..TAG_COUNT as u16).map(Tag).filter(|t| self.contains(*t)).collect();
        tags.sort_by_key(|t| t.name());
        tags.into_iter()
    }

    fn from_indices(indices: &[u16]) -> TagSet {
        let mut set = TagSet::empty();
        for &i in indices {
            set.insert(Tag(i));
        }
        set
    }
}

impl FromIterator<Tag> for TagSet {
    fn from_iter<I: IntoIterator<Item = Tag>>(iter: I) -> Self {
        let mut set = TagSet::empty();
        for t in iter {
            set.insert(t);
        }
        set
    }
}

/// A table of identify's data, hashed once: each file's name asks several tables several times
/// (every part between dots is a candidate name), and a hash answers without comparing strings.
type Map = rustc_hash::FxHashMap<&'static [u8], TagSet>;

fn hashed(table: &'static [(&'static str, &'static [u16])]) -> Map {
    table.iter().map(|(k, v)| (k.as_bytes(), TagSet::from_indices(v))).collect()
}

fn names() -> &'static Map {
    static MAP: std::sync::OnceLock<Map> = std::sync::OnceLock::new();
    MAP.get_or_init(|| hashed(data::NAMES))
}

fn extensions() -> &'static Map {
    static MAP: std::sync::OnceLock<Map> = std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = hashed(data::EXTENSIONS_NEED_BINARY_CHECK);
        // identify asks its main table first.
        map.extend(hashed(data::EXTENSIONS));
        map
    })
}

fn interpreters() -> &'static Map {
    static MAP: std::sync::OnceLock<Map> = std::sync::OnceLock::new();
    MAP.get_or_init(|| hashed(data::INTERPRETERS))
}

fn lookup(map: &Map, key: &[u8]) -> Option<TagSet> {
    map.get(key).copied()
}

/// identify's `tags_from_filename` on a base name, plus ward's documented additions.
pub fn tags_from_filename(name: &[u8]) -> TagSet {
    identify_filename(name).union(additions(name))
}

fn additions(name: &[u8]) -> TagSet {
    let mut tags = TagSet::empty();
    // Additions for PHP teams: `phpunit.xml.dist` is XML, `phpstan.neon` NEON, `composer.lock` JSON.
    if let Some(stem) = strip_suffix_ignore_case(name, b".dist") {
        if split_ext(stem).is_some_and(|ext| !ext.is_empty()) {
            tags = tags.union(identify_filename(stem));
        }
    }
    if split_ext(name).is_some_and(|ext| ext.eq_ignore_ascii_case(b"neon")) {
        tags.insert(Tag::TEXT);
        tags.insert(Tag::NEON);
    }
    if name == b"composer.lock" {
        tags.insert(Tag::JSON);
    }
    tags
}

fn strip_suffix_ignore_case<'a>(name: &'a [u8], suffix: &[u8]) -> Option<&'a [u8]> {
    let cut = name.len().checked_sub(suffix.len())?;
    name[cut..].eq_ignore_ascii_case(suffix).then(|| &name[..cut])
}

/// The extension as `os.path.splitext` finds it, without its dot: `None` when there is none
/// (leading dots belong to the name, so `.bashrc` has none).
fn split_ext(name: &[u8]) -> Option<&[u8]> {
    let dot = memchr::memrchr(b'.', name)?;
    name[..dot].iter().any(|b| *b != b'.').then(|| &name[dot + 1..])
}

fn identify_filename(name: &[u8]) -> TagSet {
    let mut tags = TagSet::empty();
    // A part of the name may match, as `Dockerfile.prod` matches `Dockerfile`.
    let whole = std::iter::once(name);
    if let Some(found) = whole.chain(name.split(|b| *b == b'.')).find_map(|part| lookup(names(), part)) {
        tags = tags.union(found);
    }
    if let Some(ext) = split_ext(name) {
        let lower = lower(ext);
        if let Some(found) = lookup(extensions(), &lower) {
            tags = tags.union(found);
        }
    }
    tags
}

/// Python's `str.lower()`: Unicode-aware for UTF-8 (the Kelvin sign lowers to `k`); bytes that
/// are not UTF-8 stay as they are and can match no table key.
fn lower(ext: &[u8]) -> Vec<u8> {
    if ext.is_ascii() {
        return ext.to_ascii_lowercase();
    }
    match std::str::from_utf8(ext) {
        Ok(text) => text.to_lowercase().into_bytes(),
        Err(_) => ext.to_ascii_lowercase(),
    }
}

/// identify's `tags_from_interpreter`: `python3.11` tries `python3.11`, then `python3`.
pub fn tags_from_interpreter(interpreter: &str) -> TagSet {
    let mut name = interpreter.rsplit('/').next().unwrap_or(interpreter);
    while !name.is_empty() {
        if let Some(tags) = lookup(interpreters(), name.as_bytes()) {
            return tags;
        }
        name = name.rsplit_once('.').map_or("", |(head, _)| head);
    }
    TagSet::empty()
}

/// identify's text rule: the first KiB holds only bytes 7-13, 27, 0x20-0x7E and 0x80-0xFF.
pub fn is_text(head: &[u8]) -> bool {
    head.iter().take(SNIFF_BYTES).all(|&b| matches!(b, 7..=13 | 27 | 0x20..=0x7e | 0x80..=0xff))
}

/// What identify learns from a regular file's name and mode, before any read.
#[derive(Clone, Copy, Debug)]
pub struct NameFacts {
    pub tags: TagSet,
    pub executable: bool,
}

impl NameFacts {
    pub fn new(name: &[u8], executable: bool) -> Self {
        let identified = identify_filename(name);
        // The shebang rule follows identify's own tables, not ward's additions.
        let named = !identified.is_empty();
        let mut tags = identified.union(additions(name));
        tags.insert(Tag::FILE);
        tags.insert(if executable { Tag::EXECUTABLE } else { Tag::NON_EXECUTABLE });
        // Only an executable file without name tags is asked for its `#!` line.
        NameFacts { tags, executable: executable && !named }
    }

    /// How many leading bytes the content rules need: 0 when the name decided everything.
    pub fn bytes_needed(&self) -> usize {
        if self.executable || !(self.tags.contains(Tag::TEXT) || self.tags.contains(Tag::BINARY)) {
            SNIFF_BYTES
        } else {
            0
        }
    }

    /// True when `head` (the first bytes read) ends inside the `#!` line, which identify reads whole.
    pub fn wants_more(&self, head: &[u8], at_end: bool) -> bool {
        self.executable
            && !at_end
            && head.len() < MAX_SHEBANG_LINE
            && head.starts_with(b"#!")
            && memchr::memchr(b'\n', head).is_none()
    }

    /// The tags once the first bytes are known (`head` is empty when `bytes_needed` was 0).
    pub fn finish(self, head: &[u8]) -> TagSet {
        let mut tags = self.tags;
        if self.executable {
            if let Some(interpreter) = parse_shebang(head).first() {
                tags = tags.union(tags_from_interpreter(interpreter));
            }
        }
        if !(tags.contains(Tag::TEXT) || tags.contains(Tag::BINARY)) {
            tags.insert(if is_text(head) { Tag::TEXT } else { Tag::BINARY });
        }
        tags
    }
}

/// identify's `parse_shebang`: the command of a `#!` line, after `/usr/bin/env [-S]`, with
/// nix-shell's `-i` interpreter. Empty when there is no usable `#!` line.
pub fn parse_shebang(head: &[u8]) -> Vec<String> {
    let Some(rest) = head.strip_prefix(b"#!") else { return Vec::new() };
    let (line, mut after) = split_line(rest);
    let Some(cmd) = shebang_words(line) else { return Vec::new() };
    let mut cmd: &[String] = &cmd;
    if cmd.len() >= 2 && cmd[0] == "/usr/bin/env" && cmd[1] == "-S" {
        cmd = &cmd[2..];
    } else if cmd.first().is_some_and(|c| c == "/usr/bin/env") {
        cmd = &cmd[1..];
    }
    let mut cmd = cmd.to_vec();
    if cmd == ["nix-shell"] {
        while let Some(rest) = after.strip_prefix(b"#!") {
            let (line, next) = split_line(rest);
            after = next;
            let Some(tokens) = shebang_words(line) else { break };
            for pair in tokens.windows(2) {
                if pair[0] == "-i" {
                    cmd = vec![pair[1].clone()];
                }
            }
        }
    }
    cmd
}

/// One line including its `\n` (as `readline` gives it), and the rest.
fn split_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b'\n', bytes) {
        Some(i) => bytes.split_at(i + 1),
        None => (bytes, &[]),
    }
}

/// The words of a shebang line: UTF-8 of printable ASCII only, split as `shlex.split` does,
/// or on whitespace when the quoting is broken. `None` when the line is not acceptable.
fn shebang_words(line: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(line).ok()?;
    // Python's string.printable.
    if !text.chars().all(|c| c.is_ascii_graphic() || " \t\n\r\x0b\x0c".contains(c)) {
        return None;
    }
    let text = text.trim_matches(|c: char| " \t\n\r\x0b\x0c".contains(c));
    Some(shlex_split(text).unwrap_or_else(|| {
        text.split(|c: char| " \t\n\r\x0b\x0c".contains(c)).filter(|w| !w.is_empty()).map(String::from).collect()
    }))
}

/// Python's `shlex.split(s)` (POSIX mode, no comments); `None` where it raises `ValueError`.
fn shlex_split(text: &str) -> Option<Vec<String>> {
    const WHITESPACE: &str = " \t\r\n";
    let mut words = Vec::new();
    let mut chars = text.chars();
    loop {
        // Skip whitespace, then read one word.
        let mut token = String::new();
        let mut quoted = false;
        let mut started = false;
        let mut next = chars.next();
        while next.is_some_and(|c| WHITESPACE.contains(c)) {
            next = chars.next();
        }
        while let Some(c) = next {
            started = true;
            match c {
                _ if WHITESPACE.contains(c) => break,
                '\'' => {
                    quoted = true;
                    loop {
                        match chars.next()? {
                            '\'' => break,
                            other => token.push(other),
                        }
                    }
                }
                '"' => {
                    quoted = true;
                    loop {
                        match chars.next()? {
                            '"' => break,
                            '\\' => {
                                let escaped = chars.next()?;
                                if escaped != '"' && escaped != '\\' {
                                    token.push('\\');
                                }
                                token.push(escaped);
                            }
                            other => token.push(other),
                        }
                    }
                }
                '\\' => token.push(chars.next()?),
                other => token.push(other),
            }
            next = chars.next();
        }
        if !started || (token.is_empty() && !quoted) {
            return Some(words);
        }
        words.push(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(tags: TagSet) -> Vec<&'static str> {
        tags.iter().map(Tag::name).collect()
    }

    #[test]
    fn file_names_and_extensions() {
        assert_eq!(names(tags_from_filename(b"Kernel.php")), ["php", "text"]);
        assert_eq!(names(tags_from_filename(b"a.XLF")), ["text", "xliff", "xml"]);
        assert_eq!(names(tags_from_filename(b"a.scss")), ["scss", "text"]);
        assert!(tags_from_filename(b"Dockerfile.prod").contains(tag("dockerfile")));
        assert!(tags_from_filename(b".bashrc").contains(Tag::SHELL));
        assert!(tags_from_filename(b"NOTES").is_empty());
        assert!(tags_from_filename(b"README").contains(Tag::TEXT), "README is in the names table");
        assert!(tags_from_filename(b".php").is_empty(), "a leading dot starts the name");
        assert!(tags_from_filename(b"x.\xe2\x84\xaat").contains(tag("kotlin")), "the Kelvin sign lowers to k");
        assert!(
            tags_from_filename(b"a.plist").contains(tag("plist"))
                && !tags_from_filename(b"a.plist").contains(Tag::TEXT)
        );
    }

    #[test]
    fn ward_additions() {
        assert_eq!(names(tags_from_filename(b"phpunit.xml.dist")), ["text", "xml"]);
        assert_eq!(names(tags_from_filename(b"services.yaml.DIST")), ["text", "yaml"]);
        assert!(tags_from_filename(b".dist").is_empty() && tags_from_filename(b"x.dist").is_empty());
        assert_eq!(names(tags_from_filename(b"phpstan.neon")), ["neon", "text"]);
        assert_eq!(names(tags_from_filename(b"composer.lock")), ["json"]);
    }

    #[test]
    fn interpreters() {
        assert!(tags_from_interpreter("/usr/bin/python3.11").contains(tag("python3")));
        assert!(tags_from_interpreter("php8.2").contains(Tag::PHP));
        assert!(tags_from_interpreter("perl5").is_empty(), "only dotted suffixes are dropped");
        assert!(tags_from_interpreter("").is_empty());
    }

    #[test]
    fn shebangs() {
        assert_eq!(parse_shebang(b"#!/usr/bin/env php\n"), ["php"]);
        assert_eq!(parse_shebang(b"#!/usr/bin/env -S php -d x=1\n"), ["php", "-d", "x=1"]);
        assert_eq!(parse_shebang(b"#! /bin/sh -e\n"), ["/bin/sh", "-e"]);
        assert_eq!(parse_shebang(b"#!\"/opt/my python/python3\"\n"), ["/opt/my python/python3"]);
        assert_eq!(parse_shebang(b"#!/bin/sh 'broken\n"), ["/bin/sh", "'broken"], "shlex fails: split on spaces");
        assert!(parse_shebang(b"#!/usr/bin/env\n").is_empty());
        assert!(parse_shebang(b"#!/bin/caf\xc3\xa9\n").is_empty(), "printable ASCII only");
        assert!(parse_shebang(b"echo\n").is_empty());
        assert_eq!(parse_shebang(b"#!nix-shell\n#! nix-shell -i python3 -p x\n"), ["python3"]);
    }

    #[test]
    fn text_rule() {
        assert!(is_text(b"plain\r\n\x1b[0m\x07\x0b\x0c\xff"));
        assert!(!is_text(b"a\x00b") && !is_text(b"\x01") && !is_text(b"\x7f"));
        let mut late = vec![b'a'; SNIFF_BYTES];
        late.push(0);
        assert!(is_text(&late), "only the first KiB counts");
    }

    #[test]
    fn name_facts() {
        let php = NameFacts::new(b"a.php", true);
        assert_eq!(php.bytes_needed(), 0, "the name decides; no read");
        assert_eq!(names(php.finish(b"")), ["executable", "file", "php", "text"]);
        let script = NameFacts::new(b"deploy", true);
        assert_eq!(script.bytes_needed(), SNIFF_BYTES);
        assert_eq!(names(script.finish(b"#!/bin/bash\n")), ["bash", "executable", "file", "shell", "text"]);
        let plain = NameFacts::new(b"deploy", false);
        assert_eq!(names(plain.finish(b"#!/bin/bash\n")), ["file", "non-executable", "text"]);
        assert_eq!(names(NameFacts::new(b"blob", false).finish(b"\x00")), ["binary", "file", "non-executable"]);
        assert!(Tag::from_name("neon").is_some() && Tag::from_name("typescript").is_none());
        assert_eq!(Tag::from_name("php").map(Tag::name), Some("php"));
    }
}
