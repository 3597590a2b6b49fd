//! A small lab of real corosync 3.1.7 nodes for the Totem tests: each node in
//! its own network namespace (veth pair or bridge on 10.213.x.0/24), with a
//! private /run (corosync's lock file is fixed) and its own state directory.
//! Everything is torn down on drop. Also a packet capture (AF_PACKET inside a
//! namespace) and helpers to run commands there.
#![allow(dead_code)]

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Path of `ip`.
pub fn ip_path() -> &'static str {
    ["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip", "/bin/ip"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("ip")
}

/// Why the lab cannot run here, or None when it can.
pub fn unavailable() -> Option<String> {
    if atrium_tests::reference("corosync").is_none() {
        return Some("the reference corosync is not installed".into());
    }
    if !Path::new("/usr/bin/ip").exists()
        && !Path::new("/usr/sbin/ip").exists()
        && !Path::new("/bin/ip").exists()
    {
        return Some("iproute2 (ip) is not installed".into());
    }
    // Root check from /proc/self/status (no libc call needed).
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid0 = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .map(|l| l.split_whitespace().nth(1) == Some("0"))
        .unwrap_or(false);
    if !uid0 {
        return Some("network namespaces need root".into());
    }
    None
}

fn sh(cmd: &[&str]) -> io::Result<()> {
    let st = Command::new(cmd[0])
        .args(&cmd[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    if !st.status.success() {
        return Err(io::Error::other(format!(
            "{}: {}",
            cmd.join(" "),
            String::from_utf8_lossy(&st.stderr)
        )));
    }
    Ok(())
}

/// Node `i` (1-based) address.
pub fn addr(net: u8, i: usize) -> String {
    format!("10.213.{net}.{i}")
}

/// Namespaces joined by a bridge in a dedicated "switch" namespace.
pub struct Net {
    pub tag: String,
    pub net: u8,
    pub names: Vec<String>,
    switch: String,
}

static NEXT_NET: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

impl Net {
    /// `n` namespaces on one bridge. Each test uses its own /24.
    pub fn new(n: usize) -> io::Result<Net> {
        let pid = std::process::id();
        let k = NEXT_NET.fetch_add(1, Ordering::SeqCst);
        let net = ((pid as u8).wrapping_mul(7).wrapping_add(k * 13)) % 200 + 20;
        let tag = format!("{:x}{k}", pid);
        let switch = format!("atsw{tag}");
        let names: Vec<String> = (1..=n).map(|i| format!("at{tag}n{i}")).collect();
        let me = Net {
            tag: tag.clone(),
            net,
            names: names.clone(),
            switch: switch.clone(),
        };
        sh(&["ip", "netns", "add", &switch])?;
        sh(&["ip", "-n", &switch, "link", "add", "br0", "type", "bridge"])?;
        sh(&["ip", "-n", &switch, "link", "set", "br0", "up"])?;
        for (i, ns) in names.iter().enumerate() {
            let a = format!("e{tag}{}", i + 1);
            sh(&["ip", "netns", "add", ns])?;
            sh(&[
                "ip", "link", "add", &a, "type", "veth", "peer", "name", "p0",
            ])?;
            // The far end is renamed inside the switch namespace.
            sh(&["ip", "link", "set", "p0", "netns", &switch])?;
            sh(&[
                "ip",
                "-n",
                &switch,
                "link",
                "set",
                "p0",
                "name",
                &format!("p{}", i + 1),
            ])?;
            sh(&[
                "ip",
                "-n",
                &switch,
                "link",
                "set",
                &format!("p{}", i + 1),
                "master",
                "br0",
                "up",
            ])?;
            sh(&["ip", "link", "set", &a, "netns", ns])?;
            sh(&["ip", "-n", ns, "link", "set", &a, "name", "eth0"])?;
            sh(&[
                "ip",
                "-n",
                ns,
                "addr",
                "add",
                &format!("{}/24", addr(net, i + 1)),
                "dev",
                "eth0",
            ])?;
            sh(&["ip", "-n", ns, "link", "set", "eth0", "up"])?;
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"])?;
        }
        Ok(me)
    }

    /// Cut node `i` (1-based) off the bridge, or reconnect it.
    pub fn set_link(&self, i: usize, up: bool) -> io::Result<()> {
        sh(&[
            "ip",
            "-n",
            &self.switch,
            "link",
            "set",
            &format!("p{i}"),
            if up { "up" } else { "down" },
        ])
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in self.names.iter().chain([&self.switch]) {
            let _ = sh(&["ip", "netns", "del", ns]);
        }
    }
}

/// Write a corosync.conf for `n` udpu nodes of net `net` plus `extra_totem`
/// lines, logging to `dir/corosync.log`, state in `dir`.
pub fn udpu_conf(net: u8, n: usize, dir: &Path, extra_totem: &str, extra: &str) -> String {
    let mut s = format!(
        "totem {{\n    version: 2\n    cluster_name: atrium\n    transport: udpu\n    crypto_cipher: none\n    crypto_hash: none\n{extra_totem}}}\nnodelist {{\n"
    );
    for i in 1..=n {
        s += &format!(
            "    node {{\n        ring0_addr: {}\n        nodeid: {i}\n        name: n{i}\n    }}\n",
            addr(net, i)
        );
    }
    s += &format!(
        "}}\nquorum {{\n    provider: corosync_votequorum\n}}\nlogging {{\n    to_stderr: no\n    to_syslog: no\n    to_logfile: yes\n    logfile: {}/corosync.log\n    debug: on\n    timestamp: hires\n}}\nsystem {{\n    state_dir: {}\n}}\n{extra}",
        dir.display(),
        dir.display()
    );
    s
}

/// A running reference corosync in a namespace.
pub struct Corosync {
    pub ns: String,
    pub dir: PathBuf,
    child: Option<Child>,
}

impl Corosync {
    /// Start `corosync -f` with `conf` written to `dir/corosync.conf`.
    pub fn start(ns: &str, dir: &Path, conf: &str) -> io::Result<Corosync> {
        std::fs::create_dir_all(dir)?;
        let cfg = dir.join("corosync.conf");
        std::fs::write(&cfg, conf)?;
        let script = format!(
            "mount -t tmpfs none /run && exec corosync -f -c {}",
            cfg.display()
        );
        let child = Command::new("ip")
            .args(["netns", "exec", ns, "unshare", "-m", "sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(File::create(dir.join("stdout"))?)
            .stderr(File::create(dir.join("stderr"))?)
            .spawn()?;
        Ok(Corosync {
            ns: ns.to_string(),
            dir: dir.to_path_buf(),
            child: Some(child),
        })
    }

    /// The node's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("corosync.log")).unwrap_or_default()
    }

    /// Wait until the log has `n` lines containing `needle`.
    pub fn wait_log(&self, needle: &str, n: usize, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if self.log().matches(needle).count() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Run a command inside the node's namespace.
    pub fn exec(&self, args: &[&str]) -> atrium_tests::Output {
        let mut full = vec!["netns", "exec", &self.ns];
        full.extend_from_slice(args);
        atrium_tests::run(Path::new(ip_path()), &full, None)
    }

    /// `corosync-cmapctl` values below `prefix` as (key, type, value).
    pub fn cmap(&self, prefix: &str) -> Vec<(String, String, String)> {
        let out = self.exec(&["corosync-cmapctl", "-b", prefix]);
        out.stdout
            .lines()
            .filter_map(|l| {
                let (k, rest) = l.split_once(" (")?;
                let (ty, v) = rest.split_once(") = ")?;
                Some((k.to_string(), ty.to_string(), v.to_string()))
            })
            .collect()
    }

    /// Stop gracefully (SIGTERM → LEAVE) and wait.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let end = Instant::now() + Duration::from_secs(10);
            while Instant::now() < end {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Kill -9.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Corosync {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One captured UDP datagram.
#[derive(Debug, Clone)]
pub struct Datagram {
    pub at: Instant,
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub sport: u16,
    pub dport: u16,
    pub payload: Vec<u8>,
}

/// Captures every IPv4/UDP datagram seen in a namespace (all interfaces,
/// both directions) on the given ports.
pub struct Capture {
    stop: Arc<AtomicBool>,
    pub packets: Arc<Mutex<Vec<Datagram>>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Capture {
    pub fn start(ns: &str, ports: &[u16]) -> io::Result<Capture> {
        let nsfile = File::open(format!("/run/netns/{ns}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let packets = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let ports = ports.to_vec();
        let (s2, p2) = (stop.clone(), packets.clone());
        let thread = std::thread::spawn(move || -> io::Result<()> {
            let setup = || -> io::Result<socket2::Socket> {
                nix::sched::setns(&nsfile, nix::sched::CloneFlags::CLONE_NEWNET)
                    .map_err(io::Error::from)?;
                // ETH_P_ALL, cooked: frames arrive without link headers.
                let proto = socket2::Protocol::from((0x0003u16).to_be() as i32);
                let s = socket2::Socket::new(
                    socket2::Domain::PACKET,
                    socket2::Type::DGRAM,
                    Some(proto),
                )?;
                s.set_read_timeout(Some(Duration::from_millis(50)))?;
                // Bursts of a few hundred frames must not be dropped.
                nix::sys::socket::setsockopt(
                    &s,
                    nix::sys::socket::sockopt::RcvBufForce,
                    &(32 << 20),
                )
                .map_err(io::Error::from)?;
                Ok(s)
            };
            let sock = match setup() {
                Ok(s) => {
                    let _ = tx.send(Ok(()));
                    s
                }
                Err(e) => {
                    let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                    return Err(e);
                }
            };
            let mut buf = vec![0u8; 70000];
            while !s2.load(Ordering::SeqCst) {
                let n = match io::Read::read(&mut &sock, &mut buf) {
                    Ok(n) => n,
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) =>
                    {
                        continue
                    }
                    Err(e) => return Err(e),
                };
                let pkt = &buf[..n];
                if let Some(d) = parse_udp(pkt) {
                    if ports.contains(&d.dport) || ports.contains(&d.sport) {
                        p2.lock().expect("capture lock").push(d);
                    }
                }
            }
            Ok(())
        });
        rx.recv()
            .map_err(|_| io::Error::other("capture thread died"))??;
        Ok(Capture {
            stop,
            packets,
            thread: Some(thread),
        })
    }

    pub fn finish(mut self) -> io::Result<Vec<Datagram>> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join()
                .map_err(|_| io::Error::other("capture thread panicked"))??;
        }
        Ok(std::mem::take(
            &mut *self.packets.lock().expect("capture lock"),
        ))
    }
}

fn parse_udp(p: &[u8]) -> Option<Datagram> {
    if p.len() < 28 || p[0] >> 4 != 4 {
        return None;
    }
    let ihl = (p[0] & 0x0f) as usize * 4;
    if p[9] != 17 || p.len() < ihl + 8 {
        return None;
    }
    let total = u16::from_be_bytes([p[2], p[3]]) as usize;
    let frag = u16::from_be_bytes([p[6], p[7]]);
    if frag & 0x3fff != 0 {
        // IP fragments: corosync's udpu frames fit the MTU; ignore.
        return None;
    }
    let u = &p[ihl..total.min(p.len())];
    let ulen = u16::from_be_bytes([u[4], u[5]]) as usize;
    Some(Datagram {
        at: Instant::now(),
        src: [p[12], p[13], p[14], p[15]],
        dst: [p[16], p[17], p[18], p[19]],
        sport: u16::from_be_bytes([u[0], u[1]]),
        dport: u16::from_be_bytes([u[2], u[3]]),
        payload: u.get(8..ulen.min(u.len()))?.to_vec(),
    })
}
