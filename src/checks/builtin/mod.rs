//! The built-in checks (the pre-commit-hooks set), their options and the registry.
//!
//! INTERFACE CONTRACT (filled in by the built-ins work; the core calls exactly these):
//! - `BuiltinOptions`: every option key a `checks.toml` check table may carry for a built-in.
//! - `Builtin::from_options(name, &BuiltinOptions) -> Result<Builtin, OptionError>`.
//! - `Builtin::name()`, `Builtin::is_fixer()`, `Builtin::scope()`, `Builtin::describe()`.
//! - `engine::run_content(...)`, `engine::run_paths(...)`.

pub mod engine;
