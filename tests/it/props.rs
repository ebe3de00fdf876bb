//! Property tests: random bytes and mutated `checks.toml` files into the config loader, random
//! content into every built-in content scanner, random names into every name check. No panic; every bad config is an error with a
//! line and column; every fixer is idempotent. `PROPTEST_CASES=10000 cargo test --test it props`
//! runs more cases than the default.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};

use ward::checks::builtin::engine::{self, ContentTarget};
use ward::checks::builtin::{Builtin, BuiltinOptions, Scope, NAMES};
use ward::select::{self, Selection};

/// A few thousand cases in CI; `PROPTEST_CASES` asks for more (or fewer).
fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    // Failures are shrunk and printed; no regression files are written into the source tree.
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    }
}

/// Real configurations to mutate: the project's own and the embedded default.
fn seeds() -> Vec<Vec<u8>> {
    let own = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("checks.toml")).unwrap_or_default();
    vec![own, ward::config::DEFAULT_CONFIG.as_bytes().to_vec(), FULL.as_bytes().to_vec()]
}

const FULL: &str = r#"
[settings]
exclude = ["vendor/**"]
jobs = 4
fail_fast = false

[checks.ws]
builtin = "trailing-whitespace"
chars = " \t"
markdown_linebreak_ext = ["md"]

[checks.lint]
run = "php -l"
files = ["*.php"]
types = ["text"]
env = { A = "1", B = "two" }
timeout = "30s"
batch_size = 10
stages = ["pre-commit", "ci"]
format = "gcc"

[checks.stan]
uses = "phpstan"
args = ["--memory-limit=1G"]
"#;

/// Fragments that matter to a TOML parser, spliced in at random places.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ".",
    ",",
    "\"",
    "'",
    "\"\"\"",
    "\n",
    "\r\n",
    "#",
    "\\",
    "\\u0000",
    "\\U00000000",
    "\u{0}",
    "\u{1b}[2J",
    "checks.",
    "settings.",
    "run = \"x\"",
    "jobs = 999999999999",
    "builtin = \"nope\"",
    "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "\u{ff}",
    "é",
    "true",
    "-1",
    "1e999",
    "1979-05-27T07:32:00Z",
];

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    Byte(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Edit::Insert(at, t)),
        (any::<usize>(), 1usize..16).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Byte(at, b)),
    ]
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len();
        match *edit {
            Edit::Insert(at, t) => {
                let at = at % (len + 1);
                bytes.splice(at..at, TOKENS[t].bytes());
            }
            Edit::Delete(at, n) if len > 0 => {
                let at = at % len;
                bytes.drain(at..(at + n).min(len));
            }
            Edit::Byte(at, b) if len > 0 => bytes[at % len] = b,
            _ => {}
        }
    }
    bytes
}

/// Loads `bytes` as a checks.toml; a bad one must say where.
fn load(dir: &Path, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join("checks.toml");
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    match ward::config::load(Some(&path), Some(dir)) {
        Ok(_) => Ok(()),
        Err(err) if err.location.is_some() => {
            // The message shows in a terminal: one error, with its caret line.
            let shown = err.to_string();
            prop_assert_ok(!shown.is_empty(), "empty message")
        }
        Err(err) => Err(format!("no line and column: {err}")),
    }
}

fn prop_assert_ok(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what.to_string())
    }
}

proptest! {
    #![proptest_config(cases(1500))]

    #[test]
    fn mutated_configs_load_or_say_where(seed in 0usize..3, edits in prop::collection::vec(edit(), 1..8)) {
        let dir = tempfile::tempdir().expect("temp");
        let bytes = mutate(seeds()[seed].clone(), &edits);
        load(dir.path(), &bytes).map_err(|e| TestCaseError::fail(format!("{e}\nconfig: {:?}", String::from_utf8_lossy(&bytes))))?;
    }

    #[test]
    fn random_bytes_load_or_say_where(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().expect("temp");
        load(dir.path(), &bytes).map_err(TestCaseError::fail)?;
    }
}

/// Pieces that make the scanners work: line endings, whitespace, BOMs, markers, brackets.
const PIECES: &[&[u8]] = &[
    b" ",
    b"\t",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xef\xbb\xbf",
    b"<<<<<<< HEAD\n",
    b"=======\n",
    b">>>>>>> b\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"- ",
    b"key: value",
    b"<a>",
    b"</a>",
    b"<?xml version=\"1.0\"?>",
    b"a = 1",
    b"#!/bin/sh",
    b"-----BEGIN RSA PRIVATE KEY-----",
    b"\xff",
    b"\x00",
    b"\x0c",
    b"\xc3\xa9",
    b"text",
    b"  \n",
    b"\\",
    b"&amp;",
    b"!!python/object",
    b"---\n",
    b"...",
    b"\"\"\"",
    b"0x",
];

fn content() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(0..PIECES.len(), 0..40).prop_map(|ids| ids.iter().flat_map(|&i| PIECES[i].to_vec()).collect()),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ]
}

const NAMES_ON_DISK: &[&str] = &["f.txt", "f.json", "f.yaml", "f.xml", "f.toml", "f.md", "f.sh", "f.php"];

fn builtins() -> Vec<Builtin> {
    NAMES
        .iter()
        .filter_map(|name| Builtin::from_options(name, &BuiltinOptions::default()).ok())
        .filter(|b| b.scope() == Scope::Content)
        .collect()
}

/// Runs `checks` over the one file; returns whether any rewrote it.
fn run(root: &Path, rel: &str, checks: &[&Builtin], mode: engine::Mode) -> bool {
    let Some(file) = select::classify(root, Path::new(rel)) else { return false };
    let selection = Selection::All;
    let ctx = engine::Context::new(root, None, mode, &selection);
    let target = ContentTarget { file: &file, checks: (0..checks.len()).collect() };
    let results = engine::run_content(&ctx, checks, &[target]);
    results.iter().any(|r| !r.modified.is_empty())
}

fn fresh(dir: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(rel);
    std::fs::write(&path, bytes).expect("write");
    path
}

proptest! {
    #![proptest_config(cases(1000))]

    #[test]
    fn scanners_never_panic_and_fixers_are_idempotent(bytes in content(), name in 0..NAMES_ON_DISK.len()) {
        let dir = tempfile::tempdir().expect("temp");
        let rel = NAMES_ON_DISK[name];
        let all = builtins();
        let every: Vec<&Builtin> = all.iter().collect();
        let fixers: Vec<&Builtin> = all.iter().filter(|b| b.is_fixer()).collect();

        let path = fresh(dir.path(), rel, &bytes);
        run(dir.path(), rel, &every, engine::Mode::Check);
        prop_assert_eq!(std::fs::read(&path).expect("read"), bytes.clone(), "check mode wrote");

        // Every fixer together, as a hook runs them: the result settles. Composition depends on
        // order, as in pre-commit-hooks: on a file holding only a byte-order mark,
        // end-of-file-fixer adds a newline and fix-byte-order-marker then removes the mark,
        // leaving "\n" for the next run to empty. Each fixer alone is idempotent (below).
        for _ in 0..3 {
            run(dir.path(), rel, &fixers, engine::Mode::Fix);
        }
        let settled = std::fs::read(&path).expect("read");
        let again = run(dir.path(), rel, &fixers, engine::Mode::Fix);
        prop_assert!(!again, "fixing {:?} again changed it into {:?}", settled, std::fs::read(&path).expect("read"));
        prop_assert_eq!(std::fs::read(&path).expect("read"), settled);

        // And each fixer on its own, with one exception as in pre-commit-hooks: decoding as
        // utf-8-sig takes off one byte-order mark per run, so a file that starts with two loses
        // the second on the next run, and nothing else.
        for fixer in &fixers {
            fresh(dir.path(), rel, &bytes);
            run(dir.path(), rel, &[fixer], engine::Mode::Fix);
            let once = std::fs::read(&path).expect("read");
            let changed = run(dir.path(), rel, &[fixer], engine::Mode::Fix);
            let after = std::fs::read(&path).expect("read");
            if changed && fixer.name() == "fix-byte-order-marker" && once.starts_with(b"\xef\xbb\xbf") {
                prop_assert_eq!(&after[..], &once[3..]);
                continue;
            }
            prop_assert!(!changed, "{} is not idempotent on {:?}: {:?}", fixer.name(), bytes, once);
            prop_assert_eq!(after, once);
        }
    }
}

/// The case the property above found: two byte-order marks go one per run, as in pre-commit-hooks.
#[test]
fn two_byte_order_marks_go_one_per_run() {
    let dir = tempfile::tempdir().expect("temp");
    let bom = Builtin::from_options("fix-byte-order-marker", &BuiltinOptions::default()).expect("builtin");
    let path = fresh(dir.path(), "a.txt", b"\xef\xbb\xbf\xef\xbb\xbfx\n");
    assert!(run(dir.path(), "a.txt", &[&bom], engine::Mode::Fix));
    assert_eq!(std::fs::read(&path).expect("read"), b"\xef\xbb\xbfx\n");
    assert!(run(dir.path(), "a.txt", &[&bom], engine::Mode::Fix));
    assert_eq!(std::fs::read(&path).expect("read"), b"x\n");
    assert!(!run(dir.path(), "a.txt", &[&bom], engine::Mode::Fix));
}

#[test]
fn a_bad_config_from_the_property_tests_exits_2_through_the_binary() {
    // One of each kind the properties cover, through `ward validate`.
    let repo = crate::common::TestRepo::new();
    for bytes in [&b"[checks.a]\nrun = \"x\xff\"\n"[..], b"[checks\n", b"x = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"] {
        repo.write("checks.toml", bytes);
        let run = repo.ward(&["validate"]);
        run.code(2);
        assert!(run.stderr.contains("checks.toml:"), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

/// File names that matter to the name checks: case, reserved Windows names, dots, controls.
fn file_name() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("CON".to_string()),
        Just("aux.txt".to_string()),
        Just("A".to_string()),
        Just("a".to_string()),
        Just(".gitkeep".to_string()),
        Just("x.".to_string()),
        Just("é".to_string()),
        Just("É".to_string()),
        "[a-zA-Z0-9 .:*?<>|\\\\\u{0}-\u{1f}\u{7f}-\u{9f}ßİı]{1,12}",
    ];
    prop::collection::vec(part, 1..4).prop_map(|parts| parts.join("/"))
}

proptest! {
    #![proptest_config(cases(500))]

    #[test]
    fn name_checks_never_panic(names in prop::collection::vec(file_name(), 0..12)) {
        let dir = tempfile::tempdir().expect("temp");
        let files: Vec<select::FileEntry> = names
            .iter()
            .map(|name| select::FileEntry {
                rel: PathBuf::from(name),
                path: name.clone(),
                types: ward::select::identify::TagSet::empty(),
                size: name.len() as u64,
                stat: Default::default(),
            })
            .collect();
        let refs: Vec<&select::FileEntry> = files.iter().collect();
        let selection = Selection::All;
        let ctx = engine::Context::new(dir.path(), None, engine::Mode::Check, &selection);
        for builtin in NAMES.iter().filter_map(|n| Builtin::from_options(n, &BuiltinOptions::default()).ok()) {
            if builtin.scope() == Scope::Paths {
                let result = engine::run_paths(&ctx, &builtin, &refs);
                prop_assert!(result.modified.is_empty(), "{} wrote", builtin.name());
            }
        }
    }
}
