//! `php -l`: PHP syntax. PHP 8.3 and later lint every file given; before that only the first,
//! so ward then runs one file per call (the batches still run in parallel).

use super::{Exit, ExitMeaning, Preset, Verdict, BASE};

pub const PRESET: Preset = Preset {
    name: "php-lint",
    description: "PHP syntax (php -l), several files per call from PHP 8.3, one per call before",
    program: "php",
    check: &["-l", "-d", "display_errors=1", "-d", "error_reporting=-1"],
    format: "php-lint",
    exit: ExitMeaning::Tool(verdict),
    install: "apt-get install php-cli (or run the container's: exec = \"docker compose exec -T php\")",
    one_file_below_php: Some(80300),
    ..BASE
};

/// 255 is a syntax error; any other failure (a file it cannot open: exit 1) is not a verdict on
/// the code.
fn verdict(exit: &Exit) -> Verdict {
    match exit.code {
        0 => Verdict::Pass,
        255 => Verdict::Fail,
        _ if exit.findings > 0 => Verdict::Fail,
        code => Verdict::ToolError(format!("php -l exited {code}: {}", first_line(exit))),
    }
}

fn first_line(exit: &Exit) -> String {
    let text = if exit.stderr.trim().is_empty() { exit.stdout } else { exit.stderr };
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("see its output below").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits() {
        assert_eq!(verdict(&Exit::new(255, "Parse error: x in a.php on line 2", "")), Verdict::Fail);
        assert!(
            matches!(verdict(&Exit::new(1, "Could not open input file: gone.php", "")), Verdict::ToolError(e) if e.contains("gone.php"))
        );
    }
}
