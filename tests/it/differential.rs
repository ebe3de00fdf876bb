//! Differential test against pre-commit-hooks and identify themselves: a generated corpus of
//! adversarial files (encodings, control bytes around the first KiB, line-ending mixes, every
//! whitespace, odd names, parser edge cases, shebang and executable-bit combinations) goes
//! through both; the tags of every file, the files every check flags and the bytes every fixer
//! leaves must be the same. Where ward differs on purpose (README: "Where ward differs from
//! pre-commit-hooks"), the comparison leaves exactly those cases out, and says why.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::*;

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/differential/reference.py");

/// pre-commit-hooks and identify are importable here, or (in CI) the test fails.
fn reference_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import pre_commit_hooks, identify"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "pre-commit-hooks and identify are required in CI (.ci/run)");
        eprintln!("SKIPPED: pip install pre-commit-hooks identify");
    }
    ok
}

/// One generated file.
#[derive(Clone)]
struct Case {
    name: String,
    bytes: Vec<u8>,
    executable: bool,
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Every ASCII whitespace character and some non-ASCII spaces (UTF-8).
const SPACES: &[&[u8]] = &[
    b" ",
    b"\t",
    b"\x0b",
    b"\x0c",
    b"  ",
    b" \t ",
    "\u{a0}".as_bytes(),
    "\u{2003}".as_bytes(),
    "\u{3000}".as_bytes(),
    "\u{85}".as_bytes(),
];
const ENDINGS: &[&[u8]] = &[b"\n", b"\r\n", b"\r"];
const WORDS: &[&str] =
    &["alpha", "beta", "<?php", "echo $x;", "{", "}", "// note", "# head", "key: value", "é", "日本"];

/// Names: plain and upper-case extensions, double extensions, no extension, special names.
const NAMES: &[&str] = &[
    "a.txt",
    "b.md",
    "c.json",
    "d.yaml",
    "e.yml",
    "f.xml",
    "g.toml",
    "h.php",
    "i.sh",
    "j.py",
    "k.js",
    "l.css",
    "m.scss",
    "n.csv",
    "o.svg",
    "p.JSON",
    "q.YAML",
    "r.XML",
    "s.TOML",
    "t.Md",
    "u.PHP",
    "v.json.bak",
    "w.tar.gz",
    "phpunit.xml.dist",
    "services.yaml.dist",
    "x.min.js",
    "noext",
    ".hidden",
    "trailing.",
    "a..b",
    "Dockerfile",
    "Dockerfile.prod",
    "Makefile",
    ".bashrc",
    "README",
    "LICENSE",
    "Pipfile.lock",
    "composer.lock",
    "composer.json",
    ".editorconfig",
    ".gitattributes",
    "phpstan.neon",
    "CHANGELOG",
    "x.plist",
    "y.xlf",
    "z.jsonc",
    "deploy",
    "run",
    "bin.exe",
    "img.png",
];

const JSON_CASES: &[&str] = &[
    "{\"a\": 1}\n",
    "[1, 2,]\n",
    "{\"a\": NaN}\n",
    "[Infinity, -Infinity, -0, 1e400, 1E-2]\n",
    "{\"a\": 1, \"a\": 2}\n",
    "{\"x\": {\"b\": 1, \"b\": 2}}\n",
    "{\"\\u0061\": 1, \"a\": 2}\n",
    "[\"\\ud800\", \"\\udc00\\ud800\"]\n",
    "[01]\n",
    "[-]\n",
    "[.5]\n",
    "[1.]\n",
    "{} {}\n",
    "",
    " \n\t\r\n",
    "\x0c{}\n",
    "{\"a\": \"tab\there\"}\n",
    "[true, false, null]\n",
    "[True]\n",
    "{'a': 1}\n",
    "\"\x7f\"\n",
    "{\"a\" : 1 }   \n",
    "[1, 2]\n// comment\n",
    "{\"a\": \"\\x41\"}\n",
    "{\"a\": \"\\u00e9\\/\"}\n",
    "[-Infinity, NaN]",
    "[nan]\n",
    "1\n",
];

const YAML_CASES: &[&str] = &[
    "a: 1\n",
    "a: [1, 2\n",
    "a: 1\na: 2\n",
    "---\na: 1\n---\nb: 2\n",
    "a:\n\tb: 1\n",
    "a: b: c\n",
    "key: \"unterminated\n",
    "a:\n  b: 1\n c: 2\n",
    "a: \"\x01\"\n",
    "a: x\x7fy\n",
    "a: \u{9f}\n",
    "!!python/object:os.system {}\n",
    "a: !custom x\n",
    "a: !!binary aGVsbG8=\n",
    "s: !!set {x, y}\n",
    "{a: 1, a: 2}\n",
    "a: 1\n...\n",
    "%YAML 1.2\n---\na: 1\n",
    "%YAML 2.0\n---\na: 1\n",
    "a: @b\n",
    "a: 'it''s'\n",
    "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",
    "a: 1\t\n",
    "a:\t1\n",
    "a: |\n  text\n\tmore\n",
    "",
    "---\n",
    "1: a\n1: b\n",
    "1: a\n\"1\": b\n",
    "null: a\n~: b\n",
    "? [a, b]\n: c\n",
    "- a\n- b\n c\n",
    "a: &x 1\nb: *y\n",
    "a: \"\\e\\x41\\u00e9\"\n",
    "a: \"\\q\"\n",
    "\ta: 1\n",
    "a: 1 # comment\x0b\n",
    "a:\n  - b\n  -c\n",
    "a: {b: [1, 2], c: 'd'}\n",
    "---\n---\n",
];

const TOML_CASES: &[&str] = &[
    "a = 1\n",
    "a = \"\\e\"\n",
    "a = \"\\x41\"\n",
    "t = {a = 1,\n b = 2}\n",
    "t = {a = 1,}\n",
    "d = 1979-05-27T07:32Z\n",
    "t = 07:32\n",
    "a = 1\na = 2\n",
    "[t]\n[t]\n",
    "a = 0x_1\n",
    "a = 1__0\n",
    "a = nan\nb = +inf\nc = -0.0\n",
    "a = 'lit'\nb = \"\"\"multi\nline\"\"\"\n",
    "a = \"\\u00e9\\U0001F600\"\n",
    "a = \"tab\there\"\n",
    "a = \"ctrl\x01\"\n",
    "a = 1 # comment\x01\n",
    "a = 1 # comment\x7f\n",
    "a = 1979-05-27\nb = 07:32:00\nc = 1979-05-27 07:32:00\n",
    "\"\" = 1\n",
    "a.b = 1\na.b.c = 2\n",
    "[[a]]\n[a]\n",
    "a = 1\r\n",
    "a = 1\rb = 2\n",
    "a = [1, \"x\"]\n",
    "a = [\n  1,\n  2,\n]\n",
    "a = 01\n",
    "a = 1_000\nb = 3.14_15\n",
    "a = 1e\n",
    "a = true\nb = false\n",
    "a = TRUE\n",
    "",
    "# only a comment\n",
    "[a.b]\nc = 1\n[a]\nd = 2\n",
    "a = \"\"\"\\\n  x\"\"\"\n",
    "a = \"\\ \"\n",
    "key with space = 1\n",
    "a = 1979-05-27T07:32:00.123456789Z\n",
    "a = 1979-05-27T25:00:00Z\n",
];

const XML_CASES: &[&str] = &[
    "<a/>\n",
    "<a>\n",
    "<a></b>\n",
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>\n",
    "<a>&foo;</a>\n",
    "<!DOCTYPE a [<!ENTITY e \"x\">]>\n<a>&e;</a>\n",
    "<a b=\"1\" b=\"2\"/>\n",
    "<a>\x01</a>\n",
    "<a/><b/>\n",
    "<a/>text\n",
    "",
    "  \n",
    " <?xml version=\"1.0\"?><a/>\n",
    "<a><!-- a -- b --></a>\n",
    "<a><![CDATA[<x>]]></a>\n",
    "<a xmlns:x=\"u\"><x:b/></a>\n",
    "<x:b/>\n",
    "<a>&#0;</a>\n",
    "<a>&#x1F600;&amp;&lt;</a>\n",
    "<a b='1'>\r\n</a>\r\n",
    "<a b=1/>\n",
    "<?xml version=\"1.1\"?><a>&#1;</a>\n",
    "<a>\u{fffe}</a>\n",
    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a>caf\u{e9}</a>\n",
    "<?xml version=\"1.0\" encoding=\"latin-9\"?><a/>\n",
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>\n",
    "<a><?pi x?></a>\n",
    "<a></a >\n",
    "< a/>\n",
];

/// Shebang lines, from plain to hostile.
const SHEBANGS: &[&[u8]] = &[
    b"#!/bin/sh\n",
    b"#!/usr/bin/env bash\n",
    b"#!/usr/bin/env python3.11\n",
    b"#!/usr/bin/env -S php -d memory_limit=1G\n",
    b"#! /usr/bin/perl -w\n",
    b"#!nix-shell\n#! nix-shell -i python3 -p python3\n",
    b"#!\n",
    b"#!/usr/bin/env\n",
    b"#!/bin/caf\xc3\xa9\n",
    b"#!\"/opt/my tools/ruby\"\n",
    b"#!/bin/sh 'unterminated\n",
    b"#!/usr/local/bin/node\r\n",
    b" #!/bin/sh\n",
    b"#!/bin/zsh\x00\n",
    b"#!php8\n",
];

fn text_body(rng: &mut Rng) -> Vec<u8> {
    let mut body = Vec::new();
    let lines = rng.below(12);
    for _ in 0..lines {
        for _ in 0..rng.below(5) {
            body.extend_from_slice(rng.pick(WORDS).as_bytes());
            if !rng.chance(3) {
                body.push(b' ');
            }
        }
        if rng.chance(2) {
            body.extend_from_slice(rng.pick(SPACES));
        }
        body.extend_from_slice(if rng.chance(3) { rng.pick(ENDINGS) } else { b"\n" });
    }
    if rng.chance(4) {
        // Line endings and whitespace at the very start.
        let mut start = rng.pick(ENDINGS).to_vec();
        start.extend_from_slice(rng.pick(SPACES));
        body.splice(0..0, start);
    }
    match rng.below(6) {
        0 => body.extend_from_slice(b"tail without newline"),
        1 => body.extend_from_slice(rng.pick(&[&b"\n\n\n"[..], b"\r\n\r\n", b"\r\r", b"\n\r\n\r", b"  \n \n"])),
        2 => body.extend_from_slice(rng.pick(SPACES)),
        _ => {}
    }
    body
}

/// Re-encodes UTF-8 text: UTF-16/32 with or without BOM, Latin-1, broken UTF-8.
fn encode(rng: &mut Rng, text: &[u8]) -> Vec<u8> {
    let s = String::from_utf8_lossy(text);
    let utf16 = |be: bool| -> Vec<u8> {
        s.encode_utf16().flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
    };
    let utf32 = |be: bool| -> Vec<u8> {
        s.chars().flat_map(|c| if be { (c as u32).to_be_bytes() } else { (c as u32).to_le_bytes() }).collect()
    };
    match rng.below(11) {
        0 => [&b"\xef\xbb\xbf"[..], text].concat(),
        1 => [&b"\xff\xfe"[..], &utf16(false)].concat(),
        2 => [&b"\xfe\xff"[..], &utf16(true)].concat(),
        3 => utf16(false),
        4 => [&b"\xff\xfe\x00\x00"[..], &utf32(false)].concat(),
        5 => utf32(true),
        6 => s.chars().map(|c| if (c as u32) < 256 { c as u8 } else { b'?' }).chain(*b"caf\xe9\n").collect(),
        7 => [text, b"\xff\xfe\xc3(\n"].concat(),
        8 => [&b"\xef\xbb\xbf\xff"[..], text].concat(),
        9 => [&b"\xef\xbb\xbf\xef\xbb\xbf"[..], text].concat(),
        _ => [text, "\u{2028}\u{feff}".as_bytes()].concat(),
    }
}

/// NUL and other control bytes before or after the first KiB.
fn control_bytes(rng: &mut Rng, text: &[u8]) -> Vec<u8> {
    let byte = rng.pick(&[0u8, 1, 0x7f, 0x1b, 0x08, 0x0e, 0x1f]);
    let mut body = text.to_vec();
    if rng.chance(2) {
        body.resize(1024 + rng.below(8), b'x');
        body.extend_from_slice(b" \n");
        // Just before or just after the 1024th byte.
        let at = rng.pick(&[1023usize, 1024, 1025]);
        body.insert(at.min(body.len()), byte);
    } else {
        body.insert(rng.below(body.len() + 1), byte);
    }
    body
}

fn corpus(seed: u64) -> Vec<Case> {
    let mut rng = Rng(seed.wrapping_mul(0x9e3779b97f4a7c15) ^ 0x5eed);
    let mut cases = Vec::new();
    for i in 0..220 {
        let name = rng.pick(NAMES);
        let lower = name.to_ascii_lowercase();
        let parsed = |ext: &str| lower.ends_with(ext) || lower.contains(&format!("{ext}."));
        let mut executable = rng.chance(8);
        let mut bytes = match rng.below(10) {
            0..=3 if parsed(".json") || name == "composer.lock" => rng.pick(JSON_CASES).as_bytes().to_vec(),
            0..=3 if parsed(".yaml") || parsed(".yml") => rng.pick(YAML_CASES).as_bytes().to_vec(),
            0..=3 if parsed(".toml") => rng.pick(TOML_CASES).as_bytes().to_vec(),
            0..=3 if parsed(".xml") || parsed(".xlf") || parsed(".svg") => rng.pick(XML_CASES).as_bytes().to_vec(),
            0 | 1 => {
                executable = !rng.chance(3);
                [rng.pick(SHEBANGS).to_vec(), text_body(&mut rng)].concat()
            }
            _ => text_body(&mut rng),
        };
        match rng.below(8) {
            0 => bytes = encode(&mut rng, &bytes),
            1 => bytes = control_bytes(&mut rng, &bytes),
            _ => {}
        }
        cases.push(Case { name: format!("s{seed}/{i:03}/{name}"), bytes, executable });
    }
    cases
}

fn write_corpus(dir: &Path, cases: &[Case]) {
    for case in cases {
        let path = dir.join(&case.name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &case.bytes).expect("write");
        let mode = if case.executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
}

/// A hook of pre-commit-hooks and the ward built-in that stands for it.
struct Hook {
    id: &'static str,
    module: &'static str,
    args: &'static [&'static str],
    /// The hook's `types` in pre-commit-hooks' manifest.
    types: &'static [&'static str],
    ward_options: &'static str,
    fixer: bool,
}

const HOOKS: &[Hook] = &[
    // Divergence (README): ward keeps Markdown hard breaks by default; compared with the option set.
    Hook {
        id: "trailing-whitespace",
        module: "trailing_whitespace_fixer",
        args: &["--markdown-linebreak-ext=md"],
        types: &["text"],
        ward_options: "markdown_linebreak_ext = [\"md\"]\n",
        fixer: true,
    },
    Hook {
        id: "end-of-file-fixer",
        module: "end_of_file_fixer",
        args: &[],
        types: &["text"],
        ward_options: "",
        fixer: true,
    },
    Hook {
        id: "mixed-line-ending",
        module: "mixed_line_ending",
        args: &[],
        types: &["text"],
        ward_options: "",
        fixer: true,
    },
    Hook {
        id: "fix-byte-order-marker",
        module: "fix_byte_order_marker",
        args: &[],
        types: &["text"],
        ward_options: "",
        fixer: true,
    },
    Hook { id: "check-json", module: "check_json", args: &[], types: &["json"], ward_options: "", fixer: false },
    Hook { id: "check-yaml", module: "check_yaml", args: &[], types: &["yaml"], ward_options: "", fixer: false },
    Hook { id: "check-xml", module: "check_xml", args: &[], types: &["xml"], ward_options: "", fixer: false },
    Hook { id: "check-toml", module: "check_toml", args: &[], types: &["toml"], ward_options: "", fixer: false },
    Hook {
        id: "detect-private-key",
        module: "detect_private_key",
        args: &[],
        types: &["text"],
        ward_options: "",
        fixer: false,
    },
    Hook {
        id: "check-executables-have-shebangs",
        module: "check_executables_have_shebangs",
        args: &[],
        types: &["text", "executable"],
        ward_options: "",
        fixer: false,
    },
    Hook {
        id: "check-shebang-scripts-are-executable",
        module: "check_shebang_scripts_are_executable",
        args: &[],
        types: &["text"],
        ward_options: "",
        fixer: false,
    },
];

/// What the reference said: identify's tags per file and the files each hook failed on.
struct Reference {
    tags: BTreeMap<String, Vec<String>>,
    flagged: BTreeMap<String, BTreeSet<String>>,
}

fn run_reference(dir: &Path, cases: &[Case], hooks: &[&Hook]) -> Reference {
    let files: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    let hooks: Vec<serde_json::Value> = hooks
        .iter()
        .map(|h| {
            let prefix = format!("{}/", group(h));
            serde_json::json!({"id": h.id, "module": h.module, "args": h.args, "types": h.types, "prefix": prefix})
        })
        .collect();
    let request = serde_json::json!({"files": files, "hooks": hooks});
    let mut child = Command::new("python3")
        .arg(REFERENCE)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    serde_json::to_writer(child.stdin.take().expect("stdin"), &request).expect("request");
    let out = child.wait_with_output().expect("reference");
    assert!(out.status.success(), "reference failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("reference output");
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().expect("array").iter().map(|s| s.as_str().expect("str").to_string()).collect()
    };
    Reference {
        tags: v["tags"].as_object().expect("tags").iter().map(|(k, t)| (k.clone(), strings(t))).collect(),
        flagged: v["flagged"]
            .as_object()
            .expect("flagged")
            .iter()
            .map(|(k, f)| (k.clone(), strings(f).into_iter().collect()))
            .collect(),
    }
}

/// A git repository holding the corpus, as pre-commit would run in it (index modes = file modes).
fn corpus_repo(cases: &[Case]) -> TestRepo {
    let repo = TestRepo::new();
    write_corpus(&repo.root, cases);
    repo.commit("corpus");
    repo
}

/// The directory of the corpus a hook works on: each fixer has its own copy (fixers rewrite
/// files), the read-only checks share one.
fn group(hook: &Hook) -> &'static str {
    if hook.fixer {
        hook.id
    } else {
        "checks"
    }
}

/// The corpus once per group, so that one repository and one run of each side cover every hook.
fn grouped(cases: &[Case], hooks: &[&Hook]) -> Vec<Case> {
    let groups: BTreeSet<&str> = hooks.iter().map(|h| group(h)).collect();
    groups
        .into_iter()
        .flat_map(|g| cases.iter().map(move |c| Case { name: format!("{g}/{}", c.name), ..c.clone() }))
        .collect()
}

/// The files each ward built-in flagged or fixed, per check id; each hook sees its group only.
fn run_ward(repo: &TestRepo, hooks: &[&Hook], check: bool) -> BTreeMap<String, BTreeSet<String>> {
    let mut toml = String::from("[settings]\nexclude = [\"checks.toml\"]\n");
    for hook in hooks {
        toml.push_str(&format!(
            "[checks.{}]\nbuiltin = \"{}\"\nfiles_regex = '^{}/'\n{}",
            hook.id,
            hook.id,
            group(hook),
            hook.ward_options
        ));
        if hook.id == "check-merge-conflict" {
            toml.push_str("assume_in_merge = true\n");
        }
    }
    repo.config(&toml);
    let mut args = vec!["--all"];
    if check {
        args.push("--check");
    }
    let (_, report) = repo.ward_json(&args);
    hooks
        .iter()
        .map(|hook| {
            let c = crate::common::check(&report, hook.id);
            let mut flagged: BTreeSet<String> = c["modified_files"]
                .as_array()
                .expect("modified")
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            flagged.extend(
                c["diagnostics"]
                    .as_array()
                    .expect("diagnostics")
                    .iter()
                    .filter(|d| d["severity"] == "error")
                    .filter_map(|d| d["path"].as_str().map(String::from)),
            );
            (hook.id.to_string(), flagged)
        })
        .collect()
}

/// Files ward treats differently on purpose for `hook` (README), left out of its comparison.
fn deliberate(hook: &str, case: &Case) -> bool {
    if documented_addition(&case.name) {
        // Tagged beyond identify (`*.X.dist`, `.neon`, `composer.lock`): pre-commit would not
        // hand these files to the same hooks.
        return true;
    }
    let lone_cr = case.bytes.iter().enumerate().any(|(i, &b)| b == b'\r' && case.bytes.get(i + 1) != Some(&b'\n'));
    match hook {
        // A lone CR is a line ending to ward.
        "trailing-whitespace" => lone_cr,
        // ward accepts a UTF-8 BOM in TOML (fix-byte-order-marker removes it).
        "check-toml" => case.bytes.starts_with(b"\xef\xbb\xbf"),
        _ => false,
    }
}

/// The additions to identify's tags that ward documents.
fn documented_addition(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    let dist = base.strip_suffix(".dist").is_some_and(|stem| stem.trim_start_matches('.').contains('.'));
    dist || base.ends_with(".neon") || base == "composer.lock"
}

fn differential(seed: u64) {
    if !reference_available() {
        return;
    }
    let hooks: Vec<&Hook> = HOOKS.iter().collect();
    let cases = grouped(&corpus(seed), &hooks);
    let repo = corpus_repo(&cases);
    // The reference works on its own copy, a git repository too (some hooks ask git for modes).
    let reference_repo = corpus_repo(&cases);
    let reference = run_reference(&reference_repo.root, &cases, &hooks);
    let mut failures = Vec::new();

    // identify's tags against `ward identify`, file by file.
    let names: Vec<&str> = cases.iter().filter(|c| c.name.starts_with("checks/")).map(|c| c.name.as_str()).collect();
    let mut identify_args = vec!["identify", "--json"];
    identify_args.extend(&names);
    let out = repo.ward(&identify_args);
    let ours: BTreeMap<String, Vec<String>> = serde_json::from_str(&out.stdout).expect("ward identify --json");
    for name in names.iter().filter(|n| !documented_addition(n)) {
        if ours.get(*name) != reference.tags.get(*name) {
            failures.push(format!(
                "tags of {name}: ward {:?}, identify {:?}",
                ours.get(*name),
                reference.tags.get(*name)
            ));
        }
    }

    let ward = run_ward(&repo, &hooks, false);
    for hook in &hooks {
        let own: Vec<Case> =
            cases.iter().filter(|c| c.name.starts_with(&format!("{}/", group(hook)))).cloned().collect();
        compare_flags(hook, &own, &ward[hook.id], &reference.flagged[hook.id], &mut failures);
        if !hook.fixer {
            continue;
        }
        // Fixers: the same bytes left in every file.
        for case in own.iter().filter(|c| !deliberate(hook.id, c)) {
            let a = std::fs::read(repo.root.join(&case.name)).expect("read");
            let b = std::fs::read(reference_repo.root.join(&case.name)).expect("read");
            if a != b {
                failures.push(format!(
                    "{}: {} left different bytes\n  input:            {:?}\n  ward:             {:?}\n  pre-commit-hooks: {:?}",
                    hook.id,
                    case.name,
                    String::from_utf8_lossy(&case.bytes),
                    String::from_utf8_lossy(&a),
                    String::from_utf8_lossy(&b)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "seed {seed}: {} differences\n{}", failures.len(), failures.join("\n"));
}

fn compare_flags(
    hook: &Hook,
    cases: &[Case],
    ward: &BTreeSet<String>,
    reference: &BTreeSet<String>,
    out: &mut Vec<String>,
) {
    for case in cases.iter().filter(|c| !deliberate(hook.id, c)) {
        let (a, b) = (ward.contains(&case.name), reference.contains(&case.name));
        if a != b {
            out.push(format!(
                "{}: {} flagged by {} only; content {:?}",
                hook.id,
                case.name,
                if a { "ward" } else { "pre-commit-hooks" },
                String::from_utf8_lossy(&case.bytes)
            ));
        }
    }
}

#[test]
fn seed_1() {
    differential(1);
}

#[test]
fn seed_2() {
    differential(2);
}

#[test]
fn seed_3() {
    differential(3);
}

/// The fixed cases every run covers, whatever the seed: each parser edge case in its own file.
#[test]
fn every_parser_edge_case() {
    if !reference_available() {
        return;
    }
    let mut cases = Vec::new();
    for (ext, list) in [("json", JSON_CASES), ("yaml", YAML_CASES), ("toml", TOML_CASES), ("xml", XML_CASES)] {
        for (i, body) in list.iter().enumerate() {
            cases.push(Case {
                name: format!("edge/{ext}/{i:02}.{ext}"),
                bytes: body.as_bytes().to_vec(),
                executable: false,
            });
        }
    }
    for (i, shebang) in SHEBANGS.iter().enumerate() {
        for executable in [true, false] {
            let name = format!("edge/sh/{i:02}-{}", if executable { "x" } else { "plain" });
            cases.push(Case { name, bytes: [shebang, &b"echo hi\n"[..]].concat(), executable });
        }
    }
    let checks: Vec<&Hook> = HOOKS.iter().filter(|h| !h.fixer).collect();
    let cases = grouped(&cases, &checks);
    let repo = corpus_repo(&cases);
    let reference = run_reference(&repo.root, &cases, &checks);
    let ward = run_ward(&repo, &checks, true);
    let mut failures = Vec::new();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    let mut identify_args = vec!["identify", "--json"];
    identify_args.extend(&names);
    let ours: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&repo.ward(&identify_args).stdout).expect("ward identify --json");
    for name in &names {
        if ours.get(*name) != reference.tags.get(*name) {
            failures.push(format!(
                "tags of {name}: ward {:?}, identify {:?}",
                ours.get(*name),
                reference.tags.get(*name)
            ));
        }
    }
    for hook in &checks {
        compare_flags(hook, &cases, &ward[hook.id], &reference.flagged[hook.id], &mut failures);
    }
    assert!(failures.is_empty(), "{} differences\n{}", failures.len(), failures.join("\n"));
}
