//! Helpers shared by the corosync_*.rs lab tests: the cpgbench C client
//! (built against the reference libcpg), a CPG member written with
//! Atrium's own client, delivery-order checks, tool-output normalisation.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use atrium_corosync::client::Cpg;
use atrium_tests::lab::Lab;
use totem_wire::ipc::cpg::CpgEvent;
use totem_wire::ipc::CsError;

pub const BENCH_C: &str = include_str!("cpgbench.c");
pub const MAGIC: u32 = 0xA7A1_C0DE;

/// An integer from the environment, or `default`.
pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Our corosync binary (as `cargo build --workspace --bins` left it).
pub fn ours_corosync() -> PathBuf {
    atrium_tests::ours("corosync")
}

/// cpgbench compiled once per test process, or why it cannot be.
pub fn cpgbench() -> Result<PathBuf, String> {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(build_cpgbench).clone()
}

fn build_cpgbench() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("atrium-cpgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let src = dir.join("cpgbench.c");
    std::fs::write(&src, BENCH_C).map_err(|e| e.to_string())?;
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "libcpg"])
        .output()
        .map_err(|e| format!("pkg-config: {e}"))?;
    if !flags.status.success() {
        return Err("libcpg-dev (pkg-config libcpg) is not installed".into());
    }
    let bin = dir.join("cpgbench");
    let out = Command::new("gcc")
        .arg("-O2")
        .arg(&src)
        .arg("-o")
        .arg(&bin)
        .args(String::from_utf8_lossy(&flags.stdout).split_whitespace())
        .output()
        .map_err(|e| format!("gcc: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "gcc failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bin)
}

/// A directory for delivery logs, readable from inside the nodes (/tmp is
/// shared with the host).
pub fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("atrium-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Start cpgbench on node `i`: join `group`, wait for `members`, send
/// `count` messages of `size` bytes, log deliveries to `out`.
pub fn spawn_bench(
    lab: &Lab,
    i: usize,
    group: &str,
    members: usize,
    count: u64,
    size: usize,
    out: Option<&Path>,
) -> Child {
    spawn_bench_window(lab, i, group, members, count, size, out, 0)
}

/// [`spawn_bench`] with at most `window` of the member's own messages in
/// flight (0: no limit).
#[allow(clippy::too_many_arguments)]
pub fn spawn_bench_window(
    lab: &Lab,
    i: usize,
    group: &str,
    members: usize,
    count: u64,
    size: usize,
    out: Option<&Path>,
    window: u32,
) -> Child {
    let bin = cpgbench().expect("cpgbench is built");
    let bin = bin.to_string_lossy().to_string();
    let out = out.map_or("-".to_string(), |p| p.to_string_lossy().to_string());
    let (m, c, s) = (members.to_string(), count.to_string(), size.to_string());
    let w = window.to_string();
    let mut cmd = lab
        .command(i, &[&bin, group, &m, &c, &s, &out, &w], &[])
        .expect("node runs");
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.spawn().expect("spawn cpgbench")
}

/// cpgbench's summary line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub delivered: u64,
    pub elapsed_ms: u64,
    pub latency_us_avg: u64,
    pub latency_us_max: u64,
    pub sent_retries: u64,
}

/// Wait for a cpgbench (killing it after `timeout`) and parse its summary.
pub fn finish_bench(mut child: Child, timeout: Duration) -> Result<Summary, String> {
    let end = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < end => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let out = child.wait_with_output().map_err(|e| e.to_string())?;
                return Err(format!(
                    "cpgbench timed out: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "cpgbench failed ({}): {}{}",
            out.status,
            text,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut s = Summary::default();
    for kv in text.split_whitespace() {
        let Some((k, v)) = kv.split_once('=') else {
            continue;
        };
        let v: u64 = v.parse().unwrap_or(0);
        match k {
            "delivered" => s.delivered = v,
            "elapsed_ms" => s.elapsed_ms = v,
            "latency_us_avg" => s.latency_us_avg = v,
            "latency_us_max" => s.latency_us_max = v,
            "sent_retries" => s.sent_retries = v,
            _ => {}
        }
    }
    Ok(s)
}

/// One delivery: sender node id, sender pid, sender's sequence number.
pub type Delivery = (u32, u32, u32);

/// Read a cpgbench delivery log.
pub fn read_log(p: &Path) -> Vec<Delivery> {
    let text = std::fs::read_to_string(p).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace().map(|x| x.parse::<u32>().ok());
            Some((it.next()??, it.next()??, it.next()??))
        })
        .collect()
}

fn monotonic_ns() -> u64 {
    let ts = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC).expect("clock");
    ts.tv_sec() as u64 * 1_000_000_000 + ts.tv_nsec() as u64
}

fn no_event(e: CsError) -> bool {
    e == CsError::TRY_AGAIN || e == CsError::TIMEOUT
}

/// A CPG member using Atrium's client (`atrium_corosync::client::Cpg`),
/// inside node `i`, doing what cpgbench does; returns its deliveries.
pub fn rust_member(
    lab: &Lab,
    i: usize,
    group: &str,
    members: usize,
    count: u64,
    size: usize,
    timeout: Duration,
) -> Result<Vec<Delivery>, String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            lab.enter_thread(i).map_err(|e| e.to_string())?;
            rust_member_here(group, members, count, size, timeout)
        })
        .join()
        .map_err(|_| "member thread panicked".to_string())?
    })
}

fn rust_member_here(
    group: &str,
    members: usize,
    count: u64,
    size: usize,
    timeout: Duration,
) -> Result<Vec<Delivery>, String> {
    let end = Instant::now() + timeout;
    let err = |what: &str, e: CsError| format!("{what}: {}", e.text());
    let cpg = loop {
        match Cpg::connect() {
            Ok(c) => break c,
            Err(e) if e == CsError::TRY_AGAIN && Instant::now() < end => {
                std::thread::sleep(Duration::from_millis(100))
            }
            Err(e) => return Err(err("cpg_initialize", e)),
        }
    };
    let pid = std::process::id();
    loop {
        match cpg.join(group.as_bytes(), pid, 0) {
            Ok(()) => break,
            Err(e) if e == CsError::TRY_AGAIN && Instant::now() < end => {
                std::thread::sleep(Duration::from_millis(100))
            }
            Err(e) => return Err(err("cpg_join", e)),
        }
    }
    let nodeid = cpg.local_get().map_err(|e| err("cpg_local_get", e))?;
    let mut seen = 0usize;
    while seen < members {
        if Instant::now() > end {
            return Err(format!(
                "timeout waiting for {members} members (saw {seen})"
            ));
        }
        match cpg.next_event(Some(Duration::from_millis(100))) {
            Ok(CpgEvent::Confchg { members: m, .. }) => seen = m.len(),
            Ok(_) => {}
            Err(e) if no_event(e) => {}
            Err(e) => return Err(err("cpg_dispatch", e)),
        }
    }
    let want = count * members as u64;
    let mut got = Vec::with_capacity(want as usize);
    let mut buf = vec![0u8; size.max(24)];
    let mut seq = 0u64;
    let record = |ev: CpgEvent, got: &mut Vec<Delivery>| {
        if let CpgEvent::Deliver {
            nodeid, pid, data, ..
        } = ev
        {
            if data.len() >= 24 && u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) == MAGIC
            {
                let s = u32::from_ne_bytes([data[12], data[13], data[14], data[15]]);
                got.push((nodeid, pid, s));
            }
        }
    };
    while (got.len() as u64) < want {
        if Instant::now() > end {
            return Err(format!("timeout: delivered {} of {want}", got.len()));
        }
        if seq < count {
            buf[0..4].copy_from_slice(&MAGIC.to_ne_bytes());
            buf[4..8].copy_from_slice(&nodeid.to_ne_bytes());
            buf[8..12].copy_from_slice(&pid.to_ne_bytes());
            buf[12..16].copy_from_slice(&(seq as u32).to_ne_bytes());
            buf[16..24].copy_from_slice(&monotonic_ns().to_ne_bytes());
            match cpg.mcast(&buf) {
                Ok(()) => seq += 1,
                Err(e) if e == CsError::TRY_AGAIN => {
                    // Flow control: take what is there, then retry.
                    match cpg.next_event(Some(Duration::from_micros(200))) {
                        Ok(ev) => record(ev, &mut got),
                        Err(e) if no_event(e) => {}
                        Err(e) => return Err(err("cpg_dispatch", e)),
                    }
                }
                Err(e) => return Err(err("cpg_mcast_joined", e)),
            }
            // Drain without waiting.
            loop {
                match cpg.next_event(Some(Duration::ZERO)) {
                    Ok(ev) => record(ev, &mut got),
                    Err(e) if no_event(e) => break,
                    Err(e) => return Err(err("cpg_dispatch", e)),
                }
            }
        } else {
            match cpg.next_event(Some(Duration::from_millis(100))) {
                Ok(ev) => record(ev, &mut got),
                Err(e) if no_event(e) => {}
                Err(e) => return Err(err("cpg_dispatch", e)),
            }
        }
    }
    Ok(got)
}

/// Every member saw the same sequence, which holds each sender's `count`
/// messages exactly once and in the order sent.
pub fn check_total_order(logs: &[(String, Vec<Delivery>)], senders: usize, count: u64) {
    let (first_name, first) = &logs[0];
    assert_eq!(
        first.len() as u64,
        senders as u64 * count,
        "{first_name} delivered {} messages, want {}",
        first.len(),
        senders as u64 * count
    );
    let mut next: std::collections::BTreeMap<(u32, u32), u32> = Default::default();
    for (k, &(n, p, s)) in first.iter().enumerate() {
        let e = next.entry((n, p)).or_insert(0);
        assert_eq!(
            s, *e,
            "{first_name}: delivery {k} is {n}/{p} seq {s}, expected seq {e} (lost, duplicated or reordered)"
        );
        *e += 1;
    }
    assert_eq!(next.len(), senders, "senders seen: {:?}", next.keys());
    for (name, log) in &logs[1..] {
        if log != first {
            let at = log
                .iter()
                .zip(first.iter())
                .position(|(a, b)| a != b)
                .unwrap_or(log.len().min(first.len()));
            panic!(
                "{name}'s delivery order differs from {first_name}'s at {at} ({:?} vs {:?}; lengths {} and {})",
                log.get(at),
                first.get(at),
                log.len(),
                first.len()
            );
        }
    }
}

/// Mask what legitimately differs between two runs of a tool: the date,
/// ring ids.
pub fn normalise(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let l = if line.starts_with("Date:") {
            "Date: <date>".to_string()
        } else if let Some(rest) = line.strip_prefix("Ring ID:") {
            let _ = rest;
            "Ring ID: <ring>".to_string()
        } else {
            line.to_string()
        };
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// `corosync-cmapctl -g KEY` value on node `i`.
pub fn cmap_get(lab: &Lab, i: usize, key: &str) -> Option<String> {
    let out = lab.run(i, &["corosync-cmapctl", "-g", key]).ok()?;
    if out.code != 0 {
        return None;
    }
    out.stdout
        .trim()
        .rsplit_once(" = ")
        .map(|(_, v)| v.to_string())
}

/// Token timeout as Totem computes it (token + (n-2) * coefficient) plus
/// consensus, from the running node `i`.
pub fn token_plus_consensus(lab: &Lab, i: usize) -> Duration {
    let token: u64 = cmap_get(lab, i, "runtime.config.totem.token")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1650);
    let consensus: u64 = cmap_get(lab, i, "runtime.config.totem.consensus")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1980);
    Duration::from_millis(token + consensus)
}

/// The last lines of node `i`'s corosync.log.
pub fn corosync_log(lab: &Lab, i: usize) -> String {
    std::fs::read_to_string(lab.node_dir(i).join("var/log/cluster/corosync.log"))
        .unwrap_or_default()
}

/// One node's membership as `corosync-quorumtool -s` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// "Ring ID:" (`<representative>.<sequence>`, hexadecimal).
    pub ring: String,
    pub quorate: bool,
    /// Sorted node ids of the membership.
    pub members: Vec<u32>,
}

/// Node `i`'s current view.
pub fn view(lab: &Lab, i: usize) -> Result<View, String> {
    let opts = atrium_tests::lab::RunOpts {
        timeout: Duration::from_secs(15),
        ..Default::default()
    };
    let out = lab
        .run_with(i, &["corosync-quorumtool", "-s"], &opts)
        .map_err(|e| format!("node {i}: {e}"))?;
    let q = atrium_tests::lab::QuorumStatus::parse(&out.stdout)
        .map_err(|e| format!("node {i}: {e} (exit {}, {})", out.code, out.stderr.trim()))?;
    let ring = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Ring ID:"))
        .map(|r| r.trim().to_string())
        .ok_or_else(|| format!("node {i}: no Ring ID line:\n{}", out.stdout))?;
    let mut members = q.members;
    members.sort_unstable();
    Ok(View {
        ring,
        quorate: q.quorate,
        members,
    })
}

/// One look: every node of `members` is in the same ring (same ring id),
/// whose membership is exactly `members`, quorate iff it holds a majority
/// of the lab's nodes. Returns the agreed ring id.
pub fn check_agreed(lab: &Lab, members: &[usize]) -> Result<String, String> {
    let mut want: Vec<u32> = members.iter().map(|&i| i as u32).collect();
    want.sort_unstable();
    let quorate = lab.expect_quorate(members.len());
    let mut ring: Option<(usize, String)> = None;
    for &i in members {
        let v = view(lab, i)?;
        if v.members != want || v.quorate != quorate {
            return Err(format!(
                "node {i}: members {:?} quorate {} (want {want:?} quorate {quorate})",
                v.members, v.quorate
            ));
        }
        match &ring {
            None => ring = Some((i, v.ring)),
            Some((j, r)) if *r != v.ring => {
                return Err(format!(
                    "node {i} is in ring {} but node {j} in {r}",
                    v.ring
                ));
            }
            Some(_) => {}
        }
    }
    ring.map(|(_, r)| r)
        .ok_or_else(|| "no members given".to_string())
}

/// Wait until [`check_agreed`] holds; returns the ring id and how long it
/// took.
pub fn wait_agreed(
    lab: &Lab,
    members: &[usize],
    timeout: Duration,
) -> Result<(String, Duration), String> {
    let t = Instant::now();
    atrium_tests::lab::wait::wait_for(&format!("ring of {members:?}"), timeout, || {
        check_agreed(lab, members)
    })
    .map(|r| (r, t.elapsed()))
    .map_err(|e| e.to_string())
}
