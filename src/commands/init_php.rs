//! What `ward init` proposes for a PHP project: each tool found in composer.json (require,
//! require-dev, scripts), by its configuration file or by `bin/console`, with the stages a team
//! would pick (tests and audits in CI); and whether the local `php` satisfies `require.php`.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::presets;

/// The PHP facts `ward init` looks at.
#[derive(Debug, Default)]
pub struct PhpProject {
    pub composer: Option<serde_json::Value>,
    /// Every command of composer.json's `scripts`, lowercased, to spot tools run from there.
    pub scripts: String,
    pub has_lock: bool,
    pub console: bool,
    pub twig: bool,
    pub xliff: bool,
    /// Config files of the presets found at the root, by preset name.
    pub configs: Vec<(&'static str, String)>,
    pub vendor_phpunit: bool,
    pub bin_phpunit: bool,
    /// PHP runs in DDEV (`.ddev/config.yaml`) or in a Compose service named `php`.
    pub container: Option<(&'static str, &'static str)>,
}

impl PhpProject {
    pub fn scan(root: &Path, composer: Option<serde_json::Value>) -> PhpProject {
        let scripts = composer
            .as_ref()
            .and_then(|c| c.get("scripts"))
            .and_then(|s| s.as_object())
            .map(|scripts| {
                scripts
                    .values()
                    .flat_map(|v| match v {
                        serde_json::Value::String(s) => vec![s.to_ascii_lowercase()],
                        serde_json::Value::Array(list) => {
                            list.iter().filter_map(|s| s.as_str()).map(str::to_ascii_lowercase).collect()
                        }
                        _ => Vec::new(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        let configs =
            presets::PRESETS.iter().filter_map(|p| presets::find_config(p, root).map(|c| (p.name, c))).collect();
        PhpProject {
            composer,
            scripts,
            has_lock: root.join("composer.lock").is_file(),
            console: root.join("bin/console").is_file(),
            twig: false,
            xliff: false,
            configs,
            vendor_phpunit: root.join("vendor/bin/phpunit").is_file(),
            bin_phpunit: root.join("bin/phpunit").is_file(),
            container: container_of(root),
        }
    }

    /// A package in `require` or `require-dev`.
    fn requires(&self, packages: &[&str]) -> bool {
        let Some(composer) = &self.composer else { return false };
        ["require", "require-dev"].iter().any(|key| {
            composer.get(key).and_then(|m| m.as_object()).is_some_and(|m| packages.iter().any(|p| m.contains_key(*p)))
        })
    }

    /// Required, or run by one of composer.json's scripts.
    fn uses(&self, packages: &[&str], program: &str) -> bool {
        self.requires(packages) || self.scripts.split(|c: char| c.is_whitespace() || c == '/').any(|w| w == program)
    }

    fn config(&self, preset: &str) -> Option<&str> {
        self.configs.iter().find(|(name, _)| *name == preset).map(|(_, c)| c.as_str())
    }
}

fn check(out: &mut String, id: &str, comment: &str, body: &str) {
    let _ = writeln!(out, "\n# {comment}\n[checks.{id}]\n{body}");
}

/// How the project's PHP container is entered, and where the project is in it.
fn container_of(root: &Path) -> Option<(&'static str, &'static str)> {
    if root.join(".ddev/config.yaml").is_file() {
        return Some(("ddev exec", "/var/www/html"));
    }
    let compose = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]
        .iter()
        .find_map(|name| std::fs::read_to_string(root.join(name)).ok())?;
    let has_php_service = compose.lines().any(|l| l.trim_end() == "  php:" || l.trim_end() == "    php:");
    has_php_service.then_some(("docker compose exec -T php", "/app"))
}

/// The checks for the PHP tools found, after php-cs-fixer, deptrac and phpstan.
pub fn render(out: &mut String, p: &PhpProject) {
    if let Some((exec, root)) = p.container {
        let _ = writeln!(
            out,
            "\n# PHP seems to run in a container here: to run the PHP tools there, add under [settings]\n\
             #   exec = \"{exec}\"\n\
             #   container_root = \"{root}\"   # where the project is inside the container"
        );
    }
    if p.composer.is_some() {
        check(
            out,
            "composer-lock",
            "composer.lock is committed and matches composer.json (Composer's content-hash)",
            "builtin = \"composer-lock\"",
        );
        check(
            out,
            "composer-validate",
            "composer.json is valid (composer validate --strict)",
            "uses = \"composer-validate\"",
        );
    }
    if p.has_lock {
        check(
            out,
            "composer-audit",
            "Security advisories in composer.lock: in CI, on every pipeline (new advisories need no commit)",
            "uses = \"composer-audit\"",
        );
    }
    if p.uses(&["ergebnis/composer-normalize"], "normalize") {
        check(
            out,
            "composer-normalize",
            "composer.json in normal form; `ward run --fix composer-normalize` rewrites it",
            "uses = \"composer-normalize\"",
        );
    }
    if p.uses(&["squizlabs/php_codesniffer"], "phpcs") || p.config("phpcs").is_some() {
        check(
            out,
            "phpcs",
            "PHP_CodeSniffer: phpcs reports, phpcbf fixes in the hook",
            &with_config("uses = \"phpcbf\"", p.config("phpcs")),
        );
    }
    if p.uses(&["vimeo/psalm", "psalm/phar"], "psalm") || p.config("psalm").is_some() {
        check(
            out,
            "psalm",
            "Static analysis (psalm) of the changed PHP files",
            &with_config("uses = \"psalm\"", p.config("psalm")),
        );
    }
    if p.uses(&["rector/rector"], "rector") {
        check(
            out,
            "rector",
            "Automated refactoring: reported in CI, applied by hand with `ward run --fix rector`",
            &with_config("uses = \"rector\"\nstages = [\"ci\", \"manual\"]", p.config("rector")),
        );
    }
    if p.uses(&["vincentlanglet/twig-cs-fixer"], "twig-cs-fixer") {
        check(
            out,
            "twig-cs-fixer",
            "Twig coding standard",
            &with_config("uses = \"twig-cs-fixer\"", p.config("twig-cs-fixer")),
        );
    }
    if p.console {
        symfony(out, p);
    }
    if p.uses(&["phpunit/phpunit", "symfony/phpunit-bridge"], "phpunit") || p.config("phpunit").is_some() {
        let mut body = with_config("uses = \"phpunit\"", p.config("phpunit"));
        if !p.vendor_phpunit && p.bin_phpunit {
            body.push_str("\nrun = \"bin/phpunit --log-junit {report}\"");
        }
        body.push_str("\nenv = { APP_ENV = \"test\" }");
        check(out, "phpunit", "The test suite: in CI and by hand (`ward run phpunit`), not in the commit hook", &body);
    }
    if p.uses(&["infection/infection"], "infection") {
        check(
            out,
            "infection",
            "Mutation testing in CI; the minimum scores are yours to set",
            &with_config(
                "uses = \"infection\"\nargs = [\"--min-msi=70\", \"--min-covered-msi=80\"]",
                p.config("infection"),
            ),
        );
    }
}

fn symfony(out: &mut String, p: &PhpProject) {
    if p.requires(&["symfony/yaml", "symfony/framework-bundle"]) {
        check(
            out,
            "lint-yaml",
            "YAML as Symfony parses it, tags included (bin/console lint:yaml --parse-tags)",
            "uses = \"symfony-lint\"\nlint = \"yaml\"\nfiles = [\"config/**\", \"translations/**\"]",
        );
    }
    if p.twig || p.requires(&["symfony/twig-bundle", "twig/twig"]) {
        check(
            out,
            "lint-twig",
            "Twig templates compile (bin/console lint:twig)",
            "uses = \"symfony-lint\"\nlint = \"twig\"",
        );
    }
    if p.xliff {
        check(
            out,
            "lint-xliff",
            "XLIFF translations (bin/console lint:xliff)",
            "uses = \"symfony-lint\"\nlint = \"xliff\"",
        );
    }
    if p.requires(&["symfony/framework-bundle"]) {
        check(
            out,
            "lint-container",
            "The service container builds (bin/console lint:container): boots the kernel, so in CI",
            "uses = \"symfony-lint\"\nlint = \"container\"\nstages = [\"ci\", \"manual\"]",
        );
    }
    if p.requires(&["doctrine/orm", "doctrine/doctrine-bundle", "symfony/orm-pack"]) {
        check(
            out,
            "doctrine-schema-validate",
            "Doctrine mapping (doctrine:schema:validate --skip-sync): boots the kernel, so in CI",
            "uses = \"doctrine-schema-validate\"\nstages = [\"ci\", \"manual\"]",
        );
    }
}

fn with_config(body: &str, config: Option<&str>) -> String {
    match config {
        Some(config) => format!("{body}\nconfig = \"{config}\""),
        None => body.to_string(),
    }
}

/// A warning when the installed `php` does not satisfy composer.json's `require.php`.
pub fn php_version_warning(p: &PhpProject, installed: Option<&str>) -> Option<String> {
    let constraint = p.composer.as_ref()?.pointer("/require/php")?.as_str()?;
    let Some(installed) = installed else {
        return Some(format!(
            "composer.json requires php {constraint}, and no `php` is installed here; if PHP runs in a container, \
             set exec = \"docker compose exec -T php\" (or \"ddev exec\") under [settings] in checks.toml"
        ));
    };
    match satisfies(installed, constraint) {
        Some(false) => Some(format!(
            "the installed php is {installed}, but composer.json requires php {constraint}: tools may fail or \
             lint with the wrong syntax; install a matching PHP, or run the project's with exec = \"...\" in [settings]"
        )),
        _ => None,
    }
}

/// The version of the `php` on PATH.
pub fn installed_php() -> Option<String> {
    let out = std::process::Command::new("php").args(["-r", "echo PHP_VERSION;"]).output().ok()?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !version.is_empty()).then_some(version)
}

/// Whether `version` satisfies a Composer constraint (`^8.2`, `>=8.1 <8.4`, `~8.2.0`, `8.3.*`,
/// `||` alternatives); `None` when the constraint is beyond this reading.
pub fn satisfies(version: &str, constraint: &str) -> Option<bool> {
    let v = parse_version(version)?;
    let mut any = false;
    for alternative in constraint.split("||").flat_map(|a| a.split(" | ")) {
        let mut all = true;
        let parts: Vec<&str> = alternative.split([' ', ',']).filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return None;
        }
        for part in parts {
            all &= matches_one(&v, part)?;
        }
        any |= all;
    }
    Some(any)
}

type Version = [u64; 3];

fn parse_version(text: &str) -> Option<Version> {
    let core = text.trim().trim_start_matches('v');
    let core = core.split(['-', '+', '@']).next()?;
    let mut out = [0u64; 3];
    for (i, part) in core.split('.').take(3).enumerate() {
        out[i] = part.parse().ok()?;
    }
    Some(out)
}

/// How many of the three parts a constraint's version spells out.
fn precision(text: &str) -> usize {
    text.split('.').filter(|p| !p.is_empty() && *p != "*" && *p != "x").count().clamp(1, 3)
}

fn bump(v: Version, at: usize) -> Version {
    let mut out = v;
    out[at] += 1;
    for part in out.iter_mut().skip(at + 1) {
        *part = 0;
    }
    out
}

fn matches_one(v: &Version, part: &str) -> Option<bool> {
    let ops = [">=", "<=", "!=", "==", ">", "<", "=", "^", "~"];
    let (op, rest) = ops.iter().find_map(|op| part.strip_prefix(op).map(|r| (*op, r))).unwrap_or(("", part));
    if rest == "*" {
        return Some(true);
    }
    let wildcard = rest.ends_with(".*") || rest.ends_with(".x");
    let base = parse_version(rest.trim_end_matches(".*").trim_end_matches(".x"))?;
    let n = precision(rest.trim_end_matches(".*").trim_end_matches(".x"));
    Some(match op {
        ">=" => *v >= base,
        ">" => *v > base,
        "<=" => *v <= base,
        "<" => *v < base,
        "!=" => *v != base,
        "^" => {
            // ^8.2 is >=8.2 <9; ^0.3 is >=0.3 <0.4.
            let at = base.iter().position(|p| *p != 0).unwrap_or(n - 1).min(n - 1);
            *v >= base && *v < bump(base, at)
        }
        "~" => {
            // ~8.2 is >=8.2 <9; ~8.2.1 is >=8.2.1 <8.3.
            let at = n.saturating_sub(2);
            *v >= base && *v < bump(base, at)
        }
        _ if wildcard || n < 3 => *v >= base && *v < bump(base, n - 1),
        _ => *v == base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composer_constraints() {
        for (version, constraint, expected) in [
            ("8.2.36", ">=8.2", true),
            ("8.2.36", "^8.3", false),
            ("8.4.5", "^8.3", true),
            ("9.0.0", "^8.3", false),
            ("8.2.1", "~8.2.0", true),
            ("8.3.0", "~8.2.0", false),
            ("8.3.9", "8.3.*", true),
            ("8.2.0", ">=8.1 <8.2", false),
            ("7.4.3", "^7.4 || ^8.0", true),
            ("8.1.0", ">=8.1,<8.4", true),
            ("8.2.36", "8.2", true),
        ] {
            assert_eq!(satisfies(version, constraint), Some(expected), "{version} {constraint}");
        }
    }

    #[test]
    fn the_warning_names_both_versions() {
        let p =
            PhpProject { composer: Some(serde_json::json!({"require": {"php": ">=8.4"}})), ..PhpProject::default() };
        let warning = php_version_warning(&p, Some("8.2.36")).expect("warning");
        assert!(warning.contains("8.2.36") && warning.contains(">=8.4"), "{warning}");
        assert!(php_version_warning(&p, Some("8.4.1")).is_none());
        assert!(php_version_warning(&p, None).is_some_and(|w| w.contains("exec =")));
    }
}
