//! Symfony's console lints, one preset with a variant per `lint = "..."`: `lint:yaml`
//! (`--parse-tags`), `lint:twig`, `lint:xliff` and `lint:container`, run through `bin/console`
//! with the check's `env` (APP_ENV).

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};
use crate::select::identify::Tag;

const CONSOLE: Preset = Preset {
    program: "bin/console",
    format: "symfony-lint",
    exit: ExitMeaning::Tool(verdict),
    install: "composer require symfony/console symfony/framework-bundle (bin/console comes with the Symfony skeleton)",
    types: &[],
    ..BASE
};

pub const PRESET: Preset = Preset {
    name: "symfony-lint",
    description: "Symfony's lint:yaml, lint:twig, lint:xliff or lint:container (`lint = \"...\"`)",
    variants: &[
        Preset {
            name: "yaml",
            description: "YAML syntax as Symfony parses it (bin/console lint:yaml --parse-tags)",
            check: &["lint:yaml", "--parse-tags", "--format=json", "--no-interaction"],
            types: &[Tag::YAML],
            install: "composer require symfony/yaml",
            ..CONSOLE
        },
        Preset {
            name: "twig",
            description: "Twig templates compile (bin/console lint:twig)",
            check: &["lint:twig", "--format=json", "--no-interaction"],
            types: &[Tag::TWIG],
            install: "composer require symfony/twig-bundle",
            ..CONSOLE
        },
        Preset {
            name: "xliff",
            description: "XLIFF translation files (bin/console lint:xliff)",
            check: &["lint:xliff", "--format=json", "--no-interaction"],
            files: &["*.xlf", "*.xliff"],
            install: "composer require symfony/translation",
            ..CONSOLE
        },
        Preset {
            name: "container",
            description:
                "the service container builds and its arguments fit (bin/console lint:container), once for the project",
            check: &["lint:container", "--no-interaction"],
            files: &["config/**", "src/**/*.php", ".env", ".env.*"],
            pass_files: false,
            ..CONSOLE
        },
    ],
    ..CONSOLE
};

/// 0 valid, 1 errors found; 1 without any finding means the console itself failed (the kernel
/// did not boot, the command does not exist), like any other code.
fn verdict(exit: &Exit) -> Verdict {
    match exit.code {
        0 => Verdict::Pass,
        1 if exit.findings > 0 => Verdict::Fail,
        code if exit.stderr.contains("is not defined") || exit.stdout.contains("is not defined") => {
            Verdict::ToolError(format!(
                "bin/console exited {code}: the lint command is not available (is its bundle installed and enabled?)"
            ))
        }
        code => Verdict::ToolError(format!("bin/console exited {code} without a lint report; see its output below")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit { findings: 1, ..Exit::new(1, "", "") }), Verdict::Fail);
        assert!(
            matches!(verdict(&Exit::new(1, "", "Command \"lint:twig\" is not defined.")), Verdict::ToolError(e) if e.contains("not available"))
        );
        assert!(matches!(verdict(&Exit::new(255, "", "PHP Fatal error")), Verdict::ToolError(_)));
    }
}
