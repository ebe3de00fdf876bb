//! Child processes: spawning in their own process group, timeouts, and stopping them on signals.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use super::capture::{self, Capture};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
static CHILDREN: Mutex<Option<HashMap<u64, Running>>> = Mutex::new(None);
static WATCHDOG: Once = Once::new();

/// Told the process group of every tool as it starts (staged mode journals them).
pub type SpawnHook = Box<dyn Fn(i32) + Send + Sync>;
static SPAWN_HOOK: Mutex<Option<SpawnHook>> = Mutex::new(None);

/// Sets (or, with `None`, clears) the hook told of every process group `run` starts.
pub fn on_spawn(hook: Option<SpawnHook>) {
    *SPAWN_HOOK.lock().unwrap_or_else(|e| e.into_inner()) = hook;
}

/// How long a stopped tool gets to exit after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

struct Running {
    pgid: Pid,
    deadline: Option<Instant>,
    terminated_at: Option<Instant>,
    timed_out: bool,
}

/// True once SIGINT, SIGTERM or SIGHUP arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Routes SIGINT, SIGTERM and SIGHUP to "stop every child and let the run unwind"; the
/// caller then restores what it must and exits 130. A second signal kills the children at once.
pub fn install_signal_handlers() -> std::io::Result<()> {
    // Once per process: a second listener would take one Ctrl-C for the second and kill at once.
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    thread::Builder::new().name("ward-signals".into()).spawn(move || {
        for _ in signals.forever() {
            let again = INTERRUPTED.swap(true, Ordering::SeqCst);
            signal_all(if again { Signal::SIGKILL } else { Signal::SIGTERM });
            start_watchdog();
        }
    })?;
    Ok(())
}

fn signal_all(signal: Signal) {
    let mut guard = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
    for child in guard.get_or_insert_with(HashMap::new).values_mut() {
        // The group may be gone already; nothing to do then.
        let _ = killpg(child.pgid, signal);
        child.terminated_at.get_or_insert_with(Instant::now);
    }
}

/// What a finished process left.
#[derive(Debug)]
pub struct Finished {
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
    /// Processes the tool left running after it exited (`name (pid N)`), which ward killed.
    pub leftovers: Vec<String>,
}

/// How long output is still read after the tool itself exited: a background child that keeps
/// the pipe open must not hold the run.
const READ_GRACE: Duration = Duration::from_millis(500);

/// Runs `cmd` to completion with both streams captured, in its own process group so that a
/// timeout or a signal stops the whole tree it started.
///
/// The run ends when the tool exits (and its output is read, or [`READ_GRACE`] has passed) or
/// when its timeout stops it, whatever its descendants do: those still alive then, in its
/// process group or holding its output pipes, are killed and named in `leftovers`.
///
/// `stdout_head` is how much of standard output is kept from its start (see [`Capture`]):
/// more for a tool whose report is parsed, which needs the whole document.
pub fn run(mut cmd: Command, timeout: Option<Duration>, stdout_head: usize) -> std::io::Result<Finished> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
    // A tool must not outlive a ward that was killed outright (SIGKILL gives ward no chance to
    // stop it): the next run restores the working tree, and a fixer still writing would undo that.
    // SAFETY: the closure runs in the child between fork and exec and only calls prctl(2), which
    // is async-signal-safe; it touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from));
    }
    if interrupted() {
        return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted"));
    }
    let mut child = cmd.spawn()?;
    let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
    let pgid = Pid::from_raw(child.id() as i32);
    if let Some(hook) = SPAWN_HOOK.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        hook(pgid.as_raw());
    }
    {
        let mut guard = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
        guard.get_or_insert_with(HashMap::new).insert(
            id,
            Running { pgid, deadline: timeout.map(|t| Instant::now() + t), terminated_at: None, timed_out: false },
        );
    }
    if interrupted() {
        let _ = killpg(pgid, Signal::SIGTERM);
    }
    if timeout.is_some() || interrupted() {
        start_watchdog();
    }
    let mut pipes = Vec::new();
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(16);
    let stdout = child.stdout.take().map(|s| (pipe_inode(&s), Box::new(s) as Box<dyn Read + Send>));
    let stderr = child.stderr.take().map(|s| (pipe_inode(&s), Box::new(s) as Box<dyn Read + Send>));
    for (n, stream) in [stdout, stderr].into_iter().enumerate() {
        let Some((inode, stream)) = stream else { continue };
        pipes.push(inode);
        let tx = tx.clone();
        // Detached: a reader blocked on a pipe that a stray process holds ends when ward kills
        // that process, or with ward.
        thread::Builder::new().name("ward-output".into()).spawn(move || read_into(stream, n, &tx))?;
    }
    drop(tx);
    let mut captured = [Capture::new(stdout_head, capture::TAIL), Capture::new(capture::HEAD, capture::TAIL)];
    let mut exited: Option<(std::process::ExitStatus, Instant)> = None;
    let mut leftovers = Vec::new();
    let mut reaped_strays = false;
    loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok((n, chunk)) => captured[n].push(&chunk),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if exited.is_none() {
            if let Some(status) = child.try_wait()? {
                exited = Some((status, Instant::now()));
            }
        }
        if let Some((_, at)) = exited {
            if !reaped_strays && at.elapsed() >= READ_GRACE {
                // Whatever still holds the pipes is not the tool: stop it, then take what is
                // already on its way and stop reading.
                leftovers.extend(kill_strays(pgid, &pipes));
                reaped_strays = true;
            } else if reaped_strays && at.elapsed() >= READ_GRACE * 2 {
                break;
            }
        }
    }
    let status = match exited {
        Some((status, _)) => status,
        None => child.wait()?,
    };
    if !reaped_strays {
        leftovers.extend(kill_strays(pgid, &[]));
    }
    let timed_out = {
        let mut guard = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
        guard.get_or_insert_with(HashMap::new).remove(&id).is_some_and(|r| r.timed_out)
    };
    let [stdout, stderr] = captured;
    Ok(Finished {
        code: status.code(),
        signal: status.signal(),
        stdout: stdout.into_bytes(),
        stderr: stderr.into_bytes(),
        timed_out,
        leftovers,
    })
}

fn read_into(mut stream: Box<dyn Read + Send>, n: usize, tx: &std::sync::mpsc::SyncSender<(usize, Vec<u8>)>) {
    let mut buf = vec![0; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(len) => {
                if tx.send((n, buf[..len].to_vec())).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// The inode of a pipe, to find the processes that hold its other end.
fn pipe_inode(fd: &impl std::os::fd::AsFd) -> Option<u64> {
    nix::sys::stat::fstat(fd.as_fd()).ok().map(|st| st.st_ino)
}

/// Kills the processes left in the tool's group or holding its pipes (`pipes`: their inodes),
/// and names them. Cheap when there are none: one signal-0 probe, no `/proc` walk.
fn kill_strays(pgid: Pid, pipes: &[Option<u64>]) -> Vec<String> {
    let pipes: Vec<u64> = pipes.iter().flatten().copied().collect();
    let group_alive = killpg(pgid, None).is_ok();
    if !group_alive && pipes.is_empty() {
        return Vec::new();
    }
    let me = std::process::id();
    let mut killed = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return killed };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Some((name, group)) = stat(pid) else { continue };
        let in_group = group_alive && group == pgid.as_raw();
        if (in_group || holds_pipe(pid, &pipes))
            && nix::sys::signal::kill(Pid::from_raw(pid as i32), Signal::SIGKILL).is_ok()
        {
            killed.push(format!("{name} (pid {pid})"));
        }
    }
    killed
}

/// A live process's command name and process group, from `/proc/PID/stat`.
fn stat(pid: u32) -> Option<(String, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid pgrp ...`; the name may hold spaces and parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_string();
    let mut fields = text.get(close + 1..)?.split_whitespace();
    let state = fields.next()?;
    let _ppid = fields.next()?;
    let group = fields.next()?.parse().ok()?;
    // A zombie is already dead: it holds no pipe and needs no signal.
    (state != "Z" && state != "X").then_some((name, group))
}

fn holds_pipe(pid: u32, pipes: &[u64]) -> bool {
    if pipes.is_empty() {
        return false;
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).ok().and_then(|target| {
            let target = target.to_str()?.strip_prefix("pipe:[")?.strip_suffix(']')?.parse::<u64>().ok()?;
            Some(pipes.contains(&target))
        }) == Some(true)
    })
}

/// Kills children past their deadline, and escalates to SIGKILL for those that ignore SIGTERM.
fn start_watchdog() {
    WATCHDOG.call_once(|| {
        let _ = thread::Builder::new().name("ward-watchdog".into()).spawn(|| loop {
            thread::sleep(Duration::from_millis(20));
            let now = Instant::now();
            let mut guard = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
            for child in guard.get_or_insert_with(HashMap::new).values_mut() {
                if child.terminated_at.is_none() && child.deadline.is_some_and(|d| now >= d) {
                    child.timed_out = true;
                    child.terminated_at = Some(now);
                    let _ = killpg(child.pgid, Signal::SIGTERM);
                } else if child.terminated_at.is_some_and(|t| now >= t + GRACE) {
                    let _ = killpg(child.pgid, Signal::SIGKILL);
                }
            }
        });
    });
}
