//! Atrium's pacemaker-based in a one-node reference cluster: the cluster
//! reaches S_IDLE with a DC and runs an ocf:heartbeat:Dummy resource that
//! `crm_mon -1` shows; then the same script of cibadmin, crm_attribute,
//! crm_resource (--set-parameter, --meta, --ban, --clear), crm_node and
//! crm_standby commands runs against it and against an all-reference
//! cluster, and every command's stdout, stderr and exit code must match
//! (time stamps and update counters masked).
//!
//! Needs root, the reference packages and the lab; skips otherwise.
// Ref: daemons/based/based_callbacks.c, tools/cibadmin.c, tools/crm_attribute.c,
// tools/crm_resource.c, tools/crm_node.c

mod based_common;

use std::time::Duration;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use atrium_tests::lab::{self, Lab, LabConfig, Stack};
use atrium_tests::skip;
use pcmk_msg::cib::{notify, CibClient, CibNotification, ConnType};

const DUMMY: &str = r#"<primitive id="dummy" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="dummy-monitor-10s" name="monitor" interval="10s"/></operations></primitive>"#;

/// The script: every CIB operation cibadmin offers (good and bad
/// input), then the higher-level tools.
const SCRIPT: &[&[&str]] = &[
    &["cibadmin", "-Q", "-o", "crm_config"],
    &["cibadmin", "-Q", "-o", "nodes"],
    &["cibadmin", "-Q", "-o", "bogus"],
    &["cibadmin", "-Q", "-o", "alerts"],
    &["cibadmin", "-Q", "-s", "-o", "resources"],
    &[
        "cibadmin",
        "-Q",
        "--xpath",
        "//nvpair[@name='cluster-name']",
    ],
    &["cibadmin", "-Q", "--xpath", "//nvpair[@name='nonexistent']"],
    &["cibadmin", "-Q", "--xpath", "//nvpair", "--node-path"],
    &[
        "cibadmin",
        "-Q",
        "--xpath",
        "//cluster_property_set",
        "--no-children",
    ],
    &[
        "cibadmin",
        "-Q",
        "--xpath",
        "//nvpair[@name='cluster-name']/@value",
    ],
    &["cibadmin", "-Q", "-l", "-o", "crm_config"],
    &["cibadmin", "-Q", "-N", "n1", "-o", "nodes"],
    &[
        "cibadmin",
        "-C",
        "-o",
        "resources",
        "-X",
        r#"<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"/>"#,
    ],
    &[
        "cibadmin",
        "-C",
        "-o",
        "resources",
        "-X",
        r#"<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"/>"#,
    ],
    &[
        "cibadmin",
        "-C",
        "-o",
        "resources",
        "-X",
        r#"<primitive id="bad" class="ocf" type="Dummy" bogus="1"/>"#,
    ],
    &[
        "cibadmin",
        "-C",
        "-s",
        "-o",
        "resources",
        "-X",
        r#"<group id="g1"><primitive id="g1a" class="ocf" provider="heartbeat" type="Dummy"/></group>"#,
    ],
    &[
        "cibadmin",
        "-M",
        "-o",
        "resources",
        "-X",
        r#"<primitive id="d1" description="first"/>"#,
    ],
    &[
        "cibadmin",
        "-M",
        "-o",
        "resources",
        "-X",
        r#"<primitive id="nosuch" description="x"/>"#,
    ],
    &[
        "cibadmin",
        "-M",
        "-c",
        "-o",
        "resources",
        "-X",
        r#"<primitive id="d2" class="ocf" provider="heartbeat" type="Dummy"/>"#,
    ],
    &[
        "cibadmin",
        "-R",
        "-o",
        "constraints",
        "-X",
        r#"<constraints><rsc_location id="l1" rsc="d1" node="n1" score="100"/></constraints>"#,
    ],
    &["cibadmin", "-Q", "-o", "constraints"],
    &[
        "cibadmin",
        "-D",
        "-o",
        "constraints",
        "-X",
        r#"<rsc_location id="l1"/>"#,
    ],
    &[
        "cibadmin",
        "-D",
        "-o",
        "constraints",
        "-X",
        r#"<rsc_location id="nosuch"/>"#,
    ],
    &["cibadmin", "-D", "--xpath", "//primitive[@id='d2']"],
    &["cibadmin", "-D", "--xpath", "//primitive[@id='nosuch']"],
    &[
        "cibadmin",
        "-d",
        "--xpath",
        "//primitive[@id='g1a']/@description",
        "--force",
    ],
    &[
        "cibadmin",
        "-M",
        "--xpath",
        "//primitive[@id='d1']",
        "-X",
        r#"<primitive id="d1" description="second"/>"#,
    ],
    &["cibadmin", "-Q", "--xpath", "//primitive[@id='d1']"],
    &[
        "cibadmin",
        "-R",
        "--xpath",
        "//primitive[@id='d1']",
        "-X",
        r#"<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy" description="third"/>"#,
    ],
    &["cibadmin", "-B"],
    &["cibadmin", "--upgrade"],
    &["cibadmin", "--upgrade", "--force"],
    &["cibadmin", "-Q", "-o", "resources"],
    &[
        "cibadmin",
        "--create",
        "-o",
        "nosuchsection",
        "-X",
        "<foo/>",
    ],
    &[
        "cibadmin",
        "-P",
        "-X",
        r#"<diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/><target admin_epoch="0" epoch="2" num_updates="0"/></version></diff>"#,
    ],
    &[
        "cibadmin",
        "-R",
        "-o",
        "resources",
        "-X",
        "<resources><bogus/></resources>",
    ],
    &["cibadmin", "-M", "-X", r#"<cib epoch="1"/>"#],
    &["crm_attribute", "-n", "test-attr", "-v", "42"],
    &["crm_attribute", "-n", "test-attr", "-G"],
    &["crm_attribute", "-n", "test-attr", "-G", "-q"],
    &["crm_attribute", "-n", "test-attr", "-D"],
    &["crm_attribute", "-n", "test-attr", "-G"],
    &["crm_attribute", "-N", "n1", "-n", "node-attr", "-v", "x"],
    &["crm_attribute", "-N", "n1", "-n", "node-attr", "-G"],
    &[
        "crm_attribute",
        "-N",
        "n1",
        "-n",
        "node-attr",
        "-l",
        "reboot",
        "-v",
        "y",
    ],
    &[
        "crm_attribute",
        "-N",
        "n1",
        "-n",
        "node-attr",
        "-l",
        "reboot",
        "-G",
    ],
    &[
        "crm_attribute",
        "-N",
        "nosuchnode",
        "-n",
        "node-attr",
        "-v",
        "x",
    ],
    &[
        "crm_attribute",
        "-t",
        "rsc_defaults",
        "-n",
        "resource-stickiness",
        "-v",
        "10",
    ],
    &[
        "crm_attribute",
        "-t",
        "rsc_defaults",
        "-n",
        "resource-stickiness",
        "-G",
    ],
    &[
        "crm_resource",
        "--resource",
        "d1",
        "--set-parameter",
        "fake",
        "--parameter-value",
        "7",
    ],
    &[
        "crm_resource",
        "--resource",
        "d1",
        "--get-parameter",
        "fake",
    ],
    &[
        "crm_resource",
        "--resource",
        "d1",
        "--meta",
        "--set-parameter",
        "target-role",
        "--parameter-value",
        "Stopped",
    ],
    &[
        "crm_resource",
        "--resource",
        "d1",
        "--meta",
        "--get-parameter",
        "target-role",
    ],
    &[
        "crm_resource",
        "--resource",
        "d1",
        "--meta",
        "--delete-parameter",
        "target-role",
    ],
    &[
        "crm_resource",
        "--resource",
        "d1",
        "--delete-parameter",
        "fake",
    ],
    &[
        "crm_resource",
        "--resource",
        "nosuch",
        "--set-parameter",
        "fake",
        "--parameter-value",
        "7",
    ],
    &["crm_resource", "--resource", "d1", "--ban", "--node", "n1"],
    &["cibadmin", "-Q", "-o", "constraints"],
    &["crm_resource", "--resource", "d1", "--clear"],
    &["cibadmin", "-Q", "-o", "constraints"],
    &["crm_resource", "--list-raw"],
    &["crm_node", "-l"],
    &["crm_node", "-n"],
    &["crm_node", "-q"],
    &["crm_node", "-i"],
    &["crm_standby", "-N", "n1", "-v", "on"],
    &["crm_standby", "-N", "n1", "-G"],
    &["crm_standby", "-N", "n1", "-v", "off"],
    &["crm_standby", "-N", "n1", "-G"],
    &["crm_standby", "-N", "n1", "-D"],
    &["cibadmin", "-Q", "-o", "nodes"],
    &["cibadmin", "-Q", "-o", "configuration"],
    &["cibadmin", "-E"],
    &["cibadmin", "-E", "--force"],
];

/// Whether `num_updates` moves, and the time written, depend on timing:
/// drop those attribute changes.
fn mask_counters(e: &mut pcmk_xml::Element) {
    e.children.retain(|c| {
        !matches!(c, pcmk_xml::Node::Element(x) if x.name() == "change-attr"
            && matches!(x.attr("name"), Some("num_updates") | Some("cib-last-written")))
    });
    for c in e.elements_mut() {
        mask_counters(c);
    }
}

/// A notification caused by the script (not by the cluster's own status
/// updates, whose timing differs), normalised.
fn interesting(n: &CibNotification) -> Option<String> {
    if n.kind == notify::REPLACE {
        return Some(format!(
            "replace {} {}",
            n.rc,
            n.msg.attr("cib_change_section").unwrap_or("")
        ));
    }
    let diff = n.diff()?;
    let touches_config = diff.elements().any(|c| {
        c.attr("path")
            .is_some_and(|p| !p.starts_with("/cib/status") && p != "/cib")
    }) || diff.name() != "diff"
        || diff.attr("format") != Some("2");
    if !touches_config {
        return None;
    }
    let mut d = diff.clone();
    d.remove_attr("digest");
    mask_counters(&mut d);
    Some(format!(
        "{} {} {}",
        n.op,
        n.rc,
        based_common::normalize(&d.to_unformatted())
    ))
}

#[test]
fn reference_cluster_with_our_cib_manager_runs_and_tools_agree() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let based = based_common::based();
    let labs = based_common::up_all(vec![
        LabConfig::new(1),
        LabConfig::new(1).substitute(1, "based", &based),
    ]);
    let (reference, ours) = (&labs[0], &labs[1]);

    // Our daemon really is the one running, as the cluster user.
    let ps = ours
        .run_ok(1, &["ps", "-o", "user:20=,args=", "-C", "pacemaker-based"])
        .expect("ps");
    assert!(ps.stdout.starts_with("hacluster"), "{}", ps.stdout);
    let mounts = ours
        .run_ok(1, &["cat", "/proc/self/mountinfo"])
        .expect("mounts");
    assert!(
        mounts.stdout.contains("/usr/lib/pacemaker/pacemaker-based"),
        "our binary is bind-mounted over the reference's"
    );

    // A DC in S_IDLE, and a Dummy resource started and shown by crm_mon.
    let c = ours
        .wait_converged(&[1], Duration::from_secs(30))
        .expect("converged");
    assert_eq!(c.dc.as_deref(), Some("n1"));
    assert_eq!(ours.fsa_state(1, "n1").expect("crmadmin -S"), "S_IDLE");
    ours.run_ok(1, &["cibadmin", "-C", "-o", "resources", "-X", DUMMY])
        .expect("create dummy");
    let on = ours
        .wait_resource(1, "dummy", "Started", Duration::from_secs(60))
        .expect("dummy starts");
    assert_eq!(on, "n1");
    let mon = ours
        .run_ok(1, &["crm_mon", "-1"])
        .expect("crm_mon -1")
        .stdout;
    assert!(
        mon.lines().any(|l| l.contains("dummy")
            && l.contains("ocf:heartbeat:Dummy")
            && l.contains("Started n1")),
        "{mon}"
    );
    // Give the reference cluster the same resource, so both start the
    // script from the same configuration.
    reference
        .run_ok(1, &["cibadmin", "-C", "-o", "resources", "-X", DUMMY])
        .expect("create dummy");
    reference
        .wait_resource(1, "dummy", "Started", Duration::from_secs(60))
        .expect("dummy starts");

    // Both CIB managers' notifications while the script runs, until both
    // clusters have settled after the final erase.
    let stop = AtomicBool::new(false);
    let watch = |lab: &Lab, ready: mpsc::Sender<()>| -> Vec<String> {
        let cib = based_common::in_node(lab, 1, || {
            CibClient::signon("atrium-watch", ConnType::Command).expect("sign on")
        });
        cib.register_notification(notify::DIFF, true)
            .expect("subscribe");
        cib.register_notification(notify::REPLACE, true)
            .expect("subscribe");
        ready.send(()).expect("ready");
        let mut seen = Vec::new();
        // Everything sent before `stop` is already queued on the
        // connection: drain until a read finds nothing.
        loop {
            match cib.next_notification(Some(Duration::from_millis(200))) {
                Ok(Some(n)) => seen.extend(interesting(&n)),
                Ok(None) if stop.load(Ordering::SeqCst) => break,
                Ok(None) => {}
                Err(e) => {
                    seen.push(format!("connection error: {e}"));
                    break;
                }
            }
        }
        seen
    };
    let run_all = |lab: &Lab| -> Vec<atrium_tests::Output> {
        SCRIPT
            .iter()
            .map(|argv| lab.run(1, argv).expect("run a tool"))
            .collect()
    };
    // After the erase, each controller re-runs its join (it was told the
    // CIB was replaced) and refills the configuration: both clusters end
    // in S_IDLE with the same configuration.
    let settled = |lab: &Lab| {
        lab::wait::wait_for("S_IDLE after the erase", Duration::from_secs(60), || {
            let state = lab.fsa_state(1, "n1").map_err(|e| e.to_string())?;
            let conf = lab
                .run_ok(1, &["cibadmin", "-Q", "-o", "configuration"])
                .map_err(|e| e.to_string())?
                .stdout;
            if state == "S_IDLE" && conf.contains("dc-version") {
                Ok(based_common::normalize(&conf))
            } else {
                Err(format!("{state}: {conf}"))
            }
        })
        .expect("settled")
    };
    let (theirs, mine, their_conf, my_conf, their_notes, my_notes) = std::thread::scope(|s| {
        // Stop the watchers however this scope ends (a panic included),
        // or it would wait for them forever.
        struct StopOnDrop<'a>(&'a AtomicBool);
        impl Drop for StopOnDrop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let _stop = StopOnDrop(&stop);
        let (tx, rx) = mpsc::channel();
        let wa = {
            let tx = tx.clone();
            let watch = &watch;
            s.spawn(move || watch(reference, tx))
        };
        let wb = {
            let watch = &watch;
            s.spawn(move || watch(ours, tx))
        };
        for _ in 0..2 {
            rx.recv_timeout(Duration::from_secs(30))
                .expect("watchers subscribed");
        }
        let a = s.spawn(|| {
            let out = run_all(reference);
            (out, settled(reference))
        });
        let b = s.spawn(|| {
            let out = run_all(ours);
            (out, settled(ours))
        });
        let (a, b) = (a.join().expect("reference"), b.join().expect("ours"));
        stop.store(true, Ordering::SeqCst);
        (
            a.0,
            b.0,
            a.1,
            b.1,
            wa.join().expect("watch"),
            wb.join().expect("watch"),
        )
    });
    // What the controller writes after the erase depends on its timing
    // (an election may or may not run and add cluster-name): compare up
    // to the erase's replace notification.
    let upto_replace = |notes: Vec<String>| -> String {
        let end = notes
            .iter()
            .position(|n| n.starts_with("replace "))
            .map_or(notes.len(), |i| i + 1);
        notes[..end].join("\n")
    };
    let their_notes = upto_replace(their_notes);
    let my_notes = upto_replace(my_notes);
    assert!(their_notes.contains("\nreplace "), "{their_notes}");
    if their_notes != my_notes {
        let dir = std::env::temp_dir();
        std::fs::write(dir.join("based-notes-reference.txt"), &their_notes).ok();
        std::fs::write(dir.join("based-notes-ours.txt"), &my_notes).ok();
    }
    assert_eq!(
        their_notes, my_notes,
        "the notifications differ (both in $TMPDIR/based-notes-*.txt)"
    );
    let mut differences = Vec::new();
    for ((argv, t), m) in SCRIPT.iter().zip(&theirs).zip(&mine) {
        let (ts, ms) = (
            based_common::normalize(&t.stdout),
            based_common::normalize(&m.stdout),
        );
        let (te, me) = (
            based_common::normalize(&t.stderr),
            based_common::normalize(&m.stderr),
        );
        if (t.code, &ts, &te) != (m.code, &ms, &me) {
            differences.push(format!(
                "{}\n  reference: {} {ts:?} {te:?}\n  ours:      {} {ms:?} {me:?}",
                argv.join(" "),
                t.code,
                m.code
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} commands differ:\n{}",
        differences.len(),
        SCRIPT.len(),
        differences.join("\n")
    );
    // Both controllers refilled the erased configuration the same way
    // (cluster-name aside, which depends on an election's timing).
    let strip = |conf: &str| -> String {
        conf.lines()
            .filter(|l| !l.contains("cluster-name"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&their_conf), strip(&my_conf));
    let c = (
        based_common::query(reference, 1),
        based_common::query(ours, 1),
    );
    assert_eq!(c.0.attr("admin_epoch"), Some("1"));
    assert_eq!(c.1.attr("admin_epoch"), Some("1"));
}
