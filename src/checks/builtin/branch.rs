//! no-commit-to-branch: refuses commits made directly on protected branches.

use regex::Regex;

use super::engine::{CheckResult, Context};
use super::OptionError;
use crate::outcome::Diagnostic;

/// Validated options of `no-commit-to-branch`.
#[derive(Clone, Debug)]
pub struct BranchOptions {
    pub branches: Vec<String>,
    /// Anchored at the start only, like Python's `re.match`.
    pub patterns: Vec<Regex>,
}

impl BranchOptions {
    pub(crate) fn new(branches: Option<&[String]>, patterns: Option<&[String]>) -> Result<Self, OptionError> {
        let branches = branches.map_or_else(|| vec!["main".to_string(), "master".to_string()], <[String]>::to_vec);
        let patterns = patterns
            .unwrap_or_default()
            .iter()
            .map(|p| {
                Regex::new(&format!("^(?:{p})"))
                    .map_err(|e| OptionError::new("patterns", format!("`{p}` is not a valid regular expression: {e}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(BranchOptions { branches, patterns })
    }

    fn protects(&self, branch: &str) -> bool {
        self.branches.iter().any(|b| b == branch) || self.patterns.iter().any(|p| p.is_match(branch))
    }
}

/// A detached HEAD (a rebase in progress, a CI checkout) is on no branch and passes.
pub(crate) fn run(ctx: &Context, options: &BranchOptions) -> Result<CheckResult, String> {
    let Some(branch) = ctx.branch()? else { return Ok(CheckResult::default()) };
    if !options.protects(branch) {
        return Ok(CheckResult::default());
    }
    let message = format!(
        "committing directly to `{branch}` is not allowed: create a branch (`git switch -c my-change`) \
         and commit there"
    );
    let mut diagnostic = Diagnostic::error("", message).with_rule("no-commit-to-branch");
    diagnostic.path = None;
    Ok(CheckResult { diagnostics: vec![diagnostic], ..CheckResult::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_patterns() {
        let defaults = BranchOptions::new(None, None).unwrap();
        assert!(defaults.protects("main"));
        assert!(defaults.protects("master"));
        assert!(!defaults.protects("main-fix"));
        let custom =
            BranchOptions::new(Some(&["trunk".into()]), Some(&["release/.*".into(), "hot|fix".into()])).unwrap();
        assert!(custom.protects("trunk"));
        assert!(!custom.protects("main"));
        assert!(custom.protects("release/1.0"));
        assert!(!custom.protects("my-release/1.0"), "patterns are anchored at the start");
        assert!(custom.protects("fixup"), "an alternation is anchored as a whole");
        assert!(!custom.protects("prefix"));
    }

    #[test]
    fn bad_pattern_names_the_key() {
        let err = BranchOptions::new(None, Some(&["(".into()])).unwrap_err();
        assert_eq!(err.key, Some("patterns"));
    }
}
