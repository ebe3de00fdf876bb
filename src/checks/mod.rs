//! Checks `ward` runs in-process.

pub mod builtin;
