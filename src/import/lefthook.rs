//! `lefthook.yml` (with `lefthook-local.yml` merged over it, as lefthook does) as ward checks.

use std::path::Path;

use super::node::{self, Node, Value};
use super::pre_commit::install_hint;
use super::{shell_run, ward_stages, Check, Import, Kind, Origin, SourceError, Val};

/// Top-level keys that configure lefthook itself rather than a hook.
const SETTINGS: &[&str] = &[
    "min_version",
    "colors",
    "no_tty",
    "output",
    "skip_output",
    "source_dir",
    "source_dir_local",
    "rc",
    "extends",
    "remotes",
    "remote",
    "assert_lefthook_installed",
    "skip_lfs",
    "glob_matcher",
    "templates",
    "lefthook",
];

/// `over` on top of `base`, mapping by mapping (lists and scalars are replaced).
fn merge(base: &Node, over: &Node) -> Node {
    match (&base.value, &over.value) {
        (Value::Map(b), Value::Map(o)) => {
            let mut entries = b.clone();
            for (k, v) in o {
                match entries.iter_mut().find(|(ek, _)| ek.as_str() == k.as_str()) {
                    Some(slot) => slot.1 = merge(&slot.1, v),
                    None => entries.push((k.clone(), v.clone())),
                }
            }
            Node { value: Value::Map(entries), ..base.clone() }
        }
        _ => over.clone(),
    }
}

struct Ctx<'a> {
    file: &'a str,
    local_file: Option<String>,
    local: Option<Node>,
    source_dir: String,
}

impl Ctx<'_> {
    /// Where a command is defined; a command lefthook-local.yml changes says so.
    fn origin(&self, hook: &str, name: &str, node: &Node, what: String) -> Origin {
        let local = self.local.as_ref().and_then(|l| l.get(hook)).and_then(|h| {
            ["commands", "scripts"].iter().find_map(|k| h.get(k).and_then(|c| c.entry(name)).map(|(k, _)| k.line))
        });
        let what = match (&self.local_file, local) {
            (Some(file), Some(line)) => format!("{what} (changed in {file}:{line})"),
            _ => what,
        };
        Origin { file: self.file.to_string(), line: node.line, what }
    }
}

pub fn import(text: &str, path: &Path, file: &str) -> Result<Import, SourceError> {
    let main = node::yaml(text).map_err(|e| SourceError::parse(file, e))?;
    if !main.is_map() && !main.is_null() {
        return Err(SourceError::at(file, &main, "expected a mapping of git hooks"));
    }
    let mut local = None;
    let mut local_file = None;
    let dir = path.parent().unwrap_or(Path::new("."));
    for name in ["lefthook-local.yml", ".lefthook-local.yml", "lefthook-local.yaml", ".lefthook-local.yaml"] {
        let candidate = dir.join(name);
        if candidate.is_file() {
            let shown = Path::new(file).with_file_name(name).to_string_lossy().into_owned();
            let text = super::read_source(&candidate, &shown)?;
            local = Some(node::yaml(&text).map_err(|e| SourceError::parse(&shown, e))?);
            local_file = Some(shown);
            break;
        }
    }
    let root = match &local {
        Some(l) if l.is_map() => merge(&main, l),
        _ => main.clone(),
    };
    let mut import = Import::new(file);
    if let Some(local_file) = &local_file {
        import.note(
            Origin { file: local_file.clone(), line: 1, what: "lefthook-local".into() },
            "merged over the main file, as lefthook does",
        );
    }
    let source_dir =
        root.get("source_dir").and_then(Node::as_str).unwrap_or(".lefthook/").trim_end_matches('/').to_string();
    let ctx = Ctx { file, local_file, local, source_dir };
    let mut hooks = Vec::new();
    for (key, hook) in root.entries() {
        let name = key.as_str().unwrap_or_default();
        let at = Origin { file: file.to_string(), line: key.line, what: name.to_string() };
        if SETTINGS.contains(&name) {
            match name {
                "extends" | "remotes" | "remote" => import.leave(
                    at,
                    format!("{name}: configuration from other files or repositories was not read"),
                    "run `ward import` on those files too and copy their checks in",
                ),
                "templates" => {}
                _ => import.note(at, "ignored: it only changes how lefthook itself runs"),
            }
            continue;
        }
        if !hook.is_map() {
            continue;
        }
        if ward_stages(name).is_none() {
            import.leave(
                at,
                format!("ward has no {name} hook"),
                format!("run those commands from .git/hooks/{name} yourself"),
            );
            continue;
        }
        hooks.push(name.to_string());
        one_hook(name, key, hook, &root, &ctx, &mut import);
    }
    install_hint(&hooks, Origin { file: file.to_string(), line: 1, what: "hooks".into() }, &mut import);
    Ok(import)
}

fn one_hook(name: &str, key: &Node, hook: &Node, root: &Node, ctx: &Ctx, import: &mut Import) {
    if hook.get("piped").and_then(Node::as_bool) == Some(true) {
        let at = hook.entry("piped").map_or(key, |(k, _)| k);
        import.setting(
            "fail_fast",
            true,
            Origin { file: ctx.file.to_string(), line: at.line, what: format!("{name}.piped") },
        );
    }
    for key_name in ["skip", "only"] {
        if let Some((k, _)) = hook.entry(key_name) {
            import.note(
                Origin { file: ctx.file.to_string(), line: k.line, what: format!("{name}.{key_name}") },
                "not carried over: ward runs the hook's checks every time (use SKIP=id or --skip)",
            );
        }
    }
    let hook_glob = hook.get("glob").cloned();
    let hook_exclude = hook.get("exclude").cloned();
    if let Some(commands) = hook.get("commands") {
        for (cmd_key, command) in commands.entries() {
            let cmd = cmd_key.as_str().unwrap_or_default();
            let what = format!("{name} command {cmd}");
            let origin = ctx.origin(name, cmd, command, what);
            job(name, cmd, command, hook_glob.as_ref(), hook_exclude.as_ref(), origin, root, ctx, import);
        }
    }
    if let Some(scripts) = hook.get("scripts") {
        for (script_key, script) in scripts.entries() {
            let file_name = script_key.as_str().unwrap_or_default();
            let origin = ctx.origin(name, file_name, script, format!("{name} script {file_name}"));
            let mut with_script = script.clone();
            if let Value::Map(entries) = &mut with_script.value {
                entries.push((node_str("script"), node_str(file_name)));
            }
            let id =
                file_name.rsplit('/').next().unwrap_or(file_name).split('.').next().unwrap_or(file_name).to_string();
            job(name, &id, &with_script, hook_glob.as_ref(), hook_exclude.as_ref(), origin, root, ctx, import);
        }
    }
    if let Some(jobs) = hook.get("jobs") {
        jobs_list(name, jobs, root, ctx, import);
    }
}

fn jobs_list(hook: &str, jobs: &Node, root: &Node, ctx: &Ctx, import: &mut Import) {
    for (i, job_node) in jobs.items().iter().enumerate() {
        if let Some(group) = job_node.get("group") {
            if group.get("piped").and_then(Node::as_bool) == Some(true) {
                import.setting(
                    "fail_fast",
                    true,
                    Origin { file: ctx.file.to_string(), line: group.line, what: format!("{hook} group piped") },
                );
            }
            if let Some(inner) = group.get("jobs") {
                jobs_list(hook, inner, root, ctx, import);
            }
            continue;
        }
        let name = job_node
            .get("name")
            .and_then(Node::as_str)
            .map(String::from)
            .unwrap_or_else(|| format!("{hook}-job-{}", i + 1));
        let origin = Origin { file: ctx.file.to_string(), line: job_node.line, what: format!("{hook} job {name}") };
        job(hook, &name, job_node, None, None, origin, root, ctx, import);
    }
}

fn node_str(s: &str) -> Node {
    Node { value: Value::Str { text: s.to_string(), plain: false }, line: 0, col: 0 }
}

#[allow(clippy::too_many_arguments)]
fn job(
    hook: &str,
    name: &str,
    command: &Node,
    hook_glob: Option<&Node>,
    hook_exclude: Option<&Node>,
    origin: Origin,
    root: &Node,
    ctx: &Ctx,
    import: &mut Import,
) {
    let mut check = Check::new(name, origin.clone(), Kind::Run);
    if command.get("skip").and_then(Node::as_bool) == Some(true) {
        import.note(origin, "skipped: `skip: true` in lefthook");
        return;
    }
    let run_text = command.get("run").and_then(Node::as_str).map(String::from);
    let script = command.get("script").and_then(Node::as_str).map(String::from);
    let (text, files) = match (run_text, script) {
        (Some(run), _) => {
            let run = templates(&run, root);
            let (text, files) = files_marker(&run, hook, &mut check);
            (text, files)
        }
        (None, Some(script)) => {
            let runner = command.get("runner").and_then(Node::as_str).unwrap_or("sh");
            let path = format!("{}/{hook}/{script}", ctx.source_dir);
            let mut words = shlex::split(runner).unwrap_or_else(|| vec![runner.to_string()]);
            words.push(path);
            check.comment("lefthook passed the git hook's arguments to the script; ward passes none");
            (crate::config::display_command(&words), false)
        }
        (None, None) => {
            import.leave(origin, "a command without `run`", "give it a run, or remove it");
            return;
        }
    };
    if text.contains("lint-staged") {
        check.need("it delegates to lint-staged, which runs its own tasks on the staged files: move each lint-staged task into checks.toml as a check of its own");
    }
    if let Some(tip) = super::preset_tip(&text) {
        check.comment(tip);
    }
    check.set("run", shell_run(&text, files, "lefthook"));
    if !files {
        check.set("pass_files", false);
    }
    let glob = command.get("glob").or(hook_glob).and_then(Node::str_list).filter(|g| !g.is_empty());
    let root_dir = command
        .get("root")
        .and_then(Node::as_str)
        .map(|r| r.trim_end_matches('/').to_string())
        .filter(|r| !r.is_empty() && r != ".");
    match (&glob, &root_dir) {
        (Some(globs), Some(dir)) => {
            check.set(
                "files",
                globs.iter().map(|g| format!("{dir}/**/{}", g.trim_start_matches("**/"))).collect::<Vec<_>>(),
            );
        }
        (Some(globs), None) => {
            check.set("files", globs.clone());
        }
        (None, Some(dir)) => {
            check.set("files", vec![format!("{dir}/**")]);
        }
        (None, None) => {}
    }
    if let Some(dir) = &root_dir {
        check.need(format!("lefthook ran it inside {dir}/ with paths relative to it; ward runs it at the repository root with paths from the root"));
    }
    if glob.is_none() && root_dir.is_none() && !files {
        // lefthook runs a command without files and without a glob every time the hook runs.
        check.set("always_run", true);
    }
    if let Some(exclude) = command.get("exclude").or(hook_exclude) {
        match &exclude.value {
            Value::Str { text, .. } => {
                check.set("exclude_regex", text.clone());
            }
            Value::Seq(_) => {
                check.set("exclude", exclude.str_list().unwrap_or_default());
            }
            _ => {}
        }
    }
    if let Some(types) = command.get("file_types").and_then(Node::str_list).filter(|t| !t.is_empty()) {
        let (ours, other): (Vec<String>, Vec<String>) =
            types.into_iter().partition(|t| !t.contains(' ') && !t.contains('/'));
        if !ours.is_empty() {
            check.set("types", ours);
        }
        if !other.is_empty() {
            check.need(format!("file_types {} were not carried over", other.join(", ")));
        }
    }
    if command.get("stage_fixed").and_then(Node::as_bool) == Some(true) {
        check.set("stage_fixed", true);
    }
    if let Some(env) = command.get("env").filter(|e| e.is_map()) {
        let entries: Vec<(String, Val)> = env
            .entries()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), Val::from(v.as_str().unwrap_or_default()))))
            .collect();
        if !entries.is_empty() {
            check.set("env", Val::Table(entries));
        }
    }
    if command.get("skip").is_some_and(|s| s.as_bool() != Some(false)) {
        check.need("lefthook skipped it in some situations (`skip:`); ward runs it every time");
    }
    if command.get("only").is_some() {
        check.need("lefthook ran it only in some situations (`only:`); ward runs it every time");
    }
    for key in ["interactive", "use_stdin"] {
        if command.get(key).and_then(Node::as_bool) == Some(true) {
            check.need(format!("{key}: ward's checks run without a terminal or standard input"));
        }
    }
    if let Some(fail_text) = command.get("fail_text").and_then(Node::as_str) {
        check.comment(format!("lefthook's fail_text: {fail_text}"));
    }
    let stages: Vec<String> = ward_stages(hook).unwrap_or_default().iter().map(|s| (*s).to_string()).collect();
    check.set("stages", stages);
    import.add(check);
}

/// `{name}` templates from the top-level `templates:` map.
fn templates(run: &str, root: &Node) -> String {
    let mut out = run.to_string();
    if let Some(templates) = root.get("templates") {
        for (k, v) in templates.entries() {
            if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                out = out.replace(&format!("{{{k}}}"), v);
            }
        }
    }
    out
}

/// Replaces lefthook's file placeholders by `"$@"`; says whether files are passed.
fn files_marker(run: &str, hook: &str, check: &mut Check) -> (String, bool) {
    let mut text = run.to_string();
    let mut files = false;
    for placeholder in ["{staged_files}", "{push_files}", "{all_files}", "{files}"] {
        if text.contains(placeholder) {
            files = true;
            text = text.replace(placeholder, "\"$@\"");
            if placeholder == "{all_files}" {
                check.comment(
                    "{all_files}: ward passes the files it selected (in the hook, the staged ones; with --all, all)",
                );
            }
            if placeholder == "{files}" {
                check.need("{files} came from the command's own `files:` list; ward passes the selected files instead");
            }
        }
    }
    if hook == "commit-msg" || hook == "prepare-commit-msg" {
        for placeholder in ["{1}", "{0}"] {
            if text.contains(placeholder) {
                files = true;
                text = text.replace(placeholder, "\"$@\"");
            }
        }
    }
    (text, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_file_merges_over_the_main_one() {
        let main = node::yaml("pre-commit:\n  commands:\n    a: {run: x, glob: '*.php'}\n    b: {run: y}\n").unwrap();
        let local = node::yaml("pre-commit:\n  commands:\n    a: {run: z}\n").unwrap();
        let merged = merge(&main, &local);
        let a = merged.get("pre-commit").unwrap().get("commands").unwrap().get("a").unwrap();
        assert_eq!(a.get("run").unwrap().as_str(), Some("z"));
        assert_eq!(a.get("glob").unwrap().as_str(), Some("*.php"));
    }

    #[test]
    fn placeholders() {
        let origin = Origin { file: "f".into(), line: 1, what: "w".into() };
        let mut check = Check::new("x", origin, Kind::Run);
        assert_eq!(files_marker("phpcs {staged_files}", "pre-commit", &mut check), ("phpcs \"$@\"".to_string(), true));
        assert_eq!(files_marker("composer test", "pre-push", &mut check), ("composer test".to_string(), false));
        assert!(files_marker("check {1}", "commit-msg", &mut check).1);
    }
}
