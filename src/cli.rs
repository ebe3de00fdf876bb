//! Command-line types (clap derive); no logic beyond parsing.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "ward",
    version,
    about = "Run the checks declared in checks.toml: in the git hook, in CI, or by hand.",
    after_help = "Exit codes: 0 all passed, 1 a check failed, 2 usage or configuration error, 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size of `RunArgs` does not matter, boxing it would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the checks on the staged files (default), all files, given files or a ref range.
    Run(RunArgs),
    /// Install git hooks that run ward.
    Install(InstallArgs),
    /// Remove the hooks ward installed and restore any hook it set aside.
    Uninstall(UninstallArgs),
    /// List the configured checks with their stages and the files they match.
    List(ConfigArgs),
    /// Load and validate the configuration; exit 0 when valid, 2 when not.
    Validate(ConfigArgs),
    /// Say what a check does, what it matches, its command, and how to fix or skip it.
    Explain(ExplainArgs),
    /// Look at the repository and write a commented checks.toml (never overwrites one).
    Init(InitArgs),
    /// Write checks.toml from a pre-commit, GrumPHP, CaptainHook or lefthook configuration.
    Import(ImportArgs),
    /// Print the file tags of each path (what `types`, `types_or`, `exclude_types` match), as identify-cli does.
    Identify(IdentifyArgs),
    /// Work with saved reports (`ward report merge` for sharded CI runs).
    #[command(subcommand)]
    Report(ReportCommand),
    /// Run by the installed git hooks.
    #[command(hide = true)]
    HookImpl(HookImplArgs),
    /// Put back the unstaged changes an interrupted run set aside (done at every start anyway).
    Restore(RestoreArgs),
    /// Record every current finding in .ward-baseline.json; later runs report only new ones.
    Baseline(BaselineArgs),
    /// Show or empty the result cache (`ward cache info`, `ward cache clean`).
    #[command(subcommand)]
    Cache(CacheCommand),
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Record only these checks' findings (by id) [default: every check of the stage].
    #[arg(value_name = "CHECK_ID")]
    pub checks: Vec<String>,

    /// The stage whose checks run [default: manual, as `ward run --all`].
    #[arg(long, value_enum, value_name = "STAGE")]
    pub stage: Option<Stage>,

    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Where the cache is, its entries and size, and the hit rate of the last run.
    Info(CacheDirArgs),
    /// Remove every cached result.
    Clean(CacheDirArgs),
}

#[derive(Debug, Args)]
pub struct CacheDirArgs {
    /// The cache directory [default: .git/ward/cache of the repository].
    #[arg(long, env = "WARD_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Combine the JSON reports of CI shards into one, as if one job had run everything.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports written by `ward run --format json --output FILE` in each shard.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,

    /// Format of the merged report.
    #[arg(long, value_enum, default_value_t = Format::Json, value_name = "FORMAT")]
    pub format: Format,

    /// Write it here instead of standard output; `FORMAT=FILE` picks another format (repeatable).
    #[arg(long, short = 'o', value_name = "[FORMAT=]FILE")]
    pub output: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The check's id.
    #[arg(value_name = "CHECK_ID")]
    pub check: String,

    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct IdentifyArgs {
    /// Files, directories or links to tag.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Print one JSON object of path to tags.
    #[arg(long)]
    pub json: bool,

    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Also install the pre-commit hook.
    #[arg(long)]
    pub install: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The configuration to import [default: the first of .pre-commit-config.yaml, grumphp.yml,
    /// captainhook.json, lefthook.yml (and their other names) at the repository root].
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    /// Where to write [default: checks.toml at the repository root]; `-` for standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace an existing file.
    #[arg(long, short = 'f')]
    pub force: bool,

    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Configuration file [default: checks.toml at the repository root].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `ward run`'s arguments alone: how the hooks build their runs, without the cost of the whole
/// command line's parser.
#[derive(Debug, Parser)]
#[command(name = "ward run")]
pub struct RunOnly {
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run only these checks (by id).
    #[arg(value_name = "CHECK_ID")]
    pub checks: Vec<String>,

    /// Check every tracked file (outside git: every file not ignored).
    #[arg(long, short = 'a', group = "selection")]
    pub all: bool,

    /// Check these paths (tracked or not); directories are walked.
    #[arg(long, num_args = 1.., value_name = "PATH", group = "selection")]
    pub files: Vec<PathBuf>,

    /// Check the files changed in FROM...TO (since their merge base).
    #[arg(long, value_name = "REF", group = "selection", visible_alias = "changed-since")]
    pub from_ref: Option<String>,

    /// The end of the range for --from-ref.
    #[arg(long, value_name = "REF", requires = "from_ref", default_value = "HEAD")]
    pub to_ref: String,

    /// Never write a byte: fixers report what they would fix (for CI).
    #[arg(long, conflicts_with = "fix")]
    pub check: bool,

    /// Run only the fixers (all, or the CHECK_IDs given), then check the files they touched again.
    #[arg(long, conflicts_with = "ci")]
    pub fix: bool,

    /// Skip a check (repeatable); the SKIP environment variable takes a comma-separated list too.
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,

    /// Stop scheduling new checks after the first failure.
    #[arg(long)]
    pub fail_fast: bool,

    /// How many checks and batches run at once [default: number of CPUs].
    #[arg(long, short = 'j', value_name = "N",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=crate::config::MAX_JOBS as u64))]
    pub jobs: Option<usize>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human, value_name = "FORMAT")]
    pub format: Format,

    /// Write the report to FILE (in --format, or FORMAT=FILE for another format; repeatable);
    /// the human report still goes to the terminal.
    #[arg(long, short = 'o', value_name = "[FORMAT=]FILE")]
    pub output: Vec<String>,

    /// In CI: check what the pull request changed (base found from the CI's variables), in the
    /// `ci` stage, without writing a byte.
    #[arg(long, conflicts_with_all = ["all", "files", "from_ref"])]
    pub ci: bool,

    /// Run only shard INDEX of COUNT size-balanced parts of the files (`2/4`); merge the shards'
    /// JSON reports with `ward report merge`.
    #[arg(long, value_name = "INDEX/COUNT")]
    pub shard: Option<crate::select::shard::Shard>,

    /// Print every check's output, also when it passed.
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    pub verbose: bool,

    /// Print only failures and the summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// The stage being run; checks declare the stages they belong to [default: manual; ci with --ci].
    #[arg(long, value_enum, value_name = "STAGE")]
    pub stage: Option<Stage>,

    /// Keep results here instead of .git/ward/cache (for CI caches).
    #[arg(long, env = "WARD_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Check everything again: neither use nor update the result cache.
    #[arg(long)]
    pub no_cache: bool,

    /// The commit message to check (a file, or `-` for standard input); implies the commit-msg
    /// stage unless --stage says otherwise.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["all", "files", "from_ref", "ci"])]
    pub message: Option<PathBuf>,

    /// What git said the message comes from (prepare-commit-msg: message, template, merge,
    /// squash, commit).
    #[arg(long, value_name = "SOURCE", requires = "message", hide = true)]
    pub message_source: Option<String>,

    /// The branch branch checks look at instead of the checked-out one (pre-push: the pushed branch).
    #[arg(long, value_name = "NAME", hide = true)]
    pub branch: Option<String>,

    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Hook to install (repeatable) [default: pre-commit].
    #[arg(long = "hook", value_enum, value_name = "HOOK")]
    pub hooks: Vec<HookType>,

    /// Replace a hook that ward did not write (kept as <hook>.legacy: run first, unless pre-commit,
    /// GrumPHP, CaptainHook or lefthook wrote it).
    #[arg(long, short = 'f')]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Hook to remove (repeatable) [default: every hook ward installed].
    #[arg(long = "hook", value_enum, value_name = "HOOK")]
    pub hooks: Vec<HookType>,
}

#[derive(Debug, Args)]
pub struct HookImplArgs {
    #[arg(value_enum)]
    pub hook: HookType,
    /// The arguments git gave the hook.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Show the backups in .git/ward/ and change nothing.
    #[arg(long)]
    pub list: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Check lines and a summary for people.
    Human,
    /// The whole report as one JSON document (see the README).
    Json,
    /// JUnit XML for GitLab, Jenkins and other test report readers.
    Junit,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations (and a job summary in $GITHUB_STEP_SUMMARY).
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// Checkstyle XML.
    Checkstyle,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        <Format as ValueEnum>::from_str(name, true).ok()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Stage {
    PreCommit,
    PrePush,
    CommitMsg,
    Ci,
    Manual,
    PrepareCommitMsg,
}

impl Stage {
    pub const ALL: [Stage; 6] =
        [Stage::PreCommit, Stage::PrePush, Stage::CommitMsg, Stage::Ci, Stage::Manual, Stage::PrepareCommitMsg];

    /// The stages about files: a check without `stages` runs in these, never on a commit message.
    pub const FILES: [Stage; 4] = [Stage::PreCommit, Stage::PrePush, Stage::Ci, Stage::Manual];

    pub fn name(self) -> &'static str {
        match self {
            Stage::PreCommit => "pre-commit",
            Stage::PrePush => "pre-push",
            Stage::CommitMsg => "commit-msg",
            Stage::Ci => "ci",
            Stage::Manual => "manual",
            Stage::PrepareCommitMsg => "prepare-commit-msg",
        }
    }

    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum HookType {
    PreCommit,
    PrePush,
    CommitMsg,
    PrepareCommitMsg,
}

impl HookType {
    pub const ALL: [HookType; 4] =
        [HookType::PreCommit, HookType::PrePush, HookType::CommitMsg, HookType::PrepareCommitMsg];

    pub fn name(self) -> &'static str {
        match self {
            HookType::PreCommit => "pre-commit",
            HookType::PrePush => "pre-push",
            HookType::CommitMsg => "commit-msg",
            HookType::PrepareCommitMsg => "prepare-commit-msg",
        }
    }

    pub fn stage(self) -> Stage {
        match self {
            HookType::PreCommit => Stage::PreCommit,
            HookType::PrePush => Stage::PrePush,
            HookType::CommitMsg => Stage::CommitMsg,
            HookType::PrepareCommitMsg => Stage::PrepareCommitMsg,
        }
    }
}
