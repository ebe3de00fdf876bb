//! Trust at the edges, output side: forged CI commands, terminal control sequences, bounded
//! shards, jobs, time and memory, and configuration errors that point at the spot.

use std::os::unix::ffi::OsStrExt;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{Run, TestRepo, WARD};

/// The workflow commands the GitHub Actions runner would obey in `text`: `::name ...::` at the
/// start of a line (after spaces) and `##[name]` anywhere in one, except inside
/// `::stop-commands::TOKEN` ... `::TOKEN::`.
fn honoured(text: &str) -> Vec<String> {
    let mut stopped: Option<String> = None;
    let mut commands = Vec::new();
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r').trim_start();
        if let Some(token) = &stopped {
            if line == format!("::{token}::") {
                stopped = None;
            }
            continue;
        }
        if let Some(token) = line.strip_prefix("::stop-commands::") {
            commands.push(format!("::stop-commands::{token}"));
            stopped = Some(token.to_string());
        } else if line.starts_with("::") {
            commands.push(line.to_string());
        } else if let Some(i) = line.find("##[") {
            commands.push(line[i..].to_string());
        }
    }
    commands
}

/// Checks that every command the runner would obey is one of ward's own: an annotation, or a
/// stop-commands block with an unguessable token.
#[track_caller]
fn only_wards_commands(text: &str) -> Vec<String> {
    let commands = honoured(text);
    for command in &commands {
        if let Some(token) = command.strip_prefix("::stop-commands::") {
            assert!(token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit()), "token {token:?}\n{text}");
            continue;
        }
        assert!(
            command.starts_with("::error ") || command.starts_with("::warning ") || command.starts_with("::notice "),
            "a forged command would act: {command:?}\n{text}"
        );
        // `::error PROPERTIES::MESSAGE`: no property may be the forged one.
        let properties = command.split("::").nth(1).unwrap_or("");
        let properties = properties.split_once(' ').map_or("", |(_, p)| p);
        assert!(!properties.split(',').any(|p| p == "file=forged.php"), "a forged annotation: {command:?}\n{text}");
    }
    commands
}

fn hostile_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.config(
        r#"
[checks.trailing-whitespace]
builtin = "trailing-whitespace"

[checks.loud]
run = "./loud.sh"
pass_files = false
always_run = true
"#,
    );
    repo.script(
        "loud.sh",
        r#"printf '::error file=forged.php,line=1::FORGED by the tool\n'
printf '  ::add-mask::hunter2\n::stop-commands::guessed\n::error::after a guessed stop\n'
printf 'legacy ##[error]FORGED legacy\n'
exit 1"#,
    );
    let evil = "evil\n::error file=forged.php,line=1::FORGED";
    std::fs::write(repo.root.join(evil), "trailing   \n").expect("write");
    repo.commit("hostile");
    repo
}

#[test]
fn github_format_output_cannot_forge_commands() {
    let repo = hostile_repo();
    for in_actions in [false, true] {
        let mut cmd = repo.ward_cmd();
        cmd.args(["run", "--all", "--check", "--format", "github"]);
        if in_actions {
            cmd.env("GITHUB_ACTIONS", "true");
        }
        let run = Run::from(cmd.output().expect("run ward"));
        run.code(1);
        let own = only_wards_commands(&run.stdout);
        only_wards_commands(&run.stderr);
        // Interleaved as the runner may see them: still nothing forged.
        only_wards_commands(&format!("{}\n{}", run.stderr, run.stdout));
        assert!(
            own.iter().any(|c| c.starts_with("::error file=evil%0A%3A%3Aerror file=forged.php%2Cline=1%3A%3AFORGED,")),
            "the real finding is annotated with its name escaped: {own:#?}"
        );
        assert!(run.stderr.contains("::stop-commands::"), "the tool output is fenced:\n{}", run.stderr);
    }
}

#[test]
fn in_github_actions_every_format_stays_inert() {
    let repo = hostile_repo();
    for format in ["human", "junit", "checkstyle", "json", "sarif", "gitlab"] {
        let run = Run::from(
            repo.ward_cmd()
                .args(["run", "--all", "--check", "--format", format])
                .env("GITHUB_ACTIONS", "true")
                .output()
                .expect("run ward"),
        );
        run.code(1);
        let all = format!("{}\n{}", run.stdout, run.stderr);
        let commands = honoured(&all);
        assert!(
            commands.iter().all(|c| c.starts_with("::stop-commands::")),
            "{format}: commands would act: {commands:#?}\n{all}"
        );
    }
    // The machine reports still parse: JSON is not wrapped.
    let run = Run::from(
        repo.ward_cmd()
            .args(["run", "--all", "--check", "--format", "json"])
            .env("GITHUB_ACTIONS", "true")
            .output()
            .expect("run ward"),
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["checks"].as_array().map(Vec::len), Some(2));
}

fn has_control(text: &str) -> Option<char> {
    text.chars().find(|&c| c.is_control() && c != '\n' && c != '\t')
}

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let repo = TestRepo::new();
    repo.config(
        "[checks.trailing-whitespace]\nbuiltin = \"trailing-whitespace\"\n\n\
         [checks.noisy]\nname = \"noisy\\u001b[2J check\"\nrun = \"./noisy.sh\"\npass_files = false\nalways_run = true\n",
    );
    repo.script(
        "noisy.sh",
        r#"printf '\033[2Jcleared \033]8;;http://evil.example\007link\033]8;;\007 \033[31mred\033[0m\r\nover\rwritten\n'; exit 1"#,
    );
    let evil = "sub/a\u{1b}[2Jb\nnext line.txt";
    std::fs::create_dir_all(repo.root.join("sub")).expect("mkdir");
    std::fs::write(repo.root.join(evil), "x  \n").expect("write");
    repo.commit("hostile names");

    for color in ["never", "always"] {
        let run = repo.ward(&["run", "--all", "--check", "--color", color]);
        run.code(1);
        for text in [&run.stdout, &run.stderr] {
            let shown: String = text.replace("\u{1b}[", "").chars().filter(|&c| c != '\u{1b}').collect();
            assert!(!text.contains("\u{1b}[2J") && !text.contains("\u{1b}]"), "{color}: {text:?}");
            assert!(!text.contains('\r'), "{color}: {text:?}");
            if color == "never" {
                assert_eq!(has_control(text), None, "{text:?}");
            }
            let _ = shown;
        }
        let plain: String = strip_sgr(&run.stdout);
        assert!(plain.contains(r#""sub/a\033[2Jb\nnext line.txt""#), "{color}: the name on one line, quoted:\n{plain}");
        assert!(plain.contains(r#""noisy\033[2J check""#), "{color}: the check name quoted:\n{plain}");
        assert!(plain.contains("cleared link red"), "{color}: the tool's text is kept:\n{plain}");
        assert!(plain.contains("over\n") && plain.contains("written"), "{color}:\n{plain}");
        // Piped, the tool's colours are dropped even with --color always; ward's own may stay.
        assert!(!run.stdout.contains("\u{1b}[31mred"), "{color}: {:?}", run.stdout);
    }

    let list = repo.ward(&["list"]);
    list.code(0);
    assert_eq!(has_control(&list.stdout), None, "{:?}", list.stdout);
    assert!(list.stdout.contains(r#"(\"noisy\033[2J check\")"#) || list.stdout.contains(r#""noisy\033[2J check""#));
    let explain = repo.ward(&["explain", "noisy"]);
    explain.code(0);
    assert_eq!(has_control(&explain.stdout), None, "{:?}", explain.stdout);
}

fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn huge_shard_counts_are_empty_shards_not_allocations() {
    let repo = TestRepo::new();
    repo.config("[checks.trailing-whitespace]\nbuiltin = \"trailing-whitespace\"\n");
    repo.write("a.txt", "a\n").write("b.txt", "b\n").commit("two files");
    // One file per shard while there are shards enough: shard 1 of many has one, the last none.
    for (shard, expected) in
        [("1/18446744073709551615", 1), ("1/4294967296", 1), ("4294967296/4294967296", 0), ("4/4", 0)]
    {
        let started = Instant::now();
        let (run, report) = repo.ward_json(&["--all", "--shard", shard]);
        run.code(0);
        assert!(started.elapsed() < Duration::from_secs(20), "{shard}");
        let files: u64 =
            report["checks"].as_array().expect("checks").iter().filter_map(|c| c["files"].as_u64()).max().unwrap_or(0);
        assert_eq!(files, expected, "{shard}: {report:#}");
    }
    let shard_files = |shard: &str| {
        let (run, report) = repo.ward_json(&["--all", "--shard", shard]);
        run.code(0);
        crate::common::check(&report, "trailing-whitespace")["files"].as_u64().expect("files")
    };
    // Three files (checks.toml too) in two shards: all of them, each once.
    assert_eq!(shard_files("1/2") + shard_files("2/2"), 3);
    repo.ward(&["run", "--all", "--shard", "1/18446744073709551616"]).code(2);
}

#[test]
fn jobs_are_bounded_with_a_clear_error() {
    let repo = TestRepo::new();
    repo.config("[settings]\njobs = 99999999999\n\n[checks.a]\nrun = \"true\"\n");
    for args in [&["validate"][..], &["run", "--all"]] {
        let run = repo.ward(args);
        run.code(2);
        run.stderr_has("checks.toml:2:8: `jobs` is 99999999999; at most 256");
    }
    repo.config("[settings]\njobs = 256\n\n[checks.a]\nrun = \"true\"\n");
    repo.ward(&["validate"]).code(0);
    let run = repo.ward(&["run", "--all", "-j", "100000"]);
    run.code(2);
    run.stderr_has("100000 is not in 0..=256");
    repo.ward(&["run", "--all", "-j", "256"]).code(0);
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit(')').next().map(|rest| rest.trim_start().to_string()))
        .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X'))
}

/// The pids in `[ward: stopped N processes ...: sleep (pid 123), ...]`.
fn stopped_pids(text: &str) -> Vec<u32> {
    text.split("(pid ").skip(1).filter_map(|rest| rest.split(')').next()?.parse().ok()).collect()
}

#[test]
fn a_timeout_bounds_the_run_whatever_descendants_do() {
    let repo = TestRepo::new();
    repo.config(
        r#"
[checks.escapes]
run = "sh -c 'setsid sleep 27 & sleep 1000'"
timeout = "2s"
pass_files = false
always_run = true

[checks.lingers]
run = "sh -c 'sleep 28 & echo printed'"
pass_files = false
always_run = true
"#,
    );
    repo.write("a.txt", "a\n").commit("one");
    let started = Instant::now();
    let (run, report) = repo.ward_json(&["--all", "-j", "2"]);
    let took = started.elapsed();
    run.code(1);
    assert!(took < Duration::from_secs(10), "took {took:?}: {report:#}");
    let escapes = crate::common::check(&report, "escapes");
    assert_eq!(escapes["status"], "error");
    assert!(escapes["reason"].as_str().is_some_and(|r| r.contains("timed out after 2s")), "{escapes:#}");
    let lingers = crate::common::check(&report, "lingers");
    assert_eq!(lingers["status"], "passed", "{lingers:#}");
    for check in [escapes, lingers] {
        let output = check["output"].as_str().expect("output");
        assert!(output.contains("[ward: stopped "), "leftovers are reported: {output}");
        let pids = stopped_pids(output);
        assert!(!pids.is_empty(), "{output}");
        std::thread::sleep(Duration::from_millis(200));
        for pid in pids {
            assert!(!alive(pid), "pid {pid} still runs: {output}");
        }
    }
    assert!(lingers["output"].as_str().is_some_and(|o| o.contains("printed")));
    let warned = lingers["diagnostics"].as_array().expect("diagnostics").iter().any(|d| {
        d["severity"] == "warning" && d["message"].as_str().is_some_and(|m| m.contains("left running: sleep (pid "))
    });
    assert!(warned, "the leftovers are a warning people see: {lingers:#}");
}

/// Runs `cmd` under python3 and returns its exit code and peak resident memory in MB.
fn peak_mb(cmd: &mut Command) -> (i32, u64) {
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut measure = Command::new("python3");
    measure.arg("-c").arg(
        "import resource,subprocess,sys\n\
         r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n\
         print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
    );
    measure.arg(program).args(args);
    if let Some(dir) = cmd.get_current_dir() {
        measure.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => measure.env(k, v),
            None => measure.env_remove(k),
        };
    }
    let out = measure.output().expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    let code = words.next().and_then(|w| w.parse().ok()).expect("code");
    let kb: u64 = words.next().and_then(|w| w.parse().ok()).expect("maxrss");
    (code, kb / 1024)
}

#[test]
fn a_tool_printing_500_mb_costs_bounded_memory() {
    let repo = TestRepo::new();
    repo.config(
        r#"
[checks.loud]
run = "sh -c 'yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -c 500000000; echo LAST LINE; exit 1'"
pass_files = false
always_run = true
"#,
    );
    repo.write("a.txt", "a\n").commit("one");
    let json = repo.temp().join("r.json");
    let junit = repo.temp().join("r.xml");
    let mut cmd = repo.ward_cmd();
    cmd.args(["run", "--all"])
        .arg("--output")
        .arg(format!("json={}", json.display()))
        .arg("--output")
        .arg(format!("junit={}", junit.display()));
    let (code, mb) = peak_mb(&mut cmd);
    assert_eq!(code, 1);
    assert!(mb < 150, "peak {mb} MB");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parse");
    let output = crate::common::check(&report, "loud")["output"].as_str().expect("output").to_string();
    assert!(output.len() < 20_000_000, "{}", output.len());
    assert!(output.contains("of output left out here"), "the cut is said");
    assert!(output.trim_end().ends_with("LAST LINE"), "the end is kept");
    assert!(std::fs::metadata(&junit).expect("junit").len() < 20_000_000);
}

#[test]
fn change_detection_streams_and_stats_first() {
    let repo = TestRepo::new();
    repo.config(
        r#"
[checks.touch-one]
run = "./touch-one.sh"
batch_size = 1
"#,
    );
    // Appends to big-2.bin only; the other files are left alone.
    repo.script("touch-one.sh", r#"for f in "$@"; do case "$f" in *big-2.bin) printf x >> "$f";; esac; done"#);
    repo.commit("tool");
    let mut files = Vec::new();
    for i in 0..4 {
        let name = format!("big-{i}.bin");
        let file = std::fs::File::create(repo.root.join(&name)).expect("create");
        // Sparse: a gigabyte that costs no disk.
        file.set_len(1 << 30).expect("truncate");
        // Not just written: a file modified in the last seconds is hashed whatever its size.
        file.set_modified(std::time::SystemTime::now() - Duration::from_secs(60)).expect("mtime");
        files.push(name);
    }
    let mut cmd = repo.ward_cmd();
    let json = repo.temp().join("r.json");
    cmd.args(["run", "-j", "4", "--output"]).arg(format!("json={}", json.display())).arg("--files").args(&files);
    let started = Instant::now();
    let (code, mb) = peak_mb(&mut cmd);
    assert_eq!(code, 1, "the check modified a file");
    assert!(mb < 150, "peak {mb} MB");
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parse");
    let check = crate::common::check(&report, "touch-one");
    assert_eq!(check["modified_files"], serde_json::json!(["big-2.bin"]), "{check:#}");
    assert_eq!(check["files"], 4);
}

#[test]
fn config_errors_point_at_line_and_column() {
    let repo = TestRepo::new();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"[checks.a]\nrun = \"\xe9cho\"\n".to_vec(), "checks.toml:2:8: invalid UTF-8"),
        (
            format!("[checks.a]\nrun = \"true\"\nx{} = 1\n", ".a".repeat(300)).into_bytes(),
            "checks.toml:3:1: nested too deeply",
        ),
        (format!("[{}b]\n", "a.".repeat(300)).into_bytes(), "checks.toml:1:1: nested too deeply"),
        (b"[checks.a]\nrun = \"echo \\u0000x\"\n".to_vec(), "checks.toml:2:13: `run` contains a NUL"),
        (
            b"[checks.a]\nrun = \"echo\"\nenv = { A = \"x\\u0000\" }\n".to_vec(),
            "checks.toml:3:15: `env` contains a NUL",
        ),
        (b"[checks.a]\nrun = \"echo\"\n[checks.a.env]\n\"B\\u0000\" = \"x\"\n".to_vec(), "`env` contains a NUL"),
    ];
    for (config, expected) in cases {
        repo.write("checks.toml", &config);
        for args in [&["validate"][..], &["run", "--all"]] {
            let run = repo.ward(args);
            run.code(2);
            run.stderr_has(expected);
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        }
    }
}

#[test]
fn a_name_with_a_newline_stays_one_line_in_the_guide() {
    let repo = TestRepo::new();
    repo.config("[checks.trailing-whitespace]\nbuiltin = \"trailing-whitespace\"\n");
    let name = std::ffi::OsStr::from_bytes(b"two\nlines.txt");
    std::fs::write(repo.root.join(name), "x \n").expect("write");
    repo.commit("one");
    let run = repo.ward(&["run", "--all", "--check"]);
    run.code(1);
    assert!(run.stdout.contains(r#""two\nlines.txt""#), "{}", run.stdout);
    assert!(!run.stdout.lines().any(|l| l.starts_with("lines.txt")), "{}", run.stdout);
    let _ = WARD;
}

#[test]
fn on_a_terminal_with_colour_only_the_tools_colours_pass() {
    let repo = TestRepo::new();
    repo.config("[checks.noisy]\nrun = \"./noisy.sh\"\npass_files = false\nalways_run = true\n");
    repo.script(
        "noisy.sh",
        r#"printf '\033[2J\033[31mred\033[0m \033]8;;http://evil.example\007link\033]8;;\007 \033[5;1H\033]0;title\007\n'; exit 1"#,
    );
    repo.commit("noisy");
    // `script` gives ward a pseudo-terminal, as a person's terminal would.
    let out = Command::new("script")
        .args(["-qec", &format!("'{WARD}' run --all"), "/dev/null"])
        .current_dir(&repo.root)
        .env("CI", "true")
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env("HOME", repo.temp())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script (util-linux) runs ward under a pty");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\u{1b}[31mred\u{1b}[0m"), "the tool's colour passes on a terminal: {text:?}");
    for bad in ["\u{1b}[2J", "\u{1b}]8;", "\u{1b}[5;1H", "\u{1b}]0;"] {
        assert!(!text.contains(bad), "{bad:?} reached the terminal: {text:?}");
    }
    assert!(text.contains("link"), "{text:?}");
}

#[test]
fn a_tool_reporting_too_many_findings_keeps_the_first_and_counts_the_rest() {
    let repo = TestRepo::new();
    repo.config(
        r#"
[checks.many]
run = "sh -c 'yes src/a.php:12:3: error: something is wrong | head -c 2000000; exit 1'"
pass_files = false
always_run = true
format = "gcc"
"#,
    );
    repo.write("a.txt", "a\n").commit("one");
    let (run, report) = repo.ward_json(&["--all"]);
    run.code(1);
    let diagnostics = crate::common::check(&report, "many")["diagnostics"].as_array().expect("diagnostics").clone();
    assert_eq!(diagnostics.len(), 5001);
    let last = diagnostics.last().expect("note");
    assert_eq!(last["severity"], "error");
    assert!(
        last["message"].as_str().is_some_and(|m| m.contains("more findings were left out: ward keeps the first 5000")),
        "{last:#}"
    );
}
