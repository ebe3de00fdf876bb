//! `.pre-commit-config.yaml` (and the old list-only format) as ward checks: pre-commit-hooks
//! ids as built-ins, local hooks as commands, PHP hook repositories as presets.

use super::node::{self, Node};
use super::{split_args, ward_stages, Check, Import, Kind, Origin, SourceError, SYSTEM_TOOLS};

/// pre-commit-hooks ids ward has built in, by the same name.
const SAME_NAME: &[&str] = crate::checks::builtin::NAMES;

struct Ctx<'a> {
    file: &'a str,
    default_stages: Option<Vec<String>>,
}

impl Ctx<'_> {
    fn origin(&self, node: &Node, what: impl Into<String>) -> Origin {
        Origin { file: self.file.to_string(), line: node.line, what: what.into() }
    }

    fn err(&self, node: &Node, message: impl Into<String>) -> SourceError {
        SourceError::at(self.file, node, message)
    }

    fn string(&self, node: &Node, key: &str) -> Result<Option<String>, SourceError> {
        match node.get(key) {
            None => Ok(None),
            Some(v) if v.is_null() => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| self.err(v, format!("`{key}` should be a string, not {}", v.kind()))),
        }
    }

    fn list(&self, node: &Node, key: &str) -> Result<Option<Vec<String>>, SourceError> {
        match node.get(key) {
            None => Ok(None),
            Some(v) => v
                .str_list()
                .map(Some)
                .ok_or_else(|| self.err(v, format!("`{key}` should be a list of strings, not {}", v.kind()))),
        }
    }

    fn flag(&self, node: &Node, key: &str) -> Result<Option<bool>, SourceError> {
        match node.get(key) {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| self.err(v, format!("`{key}` should be true or false"))),
        }
    }
}

pub fn import(text: &str, file: &str) -> Result<Import, SourceError> {
    let root = node::yaml(text).map_err(|e| SourceError::parse(file, e))?;
    let mut import = Import::new(file);
    let mut ctx = Ctx { file, default_stages: None };
    let repos: &[Node] = match &root.value {
        node::Value::Seq(items) => {
            import.note(
                ctx.origin(&root, "old list-only format"),
                "read as `repos:` (`pre-commit migrate-config` would rewrite it)",
            );
            items
        }
        node::Value::Map(_) => {
            top_level(&root, &mut ctx, &mut import)?;
            match root.get("repos") {
                Some(repos) if repos.is_seq() => repos.items(),
                Some(repos) if repos.is_null() => &[],
                Some(repos) => return Err(ctx.err(repos, format!("`repos` should be a list, not {}", repos.kind()))),
                None => return Err(ctx.err(&root, "no `repos:` list; is this a pre-commit configuration?")),
            }
        }
        node::Value::Null => {
            return Err(SourceError { file: file.to_string(), at: None, message: "the file is empty".into() })
        }
        node::Value::Str { .. } => return Err(ctx.err(&root, "expected a mapping with `repos:`")),
    };
    for repo in repos {
        one_repo(repo, &ctx, &mut import)?;
    }
    Ok(import)
}

fn top_level(root: &Node, ctx: &mut Ctx, import: &mut Import) -> Result<(), SourceError> {
    for (key, value) in root.entries() {
        let name = key.as_str().unwrap_or_default();
        let origin = ctx.origin(key, name);
        match name {
            "repos" => {}
            "files" => {
                if let Some(regex) = value.as_str().filter(|r| !r.is_empty()) {
                    import.setting("files_regex", regex, origin);
                }
            }
            "exclude" => {
                if let Some(regex) = value.as_str().filter(|r| !r.is_empty() && *r != "^$") {
                    import.setting("exclude_regex", regex, origin);
                }
            }
            "fail_fast" => {
                if value.as_bool() == Some(true) {
                    import.setting("fail_fast", true, origin);
                }
            }
            "default_stages" => {
                let stages = ctx.list(root, name)?.unwrap_or_default();
                ctx.default_stages = Some(stages);
            }
            "default_install_hook_types" => {
                let types = ctx.list(root, name)?.unwrap_or_default();
                install_hint(&types, origin, import);
            }
            "minimum_pre_commit_version" => import.note(origin, "ignored: ward has no version gate"),
            "default_language_version" => import
                .note(origin, "ignored: ward runs the tools installed on the machine, it installs no language runtime"),
            "ci" => import.note(origin, "ignored: pre-commit.ci settings; `ward run --ci` runs in your own CI"),
            other => import.note(origin, format!("ignored: pre-commit does not know the key `{other}` either")),
        }
    }
    Ok(())
}

/// `default_install_hook_types` becomes the `ward install` command that installs the same hooks.
pub(crate) fn install_hint(types: &[String], origin: Origin, import: &mut Import) {
    let supported = ["pre-commit", "pre-push", "commit-msg", "prepare-commit-msg"];
    let (ours, other): (Vec<&String>, Vec<&String>) = types.iter().partition(|t| supported.contains(&t.as_str()));
    if !ours.is_empty() {
        let hooks: Vec<String> = ours.iter().map(|t| format!("--hook {t}")).collect();
        import.next.push(format!("ward install --force {}", hooks.join(" ")));
    }
    if !other.is_empty() {
        let names: Vec<&str> = other.iter().map(|s| s.as_str()).collect();
        import.note(
            origin,
            format!(
                "`ward install` installs pre-commit, pre-push, commit-msg and prepare-commit-msg hooks, not {}",
                names.join(", ")
            ),
        );
    }
}

fn one_repo(repo: &Node, ctx: &Ctx, import: &mut Import) -> Result<(), SourceError> {
    if !repo.is_map() {
        return Err(ctx.err(repo, format!("each entry of `repos` should be a mapping, not {}", repo.kind())));
    }
    let url = ctx.string(repo, "repo")?.ok_or_else(|| ctx.err(repo, "a repository without `repo:`"))?;
    let rev = ctx.string(repo, "rev")?.or(ctx.string(repo, "sha")?).unwrap_or_default();
    let hooks = match repo.get("hooks") {
        Some(h) if h.is_seq() => h.items(),
        Some(h) => return Err(ctx.err(h, format!("`hooks` should be a list, not {}", h.kind()))),
        None => return Err(ctx.err(repo, format!("repository {url} has no `hooks:`"))),
    };
    let short = short_repo(&url);
    for hook in hooks {
        if !hook.is_map() {
            return Err(ctx.err(hook, format!("each hook should be a mapping, not {}", hook.kind())));
        }
        let id = ctx.string(hook, "id")?.ok_or_else(|| ctx.err(hook, "a hook without `id:`"))?;
        let at = hook.entry("id").map_or(hook, |(k, _)| k);
        match url.as_str() {
            "local" => local_hook(hook, &id, at, ctx, import)?,
            "meta" => import.note(
                ctx.origin(at, format!("meta {id}")),
                "not needed: `ward list` shows the files each check matches, and `ward validate` the config",
            ),
            // prek's `repo: builtin` holds the same hooks under the same ids.
            "builtin" => hygiene_hook(hook, &id, at, "builtin", ctx, import)?,
            _ if short.ends_with("pre-commit/pre-commit-hooks") => hygiene_hook(hook, &id, at, &short, ctx, import)?,
            _ if short.contains("pre-commit-php") => php_hook(hook, &id, at, &short, &rev, ctx, import)?,
            _ => environment_hook(hook, &id, at, &short, &rev, None, ctx, import)?,
        }
    }
    Ok(())
}

/// `https://github.com/pre-commit/pre-commit-hooks.git` -> `pre-commit/pre-commit-hooks`.
fn short_repo(url: &str) -> String {
    let trimmed = url.trim_end_matches('/').trim_end_matches(".git");
    let mut parts: Vec<&str> = trimmed.rsplit(['/', ':']).take(2).collect();
    parts.reverse();
    if parts.len() == 2 && !trimmed.starts_with("local") {
        parts.join("/")
    } else {
        trimmed.to_string()
    }
}

/// The keys every kind of check takes from a hook: name, file filters, stages, `always_run`.
fn common(hook: &Node, check: &mut Check, ctx: &Ctx, import: &mut Import) -> Result<bool, SourceError> {
    if let Some(name) = ctx.string(hook, "name")? {
        check.set("name", name);
    }
    for (key, regex_key, glob_key) in [("files", "files_regex", "files"), ("exclude", "exclude_regex", "exclude")] {
        match hook.get(key).map(|v| (v, prek_globs(v))) {
            // prek also takes `{glob: "..."}` or a list of those.
            Some((_, Some(globs))) => {
                check.set_some(glob_key, globs);
            }
            Some((v, None)) => {
                if let Some(regex) = v.as_str().filter(|r| !r.is_empty() && *r != "^$") {
                    check.set(regex_key, regex.to_string());
                } else if !v.is_null() && v.as_str().is_none() {
                    return Err(ctx.err(v, format!("`{key}` should be a regex, not {}", v.kind())));
                }
            }
            None => {}
        }
    }
    for key in ["types", "types_or", "exclude_types"] {
        if let Some(tags) = ctx.list(hook, key)?.filter(|t| !t.is_empty()) {
            check.set(key, tags);
        }
    }
    if ctx.flag(hook, "always_run")? == Some(true) {
        check.set("always_run", true);
    }
    let stages = match ctx.list(hook, "stages")? {
        Some(stages) if !stages.is_empty() => Some(stages),
        _ => ctx.default_stages.clone(),
    };
    if let Some(stages) = stages {
        let mut ours: Vec<String> = Vec::new();
        let mut other: Vec<String> = Vec::new();
        for stage in &stages {
            match ward_stages(stage) {
                Some(mapped) => {
                    for s in mapped {
                        if !ours.iter().any(|o| o == s) {
                            ours.push((*s).to_string());
                        }
                    }
                }
                None => other.push(stage.clone()),
            }
        }
        if ours.is_empty() {
            import.leave(
                check.origin.clone(),
                format!("it runs only in the {} stage(s), which ward has no hook for", other.join(", ")),
                "run the command from that git hook yourself, or give it a stage ward has (pre-commit, pre-push, commit-msg, manual)",
            );
            return Ok(false);
        }
        if !other.is_empty() {
            check.need(format!("ward has no {} hook; the check runs in {} only", other.join(", "), ours.join(", ")));
        }
        check.set("stages", ours);
    }
    for key in ["verbose", "log_file", "fail_fast"] {
        if hook.get(key).is_some_and(|v| v.as_bool() != Some(false)) {
            let text = match key {
                "verbose" => "verbose: ward shows a check's output when it fails; `ward run -v` always",
                "log_file" => "log_file: not carried over; `ward run --output json=FILE` keeps a report",
                _ => "fail_fast on one hook: ward has `fail_fast` for the whole run ([settings] or --fail-fast)",
            };
            check.comment(text);
        }
    }
    if let Some(alias) = ctx.string(hook, "alias")? {
        check.comment(format!("alias {alias}: it is the check's id here (`ward run {}`, SKIP={})", check.id, check.id));
    }
    Ok(true)
}

/// prek's glob form of `files`/`exclude`: `{glob: "*.php"}`, `{glob: [..]}` or a list of those.
fn prek_globs(value: &Node) -> Option<Vec<String>> {
    let one = |n: &Node| n.get("glob").and_then(Node::str_list);
    if value.is_map() {
        one(value)
    } else if value.is_seq() {
        value
            .items()
            .iter()
            .map(|i| one(i).or_else(|| i.as_str().map(|s| vec![s.to_string()])))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat())
    } else {
        None
    }
}

fn id_for(hook: &Node, id: &str, ctx: &Ctx) -> Result<String, SourceError> {
    Ok(ctx.string(hook, "alias")?.filter(|a| !a.is_empty()).unwrap_or_else(|| id.to_string()))
}

/// A pre-commit-hooks hook: a built-in with its arguments as options.
fn hygiene_hook(
    hook: &Node,
    id: &str,
    at: &Node,
    repo: &str,
    ctx: &Ctx,
    import: &mut Import,
) -> Result<(), SourceError> {
    let what = format!("pre-commit-hooks {id}");
    let origin = ctx.origin(at, &what);
    let (name, renamed) = match id {
        "check-byte-order-marker" => ("fix-byte-order-marker", true),
        other => match SAME_NAME.iter().find(|n| **n == other) {
            Some(n) => (*n, false),
            None => {
                let todo = format!(
                    "pip install pre-commit-hooks, then add a check with run = \"{id}\" (its console script) and the same files"
                );
                import.leave(origin, format!("ward has no built-in {id} (from {repo})"), todo);
                return Ok(());
            }
        },
    };
    let mut check = Check::new(id_for(hook, name, ctx)?, origin, Kind::Builtin);
    check.set("builtin", name);
    if renamed {
        check.comment("check-byte-order-marker was renamed fix-byte-order-marker, which also removes the marker");
    }
    let args = ctx.list(hook, "args")?.unwrap_or_default();
    let (args, _) = split_args(&args);
    builtin_options(name, &args, &mut check);
    if name == "trailing-whitespace" && check.get("markdown_linebreak_ext").is_none() {
        // pre-commit-hooks strips Markdown hard breaks unless told otherwise; ward keeps them.
        check.set("markdown_linebreak_ext", Vec::<String>::new());
        check
            .comment("pre-commit-hooks strips Markdown hard line breaks too; drop markdown_linebreak_ext to keep them");
    }
    if ctx.flag(hook, "pass_filenames")? == Some(false) {
        check.need("pass_filenames: false has no meaning for a built-in; it checks the selected files");
    }
    if common(hook, &mut check, ctx, import)? {
        import.add(check);
    }
    Ok(())
}

/// pre-commit-hooks' argparse options as built-in options; others are said, never dropped.
fn builtin_options(name: &str, args: &[String], check: &mut Check) {
    let takes_value = [
        "--maxkb",
        "--fix",
        "--branch",
        "-b",
        "--pattern",
        "-p",
        "--markdown-linebreak-ext",
        "--chars",
        "--credentials-file",
    ];
    let mut i = 0;
    let mut branches: Vec<String> = Vec::new();
    let mut patterns: Vec<String> = Vec::new();
    let mut md: Vec<String> = Vec::new();
    let mut creds: Vec<String> = Vec::new();
    while i < args.len() {
        let arg = &args[i];
        let (flag, value) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f.to_string(), Some(v.to_string())),
            _ if takes_value.contains(&arg.as_str()) => {
                i += 1;
                (arg.clone(), args.get(i).cloned())
            }
            _ => (arg.clone(), None),
        };
        i += 1;
        let value_str = value.clone().unwrap_or_default();
        match (name, flag.as_str()) {
            ("check-yaml", "--unsafe") => {
                check.set("unsafe", true);
            }
            ("check-yaml", "--allow-multiple-documents" | "-m") => {
                check.set("allow_multiple_documents", true);
            }
            ("mixed-line-ending", "--fix") => {
                check.set("fix", value_str);
            }
            ("check-added-large-files", "--maxkb") => match value_str.parse::<i64>().ok().filter(|kb| *kb >= 0) {
                Some(kb) => {
                    check.set("max_kb", super::Val::Int(kb));
                }
                None => {
                    check.need(format!("--maxkb={value_str} is not a number; ward's default is 500"));
                }
            },
            ("check-added-large-files", "--enforce-all") => {
                check.set("enforce_all", true);
            }
            ("no-commit-to-branch", "--branch" | "-b") => branches.push(value_str),
            ("no-commit-to-branch", "--pattern" | "-p") => patterns.push(value_str),
            ("trailing-whitespace", "--markdown-linebreak-ext") => md.extend(
                value_str.split(',').map(|e| e.trim().trim_start_matches('.').to_string()).filter(|e| !e.is_empty()),
            ),
            ("trailing-whitespace", "--no-markdown-linebreak-ext") => {}
            ("trailing-whitespace", "--chars") => {
                check.set("chars", value_str);
            }
            ("check-merge-conflict", "--assume-in-merge") => {
                check.set("assume_in_merge", true);
            }
            ("detect-aws-credentials", "--credentials-file") => creds.push(value_str),
            ("detect-aws-credentials", "--allow-missing-credentials") => {
                check.set("allow_missing_credentials", true);
            }
            _ => {
                check.need(format!("the argument `{arg}` has no ward option; it was left out"));
            }
        }
    }
    check.set_some("branches", branches);
    check.set_some("patterns", patterns);
    check.set_some("markdown_linebreak_ext", md);
    check.set_some("credentials_files", creds);
}

/// A `repo: local` hook.
fn local_hook(hook: &Node, id: &str, at: &Node, ctx: &Ctx, import: &mut Import) -> Result<(), SourceError> {
    let what = format!("local {id}");
    let origin = ctx.origin(at, &what);
    let language = ctx.string(hook, "language")?.unwrap_or_else(|| "system".into());
    let entry = ctx.string(hook, "entry")?.unwrap_or_default();
    let raw_args = ctx.list(hook, "args")?.unwrap_or_default();
    let (args, split_notes) = split_args(&raw_args);
    let mut check = Check::new(id_for(hook, id, ctx)?, origin.clone(), Kind::Run);
    match language.as_str() {
        "system" | "unsupported" | "script" | "unsupported_script" => {
            if entry.trim().is_empty() {
                return Err(ctx.err(at, format!("local hook {id} has no `entry`")));
            }
            let mut entry = entry.trim().to_string();
            let script = language.contains("script");
            if script && !entry.starts_with('/') && !entry.starts_with("./") {
                // A script entry is a path in the repository, never a program on PATH.
                entry = format!("./{entry}");
            }
            check.run_with_args(&entry, &args);
            if let Some(tip) = super::preset_tip(&entry) {
                check.comment(tip);
            }
        }
        "fail" => {
            // pre-commit prints the entry and the matched files, and fails.
            let script = "echo \"$0\"; for f; do echo \"$f\"; done; exit 1";
            check.set(
                "run",
                crate::config::display_command(&["sh".into(), "-c".into(), script.into(), entry.trim().to_string()]),
            );
            check.comment("language: fail: any matched file fails the check, with this message");
        }
        "pygrep" => {
            let mut pattern = entry.clone();
            let mut negate = false;
            for arg in &args {
                match arg.as_str() {
                    "-i" | "--ignore-case" => pattern = format!("(?i){pattern}"),
                    "--multiline" => pattern = format!("(?ms){pattern}"),
                    "--negate" => negate = true,
                    _ => {
                        check.need(format!("the pygrep argument `{arg}` was left out"));
                    }
                }
            }
            if negate {
                import.leave(
                    origin,
                    "pygrep --negate (files must contain the pattern) has no ward check",
                    "add a run check with `grep -L`",
                );
                return Ok(());
            }
            check.kind = Kind::Builtin;
            check.set("builtin", "forbid-patterns");
            check.set("patterns", vec![pattern]);
        }
        "docker_image" => {
            let (args_text, entry) = (crate::config::display_command(&args), entry.trim().to_string());
            let image_and_args =
                [entry, args_text].iter().filter(|w| !w.is_empty()).cloned().collect::<Vec<_>>().join(" ");
            let script = format!(
                "exec docker run --rm -u \"$(id -u):$(id -g)\" -v \"$PWD:/src:rw,Z\" -w /src {image_and_args} \"$@\""
            );
            check.set("run", crate::config::display_command(&["sh".into(), "-c".into(), script, "docker".into()]));
            check.comment("language: docker_image: runs the image as pre-commit does (needs docker)");
        }
        other => {
            return environment_hook(hook, id, at, "local", "", Some((other, &entry, &args)), ctx, import);
        }
    }
    for note in split_notes {
        check.comment(note);
    }
    if check.kind == Kind::Run {
        run_keys(hook, &mut check, ctx)?;
    }
    if common(hook, &mut check, ctx, import)? {
        import.add(check);
    }
    Ok(())
}

/// `pass_filenames` and `require_serial`, for checks that run a command.
fn run_keys(hook: &Node, check: &mut Check, ctx: &Ctx) -> Result<(), SourceError> {
    if ctx.flag(hook, "pass_filenames")? == Some(false) {
        check.set("pass_files", false);
    }
    if ctx.flag(hook, "require_serial")? == Some(true) {
        check.set("serial", true);
    }
    if let Some(deps) = ctx.list(hook, "additional_dependencies")?.filter(|d| !d.is_empty()) {
        check.comment(format!("additional_dependencies ({}) are not installed by ward", deps.join(", ")));
    }
    Ok(())
}

/// A hook from a PHP hook repository (digitalpulp, mdeweerd, hootsuite, nextcloud).
fn php_hook(
    hook: &Node,
    id: &str,
    at: &Node,
    repo: &str,
    rev: &str,
    ctx: &Ctx,
    import: &mut Import,
) -> Result<(), SourceError> {
    let what = format!("{repo} {id}");
    let origin = ctx.origin(at, &what);
    let preset = match id {
        "php-lint" | "php-lint-all" => "php-lint",
        "php-cs" => "phpcs",
        "php-cbf" => "phpcbf",
        "php-cs-fixer" => "php-cs-fixer",
        "php-stan" | "phpstan" => "phpstan",
        "php-unit" | "phpunit" => "phpunit",
        "php-psalm" | "psalm" => "psalm",
        _ => {
            import.leave(
                origin,
                format!("{repo} {rev} hook {id} has no ward equivalent"),
                "add a check with run = \"vendor/bin/<tool> ...\" doing what the hook script does",
            );
            return Ok(());
        }
    };
    let mut check = Check::new(id_for(hook, id, ctx)?, origin, Kind::Preset);
    check.set("uses", preset);
    let raw_args = ctx.list(hook, "args")?.unwrap_or_default();
    let (args, notes) = split_args(&raw_args);
    for note in notes {
        check.comment(note);
    }
    let mut kept: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let config_flag = match preset {
            "phpstan" => ["-c", "--configuration"].as_slice(),
            "php-cs-fixer" => ["--config"].as_slice(),
            "phpunit" => ["-c", "--configuration"].as_slice(),
            _ => [].as_slice(),
        };
        if let Some((_, value)) = arg.split_once('=').filter(|(f, _)| config_flag.contains(f)) {
            check.set("config", value.to_string());
        } else if config_flag.contains(&arg.as_str()) && i + 1 < args.len() {
            i += 1;
            check.set("config", args[i].clone());
        } else if matches!(
            (preset, arg.as_str()),
            ("phpstan", "analyse" | "analyze" | "--no-progress") | ("php-cs-fixer", "fix" | "--dry-run" | "--diff")
        ) || arg.starts_with("--error-format")
            || arg.starts_with("--format")
        {
            check.comment(format!("`{arg}` left out: the preset sets its own command and output format"));
        } else {
            kept.push(arg.clone());
        }
        i += 1;
    }
    check.set_some("args", kept);
    if common(hook, &mut check, ctx, import)? {
        import.add(check);
    }
    Ok(())
}

/// A hook whose tool pre-commit installs in an environment of its own: the same command when
/// the tool is commonly installed system-wide, else left with its repository and version.
#[allow(clippy::too_many_arguments)]
fn environment_hook(
    hook: &Node,
    id: &str,
    at: &Node,
    repo: &str,
    rev: &str,
    local: Option<(&str, &str, &[String])>,
    ctx: &Ctx,
    import: &mut Import,
) -> Result<(), SourceError> {
    let what = if repo == "local" { format!("local {id}") } else { format!("{repo} {id}") };
    let origin = ctx.origin(at, &what);
    let entry_program = local.and_then(|(_, entry, _)| shlex::split(entry)).and_then(|w| w.first().cloned());
    let known = SYSTEM_TOOLS
        .iter()
        .find(|(tool_id, program, _)| *tool_id == id || entry_program.as_deref().is_some_and(|p| p == *program));
    let Some((tool_id, program, install)) = known else {
        let (why, todo) = match local {
            Some((language, entry, _)) => (
                format!("language: {language}: pre-commit installs `{}` in an environment of its own", entry.trim()),
                format!("install it on every machine, then add a check with run = \"{}\"", entry.trim()),
            ),
            None => (
                format!("pre-commit installs {id} from {repo} {rev} in an environment of its own"),
                environment_todo(id),
            ),
        };
        import.leave(origin, why, todo);
        return Ok(());
    };
    let raw_args = ctx.list(hook, "args")?.unwrap_or_default();
    let (args, notes) = split_args(&raw_args);
    let mut check = Check::new(id_for(hook, id, ctx)?, origin, Kind::Run);
    let entry = ctx.string(hook, "entry")?.or_else(|| local.map(|(_, e, _)| e.to_string()));
    let (entry, types, pass_files): (String, &[&str], bool) = match *tool_id {
        "shellcheck" => (entry.unwrap_or_else(|| "shellcheck".into()), &["shell"], true),
        "yamllint" => (entry.unwrap_or_else(|| "yamllint".into()), &["yaml"], true),
        "codespell" => (entry.unwrap_or_else(|| "codespell".into()), &["text"], true),
        _ => (entry.unwrap_or_else(|| gitleaks_entry(rev).into()), &[], false),
    };
    check.run_with_args(&entry, &args);
    if !types.is_empty() && hook.get("types").is_none() && hook.get("types_or").is_none() && local.is_none() {
        check.set("types", types.iter().map(|t| (*t).to_string()).collect::<Vec<_>>());
    }
    if !pass_files {
        check.set("pass_files", false);
    }
    let from = if repo == "local" { String::new() } else { format!(" ({repo} {rev})") };
    check.comment(format!("pre-commit installed {program} itself{from}; ward runs the installed one: {install}"));
    for note in notes {
        check.comment(note);
    }
    run_keys(hook, &mut check, ctx)?;
    if common(hook, &mut check, ctx, import)? {
        import.add(check);
    }
    Ok(())
}

/// gitleaks 8.19 replaced `protect --staged` with `git --pre-commit --staged`.
fn gitleaks_entry(rev: &str) -> &'static str {
    let version: Vec<u32> = rev.trim_start_matches('v').split('.').map_while(|p| p.parse().ok()).collect();
    if version.len() >= 2 && (version[0], version[1]) < (8, 19) {
        "gitleaks protect --verbose --redact --staged"
    } else {
        "gitleaks git --pre-commit --redact --staged --verbose"
    }
}

fn environment_todo(id: &str) -> String {
    let npm = |tool: &str, run: &str| format!("npm install --save-dev {tool}, then add a check with run = \"{run}\"");
    match id {
        "prettier" => npm("prettier", "npx prettier --write"),
        "eslint" => npm("eslint", "npx eslint --fix"),
        "stylelint" => npm("stylelint", "npx stylelint --fix"),
        "actionlint" | "actionlint-system" | "actionlint-docker" => {
            "install actionlint (brew install actionlint, or its release binary), then add a check with run = \"actionlint\" and files = [\".github/workflows/*\"]".into()
        }
        "hadolint" | "hadolint-docker" => {
            "install hadolint (its release binary), then add a check with run = \"hadolint\" and files = [\"Dockerfile*\"]".into()
        }
        "black" | "isort" | "pyupgrade" | "sqlfluff-lint" | "sqlfluff-fix" | "django-upgrade" => {
            format!("pip install {}, then add a check with run = \"{id}\" and types = [\"python\"]", id.split('-').next().unwrap_or(id))
        }
        "git-secrets" => "install git-secrets (apt-get install git-secrets), then add a check with run = \"git secrets --pre_commit_hook --\"".into(),
        _ if id.starts_with("terraform") => "install terraform (and tflint etc.), then add a check with run = \"terraform fmt -check\" and files = [\"*.tf\"]".into(),
        _ => format!("install the tool on every machine, then add a check with run = \"{id} ...\" as the hook's manifest runs it"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names() {
        assert_eq!(short_repo("https://github.com/pre-commit/pre-commit-hooks.git"), "pre-commit/pre-commit-hooks");
        assert_eq!(short_repo("git@github.com:digitalpulp/pre-commit-php.git"), "digitalpulp/pre-commit-php");
        assert_eq!(short_repo("local"), "local");
    }

    #[test]
    fn prek_glob_filters() {
        let node = node::yaml("{glob: '*.php'}").unwrap();
        assert_eq!(prek_globs(&node), Some(vec!["*.php".to_string()]));
        let node = node::yaml("[{glob: 'src/**'}, {glob: [a, b]}]").unwrap();
        assert_eq!(prek_globs(&node), Some(vec!["src/**".to_string(), "a".into(), "b".into()]));
        assert_eq!(prek_globs(&node::yaml("'^src/'").unwrap()), None);
    }

    #[test]
    fn gitleaks_command_follows_the_version() {
        assert_eq!(gitleaks_entry("v8.18.4"), "gitleaks protect --verbose --redact --staged");
        assert_eq!(gitleaks_entry("v8.21.2"), "gitleaks git --pre-commit --redact --staged --verbose");
    }

    #[test]
    fn builtin_arguments_become_options() {
        let origin = Origin { file: "f".into(), line: 1, what: "w".into() };
        let mut check = Check::new("x", origin, Kind::Builtin);
        builtin_options(
            "no-commit-to-branch",
            &["--branch".into(), "develop".into(), "--pattern=\\d+.0$".into()],
            &mut check,
        );
        assert_eq!(check.get("branches"), Some(&super::super::Val::from(vec!["develop".to_string()])));
        assert_eq!(check.get("patterns"), Some(&super::super::Val::from(vec!["\\d+.0$".to_string()])));
        builtin_options("check-yaml", &["--weird".into()], &mut check);
        assert_eq!(check.needs.len(), 1);
    }
}
