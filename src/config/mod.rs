//! The validated configuration: checks with compiled globs, types, stages and kinds.

mod error;
pub mod presets;
pub mod pyregex;
pub mod raw;
mod source;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use toml::Spanned;

pub use error::{suggest, ConfigError};
use raw::{RawCheck, RawConfig};

use crate::checks::builtin::{Builtin, BuiltinOptions, PatternSpec};
use crate::cli::Stage;
use crate::outcome::parse::Format;
use crate::select::identify::{Tag, TagSet};
use presets::{ExitMeaning, Preset};
pub use pyregex::PyRegex;

/// The file name `ward` looks for at the repository root.
pub const FILE_NAME: &str = "checks.toml";

/// The most checks and batches that may run at once (`jobs`, `-j`): far above any machine's
/// useful parallelism, far below what would exhaust threads or processes.
pub const MAX_JOBS: usize = 256;

/// The checks used when a repository has no `checks.toml`.
pub const DEFAULT_CONFIG: &str = include_str!("default.toml");

#[derive(Debug)]
pub struct Config {
    /// Where it was read from; `None` for the embedded default.
    pub path: Option<PathBuf>,
    pub settings: Settings,
    pub checks: Vec<Check>,
    /// Known findings from `.ward-baseline.json` at the root, not reported again.
    pub baseline: Option<crate::outcome::baseline::Baseline>,
}

#[derive(Debug)]
pub struct Settings {
    pub exclude: Option<Globs>,
    /// pre-commit's top-level `files` and `exclude` (Python regular expressions).
    pub files_regex: Option<PyRegex>,
    pub exclude_regex: Option<PyRegex>,
    pub fail_fast: bool,
    /// 0: one per CPU.
    pub jobs: usize,
    pub stage_fixed: bool,
    /// The bound of the result cache, in bytes.
    pub cache_max_size: u64,
    /// `exec`/`container_root`: every command runs inside this container unless a check says otherwise.
    pub container: Option<Container>,
}

/// A command prefix that runs tools inside a container (`docker compose exec -T php`, `ddev exec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub prefix: Vec<String>,
    /// Where the repository root is mounted in the container (`/app`); files are passed and
    /// read back relative to it. `None`: the container's working directory is the repository.
    pub root: Option<String>,
}

/// How a check's results are kept (`cache = ...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheMode {
    /// A result per file: the check's verdict on a file depends on that file alone.
    PerFile,
    /// One result for the whole run, keyed by every file the check matches.
    Project,
    Off,
}

#[derive(Debug)]
pub struct Check {
    pub id: String,
    pub name: String,
    pub kind: CheckKind,
    pub files: Option<Globs>,
    pub exclude: Option<Globs>,
    /// pre-commit's `files` and `exclude` (Python regular expressions).
    pub files_regex: Option<PyRegex>,
    pub exclude_regex: Option<PyRegex>,
    /// identify tags a file must all have, at least one of (when not empty), and none of.
    pub types: TagSet,
    pub types_or: TagSet,
    pub exclude_types: TagSet,
    pub pass_files: bool,
    pub serial: bool,
    /// At most this many files per process (`php -l` in PHP before 8.3 reads only one).
    pub batch_size: Option<usize>,
    pub always_run: bool,
    pub stages: Vec<Stage>,
    pub env: Vec<(String, String)>,
    pub timeout: Option<Duration>,
    pub ci_all_files: bool,
    pub stage_fixed: Option<bool>,
    /// `cache = ...`; `None`: the default (per file for content built-ins and file-local presets).
    pub cache: Option<CacheMode>,
    /// Files besides the checked ones that its results depend on (`cache_inputs`).
    pub cache_inputs: Vec<String>,
}

#[derive(Debug)]
pub enum CheckKind {
    Builtin(Builtin),
    External(External),
}

/// A check that runs a command.
#[derive(Debug)]
pub struct External {
    /// The command split into words; files are appended when `pass_files`.
    pub run: Vec<String>,
    /// The command that fixes instead of checking, when the check has one.
    pub fix: Option<Vec<String>>,
    pub format: Option<Format>,
    pub exit: ExitMeaning,
    /// The preset it came from (`uses = ...`).
    pub preset: Option<&'static Preset>,
    /// Why the check cannot run as configured (a preset's required config file is missing).
    pub unusable: Option<String>,
    /// In the pre-commit stage, findings in files outside the selection fail the check too.
    pub fail_outside_selection: bool,
    /// Runs inside a container (the check's `exec` or the settings').
    pub container: Option<Container>,
    /// Below this PHP_VERSION_ID the tool reads one file per call (`php -l` before PHP 8.3).
    pub one_file_below_php: Option<u32>,
}

impl External {
    /// A word of the command holds `{report}`: the tool writes its report to a file, which is
    /// read instead of its standard output.
    pub fn writes_report(&self) -> bool {
        self.run.iter().chain(self.fix.iter().flatten()).any(|w| w.contains(REPORT_PLACEHOLDER))
    }
}

/// Stands for the report file in a command (`--log-junit={report}`).
pub const REPORT_PLACEHOLDER: &str = "{report}";

impl Check {
    pub fn is_fixer(&self) -> bool {
        match &self.kind {
            CheckKind::Builtin(b) => b.is_fixer(),
            CheckKind::External(e) => e.fix.is_some(),
        }
    }

    pub fn in_stage(&self, stage: Stage) -> bool {
        self.stages.contains(&stage)
    }

    /// The regex and tag filters in words, for `ward list` and `ward explain` (the plain `file`
    /// default goes unsaid).
    pub fn filter_notes(&self) -> Vec<String> {
        let names = |set: TagSet| set.iter().map(Tag::name).collect::<Vec<_>>();
        let mut notes = Vec::new();
        if let Some(regex) = &self.files_regex {
            notes.push(format!("matching /{}/", regex.source));
        }
        if let Some(regex) = &self.exclude_regex {
            notes.push(format!("not matching /{}/", regex.source));
        }
        if self.types != [Tag::FILE].into_iter().collect::<TagSet>() && !self.types.is_empty() {
            notes.push(format!("of type {}", names(self.types).join(" and ")));
        }
        if !self.types_or.is_empty() {
            notes.push(format!("of any type of {}", names(self.types_or).join(", ")));
        }
        if !self.exclude_types.is_empty() {
            notes.push(format!("of no type of {}", names(self.exclude_types).join(", ")));
        }
        notes
    }
}

/// Whether a check's `types` are file tags: for `conventional-commit` they are commit types.
fn types_are_tags(kind: &CheckKind) -> bool {
    !matches!(kind, CheckKind::Builtin(Builtin::ConventionalCommit(_)))
}

/// ward's own type names before it adopted identify's tags, and what identify calls them.
fn renamed_type(name: &str) -> Option<&'static str> {
    match name {
        "typescript" => Some("ts"),
        _ => None,
    }
}

/// A command as a person would type it: words quoted only where a shell needs it.
pub fn display_command(words: &[String]) -> String {
    let plain = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c));
    words
        .iter()
        .map(|w| if plain(w) { w.clone() } else { shlex::try_quote(w).map_or_else(|_| w.clone(), |q| q.into_owned()) })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compiled glob patterns with their source text kept for `ward list`.
#[derive(Debug, Clone)]
pub struct Globs {
    pub patterns: Vec<String>,
    set: GlobSet,
}

impl Globs {
    /// Patterns without a `/` match the file name at any depth, as in `.gitignore`.
    pub fn new(patterns: &[String]) -> Result<Globs, (usize, String)> {
        let mut builder = GlobSetBuilder::new();
        for (i, pattern) in patterns.iter().enumerate() {
            let anchored = if pattern.contains('/') {
                pattern.trim_start_matches("./").trim_start_matches('/').to_string()
            } else {
                format!("**/{pattern}")
            };
            let glob = GlobBuilder::new(&anchored)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| (i, e.kind().to_string()))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Globs { patterns: patterns.to_vec(), set })
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

/// `cache_max_size`: a number of bytes or a text with a unit (`500KB`, `100MB`, `2GB`).
fn parse_size(value: &toml::Value) -> Option<u64> {
    match value {
        toml::Value::Integer(n) => u64::try_from(*n).ok(),
        toml::Value::String(text) => {
            let text = text.trim();
            let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
            let (number, unit) = text.split_at(split);
            let number: u64 = number.parse().ok()?;
            let factor: u64 = match unit.trim().to_ascii_uppercase().as_str() {
                "" | "B" => 1,
                "K" | "KB" | "KIB" => 1 << 10,
                "M" | "MB" | "MIB" => 1 << 20,
                "G" | "GB" | "GIB" => 1 << 30,
                _ => return None,
            };
            number.checked_mul(factor)
        }
        _ => None,
    }
}

/// Loads `path`, or the embedded default when `path` is `None`; `root` is where tool config
/// files (`phpstan.neon`, ...) are looked for.
pub fn load(path: Option<&Path>, root: Option<&Path>) -> Result<Config, ConfigError> {
    match path {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| ConfigError::new(path, "", None, format!("cannot read: {e}")))?;
            let source = source::decode(path, bytes)?;
            parse(&source, Some(path), root)
        }
        None => parse(DEFAULT_CONFIG, None, root),
    }
}

/// Parses and validates configuration text; `path` names it in errors.
pub fn parse(source: &str, path: Option<&Path>, root: Option<&Path>) -> Result<Config, ConfigError> {
    let shown = path.unwrap_or(Path::new("<default checks.toml>"));
    let raw: RawConfig = toml::from_str(source).map_err(|e| match e.span() {
        None => source::nesting_error(shown, source, e.message())
            .unwrap_or_else(|| ConfigError::from_toml(shown, source, &e)),
        Some(_) => ConfigError::from_toml(shown, source, &e),
    })?;
    Validator { path: shown, source, root }.config(raw, path)
}

struct Validator<'a> {
    path: &'a Path,
    source: &'a str,
    root: Option<&'a Path>,
}

impl Validator<'_> {
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError::new(self.path, self.source, Some(span), message)
    }

    fn config(&self, raw: RawConfig, path: Option<&Path>) -> Result<Config, ConfigError> {
        let settings = Settings {
            exclude: self.globs(raw.settings.exclude.as_deref())?,
            files_regex: self.regex("files_regex", raw.settings.files_regex.as_ref())?,
            exclude_regex: self.regex("exclude_regex", raw.settings.exclude_regex.as_ref())?,
            fail_fast: raw.settings.fail_fast.unwrap_or(false),
            jobs: self.jobs(raw.settings.jobs.as_ref())?,
            stage_fixed: raw.settings.stage_fixed.unwrap_or(false),
            cache_max_size: match &raw.settings.cache_max_size {
                Some(value) => parse_size(value.get_ref()).ok_or_else(|| {
                    self.error(
                        value.span(),
                        "`cache_max_size`: expected a size such as \"100MB\", \"2GB\" or a number of bytes",
                    )
                })?,
                None => crate::cache::DEFAULT_MAX_SIZE,
            },
            container: self.container(raw.settings.exec.as_ref(), raw.settings.container_root.as_ref(), None)?,
        };
        let checks = raw
            .checks
            .into_iter()
            .map(|(id, check)| self.check(id, check, &settings))
            .collect::<Result<Vec<_>, _>>()?;
        let baseline = match self.root {
            Some(root) => crate::outcome::baseline::Baseline::load(root).map_err(|message| {
                ConfigError::new(Path::new(crate::outcome::baseline::FILE_NAME), "", None, message)
            })?,
            None => None,
        };
        Ok(Config { path: path.map(Path::to_owned), settings, checks, baseline })
    }

    /// `jobs` within [`MAX_JOBS`]: a typo of a few digits must not start thousands of threads.
    fn jobs(&self, jobs: Option<&Spanned<usize>>) -> Result<usize, ConfigError> {
        match jobs {
            Some(jobs) if *jobs.get_ref() > MAX_JOBS => Err(self.error(
                jobs.span(),
                format!(
                    "`jobs` is {}; at most {MAX_JOBS} checks can run at once (0 means one per CPU)",
                    jobs.get_ref()
                ),
            )),
            Some(jobs) => Ok(*jobs.get_ref()),
            None => Ok(0),
        }
    }

    /// `exec` and `container_root`, a check's on top of the settings' (`inherited`).
    fn container(
        &self,
        exec: Option<&Spanned<String>>,
        root: Option<&Spanned<String>>,
        inherited: Option<&Container>,
    ) -> Result<Option<Container>, ConfigError> {
        let prefix = match exec {
            // `exec = ""` on a check: this one runs here, whatever the settings say.
            Some(exec) if exec.get_ref().trim().is_empty() && inherited.is_some() => return Ok(None),
            Some(exec) => match shlex::split(exec.get_ref()) {
                Some(words) if !words.is_empty() => Some(words),
                _ => {
                    return Err(self.error(
                        exec.span(),
                        "`exec` must be a command prefix such as \"docker compose exec -T php\" or \"ddev exec\"",
                    ))
                }
            },
            None => None,
        };
        let mount = match root {
            Some(root) => {
                let text = root.get_ref().trim_end_matches('/');
                if !text.starts_with('/') || text.split('/').any(|part| part == "..") {
                    return Err(self.error(
                        root.span(),
                        "`container_root` must be the absolute path of the repository in the container, such as \"/app\"",
                    ));
                }
                Some(text.to_string())
            }
            None => None,
        };
        match (prefix, mount, inherited) {
            (None, None, inherited) => Ok(inherited.cloned()),
            (Some(prefix), root, inherited) => {
                Ok(Some(Container { prefix, root: root.or_else(|| inherited.and_then(|c| c.root.clone())) }))
            }
            (None, Some(root), Some(inherited)) => Ok(Some(Container { root: Some(root), ..inherited.clone() })),
            (None, Some(_), None) => Err(self.error(
                root.map_or(0..0, Spanned::span),
                "`container_root` goes with `exec` (the command that enters the container)",
            )),
        }
    }

    fn check(&self, id: String, spanned: Spanned<RawCheck>, settings: &Settings) -> Result<Check, ConfigError> {
        let table_span = spanned.span();
        let raw = spanned.into_inner();
        if id.is_empty() || id.contains(|c: char| c.is_whitespace() || c == ',') {
            return Err(self.error(
                table_span,
                format!("check id `{id}` must be non-empty, without spaces or commas (it is used in SKIP=...)"),
            ));
        }
        self.no_nul(&raw, table_span.clone())?;
        let mut kind = self.kind(&id, &raw, table_span.clone())?;
        match &mut kind {
            CheckKind::External(external) => {
                external.container =
                    self.container(raw.exec.as_ref(), raw.container_root.as_ref(), settings.container.as_ref())?;
            }
            CheckKind::Builtin(_) => {
                if let Some(span) = raw.exec.as_ref().or(raw.container_root.as_ref()).map(Spanned::span) {
                    return Err(
                        self.error(span, "`exec` and `container_root` apply to commands; built-ins run in ward")
                    );
                }
            }
        }
        let preset = match &kind {
            CheckKind::External(e) => e.preset,
            CheckKind::Builtin(_) => None,
        };
        let default_stages = match &kind {
            CheckKind::Builtin(b) => b.default_stages(),
            CheckKind::External(_) => &Stage::FILES,
        };
        let reads_git_itself = matches!(&kind, CheckKind::Builtin(b) if !b.pass_files());
        // `conventional-commit` takes commit types in `types`; they went to its options.
        let types = match &raw.types {
            Some(types) if types_are_tags(&kind) => self.tags("types", types)?,
            Some(_) => TagSet::empty(),
            None => match &kind {
                CheckKind::Builtin(b) => b.default_types(),
                CheckKind::External(e) => {
                    e.preset.map_or_else(|| [Tag::FILE].into_iter().collect(), |p| p.types.iter().copied().collect())
                }
            },
        };
        let types_or = raw.types_or.as_deref().map_or(Ok(TagSet::empty()), |t| self.tags("types_or", t))?;
        let exclude_types =
            raw.exclude_types.as_deref().map_or(Ok(TagSet::empty()), |t| self.tags("exclude_types", t))?;
        let pass_files = match &kind {
            CheckKind::Builtin(b) => raw.pass_files.unwrap_or(b.pass_files()),
            CheckKind::External(e) => raw.pass_files.unwrap_or(e.preset.is_none_or(|p| p.pass_files)),
        };
        let timeout = raw
            .timeout
            .as_ref()
            .map(|t| {
                humantime::parse_duration(t.get_ref()).map_err(|e| {
                    self.error(t.span(), format!("`timeout`: {e}; expected a duration such as \"30s\" or \"10m\""))
                })
            })
            .transpose()?;
        Ok(Check {
            name: raw.name.clone().unwrap_or_else(|| id.clone()),
            id,
            kind,
            files: match (raw.files.as_deref(), preset) {
                (None, Some(p)) if !p.files.is_empty() => Some(
                    Globs::new(&p.files.iter().map(|f| (*f).to_string()).collect::<Vec<_>>()).map_err(|(_, e)| {
                        self.error(table_span.clone(), format!("internal: preset `{}` has a bad glob: {e}", p.name))
                    })?,
                ),
                (files, _) => self.globs(files)?,
            },
            exclude: self.globs(raw.exclude.as_deref())?,
            files_regex: self.regex("files_regex", raw.files_regex.as_ref())?,
            exclude_regex: self.regex("exclude_regex", raw.exclude_regex.as_ref())?,
            types,
            types_or,
            exclude_types,
            pass_files,
            serial: raw.serial.unwrap_or(false),
            batch_size: match &raw.batch_size {
                Some(size) if *size.get_ref() == 0 => {
                    return Err(self.error(size.span(), "`batch_size` must be at least 1"));
                }
                size => size.as_ref().map(|s| *s.get_ref()),
            },
            // Built-ins that read the staged diff themselves (a deleted .gitkeep, a new gitlink, the
            // branch) have no selected file to wait for.
            always_run: raw.always_run.unwrap_or(reads_git_itself || preset.is_some_and(|p| p.always_run)),
            stages: match (raw.stages.as_deref(), preset) {
                (None, Some(p)) if !p.stages.is_empty() => p.stages.to_vec(),
                (stages, _) => self.stages(stages, default_stages)?,
            },
            env: raw.env.clone().map(|e| e.into_iter().collect()).unwrap_or_default(),
            timeout,
            ci_all_files: raw.ci_all_files.unwrap_or(false),
            stage_fixed: raw.stage_fixed,
            cache: self.cache_mode(&raw)?,
            cache_inputs: raw
                .cache_inputs
                .as_ref()
                .map(|v| v.iter().map(|s| s.get_ref().clone()).collect())
                .unwrap_or_default(),
        })
    }

    /// A NUL cannot be passed in an argument or the environment: found here rather than as a
    /// failed spawn at run time.
    fn no_nul(&self, raw: &RawCheck, table_span: Range<usize>) -> Result<(), ConfigError> {
        let has = |s: &str| s.contains('\0');
        let strings = [("run", raw.run.as_ref()), ("fix", raw.fix.as_ref()), ("phar", raw.phar.as_ref())];
        let mut found =
            strings.into_iter().find_map(|(key, s)| s.filter(|s| has(s.get_ref())).map(|s| (key, s.span())));
        if found.is_none() {
            found = raw.args.as_ref().filter(|a| a.get_ref().iter().any(|s| has(s))).map(|a| ("args", a.span()));
        }
        if found.is_none() && raw.env.as_ref().is_some_and(|env| env.iter().any(|(k, v)| has(k) || has(v))) {
            // The table's span is its header: look for the escape up to the next table.
            let rest = self.source.get(table_span.end..).unwrap_or("");
            let end = rest.find("\n[").map_or(self.source.len(), |i| table_span.end + i);
            found = Some(("env", table_span.start..end));
        }
        match found {
            Some((key, span)) => Err(self.error(
                source::nul_span(self.source, span),
                format!("`{key}` contains a NUL character, which no command line or environment can carry"),
            )),
            None => Ok(()),
        }
    }

    fn cache_mode(&self, raw: &RawCheck) -> Result<Option<CacheMode>, ConfigError> {
        let Some(value) = &raw.cache else { return Ok(None) };
        let mode = match value.get_ref().as_str() {
            "per-file" => CacheMode::PerFile,
            "project" => CacheMode::Project,
            "off" => CacheMode::Off,
            other => {
                let hint = suggest(other, &["per-file", "project", "off"])
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                return Err(self.error(
                    value.span(),
                    format!("`cache`: unknown value `{other}`; {hint}expected \"per-file\", \"project\" or \"off\""),
                ));
            }
        };
        if mode == CacheMode::PerFile && raw.pass_files == Some(false) {
            return Err(self.error(value.span(), "`cache = \"per-file\"` needs the files passed to the command; a check with `pass_files = false` takes `cache = \"project\"`"));
        }
        Ok(Some(mode))
    }

    fn kind(&self, id: &str, raw: &RawCheck, table_span: Range<usize>) -> Result<CheckKind, ConfigError> {
        if let Some(uses) = &raw.uses {
            if let Some(builtin) = &raw.builtin {
                return Err(self.error(builtin.span(), format!("check `{id}` has both `uses` and `builtin`")));
            }
            return self.preset(raw, uses).map(CheckKind::External);
        }
        let preset_only = [
            ("config", raw.config.as_ref().map(Spanned::span)),
            ("args", raw.args.as_ref().map(Spanned::span)),
            ("phar", raw.phar.as_ref().map(Spanned::span)),
            ("lint", raw.lint.as_ref().map(Spanned::span)),
        ];
        for (key, span) in preset_only {
            if let Some(span) = span {
                let presets = presets::names().join("|");
                return Err(self.error(span, format!("`{key}` applies to tool presets (`uses = \"{presets}\"`)")));
            }
        }
        match (&raw.run, &raw.builtin) {
            (Some(_), Some(builtin)) => Err(self.error(
                builtin.span(),
                format!("check `{id}` has both `run` and `builtin`; a check is either a command or a built-in"),
            )),
            (None, None) => {
                Err(self.error(table_span, format!("check `{id}` needs `run = \"command\"` or `builtin = \"NAME\"`")))
            }
            (Some(run), None) => self.external(raw, run).map(CheckKind::External),
            (None, Some(name)) => self.builtin(raw, name).map(CheckKind::Builtin),
        }
    }

    fn external(&self, raw: &RawCheck, run: &Spanned<String>) -> Result<External, ConfigError> {
        let words = |s: &Spanned<String>, key: &str| -> Result<Vec<String>, ConfigError> {
            match shlex::split(s.get_ref()) {
                Some(words) if !words.is_empty() => Ok(words),
                Some(_) => Err(self.error(s.span(), format!("`{key}` is empty; expected a command"))),
                None => Err(self.error(s.span(), format!("`{key}` has an unterminated quote or a trailing backslash"))),
            }
        };
        let format = Format::from_config(
            raw.format.as_ref().map(|f| f.get_ref().as_str()),
            raw.regex.as_ref().map(|r| r.get_ref().as_str()),
        )
        .map_err(|message| {
            let span = raw.format.as_ref().or(raw.regex.as_ref()).map_or(0..0, Spanned::span);
            self.error(span, message)
        })?;
        for key in raw::builtin_option_keys() {
            if let Some(span) = raw.option_span(key) {
                return Err(
                    self.error(span, format!("`{key}` is an option of built-in checks; this check runs a command"))
                );
            }
        }
        Ok(External {
            run: words(run, "run")?,
            fix: raw.fix.as_ref().map(|f| words(f, "fix")).transpose()?,
            format,
            exit: ExitMeaning::Plain,
            preset: None,
            unusable: None,
            fail_outside_selection: raw.fail_outside_selection.unwrap_or(false),
            container: None,
            one_file_below_php: None,
        })
    }

    /// `uses = "tool"`: the preset's command, filter, format and exit meaning, each replaceable.
    fn preset(&self, raw: &RawCheck, uses: &Spanned<String>) -> Result<External, ConfigError> {
        let Some(preset) = presets::find(uses.get_ref()) else {
            let names = presets::names();
            let hint = suggest(uses.get_ref(), &names).map(|s| format!("did you mean `{s}`? ")).unwrap_or_default();
            return Err(self.error(
                uses.span(),
                format!("unknown tool preset `{}`; {hint}presets: {}", uses.get_ref(), names.join(", ")),
            ));
        };
        let preset = self.variant(preset, raw, uses)?;
        let config = match &raw.config {
            Some(config) => {
                if let Some(root) = self.root.filter(|r| !r.join(config.get_ref()).exists()) {
                    return Err(self.error(
                        config.span(),
                        format!("`config`: {} does not exist in {}", config.get_ref(), root.display()),
                    ));
                }
                Some(config.get_ref().clone())
            }
            None => self.root.and_then(|root| presets::find_config(preset, root)),
        };
        let unusable = (config.is_none() && preset.config_required).then(|| {
            format!(
                "{} needs its configuration file: none of {} is at the repository root; create one or set `config = \"path\"`",
                preset.name,
                preset.config_files.join(", ")
            )
        });
        let args = raw.args.as_ref().map(|a| a.get_ref().clone()).unwrap_or_default();
        let mut run = presets::command(preset, preset.check, config.as_deref(), &args);
        let mut fix = presets::fix_command(preset, config.as_deref(), &args);
        let chosen = raw.format.as_ref().map(|f| f.get_ref().as_str());
        let word = presets::format_word(preset, chosen)
            .map_err(|message| self.error(raw.format.as_ref().map_or(0..0, Spanned::span), message))?;
        for words in std::iter::once(&mut run).chain(fix.as_mut()) {
            // The fix command writes files, not a report: it has no format to ask for.
            words.retain(|w| w != "{format}" || word.is_some());
            for w in words.iter_mut().filter(|w| *w == "{format}") {
                *w = word.unwrap_or_default().to_string();
            }
        }
        if let Some(phar) = &raw.phar {
            if let Some(root) = self.root.filter(|r| !r.join(phar.get_ref()).is_file()) {
                return Err(
                    self.error(phar.span(), format!("`phar`: {} does not exist in {}", phar.get_ref(), root.display()))
                );
            }
            // A phar runs through PHP: `php tools/php-cs-fixer.phar check ...`.
            for words in std::iter::once(&mut run).chain(fix.as_mut()) {
                words.splice(0..1, ["php".to_string(), phar.get_ref().clone()]);
            }
        }
        let mut external = if raw.run.is_some() || raw.fix.is_some() || raw.format.is_some() || raw.regex.is_some() {
            // Key-by-key overrides go through the same validation as a plain command.
            let placeholder = Spanned::new(0..0, run.join(" "));
            self.external(raw, raw.run.as_ref().unwrap_or(&placeholder))?
        } else {
            External {
                run: Vec::new(),
                fix: None,
                format: None,
                exit: ExitMeaning::Plain,
                preset: None,
                unusable: None,
                fail_outside_selection: false,
                container: None,
                one_file_below_php: None,
            }
        };
        if raw.run.is_none() {
            external.run = run;
        }
        if raw.fix.is_none() {
            external.fix = fix;
        }
        if raw.format.is_none() && raw.regex.is_none() {
            external.format = Format::from_config(Some(preset.format), None).ok().flatten();
        }
        external.exit = preset.exit;
        external.preset = Some(preset);
        external.unusable = unusable;
        external.one_file_below_php = preset.one_file_below_php;
        external.fail_outside_selection = raw.fail_outside_selection.unwrap_or(false);
        Ok(external)
    }

    /// `lint = "yaml"`: the variant of a preset that has several (symfony-lint).
    fn variant(
        &self,
        preset: &'static Preset,
        raw: &RawCheck,
        uses: &Spanned<String>,
    ) -> Result<&'static Preset, ConfigError> {
        let names: Vec<&str> = preset.variants.iter().map(|v| v.name).collect();
        match &raw.lint {
            None if preset.variants.is_empty() => Ok(preset),
            None => Err(self.error(
                uses.span(),
                format!("`uses = \"{}\"` needs `lint = \"{}\"`", preset.name, names.join("\"|\"")),
            )),
            Some(lint) if preset.variants.is_empty() => {
                Err(self.error(lint.span(), format!("`lint` applies to symfony-lint, not to `{}`", preset.name)))
            }
            Some(lint) => preset.variants.iter().find(|v| v.name == lint.get_ref()).ok_or_else(|| {
                let hint = suggest(lint.get_ref(), &names).map(|s| format!("did you mean `{s}`? ")).unwrap_or_default();
                self.error(
                    lint.span(),
                    format!(
                        "unknown `lint = \"{}\"`; {hint}{} lints: {}",
                        lint.get_ref(),
                        preset.name,
                        names.join(", ")
                    ),
                )
            }),
        }
    }

    fn builtin(&self, raw: &RawCheck, name: &Spanned<String>) -> Result<Builtin, ConfigError> {
        for (key, present) in [("format", raw.format.is_some()), ("regex", raw.regex.is_some())] {
            if present {
                return Err(self
                    .error(name.span(), format!("`{key}` applies to commands, not to built-in `{}`", name.get_ref())));
            }
        }
        let get = |s: &Option<Spanned<Vec<String>>>| s.as_ref().map(|v| v.get_ref().clone());
        let flag = |s: &Option<Spanned<bool>>| s.as_ref().map(|v| *v.get_ref());
        let text = |s: &Option<Spanned<String>>| s.as_ref().map(|v| v.get_ref().clone());
        let opts = BuiltinOptions {
            max_kb: raw.max_kb.as_ref().map(|v| *v.get_ref()),
            enforce_all: raw.enforce_all.as_ref().map(|v| *v.get_ref()),
            fix: raw.fix.as_ref().map(|v| v.get_ref().clone()),
            chars: raw.chars.as_ref().map(|v| v.get_ref().clone()),
            markdown_linebreak_ext: get(&raw.markdown_linebreak_ext),
            allow_multiple_documents: raw.allow_multiple_documents.as_ref().map(|v| *v.get_ref()),
            unsafe_yaml: raw.unsafe_yaml.as_ref().map(|v| *v.get_ref()),
            branches: get(&raw.branches),
            patterns: raw.patterns.as_ref().map(|v| {
                v.get_ref()
                    .iter()
                    .map(|p| match p {
                        raw::RawPattern::Regex(regex) => PatternSpec { regex: regex.clone(), types: None },
                        raw::RawPattern::Table(t) => PatternSpec { regex: t.regex.clone(), types: t.types.clone() },
                    })
                    .collect()
            }),
            assume_in_merge: raw.assume_in_merge.as_ref().map(|v| *v.get_ref()),
            credentials_files: get(&raw.credentials_files),
            allow_missing_credentials: raw.allow_missing_credentials.as_ref().map(|v| *v.get_ref()),
            spec: raw.spec.as_ref().map(|v| v.get_ref().clone()),
            commit_types: raw
                .types
                .as_ref()
                .filter(|_| name.get_ref() == "conventional-commit")
                .map(|t| t.iter().map(|s| s.get_ref().clone()).collect()),
            scopes: get(&raw.scopes),
            require_scope: flag(&raw.require_scope),
            allow_breaking: flag(&raw.allow_breaking),
            subject_max: raw.subject_max.as_ref().map(|v| *v.get_ref()),
            body_max: raw.body_max.as_ref().map(|v| *v.get_ref()),
            require_blank_line: flag(&raw.require_blank_line),
            subject_case: text(&raw.subject_case),
            allow_trailing_period: flag(&raw.allow_trailing_period),
            pattern: raw.pattern.as_ref().map(|v| v.get_ref().to_vec()),
            forbid_pattern: raw.forbid_pattern.as_ref().map(|v| v.get_ref().to_vec()),
            place: text(&raw.place),
            template: text(&raw.template),
            required: flag(&raw.required),
            allow: get(&raw.allow),
            added_lines_only: flag(&raw.added_lines_only),
        };
        Builtin::from_options(name.get_ref(), &opts).map_err(|e| match e.key {
            Some(key) => self.error(raw.option_span(key).unwrap_or(name.span()), e.message),
            None => {
                let hint = suggest(name.get_ref(), crate::checks::builtin::NAMES)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_else(|| "; `ward list --builtins` shows them all".to_string());
                self.error(name.span(), format!("{}{hint}", e.message))
            }
        })
    }

    fn globs(&self, patterns: Option<&[Spanned<String>]>) -> Result<Option<Globs>, ConfigError> {
        let Some(patterns) = patterns else {
            return Ok(None);
        };
        let texts: Vec<String> = patterns.iter().map(|p| p.get_ref().clone()).collect();
        Globs::new(&texts)
            .map(Some)
            .map_err(|(i, message)| self.error(patterns[i].span(), format!("invalid glob `{}`: {message}", texts[i])))
    }

    /// identify tags: an unknown one is an error with a suggestion (and, for ward's former type
    /// names, the name identify uses).
    fn tags(&self, key: &str, tags: &[Spanned<String>]) -> Result<TagSet, ConfigError> {
        tags.iter()
            .map(|t| {
                let name = t.get_ref();
                Tag::from_name(name).ok_or_else(|| {
                    let hint = match renamed_type(name) {
                        Some(new) => format!("it is called `{new}` in identify's vocabulary"),
                        None => {
                            let names: Vec<&str> = Tag::all().map(Tag::name).collect();
                            let guess =
                                suggest(name, &names).map(|s| format!("did you mean `{s}`? ")).unwrap_or_default();
                            format!("{guess}`ward identify FILE` shows the tags of a file")
                        }
                    };
                    self.error(t.span(), format!("`{key}`: unknown file tag `{name}`; {hint}"))
                })
            })
            .collect()
    }

    fn regex(&self, key: &str, pattern: Option<&Spanned<String>>) -> Result<Option<PyRegex>, ConfigError> {
        pattern
            .map(|p| PyRegex::new(p.get_ref()).map_err(|message| self.error(p.span(), format!("`{key}`: {message}"))))
            .transpose()
    }

    fn stages(&self, stages: Option<&[Spanned<String>]>, default: &[Stage]) -> Result<Vec<Stage>, ConfigError> {
        let Some(stages) = stages else {
            return Ok(default.to_vec());
        };
        let names: Vec<&str> = Stage::ALL.iter().map(|s| s.name()).collect();
        stages
            .iter()
            .map(|s| {
                Stage::from_name(s.get_ref()).ok_or_else(|| {
                    let hint =
                        suggest(s.get_ref(), &names).map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
                    self.error(
                        s.span(),
                        format!("unknown stage `{}`; {hint}stages are: {}", s.get_ref(), names.join(", ")),
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Config {
        parse(src, Some(Path::new("checks.toml")), None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(src: &str) -> ConfigError {
        match parse(src, Some(Path::new("checks.toml")), None) {
            Ok(_) => panic!("expected an error for:\n{src}"),
            Err(e) => e,
        }
    }

    #[test]
    fn full_check_table() {
        let config = ok(r#"
[settings]
exclude = ["vendor/**", "var/**"]
fail_fast = true
jobs = 3

[checks.phpstan-changes]
name = "phpstan (changed files)"
run = "vendor/bin/phpstan analyse --no-progress --error-format=raw"
files = ["src/**/*.php", "tests/**/*.php"]
exclude = ["tests/Fixtures/**"]
types = ["php"]
pass_files = true
serial = true
always_run = false
stages = ["pre-commit", "ci"]
env = { APP_ENV = "test", B = "2" }
timeout = "10m"
"#);
        assert!(config.settings.fail_fast);
        assert_eq!(config.settings.jobs, 3);
        assert!(config.settings.exclude.as_ref().is_some_and(|g| g.is_match("vendor/a/b.php")));
        let check = &config.checks[0];
        assert_eq!(check.id, "phpstan-changes");
        assert_eq!(check.name, "phpstan (changed files)");
        let CheckKind::External(external) = &check.kind else { panic!("external") };
        assert_eq!(external.run, ["vendor/bin/phpstan", "analyse", "--no-progress", "--error-format=raw"]);
        assert!(check.serial && check.pass_files && !check.always_run);
        assert_eq!(check.stages, [Stage::PreCommit, Stage::Ci]);
        assert_eq!(check.env, [("APP_ENV".to_string(), "test".to_string()), ("B".to_string(), "2".to_string())]);
        assert_eq!(check.timeout, Some(Duration::from_secs(600)));
        assert!(check.types.contains(Tag::PHP));
    }

    #[test]
    fn defaults() {
        let config = ok("[checks.a]\nrun = \"true\"\n");
        let check = &config.checks[0];
        assert_eq!(check.name, "a");
        assert!(check.pass_files && !check.serial && !check.always_run);
        assert_eq!(check.stages, Stage::FILES, "a check without stages never runs on a commit message");
        assert!(check.files.is_none() && check.exclude.is_none());
        assert!(!config.settings.fail_fast);
        assert_eq!(config.settings.jobs, 0);
    }

    #[test]
    fn checks_keep_file_order() {
        let config = ok("[checks.zz]\nrun = \"a\"\n[checks.aa]\nrun = \"b\"\n[checks.mm]\nrun = \"c\"\n");
        let ids: Vec<&str> = config.checks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["zz", "aa", "mm"]);
    }

    #[test]
    fn quoted_command_words() {
        let config = ok("[checks.a]\nrun = \"php -d 'memory_limit=1G' bin/console lint:yaml --parse-tags\"\n");
        let CheckKind::External(external) = &config.checks[0].kind else { panic!("external") };
        assert_eq!(external.run, ["php", "-d", "memory_limit=1G", "bin/console", "lint:yaml", "--parse-tags"]);
    }

    #[test]
    fn globs_without_slash_match_at_any_depth() {
        let globs = Globs::new(&["*.php".to_string()]).expect("globs");
        assert!(globs.is_match("a.php") && globs.is_match("src/Deep/a.php"));
        let anchored = Globs::new(&["src/*.php".to_string()]).expect("globs");
        assert!(
            anchored.is_match("src/a.php")
                && !anchored.is_match("src/Deep/a.php")
                && !anchored.is_match("lib/src/a.php")
        );
        let deep = Globs::new(&["src/**/*.php".to_string()]).expect("globs");
        assert!(deep.is_match("src/a.php") && deep.is_match("src/A/B/c.php"));
        let dotted = Globs::new(&["./config/*.yaml".to_string()]).expect("globs");
        assert!(dotted.is_match("config/services.yaml"));
    }

    #[test]
    fn errors_point_at_the_value() {
        let e = err("[checks.a]\nrun = \"true\"\nstages = [\"ci\", \"nightly\"]\n");
        assert_eq!(e.location, Some((3, 17)));
        assert!(e.message.contains("unknown stage `nightly`"), "{}", e.message);
        let e = err("[checks.a]\nrun = \"\"\n");
        assert!(e.message.contains("`run` is empty"), "{}", e.message);
        let e = err("[checks.\"has space\"]\nrun = \"x\"\n");
        assert!(e.message.contains("without spaces"), "{}", e.message);
    }

    #[test]
    fn exec_and_container_root_from_settings_or_the_check() {
        let config = ok("[settings]\nexec = \"docker compose exec -T php\"\ncontainer_root = \"/app/\"\n\
             [checks.a]\nrun = \"phpstan\"\n[checks.b]\nrun = \"shellcheck\"\nexec = \"\"\n\
             [checks.c]\nrun = \"x\"\nexec = \"ddev exec\"\n");
        let container = |i: usize| match &config.checks[i].kind {
            CheckKind::External(e) => e.container.clone(),
            CheckKind::Builtin(_) => None,
        };
        assert_eq!(container(0).map(|c| (c.prefix.len(), c.root)), Some((5, Some("/app".to_string()))));
        assert_eq!(container(1), None);
        assert_eq!(container(2).map(|c| c.prefix), Some(vec!["ddev".to_string(), "exec".to_string()]));
        assert!(err("[settings]\ncontainer_root = \"/app\"\n").message.contains("goes with `exec`"));
        assert!(err("[settings]\nexec = \"x\"\ncontainer_root = \"app\"\n").message.contains("absolute"));
        assert!(err("[checks.a]\nbuiltin = \"check-json\"\nexec = \"x\"\n").message.contains("built-ins run in ward"));
    }

    #[test]
    fn embedded_default_is_valid() {
        let config = load(None, None).expect("default config");
        assert!(!config.checks.is_empty());
        assert!(config.path.is_none());
    }
}
