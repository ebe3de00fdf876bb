//! branch-name: the branch (checked out, pushed, or a pull request's source) is named by the
//! team's convention; the finding proposes a name that fits.

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;

use super::engine::{CheckResult, Context};
use super::regexes::{self, quote};
use super::OptionError;
use crate::outcome::Diagnostic;

const RULE: &str = "branch-name";
const DEFAULT_PATTERN: &str = r"^(feat|feature|fix|bugfix|hotfix|chore|docs|refactor|test|ci|build|perf|style|release|revert)/[a-z0-9][a-z0-9._-]*$";
const DEFAULT_ALLOW: &[&str] = &["main", "master", "develop"];

/// Validated options of `branch-name`.
#[derive(Clone, Debug)]
pub struct BranchNameOptions {
    /// At least one must match.
    pub patterns: Vec<Regex>,
    pub allow: Vec<String>,
    allow_set: GlobSet,
    pub forbid: Vec<Regex>,
}

impl BranchNameOptions {
    pub(crate) fn new(
        pattern: Option<&[String]>,
        allow: Option<&[String]>,
        forbid: Option<&[String]>,
    ) -> Result<Self, OptionError> {
        let patterns = match pattern {
            Some(p) if !p.is_empty() => regexes::compile("pattern", p)?,
            _ => vec![regexes::one("pattern", DEFAULT_PATTERN)?],
        };
        let allow: Vec<String> =
            allow.map_or_else(|| DEFAULT_ALLOW.iter().map(|s| s.to_string()).collect(), <[String]>::to_vec);
        let mut builder = GlobSetBuilder::new();
        for glob in &allow {
            let compiled = Glob::new(glob).map_err(|e| {
                OptionError::new("allow", format!("`allow`: {} is not a valid glob: {}", quote(glob), e.kind()))
            })?;
            builder.add(compiled);
        }
        let allow_set = builder.build().map_err(|e| OptionError::new("allow", format!("`allow`: {e}")))?;
        Ok(BranchNameOptions {
            patterns,
            allow,
            allow_set,
            forbid: regexes::compile("forbid_pattern", forbid.unwrap_or_default())?,
        })
    }

    /// What is wrong with `branch`, or `None` when it is fine.
    pub fn problem(&self, branch: &str) -> Option<String> {
        if self.allow_set.is_match(branch) {
            return None;
        }
        if let Some(bad) = self.forbid.iter().find(|p| p.is_match(branch)) {
            return Some(format!("matches the forbidden pattern {}", quote(bad.as_str())));
        }
        if self.patterns.iter().any(|p| p.is_match(branch)) {
            return None;
        }
        let wanted: Vec<String> = self.patterns.iter().map(|p| quote(p.as_str())).collect();
        Some(format!("does not match {}", wanted.join(" or ")))
    }

    /// A name that passes, made from `branch`: `OXP-1087_Update NAFO` → `feat/oxp-1087-update-nafo`.
    pub fn propose(&self, branch: &str) -> Option<String> {
        let (kind, rest) = match branch.split_once('/') {
            Some((kind, rest)) if !rest.is_empty() => (slug(kind), rest),
            _ => (String::new(), branch),
        };
        let rest = slug(rest);
        if rest.is_empty() {
            return None;
        }
        let kinds = [kind.as_str(), "feat", "feature", "fix", "chore"];
        kinds
            .iter()
            .filter(|k| !k.is_empty())
            .map(|k| format!("{k}/{rest}"))
            .chain(std::iter::once(rest.clone()))
            .find(|candidate| self.problem(candidate).is_none())
    }
}

/// Lower-case words joined by `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(80).collect()
}

/// In pre-push, `ctx.subject_branch()` is the pushed branch; in CI, the pull request's source.
pub(crate) fn run(ctx: &Context, options: &BranchNameOptions) -> Result<CheckResult, String> {
    let Some(branch) = ctx.subject_branch()? else { return Ok(CheckResult::default()) };
    let Some(problem) = options.problem(branch) else { return Ok(CheckResult::default()) };
    let fix = match options.propose(branch) {
        Some(name) => format!(
            "; rename it, for example `git branch -m {} {name}`",
            shlex::try_quote(branch).map_or_else(|_| branch.to_string(), |q| q.into_owned())
        ),
        None => String::new(),
    };
    let mut diagnostic =
        Diagnostic::error("", format!("the branch name {} {problem}{fix}", quote(branch))).with_rule(RULE);
    diagnostic.path = None;
    Ok(CheckResult { diagnostics: vec![diagnostic], ..CheckResult::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let o = BranchNameOptions::new(None, None, None).unwrap();
        assert_eq!(o.problem("feat/oxp-1087-update-nafo-on-fulfillment"), None);
        assert_eq!(o.problem("main"), None);
        assert!(o.problem("OXP-1087_Update NAFO").is_some());
        assert_eq!(o.propose("OXP-1087_Update NAFO").as_deref(), Some("feat/oxp-1087-update-nafo"));
        assert_eq!(o.propose("Fix/Login_Bug").as_deref(), Some("fix/login-bug"));
    }

    #[test]
    fn options() {
        let o = BranchNameOptions::new(
            Some(&[r"^(feat|fix|chore|hotfix|release)/[a-z]+-\d+-".into()]),
            Some(&["main".into(), "release/*".into()]),
            Some(&["(?i)wip".into()]),
        )
        .unwrap();
        assert_eq!(o.problem("release/1.2"), None);
        assert_eq!(o.problem("fix/oxp-1-x"), None);
        assert!(o.problem("develop").is_some());
        assert!(o.problem("fix/oxp-1-wip").unwrap().contains("forbidden"));
        assert_eq!(o.propose("feature/OXP-1_login").as_deref(), Some("feat/oxp-1-login"));
        assert_eq!(o.propose("stuff"), None);
        assert_eq!(BranchNameOptions::new(None, Some(&["[".into()]), None).unwrap_err().key, Some("allow"));
        assert_eq!(BranchNameOptions::new(Some(&["(".into()]), None, None).unwrap_err().key, Some("pattern"));
    }
}
