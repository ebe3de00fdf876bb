//! Exit codes: the contract with git hooks, CI and scripts, written down in one place.

use std::process::ExitCode;

/// How a `ward` invocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: every selected check passed or was skipped.
    Success,
    /// 1: at least one check failed or could not run; the commit is refused.
    Failure,
    /// 2: usage, configuration or environment error; no check ran.
    Error,
    /// 130: interrupted by Ctrl-C, SIGTERM or SIGHUP.
    Interrupted,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
            ExitStatus::Interrupted => 130,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status.code())
    }
}
