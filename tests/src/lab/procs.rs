//! Host-side process handling: liveness through /proc, the processes that
//! live in a network namespace, signals, running commands with a deadline,
//! and the spawner thread whose exit kills the nodes it started.

use std::io::{self, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::Output;

/// A process identified by pid and its start time (clock ticks since boot,
/// field 22 of /proc/PID/stat), which tells it from a later process that
/// reuses the pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcId {
    pub pid: u32,
    pub start: u64,
}

impl ProcId {
    /// Identify the running process `pid`.
    pub fn of(pid: u32) -> Option<ProcId> {
        let (_, start) = stat(pid)?;
        Some(ProcId { pid, start })
    }

    /// Running (not gone, not a zombie, not a new process with its pid).
    pub fn alive(&self) -> bool {
        matches!(stat(self.pid), Some((st, start)) if st != 'Z' && st != 'X' && start == self.start)
    }

    /// Send `sig`; a process that is gone is not an error.
    pub fn signal(&self, sig: Signal) {
        if self.alive() {
            let _ = kill(Pid::from_raw(self.pid as i32), sig);
        }
    }
}

/// State letter and start time of `pid`.
fn stat(pid: u32) -> Option<(char, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // comm is in parentheses and may hold spaces: parse after the last ')'.
    let rest = &s[s.rfind(')')? + 1..];
    let mut f = rest.split_whitespace();
    let state = f.next()?.chars().next()?;
    // rest starts at field 3 (state); start time is field 22.
    let start = f.nth(18)?.parse().ok()?;
    Some((state, start))
}

/// Children of `pid` (needs CONFIG_PROC_CHILDREN; falls back to a scan).
pub fn children(pid: u32) -> Vec<u32> {
    if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) {
        return s
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
    }
    all_pids()
        .into_iter()
        .filter(|&p| parent(p) == Some(pid))
        .collect()
}

fn parent(pid: u32) -> Option<u32> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Inode of a namespace file (`/run/netns/NAME` or `/proc/PID/ns/net`).
pub fn ns_inode(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.ino())
}

/// Every process whose network namespace has inode `ino`.
pub fn pids_in_netns(ino: u64) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|p| {
            std::fs::read_link(format!("/proc/{p}/ns/net"))
                .ok()
                .is_some_and(|l| l.to_string_lossy() == format!("net:[{ino}]"))
        })
        .collect()
}

/// SIGKILL everything in the network namespace `ino` until nothing is
/// left (or `deadline` passes). Returns what was still there at the end.
pub fn kill_netns(ino: u64, deadline: Duration) -> Vec<u32> {
    let end = Instant::now() + deadline;
    loop {
        let pids = pids_in_netns(ino);
        let live: Vec<u32> = pids
            .into_iter()
            .filter(|&p| ProcId::of(p).is_some_and(|id| id.alive()))
            .collect();
        if live.is_empty() || Instant::now() >= end {
            return live;
        }
        for &p in &live {
            let _ = kill(Pid::from_raw(p as i32), Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait until `id` is gone, reaping it through `child` when we own it.
pub fn wait_gone(id: ProcId, child: Option<&mut Child>, timeout: Duration) -> bool {
    let end = Instant::now() + timeout;
    let mut child = child;
    loop {
        if let Some(c) = child.as_deref_mut() {
            if matches!(c.try_wait(), Ok(Some(_)) | Err(_)) {
                return true;
            }
        } else if !id.alive() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Run `cmd` to completion, or kill it after `timeout`; capture output.
/// `None` on timeout (the process was killed).
pub fn output_with_timeout(
    mut cmd: Command,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
) -> io::Result<Option<Output>> {
    use std::io::Write;
    use std::os::unix::process::ExitStatusExt;

    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let reader = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = reader(child.stdout.take().map(|s| Box::new(s) as _));
    let err = reader(child.stderr.take().map(|s| Box::new(s) as _));
    let end = Instant::now() + timeout;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break Some(st);
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let join = |h: JoinHandle<Vec<u8>>| h.join().unwrap_or_default();
    let (stdout, stderr) = (join(out), join(err));
    Ok(status.map(|st| Output {
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        code: st.code().unwrap_or_else(|| 128 + st.signal().unwrap_or(0)),
    }))
}

type SpawnJob = (Command, mpsc::Sender<io::Result<Child>>);

/// A thread that spawns processes and lives as long as its owner (the lab).
/// Processes started through `setpriv --pdeathsig KILL` die when the thread
/// that forked them exits, which is this one, not whichever test thread
/// asked; so an aborted test run takes its nodes with it.
pub struct Spawner {
    tx: Option<mpsc::Sender<SpawnJob>>,
    thread: Option<JoinHandle<()>>,
}

impl Spawner {
    pub fn new() -> Spawner {
        let (tx, rx) = mpsc::channel::<SpawnJob>();
        let thread = std::thread::Builder::new()
            .name("atrium-lab-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .ok();
        Spawner {
            tx: Some(tx),
            thread,
        }
    }

    /// Spawn `cmd` from the spawner thread (or here if it could not start).
    pub fn spawn(&self, mut cmd: Command) -> io::Result<Child> {
        let (Some(tx), Some(_)) = (&self.tx, &self.thread) else {
            return cmd.spawn();
        };
        let (rtx, rrx) = mpsc::channel();
        tx.send((cmd, rtx))
            .map_err(|_| io::Error::other("lab spawner thread is gone"))?;
        rrx.recv()
            .map_err(|_| io::Error::other("lab spawner thread is gone"))?
    }
}

impl Default for Spawner {
    fn default() -> Self {
        Spawner::new()
    }
}

impl Drop for Spawner {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive_and_identified() {
        let me = ProcId::of(std::process::id()).expect("own stat");
        assert!(me.alive());
        let other = ProcId {
            pid: me.pid,
            start: me.start + 1,
        };
        assert!(!other.alive(), "a different start time is another process");
    }

    #[test]
    fn timeout_kills() {
        let mut cmd = Command::new("sleep");
        cmd.arg("10");
        let t = Instant::now();
        let out = output_with_timeout(cmd, None, Duration::from_millis(200)).unwrap();
        assert!(out.is_none());
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn output_is_captured_with_stdin() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "cat; echo err >&2; exit 3"]);
        let out = output_with_timeout(cmd, Some(b"hi".to_vec()), Duration::from_secs(10))
            .unwrap()
            .unwrap();
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str(), out.code),
            ("hi", "err\n", 3)
        );
    }

    #[test]
    fn spawner_children_are_ours_to_wait() {
        let sp = Spawner::new();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "exit 7"]);
        let mut child = sp.spawn(cmd).unwrap();
        assert_eq!(child.wait().unwrap().code(), Some(7));
    }
}
