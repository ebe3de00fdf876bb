//! `checks.toml` as written: serde structs that keep spans, before any validation.

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub settings: RawSettings,
    #[serde(default)]
    pub checks: IndexMap<String, Spanned<RawCheck>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    pub exclude: Option<Vec<Spanned<String>>>,
    pub files_regex: Option<Spanned<String>>,
    pub exclude_regex: Option<Spanned<String>>,
    pub fail_fast: Option<bool>,
    pub jobs: Option<Spanned<usize>>,
    pub stage_fixed: Option<bool>,
    pub cache_max_size: Option<Spanned<toml::Value>>,
    pub exec: Option<Spanned<String>>,
    pub container_root: Option<Spanned<String>>,
}

/// One `[checks.ID]` table. Built-in options sit beside the common keys, so that unknown keys
/// stay errors (`deny_unknown_fields` cannot be combined with a flattened option map).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub name: Option<String>,
    pub run: Option<Spanned<String>>,
    pub builtin: Option<Spanned<String>>,
    pub uses: Option<Spanned<String>>,
    pub config: Option<Spanned<String>>,
    pub args: Option<Spanned<Vec<String>>>,
    pub phar: Option<Spanned<String>>,
    pub fail_outside_selection: Option<bool>,
    pub fix: Option<Spanned<String>>,
    pub files: Option<Vec<Spanned<String>>>,
    pub exclude: Option<Vec<Spanned<String>>>,
    pub types: Option<Vec<Spanned<String>>>,
    pub types_or: Option<Vec<Spanned<String>>>,
    pub exclude_types: Option<Vec<Spanned<String>>>,
    pub files_regex: Option<Spanned<String>>,
    pub exclude_regex: Option<Spanned<String>>,
    pub pass_files: Option<bool>,
    pub serial: Option<bool>,
    pub batch_size: Option<Spanned<usize>>,
    pub always_run: Option<bool>,
    pub stages: Option<Vec<Spanned<String>>>,
    pub env: Option<IndexMap<String, String>>,
    pub format: Option<Spanned<String>>,
    pub regex: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub ci_all_files: Option<bool>,
    pub stage_fixed: Option<bool>,
    pub cache: Option<Spanned<String>>,
    pub cache_inputs: Option<Vec<Spanned<String>>>,
    pub lint: Option<Spanned<String>>,
    pub exec: Option<Spanned<String>>,
    pub container_root: Option<Spanned<String>>,

    pub max_kb: Option<Spanned<u64>>,
    pub enforce_all: Option<Spanned<bool>>,
    pub chars: Option<Spanned<String>>,
    pub markdown_linebreak_ext: Option<Spanned<Vec<String>>>,
    pub allow_multiple_documents: Option<Spanned<bool>>,
    #[serde(rename = "unsafe")]
    pub unsafe_yaml: Option<Spanned<bool>>,
    pub branches: Option<Spanned<Vec<String>>>,
    pub patterns: Option<Spanned<Vec<RawPattern>>>,
    pub assume_in_merge: Option<Spanned<bool>>,
    pub credentials_files: Option<Spanned<Vec<String>>>,
    pub allow_missing_credentials: Option<Spanned<bool>>,
    pub spec: Option<Spanned<String>>,
    pub scopes: Option<Spanned<Vec<String>>>,
    pub require_scope: Option<Spanned<bool>>,
    pub allow_breaking: Option<Spanned<bool>>,
    pub subject_max: Option<Spanned<u64>>,
    pub body_max: Option<Spanned<u64>>,
    pub require_blank_line: Option<Spanned<bool>>,
    pub subject_case: Option<Spanned<String>>,
    pub allow_trailing_period: Option<Spanned<bool>>,
    pub pattern: Option<Spanned<OneOrMany>>,
    pub forbid_pattern: Option<Spanned<OneOrMany>>,
    #[serde(rename = "where")]
    pub place: Option<Spanned<String>>,
    pub template: Option<Spanned<String>>,
    pub required: Option<Spanned<bool>>,
    pub allow: Option<Spanned<Vec<String>>>,
    pub added_lines_only: Option<Spanned<bool>>,
}

/// A regex option given as one string or as an array of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one.clone()],
            OneOrMany::Many(many) => many.clone(),
        }
    }
}

/// An entry of `patterns`: a regex, or `{ regex = "...", types = [...] }` (forbid-patterns).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawPattern {
    Regex(String),
    Table(RawPatternTable),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPatternTable {
    pub regex: String,
    pub types: Option<Vec<String>>,
}

/// The keys every check table accepts.
pub const COMMON_CHECK_KEYS: &[&str] = &[
    "name",
    "run",
    "builtin",
    "uses",
    "config",
    "args",
    "phar",
    "fail_outside_selection",
    "fix",
    "files",
    "exclude",
    "types",
    "types_or",
    "exclude_types",
    "files_regex",
    "exclude_regex",
    "pass_files",
    "serial",
    "batch_size",
    "always_run",
    "stages",
    "env",
    "format",
    "regex",
    "timeout",
    "ci_all_files",
    "stage_fixed",
    "cache",
    "cache_inputs",
    "lint",
    "exec",
    "container_root",
];

/// Keys that only a built-in check takes: every built-in's options, less the common keys some of
/// them reuse (`fix` is a mode there and a command elsewhere; `types` means commit types for
/// `conventional-commit`). Derived from the built-ins' own table, so the two cannot drift.
pub fn builtin_option_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for name in crate::checks::builtin::NAMES {
        for &key in crate::checks::builtin::option_keys(name) {
            if !COMMON_CHECK_KEYS.contains(&key) && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// Every key a check table accepts, for "did you mean" suggestions.
pub fn check_keys() -> Vec<&'static str> {
    COMMON_CHECK_KEYS.iter().copied().chain(builtin_option_keys()).collect()
}

pub const SETTINGS_KEYS: &[&str] = &[
    "exclude",
    "files_regex",
    "exclude_regex",
    "fail_fast",
    "jobs",
    "stage_fixed",
    "exec",
    "container_root",
    "cache_max_size",
];
pub const TOP_KEYS: &[&str] = &["settings", "checks"];

impl RawCheck {
    /// The span of a built-in option key's value, to point errors at it.
    pub fn option_span(&self, key: &str) -> Option<std::ops::Range<usize>> {
        match key {
            "max_kb" => self.max_kb.as_ref().map(Spanned::span),
            "enforce_all" => self.enforce_all.as_ref().map(Spanned::span),
            "fix" => self.fix.as_ref().map(Spanned::span),
            "chars" => self.chars.as_ref().map(Spanned::span),
            "markdown_linebreak_ext" => self.markdown_linebreak_ext.as_ref().map(Spanned::span),
            "allow_multiple_documents" => self.allow_multiple_documents.as_ref().map(Spanned::span),
            "unsafe" => self.unsafe_yaml.as_ref().map(Spanned::span),
            "branches" => self.branches.as_ref().map(Spanned::span),
            "patterns" => self.patterns.as_ref().map(Spanned::span),
            "assume_in_merge" => self.assume_in_merge.as_ref().map(Spanned::span),
            "credentials_files" => self.credentials_files.as_ref().map(Spanned::span),
            "allow_missing_credentials" => self.allow_missing_credentials.as_ref().map(Spanned::span),
            "spec" => self.spec.as_ref().map(Spanned::span),
            "types" => self.types.as_ref().and_then(|t| Some(t.first()?.span().start..t.last()?.span().end)),
            "scopes" => self.scopes.as_ref().map(Spanned::span),
            "require_scope" => self.require_scope.as_ref().map(Spanned::span),
            "allow_breaking" => self.allow_breaking.as_ref().map(Spanned::span),
            "subject_max" => self.subject_max.as_ref().map(Spanned::span),
            "body_max" => self.body_max.as_ref().map(Spanned::span),
            "require_blank_line" => self.require_blank_line.as_ref().map(Spanned::span),
            "subject_case" => self.subject_case.as_ref().map(Spanned::span),
            "allow_trailing_period" => self.allow_trailing_period.as_ref().map(Spanned::span),
            "pattern" => self.pattern.as_ref().map(Spanned::span),
            "forbid_pattern" => self.forbid_pattern.as_ref().map(Spanned::span),
            "where" => self.place.as_ref().map(Spanned::span),
            "template" => self.template.as_ref().map(Spanned::span),
            "required" => self.required.as_ref().map(Spanned::span),
            "allow" => self.allow.as_ref().map(Spanned::span),
            "added_lines_only" => self.added_lines_only.as_ref().map(Spanned::span),
            _ => None,
        }
    }
}
