//! Atrium's pacemaker-based among reference peers: three-node labs with our
//! CIB manager on node 3 (then on nodes 2 and 3) take updates round-robin
//! on every node at once and end with identical CIBs (the reference's
//! `cibadmin --md5-sum-versioned` of each node's `cibadmin -Q`); after a
//! kill -9 of node 3 and more updates while it is down, node 3 comes back
//! and is resynchronised.
//!
//! `ATRIUM_BASED_UPDATES` sets the number of updates (default 500, the
//! acceptance figure). Needs root, the reference packages and the
//! lab; skips otherwise.
// Ref: daemons/based/based_callbacks.c (cib_process_request, forwarding),
// daemons/based/based_messages.c (sync, ping)

mod based_common;

use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, Stack};
use atrium_tests::skip;

/// One update: an nvpair `acc-<k>` in the cluster property set
/// `acceptance`, created if needed.
fn update(lab: &Lab, node: usize, k: usize) -> Result<(), String> {
    let xml = format!(
        r#"<cluster_property_set id="acceptance"><nvpair id="acc-{k}" name="acc-{k}" value="{k}"/></cluster_property_set>"#
    );
    let out = lab
        .run(
            node,
            &["cibadmin", "-M", "-c", "-o", "crm_config", "-X", &xml],
        )
        .map_err(|e| e.to_string())?;
    if out.code == 0 {
        Ok(())
    } else {
        Err(format!(
            "update {k} on n{node}: {} {}",
            out.code, out.stderr
        ))
    }
}

/// Updates `range`, round-robin over `nodes`, one thread per node.
fn updates(lab: &Lab, nodes: &[usize], range: std::ops::Range<usize>) {
    std::thread::scope(|s| {
        let handles: Vec<_> = nodes
            .iter()
            .enumerate()
            .map(|(t, &node)| {
                let range = range.clone();
                s.spawn(move || {
                    range
                        .filter(|k| k % nodes.len() == t)
                        .try_for_each(|k| update(lab, node, k))
                })
            })
            .collect();
        for h in handles {
            h.join().expect("updater").expect("update accepted");
        }
    });
}

/// How many `acc-*` nvpairs node `i` holds.
fn count(lab: &Lab, i: usize) -> usize {
    let out = lab
        .run_ok(i, &["cibadmin", "-Q", "-o", "crm_config"])
        .expect("query");
    out.stdout.matches("name=\"acc-").count()
}

fn scenario(ours: &[usize]) {
    let n = based_common::env_count("ATRIUM_BASED_UPDATES", 500);
    let based = based_common::based();
    let mut cfg = LabConfig::new(3);
    for &i in ours {
        cfg = cfg.substitute(i, "based", &based);
    }
    let lab = Lab::up(cfg).expect("lab up");
    for i in 1..=3 {
        assert_eq!(based_common::runs_ours(&lab, i), ours.contains(&i), "n{i}");
    }
    let all = [1, 2, 3];

    let t = Instant::now();
    updates(&lab, &all, 0..n);
    let took = t.elapsed();
    let digest =
        based_common::wait_same_cib(&lab, &all, Duration::from_secs(120)).expect("same CIB");
    eprintln!(
        "ours on {ours:?}: {n} updates round-robin in {:.1} s ({:.0}/s), digest {digest}",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    for i in all {
        assert_eq!(count(&lab, i), n, "n{i} holds every update");
    }

    // kill -9 node 3, update while it is away, bring it back.
    lab.kill(3).expect("kill n3");
    lab.wait_converged(&[1, 2], Duration::from_secs(60))
        .expect("n1, n2 without n3");
    let more = n + n / 5;
    updates(&lab, &[1, 2], n..more);
    lab.start(3).expect("restart n3");
    lab.wait_converged(&all, Duration::from_secs(90))
        .expect("n3 back");
    assert_eq!(based_common::runs_ours(&lab, 3), ours.contains(&3));
    based_common::wait_same_cib(&lab, &all, Duration::from_secs(120)).expect("n3 resynced");
    for i in all {
        assert_eq!(count(&lab, i), more, "n{i} holds every update");
    }
}

#[test]
fn ours_on_one_of_three_nodes_keeps_cibs_identical() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    scenario(&[3]);
}

#[test]
fn ours_on_two_of_three_nodes_keeps_cibs_identical() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    scenario(&[2, 3]);
}
