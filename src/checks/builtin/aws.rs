//! detect-aws-credentials: finds the secrets configured on this machine inside files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use regex::bytes::Regex;

use super::lines::position;
use super::sink::Sink;

/// Keys whose values are secrets, in AWS and boto configuration files.
const SECRET_KEYS: &[&str] = &["aws_secret_access_key", "aws_security_token", "aws_session_token"];
/// Environment variables that hold a secret directly.
const SECRET_VARS: &[&str] = &["AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"];
/// Environment variables that name a configuration file.
const FILE_VARS: &[&str] = &["AWS_CONFIG_FILE", "AWS_CREDENTIAL_FILE", "AWS_SHARED_CREDENTIALS_FILE", "BOTO_CONFIG"];

/// The parts of the process environment this check reads, captured once so that a run (and a
/// test) sees one consistent view.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsEnvironment {
    pub home: Option<PathBuf>,
    /// Only the variables in `SECRET_VARS` and `FILE_VARS`.
    pub vars: Vec<(String, String)>,
}

impl AwsEnvironment {
    pub fn from_process() -> Self {
        let vars = SECRET_VARS
            .iter()
            .chain(FILE_VARS)
            .filter_map(|name| std::env::var(name).ok().map(|value| (name.to_string(), value)))
            .collect();
        AwsEnvironment { home: std::env::var_os("HOME").map(PathBuf::from), vars }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The configuration files to read, in the order pre-commit-hooks reads them.
    fn files(&self, root: &Path, extra: &[String]) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = extra.iter().map(|f| expand(f, self.home.as_deref(), root)).collect();
        files.extend(FILE_VARS.iter().filter_map(|v| self.var(v)).map(|f| expand(f, self.home.as_deref(), root)));
        if let Some(home) = &self.home {
            files.extend([".aws/config", ".aws/credentials", ".boto"].map(|f| home.join(f)));
        }
        files.push(PathBuf::from("/etc/boto.cfg"));
        files
    }

    /// Every secret found; a file that is missing or unreadable contributes nothing.
    pub(crate) fn secrets(&self, root: &Path, extra_files: &[String]) -> BTreeSet<String> {
        let mut secrets: BTreeSet<String> = SECRET_VARS
            .iter()
            .filter_map(|v| self.var(v))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        for file in self.files(root, extra_files) {
            if let Ok(bytes) = std::fs::read(&file) {
                secrets.extend(secrets_in_ini(&String::from_utf8_lossy(&bytes)));
            }
        }
        secrets
    }

    /// A short list of where secrets were looked for, for the missing-credentials message.
    pub(crate) fn searched(&self, root: &Path, extra_files: &[String]) -> String {
        let files: Vec<String> = self.files(root, extra_files).iter().map(|f| f.display().to_string()).collect();
        format!("{} and the variables {}", files.join(", "), SECRET_VARS.join(", "))
    }
}

fn expand(file: &str, home: Option<&Path>, root: &Path) -> PathBuf {
    match (file.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => root.join(file),
    }
}

/// Values of the secret keys in an INI file, whatever the section (keys are case-insensitive,
/// `=` or `:` separate, as Python's configparser reads them).
fn secrets_in_ini(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with(['#', ';', '[']) {
            continue;
        }
        let Some(split) = line.find(['=', ':']) else { continue };
        let (key, value) = (line[..split].trim(), line[split + 1..].trim());
        if !value.is_empty() && SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            found.push(value.to_string());
        }
    }
    found
}

/// Finds any of a fixed set of secrets in one pass.
#[derive(Clone, Debug)]
pub(crate) struct SecretMatcher {
    regex: Regex,
}

impl SecretMatcher {
    /// `None` when there is nothing to look for.
    pub fn new(secrets: &BTreeSet<String>) -> Option<Self> {
        if secrets.is_empty() {
            return None;
        }
        // Longest first, so that a secret containing another is reported whole.
        let mut sorted: Vec<&String> = secrets.iter().collect();
        sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let pattern = sorted.iter().map(|s| regex::escape(s)).collect::<Vec<_>>().join("|");
        // Escaped literals always compile; a pathological size limit is the only failure left.
        Regex::new(&pattern).ok().map(|regex| SecretMatcher { regex })
    }

    pub fn check(&self, buf: &[u8], sink: &mut Sink) {
        for found in self.regex.find_iter(buf) {
            let (line, column) = position(buf, found.start());
            let shown: String = String::from_utf8_lossy(found.as_bytes()).chars().take(4).collect();
            sink.error(
                line,
                Some(column),
                format!("AWS secret found (`{shown}****`): remove it from the file and rotate the credential"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_secrets_from_ini_files() {
        let text = "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t/Key+1\n\
                    # aws_session_token = commented\n[profile x]\nAWS_SESSION_TOKEN: tok3n\naws_security_token =\n";
        assert_eq!(secrets_in_ini(text), vec!["s3cr3t/Key+1".to_string(), "tok3n".to_string()]);
    }

    #[test]
    fn gathers_from_home_env_and_extra_files() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/credentials"), "[d]\naws_secret_access_key=fromhome\n").unwrap();
        std::fs::write(home.path().join("extra.ini"), "[d]\naws_session_token=fromextra\n").unwrap();
        let env = AwsEnvironment {
            home: Some(home.path().to_path_buf()),
            vars: vec![("AWS_SECRET_ACCESS_KEY".into(), "fromenv".into())],
        };
        let secrets = env.secrets(Path::new("/nonexistent"), &["~/extra.ini".into()]);
        let expected: BTreeSet<String> = ["fromhome", "fromextra", "fromenv"].map(String::from).into();
        assert_eq!(secrets, expected);
        assert!(env.searched(Path::new("/r"), &[]).contains(".aws/credentials"));
    }

    #[test]
    fn nothing_configured_means_no_matcher() {
        let env = AwsEnvironment { home: None, vars: Vec::new() };
        let secrets = env.secrets(Path::new("/nonexistent"), &[]);
        assert!(secrets.is_empty());
        assert!(SecretMatcher::new(&secrets).is_none());
    }

    #[test]
    fn finds_and_masks_secrets() {
        let secrets: BTreeSet<String> = ["abcdSECRET".to_string(), "a.b*c".to_string()].into();
        let matcher = SecretMatcher::new(&secrets).unwrap();
        let mut sink = Sink::new("f", "detect-aws-credentials");
        matcher.check(b"key = abcdSECRET\r\nother: a.b*c\nnot: aXb*c\n", &mut sink);
        let found = sink.finish();
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].line, found[0].column), (Some(1), Some(7)));
        assert!(found[0].message.contains("`abcd****`"));
        assert!(!found[0].message.contains("SECRET"));
        assert_eq!(found[1].line, Some(2));
    }
}
