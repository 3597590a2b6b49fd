//! Faults in a mixed ring (n1, n2 reference corosync 3.1.7, n3 Atrium's;
//! udpu, token 1000 ms): kill -9 of our node and of a reference node, each
//! restarted; partitions {1}|{2,3} and {1,2}|{3}, each healed. Every time
//! the survivors converge (membership and quorum as expected on every node)
//! within token + consensus (as the running Totem computes them, plus the
//! polling margin), and a watcher sampling every node's
//! corosync-quorumtool throughout never sees two quorate partitions (two
//! quorate nodes each missing from the other's membership), nor a quorate
//! view without a majority.
//!
//! Needs root and the reference corosync; skips otherwise.

mod corosync_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, Stack, Transport};
use atrium_tests::skip;
use corosync_common as cc;

const LIMIT: Duration = Duration::from_secs(90);
/// What polling adds on top of the protocol's own time: the poll period,
/// corosync-quorumtool runs on each node.
const MARGIN: Duration = Duration::from_millis(2000);

/// One sampling round: (node, quorate, members) of every node that answered.
type Round = Vec<(u32, bool, Vec<u32>)>;

fn split_brain(round: &Round) -> Option<String> {
    for (n, q, m) in round {
        if *q && m.len() < 2 {
            return Some(format!("node {n} quorate with members {m:?}"));
        }
    }
    for (a, qa, ma) in round {
        for (b, qb, mb) in round {
            if a < b && *qa && *qb && !ma.contains(b) && !mb.contains(a) {
                return Some(format!(
                    "two quorate partitions: node {a} {ma:?} and node {b} {mb:?}"
                ));
            }
        }
    }
    None
}

fn watch(lab: &Lab, stop: &AtomicBool, seen: &Mutex<(usize, Vec<String>)>) {
    while !stop.load(Ordering::SeqCst) {
        let mut round = Round::new();
        for i in 1..=3 {
            if !lab.is_running(i) {
                continue;
            }
            if let Ok(q) = lab.quorum(i) {
                round.push((i as u32, q.quorate, q.members));
            }
        }
        let mut s = seen.lock().unwrap_or_else(|p| p.into_inner());
        s.0 += 1;
        if let Some(bad) = split_brain(&round) {
            s.1.push(bad);
        }
        drop(s);
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn mixed_ring_kill_restart_partition_heal() {
    if let Some(why) = lab::skip_reason(Stack::Corosync) {
        skip!("{why}");
    }
    let cfg = LabConfig::new(3)
        .stack(Stack::Corosync)
        .transport(Transport::Udpu)
        .substitute(3, "corosync", cc::ours_corosync());
    let lab = Lab::up(cfg).expect("mixed ring forms");
    let bound = cc::token_plus_consensus(&lab, 1);
    let bound3 = cc::token_plus_consensus(&lab, 3);
    assert_eq!(bound, bound3, "our Totem computes the reference's timeouts");
    let stop = AtomicBool::new(false);
    let seen = Mutex::new((0usize, Vec::<String>::new()));
    let mut report = Vec::new();
    std::thread::scope(|s| {
        s.spawn(|| watch(&lab, &stop, &seen));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // kill -9 of a node, then its restart.
            for victim in [3usize, 1] {
                let rest: Vec<usize> = (1..=3).filter(|&i| i != victim).collect();
                let t = Instant::now();
                lab.kill(victim).unwrap();
                let c = lab
                    .wait_converged(&rest, LIMIT)
                    .expect("survivors converge");
                assert!(c.quorate);
                let took = t.elapsed();
                report.push(format!("kill -9 n{victim}: {:.2} s", took.as_secs_f64()));
                assert!(
                    took <= bound + MARGIN,
                    "kill of n{victim} took {took:?} to converge (token + consensus {bound:?})"
                );
                let t = Instant::now();
                lab.start(victim).unwrap();
                lab.wait_converged(&[1, 2, 3], LIMIT).expect("rejoins");
                report.push(format!(
                    "restart n{victim}: {:.2} s",
                    t.elapsed().as_secs_f64()
                ));
            }
            // Partitions, with our node in the majority, then alone.
            for (minor, major) in [(vec![1usize], vec![2usize, 3]), (vec![3], vec![1, 2])] {
                let t = Instant::now();
                lab.partition(&[minor.clone(), major.clone()]).unwrap();
                let m = lab
                    .wait_converged(&major, LIMIT)
                    .expect("majority converges");
                assert!(m.quorate);
                let took = t.elapsed();
                let n = lab
                    .wait_converged(&minor, LIMIT)
                    .expect("minority converges");
                assert!(!n.quorate);
                report.push(format!(
                    "partition {minor:?}|{major:?}: majority {:.2} s, minority {:.2} s",
                    took.as_secs_f64(),
                    t.elapsed().as_secs_f64()
                ));
                assert!(
                    took <= bound + MARGIN,
                    "partition {minor:?}|{major:?} took {took:?} (token + consensus {bound:?})"
                );
                let t = Instant::now();
                lab.heal().unwrap();
                lab.wait_converged(&[1, 2, 3], LIMIT).expect("heals");
                report.push(format!("heal: {:.2} s", t.elapsed().as_secs_f64()));
            }
        }));
        stop.store(true, Ordering::SeqCst);
        if let Err(p) = result {
            std::panic::resume_unwind(p);
        }
    });
    let (rounds, bad) = seen.into_inner().unwrap_or_else(|p| p.into_inner());
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(rounds > 10, "the watcher sampled {rounds} rounds");
    // Ring id persistence: our node stored the ring sequence as corosync
    // does (8 bytes, native order), and it is the current ring's.
    let ringid = std::fs::read(lab.node_dir(3).join("var/lib/corosync/ringid_3"))
        .expect("ringid_3 in the state dir");
    assert_eq!(ringid.len(), 8, "{ringid:?}");
    let seq = u64::from_ne_bytes(ringid.try_into().expect("8 bytes"));
    let ring = lab
        .run_ok(1, &["corosync-quorumtool", "-s"])
        .unwrap()
        .stdout;
    let shown = ring
        .lines()
        .find_map(|l| l.strip_prefix("Ring ID:"))
        .and_then(|v| v.trim().split_once('.'))
        .and_then(|(_, s)| u64::from_str_radix(s, 16).ok());
    assert_eq!(
        shown,
        Some(seq),
        "ringid_3 holds {seq:#x}; quorumtool says {ring}"
    );
    eprintln!(
        "mixed ring faults (token + consensus {:.2} s; {rounds} watcher rounds, no split brain): {}",
        bound.as_secs_f64(),
        report.join("; ")
    );
}
