//! `crm_simulate -L` (the live CIB, `cib__signon_query`): without a
//! cluster, and against a one-node reference cluster running a Dummy
//! resource, our crm_simulate prints what the reference's prints, with the
//! same exit code.
//! Needs the reference (and, for the live case, root and the lab); skips
//! otherwise.
// Ref: tools/crm_simulate.c (setup_input), lib/cib/cib_utils.c

use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, Stack};
use atrium_tests::{ours, reference, run, skip};

/// Scores, then the simulated transition of the live cluster.
const ARGS: &[&str] = &["-L", "-s", "-S"];

#[test]
fn live_query_without_a_cluster_fails_like_the_reference() {
    let Some(theirs) = reference("crm_simulate") else {
        skip!("reference crm_simulate not installed");
    };
    // No CIB manager answers in this network namespace: CI disables the
    // reference services, and labs run in namespaces of their own.
    let a = run(&ours("crm_simulate"), ARGS, None);
    let b = run(&theirs, ARGS, None);
    assert_eq!(
        (a.code, &a.stdout, &a.stderr),
        (b.code, &b.stdout, &b.stderr)
    );
    assert_ne!(a.code, 0, "no cluster, no CIB: {a:?}");
}

#[test]
fn live_cluster_is_simulated_like_the_reference() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let lab = Lab::up(LabConfig::new(1)).expect("1-node lab comes up");
    lab.run_ok(
        1,
        &[
            "cibadmin",
            "-C",
            "-o",
            "resources",
            "-X",
            r#"<primitive id="dummy" class="ocf" provider="heartbeat" type="Dummy"/>"#,
        ],
    )
    .expect("resource created");
    lab.wait_resource(1, "dummy", "Started", Duration::from_secs(60))
        .expect("dummy starts");

    let ours_bin = ours("crm_simulate");
    let ours_bin = ours_bin.to_str().expect("UTF-8 path");
    let run_in_node = |program: &str| {
        let mut args = vec![program];
        args.extend_from_slice(ARGS);
        lab.run(1, &args).expect("command runs in the node")
    };
    // The cluster may still record something (the start's result, a
    // status refresh): compare once two reference runs around ours agree.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let before = run_in_node("crm_simulate");
        let a = run_in_node(ours_bin);
        let after = run_in_node("crm_simulate");
        let stable = (before.code, &before.stdout, &before.stderr)
            == (after.code, &after.stdout, &after.stderr);
        if stable {
            assert_eq!(
                (a.code, &a.stdout, &a.stderr),
                (before.code, &before.stdout, &before.stderr)
            );
            assert_eq!(a.code, 0, "{a:?}");
            assert!(a.stdout.contains("dummy"), "{}", a.stdout);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the live CIB kept changing between reference runs"
        );
    }
}
