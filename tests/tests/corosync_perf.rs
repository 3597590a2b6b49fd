//! Performance of Atrium's corosync against the reference, as ratios
//! measured in one run on the same lab (3 nodes, udpu, token 1000 ms):
//! CPG throughput (messages/s, MB/s) and delivery latency with 64 B and
//! 64 KB messages (one reference-libcpg client per node, all sending), and
//! failover detection (kill -9 of a node until the survivors agree on the
//! new membership and quorum), for an all-reference ring, an all-Atrium
//! ring and the mixed ring (n3 ours).
//!
//! Opt-in: `ATRIUM_COROSYNC_PERF=1`. Counts: `ATRIUM_COROSYNC_PERF_SMALL`
//! (64 B messages per client, default 20,000), `ATRIUM_COROSYNC_PERF_LARGE`
//! (64 KB messages per client, default 300). Needs root, the reference
//! corosync, gcc and libcpg-dev.

mod corosync_common;

use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, Stack, Transport};
use atrium_tests::skip;
use corosync_common as cc;

const LIMIT: Duration = Duration::from_secs(90);

#[derive(Debug, Clone, Copy, Default)]
struct Cpg {
    msgs_per_s: f64,
    mb_per_s: f64,
    latency_us: f64,
}

#[derive(Debug, Clone, Default)]
struct Row {
    name: &'static str,
    small: Cpg,
    large: Cpg,
    failover_s: f64,
}

fn bench(lab: &Lab, group: &str, count: u64, size: usize) -> Cpg {
    let timeout = Duration::from_secs(300 + count / 50);
    let kids: Vec<_> = (1..=3)
        .map(|i| cc::spawn_bench(lab, i, group, 3, count, size, None))
        .collect();
    let sums: Vec<_> = kids
        .into_iter()
        .map(|k| cc::finish_bench(k, timeout).expect("cpgbench"))
        .collect();
    for s in &sums {
        assert_eq!(s.delivered, 3 * count, "{s:?}");
    }
    let secs = sums.iter().map(|s| s.elapsed_ms).max().unwrap_or(1).max(1) as f64 / 1000.0;
    let msgs = (3 * count) as f64 / secs;
    Cpg {
        msgs_per_s: msgs,
        mb_per_s: msgs * size as f64 / 1e6,
        latency_us: sums.iter().map(|s| s.latency_us_avg as f64).sum::<f64>() / sums.len() as f64,
    }
}

fn measure(name: &'static str, cfg: LabConfig, small: u64, large: u64) -> Row {
    let lab = Lab::up(cfg).expect("ring forms");
    let s = bench(&lab, "perf-small", small, 64);
    let l = bench(&lab, "perf-large", large, 65536);
    // Failover: kill -9 n3, then (after it rejoined) n1.
    let mut total = 0.0;
    for victim in [3usize, 1] {
        let rest: Vec<usize> = (1..=3).filter(|&i| i != victim).collect();
        let t = Instant::now();
        lab.kill(victim).unwrap();
        lab.wait_converged(&rest, LIMIT)
            .expect("survivors converge");
        total += t.elapsed().as_secs_f64();
        lab.start(victim).unwrap();
        lab.wait_converged(&[1, 2, 3], LIMIT).expect("rejoins");
    }
    Row {
        name,
        small: s,
        large: l,
        failover_s: total / 2.0,
    }
}

#[test]
fn cpg_throughput_latency_and_failover_vs_reference() {
    if std::env::var_os("ATRIUM_COROSYNC_PERF").is_none_or(|v| v != "1") {
        skip!("opt-in: set ATRIUM_COROSYNC_PERF=1");
    }
    if let Some(why) = lab::skip_reason(Stack::Corosync) {
        skip!("{why}");
    }
    if let Err(why) = cc::cpgbench() {
        skip!("{why}");
    }
    let small = cc::env_num("ATRIUM_COROSYNC_PERF_SMALL", 20_000);
    let large = cc::env_num("ATRIUM_COROSYNC_PERF_LARGE", 300);
    let base = || {
        LabConfig::new(3)
            .stack(Stack::Corosync)
            .transport(Transport::Udpu)
    };
    let ours = cc::ours_corosync();
    let rows = [
        measure("reference", base(), small, large),
        measure(
            "atrium",
            base().substitute_all("corosync", &ours),
            small,
            large,
        ),
        measure(
            "mixed(n3)",
            base().substitute(3, "corosync", &ours),
            small,
            large,
        ),
    ];
    let r = &rows[0];
    let mut text = format!(
        "corosync perf: 3 nodes udpu, 3 senders x {small} x 64 B and x {large} x 64 KB\n{:<10} {:>11} {:>8} {:>9} | {:>9} {:>8} {:>9} | {:>8}\n",
        "ring", "64B msg/s", "MB/s", "lat us", "64K msg/s", "MB/s", "lat us", "failover"
    );
    for row in &rows {
        text.push_str(&format!(
            "{:<10} {:>11.0} {:>8.2} {:>9.0} | {:>9.0} {:>8.1} {:>9.0} | {:>7.2}s\n",
            row.name,
            row.small.msgs_per_s,
            row.small.mb_per_s,
            row.small.latency_us,
            row.large.msgs_per_s,
            row.large.mb_per_s,
            row.large.latency_us,
            row.failover_s
        ));
    }
    for row in &rows[1..] {
        text.push_str(&format!(
            "{} / reference: 64 B throughput x{:.2}, latency x{:.2}; 64 KB throughput x{:.2}, latency x{:.2}; failover detection x{:.2}\n",
            row.name,
            row.small.msgs_per_s / r.small.msgs_per_s,
            row.small.latency_us / r.small.latency_us,
            row.large.msgs_per_s / r.large.msgs_per_s,
            row.large.latency_us / r.large.latency_us,
            row.failover_s / r.failover_s
        ));
    }
    eprintln!("{text}");
}
