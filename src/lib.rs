//! `ward`: a config-driven pre-commit and CI check runner.

pub mod checks;
pub mod outcome;
pub mod repo;
pub mod report;
pub mod select;
