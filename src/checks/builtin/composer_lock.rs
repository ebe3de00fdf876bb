//! composer-lock: composer.lock is committed with composer.json and its `content-hash` matches
//! composer.json as Composer computes it, so a requirement changed without `composer update`
//! never reaches a pull request.

use std::path::Path;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::engine::{CheckResult, Context};
use crate::outcome::Diagnostic;
use crate::select::FileEntry;
use crate::worktree_fs;

const RULE: &str = "composer-lock";

/// composer.json and composer.lock larger than this are not read.
const MAX_SIZE: u64 = 32 << 20;

pub(crate) fn run(ctx: &Context, files: &[&FileEntry]) -> Result<CheckResult, String> {
    let mut dirs: Vec<&Path> = files
        .iter()
        .filter(|f| f.rel.file_name().is_some_and(|n| n == "composer.json" || n == "composer.lock"))
        .map(|f| f.rel.parent().unwrap_or(Path::new("")))
        .collect();
    // A lock file deleted from the index is not a selected file, but it is the change to see.
    let deleted: Vec<std::path::PathBuf> = ctx
        .changes()?
        .iter()
        .filter(|c| c.status == b'D' && c.path.file_name().is_some_and(|n| n == "composer.lock"))
        .map(|c| c.path.parent().unwrap_or(Path::new("")).to_path_buf())
        .collect();
    dirs.extend(deleted.iter().map(std::path::PathBuf::as_path));
    dirs.sort();
    dirs.dedup();
    let tracked: Option<Vec<std::path::PathBuf>> = match ctx.tracked()? {
        Some(entries) => {
            let wanted: Vec<std::path::PathBuf> = dirs.iter().map(|d| d.join("composer.lock")).collect();
            Some(entries.iter().filter(|e| wanted.contains(&e.path)).map(|e| e.path.clone()).collect())
        }
        None => None,
    };
    let mut diagnostics = Vec::new();
    for dir in dirs {
        let is_tracked = |rel: &Path| tracked.as_ref().is_none_or(|t| t.iter().any(|p| p == rel));
        diagnostics.extend(check_dir(ctx.root, dir, is_tracked));
    }
    Ok(CheckResult { diagnostics, ..CheckResult::default() })
}

fn shown(dir: &Path, name: &str) -> String {
    let rel = dir.join(name);
    rel.to_string_lossy().into_owned()
}

/// A file of the work tree, never through a symbolic link; `None` when it does not exist.
fn read(root: &Path, rel: &str) -> Result<Option<String>, String> {
    let rel = Path::new(rel);
    match worktree_fs::lstat(root, rel) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
        Ok(meta) if meta.kind != worktree_fs::Kind::File => Err("not a regular file".to_string()),
        Ok(meta) if meta.size > MAX_SIZE => Err(format!("larger than {} MB", MAX_SIZE >> 20)),
        Ok(_) => {
            let bytes = worktree_fs::read(root, rel).map_err(|e| e.to_string())?;
            String::from_utf8(bytes).map(Some).map_err(|_| "not UTF-8".to_string())
        }
    }
}

fn check_dir(root: &Path, dir: &Path, is_tracked: impl Fn(&Path) -> bool) -> Vec<Diagnostic> {
    let json_rel = shown(dir, "composer.json");
    let lock_rel = shown(dir, "composer.lock");
    let cd = if dir.as_os_str().is_empty() { String::new() } else { format!("cd {} && ", dir.display()) };
    let json = match read(root, &json_rel) {
        Ok(Some(text)) => text,
        // A lock without its composer.json: nothing to compare it with.
        Ok(None) => return Vec::new(),
        Err(e) => return vec![Diagnostic::error(&json_rel, format!("cannot read: {e}")).with_rule(RULE)],
    };
    let manifest = match parse(&json) {
        Ok(value) => value,
        Err(e) => {
            return vec![Diagnostic::error(&json_rel, format!("is not valid JSON ({e}); Composer cannot read it"))
                .with_rule(RULE)]
        }
    };
    let lock_text = match read(root, &lock_rel) {
        Ok(Some(text)) => text,
        Ok(None) => {
            let project = manifest.get("type").and_then(Php::as_str) == Some("project");
            if !project || !has_packages(&manifest) {
                // Libraries usually leave their lock file out; nothing to hold them to.
                return Vec::new();
            }
            return vec![Diagnostic::error(
                &json_rel,
                format!(
                    "composer.lock is missing: a project commits it so that every install gets the same versions; \
                     run `{cd}composer update --lock` and `git add {lock_rel}`"
                ),
            )
            .with_rule(RULE)];
        }
        Err(e) => return vec![Diagnostic::error(&lock_rel, format!("cannot read: {e}")).with_rule(RULE)],
    };
    let mut out = Vec::new();
    if !is_tracked(Path::new(&lock_rel)) {
        out.push(
            Diagnostic::error(
                &lock_rel,
                format!("is not committed with composer.json: `git add {lock_rel}` (and remove it from .gitignore)"),
            )
            .with_rule(RULE),
        );
    }
    let lock = match parse(&lock_text) {
        Ok(value) => value,
        Err(e) => {
            let hint = if lock_text.contains("<<<<<<<") {
                format!("it still has merge conflict markers: take either side, then run `{cd}composer update --lock`")
            } else {
                format!("run `{cd}composer update --lock` to rewrite it")
            };
            out.push(Diagnostic::error(&lock_rel, format!("is not valid JSON ({e}); {hint}")).with_rule(RULE));
            return out;
        }
    };
    let expected = content_hash(&manifest);
    let Some(recorded) = lock.get("content-hash").and_then(Php::as_str) else {
        out.push(
            Diagnostic::error(
                &lock_rel,
                format!("has no content-hash; run `{cd}composer update --lock` to rewrite it"),
            )
            .with_rule(RULE),
        );
        return out;
    };
    if recorded != expected {
        let missing = missing_packages(&manifest, &lock);
        let command = if missing.is_empty() {
            format!(
                "`{cd}composer update --lock` when no version constraint changed, else `{cd}composer update <the packages you changed>`"
            )
        } else {
            format!("`{cd}composer update {}`", missing.join(" "))
        };
        let what = if missing.is_empty() {
            String::new()
        } else {
            format!(" ({} required but not locked)", missing.join(", "))
        };
        let line = line_of(&lock_text, "\"content-hash\"");
        let mut d = Diagnostic::error(
            &lock_rel,
            format!("is out of date with composer.json{what}: its content-hash is {recorded}, composer.json's is {expected}; run {command} and commit both files"),
        )
        .with_rule(RULE);
        d.line = line;
        out.push(d);
    }
    out
}

fn has_packages(manifest: &Php) -> bool {
    ["require", "require-dev"]
        .iter()
        .filter_map(|k| manifest.get(k))
        .any(|r| r.entries().iter().any(|(name, _)| is_package(name)))
}

/// A real package rather than a platform requirement (php, ext-*, lib-*, composer-*).
fn is_package(name: &str) -> bool {
    name.contains('/')
}

/// Required packages the lock does not have at all.
fn missing_packages(manifest: &Php, lock: &Php) -> Vec<String> {
    let locked: Vec<&str> = ["packages", "packages-dev"]
        .iter()
        .filter_map(|k| lock.get(k))
        .flat_map(|list| list.items())
        .filter_map(|p| p.get("name").and_then(Php::as_str))
        .collect();
    let mut missing: Vec<String> = ["require", "require-dev"]
        .iter()
        .filter_map(|k| manifest.get(k))
        .flat_map(|r| r.entries().iter().map(|(name, _)| name.clone()).collect::<Vec<_>>())
        .filter(|name| is_package(name) && !locked.iter().any(|l| l.eq_ignore_ascii_case(name)))
        .collect();
    missing.dedup();
    missing
}

fn line_of(text: &str, needle: &str) -> Option<u32> {
    let at = text.find(needle)?;
    u32::try_from(text[..at].matches('\n').count() + 1).ok()
}

/// Composer's `Locker::getContentHash`: the md5 of `json_encode` (no flags) of the relevant keys
/// of composer.json, top level sorted by key, `config.platform` alone from `config`.
pub(crate) fn content_hash(manifest: &Php) -> String {
    const RELEVANT: &[&str] = &[
        "name",
        "version",
        "require",
        "require-dev",
        "conflict",
        "replace",
        "provide",
        "minimum-stability",
        "prefer-stable",
        "repositories",
        "extra",
    ];
    let mut relevant: Vec<(String, Php)> =
        RELEVANT.iter().filter_map(|key| manifest.get(key).map(|v| ((*key).to_string(), v.clone()))).collect();
    if let Some(platform) = manifest.get("config").and_then(|c| c.get("platform")) {
        // `isset`: a null platform does not count.
        if !matches!(platform, Php::Null) {
            relevant.push(("config".to_string(), Php::Object(vec![("platform".to_string(), platform.clone())])));
        }
    }
    // ksort on string keys: byte order.
    relevant.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut json = String::new();
    encode(&Php::Object(relevant), &mut json);
    hex(&md5(json.as_bytes()))
}

/// A JSON value as PHP's `json_decode($text, true)` holds it: objects keep their key order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Php {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Php>),
    Object(Vec<(String, Php)>),
}

impl Php {
    fn get(&self, key: &str) -> Option<&Php> {
        match self {
            Php::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Php::Str(s) => Some(s),
            _ => None,
        }
    }

    fn entries(&self) -> &[(String, Php)] {
        match self {
            Php::Object(entries) => entries,
            _ => &[],
        }
    }

    fn items(&self) -> &[Php] {
        match self {
            Php::List(items) => items,
            _ => &[],
        }
    }
}

pub(crate) fn parse(text: &str) -> Result<Php, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Php::deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

impl<'de> Deserialize<'de> for Php {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Php, D::Error> {
        deserializer.deserialize_any(PhpVisitor)
    }
}

struct PhpVisitor;

impl<'de> Visitor<'de> for PhpVisitor {
    type Value = Php;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Php, E> {
        Ok(Php::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Php, E> {
        Ok(Php::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Php, E> {
        Ok(Php::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Php, E> {
        // PHP turns integers beyond PHP_INT_MAX into floats.
        Ok(i64::try_from(v).map_or(Php::Float(v as f64), Php::Int))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Php, E> {
        Ok(Php::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Php, E> {
        Ok(Php::Str(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Php, E> {
        Ok(Php::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Php, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Php::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Php, A::Error> {
        let mut entries: Vec<(String, Php)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Php>()? {
            // A repeated key keeps its first place and takes the last value, as in a PHP array.
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(Php::Object(entries))
    }
}

/// PHP's `json_encode($value, 0)`: `/` escaped, every non-ASCII character as `\uXXXX`, and an
/// array whose keys are 0, 1, 2... (an empty object among them) written as a list.
pub(crate) fn encode(value: &Php, out: &mut String) {
    match value {
        Php::Null => out.push_str("null"),
        Php::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Php::Int(i) => out.push_str(&i.to_string()),
        Php::Float(f) => out.push_str(&float(*f)),
        Php::Str(s) => string(s, out),
        Php::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(item, out);
            }
            out.push(']');
        }
        Php::Object(entries) if is_list(entries) => {
            out.push('[');
            for (i, (_, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(item, out);
            }
            out.push(']');
        }
        Php::Object(entries) => {
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(key, out);
                out.push(':');
                encode(item, out);
            }
            out.push('}');
        }
    }
}

/// PHP arrays with the keys 0..n in order are lists; `json_decode` made "0", "1"... integers.
fn is_list(entries: &[(String, Php)]) -> bool {
    entries.iter().enumerate().all(|(i, (key, _))| *key == i.to_string())
}

/// `serialize_precision = -1`: the shortest text that reads back the same, with `.0` on whole
/// numbers and PHP's exponent form for large or tiny ones.
fn float(f: f64) -> String {
    if !f.is_finite() {
        return "0".to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e15).contains(&abs) {
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
        let sign = if exponent.starts_with('-') { "" } else { "+" };
        return format!("{mantissa}e{sign}{exponent}");
    }
    let text = f.to_string();
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e && c != '\u{7f}' => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// MD5 (RFC 1321), which Composer's content-hash is; nothing here relies on it for security.
fn md5(input: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14,
        20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6,
        10, 15, 21,
    ];
    let k: Vec<u32> = (0..64).map(|i: i32| ((i + 1) as f64).sin().abs().mul_add(4294967296.0, 0.0) as u32).collect();
    let (mut a0, mut b0, mut c0, mut d0) = (0x67452301u32, 0xefcdab89u32, 0x98badcfeu32, 0x10325476u32);
    let mut message = input.to_vec();
    let bit_len = (input.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bit_len.to_le_bytes());
    for chunk in message.chunks_exact(64) {
        let m: Vec<u32> = chunk.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, word) in [a0, b0, c0, d0].iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_of_known_inputs() {
        assert_eq!(hex(&md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex(&md5(b"The quick brown fox jumps over the lazy dog")), "9e107d9d372bb6826bd81d3542a419d6");
        // Two blocks: the padding spills over.
        assert_eq!(hex(&md5(&[b'a'; 60])), "cc7ed669cf88f201c3297c6a91e1d18d");
    }

    #[test]
    fn encoding_follows_php_json_encode() {
        let value = parse(r#"{"a/b":"é😀<\u0001>","n":1.0,"big":1e20,"e":{},"l":{"0":"x","1":"y"},"o":{"1":"x"}}"#)
            .expect("json");
        let mut out = String::new();
        encode(&value, &mut out);
        assert_eq!(
            out,
            r#"{"a\/b":"\u00e9\ud83d\ude00<\u0001>","n":1.0,"big":1.0e+20,"e":[],"l":["x","y"],"o":{"1":"x"}}"#
        );
    }

    #[test]
    fn content_hash_takes_the_relevant_keys_sorted() {
        let manifest = parse(
            r#"{"require":{"php":">=8.2"},"name":"acme/app","description":"ignored","config":{"sort-packages":true,"platform":{"php":"8.2.0"}}}"#,
        )
        .expect("json");
        // md5('{"config":{"platform":{"php":"8.2.0"}},"name":"acme\/app","require":{"php":">=8.2"}}')
        let text = r#"{"config":{"platform":{"php":"8.2.0"}},"name":"acme\/app","require":{"php":">=8.2"}}"#;
        assert_eq!(content_hash(&manifest), hex(&md5(text.as_bytes())));
    }
}
