//! Report formats: each a pure function from the report to bytes.

pub mod checkstyle;
mod common;
#[cfg(test)]
mod fixture;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod merge;
pub mod sarif;
