//! Performance of Atrium's corosync against the reference, as ratios
//! measured in one run on the same lab (3 nodes, udpu, token 1000 ms):
//! CPG throughput (messages/s, MB/s) and delivery latency with 64 B and
//! 64 KB messages (one reference-libcpg client per node, all sending as
//! fast as flow control lets them: latency there is mostly queueing),
//! delivery latency of a lightly loaded ring (the same clients, each with
//! one 64 B message in flight), and
//! failover detection (kill -9 of a node until the survivors agree on the
//! new membership and quorum), for an all-reference ring, an all-Atrium
//! ring and the mixed ring (n3 ours).
//!
//! Opt-in: `ATRIUM_COROSYNC_PERF=1`. Counts: `ATRIUM_COROSYNC_PERF_SMALL`
//! (64 B messages per client, default 20,000), `ATRIUM_COROSYNC_PERF_LARGE`
//! (64 KB messages per client, default 300), `ATRIUM_COROSYNC_PERF_LAT`
//! (one-in-flight messages per client, default 2,000),
//! `ATRIUM_COROSYNC_PERF_REPS` (runs of each, medians reported; default
//! 3). Needs root, the reference
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
    /// One message in flight per client: average and worst latency (µs).
    light: Cpg,
    light_max_us: f64,
    failover_s: f64,
}

fn bench(lab: &Lab, group: &str, count: u64, size: usize, window: u32) -> (Cpg, f64) {
    let timeout = Duration::from_secs(300 + count / 50);
    let kids: Vec<_> = (1..=3)
        .map(|i| cc::spawn_bench_window(lab, i, group, 3, count, size, None, window))
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
    let cpg = Cpg {
        msgs_per_s: msgs,
        mb_per_s: msgs * size as f64 / 1e6,
        latency_us: sums.iter().map(|s| s.latency_us_avg as f64).sum::<f64>() / sums.len() as f64,
    };
    let max = sums.iter().map(|s| s.latency_us_max).max().unwrap_or(0) as f64;
    (cpg, max)
}

/// [`bench`] `reps` times; the median of each figure (the lab shares the
/// machine's two cores with whatever else runs), the worst maximum.
fn median_bench(
    lab: &Lab,
    group: &str,
    count: u64,
    size: usize,
    window: u32,
    reps: u64,
) -> (Cpg, f64) {
    let runs: Vec<(Cpg, f64)> = (0..reps.max(1))
        .map(|r| bench(lab, &format!("{group}-{r}"), count, size, window))
        .collect();
    let median = |f: &dyn Fn(&Cpg) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(|(c, _)| f(c)).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let cpg = Cpg {
        msgs_per_s: median(&|c| c.msgs_per_s),
        mb_per_s: median(&|c| c.mb_per_s),
        latency_us: median(&|c| c.latency_us),
    };
    (cpg, runs.iter().map(|r| r.1).fold(0.0, f64::max))
}

fn measure(name: &'static str, cfg: LabConfig, counts: (u64, u64, u64), reps: u64) -> Row {
    let (small, large, light) = counts;
    let lab = Lab::up(cfg).expect("ring forms");
    let (s, _) = median_bench(&lab, "perf-small", small, 64, 0, reps);
    let (l, _) = median_bench(&lab, "perf-large", large, 65536, 0, reps);
    let (w, w_max) = median_bench(&lab, "perf-light", light, 64, 1, reps);
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
        light: w,
        light_max_us: w_max,
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
    let light = cc::env_num("ATRIUM_COROSYNC_PERF_LAT", 2_000);
    let reps = cc::env_num("ATRIUM_COROSYNC_PERF_REPS", 3);
    let counts = (small, large, light);
    let base = || {
        LabConfig::new(3)
            .stack(Stack::Corosync)
            .transport(Transport::Udpu)
    };
    let ours = cc::ours_corosync();
    let rows = [
        measure("reference", base(), counts, reps),
        measure(
            "atrium",
            base().substitute_all("corosync", &ours),
            counts,
            reps,
        ),
        measure(
            "mixed(n3)",
            base().substitute(3, "corosync", &ours),
            counts,
            reps,
        ),
    ];
    let r = &rows[0];
    let mut text = format!(
        "corosync perf: 3 nodes udpu, 3 senders x {small} x 64 B, x {large} x 64 KB (saturating), x {light} x 64 B (one in flight); medians of {reps} runs\n{:<10} {:>10} {:>7} {:>8} | {:>9} {:>7} {:>8} | {:>9} {:>9} | {:>8}\n",
        "ring", "64B msg/s", "MB/s", "lat us", "64K msg/s", "MB/s", "lat us", "1-lat us", "1-max us", "failover"
    );
    for row in &rows {
        text.push_str(&format!(
            "{:<10} {:>10.0} {:>7.2} {:>8.0} | {:>9.0} {:>7.1} {:>8.0} | {:>9.0} {:>9.0} | {:>7.2}s\n",
            row.name,
            row.small.msgs_per_s,
            row.small.mb_per_s,
            row.small.latency_us,
            row.large.msgs_per_s,
            row.large.mb_per_s,
            row.large.latency_us,
            row.light.latency_us,
            row.light_max_us,
            row.failover_s
        ));
    }
    for row in &rows[1..] {
        text.push_str(&format!(
            "{} / reference: 64 B throughput x{:.2} (saturated latency x{:.2}); 64 KB throughput x{:.2} (saturated latency x{:.2}); light-load latency x{:.2}; failover detection x{:.2}\n",
            row.name,
            row.small.msgs_per_s / r.small.msgs_per_s,
            row.small.latency_us / r.small.latency_us,
            row.large.msgs_per_s / r.large.msgs_per_s,
            row.large.latency_us / r.large.latency_us,
            row.light.latency_us / r.light.latency_us,
            row.failover_s / r.failover_s
        ));
    }
    eprintln!("{text}");
}
