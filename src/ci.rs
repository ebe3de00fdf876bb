//! The commits a CI job should compare, read from what GitHub Actions or GitLab CI provide.

use std::path::Path;

use serde_json::Value;

/// What to diff in CI: the files changed in `base...head`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CiBase {
    /// A commit sha, or a remote-tracking branch such as `origin/main`.
    pub base: String,
    /// `HEAD`, or the exact sha when the CI names the commit it checked out.
    pub head: String,
    pub provider: &'static str,
    /// Where `base` came from, for `--verbose` and error messages.
    pub explanation: String,
}

/// The base and head the CI provider names, or `None` outside CI or when it names none (a
/// new branch's first push, a scheduled pipeline): the caller then falls back to the merge
/// base with the default branch. Environment and file reads are injected so this stays pure.
pub fn detect(env: &dyn Fn(&str) -> Option<String>, read_file: &dyn Fn(&Path) -> Option<String>) -> Option<CiBase> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    github(&var, read_file).or_else(|| gitlab(&var))
}

const GITHUB: &str = "GitHub Actions";
const GITLAB: &str = "GitLab CI";

fn github(var: &dyn Fn(&str) -> Option<String>, read_file: &dyn Fn(&Path) -> Option<String>) -> Option<CiBase> {
    if var("GITHUB_ACTIONS")? != "true" {
        return None;
    }
    let event_name = var("GITHUB_EVENT_NAME").filter(|n| !n.is_empty()).unwrap_or_default();
    // Said as "pull_request event"; a job without the variable is not an "unknown event".
    let event_label = if event_name.is_empty() {
        "$GITHUB_EVENT_NAME unset".to_string()
    } else {
        format!("{} event", event_name.escape_debug())
    };
    let event: Option<Value> = var("GITHUB_EVENT_PATH")
        .and_then(|path| read_file(Path::new(&path)))
        .and_then(|text| serde_json::from_str(&text).ok());
    let sha_at = |pointer: &str| {
        let sha = event.as_ref()?.pointer(pointer)?.as_str()?;
        usable_sha(sha).then(|| sha.to_string())
    };
    let found =
        |base: String, head: String, explanation: String| Some(CiBase { base, head, provider: GITHUB, explanation });

    if let Some(base) = sha_at("/pull_request/base/sha") {
        // pull_request_target checks out the base branch, so the pull request is its head sha;
        // plain pull_request checks out a merge commit whose sha names nothing more than HEAD.
        if event_name == "pull_request_target" {
            if let Some(head) = sha_at("/pull_request/head/sha") {
                return found(
                    base,
                    head,
                    format!(
                        "{event_label}: from the pull request's base commit to its head \
                         commit (pull_request.base.sha and pull_request.head.sha in \
                         $GITHUB_EVENT_PATH)"
                    ),
                );
            }
        }
        return found(
            base,
            "HEAD".into(),
            format!(
                "{event_label}: from the pull request's base commit \
                 (pull_request.base.sha in $GITHUB_EVENT_PATH)"
            ),
        );
    }
    if let Some(branch) = var("GITHUB_BASE_REF").filter(|b| is_branch_name(b)) {
        return found(
            format!("origin/{branch}"),
            "HEAD".into(),
            format!("{event_label}: from the pull request's target branch ($GITHUB_BASE_REF)"),
        );
    }
    if let Some(base) = sha_at("/merge_group/base_sha") {
        let head = sha_at("/merge_group/head_sha").unwrap_or_else(|| "HEAD".into());
        return found(
            base,
            head,
            format!(
                "{event_label}: from the merge queue's base commit \
                 (merge_group.base_sha in $GITHUB_EVENT_PATH)"
            ),
        );
    }
    // A new branch's first push has an all-zero `before`, which `sha_at` refuses.
    if let Some(base) = sha_at("/before") {
        let head = sha_at("/after").unwrap_or_else(|| "HEAD".into());
        return found(
            base,
            head,
            format!(
                "{event_label}: from the commit the branch pointed at before the push \
                 (before in $GITHUB_EVENT_PATH)"
            ),
        );
    }
    None
}

fn gitlab(var: &dyn Fn(&str) -> Option<String>) -> Option<CiBase> {
    if var("GITLAB_CI")? != "true" {
        return None;
    }
    let sha = |name: &str| var(name).filter(|s| usable_sha(s));
    let head = sha("CI_COMMIT_SHA").unwrap_or_else(|| "HEAD".into());
    let found = |base: String, explanation: &str| {
        Some(CiBase { base, head: head.clone(), provider: GITLAB, explanation: explanation.into() })
    };

    // Only merged-results and merge-train pipelines set it. They check out a merge commit on
    // top of this target commit; from the older diff base, the target branch's own later
    // changes would count as changed too.
    if let Some(base) = sha("CI_MERGE_REQUEST_TARGET_BRANCH_SHA") {
        return found(
            base,
            "merged results pipeline: from the target branch commit the merge was made on \
             ($CI_MERGE_REQUEST_TARGET_BRANCH_SHA)",
        );
    }
    if let Some(base) = sha("CI_MERGE_REQUEST_DIFF_BASE_SHA") {
        return found(
            base,
            "merge request pipeline: from the merge request's diff base \
             ($CI_MERGE_REQUEST_DIFF_BASE_SHA)",
        );
    }
    if let Some(branch) = var("CI_MERGE_REQUEST_TARGET_BRANCH_NAME").filter(|b| is_branch_name(b)) {
        return found(
            format!("origin/{branch}"),
            "merge request pipeline: from the target branch ($CI_MERGE_REQUEST_TARGET_BRANCH_NAME)",
        );
    }
    // All zeros for a new branch, a merge request, a tag or a scheduled pipeline.
    if let Some(base) = sha("CI_COMMIT_BEFORE_SHA") {
        return found(
            base,
            "branch pipeline: from the commit the branch pointed at before the push \
             ($CI_COMMIT_BEFORE_SHA)",
        );
    }
    None
}

/// What to run when `base` is missing or the history does not reach the merge base.
///
/// `--deepen` rather than `--depth`: `--depth` fetches the base's history but leaves the
/// checked-out commit's own history cut at depth 1, so the merge base is still not found.
pub fn shallow_fetch_advice(base: &str, remote: &str) -> String {
    let what = if is_hex(base, 7) {
        format!(" {base}")
    } else if let Some(branch) =
        base.strip_prefix(remote).and_then(|b| b.strip_prefix('/')).filter(|b| is_branch_name(b))
    {
        format!(" +refs/heads/{branch}:refs/remotes/{remote}/{branch}")
    } else {
        // Anything else (a local branch, a tag): deepen the history that is already here.
        String::new()
    };
    format!(
        "The history here does not reach where HEAD and {base} meet (a shallow clone?). \
         Fetch more of it, then run again:\n\
         \x20   git fetch --no-tags --deepen=1000 {remote}{what}\n\
         or, if that is still not enough, all of it:\n\
         \x20   git fetch --no-tags --unshallow {remote}{what}\n\
         In CI, a full clone avoids this: `fetch-depth: 0` for actions/checkout, \
         `GIT_DEPTH: 0` in GitLab."
    )
}

/// The branch a CI job is about: a pull or merge request's source branch, else the pushed
/// branch of a branch pipeline; `None` outside CI or for a tag.
pub fn source_branch(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty() && is_branch_name(v));
    if env("GITHUB_ACTIONS").as_deref() == Some("true") {
        return var("GITHUB_HEAD_REF").or_else(|| {
            (env("GITHUB_REF_TYPE").as_deref() == Some("branch")).then(|| var("GITHUB_REF_NAME")).flatten()
        });
    }
    if env("GITLAB_CI").as_deref() == Some("true") {
        return var("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME").or_else(|| var("CI_COMMIT_BRANCH"));
    }
    None
}

/// A full sha (SHA-1 or SHA-256) that names a commit: all zeros means "none".
fn usable_sha(text: &str) -> bool {
    (text.len() == 40 || text.len() == 64) && is_hex(text, 40) && text.bytes().any(|b| b != b'0')
}

fn is_hex(text: &str, min_len: usize) -> bool {
    (min_len..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A branch name git would accept (`git check-ref-format --branch`), so a value from the
/// environment can never be read as an option or a revision range.
fn is_branch_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['-', '/', '.'])
        && !name.ends_with(['/', '.'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("@{")
        && !name.contains("//")
        && !name.contains("/.")
        && name != "@"
        && !name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const BASE: &str = "1111111111111111111111111111111111111111";
    const HEAD: &str = "2222222222222222222222222222222222222222";
    const ZERO: &str = "0000000000000000000000000000000000000000";

    /// Runs `detect` with these variables and, at `/event.json`, this event file.
    fn detect_with(vars: &[(&str, &str)], event: Option<&str>) -> Option<CiBase> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let env = |name: &str| vars.get(name).cloned();
        let read_file = |path: &Path| (path == Path::new("/event.json")).then(|| event.map(str::to_string)).flatten();
        detect(&env, &read_file)
    }

    fn github(event_name: &str) -> Vec<(&str, &str)> {
        vec![
            ("CI", "true"),
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", event_name),
            ("GITHUB_EVENT_PATH", "/event.json"),
        ]
    }

    fn pull_request_event() -> String {
        format!(
            r#"{{"action": "synchronize", "number": 7, "pull_request": {{
                "base": {{"ref": "main", "sha": "{BASE}"}},
                "head": {{"ref": "feature", "sha": "{HEAD}"}}}}}}"#
        )
    }

    #[test]
    fn source_branches() {
        let of = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            source_branch(&|k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
        };
        assert_eq!(
            of(&[("GITHUB_ACTIONS", "true"), ("GITHUB_HEAD_REF", "feat/oxp-1-x")]).as_deref(),
            Some("feat/oxp-1-x")
        );
        let push = [("GITHUB_ACTIONS", "true"), ("GITHUB_REF_TYPE", "branch"), ("GITHUB_REF_NAME", "fix/y")];
        assert_eq!(of(&push).as_deref(), Some("fix/y"));
        assert_eq!(of(&[("GITHUB_ACTIONS", "true"), ("GITHUB_REF_TYPE", "tag"), ("GITHUB_REF_NAME", "v1")]), None);
        let mr = [("GITLAB_CI", "true"), ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feat/a"), ("CI_COMMIT_BRANCH", "x")];
        assert_eq!(of(&mr).as_deref(), Some("feat/a"));
        assert_eq!(of(&[("GITLAB_CI", "true"), ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "-rf")]), None);
        assert_eq!(of(&[("GITHUB_HEAD_REF", "x")]), None);
    }

    #[test]
    fn not_in_ci() {
        assert_eq!(detect_with(&[], None), None);
        assert_eq!(detect_with(&[("CI", "true")], None), None);
        assert_eq!(detect_with(&[("GITHUB_ACTIONS", "false"), ("GITHUB_BASE_REF", "main")], None), None);
        assert_eq!(detect_with(&[("GITLAB_CI", "")], None), None);
    }

    #[test]
    fn github_pull_request_prefers_the_exact_base_sha() {
        let found = detect_with(&github("pull_request"), Some(&pull_request_event()));
        let found = found.expect("detected");
        assert_eq!((found.base.as_str(), found.head.as_str()), (BASE, "HEAD"));
        assert_eq!(found.provider, "GitHub Actions");
        assert!(found.explanation.contains("pull_request.base.sha"), "{}", found.explanation);
    }

    #[test]
    fn github_pull_request_falls_back_to_the_base_ref() {
        let mut vars = github("pull_request");
        vars.push(("GITHUB_BASE_REF", "release/1.x"));
        for event in [None, Some("not json"), Some(r#"{"pull_request": {"base": {"sha": "xyz"}}}"#)] {
            let found = detect_with(&vars, event).expect("detected");
            assert_eq!((found.base.as_str(), found.head.as_str()), ("origin/release/1.x", "HEAD"));
            assert!(found.explanation.contains("GITHUB_BASE_REF"));
        }
        let found = detect_with(&vars, Some(&pull_request_event())).expect("detected");
        assert_eq!(found.base, BASE, "the event's sha wins over the branch");
    }

    #[test]
    fn github_pull_request_target_compares_with_the_pull_request_head() {
        let found = detect_with(&github("pull_request_target"), Some(&pull_request_event())).expect("detected");
        assert_eq!((found.base.as_str(), found.head.as_str()), (BASE, HEAD));
    }

    #[test]
    fn github_push_uses_before_unless_the_branch_is_new() {
        let push = |before: &str| {
            format!(r#"{{"ref": "refs/heads/main", "before": "{before}", "after": "{HEAD}", "created": false}}"#)
        };
        let found = detect_with(&github("push"), Some(&push(BASE))).expect("detected");
        assert_eq!((found.base.as_str(), found.head.as_str()), (BASE, HEAD));
        assert!(found.explanation.starts_with("push event"), "{}", found.explanation);
        assert_eq!(detect_with(&github("push"), Some(&push(ZERO))), None);
        let sha256 = "ab".repeat(32);
        let found = detect_with(&github("push"), Some(&push(&sha256))).expect("detected");
        assert_eq!(found.base, sha256);
    }

    #[test]
    fn github_merge_group() {
        let event = format!(
            r#"{{"merge_group": {{"base_sha": "{BASE}", "head_sha": "{HEAD}", "base_ref": "refs/heads/main"}}}}"#
        );
        let found = detect_with(&github("merge_group"), Some(&event)).expect("detected");
        assert_eq!((found.base.as_str(), found.head.as_str()), (BASE, HEAD));
    }

    #[test]
    fn github_without_anything_to_compare() {
        assert_eq!(detect_with(&github("schedule"), Some(r#"{"schedule": "0 0 * * *"}"#)), None);
        assert_eq!(detect_with(&github("workflow_dispatch"), None), None);
    }

    fn gitlab(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut vars = vec![("CI", "true"), ("GITLAB_CI", "true"), ("CI_COMMIT_SHA", HEAD)];
        vars.extend_from_slice(extra);
        vars
    }

    #[test]
    fn gitlab_merge_request_uses_the_diff_base() {
        let vars = gitlab(&[
            ("CI_PIPELINE_SOURCE", "merge_request_event"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", BASE),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
            ("CI_COMMIT_BEFORE_SHA", ZERO),
        ]);
        let found = detect_with(&vars, None).expect("detected");
        assert_eq!((found.base.as_str(), found.head.as_str()), (BASE, HEAD));
        assert_eq!(found.provider, "GitLab CI");
        assert!(found.explanation.contains("CI_MERGE_REQUEST_DIFF_BASE_SHA"));
    }

    #[test]
    fn gitlab_merged_results_use_the_target_commit() {
        let target = "3333333333333333333333333333333333333333";
        let vars = gitlab(&[
            ("CI_MERGE_REQUEST_EVENT_TYPE", "merged_result"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", BASE),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_SHA", target),
        ]);
        assert_eq!(detect_with(&vars, None).expect("detected").base, target);
    }

    #[test]
    fn gitlab_merge_request_without_diff_base_uses_the_target_branch() {
        let vars = gitlab(&[("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "develop")]);
        let found = detect_with(&vars, None).expect("detected");
        assert_eq!((found.base.as_str(), found.head.as_str()), ("origin/develop", HEAD));
    }

    #[test]
    fn gitlab_branch_pipeline_uses_before_sha_unless_zero() {
        let found = detect_with(&gitlab(&[("CI_COMMIT_BEFORE_SHA", BASE)]), None).expect("detected");
        assert_eq!((found.base.as_str(), found.head.as_str()), (BASE, HEAD));
        assert_eq!(detect_with(&gitlab(&[("CI_COMMIT_BEFORE_SHA", ZERO)]), None), None);
        let no_head = [("GITLAB_CI", "true"), ("CI_COMMIT_BEFORE_SHA", BASE)];
        assert_eq!(detect_with(&no_head, None).expect("detected").head, "HEAD");
    }

    #[test]
    fn hostile_values_are_ignored() {
        for branch in ["-x", "--upload-pack=evil", "main..evil", "a b", "a~1", "HEAD^", "x:y", "@"] {
            let vars = gitlab(&[("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", branch)]);
            assert_eq!(detect_with(&vars, None), None, "{branch}");
        }
        let vars = gitlab(&[("CI_COMMIT_BEFORE_SHA", "--output=/etc/passwd")]);
        assert_eq!(detect_with(&vars, None), None);
        assert!(is_branch_name("feature/JIRA-12_x.y"));
    }

    #[test]
    fn advice_names_the_exact_command() {
        let branch = shallow_fetch_advice("origin/main", "origin");
        assert!(
            branch.contains("git fetch --no-tags --deepen=1000 origin +refs/heads/main:refs/remotes/origin/main\n"),
            "{branch}"
        );
        assert!(branch.contains("git fetch --no-tags --unshallow origin +refs/heads/main"));
        let sha = shallow_fetch_advice(BASE, "origin");
        assert!(sha.contains(&format!("git fetch --no-tags --deepen=1000 origin {BASE}\n")), "{sha}");
        let local = shallow_fetch_advice("v1.2", "upstream");
        assert!(local.contains("git fetch --no-tags --deepen=1000 upstream\n"), "{local}");
    }
}
