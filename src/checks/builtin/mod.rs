//! The built-in checks (the pre-commit-hooks set): their options, metadata and registry.

pub mod engine;

mod aws;
mod bom;
mod branch;
mod branch_name;
mod case_conflict;
mod commit_message;
mod composer_lock;
mod conventional_commit;
mod end_of_file;
mod fileio;
mod forbid_patterns;
mod gitkeep;
mod json;
mod large_files;
mod line_endings;
mod lines;
mod merge_conflict;
mod message_rules;
mod private_key;
mod regexes;
mod shebangs;
mod sink;
mod submodules;
mod symlinks;
mod ticket_reference;
mod toml_syntax;
mod trailing_whitespace;
mod windows_names;
mod xml;
mod xml_encoding;
mod yaml;
mod yaml_rules;

#[cfg(test)]
mod testutil;

use crate::cli::Stage;
use crate::select::identify::{Tag, TagSet};

pub use aws::AwsEnvironment;
pub use branch::BranchOptions;
pub use branch_name::BranchNameOptions;
pub use commit_message::{MessageInput, MessageOptions};
pub use conventional_commit::ConventionalOptions;
pub use forbid_patterns::{ForbidOptions, PatternSpec};
pub use line_endings::LineEndingFix;
pub use ticket_reference::TicketOptions;
pub use trailing_whitespace::TrailingWhitespaceOptions;
pub use yaml::YamlOptions;

/// Every option key a `checks.toml` check table may carry for a built-in.
#[derive(Clone, Debug, Default)]
pub struct BuiltinOptions {
    pub max_kb: Option<u64>,
    pub enforce_all: Option<bool>,
    pub fix: Option<String>,
    pub chars: Option<String>,
    pub markdown_linebreak_ext: Option<Vec<String>>,
    pub allow_multiple_documents: Option<bool>,
    /// The toml key `unsafe`.
    pub unsafe_yaml: Option<bool>,
    pub branches: Option<Vec<String>>,
    pub patterns: Option<Vec<PatternSpec>>,
    pub assume_in_merge: Option<bool>,
    pub credentials_files: Option<Vec<String>>,
    pub allow_missing_credentials: Option<bool>,
    pub spec: Option<String>,
    /// `types` of `conventional-commit`: commit types, not file types.
    pub commit_types: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub require_scope: Option<bool>,
    pub allow_breaking: Option<bool>,
    pub subject_max: Option<u64>,
    pub body_max: Option<u64>,
    pub require_blank_line: Option<bool>,
    pub subject_case: Option<String>,
    pub allow_trailing_period: Option<bool>,
    pub pattern: Option<Vec<String>>,
    pub forbid_pattern: Option<Vec<String>>,
    /// The toml key `where`.
    pub place: Option<String>,
    pub template: Option<String>,
    pub required: Option<bool>,
    pub allow: Option<Vec<String>>,
    pub added_lines_only: Option<bool>,
}

impl BuiltinOptions {
    /// The toml keys that are set, in declaration order.
    fn set_keys(&self) -> Vec<&'static str> {
        let flags = [
            ("max_kb", self.max_kb.is_some()),
            ("enforce_all", self.enforce_all.is_some()),
            ("fix", self.fix.is_some()),
            ("chars", self.chars.is_some()),
            ("markdown_linebreak_ext", self.markdown_linebreak_ext.is_some()),
            ("allow_multiple_documents", self.allow_multiple_documents.is_some()),
            ("unsafe", self.unsafe_yaml.is_some()),
            ("branches", self.branches.is_some()),
            ("patterns", self.patterns.is_some()),
            ("assume_in_merge", self.assume_in_merge.is_some()),
            ("credentials_files", self.credentials_files.is_some()),
            ("allow_missing_credentials", self.allow_missing_credentials.is_some()),
            ("spec", self.spec.is_some()),
            ("types", self.commit_types.is_some()),
            ("scopes", self.scopes.is_some()),
            ("require_scope", self.require_scope.is_some()),
            ("allow_breaking", self.allow_breaking.is_some()),
            ("subject_max", self.subject_max.is_some()),
            ("body_max", self.body_max.is_some()),
            ("require_blank_line", self.require_blank_line.is_some()),
            ("subject_case", self.subject_case.is_some()),
            ("allow_trailing_period", self.allow_trailing_period.is_some()),
            ("pattern", self.pattern.is_some()),
            ("forbid_pattern", self.forbid_pattern.is_some()),
            ("where", self.place.is_some()),
            ("template", self.template.is_some()),
            ("required", self.required.is_some()),
            ("allow", self.allow.is_some()),
            ("added_lines_only", self.added_lines_only.is_some()),
        ];
        flags.into_iter().filter(|(_, set)| *set).map(|(key, _)| key).collect()
    }
}

/// A built-in's options were wrong: `key` is the toml key at fault (`None`: the builtin name itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    pub key: Option<&'static str>,
    pub message: String,
}

impl OptionError {
    pub(crate) fn new(key: &'static str, message: impl Into<String>) -> Self {
        OptionError { key: Some(key), message: message.into() }
    }
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for OptionError {}

/// Every built-in id, for suggestions and `ward list`.
pub const NAMES: &[&str] = &[
    "trailing-whitespace",
    "end-of-file-fixer",
    "mixed-line-ending",
    "fix-byte-order-marker",
    "check-merge-conflict",
    "check-added-large-files",
    "detect-private-key",
    "detect-aws-credentials",
    "check-case-conflict",
    "check-illegal-windows-names",
    "check-executables-have-shebangs",
    "check-shebang-scripts-are-executable",
    "check-symlinks",
    "destroyed-symlinks",
    "forbid-new-submodules",
    "forbid-gitkeep-removal",
    "check-json",
    "check-yaml",
    "check-xml",
    "check-toml",
    "no-commit-to-branch",
    "conventional-commit",
    "commit-message",
    "ticket-reference",
    "branch-name",
    "forbid-patterns",
    "composer-lock",
];

/// One configured built-in check with its validated options.
#[derive(Clone, Debug)]
pub enum Builtin {
    TrailingWhitespace(TrailingWhitespaceOptions),
    EndOfFileFixer,
    MixedLineEnding(LineEndingFix),
    FixByteOrderMarker,
    CheckMergeConflict,
    CheckAddedLargeFiles {
        max_kb: u64,
        enforce_all: bool,
    },
    DetectPrivateKey,
    DetectAwsCredentials {
        credentials_files: Vec<String>,
        allow_missing: bool,
    },
    CheckCaseConflict,
    CheckIllegalWindowsNames,
    CheckExecutablesHaveShebangs,
    CheckShebangScriptsAreExecutable,
    CheckSymlinks,
    DestroyedSymlinks,
    ForbidNewSubmodules,
    ForbidGitkeepRemoval,
    CheckJson,
    CheckYaml(YamlOptions),
    CheckXml,
    /// `true`: TOML 1.1 (`spec = "1.1"`); TOML 1.0 otherwise, as tomllib reads it.
    CheckToml {
        toml_1_1: bool,
    },
    NoCommitToBranch(BranchOptions),
    ConventionalCommit(ConventionalOptions),
    CommitMessage(MessageOptions),
    TicketReference(TicketOptions),
    BranchName(BranchNameOptions),
    ForbidPatterns(ForbidOptions),
    ComposerLock,
}

/// What a built-in looks at, which decides how the engine runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Scans file bytes; run through `engine::run_content`, one read per file for all such checks.
    Content,
    /// Looks at names, metadata or git, once per run; run through `engine::run_paths`.
    Paths,
}

/// The option keys each built-in accepts.
pub fn option_keys(name: &str) -> &'static [&'static str] {
    match name {
        "trailing-whitespace" => &["chars", "markdown_linebreak_ext"],
        "mixed-line-ending" => &["fix"],
        "check-merge-conflict" => &["assume_in_merge"],
        "check-added-large-files" => &["max_kb", "enforce_all"],
        "detect-aws-credentials" => &["credentials_files", "allow_missing_credentials"],
        "check-yaml" => &["allow_multiple_documents", "unsafe"],
        "check-toml" => &["spec"],
        "no-commit-to-branch" => &["branches", "patterns"],
        "conventional-commit" => &["types", "scopes", "require_scope", "allow_breaking"],
        "commit-message" => &[
            "subject_max",
            "body_max",
            "require_blank_line",
            "subject_case",
            "allow_trailing_period",
            "pattern",
            "forbid_pattern",
        ],
        "ticket-reference" => &["pattern", "where", "template", "required"],
        "branch-name" => &["pattern", "allow", "forbid_pattern"],
        "forbid-patterns" => &["patterns", "added_lines_only"],
        _ => &[],
    }
}

impl Builtin {
    /// Validates `opts` for the built-in called `name`.
    pub fn from_options(name: &str, opts: &BuiltinOptions) -> Result<Builtin, OptionError> {
        let Some(&name) = NAMES.iter().find(|n| **n == name) else {
            return Err(unknown_name(name));
        };
        let allowed = option_keys(name);
        if let Some(key) = opts.set_keys().into_iter().find(|k| !allowed.contains(k)) {
            return Err(OptionError::new(key, format!("`{key}` does not apply to `{name}`")));
        }
        Ok(match name {
            "trailing-whitespace" => Builtin::TrailingWhitespace(TrailingWhitespaceOptions::new(
                opts.chars.as_deref(),
                opts.markdown_linebreak_ext.as_deref(),
            )?),
            "end-of-file-fixer" => Builtin::EndOfFileFixer,
            "mixed-line-ending" => Builtin::MixedLineEnding(LineEndingFix::parse(opts.fix.as_deref())?),
            "fix-byte-order-marker" => Builtin::FixByteOrderMarker,
            "check-merge-conflict" => Builtin::CheckMergeConflict,
            "check-added-large-files" => Builtin::CheckAddedLargeFiles {
                max_kb: opts.max_kb.unwrap_or(500),
                enforce_all: opts.enforce_all.unwrap_or(false),
            },
            "detect-private-key" => Builtin::DetectPrivateKey,
            "detect-aws-credentials" => Builtin::DetectAwsCredentials {
                credentials_files: opts.credentials_files.clone().unwrap_or_default(),
                allow_missing: opts.allow_missing_credentials.unwrap_or(false),
            },
            "check-case-conflict" => Builtin::CheckCaseConflict,
            "check-illegal-windows-names" => Builtin::CheckIllegalWindowsNames,
            "check-executables-have-shebangs" => Builtin::CheckExecutablesHaveShebangs,
            "check-shebang-scripts-are-executable" => Builtin::CheckShebangScriptsAreExecutable,
            "check-symlinks" => Builtin::CheckSymlinks,
            "destroyed-symlinks" => Builtin::DestroyedSymlinks,
            "forbid-new-submodules" => Builtin::ForbidNewSubmodules,
            "forbid-gitkeep-removal" => Builtin::ForbidGitkeepRemoval,
            "check-json" => Builtin::CheckJson,
            "check-yaml" => Builtin::CheckYaml(YamlOptions::new(opts.allow_multiple_documents, opts.unsafe_yaml)),
            "check-xml" => Builtin::CheckXml,
            "check-toml" => Builtin::CheckToml { toml_1_1: toml_syntax::spec_1_1(opts.spec.as_deref())? },
            "composer-lock" => Builtin::ComposerLock,
            "conventional-commit" => Builtin::ConventionalCommit(ConventionalOptions::new(
                opts.commit_types.as_deref(),
                opts.scopes.as_deref(),
                opts.require_scope,
                opts.allow_breaking,
            )?),
            "commit-message" => Builtin::CommitMessage(MessageOptions::new(&MessageInput {
                subject_max: opts.subject_max,
                body_max: opts.body_max,
                require_blank_line: opts.require_blank_line,
                subject_case: opts.subject_case.as_deref(),
                allow_trailing_period: opts.allow_trailing_period,
                pattern: opts.pattern.as_deref(),
                forbid_pattern: opts.forbid_pattern.as_deref(),
            })?),
            "ticket-reference" => Builtin::TicketReference(TicketOptions::new(
                opts.pattern.as_deref(),
                opts.place.as_deref(),
                opts.template.as_deref(),
                opts.required,
            )?),
            "branch-name" => Builtin::BranchName(BranchNameOptions::new(
                opts.pattern.as_deref(),
                opts.allow.as_deref(),
                opts.forbid_pattern.as_deref(),
            )?),
            "forbid-patterns" => {
                Builtin::ForbidPatterns(ForbidOptions::new(opts.patterns.as_deref(), opts.added_lines_only)?)
            }
            _ => {
                let patterns = match &opts.patterns {
                    Some(specs) if specs.iter().any(|s| s.types.is_some()) => {
                        return Err(OptionError::new("patterns", "`patterns` of `no-commit-to-branch` are strings"))
                    }
                    Some(specs) => Some(specs.iter().map(|s| s.regex.clone()).collect::<Vec<_>>()),
                    None => None,
                };
                Builtin::NoCommitToBranch(BranchOptions::new(opts.branches.as_deref(), patterns.as_deref())?)
            }
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Builtin::TrailingWhitespace(_) => "trailing-whitespace",
            Builtin::EndOfFileFixer => "end-of-file-fixer",
            Builtin::MixedLineEnding(_) => "mixed-line-ending",
            Builtin::FixByteOrderMarker => "fix-byte-order-marker",
            Builtin::CheckMergeConflict => "check-merge-conflict",
            Builtin::CheckAddedLargeFiles { .. } => "check-added-large-files",
            Builtin::DetectPrivateKey => "detect-private-key",
            Builtin::DetectAwsCredentials { .. } => "detect-aws-credentials",
            Builtin::CheckCaseConflict => "check-case-conflict",
            Builtin::CheckIllegalWindowsNames => "check-illegal-windows-names",
            Builtin::CheckExecutablesHaveShebangs => "check-executables-have-shebangs",
            Builtin::CheckShebangScriptsAreExecutable => "check-shebang-scripts-are-executable",
            Builtin::CheckSymlinks => "check-symlinks",
            Builtin::DestroyedSymlinks => "destroyed-symlinks",
            Builtin::ForbidNewSubmodules => "forbid-new-submodules",
            Builtin::ForbidGitkeepRemoval => "forbid-gitkeep-removal",
            Builtin::CheckJson => "check-json",
            Builtin::CheckYaml(_) => "check-yaml",
            Builtin::CheckXml => "check-xml",
            Builtin::CheckToml { .. } => "check-toml",
            Builtin::NoCommitToBranch(_) => "no-commit-to-branch",
            Builtin::ConventionalCommit(_) => "conventional-commit",
            Builtin::CommitMessage(_) => "commit-message",
            Builtin::TicketReference(_) => "ticket-reference",
            Builtin::BranchName(_) => "branch-name",
            Builtin::ForbidPatterns(_) => "forbid-patterns",
            Builtin::ComposerLock => "composer-lock",
        }
    }

    /// True for checks that rewrite files in fix mode.
    pub fn is_fixer(&self) -> bool {
        match self {
            Builtin::TrailingWhitespace(_) | Builtin::EndOfFileFixer | Builtin::FixByteOrderMarker => true,
            Builtin::MixedLineEnding(fix) => *fix != LineEndingFix::No,
            _ => false,
        }
    }

    pub fn scope(&self) -> Scope {
        match self {
            Builtin::TrailingWhitespace(_)
            | Builtin::EndOfFileFixer
            | Builtin::MixedLineEnding(_)
            | Builtin::FixByteOrderMarker
            | Builtin::CheckMergeConflict
            | Builtin::DetectPrivateKey
            | Builtin::DetectAwsCredentials { .. }
            | Builtin::CheckExecutablesHaveShebangs
            | Builtin::CheckShebangScriptsAreExecutable
            | Builtin::CheckJson
            | Builtin::CheckYaml(_)
            | Builtin::CheckXml
            | Builtin::CheckToml { .. } => Scope::Content,
            Builtin::CheckAddedLargeFiles { .. }
            | Builtin::CheckCaseConflict
            | Builtin::CheckIllegalWindowsNames
            | Builtin::CheckSymlinks
            | Builtin::DestroyedSymlinks
            | Builtin::ForbidNewSubmodules
            | Builtin::ForbidGitkeepRemoval
            | Builtin::NoCommitToBranch(_)
            | Builtin::ComposerLock
            | Builtin::ConventionalCommit(_)
            | Builtin::CommitMessage(_)
            | Builtin::TicketReference(_)
            | Builtin::BranchName(_)
            | Builtin::ForbidPatterns(_) => Scope::Paths,
        }
    }

    /// The implicit `types` when the user gives none: the hook's `types` in pre-commit-hooks'
    /// manifest, so each built-in sees the files pre-commit would give it (`file` by default).
    pub fn default_types(&self) -> TagSet {
        let tags: &[Tag] = match self {
            Builtin::CheckJson => &[Tag::JSON],
            Builtin::CheckYaml(_) => &[Tag::YAML],
            Builtin::CheckXml => &[Tag::XML],
            Builtin::CheckToml { .. } => &[Tag::TOML],
            Builtin::CheckSymlinks => &[Tag::SYMLINK],
            Builtin::CheckExecutablesHaveShebangs => &[Tag::TEXT, Tag::EXECUTABLE],
            Builtin::ForbidPatterns(_) => &[Tag::TEXT],
            // Commit messages and branch names are not files of the selection.
            Builtin::ConventionalCommit(_)
            | Builtin::CommitMessage(_)
            | Builtin::TicketReference(_)
            | Builtin::BranchName(_) => &[],
            _ if self.scope() == Scope::Content => &[Tag::TEXT],
            _ => &[Tag::FILE],
        };
        tags.iter().copied().collect()
    }

    /// One sentence for `ward list` and `ward explain`.
    /// The facts about the repository this check asks git for, so a run can fetch them early.
    pub fn git_facts(&self) -> crate::repo::Prefetch {
        use crate::repo::Prefetch;
        match self {
            Builtin::CheckCaseConflict | Builtin::CheckShebangScriptsAreExecutable => {
                Prefetch { index: true, ..Prefetch::default() }
            }
            Builtin::CheckExecutablesHaveShebangs => Prefetch { index: true, file_mode: true, ..Prefetch::default() },
            Builtin::ComposerLock => Prefetch { index: true, staged: true, ..Prefetch::default() },
            Builtin::CheckAddedLargeFiles { .. } | Builtin::ForbidNewSubmodules | Builtin::ForbidGitkeepRemoval => {
                Prefetch { staged: true, ..Prefetch::default() }
            }
            _ => Prefetch::default(),
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Builtin::TrailingWhitespace(_) => {
                "Removes whitespace before line endings, keeping Markdown hard line breaks."
            }
            Builtin::EndOfFileFixer => "Makes every non-empty file end with exactly one line ending.",
            Builtin::MixedLineEnding(_) => "Finds files that mix LF, CRLF and CR line endings and unifies them.",
            Builtin::FixByteOrderMarker => "Removes the UTF-8 byte-order marker from the start of files.",
            Builtin::CheckMergeConflict => "Finds unresolved merge conflict blocks (<<<<<<<, =======, >>>>>>>).",
            Builtin::CheckAddedLargeFiles { .. } => "Stops newly added files larger than `max_kb` (500 KB by default).",
            Builtin::DetectPrivateKey => "Finds private keys (PEM, OpenSSH, PuTTY, PGP, OpenVPN) in files.",
            Builtin::DetectAwsCredentials { .. } => "Finds your configured AWS secret keys and tokens in files.",
            Builtin::CheckCaseConflict => "Finds paths that differ only by case and would collide on macOS or Windows.",
            Builtin::CheckIllegalWindowsNames => "Finds paths that cannot be checked out on Windows.",
            Builtin::CheckExecutablesHaveShebangs => "Checks that executable text files start with a `#!` line.",
            Builtin::CheckShebangScriptsAreExecutable => "Checks that files starting with `#!` are executable.",
            Builtin::CheckSymlinks => "Finds symbolic links whose target does not exist.",
            Builtin::DestroyedSymlinks => {
                "Finds symbolic links that were replaced by a regular file holding the link target."
            }
            Builtin::ForbidNewSubmodules => "Stops new git submodules from being added.",
            Builtin::ForbidGitkeepRemoval => {
                "Stops the deletion of a `.gitkeep` that would leave its directory with no tracked file."
            }
            Builtin::CheckJson => "Checks that JSON files parse and have no duplicate keys.",
            Builtin::CheckYaml(_) => "Checks that YAML files parse and have no duplicate keys.",
            Builtin::CheckXml => "Checks that XML files are well-formed.",
            Builtin::CheckToml { .. } => "Checks that TOML files parse (TOML 1.0, or 1.1 with `spec = \"1.1\"`).",
            Builtin::NoCommitToBranch(_) => "Stops commits made directly on protected branches (main, master).",
            Builtin::ComposerLock => {
                "Checks that composer.lock is committed and its content-hash matches composer.json, as Composer computes it."
            }
            Builtin::ConventionalCommit(_) => "Checks that commit subjects read `type(scope): description`.",
            Builtin::CommitMessage(_) => {
                "Checks commit messages: subject length, blank line, case, final period, team patterns."
            }
            Builtin::TicketReference(_) => {
                "Puts the branch's ticket id (OXP-1087) into commit messages and requires one there."
            }
            Builtin::BranchName(_) => "Checks that branch names follow the team's pattern and proposes one that does.",
            Builtin::ForbidPatterns(_) => {
                "Stops debug calls (var_dump, dd, console.log, ...) in the lines a change adds."
            }
        }
    }

    /// False for checks that look at the repository rather than at the selected files, so they
    /// run once whatever is selected (the engine then gets an empty file list).
    pub fn pass_files(&self) -> bool {
        !matches!(
            self,
            Builtin::NoCommitToBranch(_)
                | Builtin::ForbidGitkeepRemoval
                | Builtin::ForbidNewSubmodules
                | Builtin::BranchName(_)
        ) && !self.reads_messages()
    }

    /// True for the checks of commit messages: they run on the messages of the run, not on files.
    pub fn reads_messages(&self) -> bool {
        matches!(self, Builtin::ConventionalCommit(_) | Builtin::CommitMessage(_) | Builtin::TicketReference(_))
    }

    /// The stages a check runs in when its table has no `stages`.
    pub fn default_stages(&self) -> &'static [Stage] {
        match self {
            Builtin::TicketReference(_) => {
                &[Stage::PrepareCommitMsg, Stage::CommitMsg, Stage::PrePush, Stage::Ci, Stage::Manual]
            }
            _ if self.reads_messages() => &[Stage::CommitMsg, Stage::PrePush, Stage::Ci, Stage::Manual],
            _ => &Stage::FILES,
        }
    }
}

/// The caller adds its own "did you mean" from `NAMES`, so only removed ids get a note here.
fn unknown_name(name: &str) -> OptionError {
    let note = match name {
        "check-byte-order-marker" => " (it was replaced by `fix-byte-order-marker`)",
        _ => "",
    };
    OptionError { key: None, message: format!("unknown built-in check `{name}`{note}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(name: &str, opts: BuiltinOptions) -> Result<Builtin, OptionError> {
        Builtin::from_options(name, &opts)
    }

    #[test]
    fn every_name_builds_with_defaults_and_round_trips() {
        for name in NAMES {
            let check = build(name, BuiltinOptions::default()).unwrap();
            assert_eq!(check.name(), *name);
            assert!(!check.describe().is_empty());
        }
    }

    #[test]
    fn unknown_names_are_errors_on_the_name() {
        let err = build("check-jsn", BuiltinOptions::default()).unwrap_err();
        assert_eq!(err, OptionError { key: None, message: "unknown built-in check `check-jsn`".into() });
        let err = build("check-byte-order-marker", BuiltinOptions::default()).unwrap_err();
        assert!(err.message.contains("replaced by `fix-byte-order-marker`"), "{}", err.message);
    }

    #[test]
    fn options_that_do_not_apply_are_rejected_by_key() {
        let opts = BuiltinOptions { max_kb: Some(1), ..Default::default() };
        let err = build("check-json", opts).unwrap_err();
        assert_eq!(err, OptionError::new("max_kb", "`max_kb` does not apply to `check-json`"));
        let opts = BuiltinOptions { unsafe_yaml: Some(true), ..Default::default() };
        assert_eq!(build("check-toml", opts).unwrap_err().key, Some("unsafe"));
    }

    #[test]
    fn options_are_validated() {
        let opts = BuiltinOptions { fix: Some("dos".into()), ..Default::default() };
        assert_eq!(build("mixed-line-ending", opts).unwrap_err().key, Some("fix"));
        let opts = BuiltinOptions {
            patterns: Some(vec![PatternSpec { regex: "release/(".into(), types: None }]),
            ..Default::default()
        };
        assert_eq!(build("no-commit-to-branch", opts).unwrap_err().key, Some("patterns"));
        let opts = BuiltinOptions { markdown_linebreak_ext: Some(vec!["README.md".into()]), ..Default::default() };
        assert_eq!(build("trailing-whitespace", opts).unwrap_err().key, Some("markdown_linebreak_ext"));
        let opts = BuiltinOptions { max_kb: Some(10), enforce_all: Some(true), ..Default::default() };
        assert!(matches!(
            build("check-added-large-files", opts).unwrap(),
            Builtin::CheckAddedLargeFiles { max_kb: 10, enforce_all: true }
        ));
    }

    #[test]
    fn metadata() {
        let json = build("check-json", BuiltinOptions::default()).unwrap();
        assert_eq!(json.scope(), Scope::Content);
        assert!(json.default_types().contains(Tag::JSON));
        assert!(!json.is_fixer());
        let tw = build("trailing-whitespace", BuiltinOptions::default()).unwrap();
        assert!(tw.is_fixer());
        assert!(tw.default_types().contains(Tag::TEXT));
        let branch = build("no-commit-to-branch", BuiltinOptions::default()).unwrap();
        assert!(!branch.pass_files());
        assert_eq!(branch.scope(), Scope::Paths);
        assert_eq!(branch.default_types(), [Tag::FILE].into_iter().collect::<TagSet>());
        let report_only = BuiltinOptions { fix: Some("no".into()), ..Default::default() };
        assert!(!build("mixed-line-ending", report_only).unwrap().is_fixer());
        let large = build("check-added-large-files", BuiltinOptions::default()).unwrap();
        assert!(matches!(large, Builtin::CheckAddedLargeFiles { max_kb: 500, enforce_all: false }));
    }
}
