//! Tools inside a container (`exec = "docker compose exec -T php"`): the command behind the
//! prefix, paths into the container and back, and what a stopped container looks like.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use crate::config::Container;

/// The full command: the prefix, the environment (a prefix does not pass ward's own), the
/// program as the container sees it, its words, then the files as container paths.
pub fn command(
    container: &Container,
    root: &Path,
    words: &[String],
    env: &[(String, String)],
    files: &[OsString],
) -> Vec<OsString> {
    let mut out: Vec<OsString> = container.prefix.iter().map(OsString::from).collect();
    if !env.is_empty() {
        out.push("env".into());
        out.extend(env.iter().map(|(k, v)| OsString::from(format!("{k}={v}"))));
    }
    if let Some((program, rest)) = words.split_first() {
        out.push(program_in_container(container, root, program));
        out.extend(rest.iter().map(|w| OsString::from(map_report_word(container, root, w))));
    }
    out.extend(files.iter().map(|f| to_container(container, f)));
    out
}

/// `bin/console` and a tool the project installed in `vendor/bin` are found by path in the
/// container; anything else by its `PATH`.
fn program_in_container(container: &Container, root: &Path, program: &str) -> OsString {
    let rel = if program.contains('/') {
        Some(program.to_string())
    } else if root.join("vendor/bin").join(program).is_file() {
        Some(format!("vendor/bin/{program}"))
    } else {
        None
    };
    match (rel, &container.root) {
        (Some(rel), Some(mount)) => format!("{mount}/{}", rel.trim_start_matches("./")).into(),
        (Some(rel), None) => rel.into(),
        (None, _) => program.into(),
    }
}

/// A word that names a host path under the repository (the report file) names it in the container.
fn map_report_word(container: &Container, root: &Path, word: &str) -> String {
    let (Some(mount), Some(root_text)) = (&container.root, root.to_str()) else {
        return word.to_string();
    };
    let prefix = format!("{}/", root_text.trim_end_matches('/'));
    word.replace(&prefix, &format!("{mount}/"))
}

/// A repository-relative file as the container sees it.
fn to_container(container: &Container, rel: &OsString) -> OsString {
    match &container.root {
        Some(mount) => {
            let bytes = rel.as_bytes();
            let bytes = bytes.strip_prefix(b"./").unwrap_or(bytes);
            let mut out = format!("{mount}/").into_bytes();
            out.extend_from_slice(bytes);
            OsString::from_vec(out)
        }
        None => rel.clone(),
    }
}

/// A path a tool printed in the container, as a repository path (unchanged when it lies outside
/// the mount).
pub fn to_repo(container: &Container, path: &str) -> String {
    let Some(mount) = &container.root else {
        return path.to_string();
    };
    match path.strip_prefix(mount.as_str()) {
        Some("") => ".".to_string(),
        Some(rest) if rest.starts_with('/') => rest.trim_start_matches('/').to_string(),
        _ => path.to_string(),
    }
}

/// The tool's text with container paths shown as repository paths.
pub fn output_to_repo(container: &Container, text: &[u8]) -> Vec<u8> {
    let Some(mount) = container.root.as_deref().filter(|m| m.len() > 1) else {
        return text.to_vec();
    };
    let needle = format!("{mount}/");
    let needle = needle.as_bytes();
    let mut out = Vec::with_capacity(text.len());
    let mut start = 0;
    for at in memchr::memmem::find_iter(text, needle) {
        if at < start {
            continue;
        }
        // Only where a path starts: `/var/www/app/x` is not under `/app`.
        let begins_path = at == 0
            || !matches!(text[at - 1], b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'_' | b'-' | b'/' | b'\\');
        if begins_path {
            out.extend_from_slice(&text[start..at]);
            start = at + needle.len();
        }
    }
    out.extend_from_slice(&text[start..]);
    out
}

/// When the prefix could not reach a running container, what to do about it.
pub fn not_running(container: &Container, code: Option<i32>, stderr: &[u8]) -> Option<String> {
    if code == Some(0) {
        return None;
    }
    let text = String::from_utf8_lossy(stderr).to_ascii_lowercase();
    let stopped = [
        "is not running",
        "no such service",
        "no such container",
        "cannot connect to the docker daemon",
        "is the docker daemon running",
        "is not currently running",
        "not running. run 'ddev start'",
        "could not find a project",
    ];
    if !stopped.iter().any(|s| text.contains(s)) {
        return None;
    }
    let prefix = crate::config::display_command(&container.prefix);
    let start = start_command(&container.prefix);
    Some(format!("the container is not running (`{prefix}` could not reach it); start it with `{start}` and run again"))
}

/// How to start what the prefix enters.
fn start_command(prefix: &[String]) -> String {
    let words: Vec<&str> = prefix.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["ddev", ..] => "ddev start".to_string(),
        ["docker", "compose", "exec", rest @ ..] | ["docker-compose", "exec", rest @ ..] => {
            let compose = if words[0] == "docker" { "docker compose" } else { "docker-compose" };
            match service(rest) {
                Some(service) => format!("{compose} up -d {service}"),
                None => format!("{compose} up -d"),
            }
        }
        ["docker", "exec", rest @ ..] => match service(rest) {
            Some(name) => format!("docker start {name}"),
            None => "docker start CONTAINER".to_string(),
        },
        _ => format!("whatever starts the environment `{}` enters", prefix.join(" ")),
    }
}

/// The first word after the options: the service or container name.
fn service<'a>(words: &[&'a str]) -> Option<&'a str> {
    let with_value = ["-e", "--env", "-u", "--user", "-w", "--workdir", "--index"];
    let mut iter = words.iter();
    while let Some(word) = iter.next() {
        if with_value.contains(word) {
            iter.next();
        } else if !word.starts_with('-') {
            return Some(word);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docker() -> Container {
        Container {
            prefix: vec!["docker".into(), "compose".into(), "exec".into(), "-T".into(), "php".into()],
            root: Some("/app".into()),
        }
    }

    #[test]
    fn files_and_programs_become_container_paths() {
        let dir = std::env::temp_dir();
        let words = vec!["bin/console".to_string(), "lint:yaml".to_string()];
        let env = vec![("APP_ENV".to_string(), "test".to_string())];
        let cmd = command(&docker(), &dir, &words, &env, &["config/a.yaml".into(), "./-x.yaml".into()]);
        let text: Vec<String> = cmd.iter().map(|w| w.to_string_lossy().into_owned()).collect();
        assert_eq!(
            text,
            [
                "docker",
                "compose",
                "exec",
                "-T",
                "php",
                "env",
                "APP_ENV=test",
                "/app/bin/console",
                "lint:yaml",
                "/app/config/a.yaml",
                "/app/-x.yaml"
            ]
        );
    }

    #[test]
    fn paths_come_back_as_repository_paths() {
        let c = docker();
        assert_eq!(to_repo(&c, "/app/src/A.php"), "src/A.php");
        assert_eq!(to_repo(&c, "/application/src/A.php"), "/application/src/A.php");
        assert_eq!(to_repo(&c, "src/A.php"), "src/A.php");
        assert_eq!(output_to_repo(&c, b"in /app/src/A.php on line 3"), b"in src/A.php on line 3");
        assert_eq!(output_to_repo(&c, b"\"/app/a\",/var/www/app/b x/app/c"), b"\"a\",/var/www/app/b x/app/c");
    }

    #[test]
    fn a_stopped_container_says_how_to_start_it() {
        let message = not_running(&docker(), Some(1), b"service \"php\" is not running\n").expect("detected");
        assert!(message.contains("docker compose up -d php"), "{message}");
        let ddev = Container { prefix: vec!["ddev".into(), "exec".into()], root: None };
        assert!(not_running(&ddev, Some(1), b"Project demo is not currently running.")
            .is_some_and(|m| m.contains("ddev start")));
        assert!(not_running(&docker(), Some(1), b"PHP Parse error").is_none());
        assert_eq!(
            start_command(&["docker".into(), "exec".into(), "-u".into(), "www".into(), "app_php".into()]),
            "docker start app_php"
        );
    }
}
