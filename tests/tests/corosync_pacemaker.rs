//! The reference Pacemaker 2.1 stack (pacemakerd and its daemons,
//! unchanged) on a 3-node ring made only of Atrium's corosync (udpu): the
//! cluster forms (quorum, one DC in S_IDLE, all online), a Dummy resource
//! starts, the node running it is killed with -9, the survivors converge and
//! recover the resource elsewhere, and the killed node rejoins.
//!
//! Needs root and the reference Pacemaker and corosync; skips otherwise.

mod corosync_common;

use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, Stack, Transport};
use atrium_tests::skip;
use corosync_common as cc;

const LIMIT: Duration = Duration::from_secs(120);
const DUMMY: &str = r#"<primitive id="d" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="d-monitor-5s" name="monitor" interval="5s"/></operations></primitive>"#;

#[test]
fn pacemaker_on_atrium_corosync_recovers_a_dummy() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let t = Instant::now();
    let cfg = LabConfig::new(3)
        .transport(Transport::Udpu)
        .substitute_all("corosync", cc::ours_corosync());
    let lab = Lab::up(cfg).expect("Pacemaker converges on Atrium's corosync");
    let formed = t.elapsed();
    for i in 1..=3 {
        let v = lab.run_ok(i, &["corosync", "-v"]).unwrap().stdout;
        assert!(v.contains("Atrium"), "n{i} runs {v}");
    }
    lab.run_ok(1, &["cibadmin", "-C", "-o", "resources", "-X", DUMMY])
        .unwrap();
    let on = lab.wait_resource(1, "d", "Started", LIMIT).unwrap();
    let victim: usize = on.trim_start_matches('n').parse().expect("node name");
    let rest: Vec<usize> = (1..=3).filter(|&i| i != victim).collect();

    let t = Instant::now();
    lab.kill(victim).unwrap();
    let c = lab
        .wait_converged(&rest, LIMIT)
        .expect("survivors converge");
    assert!(c.quorate);
    let converged = t.elapsed();
    let now_on = lab.wait_resource(rest[0], "d", "Started", LIMIT).unwrap();
    let recovered = t.elapsed();
    assert_ne!(now_on, on, "d recovered on a survivor");
    assert!(rest.contains(&now_on.trim_start_matches('n').parse().unwrap()));

    let t = Instant::now();
    lab.start(victim).unwrap();
    lab.wait_converged(&[1, 2, 3], LIMIT).expect("rejoins");
    let rejoined = t.elapsed();
    // Still exactly one copy, still running.
    let again = lab.wait_resource(1, "d", "Started", LIMIT).unwrap();
    eprintln!(
        "Pacemaker on Atrium corosync: formed {:.1} s; d on {on}, kill -9 -> converged {:.1} s, d started on {now_on} after {:.1} s; rejoined {:.1} s; d on {again}",
        formed.as_secs_f64(),
        converged.as_secs_f64(),
        recovered.as_secs_f64(),
        rejoined.as_secs_f64()
    );
}
