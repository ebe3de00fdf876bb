//! The process groups a staged-mode run started, journaled so that recovery can make sure none
//! of them still writes (php-cs-fixer's parallel workers outlive a SIGKILLed ward) before it
//! puts files back.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// One line per process group: `<pgid> <start time of its leader>`; the first line is the
/// boot id, without which start times mean nothing.
pub const PROCESSES: &str = "processes";

/// How long recovery waits for killed processes to be gone.
const WAIT: Duration = Duration::from_secs(5);

/// Starts the record in `dir`: the boot id. Appends are not synced: a power cut ends the
/// processes too, and after a SIGKILL of ward the page cache still holds every line.
pub fn start(dir: &Path) -> std::io::Result<()> {
    fs::write(dir.join(PROCESSES), format!("{}\n", boot_id().unwrap_or_default()))
}

/// Records the group `pgid` (its leader has just been spawned).
pub fn record(dir: &Path, pgid: i32) {
    let Some(started) = stat(pgid).map(|s| s.start) else { return };
    if let Ok(mut file) = OpenOptions::new().append(true).open(dir.join(PROCESSES)) {
        let _ = writeln!(file, "{pgid} {started}");
    }
}

/// Kills whatever is left of the groups recorded in `dir` and waits until it is gone. A process
/// counts as ward's only when it is in a recorded group and started no earlier than that
/// group's leader did (and, if the leader itself is alive, when it is the very process
/// recorded), in this boot: a pid reused by someone else is never touched. Returns how many it
/// killed; an error when some of them would not go.
pub fn reap(dir: &Path) -> Result<usize, String> {
    let Ok(text) = fs::read_to_string(dir.join(PROCESSES)) else { return Ok(0) };
    let mut lines = text.lines();
    let boot = lines.next().unwrap_or_default();
    if boot.is_empty() || boot_id().as_deref() != Some(boot) {
        return Ok(0);
    }
    let groups: Vec<(i32, u64)> = lines
        .filter_map(|l| l.split_once(' '))
        .filter_map(|(pgid, start)| Some((pgid.parse().ok()?, start.parse().ok()?)))
        .collect();
    if groups.is_empty() {
        return Ok(0);
    }
    let ours = || -> Vec<i32> {
        let all = all_processes();
        // A group whose leader is alive but is not the process recorded is someone else's.
        let foreign = |pgid: i32, start: u64| all.iter().any(|p| p.pid == pgid && p.start != start);
        let groups: Vec<(i32, u64)> = groups.iter().copied().filter(|&(g, s)| !foreign(g, s)).collect();
        all.iter()
            .filter(|p| p.state != 'Z')
            .filter(|p| groups.iter().any(|&(pgid, start)| p.pgrp == pgid && p.start >= start))
            .map(|p| p.pid)
            .collect()
    };
    let found = ours();
    for &pid in &found {
        let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
    let deadline = Instant::now() + WAIT;
    loop {
        let left = ours();
        if left.is_empty() {
            return Ok(found.len());
        }
        if Instant::now() >= deadline {
            let pids: Vec<String> = left.iter().map(i32::to_string).collect();
            return Err(format!("processes a killed run started are still alive (pid {})", pids.join(", ")));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn boot_id() -> Option<String> {
    fs::read_to_string("/proc/sys/kernel/random/boot_id").ok().map(|s| s.trim().to_string())
}

/// What `/proc/<pid>/stat` says about one process.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    pid: i32,
    state: char,
    pgrp: i32,
    /// Clock ticks since boot.
    start: u64,
}

fn stat(pid: i32) -> Option<Stat> {
    parse_stat(pid, &fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Parses a stat line; the command name (in parentheses) may itself hold spaces and `)`.
fn parse_stat(pid: i32, line: &str) -> Option<Stat> {
    let rest = &line[line.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 3 (state), 5 (pgrp) and 22 (starttime) of proc(5), counted from after the name.
    Some(Stat {
        pid,
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
    })
}

fn all_processes() -> Vec<Stat> {
    let Ok(entries) = fs::read_dir("/proc") else { return Vec::new() };
    entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok()).filter_map(stat).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_lines_with_awkward_names() {
        let line = "4242 (php (worker) x) S 1 4200 4200 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        let stat = parse_stat(4242, line).expect("parsed");
        assert_eq!(stat, Stat { pid: 4242, state: 'S', pgrp: 4200, start: 987654 });
        assert!(parse_stat(1, "garbage").is_none());
    }

    #[test]
    fn this_process_is_found() {
        let me = stat(std::process::id() as i32).expect("own stat");
        assert!(me.start > 0);
    }

    #[test]
    fn a_record_from_another_boot_kills_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let me = stat(std::process::id() as i32).expect("own stat");
        fs::write(dir.path().join(PROCESSES), format!("not-this-boot\n{} {}\n", me.pgrp, 0)).expect("write");
        assert_eq!(reap(dir.path()), Ok(0));
    }
}
