//! `grumphp.yml` (the `grumphp:` layout and the old `parameters:` one) as ward checks, with
//! `imports:` read from the repository (and `vendor/`) and `%param%` placeholders expanded.

use std::path::{Path, PathBuf};

use super::node::{self, Node, Value};
use super::{any_regex, extension_globs, literal_regex, pcre, Check, Import, Kind, Origin, SourceError, Val};

/// Imports nested deeper than this are a loop or a mistake.
const MAX_IMPORT_DEPTH: usize = 8;

/// A top-level key or a task, with the file it was last set in.
#[derive(Clone, Debug)]
struct Entry {
    key: Node,
    value: Node,
    file: String,
}

/// The configuration after imports: later files override earlier ones key by key.
#[derive(Default)]
struct Merged {
    settings: Vec<Entry>,
    tasks: Vec<Entry>,
    params: Vec<(String, Node)>,
    old_layout: Option<Origin>,
}

impl Merged {
    fn set(list: &mut Vec<Entry>, entry: Entry) {
        let name = entry.key.as_str().map(String::from);
        match list.iter_mut().find(|e| e.key.as_str().map(String::from) == name) {
            Some(slot) => {
                // A task set again keeps the options it does not mention (Symfony merges them).
                if slot.value.is_map() && entry.value.is_map() {
                    let mut entries = slot.value.entries().to_vec();
                    for (k, v) in entry.value.entries() {
                        match entries.iter_mut().find(|(ek, _)| ek.as_str() == k.as_str()) {
                            Some(e) => e.1 = v.clone(),
                            None => entries.push((k.clone(), v.clone())),
                        }
                    }
                    slot.value = Node { value: Value::Map(entries), ..entry.value.clone() };
                    slot.key = entry.key;
                    slot.file = entry.file;
                } else {
                    *slot = entry;
                }
            }
            None => list.push(entry),
        }
    }
}

fn shown_path(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().into_owned()
}

struct Loader<'a> {
    root: &'a Path,
    import: Import,
    merged: Merged,
    seen: Vec<PathBuf>,
}

impl Loader<'_> {
    fn load(&mut self, path: &Path, text: &str, shown: &str, depth: usize) -> Result<(), SourceError> {
        let doc = node::yaml(text).map_err(|e| SourceError::parse(shown, e))?;
        if doc.is_null() {
            return Ok(());
        }
        if !doc.is_map() {
            return Err(SourceError::at(shown, &doc, "expected a mapping with `grumphp:` or `parameters:`"));
        }
        if let Some(imports) = doc.get("imports") {
            for item in imports.items() {
                self.one_import(path, item, shown, depth)?;
            }
        }
        let new_layout = doc.get("grumphp");
        if let Some(params) = doc.get("parameters") {
            for (k, v) in params.entries() {
                let Some(name) = k.as_str() else { continue };
                if new_layout.is_none() && is_config_key(name) {
                    if self.merged.old_layout.is_none() {
                        self.merged.old_layout =
                            Some(Origin { file: shown.to_string(), line: k.line, what: "parameters:".into() });
                    }
                    self.config_entry(k, v, shown);
                } else {
                    self.merged.params.retain(|(n, _)| n != name);
                    self.merged.params.push((name.to_string(), v.clone()));
                }
            }
        }
        if let Some(config) = new_layout {
            for (k, v) in config.entries() {
                self.config_entry(k, v, shown);
            }
        }
        for (k, _) in doc.entries() {
            let name = k.as_str().unwrap_or_default();
            if !matches!(name, "imports" | "grumphp" | "parameters" | "services") {
                self.import.note(
                    Origin { file: shown.to_string(), line: k.line, what: name.to_string() },
                    "ignored: not a GrumPHP key",
                );
            }
        }
        Ok(())
    }

    fn config_entry(&mut self, key: &Node, value: &Node, file: &str) {
        if key.as_str() == Some("tasks") {
            for (task, options) in value.entries() {
                Merged::set(
                    &mut self.merged.tasks,
                    Entry { key: task.clone(), value: options.clone(), file: file.to_string() },
                );
            }
        } else {
            Merged::set(
                &mut self.merged.settings,
                Entry { key: key.clone(), value: value.clone(), file: file.to_string() },
            );
        }
    }

    fn one_import(&mut self, from: &Path, item: &Node, shown: &str, depth: usize) -> Result<(), SourceError> {
        let resource = item.as_str().or_else(|| item.get("resource").and_then(Node::as_str));
        let Some(resource) = resource else {
            return Err(SourceError::at(shown, item, "an import without `resource:`"));
        };
        let origin = Origin { file: shown.to_string(), line: item.line, what: format!("import {resource}") };
        let ignore_errors = item.get("ignore_errors").is_some_and(|v| v.as_bool() != Some(false));
        let dir = from.parent().unwrap_or(self.root);
        let candidates = [dir.join(resource), self.root.join(resource)];
        let Some(path) = candidates.iter().find(|p| p.is_file()) else {
            if !ignore_errors {
                let todo = if resource.trim_start_matches("./").starts_with("vendor/") {
                    "run `composer install` so vendor/ holds it, then `ward import --force` again"
                } else {
                    "restore the file (or drop the import), then `ward import --force` again"
                };
                self.import.leave(origin, format!("the imported {resource} is not in the repository"), todo);
            }
            return Ok(());
        };
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        if depth >= MAX_IMPORT_DEPTH || self.seen.contains(&canonical) {
            self.import.note(origin, "skipped: imported already (or nested too deep)");
            return Ok(());
        }
        self.seen.push(canonical);
        let shown_import = shown_path(path, self.root);
        let text = super::read_source(path, &shown_import)?;
        self.load(path, &text, &shown_import, depth + 1)
    }
}

/// Keys of GrumPHP's own configuration (in the old layout they sit among the parameters).
fn is_config_key(name: &str) -> bool {
    matches!(
        name,
        "tasks"
            | "git_dir"
            | "bin_dir"
            | "hooks_dir"
            | "hooks_preset"
            | "git_hook_variables"
            | "stop_on_failure"
            | "ignore_unstaged_changes"
            | "hide_circumvention_tip"
            | "process_timeout"
            | "ascii"
            | "parallel"
            | "fixer"
            | "environment"
            | "testsuites"
            | "extensions"
            | "additional_info"
    )
}

pub fn import(text: &str, path: &Path, root: &Path, shown: &str) -> Result<Import, SourceError> {
    let mut loader = Loader { root, import: Import::new(shown), merged: Merged::default(), seen: Vec::new() };
    if let Ok(canonical) = path.canonicalize() {
        loader.seen.push(canonical);
    }
    loader.load(path, text, shown, 0)?;
    let Loader { mut import, merged, .. } = loader;
    if let Some(origin) = merged.old_layout.clone() {
        import.note(origin, "the old GrumPHP 0.x layout (configuration under `parameters:`) was read");
    }
    let mut ctx = Ctx { params: merged.params.clone(), env: Vec::new(), timeout: None };
    settings(&merged, &mut ctx, &mut import);
    let mut expanded: Vec<Entry> = Vec::new();
    for task in &merged.tasks {
        let mut unknown = Vec::new();
        let value = expand(&task.value, &ctx.params, &mut unknown);
        for name in unknown {
            import.note(origin(task, "parameter"), format!("%{name}% is not a parameter; it was left as it is"));
        }
        expanded.push(Entry { value, ..task.clone() });
    }
    for task in &expanded {
        one_task(task, &ctx, &mut import);
    }
    import.next.push("ward install --force --hook pre-commit --hook commit-msg".into());
    Ok(import)
}

struct Ctx {
    params: Vec<(String, Node)>,
    /// `environment.variables`, given to every command.
    env: Vec<(String, String)>,
    timeout: Option<i64>,
}

fn origin(entry: &Entry, what: &str) -> Origin {
    Origin { file: entry.file.clone(), line: entry.key.line, what: what.to_string() }
}

/// `%name%` replaced by the parameter's value; `%%` is a literal `%`.
fn expand(node: &Node, params: &[(String, Node)], unknown: &mut Vec<String>) -> Node {
    let value = match &node.value {
        Value::Str { text, plain } => {
            // A whole-value placeholder takes the parameter as it is (a list stays a list).
            if let Some(name) =
                text.strip_prefix('%').and_then(|t| t.strip_suffix('%')).filter(|n| !n.contains('%') && !n.is_empty())
            {
                if let Some((_, v)) = params.iter().find(|(n, _)| n == name) {
                    return Node { line: node.line, col: node.col, ..v.clone() };
                }
            }
            let mut out = String::new();
            let mut rest = text.as_str();
            while let Some(i) = rest.find('%') {
                out.push_str(&rest[..i]);
                let after = &rest[i + 1..];
                if let Some(stripped) = after.strip_prefix('%') {
                    out.push('%');
                    rest = stripped;
                    continue;
                }
                match after.find('%') {
                    Some(j) if after[..j].chars().all(|c| c.is_alphanumeric() || "._-()".contains(c)) && j > 0 => {
                        let name = &after[..j];
                        match params.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_str()) {
                            Some(v) => out.push_str(v),
                            None => {
                                unknown.push(name.to_string());
                                out.push('%');
                                out.push_str(name);
                                out.push('%');
                            }
                        }
                        rest = &after[j + 1..];
                    }
                    _ => {
                        out.push('%');
                        rest = after;
                    }
                }
            }
            out.push_str(rest);
            Value::Str { text: out, plain: *plain }
        }
        Value::Seq(items) => Value::Seq(items.iter().map(|i| expand(i, params, unknown)).collect()),
        Value::Map(entries) => {
            Value::Map(entries.iter().map(|(k, v)| (k.clone(), expand(v, params, unknown))).collect())
        }
        Value::Null => Value::Null,
    };
    Node { value, line: node.line, col: node.col }
}

fn settings(merged: &Merged, ctx: &mut Ctx, import: &mut Import) {
    for entry in &merged.settings {
        let name = entry.key.as_str().unwrap_or_default();
        let mut unknown = Vec::new();
        let value = expand(&entry.value, &merged.params, &mut unknown);
        let at = origin(entry, name);
        match name {
            "stop_on_failure" => {
                if value.as_bool() == Some(true) {
                    import.setting("fail_fast", true, at);
                }
            }
            "git_hook_variables" => {
                for (k, v) in value.entries() {
                    let key = k.as_str().unwrap_or_default();
                    let sub = Origin { line: k.line, what: format!("git_hook_variables.{key}"), ..at.clone() };
                    match key {
                        "EXEC_GRUMPHP_COMMAND" => {
                            let words = v.str_list().unwrap_or_default();
                            let command = if words.len() == 1 {
                                words[0].clone()
                            } else {
                                crate::config::display_command(&words)
                            };
                            if command.trim().is_empty() || command.trim() == "exec" {
                                continue;
                            }
                            import.setting("exec", command, sub.clone());
                            import.note(
                                sub,
                                "every command runs through this prefix; if the container sees the project under another path, set [settings] container_root",
                            );
                        }
                        _ => import.note(sub, "ignored: ward's hook runs ward directly"),
                    }
                }
            }
            "process_timeout" => ctx.timeout = value.as_int().filter(|t| *t > 0),
            "environment" => {
                if let Some(vars) = value.get("variables") {
                    for (k, v) in vars.entries() {
                        if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                            ctx.env.push((k.to_string(), v.to_string()));
                        }
                    }
                }
                if value.get("files").is_some_and(|f| !f.items().is_empty()) {
                    import.leave(
                        at,
                        "environment.files: ward does not load .env files",
                        "put the variables the tools need in each check's `env = { ... }`",
                    );
                }
                if value.get("paths").is_some_and(|f| !f.items().is_empty()) {
                    import.note(
                        origin(entry, "environment.paths"),
                        "ignored: ward looks in vendor/bin, node_modules/.bin and PATH",
                    );
                }
            }
            "ignore_unstaged_changes" => {
                import.note(at, "not needed: ward always checks what is staged and keeps unstaged changes safe")
            }
            "fixer" => import.note(at, "`ward run --fix` runs the fixers; in the hook, fixers fix"),
            "testsuites" => import.note(at, "ignored: ward selects checks by stage (`ward run --stage ...`) or by id"),
            "extensions" => {
                if !value.items().is_empty() {
                    import.leave(
                        at,
                        "GrumPHP extensions add tasks ward cannot know",
                        "add a check for each task the extension provided",
                    )
                }
            }
            "parallel" => import.note(at, "ward runs checks in parallel (`--jobs`)"),
            "bin_dir" => {
                if value.as_str().is_some_and(|b| {
                    b.trim_end_matches('/') != "vendor/bin" && b.trim_end_matches('/') != "./vendor/bin"
                }) {
                    import.note(at, "ward looks for tools in vendor/bin, node_modules/.bin and PATH; give a check's run the full path if they live elsewhere");
                }
            }
            _ => import.note(at, "ignored: it only changes how GrumPHP itself runs"),
        }
    }
}

/// `ignore_patterns`/`whitelist_patterns` as Symfony's Finder reads them: a delimited regex, or
/// text found anywhere in the path.
fn finder_regex(patterns: &[String]) -> String {
    let regexes: Vec<String> = patterns.iter().map(|p| pcre(p).unwrap_or_else(|| literal_regex(p))).collect();
    any_regex(&regexes)
}

fn strs(options: &Node, key: &str) -> Vec<String> {
    options.get(key).and_then(Node::str_list).unwrap_or_default()
}

fn text(options: &Node, key: &str) -> Option<String> {
    options.get(key).and_then(Node::as_str).map(String::from)
}

fn flag(options: &Node, key: &str) -> Option<bool> {
    options.get(key).and_then(Node::as_bool)
}

/// The file filters every task takes.
fn filters(options: &Node, check: &mut Check, default_types: &[&str]) {
    let triggered = strs(options, "triggered_by");
    let same_as_default =
        triggered.len() == default_types.len() && triggered.iter().all(|t| default_types.contains(&t.as_str()));
    if check.kind == Kind::Preset {
        // The preset has its own file types; only a different list needs saying.
        if !triggered.is_empty() && !same_as_default {
            check.set("files", extension_globs(&triggered));
            check.set("types", Vec::<String>::new());
        }
    } else {
        let extensions: Vec<String> =
            if triggered.is_empty() { default_types.iter().map(|t| (*t).to_string()).collect() } else { triggered };
        check.set_some("files", extension_globs(&extensions));
    }
    let ignore = strs(options, "ignore_patterns");
    if !ignore.is_empty() {
        check.set("exclude_regex", finder_regex(&ignore));
    }
    let allow = strs(options, "whitelist_patterns");
    if !allow.is_empty() {
        check.set("files_regex", finder_regex(&allow));
    }
}

/// The preset's `config` from the task option `key`, when set.
fn config_from(check: &mut Check, options: &Node, key: &str) {
    if let Some(config) = text(options, key) {
        check.set("config", config);
    }
}

fn arg_if(args: &mut Vec<String>, options: &Node, key: &str, flag_name: &str) {
    if let Some(value) = options.get(key).filter(|v| !v.is_null()) {
        let joined = value.str_list().unwrap_or_default().join(",");
        if !joined.is_empty() {
            args.push(format!("{flag_name}={joined}"));
        }
    }
}

fn one_task(task: &Entry, ctx: &Ctx, import: &mut Import) {
    let name = task.key.as_str().unwrap_or_default().to_string();
    let empty = Node { value: Value::Map(Vec::new()), line: task.key.line, col: task.key.col };
    let options = if task.value.is_map() { &task.value } else { &empty };
    let metadata = options.get("metadata").cloned().unwrap_or(empty.clone());
    let kind_name = metadata.get("task").and_then(Node::as_str).unwrap_or(&name).to_string();
    let what = if kind_name == name { format!("task {name}") } else { format!("task {name} ({kind_name})") };
    let at = origin(task, &what);
    if metadata.get("enabled").and_then(Node::as_bool) == Some(false) {
        import.note(at, "skipped: disabled in GrumPHP (metadata.enabled: false)");
        return;
    }
    let mut check = Check::new(name.clone(), at.clone(), Kind::Run);
    let mut args: Vec<String> = Vec::new();
    let preset = |check: &mut Check, preset: &str| {
        check.kind = Kind::Preset;
        check.set("uses", preset);
    };
    match kind_name.as_str() {
        "phpstan" => {
            preset(&mut check, "phpstan");
            config_from(&mut check, options, "configuration");
            arg_if(&mut args, options, "level", "--level");
            arg_if(&mut args, options, "memory_limit", "--memory-limit");
            arg_if(&mut args, options, "autoload_file", "--autoload-file");
            if flag(options, "use_grumphp_paths") == Some(false) {
                check.set("pass_files", false);
            }
            filters(options, &mut check, &["php"]);
        }
        "phpcs" => {
            preset(&mut check, "phpcs");
            arg_if(&mut args, options, "standard", "--standard");
            arg_if(&mut args, options, "severity", "--severity");
            arg_if(&mut args, options, "error_severity", "--error-severity");
            arg_if(&mut args, options, "warning_severity", "--warning-severity");
            arg_if(&mut args, options, "tab_width", "--tab-width");
            arg_if(&mut args, options, "encoding", "--encoding");
            arg_if(&mut args, options, "sniffs", "--sniffs");
            arg_if(&mut args, options, "exclude", "--exclude");
            filters(options, &mut check, &["php"]);
        }
        "phpcsfixer" | "phpcsfixer2" => {
            preset(&mut check, "php-cs-fixer");
            let config = text(options, "config");
            if let Some(config) = &config {
                check.set("config", config.clone());
            }
            if flag(options, "allow_risky") == Some(true) {
                args.push("--allow-risky=yes".into());
            }
            if let Some(rules) = options.get("rules").filter(|r| !r.entries().is_empty() || !r.items().is_empty()) {
                let json = node_json(rules);
                args.push(format!("--rules={json}"));
                check.need("php-cs-fixer refuses --rules together with a config file: move these rules into .php-cs-fixer.dist.php");
            }
            arg_if(&mut args, options, "cache_file", "--cache-file");
            if flag(options, "using_cache") == Some(false) {
                args.push("--using-cache=no".into());
            }
            if flag(options, "config_contains_finder") == Some(false) {
                check.comment("config_contains_finder: false: ward passes the files with --path-mode=intersection, so the config's Finder still filters them");
            }
            filters(options, &mut check, &["php"]);
        }
        "phplint" => {
            preset(&mut check, "php-lint");
            let dirs = strs(options, "exclude");
            if !dirs.is_empty() {
                check
                    .set("exclude", dirs.iter().map(|d| format!("{}/**", d.trim_end_matches('/'))).collect::<Vec<_>>());
            }
            filters(options, &mut check, &["php", "phtml", "php3", "php4", "php5"]);
        }
        "phpunit" => {
            preset(&mut check, "phpunit");
            config_from(&mut check, options, "config_file");
            arg_if(&mut args, options, "testsuite", "--testsuite");
            arg_if(&mut args, options, "group", "--group");
            arg_if(&mut args, options, "exclude_group", "--exclude-group");
            if flag(options, "always_execute") == Some(true) {
                check.set("always_run", true);
            }
            filters(options, &mut check, &["php"]);
        }
        "psalm" => {
            preset(&mut check, "psalm");
            config_from(&mut check, options, "config");
            arg_if(&mut args, options, "threads", "--threads");
            if flag(options, "no_cache") == Some(true) {
                args.push("--no-cache".into());
            }
            filters(options, &mut check, &["php"]);
        }
        "rector" => {
            preset(&mut check, "rector");
            config_from(&mut check, options, "config");
            if flag(options, "clear_cache") == Some(true) {
                args.push("--clear-cache".into());
            }
            filters(options, &mut check, &["php"]);
        }
        "deptrac" => {
            preset(&mut check, "deptrac");
            if let Some(config) = text(options, "config_file").or(text(options, "depfile")) {
                check.set("config", config);
            }
        }
        "infection" => {
            preset(&mut check, "infection");
            filters(options, &mut check, &["php"]);
        }
        "composer" => {
            preset(&mut check, "composer-validate");
            // The preset already validates with --strict --no-check-publish.
            for (key, option) in [
                ("no_check_all", "--no-check-all"),
                ("no_check_lock", "--no-check-lock"),
                ("with_dependencies", "--with-dependencies"),
            ] {
                if flag(options, key) == Some(true) {
                    args.push(option.into());
                }
            }
            if flag(options, "strict") != Some(true) {
                check.comment("ward's composer-validate is --strict (warnings fail); GrumPHP's task was not");
            }
            if flag(options, "no_check_publish") != Some(true) {
                check.comment("ward's composer-validate skips the publishing checks (--no-check-publish)");
            }
            if let Some(file) = text(options, "file").filter(|f| f.trim_start_matches("./") != "composer.json") {
                args.push(file);
            }
            if flag(options, "no_local_repository") == Some(true) {
                check.need("no_local_repository: ward does not check for path repositories in composer.json");
            }
        }
        "composer_normalize" => {
            preset(&mut check, "composer-normalize");
        }
        "securitychecker_composeraudit"
        | "securitychecker_local"
        | "securitychecker_symfony"
        | "securitychecker_enlightn"
        | "securitychecker_roave"
        | "securitychecker" => {
            preset(&mut check, "composer-audit");
            if kind_name != "securitychecker_composeraudit" {
                check.comment(format!("{kind_name} became `composer audit`, which reads the same advisories"));
            }
        }
        "twig_cs_fixer" | "twigcsfixer" => {
            preset(&mut check, "twig-cs-fixer");
        }
        "twigcs" => {
            let mut run = vec!["vendor/bin/twigcs".to_string()];
            if let Some(path) = text(options, "path") {
                run.push(path);
                check.set("pass_files", false);
            }
            for (key, option) in [("severity", "--severity"), ("display", "--display"), ("ruleset", "--ruleset")] {
                if let Some(v) = text(options, key) {
                    run.push(format!("{option}={v}"));
                }
            }
            for exclude in strs(options, "exclude") {
                run.push(format!("--exclude={exclude}"));
            }
            check.set("run", crate::config::display_command(&run));
            filters(options, &mut check, &["twig"]);
        }
        "phpmd" => {
            let rulesets = {
                let r = strs(options, "ruleset");
                if r.is_empty() {
                    vec!["cleancode".into(), "codesize".into(), "naming".into()]
                } else {
                    r
                }
            };
            let format = text(options, "report_format").unwrap_or_else(|| "text".into());
            let mut script = format!(
                "IFS=,; exec vendor/bin/phpmd \"$*\" {} {}",
                shell_word(&format),
                shell_word(&rulesets.join(","))
            );
            let exclude = strs(options, "exclude");
            if !exclude.is_empty() {
                script.push_str(&format!(" --exclude {}", shell_word(&exclude.join(","))));
            }
            check.set("run", crate::config::display_command(&["sh".into(), "-c".into(), script, "phpmd".into()]));
            check.comment("phpmd takes its files as one comma-separated argument, hence the sh -c");
            filters(options, &mut check, &["php"]);
        }
        "phpcpd" => {
            let mut run = vec!["vendor/bin/phpcpd".to_string()];
            let excludes =
                if options.get("exclude").is_some() { strs(options, "exclude") } else { vec!["vendor".into()] };
            for e in excludes {
                run.push(format!("--exclude={e}"));
            }
            for (key, option) in [("min_lines", "--min-lines"), ("min_tokens", "--min-tokens")] {
                if let Some(v) = text(options, key) {
                    run.push(format!("{option}={v}"));
                }
            }
            if flag(options, "fuzzy") == Some(true) {
                run.push("--fuzzy".into());
            }
            let dirs = strs(options, "directory");
            run.extend(if dirs.is_empty() { vec![".".to_string()] } else { dirs });
            check.set("run", crate::config::display_command(&run));
            check.set("pass_files", false);
            filters(options, &mut check, &["php"]);
        }
        "composer_script" => {
            let Some(script) = text(options, "script") else {
                import.leave(
                    at,
                    "composer_script without `script`",
                    "add a check with run = \"composer run-script NAME\"",
                );
                return;
            };
            let mut run = vec!["composer".to_string(), "run-script".into(), script];
            if let Some(dir) = text(options, "working_directory") {
                run.push(format!("--working-dir={dir}"));
            }
            check.set("run", crate::config::display_command(&run));
            check.set("pass_files", false);
            filters(options, &mut check, &["php", "phtml"]);
        }
        "make" => {
            let Some(target) = text(options, "task") else {
                import.leave(at, "make without `task`", "add a check with run = \"make TARGET\"");
                return;
            };
            let mut run = vec!["make".to_string()];
            if let Some(file) = text(options, "make_file") {
                run.push("-f".into());
                run.push(file);
            }
            run.push(target);
            check.set("run", crate::config::display_command(&run));
            check.set("pass_files", false);
            filters(options, &mut check, &["php"]);
        }
        "shell" => {
            let scripts = options.get("scripts").map(|s| s.items().to_vec()).unwrap_or_default();
            if scripts.is_empty() {
                import.leave(at, "shell without `scripts`", "add a check with run = \"sh SCRIPT\"");
                return;
            }
            let several = scripts.len() > 1;
            for (i, script) in scripts.iter().enumerate() {
                let words = script.str_list().unwrap_or_default();
                let mut run = vec!["sh".to_string()];
                run.extend(words);
                let id = if several { format!("{name}-{}", i + 1) } else { name.clone() };
                let mut one = Check::new(id, Origin { line: script.line, ..at.clone() }, Kind::Run);
                one.set("run", crate::config::display_command(&run));
                one.set("pass_files", false);
                filters(options, &mut one, &["php"]);
                finish(one, &metadata, ctx, import);
            }
            return;
        }
        "yamllint" => {
            check.kind = Kind::Builtin;
            check.set("builtin", "check-yaml");
            if ["parse_custom_tags", "parse_constant", "object_support"].iter().any(|k| flag(options, k) == Some(true))
            {
                check.set("unsafe", true);
                check.comment("custom tags (!php/const, !tagged_iterator...) are allowed, as parse_custom_tags did");
            }
            filters(options, &mut check, &[]);
        }
        "jsonlint" => {
            check.kind = Kind::Builtin;
            check.set("builtin", "check-json");
            filters(options, &mut check, &[]);
        }
        "xmllint" => {
            check.kind = Kind::Builtin;
            check.set("builtin", "check-xml");
            if flag(options, "dtd_validation") == Some(true) || flag(options, "scheme_validation") == Some(true) {
                check.need("ward checks that XML is well-formed; DTD and schema validation were not carried over");
            }
            filters(options, &mut check, &[]);
        }
        "file_size" => {
            check.kind = Kind::Builtin;
            check.set("builtin", "check-added-large-files");
            let size = text(options, "max_size").unwrap_or_else(|| "10M".into());
            match size_kb(&size) {
                Some(kb) => {
                    check.set("max_kb", Val::Int(kb));
                }
                None => {
                    check.need(format!("max_size `{size}` is not a size; ward's default is 500 KB"));
                }
            }
            check.set("enforce_all", true);
            filters(options, &mut check, &[]);
        }
        "git_blacklist" => {
            check.kind = Kind::Builtin;
            check.set("builtin", "forbid-patterns");
            let keywords = strs(options, "keywords");
            let kind = text(options, "regexp_type").unwrap_or_else(|| "G".into());
            let word = flag(options, "match_word") == Some(true);
            let patterns: Vec<String> = keywords
                .iter()
                .map(|k| {
                    let regex = if kind == "G" { bre_to_regex(k) } else { k.clone() };
                    // `git grep -w`: no word character right before or after the keyword.
                    if word {
                        format!("(?:^|\\W){regex}(?:\\W|$)")
                    } else {
                        regex
                    }
                })
                .collect();
            check.set("patterns", patterns);
            check.set("stages", vec!["pre-commit".to_string(), "ci".into(), "manual".into()]);
            filters(options, &mut check, &["php"]);
        }
        "git_commit_message" => {
            commit_message(options, &mut check, import);
        }
        "git_branch_name" => {
            check.kind = Kind::Builtin;
            check.set("builtin", "branch-name");
            // A whitelist entry is a regex or a glob, and the name must match one of them.
            let as_regex = |p: &String| pcre(p).unwrap_or_else(|| glob_regex(p));
            check.set_some("pattern", strs(options, "whitelist").iter().map(as_regex).collect());
            check.set_some("forbid_pattern", strs(options, "blacklist").iter().map(as_regex).collect());
            if flag(options, "allow_detached_head") != Some(false) {
                check.comment("a detached HEAD (a rebase, a bisect) has no branch name to check");
            }
        }
        "phpparser" => {
            let visitors = options.get("visitors").map(|v| v.entries().to_vec()).unwrap_or_default();
            let mut patterns = Vec::new();
            for (key, visitor) in &visitors {
                let name = key.as_str().unwrap_or_default();
                let listed = strs(visitor, "blacklist");
                match name {
                    "forbidden_function_calls" if !listed.is_empty() => {
                        let names: Vec<String> = listed.iter().map(|f| regex::escape(f)).collect();
                        patterns.push(format!("\\b(?:{})\\s*\\(", names.join("|")));
                    }
                    "forbidden_static_method_calls" | "forbidden_class_method_calls" if !listed.is_empty() => {
                        for call in listed {
                            let (class, method) =
                                call.split_once("::").or(call.split_once("->")).unwrap_or(("", &call));
                            let class = class.trim_start_matches('\\').rsplit('\\').next().unwrap_or(class);
                            let op = if name.contains("static") { "::" } else { "->" };
                            let receiver = if class.starts_with('$') || class.is_empty() {
                                "\\$?\\w+".to_string()
                            } else {
                                regex::escape(class)
                            };
                            patterns.push(format!("{receiver}{}{}\\s*\\(", regex::escape(op), regex::escape(method)));
                        }
                    }
                    "no_exit_statements" => patterns.push("\\b(?:exit|die)\\b".to_string()),
                    _ => import.leave(
                        Origin { line: key.line, what: format!("{what} visitor {name}"), ..at.clone() },
                        "GrumPHP's own AST visitor, which no tool outside GrumPHP runs",
                        "drop it, or check the rule with phpstan (a custom rule) or php-cs-fixer",
                    ),
                }
            }
            if patterns.is_empty() {
                return;
            }
            check.kind = Kind::Builtin;
            check.set("builtin", "forbid-patterns");
            check.set("patterns", patterns);
            check.comment("phpparser read the code; forbid-patterns searches the text, so it also finds these names in comments and strings");
            filters(options, &mut check, &["php"]);
        }
        "phpversion" => {
            import.leave(
                at,
                "phpversion checks the PHP version GrumPHP runs on",
                "pin the PHP version in composer.json (`config.platform.php`) and in CI",
            );
            return;
        }
        other => {
            import.leave(
                at,
                format!("ward has no equivalent of the GrumPHP task {other}"),
                "add a check with run = \"vendor/bin/<tool> ...\" running the tool the task ran",
            );
            return;
        }
    }
    if !args.is_empty() {
        match check.kind {
            Kind::Preset => {
                check.set("args", args);
            }
            _ => {
                check.need(format!("options {} were not carried over", args.join(" ")));
            }
        }
    }
    finish(check, &metadata, ctx, import);
}

/// Metadata and run-wide settings common to every task, then the check is added.
fn finish(mut check: Check, metadata: &Node, ctx: &Ctx, import: &mut Import) {
    if let Some(label) = metadata.get("label").and_then(Node::as_str) {
        check.set("name", label.to_string());
    }
    if metadata.get("blocking").and_then(Node::as_bool) == Some(false) {
        check.need("non-blocking in GrumPHP (metadata.blocking: false); in ward a failure fails the run: drop the check or fix what it finds");
    }
    if check.kind != Kind::Builtin {
        if !ctx.env.is_empty() {
            check.set("env", Val::Table(ctx.env.iter().map(|(k, v)| (k.clone(), Val::from(v.as_str()))).collect()));
        }
        if let Some(t) = ctx.timeout {
            check.set("timeout", format!("{t}s"));
        }
    }
    if check.get("stages").is_none() {
        // GrumPHP runs its tasks in the pre-commit hook, and `grumphp run` runs them all in CI.
        let stages: Vec<String> =
            super::ward_stages("pre-commit").unwrap_or_default().iter().map(|s| (*s).to_string()).collect();
        check.set("stages", stages);
    }
    import.add(check);
}

fn commit_message(options: &Node, check: &mut Check, import: &mut Import) {
    check.kind = Kind::Builtin;
    check.set("builtin", "commit-message");
    let int = |key: &str, default: i64| options.get(key).and_then(Node::as_int).unwrap_or(default);
    let subject = int("max_subject_width", 60);
    if subject > 0 {
        check.set("subject_max", Val::Int(subject));
    }
    let body = int("max_body_width", 72);
    if body > 0 {
        check.set("body_max", Val::Int(body));
    }
    let capitalised = flag(options, "enforce_capitalized_subject").unwrap_or(true);
    check.set("subject_case", if capitalised { "capitalised" } else { "any" });
    let no_period = flag(options, "enforce_no_subject_trailing_period").unwrap_or(true);
    check.set("allow_trailing_period", !no_period);
    check.set("require_blank_line", flag(options, "enforce_single_lined_subject").unwrap_or(true));
    let mut modifiers = String::new();
    if flag(options, "case_insensitive").unwrap_or(true) {
        modifiers.push('i');
    }
    if flag(options, "multiline").unwrap_or(true) {
        modifiers.push('m');
    }
    let mut patterns = Vec::new();
    if let Some(matchers) = options.get("matchers") {
        let values: Vec<&Node> = if matchers.is_map() {
            matchers.entries().iter().map(|(_, v)| v).collect()
        } else {
            matchers.items().iter().collect()
        };
        for m in values {
            if let Some(text) = m.as_str() {
                let regex = pcre(text).unwrap_or_else(|| literal_regex(text));
                patterns.push(if modifiers.is_empty() { regex } else { format!("(?{modifiers}){regex}") });
            }
        }
    }
    check.set_some("pattern", patterns);
    if flag(options, "enforce_no_subject_punctuations") == Some(true) {
        check.set("forbid_pattern", vec!["\\A[^\\n]*[[:punct:]][ \\t]*(\\n|\\z)".to_string()]);
    }
    check.set("stages", vec!["commit-msg".to_string()]);
    if flag(options, "skip_on_merge_commit").unwrap_or(true) {
        check.comment("GrumPHP skipped merge commits (skip_on_merge_commit)");
    }
    if let Some(conventions) = options.get("type_scope_conventions").filter(|c| !c.is_null()) {
        let (types, scopes) = if conventions.is_map() {
            (strs(conventions, "types"), strs(conventions, "scopes"))
        } else {
            (conventions.str_list().unwrap_or_default(), Vec::new())
        };
        let mut cc = Check::new("conventional-commit", check.origin.clone(), Kind::Builtin);
        cc.origin.what = format!("{} type_scope_conventions", check.origin.what);
        cc.set("builtin", "conventional-commit");
        if !types.is_empty() {
            cc.set("types", types);
        }
        if !scopes.is_empty() {
            cc.set("scopes", scopes);
        }
        cc.set("stages", vec!["commit-msg".to_string()]);
        import.add(cc);
    }
}

/// `10M`, `500K`, `1G` or bytes, in kilobytes.
fn size_kb(size: &str) -> Option<i64> {
    let s = size.trim();
    let (number, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len()));
    let n: f64 = number.parse().ok()?;
    let factor = match unit.trim().to_ascii_uppercase().trim_end_matches('B') {
        "" => 1.0 / 1024.0,
        "K" => 1.0,
        "M" => 1024.0,
        "G" => 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * factor).ceil() as i64)
}

/// A POSIX basic regex (what `git grep -G` reads) as a regex: `(`, `+`, `?`, `{`, `|` are
/// literal there and groups are written `\(`.
fn bre_to_regex(bre: &str) -> String {
    let mut out = String::new();
    let mut chars = bre.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n @ ('(' | ')' | '{' | '}' | '|' | '+' | '?')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push_str("\\\\"),
            },
            '(' | ')' | '{' | '}' | '|' | '+' | '?' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A glob on branch names as a regex.
fn glob_regex(glob: &str) -> String {
    let mut out = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push('$');
    out
}

/// A word for `sh -c`, single-quoted when it needs to be.
fn shell_word(word: &str) -> String {
    crate::config::display_command(&[word.to_string()])
}

/// A YAML value as JSON (php-cs-fixer's `--rules` takes JSON).
fn node_json(node: &Node) -> String {
    fn to_value(node: &Node) -> serde_json::Value {
        match &node.value {
            Value::Null => serde_json::Value::Null,
            Value::Str { text, plain } => match (plain, node.as_bool(), node.as_int()) {
                (true, Some(b), _) if text == "true" || text == "false" => serde_json::Value::Bool(b),
                (true, _, Some(i)) => serde_json::Value::from(i),
                _ => serde_json::Value::String(text.clone()),
            },
            Value::Seq(items) => {
                // GrumPHP lists rules as names, or as `name: options`.
                serde_json::Value::Array(items.iter().map(to_value).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries.iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_value(v))).collect(),
            ),
        }
    }
    let value = match &node.value {
        Value::Seq(items) => serde_json::Value::Object(
            items.iter().filter_map(|i| i.as_str()).map(|r| (r.to_string(), serde_json::Value::Bool(true))).collect(),
        ),
        _ => to_value(node),
    };
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_regexes() {
        assert_eq!(size_kb("10M"), Some(10240));
        assert_eq!(size_kb("500K"), Some(500));
        assert_eq!(size_kb("2048"), Some(2));
        assert_eq!(size_kb("lots"), None);
        assert_eq!(bre_to_regex("var_dump("), "var_dump\\(");
        assert_eq!(bre_to_regex("\\(a\\|b\\)"), "(a|b)");
        assert_eq!(glob_regex("release/*"), "^release/.*$");
        assert_eq!(finder_regex(&["tests/".into(), "/^src\\/Legacy/".into()]), "(?:tests/)|(?:^src\\/Legacy)");
    }

    #[test]
    fn placeholders_expand() {
        let params =
            vec![("level".to_string(), node::yaml("5").unwrap()), ("dirs".to_string(), node::yaml("[a, b]").unwrap())];
        let mut unknown = Vec::new();
        let n = expand(
            &node::yaml("{l: '%level%', s: 'x-%level%-%%-%nope%', d: '%dirs%'}").unwrap(),
            &params,
            &mut unknown,
        );
        assert_eq!(n.get("l").unwrap().as_str(), Some("5"));
        assert_eq!(n.get("s").unwrap().as_str(), Some("x-5-%-%nope%"));
        assert_eq!(n.get("d").unwrap().str_list().unwrap(), ["a", "b"]);
        assert_eq!(unknown, ["nope"]);
    }
}
