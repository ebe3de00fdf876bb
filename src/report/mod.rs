//! Report formats: each a pure function from the report to bytes.

pub mod human;
pub mod json;
