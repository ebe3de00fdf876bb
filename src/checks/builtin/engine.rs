//! STUB of the engine contract; replaced on merge.

use std::path::Path;

use super::Builtin;
use crate::outcome::Diagnostic;
use crate::repo::Repo;
use crate::select::{FileEntry, Selection};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Fix,
    Check,
}

pub struct Context<'a> {
    pub root: &'a Path,
    pub repo: Option<&'a Repo>,
    pub mode: Mode,
    pub selection: &'a Selection,
}

impl<'a> Context<'a> {
    pub fn new(root: &'a Path, repo: Option<&'a Repo>, mode: Mode, selection: &'a Selection) -> Self {
        Context { root, repo, mode, selection }
    }
}

#[derive(Clone, Debug, Default)]
pub struct CheckResult {
    pub diagnostics: Vec<Diagnostic>,
    pub modified: Vec<String>,
    pub error: Option<String>,
}

pub struct ContentTarget<'a> {
    pub file: &'a FileEntry,
    pub checks: Vec<usize>,
}

pub fn run_content(ctx: &Context, checks: &[&Builtin], targets: &[ContentTarget]) -> Vec<CheckResult> {
    let mut results = vec![CheckResult::default(); checks.len()];
    for t in targets {
        let Ok(mut buf) = std::fs::read(ctx.root.join(&t.file.rel)) else {
            continue;
        };
        let orig = buf.clone();
        for &i in &t.checks {
            if matches!(checks[i], Builtin::TrailingWhitespace) {
                let fixed: Vec<u8> = String::from_utf8_lossy(&buf)
                    .split_inclusive('\n')
                    .map(|l| {
                        let (body, nl) = l.strip_suffix('\n').map_or((l, ""), |b| (b, "\n"));
                        format!("{}{}", body.trim_end(), nl)
                    })
                    .collect::<String>()
                    .into_bytes();
                if fixed != buf {
                    results[i].modified.push(t.file.path.clone());
                    buf = fixed;
                }
            }
        }
        if buf != orig && ctx.mode == Mode::Fix {
            let _ = std::fs::write(ctx.root.join(&t.file.rel), &buf);
        }
    }
    results
}

pub fn run_paths(_ctx: &Context, _check: &Builtin, _files: &[&FileEntry]) -> CheckResult {
    CheckResult::default()
}
