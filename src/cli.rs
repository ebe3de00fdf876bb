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
    /// Run by the installed git hooks.
    #[command(hide = true)]
    HookImpl(HookImplArgs),
    /// Put back the unstaged changes an interrupted run set aside (done at every start anyway).
    Restore(RestoreArgs),
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
    #[arg(long, value_name = "REF", group = "selection", alias = "changed-since")]
    pub from_ref: Option<String>,

    /// The end of the range for --from-ref.
    #[arg(long, value_name = "REF", requires = "from_ref", default_value = "HEAD")]
    pub to_ref: String,

    /// Never write a byte: fixers report what they would fix (for CI).
    #[arg(long)]
    pub check: bool,

    /// Skip a check (repeatable); the SKIP environment variable takes a comma-separated list too.
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,

    /// Stop scheduling new checks after the first failure.
    #[arg(long)]
    pub fail_fast: bool,

    /// How many checks and batches run at once [default: number of CPUs].
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human, value_name = "FORMAT")]
    pub format: Format,

    /// Write the report to FILE; the human summary still goes to the terminal.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print every check's output, also when it passed.
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    pub verbose: bool,

    /// Print only failures and the summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// The stage being run; checks declare the stages they belong to.
    #[arg(long, value_enum, default_value_t = Stage::Manual, value_name = "STAGE")]
    pub stage: Stage,

    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Hook to install (repeatable) [default: pre-commit].
    #[arg(long = "hook", value_enum, value_name = "HOOK")]
    pub hooks: Vec<HookType>,

    /// Replace a hook that ward did not write (it is kept as <hook>.legacy and still run).
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
    Human,
    Json,
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
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::PreCommit, Stage::PrePush, Stage::CommitMsg, Stage::Ci, Stage::Manual];

    pub fn name(self) -> &'static str {
        match self {
            Stage::PreCommit => "pre-commit",
            Stage::PrePush => "pre-push",
            Stage::CommitMsg => "commit-msg",
            Stage::Ci => "ci",
            Stage::Manual => "manual",
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
}

impl HookType {
    pub const ALL: [HookType; 3] = [HookType::PreCommit, HookType::PrePush, HookType::CommitMsg];

    pub fn name(self) -> &'static str {
        match self {
            HookType::PreCommit => "pre-commit",
            HookType::PrePush => "pre-push",
            HookType::CommitMsg => "commit-msg",
        }
    }

    pub fn stage(self) -> Stage {
        match self {
            HookType::PreCommit => Stage::PreCommit,
            HookType::PrePush => Stage::PrePush,
            HookType::CommitMsg => Stage::CommitMsg,
        }
    }
}
