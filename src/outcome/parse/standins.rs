//! Runs the fixtures/bin stand-ins on the fixture project and parses what they print.
