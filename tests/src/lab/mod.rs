//! The lab: real N-node clusters on one machine (does I/O: namespaces,
//! mounts, processes; needs root).
//!
//! Each node runs in its own network, mount, UTS, IPC and PID namespace,
//! with private /etc/corosync, /etc/pacemaker, /etc/hosts,
//! /var/lib/corosync, /var/lib/pacemaker, /var/log (directories of the lab
//! on the host) and tmpfs /run and /dev/shm. Nodes run the reference stack,
//! Atrium daemons, or a mix: any binary can be bind-mounted over a daemon
//! inside one node ([`LabConfig::substitute`]).
//!
//! - [`config`]: [`LabConfig`], and the generated corosync.conf, CIB, hosts.
//! - [`net`]: switch namespace, bridges, veths, partitions, packet loss.
//! - [`node`]: one node's directory, launch, stop, kill, commands inside it.
//! - [`procs`]: host-side process bookkeeping, deadlines, the spawner thread.
//! - [`status`]: parsed crm_mon / corosync-quorumtool / crmadmin output.
//! - [`stale`]: on-disk bookkeeping, re-attaching, `cleanup-stale`.
//! - [`wait`]: polling with a deadline and the convergence conditions.
//!
//! ```no_run
//! use std::time::Duration;
//! use atrium_tests::lab::{Lab, LabConfig};
//! // Three reference nodes, formed, quorate, a DC in S_IDLE:
//! let lab = Lab::up(LabConfig::new(3)).unwrap();
//! let out = lab.run(1, &["crm_mon", "-1"]).unwrap();
//! lab.kill(3).unwrap();
//! lab.wait_converged(&[1, 2], Duration::from_secs(60)).unwrap();
//! // dropped: every process, namespace and directory is removed
//! ```

pub mod config;
pub mod net;
pub mod node;
pub mod procs;
pub mod stale;
pub mod status;
pub mod wait;

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub use config::{LabConfig, Stack, Transport};
pub use status::{ClusterStatus, QuorumStatus};

use crate::Output;
use net::Net;
use node::NodeRt;
use procs::{ProcId, Spawner};
use stale::Owner;

/// node-init.sh, written into each lab directory.
const NODE_INIT: &str = include_str!("../../lab/node-init.sh");

/// Everything that can go wrong in the lab.
#[derive(Debug)]
#[non_exhaustive]
pub enum LabError {
    /// The lab cannot run here (not root, a program or package missing).
    Unavailable(String),
    /// A system call or file operation failed.
    Io {
        context: String,
        source: std::io::Error,
    },
    /// A setup command (`ip`, `nft`, …) or a `run_ok` command failed.
    Command { cmd: String, detail: String },
    /// A condition did not hold before its deadline; `last` is what was
    /// seen the last time it was checked.
    Timeout { what: String, last: String },
    /// Node numbers are 1-based and at most the node count.
    NoSuchNode(usize),
    /// The node is stopped.
    NotRunning(usize),
    /// The node is already running.
    AlreadyRunning(usize),
    /// The node's init failed while starting.
    NodeFailed { node: usize, detail: String },
    /// Bad arguments or lab state.
    Invalid(String),
}

impl LabError {
    pub fn io(context: String, source: std::io::Error) -> LabError {
        LabError::Io { context, source }
    }
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::Unavailable(why) => write!(f, "the lab cannot run here: {why}"),
            LabError::Io { context, source } => write!(f, "{context}: {source}"),
            LabError::Command { cmd, detail } => write!(f, "`{cmd}` failed: {detail}"),
            LabError::Timeout { what, last } => {
                write!(f, "timed out waiting for {what}; last seen: {last}")
            }
            LabError::NoSuchNode(i) => write!(f, "no node {i}"),
            LabError::NotRunning(i) => write!(f, "node {i} is not running"),
            LabError::AlreadyRunning(i) => write!(f, "node {i} is already running"),
            LabError::NodeFailed { node, detail } => write!(f, "node {node} failed: {detail}"),
            LabError::Invalid(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for LabError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LabError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why the lab cannot run on this machine with `stack`, or `None`.
/// Tests skip with this reason.
pub fn unavailable(stack: Stack) -> Option<String> {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"));
    if !root {
        return Some("namespaces and mounts need root".into());
    }
    let mut need = vec!["ip", "nsenter", "unshare", "setpriv", "setsid", "bash"];
    match stack {
        Stack::Pacemaker => need.extend([
            "corosync",
            "corosync-cmapctl",
            "pacemakerd",
            "crm_mon",
            "crmadmin",
        ]),
        Stack::Corosync => need.extend(["corosync", "corosync-cmapctl"]),
        Stack::None => {}
    }
    let path = node::PATH;
    for prog in need {
        if !path.split(':').any(|d| Path::new(d).join(prog).exists()) {
            return Some(format!("{prog} is not installed"));
        }
    }
    if stack == Stack::Pacemaker {
        if let Err(e) = node::hacluster_ids() {
            return Some(e.to_string());
        }
    }
    None
}

/// Why lab tests should skip here: `ATRIUM_LAB_SKIP=1`, or
/// [`unavailable`]. Print it with `skip!`.
pub fn skip_reason(stack: Stack) -> Option<String> {
    if std::env::var_os("ATRIUM_LAB_SKIP").is_some_and(|v| v == "1") {
        return Some("ATRIUM_LAB_SKIP=1".into());
    }
    unavailable(stack)
}

/// Slow lab tests run only with `ATRIUM_LAB_SLOW=1`.
pub fn slow_enabled() -> bool {
    std::env::var_os("ATRIUM_LAB_SLOW").is_some_and(|v| v == "1")
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// A lab of N nodes. Node numbers are 1-based (`n1` is node 1). Methods
/// take `&self` and may be called from several threads.
pub struct Lab {
    cfg: LabConfig,
    id: String,
    dir: PathBuf,
    net: Net,
    nodes: Vec<Mutex<NodeRt>>,
    spawner: Option<Spawner>,
    /// Drop tears the lab down (false for a CLI lab left running).
    owned: bool,
}

impl Lab {
    /// Create the lab's directories, configuration and network; start no
    /// node. See [`Lab::up`] for the usual one-call form.
    pub fn create(cfg: LabConfig) -> Result<Lab, LabError> {
        cfg.validate().map_err(LabError::Invalid)?;
        if let Some(why) = unavailable(cfg.stack) {
            return Err(LabError::Unavailable(why));
        }
        let id = match &cfg.id {
            Some(id) => id.clone(),
            None => format!(
                "t{}_{}",
                std::process::id(),
                NEXT_ID.fetch_add(1, Ordering::SeqCst)
            ),
        };
        let root = stale::root();
        fs::create_dir_all(&root)
            .map_err(|e| LabError::io(format!("creating {}", root.display()), e))?;
        set_mode(&root, 0o755)?;
        stale::cleanup_stale_dirs();
        let dir = root.join(&id);
        if dir.exists() || Path::new(&format!("/run/netns/{}{id}-sw", net::NS_PREFIX)).exists() {
            if dir.exists() && !stale::is_stale(&dir, false) {
                return Err(LabError::Invalid(format!(
                    "lab {id} exists and is in use ({}); `atrium-lab down --id {id}` removes it",
                    dir.display()
                )));
            }
            stale::remove_lab(&id, Some(&dir));
        }
        let owner = if cfg.die_with_owner {
            Owner::Process(
                ProcId::of(std::process::id())
                    .ok_or_else(|| LabError::Invalid("cannot read own /proc entry".into()))?,
            )
        } else {
            Owner::Cli
        };
        let net = Net::names(&id, cfg.nodes, cfg.rings);
        let lab = Lab {
            nodes: (0..cfg.nodes)
                .map(|_| Mutex::new(NodeRt::default()))
                .collect(),
            spawner: cfg.die_with_owner.then(Spawner::new),
            owned: true,
            net,
            dir,
            id,
            cfg,
        };
        // From here on, dropping `lab` on error removes what exists.
        fs::create_dir_all(&lab.dir).map_err(|e| LabError::io("creating lab dir".into(), e))?;
        set_mode(&lab.dir, 0o755)?;
        fs::write(lab.dir.join("owner"), owner.to_line())
            .map_err(|e| LabError::io("writing owner".into(), e))?;
        stale::save_config(&lab.cfg, &lab.dir)?;
        fs::write(lab.init_script(), NODE_INIT)
            .map_err(|e| LabError::io("writing node-init.sh".into(), e))?;
        let keys = (random_bytes(256)?, random_bytes(256)?);
        for i in 1..=lab.cfg.nodes {
            node::prepare_dir(&lab.cfg, &lab.node_dir(i), (&keys.0, &keys.1))?;
        }
        lab.net.create()?;
        Ok(lab)
    }

    /// Create the lab, start every node, and wait until the cluster has
    /// converged (see [`Lab::wait_converged`]; 120 s; not for [`Stack::None`]).
    pub fn up(cfg: LabConfig) -> Result<Lab, LabError> {
        let lab = Lab::create(cfg)?;
        lab.start_all()?;
        if lab.cfg.stack != Stack::None {
            let all: Vec<usize> = (1..=lab.cfg.nodes).collect();
            lab.wait_converged(&all, Duration::from_secs(120))?;
        }
        Ok(lab)
    }

    /// Re-attach to lab `id` started by another process (the CLI). The
    /// returned handle does not tear the lab down on drop; [`Lab::down`] does.
    pub fn attach(id: &str) -> Result<Lab, LabError> {
        let dir = stale::root().join(id);
        let cfg = stale::load_config(id, &dir)?;
        let net = Net::names(id, cfg.nodes, cfg.rings);
        let nodes = (1..=cfg.nodes)
            .map(|i| Mutex::new(node::load_pids(&dir.join(config::node_name(i)))))
            .collect();
        Ok(Lab {
            nodes,
            spawner: None,
            owned: false,
            net,
            dir,
            id: id.to_string(),
            cfg,
        })
    }

    /// Leave the lab running when this handle is dropped (the CLI's `up`).
    pub fn detach(mut self) {
        self.owned = false;
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn config(&self) -> &LabConfig {
        &self.cfg
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.cfg.nodes
    }

    /// A lab always has at least one node.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The lab's directory on the host.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Node `i`'s directory on the host (its private /var/lib/pacemaker is
    /// `node_dir(i)/var/lib/pacemaker`, its logs under `var/log`).
    pub fn node_dir(&self, i: usize) -> PathBuf {
        self.dir.join(config::node_name(i))
    }

    /// Node `i`'s name (`n<i>`), also its host name.
    pub fn node_name(&self, i: usize) -> String {
        config::node_name(i)
    }

    /// Node `i`'s ring-0 address.
    pub fn addr(&self, i: usize) -> String {
        config::node_addr(0, i)
    }

    /// Node `i`'s network namespace (`ip netns exec` works on it, but only
    /// [`Lab::run`] also enters its mount namespace).
    pub fn netns(&self, i: usize) -> &str {
        self.net.ns(i)
    }

    /// Node number from `3` or `n3`.
    pub fn parse_node(&self, s: &str) -> Result<usize, LabError> {
        let n: usize = s
            .strip_prefix('n')
            .unwrap_or(s)
            .parse()
            .map_err(|_| LabError::Invalid(format!("{s:?} is not a node (use 2 or n2)")))?;
        self.check(n)?;
        Ok(n)
    }

    fn check(&self, i: usize) -> Result<(), LabError> {
        if i == 0 || i > self.cfg.nodes {
            Err(LabError::NoSuchNode(i))
        } else {
            Ok(())
        }
    }

    fn init_script(&self) -> PathBuf {
        self.dir.join("node-init.sh")
    }

    fn rt(&self, i: usize) -> Result<MutexGuard<'_, NodeRt>, LabError> {
        self.check(i)?;
        // A panic while holding the lock leaves the handles usable.
        Ok(self.nodes[i - 1]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Start node `i` (its daemons start in the background; use the wait
    /// helpers for readiness).
    pub fn start(&self, i: usize) -> Result<(), LabError> {
        let mut rt = self.rt(i)?;
        let dir = self.node_dir(i);
        let script = self.init_script();
        let launch = node::Launch {
            cfg: &self.cfg,
            i,
            dir: &dir,
            netns: self.net.ns(i),
            init_script: &script,
            spawner: self.spawner.as_ref(),
        };
        node::start(&launch, &mut rt)
    }

    /// Start every node that is not running.
    pub fn start_all(&self) -> Result<(), LabError> {
        for i in 1..=self.cfg.nodes {
            if !self.is_running(i) {
                self.start(i)?;
            }
        }
        Ok(())
    }

    /// Host processes of node `i` while it runs: the launcher (the
    /// `unshare` exec chain) and the node's init (pid 1 inside it).
    pub fn node_procs(&self, i: usize) -> Option<(ProcId, ProcId)> {
        let rt = self.rt(i).ok()?;
        match (rt.launcher, rt.init) {
            (Some(l), Some(init)) if init.alive() => Some((l, init)),
            _ => None,
        }
    }

    /// Node `i`'s init is alive.
    pub fn is_running(&self, i: usize) -> bool {
        self.rt(i).map(|rt| rt.running()).unwrap_or(false)
    }

    /// Graceful stop of node `i` (pacemakerd shuts down, then corosync);
    /// killed after the configured stop timeout. Returns whether it stopped
    /// gracefully.
    pub fn stop(&self, i: usize) -> Result<bool, LabError> {
        let mut rt = self.rt(i)?;
        Ok(node::stop(
            &mut rt,
            i,
            self.net.ns(i),
            self.cfg.stop_timeout,
        ))
    }

    /// Graceful stop of every running node at once (like stopping a whole
    /// cluster); returns the nodes that had to be killed.
    pub fn stop_all(&self) -> Vec<usize> {
        let running: Vec<usize> = (1..=self.cfg.nodes)
            .filter(|&i| self.is_running(i))
            .collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = running
                .iter()
                .map(|&i| s.spawn(move || (i, self.stop(i).unwrap_or(false))))
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().ok())
                .filter(|&(_, graceful)| !graceful)
                .map(|(i, _)| i)
                .collect()
        })
    }

    /// Kill -9 every process of node `i` at once (a power cut).
    pub fn kill(&self, i: usize) -> Result<(), LabError> {
        let mut rt = self.rt(i)?;
        node::kill(&mut rt, i, self.net.ns(i));
        Ok(())
    }

    /// Graceful stop, then start.
    pub fn restart(&self, i: usize) -> Result<(), LabError> {
        self.stop(i)?;
        self.start(i)
    }

    /// A [`std::process::Command`] that runs `args` inside node `i` (all its
    /// namespaces, `LC_ALL=C`, a clean environment plus `env`). It dies
    /// with the node, and when its `nsenter` parent is killed.
    pub fn command(
        &self,
        i: usize,
        args: &[&str],
        env: &[(String, String)],
    ) -> Result<std::process::Command, LabError> {
        let init = self
            .rt(i)?
            .init
            .filter(|p| p.alive())
            .ok_or(LabError::NotRunning(i))?;
        Ok(node::command(init, args, env))
    }

    /// Move the calling thread into node `i`'s network, mount and UTS
    /// namespaces, so in-process clients (libqb IPC over abstract sockets
    /// and the node's /dev/shm) talk to that node's daemons. The thread
    /// stays there: call this on a thread spawned for the purpose. (The
    /// node's PID namespace is not entered; peers see the thread's host pid.)
    pub fn enter_thread(&self, i: usize) -> Result<(), LabError> {
        use nix::sched::{setns, unshare, CloneFlags};
        let init = self
            .rt(i)?
            .init
            .filter(|p| p.alive())
            .ok_or(LabError::NotRunning(i))?;
        let err = |what: &str| {
            let what = what.to_string();
            move |e: nix::Error| LabError::io(format!("{what} (node {i})"), e.into())
        };
        // A thread may change mount namespace only with its own fs context.
        unshare(CloneFlags::CLONE_FS).map_err(err("unshare(CLONE_FS)"))?;
        for (ns, flag) in [
            ("net", CloneFlags::CLONE_NEWNET),
            ("uts", CloneFlags::CLONE_NEWUTS),
            ("mnt", CloneFlags::CLONE_NEWNS),
        ] {
            let path = format!("/proc/{}/ns/{ns}", init.pid);
            let f =
                fs::File::open(&path).map_err(|e| LabError::io(format!("opening {path}"), e))?;
            setns(&f, flag).map_err(err(&format!("setns {ns}")))?;
        }
        Ok(())
    }

    /// Run `args` inside node `i` and capture its output and exit code
    /// (60 s deadline; a timeout is an error).
    pub fn run(&self, i: usize, args: &[&str]) -> Result<Output, LabError> {
        self.run_with(i, args, &RunOpts::default())
    }

    /// [`Lab::run`] with environment, stdin and deadline.
    pub fn run_with(&self, i: usize, args: &[&str], opts: &RunOpts) -> Result<Output, LabError> {
        let cmd = self.command(i, args, &opts.env)?;
        procs::output_with_timeout(cmd, opts.stdin.clone(), opts.timeout)
            .map_err(|e| LabError::io(format!("running {args:?} on node {i}"), e))?
            .ok_or_else(|| LabError::Timeout {
                what: format!("{args:?} on node {i}"),
                last: format!("still running after {:?}; killed", opts.timeout),
            })
    }

    /// [`Lab::run`], failing unless the exit code is 0.
    pub fn run_ok(&self, i: usize, args: &[&str]) -> Result<Output, LabError> {
        let out = self.run(i, args)?;
        if out.code != 0 {
            return Err(LabError::Command {
                cmd: format!("{} (on node {i})", args.join(" ")),
                detail: format!(
                    "exit {}: {}{}",
                    out.code,
                    out.stderr.trim(),
                    out.stdout.trim()
                ),
            });
        }
        Ok(out)
    }

    /// `sh -c script` on node `i`.
    pub fn sh(&self, i: usize, script: &str) -> Result<Output, LabError> {
        self.run(i, &["sh", "-c", script])
    }

    /// Split the cluster: each group (node numbers) gets its own network;
    /// nodes in no group stay together. Replaces an earlier partition.
    pub fn partition(&self, groups: &[Vec<usize>]) -> Result<(), LabError> {
        self.net.partition(groups)
    }

    /// Undo [`Lab::partition`] and [`Lab::set_link`].
    pub fn heal(&self) -> Result<(), LabError> {
        self.net.heal()
    }

    /// Unplug (false) or replug (true) node `i`'s network cables.
    pub fn set_link(&self, i: usize, up: bool) -> Result<(), LabError> {
        self.net.set_link(i, up)
    }

    /// Unplug (false) or replug (true) node `i`'s cable on one ring.
    pub fn set_ring_link(&self, i: usize, ring: u8, up: bool) -> Result<(), LabError> {
        self.net.set_ring_link(i, ring, up)
    }

    /// Drop `percent` % of node `i`'s packets each way (0 = none). Needs
    /// `nft` (package nftables); netem is not available in every kernel.
    pub fn set_loss(&self, i: usize, percent: u8) -> Result<(), LabError> {
        self.net.set_loss(i, percent)
    }

    /// Last `lines` lines of every log of node `i`, headed by file name.
    pub fn logs(&self, i: usize, lines: usize) -> String {
        let dir = self.node_dir(i);
        node::log_files(&dir)
            .iter()
            .map(|p| {
                format!(
                    "--- {} ---\n{}\n",
                    p.strip_prefix(&self.dir).unwrap_or(p).display(),
                    node::tail(p, lines)
                )
            })
            .collect()
    }

    /// Stop every node gracefully, then remove everything.
    pub fn down(mut self) -> Result<(), LabError> {
        self.stop_all();
        self.owned = false;
        self.destroy()
    }

    /// Kill every node, delete the namespaces and (unless kept) the
    /// directory. Idempotent.
    fn destroy(&self) -> Result<(), LabError> {
        for i in 1..=self.cfg.nodes {
            if let Ok(mut rt) = self.rt(i) {
                node::kill(&mut rt, i, self.net.ns(i));
            }
        }
        let keep =
            self.cfg.keep_dir || std::env::var_os("ATRIUM_LAB_KEEP").is_some_and(|v| v == "1");
        let dir = (!keep).then_some(self.dir.as_path());
        let errors = stale::remove_lab(&self.id, dir);
        if keep {
            let _ = fs::write(self.dir.join("owner"), "kept\n");
            eprintln!("atrium-lab: kept {}", self.dir.display());
        }
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        if std::thread::panicking() {
            for i in 1..=self.cfg.nodes {
                eprintln!(
                    "=== lab {} node {i} logs ===\n{}",
                    self.id,
                    self.logs(i, 40)
                );
            }
        }
        if let Err(e) = self.destroy() {
            eprintln!("atrium-lab: cleanup of {}: {e}", self.id);
        }
    }
}

/// Options of [`Lab::run_with`].
#[derive(Debug, Clone)]
pub struct RunOpts {
    pub env: Vec<(String, String)>,
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl Default for RunOpts {
    fn default() -> Self {
        RunOpts {
            env: Vec::new(),
            stdin: None,
            timeout: Duration::from_secs(60),
        }
    }
}

fn set_mode(p: &Path, mode: u32) -> Result<(), LabError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(mode))
        .map_err(|e| LabError::io(format!("chmod {}", p.display()), e))
}

fn random_bytes(n: usize) -> Result<Vec<u8>, LabError> {
    let mut buf = vec![0u8; n];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| LabError::io("reading /dev/urandom".into(), e))?;
    Ok(buf)
}
