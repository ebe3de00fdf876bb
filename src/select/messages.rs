//! The commit messages a run looks at: the one git is writing (cleaned as git will clean it),
//! or every non-merge commit of a range.

use crate::outcome::CommitRef;

/// A message file larger than this is not a commit message anyone typed; the rest is ignored.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// At most this many commits of a range are checked (a range that large is a mistake).
pub const MAX_COMMITS: usize = 10_000;

/// One commit message as git stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The commit it belongs to; `None` for the message being written.
    pub commit: Option<CommitRef>,
    /// Cleaned: no comment lines, nothing below the scissors, no surrounding blank lines.
    pub text: String,
}

impl Message {
    pub fn new(commit: Option<CommitRef>, text: String) -> Self {
        Message { commit, text }
    }

    /// The first line.
    pub fn subject(&self) -> &str {
        self.text.lines().next().unwrap_or("")
    }

    /// The lines after the subject, with their 1-based line numbers.
    pub fn body(&self) -> impl Iterator<Item = (u32, &str)> {
        self.text.lines().enumerate().skip(1).map(|(i, l)| (i as u32 + 1, l))
    }

    /// A message git wrote itself (`Merge branch ...`, `Revert "..."`), which the rules accept.
    pub fn is_generated(&self) -> bool {
        is_generated(self.subject())
    }
}

/// The messages of a run and where the one being written lives.
#[derive(Clone, Debug, Default)]
pub struct Messages {
    pub list: Vec<Message>,
    /// The message file of the hook, which `ticket-reference` may rewrite (`None` for a range).
    pub file: Option<std::path::PathBuf>,
    /// prepare-commit-msg's source (`message`, `template`, `merge`, `squash`, `commit`).
    pub source: Option<String>,
    /// The comment prefix git uses for this message, for the lines ward adds.
    pub comment: Option<String>,
    /// The message as the file holds it (comments included), for rewriting it in place.
    pub raw: Option<String>,
    /// prepare-commit-msg: git has yet to open the editor on this message.
    pub preparing: bool,
}

/// Subjects git writes for merges, reverts and pull-request merges.
pub fn is_generated(subject: &str) -> bool {
    subject.starts_with("Merge ") || subject.starts_with("Revert \"") || subject.starts_with("Reapply \"")
}

/// The subject without the `fixup! `, `amend! ` and `squash! ` prefixes `git commit --fixup`
/// and `--squash` add: the rules apply to the commit it will be squashed into.
pub fn without_autosquash(subject: &str) -> &str {
    let mut rest = subject;
    loop {
        let stripped = ["fixup! ", "amend! ", "squash! "].iter().find_map(|p| rest.strip_prefix(p));
        match stripped {
            Some(s) => rest = s,
            None => return rest,
        }
    }
}

/// True when `subject` carries an autosquash prefix.
pub fn is_autosquash(subject: &str) -> bool {
    without_autosquash(subject).len() != subject.len()
}

/// How git cleans a message after the hook (`commit.cleanup`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cleanup {
    /// Comments, scissors and whitespace (git's default when an editor was used).
    Strip,
    /// Only whitespace (git's default for `-m`, `-F` and `--no-edit`: `#` lines are kept).
    Whitespace,
    /// Everything below the scissors line and whitespace.
    Scissors,
    /// The message exactly as written.
    Verbatim,
}

impl Cleanup {
    /// The mode `commit.cleanup` names; unset or `default`, git's default: `strip` when the
    /// message was `edited`, else `whitespace`.
    pub fn from_config(value: Option<&str>, edited: bool) -> Cleanup {
        match value.map(str::to_ascii_lowercase).as_deref() {
            Some("verbatim") => Cleanup::Verbatim,
            Some("whitespace") => Cleanup::Whitespace,
            Some("scissors") => Cleanup::Scissors,
            Some("strip") => Cleanup::Strip,
            _ if edited => Cleanup::Strip,
            _ => Cleanup::Whitespace,
        }
    }
}

/// Whether git opened (or will open) an editor on the message of the hook it runs: without
/// one (`-m`, `-F`, `--no-edit`) git sets `GIT_EDITOR=:` in the hook's environment.
pub fn edited_in_hook(git_editor: Option<&std::ffi::OsStr>) -> bool {
    git_editor.is_none_or(|editor| editor != ":")
}

/// git's comment prefix: `core.commentString`, else `core.commentChar`; `auto` is resolved
/// against the message (see [`auto_comment`]).
pub fn comment_prefix(configured: Option<&str>, raw: &str) -> Option<String> {
    match configured {
        None | Some("") => Some("#".to_string()),
        Some(value) if value.eq_ignore_ascii_case("auto") => auto_comment(raw),
        Some(value) => Some(value.to_string()),
    }
}

/// With `core.commentChar = auto` git picks, per message, the first of these characters that
/// starts no line of it. The hook sees the message with git's comment block appended, so the
/// prefix is read back from the scissors line, else from the last line when it starts with one.
pub fn auto_comment(raw: &str) -> Option<String> {
    const CANDIDATES: &str = "#;@!$%^&|:";
    for line in raw.lines() {
        if let Some(rest) = line.strip_suffix(SCISSORS) {
            if !rest.is_empty() && rest.chars().count() == 2 && rest.ends_with(' ') {
                return Some(rest.trim_end().to_string());
            }
        }
    }
    let last = raw.lines().rev().find(|l| !l.trim().is_empty())?;
    let first = last.chars().next()?;
    (CANDIDATES.contains(first) && (last.len() == 1 || last[1..].starts_with(' '))).then(|| first.to_string())
}

/// The tail of git's scissors line, after the comment prefix and a space.
const SCISSORS: &str = "------------------------ >8 ------------------------";

/// The message as git will store it after the hook.
pub fn clean(raw: &str, cleanup: Cleanup, comment: Option<&str>) -> String {
    if cleanup == Cleanup::Verbatim {
        return raw.to_string();
    }
    let mut lines: Vec<&str> = Vec::new();
    for line in raw.lines() {
        if let Some(prefix) = comment {
            // Everything from the scissors line on is git's (the `commit -v` diff).
            if line.strip_prefix(prefix).and_then(|r| r.strip_prefix(' ')) == Some(SCISSORS) {
                break;
            }
            if cleanup == Cleanup::Strip && line.starts_with(prefix) {
                continue;
            }
        }
        lines.push(line.trim_end());
    }
    let mut out = String::new();
    let mut blank_run = false;
    for line in lines {
        if line.is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push('\n');
            blank_run = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Reads at most [`MAX_MESSAGE_BYTES`] of a message, as text.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(MAX_MESSAGE_BYTES)];
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_comments_scissors_and_blank_runs() {
        let raw = "\n\nSubject line  \n\n\n\nBody\n# Please enter the commit message\n#\n# ------------------------ >8 ------------------------\n# Do not modify or remove the line above.\ndiff --git a/x b/x\n+added\n";
        assert_eq!(clean(raw, Cleanup::Strip, Some("#")), "Subject line\n\nBody\n");
        assert_eq!(clean("# only comments\n\n", Cleanup::Strip, Some("#")), "");
        assert_eq!(clean("#123 keep\n", Cleanup::Whitespace, Some("#")), "#123 keep\n");
        assert_eq!(
            clean("a\n# x\n; ------------------------ >8 ------------------------\nb\n", Cleanup::Scissors, Some(";")),
            "a\n# x\n"
        );
        assert_eq!(clean(" a \n", Cleanup::Verbatim, Some("#")), " a \n");
    }

    #[test]
    fn comment_prefixes() {
        assert_eq!(comment_prefix(None, "x").as_deref(), Some("#"));
        assert_eq!(comment_prefix(Some(";"), "x").as_deref(), Some(";"));
        assert_eq!(comment_prefix(Some("//"), "x").as_deref(), Some("//"));
        assert_eq!(clean("a\n// c\n", Cleanup::Strip, Some("//")), "a\n");
        let auto = "#1 fix\n\n; Please enter\n; ------------------------ >8 ------------------------\n; diff\n";
        assert_eq!(comment_prefix(Some("auto"), auto).as_deref(), Some(";"));
        assert_eq!(comment_prefix(Some("auto"), "#1 fix\n\n; Please enter\n;\n").as_deref(), Some(";"));
        assert_eq!(comment_prefix(Some("auto"), "plain\n"), None);
    }

    #[test]
    fn the_default_cleanup_depends_on_the_editor() {
        assert_eq!(Cleanup::from_config(None, true), Cleanup::Strip);
        assert_eq!(Cleanup::from_config(Some("default"), false), Cleanup::Whitespace);
        assert_eq!(Cleanup::from_config(Some("Strip"), false), Cleanup::Strip);
        assert_eq!(Cleanup::from_config(Some("verbatim"), true), Cleanup::Verbatim);
        assert_eq!(Cleanup::from_config(Some("scissors"), false), Cleanup::Scissors);
        assert!(!edited_in_hook(Some(std::ffi::OsStr::new(":"))));
        assert!(edited_in_hook(Some(std::ffi::OsStr::new("vim"))) && edited_in_hook(None));
    }

    #[test]
    fn generated_and_autosquash_subjects() {
        assert!(is_generated("Merge branch 'feat/x' into main"));
        assert!(is_generated("Revert \"feat: add x\""));
        assert!(!is_generated("Mergeable things"));
        assert_eq!(without_autosquash("fixup! amend! feat: x"), "feat: x");
        assert!(is_autosquash("squash! feat: x") && !is_autosquash("feat: x"));
        let m = Message::new(None, "Subject\n\nBody line\n".into());
        assert_eq!(m.subject(), "Subject");
        assert_eq!(m.body().collect::<Vec<_>>(), [(2, ""), (3, "Body line")]);
    }
}
