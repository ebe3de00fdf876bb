//! Integration tests: the real `ward` binary against real git repositories in temporary directories.

mod common;

mod builtins;
mod cache;
mod ci;
mod cli;
mod config_errors;
mod deptrac_captured;
mod differential;
mod edges_fs;
mod edges_out;
mod hooks;
mod identify_filters;
mod import;
mod import_equivalence;
mod message_hooks;
mod messages;
mod php_presets;
mod props;
mod running;
mod safe;
mod selection;
mod symfony_bugs;
mod tools;
mod ux;
