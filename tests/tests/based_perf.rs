//! Performance of Atrium's pacemaker-based against the reference's, as
//! ratios measured in one run on two-node clusters (one after the other,
//! same machine; measured on node 1; two nodes because a lone node of ours
//! answers a change only once it is on disk, which the reference does
//! not): update throughput from 4 concurrent clients, query
//! latency, and memory (RSS) idle and holding a 5 MB CIB (and the time to
//! load it in 100 KB updates, and to query it).
//!
//! Opt-in: `ATRIUM_BASED_PERF=1` (skips with a reason otherwise).
//! `ATRIUM_BASED_PERF_UPDATES` (per client, default 250) and
//! `ATRIUM_BASED_PERF_QUERIES` (default 1000) set the counts.
//!
//! Needs root, the reference packages and the lab.

mod based_common;

use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, Stack};
use atrium_tests::skip;
use pcmk_msg::cib::{call_options, CibClient, ConnType};

#[derive(Debug, Default)]
struct Figures {
    updates_per_s: f64,
    query_median_us: f64,
    query_p99_us: f64,
    rss_idle_kb: u64,
    rss_5mb_kb: u64,
    query_5mb_ms: f64,
    cib_bytes: usize,
    load_5mb_s: f64,
}

fn rss_kb(lab: &Lab) -> u64 {
    let out = lab
        .run_ok(1, &["ps", "-o", "rss=", "-C", "pacemaker-based"])
        .expect("ps");
    out.stdout.trim().parse().expect("rss")
}

fn client(lab: &Lab) -> CibClient {
    based_common::in_node(lab, 1, || {
        CibClient::signon("atrium-perf", ConnType::Command).expect("sign on")
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

/// About 5 MB of cluster properties with 4 KB values, 25 per update
/// (under the IPC buffer size). Many small elements instead made the
/// reference's daemon too busy for pacemakerd's liveness checks, which
/// killed it.
fn bulk_chunks() -> Vec<pcmk_xml::Element> {
    let value = "v".repeat(4000);
    let mut chunks = Vec::new();
    let (mut size, mut k) = (0, 0);
    while size < 5 * 1024 * 1024 {
        let mut s = String::from(r#"<cluster_property_set id="bulk">"#);
        for _ in 0..25 {
            let nv = format!(r#"<nvpair id="bulk-{k:06}" name="bulk-{k:06}" value="{value}"/>"#);
            size += nv.len();
            s.push_str(&nv);
            k += 1;
        }
        s.push_str("</cluster_property_set>");
        chunks.push(pcmk_xml::parse(&s).expect("bulk xml"));
    }
    chunks
}

fn measure(lab: &Lab, tag: &str) -> Figures {
    let per_client = based_common::env_count("ATRIUM_BASED_PERF_UPDATES", 250);
    let queries = based_common::env_count("ATRIUM_BASED_PERF_QUERIES", 1000);
    let mut f = Figures {
        rss_idle_kb: rss_kb(lab),
        ..Figures::default()
    };

    // Throughput: 4 clients updating at once.
    let clients: Vec<CibClient> = (0..4).map(|_| client(lab)).collect();
    let start = Instant::now();
    std::thread::scope(|s| {
        for (t, c) in clients.iter().enumerate() {
            s.spawn(move || {
                for i in 0..per_client {
                    let xml = pcmk_xml::parse(&format!(
                        r#"<cluster_property_set id="perf-{t}"><nvpair id="perf-{t}-{i}" name="perf-{t}-{i}" value="{i}"/></cluster_property_set>"#
                    ))
                    .expect("xml");
                    let r = c
                        .modify(Some("crm_config"), &xml, call_options::CAN_CREATE)
                        .expect("modify");
                    assert_eq!(r.rc, 0, "{tag}: update {t}/{i}");
                }
            });
        }
    });
    f.updates_per_s = (4 * per_client) as f64 / start.elapsed().as_secs_f64();
    drop(clients);

    // Query latency of the whole (small) CIB.
    let c = client(lab);
    let mut lat: Vec<Duration> = (0..queries)
        .map(|_| {
            let t = Instant::now();
            let r = c.query(None, 0).expect("query");
            assert_eq!(r.rc, 0);
            t.elapsed()
        })
        .collect();
    lat.sort();
    f.query_median_us = percentile(&lat, 0.5);
    f.query_p99_us = percentile(&lat, 0.99);

    // A 5 MB CIB.
    let mut c = c;
    c.set_timeout(Duration::from_secs(600));
    let t = Instant::now();
    for chunk in bulk_chunks() {
        let r = c
            .modify(Some("crm_config"), &chunk, call_options::CAN_CREATE)
            .expect("bulk update");
        assert_eq!(r.rc, 0, "{tag}: bulk update");
    }
    f.load_5mb_s = t.elapsed().as_secs_f64();
    let mut lat: Vec<Duration> = (0..10)
        .map(|_| {
            let t = Instant::now();
            let r = c.query(None, 0).expect("query");
            assert_eq!(r.rc, 0);
            f.cib_bytes = r.output.map(|o| o.to_unformatted().len()).unwrap_or(0);
            t.elapsed()
        })
        .collect();
    lat.sort();
    f.query_5mb_ms = percentile(&lat, 0.5) / 1000.0;
    f.rss_5mb_kb = rss_kb(lab);
    assert!(
        f.cib_bytes > 5_000_000,
        "{tag}: the CIB is {} bytes",
        f.cib_bytes
    );
    f
}

#[test]
fn throughput_latency_and_memory_against_the_reference() {
    if std::env::var_os("ATRIUM_BASED_PERF").is_none() {
        skip!("performance ratios are opt-in: set ATRIUM_BASED_PERF=1");
    }
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let based = based_common::based();
    let theirs = {
        let lab = Lab::up(LabConfig::new(2)).expect("lab");
        measure(&lab, "reference")
    };
    let mine = {
        let lab = Lab::up(LabConfig::new(2).substitute_all("based", &based)).expect("lab");
        assert!(based_common::runs_ours(&lab, 1) && based_common::runs_ours(&lab, 2));
        measure(&lab, "ours")
    };
    let ratio = |a: f64, b: f64| a / b;
    eprintln!("reference: {theirs:?}");
    eprintln!("ours:      {mine:?}");
    eprintln!(
        "ours/reference: update throughput {:.2}x, query median {:.2}x, p99 {:.2}x, \
         5 MB load {:.2}x, 5 MB query {:.2}x, RSS idle {:.2}x, RSS with 5 MB CIB {:.2}x",
        ratio(mine.updates_per_s, theirs.updates_per_s),
        ratio(mine.query_median_us, theirs.query_median_us),
        ratio(mine.query_p99_us, theirs.query_p99_us),
        ratio(mine.load_5mb_s, theirs.load_5mb_s),
        ratio(mine.query_5mb_ms, theirs.query_5mb_ms),
        ratio(mine.rss_idle_kb as f64, theirs.rss_idle_kb as f64),
        ratio(mine.rss_5mb_kb as f64, theirs.rss_5mb_kb as f64),
    );
}
