//! Differential test against pre-commit-hooks itself: the same generated corpus through both,
//! comparing the bytes each fixer leaves and the set of files each check flags. Where ward
//! differs on purpose, the difference is asserted exactly (and written down in the README).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::common::*;

/// pre-commit-hooks' Python modules are importable here, or (in CI) the test fails.
fn pre_commit_hooks() -> bool {
    let ok = Command::new("python3").args(["-c", "import pre_commit_hooks"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "pre-commit-hooks is required in CI (.ci/run installs it)");
        eprintln!("SKIPPED: pre-commit-hooks is not installed (pip install pre-commit-hooks)");
    }
    ok
}

/// A deterministic corpus: every edge case by name, plus generated files with random defects.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("empty.txt".into(), b"".to_vec()),
        ("no-final-newline.txt".into(), b"one\ntwo".to_vec()),
        ("crlf.txt".into(), b"one  \r\ntwo\t\r\n".to_vec()),
        ("cr-only.txt".into(), b"one\rtwo\r".to_vec()),
        ("bom.txt".into(), b"\xef\xbb\xbfhello  \n".to_vec()),
        ("bom-only.txt".into(), b"\xef\xbb\xbf".to_vec()),
        ("only-newlines.txt".into(), b"\n\n\n".to_vec()),
        ("many-trailing-newlines.txt".into(), b"x\n\n\n\n".to_vec()),
        ("crlf-trailing-newlines.txt".into(), b"x\r\n\r\n\r\n".to_vec()),
        ("mixed-endings.txt".into(), b"a\r\nb\nc\r\nd\n".to_vec()),
        ("mixed-tie.txt".into(), b"a\r\nb\n".to_vec()),
        ("mixed-three.txt".into(), b"a\rb\r\nc\n".to_vec()),
        ("markdown.md".into(), b"hard break  \nnext line   \n\t\n  \nend\n".to_vec()),
        ("tabs.txt".into(), b"a\t\t\nb \t \n".to_vec()),
        ("non-utf8.txt".into(), b"caf\xe9  \nna\xefve\n".to_vec()),
        ("huge-line.txt".into(), [vec![b'x'; 1 << 20], b"   \n".to_vec()].concat()),
        ("vertical-tab.txt".into(), b"a\x0b\x0c \n".to_vec()),
        ("valid.json".into(), b"{\"a\": [1, 2, {\"b\": null}]}\n".to_vec()),
        ("invalid.json".into(), b"{\"a\": }\n".to_vec()),
        ("duplicate-keys.json".into(), b"{\"a\": 1, \"a\": 2}\n".to_vec()),
        ("empty.json".into(), b"".to_vec()),
        ("valid.yaml".into(), b"a: 1\nb:\n  - x\n  - y\n".to_vec()),
        ("invalid.yaml".into(), b"a: [1, 2\nb: 3\n".to_vec()),
        ("multi.yaml".into(), b"a: 1\n---\nb: 2\n".to_vec()),
        ("duplicate.yaml".into(), b"a: 1\na: 2\n".to_vec()),
        ("valid.xml".into(), b"<?xml version=\"1.0\"?>\n<root><a x=\"1\"/></root>\n".to_vec()),
        ("invalid.xml".into(), b"<root><a></root>\n".to_vec()),
        ("valid.toml".into(), b"[a]\nb = 1\n".to_vec()),
        ("invalid.toml".into(), b"[a\nb = \n".to_vec()),
        ("key.pem".into(), b"-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n".to_vec()),
        ("putty.ppk".into(), b"PuTTY-User-Key-File-2: ssh-rsa\n".to_vec()),
        ("conflict.txt".into(), b"a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> branch\n".to_vec()),
        ("diff3.txt".into(), b"<<<<<<< ours\nb\n||||||| base\na\n=======\nc\n>>>>>>> theirs\n".to_vec()),
        ("binary.bin".into(), b"\x00\x01\x02  \n\x00".to_vec()),
    ];
    let mut state: u64 = 0x5eed;
    let mut next = move |n: u64| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let words = ["alpha", "beta", "gamma", "delta", "<?php", "echo", "$x", "{", "}", "//", "#", "key:", "value"];
    for i in 0..150 {
        let ext = ["txt", "php", "md", "yaml", "json", "xml"][next(6) as usize];
        let cr_file = next(10) == 0;
        let mut body = Vec::new();
        for _ in 0..next(40) {
            for _ in 0..next(8) {
                body.extend_from_slice(words[next(words.len() as u64) as usize].as_bytes());
                body.push(b' ');
            }
            if next(2) == 0 {
                body.pop();
            }
            // Lone CRs only in a few files: they are where ward deliberately differs.
            let ending: &[u8] = match next(20) {
                0 if cr_file => b"\r",
                1..=4 => b"\r\n",
                5 | 6 => b" \n",
                7 => b"\t\r\n",
                _ => b"\n",
            };
            body.extend_from_slice(ending);
        }
        if next(4) == 0 {
            body.extend_from_slice(b"tail without newline");
        }
        if next(5) == 0 {
            body.extend_from_slice(b"\n\n\n");
        }
        if next(10) == 0 {
            body.splice(0..0, *b"\xef\xbb\xbf");
        }
        files.push((format!("gen/f{i:03}.{ext}"), body));
    }
    files
}

fn write_corpus(dir: &Path) {
    for (name, body) in corpus() {
        let path = dir.join(&name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, body).expect("write");
    }
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    corpus().into_iter().map(|(name, _)| (name.clone(), std::fs::read(dir.join(&name)).expect("read"))).collect()
}

/// Runs a pre-commit-hooks module over the files (as pre-commit would, text files only) and
/// returns the files its output names.
fn run_reference(dir: &Path, module: &str, args: &[&str], files: &[String]) -> BTreeSet<String> {
    let out = Command::new("python3")
        .arg("-m")
        .arg(format!("pre_commit_hooks.{module}"))
        .args(args)
        .args(files)
        .current_dir(dir)
        .output()
        .expect("python3");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    files.iter().filter(|f| names_file(&text, f)).cloned().collect()
}

/// True when `text` mentions `name` as a whole path (so `valid.json` is not found in `invalid.json`).
fn names_file(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || "_./-".contains(c)));
        boundary(before) && boundary(after)
    })
}

/// Runs one ward built-in over everything and returns the files it flagged or fixed.
fn run_ward(repo: &TestRepo, id: &str, options: &str, check: bool) -> BTreeSet<String> {
    repo.config(&format!("[checks.{id}]\nbuiltin = \"{id}\"\n{options}"));
    let mut args = vec!["--all", id];
    if check {
        args.push("--check");
    }
    let (_, report) = repo.ward_json(&args);
    let c = crate::common::check(&report, id);
    let mut flagged: BTreeSet<String> =
        c["modified_files"].as_array().expect("modified").iter().filter_map(|v| v.as_str().map(String::from)).collect();
    flagged.extend(
        c["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["severity"] == "error")
            .filter_map(|d| d["path"].as_str().map(String::from)),
    );
    flagged
}

/// Text files as pre-commit's `types: [text]` sees them (identify: no NUL byte in the head).
fn text_files(names: &[String], dir: &Path) -> Vec<String> {
    names.iter().filter(|n| !std::fs::read(dir.join(n)).expect("read").contains(&0)).cloned().collect()
}

struct Pair {
    ward: TestRepo,
    reference: tempfile::TempDir,
    names: Vec<String>,
}

fn pair() -> Pair {
    let ward = TestRepo::new();
    write_corpus(&ward.root);
    ward.commit("corpus");
    let reference = tempfile::tempdir().expect("tempdir");
    write_corpus(reference.path());
    // Some pre-commit-hooks modules ask git where they are.
    let init = Command::new("git").args(["init", "-q"]).current_dir(reference.path()).output().expect("git");
    assert!(init.status.success());
    let names = corpus().into_iter().map(|(n, _)| n).collect();
    Pair { ward, reference, names }
}

/// A fixer: both sides rewrite the same files to the same bytes.
fn same_fix(id: &str, module: &str, ref_args: &[&str], ward_options: &str, files_filter: impl Fn(&str) -> bool) {
    let p = pair();
    let names: Vec<String> = text_files(&p.names, p.reference.path()).into_iter().filter(|n| files_filter(n)).collect();
    let reference_flagged = run_reference(p.reference.path(), module, ref_args, &names);
    let mut toml = ward_options.to_string();
    if !toml.contains("files") {
        let globs: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        toml.push_str(&format!("files = [{}]\n", globs.join(", ")));
    }
    let ward_flagged = run_ward(&p.ward, id, &toml, false);
    let ours = snapshot(&p.ward.root);
    let theirs = snapshot(p.reference.path());
    for ((name, a), (_, b)) in ours.iter().zip(&theirs) {
        assert!(
            a == b,
            "{id}: {name} differs\nward:            {:?}\npre-commit-hooks: {:?}",
            String::from_utf8_lossy(a),
            String::from_utf8_lossy(b)
        );
    }
    assert_eq!(ward_flagged, reference_flagged, "{id}: the files each side changed");
}

#[test]
fn trailing_whitespace_matches_with_markdown_breaks_kept() {
    if !pre_commit_hooks() {
        return;
    }
    // Divergence: ward keeps Markdown hard breaks by default; pre-commit-hooks needs the flag.
    // Divergence: a lone CR is a line ending to ward, so CR-only files are compared apart.
    // Divergence: a lone CR is a line ending to ward (whitespace before it is trailing, and a
    // final CR is kept); pre-commit-hooks reads lines up to LF only, so files with a lone CR are
    // left out here and covered by ward's unit tests.
    let lone_cr: BTreeSet<String> = corpus()
        .into_iter()
        .filter(|(_, body)| body.iter().enumerate().any(|(i, &b)| b == b'\r' && body.get(i + 1) != Some(&b'\n')))
        .map(|(name, _)| name)
        .collect();
    assert!(lone_cr.contains("cr-only.txt") && lone_cr.len() < 120, "the corpus keeps most files comparable");
    same_fix("trailing-whitespace", "trailing_whitespace_fixer", &["--markdown-linebreak-ext=md"], "", |n| {
        !lone_cr.contains(n)
    });
}

#[test]
fn end_of_file_fixer_matches() {
    if pre_commit_hooks() {
        same_fix("end-of-file-fixer", "end_of_file_fixer", &[], "", |_| true);
    }
}

#[test]
fn mixed_line_ending_matches() {
    if pre_commit_hooks() {
        same_fix("mixed-line-ending", "mixed_line_ending", &[], "", |_| true);
    }
}

#[test]
fn mixed_line_ending_lf_matches() {
    if pre_commit_hooks() {
        same_fix("mixed-line-ending", "mixed_line_ending", &["--fix=lf"], "fix = \"lf\"\n", |_| true);
    }
}

#[test]
fn fix_byte_order_marker_matches() {
    if pre_commit_hooks() {
        same_fix("fix-byte-order-marker", "fix_byte_order_marker", &[], "", |_| true);
    }
}

/// A check: both sides flag the same files.
fn same_flags(
    id: &str,
    module: &str,
    ref_args: &[&str],
    ward_options: &str,
    filter: impl Fn(&str) -> bool,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let p = pair();
    let names: Vec<String> = text_files(&p.names, p.reference.path()).into_iter().filter(|n| filter(n)).collect();
    let reference = run_reference(p.reference.path(), module, ref_args, &names);
    let globs: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let ward =
        run_ward(&p.ward, id, &format!("{ward_options}files = [{}]\ntypes = [\"text\"]\n", globs.join(", ")), true);
    (ward, reference)
}

#[test]
fn check_json_flags_the_same_files() {
    if !pre_commit_hooks() {
        return;
    }
    let (ward, reference) = same_flags("check-json", "check_json", &[], "", |n| n.ends_with(".json"));
    assert_eq!(ward, reference);
    assert!(ward.contains("duplicate-keys.json") && ward.contains("invalid.json") && ward.contains("empty.json"));
}

#[test]
fn check_yaml_flags_the_same_files() {
    if !pre_commit_hooks() {
        return;
    }
    let (ward, reference) = same_flags("check-yaml", "check_yaml", &[], "", |n| n.ends_with(".yaml"));
    assert_eq!(ward, reference);
    let (ward, reference) = same_flags(
        "check-yaml",
        "check_yaml",
        &["--allow-multiple-documents"],
        "allow_multiple_documents = true\n",
        |n| n.ends_with(".yaml"),
    );
    assert_eq!(ward, reference);
}

#[test]
fn check_xml_flags_the_same_files() {
    if pre_commit_hooks() {
        let (ward, reference) = same_flags("check-xml", "check_xml", &[], "", |n| n.ends_with(".xml"));
        assert_eq!(ward, reference);
    }
}

#[test]
fn check_toml_flags_the_same_files() {
    if pre_commit_hooks() {
        let (ward, reference) = same_flags("check-toml", "check_toml", &[], "", |n| n.ends_with(".toml"));
        assert_eq!(ward, reference);
    }
}

#[test]
fn detect_private_key_flags_the_same_files() {
    if pre_commit_hooks() {
        let (ward, reference) = same_flags("detect-private-key", "detect_private_key", &[], "", |_| true);
        assert_eq!(ward, reference);
        assert!(ward.contains("key.pem") && ward.contains("putty.ppk"));
    }
}

#[test]
fn check_merge_conflict_flags_real_blocks_like_pre_commit_hooks() {
    if !pre_commit_hooks() {
        return;
    }
    let (ward, reference) =
        same_flags("check-merge-conflict", "check_merge_conflict", &["--assume-in-merge"], "", |_| true);
    // Divergence: pre-commit-hooks flags any line that starts with a marker; ward only a block.
    // On this corpus both find exactly the two real conflicts.
    assert_eq!(ward, reference);
    assert_eq!(ward, ["conflict.txt", "diff3.txt"].iter().map(|s| s.to_string()).collect());
}
