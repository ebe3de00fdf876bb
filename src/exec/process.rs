//! Child processes: spawning in their own process group, timeouts, and stopping them on signals.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

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
}

/// Runs `cmd` to completion with both streams captured, in its own process group so that a
/// timeout or a signal stops the whole tree it started.
pub fn run(mut cmd: Command, timeout: Option<Duration>) -> std::io::Result<Finished> {
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
    let stderr = child.stderr.take();
    let stderr_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut s) = stderr {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let mut stdout = Vec::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_end(&mut stdout);
    }
    let status = child.wait();
    let stderr = stderr_reader.join().unwrap_or_default();
    let timed_out = {
        let mut guard = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
        guard.get_or_insert_with(HashMap::new).remove(&id).is_some_and(|r| r.timed_out)
    };
    let status = status?;
    Ok(Finished { code: status.code(), signal: status.signal(), stdout, stderr, timed_out })
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
