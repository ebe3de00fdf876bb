//! The files a run looks at, chosen by mode and classified once for every check.

pub mod types;

use std::path::PathBuf;

use types::TypeSet;

/// How the files of a run are chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The files staged for commit (the default, and the pre-commit hook).
    Staged,
    /// Every tracked file (or every file not ignored, outside git).
    All,
    /// The paths given on the command line.
    Files(Vec<PathBuf>),
    /// Files changed in `from...to`.
    Range { from: String, to: String },
}

/// One selected file with the facts every check shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// The exact repository-relative path, every byte kept, to hand to tools.
    pub rel: PathBuf,
    /// The same path as `/`-separated text, for matching and reports.
    pub path: String,
    pub types: TypeSet,
    /// Size in bytes (of the link itself for a symlink).
    pub size: u64,
}

/// The selected files, in a stable order (sorted by path).
#[derive(Clone, Debug, Default)]
pub struct FileSet {
    pub files: Vec<FileEntry>,
}
