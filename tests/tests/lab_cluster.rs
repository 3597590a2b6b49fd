//! Three reference nodes in the lab: the cluster forms (quorate, three
//! online, one DC in S_IDLE); kill -9 of the DC is detected and the node
//! rejoins after a restart; a 2|1 partition leaves the majority quorate
//! and running the resource, the minority without quorum and stopping it,
//! and after healing the resource is active exactly once.
//! Needs root and the reference packages; skips otherwise.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, Stack};
use atrium_tests::skip;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

const LIMIT: Duration = Duration::from_secs(90);

fn node_number(lab: &Lab, name: &str) -> usize {
    lab.parse_node(name).expect("a node name of this lab")
}

#[test]
fn three_nodes_form_survive_kill_and_rejoin() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let _g = serial();
    let t = Instant::now();
    let lab = Lab::up(LabConfig::new(3)).expect("3-node lab comes up");
    let formed = t.elapsed();
    let c = lab.wait_converged(&[1, 2, 3], LIMIT).unwrap();
    let q = lab.quorum(2).unwrap();
    assert!(q.quorate);
    assert_eq!((q.nodes, q.members.clone()), (3, vec![1, 2, 3]));
    for i in 1..=3 {
        assert_eq!(lab.status(i).unwrap().online(), ["n1", "n2", "n3"]);
    }

    // Kill -9 the DC: the others notice, elect a new DC, stay quorate.
    let victim = node_number(&lab, c.dc.as_deref().expect("a DC"));
    let rest: Vec<usize> = (1..=3).filter(|&i| i != victim).collect();
    lab.kill(victim).unwrap();
    assert!(!lab.is_running(victim));
    let t2 = Instant::now();
    let after = lab
        .wait_converged(&rest, LIMIT)
        .expect("survivors converge");
    let detected = t2.elapsed();
    assert_ne!(after.dc.as_deref(), c.dc.as_deref());
    assert!(after.quorate);
    let st = lab.status(rest[0]).unwrap();
    let v = st
        .nodes
        .iter()
        .find(|n| n.name == lab.node_name(victim))
        .expect("the killed node stays configured");
    assert!(!v.online);

    // Restart it: it rejoins the same cluster.
    let t3 = Instant::now();
    lab.start(victim).unwrap();
    lab.wait_converged(&[1, 2, 3], LIMIT).expect("rejoined");
    let rejoined = t3.elapsed();
    eprintln!(
        "3 nodes: formed {:.1} s, DC kill detected {:.1} s, rejoined {:.1} s",
        formed.as_secs_f64(),
        detected.as_secs_f64(),
        rejoined.as_secs_f64()
    );
}

#[test]
fn partition_and_heal() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let _g = serial();
    let lab = Lab::up(LabConfig::new(3)).expect("3-node lab comes up");
    // A resource that prefers n3, which will end up in the minority.
    lab.run_ok(
        1,
        &[
            "cibadmin",
            "-C",
            "-o",
            "resources",
            "-X",
            r#"<primitive id="d" class="ocf" provider="heartbeat" type="Dummy"/>"#,
        ],
    )
    .unwrap();
    lab.run_ok(
        1,
        &[
            "cibadmin",
            "-C",
            "-o",
            "constraints",
            "-X",
            r#"<rsc_location id="d-on-n3" rsc="d" node="n3" score="100"/>"#,
        ],
    )
    .unwrap();
    // The resource may start elsewhere before the constraint arrives; wait
    // for the placement the constraint dictates.
    lab::wait::wait_for("d started on n3", LIMIT, || {
        let st = lab.status(1).map_err(|e| e.to_string())?;
        match st.resource("d") {
            Some(r) if r.active && r.nodes == ["n3"] => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .unwrap();

    let t = Instant::now();
    lab.partition(&[vec![1, 2], vec![3]]).unwrap();
    let major = lab
        .wait_converged(&[1, 2], LIMIT)
        .expect("majority converges");
    assert!(major.quorate);
    let minor = lab.wait_converged(&[3], LIMIT).expect("minority converges");
    assert!(!minor.quorate);
    assert_eq!(minor.dc.as_deref(), Some("n3"));
    let split = t.elapsed();
    // The majority recovers the resource; the minority (no-quorum-policy
    // stop) stops its copy.
    let on = lab.wait_resource(1, "d", "Started", LIMIT).unwrap();
    assert!(on == "n1" || on == "n2", "{on}");
    lab::wait::wait_for("n3 to stop d", LIMIT, || {
        let st = lab.status(3).map_err(|e| e.to_string())?;
        match st.resource("d") {
            Some(r) if !r.active => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .unwrap();

    let t2 = Instant::now();
    lab.heal().unwrap();
    lab.wait_converged(&[1, 2, 3], LIMIT)
        .expect("healed cluster converges");
    let healed = t2.elapsed();
    // One copy, on its preferred node again, seen the same from every node
    // of a converged cluster (no stickiness: the location score decides).
    let on = lab::wait::wait_for("d back on n3, agreed by all", LIMIT, || {
        lab.check_converged(&[1, 2, 3])?;
        let mut seen = Vec::new();
        for i in 1..=3 {
            let st = lab.status(i).map_err(|e| e.to_string())?;
            let r = st.resource("d").ok_or("d missing")?;
            if !r.active || r.failed || r.nodes.len() != 1 {
                return Err(format!("node {i}: {r:?}"));
            }
            seen.push(r.nodes[0].clone());
        }
        match seen.as_slice() {
            [a, b, c] if a == b && b == c && a == "n3" => Ok(a.clone()),
            _ => Err(format!("views {seen:?}")),
        }
    })
    .unwrap();
    eprintln!(
        "partition: split {:.1} s, healed {:.1} s, d on {}",
        split.as_secs_f64(),
        healed.as_secs_f64(),
        on
    );
}
