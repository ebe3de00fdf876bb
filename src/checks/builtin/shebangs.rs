//! check-executables-have-shebangs and check-shebang-scripts-are-executable.

use super::engine::Context;
use super::sink::Sink;
use crate::repo::index::mode_is_executable;
use crate::select::identify::Tag;
use crate::select::FileEntry;

/// Whether `file` is executable for check-executables-have-shebangs: the index decides when
/// `core.fileMode` is false (the file system's bits mean nothing there), else the file system.
pub(crate) fn counts_as_executable(ctx: &Context, file: &FileEntry) -> bool {
    if ctx.core_file_mode() {
        return file.types.contains(Tag::EXECUTABLE);
    }
    matches!(ctx.index_mode(&file.rel), Ok(Some(mode)) if mode_is_executable(mode))
}

/// Whether `file` will be committed executable: its index mode, or the file system for a file
/// git does not track yet.
fn staged_executable(ctx: &Context, file: &FileEntry) -> bool {
    match ctx.index_mode(&file.rel) {
        Ok(Some(mode)) => mode_is_executable(mode),
        _ => file.types.contains(Tag::EXECUTABLE),
    }
}

/// The file is known to be executable (see `counts_as_executable`); it must start with `#!`.
pub(crate) fn check_has_shebang(ctx: &Context, buf: &[u8], sink: &mut Sink) {
    if buf.starts_with(b"#!") {
        return;
    }
    let path = quote(sink.path());
    let message = if ctx.core_file_mode() {
        format!(
            "is executable but has no shebang: run `chmod -x {path}` or `git add --chmod=-x {path}`, \
             or add a `#!` line"
        )
    } else {
        format!(
            "is executable in the index but has no shebang: run `git add --chmod=-x {path}` \
             (core.fileMode is false, so the index decides), or add a `#!` line"
        )
    };
    sink.error(1, None, message);
}

pub(crate) fn check_is_executable(ctx: &Context, file: &FileEntry, buf: &[u8], sink: &mut Sink) {
    if !buf.starts_with(b"#!") || staged_executable(ctx, file) {
        return;
    }
    let path = quote(sink.path());
    let message = format!(
        "has a shebang but is not executable: run `chmod +x {path} && git add --chmod=+x {path}`, \
         or remove the `#!` line if it is not meant to be run"
    );
    sink.error(1, None, message);
}

/// The path as a shell word, so a suggested command can be pasted as is.
fn quote(path: &str) -> String {
    shlex::try_quote(path).map_or_else(|_| path.to_string(), |q| q.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_paths_for_the_shell() {
        assert_eq!(quote("bin/run"), "bin/run");
        assert_eq!(quote("bin/my script"), "'bin/my script'");
    }
}
