//! STUB of the parsers contract; replaced on merge.

use std::path::Path;

use super::Diagnostic;

#[derive(Clone, Debug)]
pub enum Format {
    Gcc,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["gcc"];
    pub fn from_config(format: Option<&str>, _regex: Option<&str>) -> Result<Option<Format>, String> {
        match format {
            None => Ok(None),
            Some("gcc") => Ok(Some(Format::Gcc)),
            Some(other) => Err(format!("unknown format `{other}`")),
        }
    }
}

pub fn parse(_format: &Format, _stdout: &[u8], _stderr: &[u8], _root: &Path) -> Vec<Diagnostic> {
    Vec::new()
}
