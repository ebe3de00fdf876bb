//! Runs built-in checks: content checks with one read per file, path checks once per run.
