//! STUB of the built-ins contract; replaced by the real implementation on merge.

pub mod engine;

use crate::select::types::TypeSet;

#[derive(Clone, Debug, Default)]
pub struct BuiltinOptions {
    pub max_kb: Option<u64>,
    pub enforce_all: Option<bool>,
    pub fix: Option<String>,
    pub chars: Option<String>,
    pub markdown_linebreak_ext: Option<Vec<String>>,
    pub allow_multiple_documents: Option<bool>,
    pub unsafe_yaml: Option<bool>,
    pub branches: Option<Vec<String>>,
    pub patterns: Option<Vec<String>>,
    pub assume_in_merge: Option<bool>,
    pub credentials_files: Option<Vec<String>>,
    pub allow_missing_credentials: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    pub key: Option<&'static str>,
    pub message: String,
}

pub const NAMES: &[&str] = &["trailing-whitespace", "end-of-file-fixer", "check-json"];

#[derive(Clone, Debug)]
pub enum Builtin {
    TrailingWhitespace,
    EndOfFileFixer,
    CheckJson,
}

pub enum Scope {
    Content,
    Paths,
}

impl Builtin {
    pub fn from_options(name: &str, _opts: &BuiltinOptions) -> Result<Builtin, OptionError> {
        match name {
            "trailing-whitespace" => Ok(Builtin::TrailingWhitespace),
            "end-of-file-fixer" => Ok(Builtin::EndOfFileFixer),
            "check-json" => Ok(Builtin::CheckJson),
            _ => Err(OptionError { key: None, message: format!("unknown built-in `{name}`") }),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Builtin::TrailingWhitespace => "trailing-whitespace",
            Builtin::EndOfFileFixer => "end-of-file-fixer",
            Builtin::CheckJson => "check-json",
        }
    }
    pub fn is_fixer(&self) -> bool {
        !matches!(self, Builtin::CheckJson)
    }
    pub fn scope(&self) -> Scope {
        Scope::Content
    }
    pub fn default_types(&self) -> TypeSet {
        TypeSet::empty()
    }
    pub fn describe(&self) -> &'static str {
        "stub"
    }
    pub fn pass_files(&self) -> bool {
        true
    }
}
