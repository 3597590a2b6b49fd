//! One node: its directory (the private /etc/corosync, /var/lib/pacemaker,
//! /var/log … that node-init.sh bind-mounts), how it is launched into its
//! namespaces, stopped and killed, and how commands are run inside it.
//!
//! Process tree of a running node (host pids on the left):
//! ```text
//! launcher  [setpriv --pdeathsig KILL] setsid nsenter --net=NS unshare … (exec chain, one pid)
//! └─ init   bash node-init.sh        pid 1 of the node's pid namespace
//!    ├─ corosync -f
//!    └─ pacemakerd ─ pacemaker-based, -fenced, -execd, -attrd, -schedulerd, -controld
//! ```
//! Killing `init` makes the kernel kill everything else in the node.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use super::config::{self, LabConfig};
use super::procs::{self, ProcId, Spawner};
use super::LabError;

/// The PATH daemons and commands get inside a node.
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Host-side handles of a running node.
#[derive(Debug, Default)]
pub struct NodeRt {
    /// The exec chain ending in `unshare` (host pid).
    pub launcher: Option<ProcId>,
    /// node-init.sh, pid 1 inside the node (host pid).
    pub init: Option<ProcId>,
    /// The launcher, when this process spawned it (for reaping).
    pub child: Option<Child>,
}

impl NodeRt {
    pub fn running(&self) -> bool {
        self.init.is_some_and(|p| p.alive())
    }
}

/// Directories node-init.sh mounts over the real ones, relative to the
/// node directory and to `/`.
pub const PRIVATE_DIRS: &[&str] = &[
    "etc/corosync",
    "etc/pacemaker",
    "var/lib/corosync",
    "var/lib/pacemaker",
    "var/log",
];

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> LabError {
    let context = context.into();
    move |e| LabError::io(context, e)
}

/// uid and gid of `hacluster:haclient` from /etc/passwd and /etc/group.
pub fn hacluster_ids() -> Result<(u32, u32), LabError> {
    let field = |file: &str, name: &str, idx: usize| -> Option<u32> {
        fs::read_to_string(file).ok()?.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&name)).then(|| f.get(idx)?.parse().ok())?
        })
    };
    let uid = field("/etc/passwd", "hacluster", 2);
    let gid = field("/etc/group", "haclient", 2);
    match (uid, gid) {
        (Some(u), Some(g)) => Ok((u, g)),
        _ => Err(LabError::Unavailable(
            "user hacluster / group haclient missing (install pacemaker)".into(),
        )),
    }
}

fn mkdir(p: &Path, mode: u32, owner: Option<(u32, u32)>) -> Result<(), LabError> {
    fs::create_dir_all(p).map_err(io(format!("creating {}", p.display())))?;
    fs::set_permissions(p, fs::Permissions::from_mode(mode))
        .map_err(io(format!("chmod {}", p.display())))?;
    if let Some((u, g)) = owner {
        std::os::unix::fs::chown(p, Some(u), Some(g))
            .map_err(io(format!("chown {}", p.display())))?;
    }
    Ok(())
}

fn write(p: &Path, data: &[u8], mode: u32, owner: Option<(u32, u32)>) -> Result<(), LabError> {
    fs::write(p, data).map_err(io(format!("writing {}", p.display())))?;
    fs::set_permissions(p, fs::Permissions::from_mode(mode))
        .map_err(io(format!("chmod {}", p.display())))?;
    if let Some((u, g)) = owner {
        std::os::unix::fs::chown(p, Some(u), Some(g))
            .map_err(io(format!("chown {}", p.display())))?;
    }
    Ok(())
}

/// Create a node's directory tree and configuration under `dir`.
/// `keys` are the lab-wide corosync and pacemaker authkeys.
pub fn prepare_dir(cfg: &LabConfig, dir: &Path, keys: (&[u8], &[u8])) -> Result<(), LabError> {
    let ha = hacluster_ids()?;
    mkdir(dir, 0o755, None)?;
    for sub in PRIVATE_DIRS {
        mkdir(&dir.join(sub), 0o755, None)?;
    }
    mkdir(&dir.join("var/lib/pacemaker"), 0o755, Some(ha))?;
    for sub in ["cib", "pengine", "blackbox", "cores", "bundles"] {
        mkdir(&dir.join("var/lib/pacemaker").join(sub), 0o750, Some(ha))?;
    }
    mkdir(&dir.join("var/log/pacemaker"), 0o770, Some(ha))?;
    mkdir(&dir.join("var/log/pacemaker/bundles"), 0o770, Some(ha))?;
    mkdir(&dir.join("var/log/cluster"), 0o755, None)?;
    let conf = config::corosync_conf(cfg);
    write(
        &dir.join("etc/corosync/corosync.conf"),
        conf.as_bytes(),
        0o644,
        None,
    )?;
    write(&dir.join("etc/corosync/authkey"), keys.0, 0o400, None)?;
    write(
        &dir.join("etc/pacemaker/authkey"),
        keys.1,
        0o640,
        Some((0, ha.1)),
    )?;
    write(
        &dir.join("etc/hosts"),
        config::hosts(cfg).as_bytes(),
        0o644,
        None,
    )?;
    let schema = config::newest_schema(Path::new("/usr/share/pacemaker"))
        .unwrap_or_else(|| "pacemaker-3.0".into());
    let cib = config::initial_cib(cfg, &schema);
    write(
        &dir.join("var/lib/pacemaker/cib/cib.xml"),
        cib.as_bytes(),
        0o600,
        Some(ha),
    )?;
    Ok(())
}

/// Everything needed to launch one node.
pub struct Launch<'a> {
    pub cfg: &'a LabConfig,
    pub i: usize,
    pub dir: &'a Path,
    pub netns: &'a str,
    pub init_script: &'a Path,
    pub spawner: Option<&'a Spawner>,
}

/// Start node `l.i`; returns once its private mounts are in place (its
/// daemons are then starting).
pub fn start(l: &Launch, rt: &mut NodeRt) -> Result<(), LabError> {
    if rt.running() {
        return Err(LabError::AlreadyRunning(l.i));
    }
    let state = l.dir.join("init.state");
    let _ = fs::remove_file(&state);
    let subst = l.dir.join("subst");
    let mut lines = String::new();
    if let Some(map) = l.cfg.substitutions.get(&l.i) {
        for (target, source) in map {
            if !source.exists() {
                return Err(LabError::Invalid(format!(
                    "substitute {} does not exist",
                    source.display()
                )));
            }
            lines += &format!("{} {}\n", target.display(), source.display());
        }
    }
    fs::write(&subst, lines).map_err(io("writing subst"))?;
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(l.dir.join("init.log"))
        .map_err(io("opening init.log"))?;
    let log2 = log.try_clone().map_err(io("init.log"))?;

    let mut argv: Vec<String> = Vec::new();
    if l.spawner.is_some() {
        argv.extend(["setpriv", "--pdeathsig", "KILL", "--"].map(String::from));
    }
    argv.extend(
        [
            "setsid",
            "nsenter",
            &format!("--net=/run/netns/{}", l.netns),
            "--",
            "unshare",
            "--mount",
            "--uts",
            "--ipc",
            "--pid",
            "--fork",
            "--mount-proc",
            "--kill-child",
            "--propagation",
            "private",
            "--",
            "/bin/bash",
        ]
        .map(String::from),
    );
    argv.push(l.init_script.display().to_string());
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env_clear()
        .env("PATH", PATH)
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .env("HOME", "/root")
        .env("LAB_NODE_DIR", l.dir)
        .env("LAB_NODE_NAME", config::node_name(l.i))
        .env("LAB_STACK", l.cfg.stack.as_str())
        .env("LAB_SUBST", &subst)
        // No syslog daemon in a node: Pacemaker logs to its file only.
        .env("PCMK_logfacility", "none")
        .envs(l.cfg.env.iter().map(|(k, v)| (k, v)))
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2);
    let child = match l.spawner {
        Some(sp) => sp.spawn(cmd),
        None => cmd.spawn(),
    }
    .map_err(io(format!("starting node {}", l.i)))?;
    rt.launcher = ProcId::of(child.id());
    rt.child = Some(child);
    rt.init = None;

    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let failed = |why: &str| LabError::NodeFailed {
            node: l.i,
            detail: format!("{why}; init.log: {}", tail(&l.dir.join("init.log"), 20)),
        };
        let launcher_gone = match rt.child.as_mut() {
            Some(c) => !matches!(c.try_wait(), Ok(None)),
            None => true,
        };
        if launcher_gone {
            rt.launcher = None;
            return Err(failed("the node exited while starting"));
        }
        if rt.init.is_none() {
            if let Some(l) = rt.launcher {
                rt.init = procs::children(l.pid)
                    .into_iter()
                    .next()
                    .and_then(ProcId::of);
            }
        }
        let st = fs::read_to_string(&state).unwrap_or_default();
        if st.lines().any(|w| w == "failed") {
            kill(rt, l.i, l.netns);
            return Err(failed("node-init failed"));
        }
        if rt.init.is_some() && st.lines().any(|w| w == "mounted") {
            break;
        }
        if Instant::now() >= end {
            kill(rt, l.i, l.netns);
            return Err(failed("node-init did not finish mounting in 20 s"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    save_pids(l.dir, rt)
}

/// Graceful stop: SIGTERM to the node's init (pacemakerd, then corosync,
/// stop in order); SIGKILL after `timeout`. Returns whether it was graceful.
pub fn stop(rt: &mut NodeRt, i: usize, netns: &str, timeout: Duration) -> bool {
    let Some(init) = rt.init else {
        kill(rt, i, netns);
        return true;
    };
    init.signal(Signal::SIGTERM);
    let graceful = match rt.launcher {
        Some(l) => procs::wait_gone(l, rt.child.as_mut(), timeout),
        None => procs::wait_gone(init, None, timeout),
    };
    kill(rt, i, netns);
    graceful
}

/// Kill -9 the whole node and sweep its network namespace.
pub fn kill(rt: &mut NodeRt, _i: usize, netns: &str) {
    if let Some(init) = rt.init {
        init.signal(Signal::SIGKILL);
    }
    if let Some(l) = rt.launcher {
        l.signal(Signal::SIGKILL);
        procs::wait_gone(l, rt.child.as_mut(), Duration::from_secs(10));
    }
    if let Some(c) = rt.child.as_mut() {
        let _ = c.kill();
        let _ = c.wait();
    }
    if let Some(ino) = procs::ns_inode(&Path::new("/run/netns").join(netns)) {
        procs::kill_netns(ino, Duration::from_secs(10));
    }
    rt.launcher = None;
    rt.init = None;
    rt.child = None;
}

/// A command that runs `args` inside the node whose init is `init`: all its
/// namespaces, a clean environment, killed if the nsenter parent dies.
pub fn command(init: ProcId, args: &[&str], env: &[(String, String)]) -> Command {
    let pid = init.pid.to_string();
    let mut cmd = Command::new("nsenter");
    cmd.args(["-t", &pid, "-n", "-m", "-u", "-i", "-p", "--wd=/", "--"])
        .args(["setpriv", "--pdeathsig", "KILL", "--"])
        .args(args)
        .env_clear()
        .env("PATH", PATH)
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .env("HOME", "/root")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir("/");
    cmd
}

fn save_pids(dir: &Path, rt: &NodeRt) -> Result<(), LabError> {
    let f = |p: Option<ProcId>| p.map_or("0 0".to_string(), |p| format!("{} {}", p.pid, p.start));
    fs::write(
        dir.join("pids"),
        format!("{} {}\n", f(rt.launcher), f(rt.init)),
    )
    .map_err(io("writing pids"))
}

/// Handles of a node started by another process (read from its pids file).
pub fn load_pids(dir: &Path) -> NodeRt {
    let s = fs::read_to_string(dir.join("pids")).unwrap_or_default();
    let v: Vec<u64> = s
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    let id = |pid: u64, start: u64| {
        let p = ProcId {
            pid: pid as u32,
            start,
        };
        (pid != 0 && p.alive()).then_some(p)
    };
    if v.len() != 4 {
        return NodeRt::default();
    }
    NodeRt {
        launcher: id(v[0], v[1]),
        init: id(v[2], v[3]),
        child: None,
    }
}

/// Last `n` lines of a file ("" when absent).
pub fn tail(p: &Path, n: usize) -> String {
    let s = fs::read_to_string(p).unwrap_or_default();
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Log files of a node directory, for diagnostics.
pub fn log_files(dir: &Path) -> Vec<PathBuf> {
    [
        "init.log",
        "corosync.out",
        "pacemakerd.out",
        "var/log/cluster/corosync.log",
        "var/log/pacemaker/pacemaker.log",
    ]
    .iter()
    .map(|f| dir.join(f))
    .filter(|p| p.exists())
    .collect()
}
