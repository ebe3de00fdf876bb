//! `ward init`: look at the repository and write a commented `checks.toml` to start from.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context as _, Result};

use crate::cli::{HookType, InitArgs};
use crate::config::{self, presets};
use crate::exit::ExitStatus;
use crate::printer::{Printer, Stream};
use crate::select::identify::{tags_from_filename, Tag};

use super::init_php::{self, PhpProject};
use super::Workspace;

pub fn init(args: &InitArgs) -> Result<ExitStatus> {
    let ws = Workspace::discover()?;
    let path = ws.root.join(config::FILE_NAME);
    let printer = Printer::new(crate::cli::ColorChoice::Auto, Stream::Stdout);
    let install = || -> Result<()> {
        let ward = std::env::current_exe().context("cannot find the path of the ward executable")?;
        for action in crate::install::install(ws.repo()?, &[HookType::PreCommit], false, &ward)? {
            printer.line(&action);
        }
        Ok(())
    };
    match super::config_file_problem(&path) {
        Some(super::ConfigFile::Missing) => {}
        Some(super::ConfigFile::Dangling(target)) => bail!(
            "{} is a symbolic link to {target}, which does not exist; ward init never creates a link's target: \
             remove the link (`rm {}`) or create the file it points to yourself",
            path.display(),
            config::FILE_NAME
        ),
        None if args.install => {
            // `ward init` then `ward init --install`: the hook is what is missing.
            printer.line(&format!("kept the existing {} (ward init never overwrites it)", path.display()));
            install()?;
            return Ok(ExitStatus::Success);
        }
        _ => bail!("{} already exists; ward init never overwrites it (`ward validate` checks it)", path.display()),
    }
    let found = Project::scan(&ws.root)?;
    let text = render(&found);
    if found.php {
        if let Some(warning) = init_php::php_version_warning(&found.php_project, init_php::installed_php().as_deref()) {
            Printer::new(crate::cli::ColorChoice::Auto, Stream::Stderr).line(&format!("warning: {warning}"));
        }
    }
    // Refuse to write a configuration ward itself would reject.
    config::parse(&text, Some(&path), Some(&ws.root))
        .map_err(|e| anyhow::anyhow!("internal: generated config is invalid: {e}"))?;
    // create_new: O_EXCL never follows a link put there since the check, nor replaces a file.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))?;
    printer.line(&format!(
        "wrote {} with {} checks; `ward list` shows them, `ward run --all` runs them",
        path.display(),
        text.matches("\n[checks.").count()
    ));
    if args.install {
        install()?;
    }
    Ok(ExitStatus::Success)
}

/// What `ward init` noticed about a project.
#[derive(Debug, Default)]
pub struct Project {
    pub composer_dev: BTreeSet<String>,
    pub php_cs_fixer_config: Option<String>,
    pub phpstan_config: Option<String>,
    pub deptrac_configs: Vec<String>,
    pub php: bool,
    pub package_json: Option<serde_json::Value>,
    pub cargo: bool,
    pub pyproject: Option<String>,
    pub types: BTreeSet<&'static str>,
    pub php_project: PhpProject,
}

impl Project {
    pub fn scan(root: &Path) -> Result<Project> {
        let mut project = Project::default();
        let read_json = |name: &str| -> Option<serde_json::Value> {
            serde_json::from_str(&std::fs::read_to_string(root.join(name)).ok()?).ok()
        };
        let composer = read_json("composer.json");
        if let Some(composer) = &composer {
            for key in ["require", "require-dev"] {
                if let Some(map) = composer.get(key).and_then(|v| v.as_object()) {
                    project.composer_dev.extend(map.keys().cloned());
                }
            }
        }
        project.php = composer.is_some();
        project.php_project = PhpProject::scan(root, composer);
        project.php_cs_fixer_config = presets::find("php-cs-fixer").and_then(|p| presets::find_config(p, root));
        project.phpstan_config = presets::find("phpstan").and_then(|p| presets::find_config(p, root));
        project.package_json = read_json("package.json");
        project.cargo = root.join("Cargo.toml").is_file();
        project.pyproject = std::fs::read_to_string(root.join("pyproject.toml")).ok();
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .filter_entry(|e| e.file_name() != ".git" && e.file_name() != "vendor" && e.file_name() != "node_modules")
            .build();
        for entry in walker.flatten().filter(|e| e.file_type().is_some_and(|t| t.is_file())) {
            let Ok(rel) = entry.path().strip_prefix(root) else { continue };
            let name = rel.to_string_lossy();
            if rel.parent().is_some_and(|p| p.as_os_str().is_empty()) && is_deptrac_config(&name) {
                project.deptrac_configs.push(name.to_string());
            }
            if name.ends_with(".xlf") || name.ends_with(".xliff") {
                project.php_project.xliff = true;
            }
            let tags = tags_from_filename(rel.file_name().map_or(&[][..], |n| n.as_encoded_bytes()));
            project.php |= tags.contains(Tag::PHP);
            project.php_project.twig |= tags.contains(Tag::TWIG);
            for tag in [Tag::YAML, Tag::JSON, Tag::XML, Tag::TOML, Tag::SHELL] {
                if tags.contains(tag) {
                    project.types.insert(tag.name());
                }
            }
        }
        project.deptrac_configs.sort();
        Ok(project)
    }

    fn requires(&self, packages: &[&str]) -> bool {
        packages.iter().any(|p| self.composer_dev.contains(*p))
    }
}

fn is_deptrac_config(name: &str) -> bool {
    name == "deptrac.yaml"
        || name == "depfile.yaml"
        || (name.starts_with("deptrac.") && (name.ends_with(".yaml") || name.ends_with(".yml")))
}

fn check(out: &mut String, id: &str, comment: &str, body: &str) {
    if !comment.is_empty() {
        let _ = writeln!(out, "\n# {comment}");
    } else {
        out.push('\n');
    }
    let _ = writeln!(out, "[checks.{id}]\n{body}");
}

/// The commented configuration for what was found.
pub fn render(p: &Project) -> String {
    let mut out = String::from(
        "# Checks for this repository, run by `ward`: by the git hook on the staged files (`ward install`),\n\
         # in CI on what a branch changed (`ward run --ci`), and by hand (`ward run --all`).\n\
         # Written by `ward init`; `ward explain ID` says what a check does and how to skip it.\n\n\
         [settings]\n\
         exclude = [\"vendor/**\", \"var/**\", \"node_modules/**\"]   # never checked\n",
    );
    let _ = writeln!(
        out,
        "\n# Hygiene: native built-ins, no tool needed. The fixers rewrite files in the hook; `--check` only reports."
    );
    for id in ["trailing-whitespace", "end-of-file-fixer", "mixed-line-ending", "fix-byte-order-marker"] {
        check(&mut out, id, "", &format!("builtin = \"{id}\""));
    }
    for id in [
        "check-merge-conflict",
        "check-added-large-files",
        "detect-private-key",
        "check-case-conflict",
        "check-executables-have-shebangs",
        "check-shebang-scripts-are-executable",
        "forbid-new-submodules",
        "forbid-gitkeep-removal",
    ] {
        check(&mut out, id, "", &format!("builtin = \"{id}\""));
    }
    if p.types.contains("yaml") {
        check(
            &mut out,
            "check-yaml",
            "YAML syntax; `unsafe = true` accepts Symfony tags such as !php/const",
            "builtin = \"check-yaml\"\nunsafe = true",
        );
    }
    for (kind, id) in [("json", "check-json"), ("xml", "check-xml"), ("toml", "check-toml")] {
        if p.types.contains(kind) {
            check(&mut out, id, "", &format!("builtin = \"{id}\""));
        }
    }
    if p.types.contains("shell") {
        check(
            &mut out,
            "shellcheck",
            "Shell scripts (apt-get install shellcheck)",
            "run = \"shellcheck -f gcc\"\ntypes = [\"shell\"]\nformat = \"gcc\"",
        );
    }
    php(&mut out, p);
    javascript(&mut out, p);
    if p.cargo {
        check(
            &mut out,
            "cargo-fmt",
            "Rust formatting, once for the crate when a Rust file changed",
            "run = \"cargo fmt --all --check\"\ntypes = [\"rust\"]\npass_files = false",
        );
        check(&mut out, "cargo-clippy", "Rust lints: slower, so not in the commit hook", "run = \"cargo clippy --all-targets -- -D warnings\"\ntypes = [\"rust\"]\npass_files = false\nstages = [\"pre-push\", \"ci\", \"manual\"]");
    }
    if p.pyproject.as_deref().is_some_and(|t| t.contains("ruff")) {
        check(
            &mut out,
            "ruff",
            "Python lints (ruff is in pyproject.toml)",
            "run = \"ruff check\"\ntypes = [\"python\"]",
        );
    }
    out
}

fn php(out: &mut String, p: &Project) {
    if !p.php {
        return;
    }
    check(
        out,
        "php-lint",
        "PHP syntax (php -l): several files per call from PHP 8.3, one per call before",
        "uses = \"php-lint\"",
    );
    if p.requires(&["friendsofphp/php-cs-fixer"]) {
        let config = match &p.php_cs_fixer_config {
            Some(c) => format!("\nconfig = \"{c}\""),
            None => "\n# config = \".php-cs-fixer.dist.php\"   # none found: php-cs-fixer needs one".to_string(),
        };
        check(
            out,
            "php-cs-fixer",
            "Coding standards: `fix` in the hook, `check --diff` with --check and in CI",
            &format!("uses = \"php-cs-fixer\"{config}"),
        );
    }
    for config in &p.deptrac_configs {
        let name = config.trim_end_matches(".yaml").trim_end_matches(".yml").replace('.', "-");
        let id = if name == "deptrac" || name == "depfile" { "deptrac".to_string() } else { name };
        check(
            out,
            &id,
            &format!("Architecture rules in {config}: runs once on the whole project when a PHP file changed"),
            &format!("uses = \"deptrac\"\nconfig = \"{config}\""),
        );
    }
    if p.deptrac_configs.is_empty()
        && p.requires(&["deptrac/deptrac", "qossmic/deptrac", "qossmic/deptrac-shim", "sensiolabs-de/deptrac-shim"])
    {
        check(
            out,
            "deptrac",
            "Architecture rules (no deptrac.yaml found yet)",
            "uses = \"deptrac\"\n# config = \"deptrac.yaml\"",
        );
    }
    if p.requires(&["phpstan/phpstan"]) {
        let config = p.phpstan_config.as_ref().map(|c| format!("\nconfig = \"{c}\"")).unwrap_or_default();
        check(
            out,
            "phpstan",
            "Static analysis of the changed PHP files; for the whole project set pass_files = false",
            &format!("name = \"phpstan (changed files)\"\nuses = \"phpstan\"{config}"),
        );
    }
    init_php::render(out, &p.php_project);
}

fn javascript(out: &mut String, p: &Project) {
    let Some(package) = &p.package_json else { return };
    let has = |name: &str| {
        ["dependencies", "devDependencies"].iter().any(|k| package.get(k).and_then(|d| d.get(name)).is_some())
    };
    if has("eslint") {
        check(out, "eslint", "JavaScript and TypeScript lints (node_modules/.bin/eslint)", "run = \"eslint --format unix\"\nfiles = [\"*.js\", \"*.jsx\", \"*.ts\", \"*.tsx\", \"*.mjs\", \"*.cjs\"]\nformat = \"gcc\"");
    }
    if has("prettier") {
        check(out, "prettier", "Formatting: checks with --check, writes in the hook", "run = \"prettier --check\"\nfix = \"prettier --write\"\nfiles = [\"*.js\", \"*.jsx\", \"*.ts\", \"*.tsx\", \"*.css\", \"*.scss\", \"*.md\"]");
    }
}
