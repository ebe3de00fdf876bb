//! File type tags: from the extension, the shebang of extensionless files, and a text/binary sniff.

use std::fmt;

/// A file type a check can ask for with `types = [...]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    Text,
    Binary,
    Executable,
    Symlink,
    Php,
    Yaml,
    Json,
    Xml,
    Toml,
    Markdown,
    Shell,
    Twig,
    Javascript,
    Typescript,
    Css,
    Rust,
    Python,
}

impl FileType {
    pub const ALL: [FileType; 17] = [
        FileType::Text,
        FileType::Binary,
        FileType::Executable,
        FileType::Symlink,
        FileType::Php,
        FileType::Yaml,
        FileType::Json,
        FileType::Xml,
        FileType::Toml,
        FileType::Markdown,
        FileType::Shell,
        FileType::Twig,
        FileType::Javascript,
        FileType::Typescript,
        FileType::Css,
        FileType::Rust,
        FileType::Python,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FileType::Text => "text",
            FileType::Binary => "binary",
            FileType::Executable => "executable",
            FileType::Symlink => "symlink",
            FileType::Php => "php",
            FileType::Yaml => "yaml",
            FileType::Json => "json",
            FileType::Xml => "xml",
            FileType::Toml => "toml",
            FileType::Markdown => "markdown",
            FileType::Shell => "shell",
            FileType::Twig => "twig",
            FileType::Javascript => "javascript",
            FileType::Typescript => "typescript",
            FileType::Css => "css",
            FileType::Rust => "rust",
            FileType::Python => "python",
        }
    }

    pub fn from_name(name: &str) -> Option<FileType> {
        FileType::ALL.into_iter().find(|t| t.name() == name)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for FileType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A small set of [`FileType`]s, one bit each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TypeSet(u32);

impl TypeSet {
    pub fn empty() -> Self {
        TypeSet(0)
    }

    pub fn insert(&mut self, t: FileType) {
        self.0 |= t.bit();
    }

    pub fn contains(self, t: FileType) -> bool {
        self.0 & t.bit() != 0
    }

    /// True when every type of `other` is in `self`.
    pub fn contains_all(self, other: TypeSet) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn iter(self) -> impl Iterator<Item = FileType> {
        FileType::ALL.into_iter().filter(move |t| self.contains(*t))
    }
}

impl FromIterator<FileType> for TypeSet {
    fn from_iter<I: IntoIterator<Item = FileType>>(iter: I) -> Self {
        let mut set = TypeSet::empty();
        for t in iter {
            set.insert(t);
        }
        set
    }
}

/// The language type of a file name from its extension (or well-known name), if any.
pub fn from_file_name(name: &str) -> Option<FileType> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".html.twig") {
        return Some(FileType::Twig);
    }
    let ext = match lower.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext,
        _ => return from_special_name(&lower),
    };
    Some(match ext {
        "php" | "phtml" | "php3" | "php4" | "php5" | "phpt" | "inc" => FileType::Php,
        "yaml" | "yml" => FileType::Yaml,
        "json" | "jsonc" | "json5" | "geojson" => FileType::Json,
        "lock" if lower.ends_with("composer.lock") => FileType::Json,
        "xml" | "xsd" | "xsl" | "xslt" | "xlf" | "xliff" | "svg" | "wsdl" => FileType::Xml,
        "dist" if lower.ends_with(".xml.dist") => FileType::Xml,
        "toml" => FileType::Toml,
        "md" | "markdown" | "mdown" | "mkd" => FileType::Markdown,
        "sh" | "bash" | "zsh" | "ksh" | "bats" => FileType::Shell,
        "twig" => FileType::Twig,
        "js" | "mjs" | "cjs" | "jsx" => FileType::Javascript,
        "ts" | "tsx" | "mts" | "cts" => FileType::Typescript,
        "css" | "scss" | "sass" | "less" => FileType::Css,
        "rs" => FileType::Rust,
        "py" | "pyi" | "pyw" => FileType::Python,
        _ => return None,
    })
}

fn from_special_name(lower: &str) -> Option<FileType> {
    match lower {
        ".bashrc" | ".bash_profile" | ".profile" | ".zshrc" => Some(FileType::Shell),
        _ => None,
    }
}

/// The language named by a `#!` line (`#!/usr/bin/env bash`, `#!/bin/sh -e`), if any.
pub fn from_shebang(first_line: &[u8]) -> Option<FileType> {
    let rest = first_line.strip_prefix(b"#!")?;
    let text = String::from_utf8_lossy(rest);
    let mut words = text.split_whitespace();
    let mut interpreter = words.next()?.rsplit('/').next()?.to_string();
    if interpreter == "env" {
        interpreter = words.find(|w| !w.starts_with('-'))?.to_string();
    }
    let interpreter = interpreter.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match interpreter {
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "bats" => FileType::Shell,
        "php" => FileType::Php,
        "python" => FileType::Python,
        "node" | "nodejs" => FileType::Javascript,
        "deno" | "ts-node" => FileType::Typescript,
        _ => return None,
    })
}

/// True when the sample looks like text: no NUL byte, as git and identify decide.
pub fn looks_text(sample: &[u8]) -> bool {
    memchr::memchr(0, sample).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_table() {
        assert_eq!(from_file_name("src/Kernel.php"), Some(FileType::Php));
        assert_eq!(from_file_name("config/services.YAML"), Some(FileType::Yaml));
        assert_eq!(from_file_name("templates/base.html.twig"), Some(FileType::Twig));
        assert_eq!(from_file_name("phpunit.xml.dist"), Some(FileType::Xml));
        assert_eq!(from_file_name("composer.lock"), Some(FileType::Json));
        assert_eq!(from_file_name("Cargo.lock"), None);
        assert_eq!(from_file_name("README"), None);
        assert_eq!(from_file_name(".php"), None);
        assert_eq!(from_file_name(".bashrc"), Some(FileType::Shell));
    }

    #[test]
    fn shebangs() {
        assert_eq!(from_shebang(b"#!/bin/sh"), Some(FileType::Shell));
        assert_eq!(from_shebang(b"#!/usr/bin/env bash"), Some(FileType::Shell));
        assert_eq!(from_shebang(b"#!/usr/bin/env -S php -d x=1"), Some(FileType::Php));
        assert_eq!(from_shebang(b"#!/usr/bin/python3.11"), Some(FileType::Python));
        assert_eq!(from_shebang(b"#!/usr/bin/perl"), None);
        assert_eq!(from_shebang(b"echo"), None);
    }

    #[test]
    fn type_set() {
        let set: TypeSet = [FileType::Text, FileType::Php].into_iter().collect();
        assert!(set.contains(FileType::Php));
        assert!(!set.contains(FileType::Yaml));
        assert!(set.contains_all([FileType::Php].into_iter().collect()));
        assert!(!set.contains_all([FileType::Php, FileType::Shell].into_iter().collect()));
        assert_eq!(FileType::from_name("twig"), Some(FileType::Twig));
        assert_eq!(FileType::from_name("perl"), None);
    }
}
