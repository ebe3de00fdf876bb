//! `captainhook.json` as ward checks: its PHP actions as built-ins and presets, shell actions as
//! commands (placeholders become the files ward passes), conditions as file filters.

use super::node::{self, Node};
use super::pre_commit::install_hint;
use super::{path_glob, pcre, ward_stages, Check, Import, Kind, Origin, SourceError, Val};

const HOOKS: &[&str] = &["pre-commit", "commit-msg", "pre-push", "prepare-commit-msg"];

struct Ctx<'a> {
    file: &'a str,
    config: Option<Node>,
}

impl Ctx<'_> {
    fn origin(&self, node: &Node, what: impl Into<String>) -> Origin {
        Origin { file: self.file.to_string(), line: node.line, what: what.into() }
    }
}

/// `\CaptainHook\App\Hook\PHP\Action\Linting` -> `PHP\Action\Linting`.
fn short_class(class: &str) -> &str {
    let class = class.trim_start_matches('\\');
    class.strip_prefix("CaptainHook\\App\\Hook\\").unwrap_or(class)
}

fn is_class(action: &str) -> bool {
    let a = action.trim();
    !a.contains(char::is_whitespace)
        && a.contains('\\')
        && a.trim_start_matches('\\').chars().next().is_some_and(char::is_uppercase)
}

pub fn import(text: &str, file: &str) -> Result<Import, SourceError> {
    let root = node::json(text).map_err(|e| SourceError::parse(file, e))?;
    if !root.is_map() {
        return Err(SourceError::at(file, &root, "expected a JSON object with one entry per hook"));
    }
    let mut import = Import::new(file);
    let ctx = Ctx { file, config: root.get("config").cloned() };
    if let Some((key, config)) = root.entry("config") {
        settings(key, config, &ctx, &mut import);
    } else {
        import.setting("fail_fast", true, ctx.origin(&root, "fail-on-first-error (CaptainHook's default)"));
    }
    let mut installed = Vec::new();
    for (key, hook) in root.entries() {
        let name = key.as_str().unwrap_or_default();
        if name == "config" {
            continue;
        }
        let enabled = hook.get("enabled").and_then(Node::as_bool).unwrap_or(true);
        let actions = hook.get("actions").map(|a| a.items().to_vec()).unwrap_or_default();
        if actions.is_empty() {
            continue;
        }
        if !enabled {
            import.note(
                ctx.origin(key, name),
                format!("skipped: the {name} hook is disabled, with {} action(s)", actions.len()),
            );
            continue;
        }
        if !HOOKS.contains(&name) {
            for action in &actions {
                let text = action.get("action").and_then(Node::as_str).unwrap_or_default();
                import.leave(
                    ctx.origin(action, format!("{name} {}", short_class(text))),
                    format!("ward has no {name} hook"),
                    format!("run it from .git/hooks/{name} yourself (for example `composer install` after a merge)"),
                );
            }
            continue;
        }
        installed.push(name.to_string());
        for action in &actions {
            one_action(name, action, &ctx, &mut import);
        }
    }
    install_hint(&installed, ctx.origin(&root, "hooks"), &mut import);
    Ok(import)
}

fn settings(key: &Node, config: &Node, ctx: &Ctx, import: &mut Import) {
    let fail_fast = config.get("fail-on-first-error").and_then(Node::as_bool).unwrap_or(true);
    if fail_fast {
        let at = config.entry("fail-on-first-error").map_or(key, |(k, _)| k);
        import.setting("fail_fast", true, ctx.origin(at, "config.fail-on-first-error"));
    }
    for (k, v) in config.entries() {
        let name = k.as_str().unwrap_or_default();
        let at = ctx.origin(k, format!("config.{name}"));
        match name {
            "fail-on-first-error" | "custom" | "php-path" | "ramsey/conventional-commits" => {}
            "run-mode" => {
                let mode = v.as_str().unwrap_or_default();
                if mode == "docker" {
                    match config.get("run-exec").and_then(Node::as_str) {
                        Some(exec) => {
                            import.setting("exec", exec.to_string(), at.clone());
                            import.note(at, "every command runs through run-exec; if the container sees the project under another path, set [settings] container_root");
                        }
                        None => import.leave(
                            at,
                            "run-mode docker without run-exec",
                            "set [settings] exec = \"docker exec -i CONTAINER\"",
                        ),
                    }
                }
            }
            "run-exec" | "run-path" | "run-git" => {}
            "includes" => import.leave(
                at,
                "included CaptainHook files were not read",
                "run `ward import` on each included file with --output, and copy its checks in",
            ),
            "plugins" => import.note(
                at,
                "not needed: ward's staged mode keeps unstaged changes out of the checks, as PreserveWorkingTree did",
            ),
            _ => import.note(at, "ignored: it only changes how CaptainHook itself runs"),
        }
    }
}

fn stages(hook: &str) -> Vec<String> {
    ward_stages(hook).unwrap_or_default().iter().map(|s| (*s).to_string()).collect()
}

fn one_action(hook: &str, action: &Node, ctx: &Ctx, import: &mut Import) {
    // JSON strings only: a number or `true` is no command.
    let text = action.get("action").filter(|a| matches!(a.value, node::Value::Str { plain: false, .. }));
    let Some(text) = text.and_then(Node::as_str) else {
        import.leave(
            ctx.origin(action, format!("{hook} action")),
            "an action without `action`",
            "remove it or say what it runs",
        );
        return;
    };
    let options = action.get("options").cloned().unwrap_or(Node {
        value: node::Value::Map(Vec::new()),
        line: action.line,
        col: action.col,
    });
    let what = if is_class(text) { format!("{hook} {}", short_class(text)) } else { format!("{hook} {text}") };
    let origin = ctx.origin(action, what);
    let mut check = Check::new(id_for(hook, text), origin.clone(), Kind::Builtin);
    if is_class(text) {
        if !class_action(short_class(text), &options, &mut check, ctx, import) {
            return;
        }
    } else {
        shell_action(text, &mut check, ctx);
    }
    let message_check =
        matches!(check.get("builtin"), Some(Val::Str(b)) if b == "commit-message" || b == "conventional-commit");
    if message_check && hook != "commit-msg" {
        check.comment(format!("a message check belongs to commit-msg; CaptainHook had it in {hook}"));
        check.set("stages", stages("commit-msg"));
    } else if check.get("stages").is_none() {
        check.set("stages", stages(hook));
    }
    conditions(action, &mut check);
    if action.get("config").and_then(|c| c.get("allow-failure")).and_then(Node::as_bool) == Some(true) {
        check.need("allow-failure in CaptainHook; in ward a failure fails the run");
    }
    if let Some(label) = action.get("config").and_then(|c| c.get("label")).and_then(Node::as_str) {
        check.set("name", label.to_string());
    }
    import.add(check);
}

fn id_for(hook: &str, action: &str) -> String {
    if is_class(action) {
        let last = action.rsplit('\\').next().unwrap_or(action);
        let mut id = String::new();
        for (i, c) in last.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                id.push('-');
            }
            id.push(c.to_ascii_lowercase());
        }
        return id;
    }
    // The program is the first word that is not a placeholder or an interpreter.
    let mut text = action.to_string();
    while let (Some(start), Some(len)) = (text.find("{$"), text.find("{$").and_then(|s| text[s..].find('}'))) {
        text.replace_range(start..start + len + 1, " ");
    }
    let words = shlex::split(&text).unwrap_or_default();
    let skip = ["php", "sh", "bash", "composer", "run-script", "run", "exec"];
    let basename = |w: &String| w.rsplit('/').next().unwrap_or(w).to_string();
    let program = words.iter().map(basename).find(|w| !skip.contains(&w.as_str()) && !w.starts_with('-'));
    let base: String =
        program.unwrap_or_default().chars().filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_').collect();
    if base.is_empty() {
        format!("{hook}-command")
    } else {
        base
    }
}

/// The PHP classes CaptainHook ships (and Ramsey's plugin); false when the action was left.
fn class_action(class: &str, options: &Node, check: &mut Check, ctx: &Ctx, import: &mut Import) -> bool {
    let int = |key: &str| options.get(key).and_then(Node::as_int);
    match class {
        "PHP\\Action\\Linting" => {
            check.kind = Kind::Preset;
            check.set("uses", "php-lint");
        }
        "Message\\Action\\Beams" => {
            check.set("builtin", "commit-message");
            check.set("subject_max", Val::Int(int("subjectLength").unwrap_or(50)));
            check.set("body_max", Val::Int(int("bodyLineLength").unwrap_or(72)));
            check.set("subject_case", "capitalised");
            check.set("allow_trailing_period", false);
            check.set("require_blank_line", true);
            check.comment("the Beams rule \"use the imperative mood\" is not checked");
        }
        "Message\\Action\\Regex" => {
            let Some(regex) = options.get("regex").and_then(Node::as_str) else {
                import.leave(
                    check.origin.clone(),
                    "Message Regex without `regex`",
                    "add a check with builtin = \"commit-message\" and pattern",
                );
                return false;
            };
            check.set("builtin", "commit-message");
            check.set("pattern", vec![pcre(regex).unwrap_or_else(|| regex.to_string())]);
            if let Some(error) = options.get("error").and_then(Node::as_str) {
                check.comment(format!("CaptainHook's message on failure: {error}"));
            }
        }
        "Message\\Action\\Rules" => {
            check.set("builtin", "commit-message");
            check.set("subject_case", "any");
            check.set("allow_trailing_period", true);
            check.set("require_blank_line", false);
            for rule in options.items() {
                let (name, args) = match rule.as_str() {
                    Some(name) => (name.to_string(), None),
                    None => (
                        rule.items().first().and_then(Node::as_str).unwrap_or_default().to_string(),
                        rule.items().get(1).cloned(),
                    ),
                };
                let n = args.as_ref().and_then(|a| a.items().first().and_then(Node::as_int).or(a.as_int()));
                match name.rsplit('\\').next().unwrap_or_default() {
                    "MsgNotEmpty" => {}
                    "CapitalizeSubject" => {
                        check.set("subject_case", "capitalised");
                    }
                    "LimitSubjectLength" => {
                        check.set("subject_max", Val::Int(n.unwrap_or(50)));
                    }
                    "LimitBodyLineLength" => {
                        check.set("body_max", Val::Int(n.unwrap_or(72)));
                    }
                    "SeparateSubjectFromBodyWithBlankLine" => {
                        check.set("require_blank_line", true);
                    }
                    "NoPeriodOnEndOfSubject" => {
                        check.set("allow_trailing_period", false);
                    }
                    "UseImperativeMood" => {
                        check.comment("the rule UseImperativeMood is not checked");
                    }
                    other => {
                        check.need(format!("the message rule {other} was not carried over"));
                    }
                }
            }
        }
        "Ramsey\\CaptainHook\\ValidateConventionalCommit" => {
            check.set("builtin", "conventional-commit");
            let config = options.get("config").cloned().or_else(|| {
                ctx.config
                    .as_ref()
                    .and_then(|c| c.get("ramsey/conventional-commits"))
                    .and_then(|r| r.get("config"))
                    .cloned()
            });
            if let Some(config) = config {
                if let Some(types) = config.get("types").and_then(Node::str_list).filter(|t| !t.is_empty()) {
                    check.set("types", types);
                }
                if let Some(scopes) = config.get("scopes").and_then(Node::str_list).filter(|t| !t.is_empty()) {
                    check.set("scopes", scopes);
                }
                if config.get("scopeRequired").and_then(Node::as_bool) == Some(true) {
                    check.set("require_scope", true);
                }
            }
        }
        "Composer\\Action\\CheckLockFile" => {
            check.set("builtin", "composer-lock");
        }
        "File\\Action\\MaxSize" => {
            check.set("builtin", "check-added-large-files");
            let size = options.get("maxSize").and_then(Node::as_str).unwrap_or("1M");
            let kb = size.trim_end_matches(['B', 'b']);
            let (n, unit) = kb.split_at(kb.find(|c: char| !c.is_ascii_digit()).unwrap_or(kb.len()));
            let factor = match unit.to_ascii_uppercase().as_str() {
                "K" => 1,
                "M" => 1024,
                "G" => 1024 * 1024,
                _ => 0,
            };
            match n.parse::<i64>() {
                Ok(n) if factor > 0 => {
                    check.set("max_kb", Val::Int(n * factor));
                }
                _ => {
                    check.need(format!("maxSize `{size}` not understood; ward's default is 500 KB"));
                }
            }
            check.set("enforce_all", true);
        }
        "File\\Action\\DoesNotContainRegex" => {
            let Some(regex) = options.get("regex").and_then(Node::as_str) else {
                return false;
            };
            check.set("builtin", "forbid-patterns");
            check.set("patterns", vec![pcre(regex).unwrap_or_else(|| regex.to_string())]);
            if let Some(exts) = options.get("fileExtensions").and_then(Node::str_list).filter(|e| !e.is_empty()) {
                check.set("files", super::extension_globs(&exts));
            }
        }
        "Branch\\Action\\EnsureNaming" => {
            let Some(regex) = options.get("regex").and_then(Node::as_str) else {
                return false;
            };
            check.set("builtin", "branch-name");
            check.set("pattern", vec![pcre(regex).unwrap_or_else(|| regex.to_string())]);
        }
        "Diff\\Action\\BlockSecrets" => {
            check.set("builtin", "detect-private-key");
            check.need(
                "BlockSecrets also looked for tokens and passwords; add a forbid-patterns check for the ones you need",
            );
        }
        "Debug\\Success" | "Debug\\Failure" | "Debug" => {
            import.note(check.origin.clone(), "ignored: a debugging action");
            return false;
        }
        "Ramsey\\CaptainHook\\PrepareConventionalCommit" => {
            import.leave(
                check.origin.clone(),
                "it asks questions to write the message; ward's hooks never prompt",
                "use `git commit` with a message, checked by the conventional-commit check",
            );
            return false;
        }
        other => {
            import.leave(
                check.origin.clone(),
                format!("ward has no equivalent of the CaptainHook action {other}"),
                "add a check with run = \"...\" doing what the action does, or a commit-message check",
            );
            return false;
        }
    }
    true
}

/// A placeholder `{$NAME|modifier:arg|...}` in a shell action.
struct Placeholder {
    start: usize,
    end: usize,
    name: String,
    modifiers: Vec<(String, String)>,
}

fn placeholders(command: &str) -> Vec<Placeholder> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = command[from..].find("{$") {
        let start = from + i;
        let Some(len) = command[start..].find('}') else { break };
        let end = start + len + 1;
        let inner = &command[start + 2..end - 1];
        let mut parts = inner.split('|');
        let name = parts.next().unwrap_or_default().to_string();
        let modifiers = parts
            .map(|m| match m.split_once(':') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (m.to_string(), String::new()),
            })
            .collect();
        out.push(Placeholder { start, end, name, modifiers });
        from = end;
    }
    out
}

fn shell_action(command: &str, check: &mut Check, ctx: &Ctx) {
    check.kind = Kind::Run;
    let mut text = String::new();
    let mut last = 0;
    let mut files = false;
    let mut separator: Option<String> = None;
    let mut shell = false;
    for p in placeholders(command) {
        text.push_str(&command[last..p.start]);
        last = p.end;
        match p.name.as_str() {
            "STAGED_FILES" | "CHANGED_FILES" | "BRANCH_FILES" => {
                files = true;
                for (modifier, arg) in &p.modifiers {
                    match modifier.as_str() {
                        "of-type" => {
                            check.set("types", vec![arg.clone()]);
                        }
                        "in-dir" => {
                            check.set("files", vec![format!("{}/**", arg.trim_end_matches('/'))]);
                        }
                        "separated-by" => separator = Some(arg.clone()),
                        _ => {
                            check.need(format!("the placeholder modifier {modifier} was not carried over"));
                        }
                    }
                }
                match &separator {
                    Some(sep) if sep != " " => {
                        shell = true;
                        text.push_str("\"$*\"");
                    }
                    _ => text.push_str("\"$@\""),
                }
            }
            "CONFIG" => {
                let key = p.modifiers.iter().find(|(m, _)| m == "value-of").map(|(_, v)| v.clone()).unwrap_or_default();
                let value = config_value(ctx, &key);
                if value.is_none() {
                    check.need(format!("{{$CONFIG|value-of:{key}}} has no value in the config"));
                }
                text.push_str(&value.unwrap_or_else(|| if key == "php-path" { "php".into() } else { String::new() }));
            }
            "ENV" => {
                shell = true;
                let key = p.modifiers.iter().find(|(m, _)| m == "value-of").map(|(_, v)| v.clone()).unwrap_or_default();
                text.push_str(&format!("\"${{{key}}}\""));
            }
            other => {
                check.need(format!("the placeholder {{${other}}} was not carried over"));
            }
        }
    }
    text.push_str(&command[last..]);
    let text = match &separator {
        Some(sep) if files && sep != " " => {
            format!("IFS={}; {}", crate::config::display_command(std::slice::from_ref(sep)), text.trim())
        }
        _ => text,
    };
    let run = if shell {
        crate::config::display_command(&["sh".into(), "-c".into(), text.trim().to_string(), "captainhook".into()])
    } else {
        super::shell_run(&text, files, "captainhook")
    };
    if let Some(tip) = super::preset_tip(&run) {
        check.comment(tip);
    }
    check.set("run", run);
    if !files {
        check.set("pass_files", false);
        check.set("always_run", true);
    }
}

fn config_value(ctx: &Ctx, key: &str) -> Option<String> {
    let config = ctx.config.as_ref()?;
    let (section, key) = match key.split_once(">>") {
        Some((s, k)) => (config.get(s)?, k),
        None => (config, key),
    };
    section.get(key).and_then(Node::as_str).map(String::from)
}

fn conditions(action: &Node, check: &mut Check) {
    let Some(conditions) = action.get("conditions") else { return };
    for condition in conditions.items() {
        let exec = condition.get("exec").and_then(Node::as_str).unwrap_or_default();
        let class = short_class(exec);
        let args =
            condition.get("args").cloned().unwrap_or(Node { value: node::Value::Seq(Vec::new()), ..condition.clone() });
        let first = args.items().first().cloned().or_else(|| args.get("files").cloned());
        let names = |n: Option<&Node>| n.and_then(Node::str_list).unwrap_or_default();
        match class.trim_start_matches("Condition\\") {
            "FileStaged\\Any" | "FileChanged\\Any" | "FileStaged\\All" | "FileChanged\\All" => {
                let files = names(first.as_ref());
                if !files.is_empty() {
                    // CaptainHook matches these with fnmatch: patterns stay globs, plain paths are exact.
                    let globs =
                        files.iter().map(|f| if f.contains(['*', '?', '[']) { f.clone() } else { path_glob(f) });
                    check.set("files", globs.collect::<Vec<_>>());
                    check.unset("always_run");
                }
                if class.ends_with("All") {
                    check.need(
                        "the condition wanted all of these files changed; ward runs the check when any of them is",
                    );
                }
            }
            "FileStaged\\OfType" | "FileChanged\\OfType" => {
                if let Some(t) = first.as_ref().and_then(Node::as_str) {
                    check.set("types", vec![t.to_string()]);
                    check.unset("always_run");
                }
            }
            "FileStaged\\InDirectory" | "FileChanged\\InDirectory" => {
                if let Some(d) = first.as_ref().and_then(Node::as_str) {
                    check.set("files", vec![format!("{}/**", d.trim_end_matches('/'))]);
                    check.unset("always_run");
                }
            }
            "FileStaged\\ThatIs" | "FileChanged\\ThatIs" => {
                let spec = first.unwrap_or(args.clone());
                let of_type = spec.get("ofType").and_then(Node::as_str);
                let dir = spec.get("inDirectory").or(spec.get("inDir")).and_then(Node::as_str);
                if let Some(t) = of_type {
                    check.set("types", vec![t.to_string()]);
                }
                if let Some(d) = dir {
                    check.set("files", vec![format!("{}/**", d.trim_end_matches('/'))]);
                }
                if of_type.is_some() || dir.is_some() {
                    check.unset("always_run");
                }
            }
            other => {
                check.need(format!("the condition {other} was not carried over: the check runs whenever its files do"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_ids() {
        assert!(is_class("\\CaptainHook\\App\\Hook\\PHP\\Action\\Linting"));
        assert!(!is_class("vendor/bin/phpunit"));
        assert_eq!(short_class("\\CaptainHook\\App\\Hook\\PHP\\Action\\Linting"), "PHP\\Action\\Linting");
        assert_eq!(id_for("pre-commit", "\\CaptainHook\\App\\Hook\\Message\\Action\\Beams"), "beams");
        assert_eq!(id_for("pre-commit", "php vendor/bin/phpunit --testsuite unit"), "phpunit");
        assert_eq!(id_for("pre-commit", "{$CONFIG|value-of:php-path} vendor/bin/phpstan analyse"), "phpstan");
    }

    #[test]
    fn placeholders_become_the_files_ward_passes() {
        let ctx = Ctx { file: "captainhook.json", config: None };
        let origin = Origin { file: "f".into(), line: 1, what: "w".into() };
        let mut check = Check::new("x", origin.clone(), Kind::Run);
        shell_action("vendor/bin/phpcs --standard=PSR12 {$STAGED_FILES|of-type:php}", &mut check, &ctx);
        assert_eq!(check.get("run"), Some(&Val::from("vendor/bin/phpcs --standard=PSR12")));
        assert_eq!(check.get("types"), Some(&Val::from(vec!["php".to_string()])));
        let mut check = Check::new("x", origin.clone(), Kind::Run);
        shell_action("tool {$STAGED_FILES|separated-by:,} --x", &mut check, &ctx);
        assert_eq!(check.get("run"), Some(&Val::from("sh -c 'IFS=,; tool \"$*\" --x' captainhook")));
        let mut check = Check::new("x", origin, Kind::Run);
        shell_action("composer test && echo ok", &mut check, &ctx);
        assert_eq!(check.get("pass_files"), Some(&Val::Bool(false)));
        assert_eq!(check.get("always_run"), Some(&Val::Bool(true)));
    }
}
