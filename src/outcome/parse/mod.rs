//! Parsers that turn a tool's output into diagnostics.
