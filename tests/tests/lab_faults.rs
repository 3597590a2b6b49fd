//! Fault injection in the lab beyond kill and partition: a corosync-only
//! udpu cluster losing and regaining a node's cable (fast, always on); and,
//! opt-in with `ATRIUM_LAB_SLOW=1`, knet with two rings surviving the loss
//! of one, and CIB updates made under 30 % packet loss reaching every node.
//! Needs root and the reference packages; skips otherwise.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, Stack, Transport};
use atrium_tests::skip;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

const LIMIT: Duration = Duration::from_secs(90);

#[test]
fn corosync_only_udpu_cable_out_and_back() {
    if let Some(why) = lab::skip_reason(Stack::Corosync) {
        skip!("{why}");
    }
    let _g = serial();
    let t = Instant::now();
    let cfg = LabConfig::new(3)
        .stack(Stack::Corosync)
        .transport(Transport::Udpu);
    let lab = Lab::up(cfg).expect("3 corosync nodes form a udpu ring");
    let formed = t.elapsed();
    // No Pacemaker in this stack.
    assert_eq!(lab.run(1, &["pgrep", "-x", "pacemakerd"]).unwrap().code, 1);
    let conf = lab
        .run_ok(2, &["cat", "/etc/corosync/corosync.conf"])
        .unwrap();
    assert!(conf.stdout.contains("transport: udpu"));

    let t2 = Instant::now();
    lab.set_link(3, false).unwrap();
    let major = lab.wait_converged(&[1, 2], LIMIT).unwrap();
    assert!(major.quorate);
    let alone = lab.wait_converged(&[3], LIMIT).unwrap();
    assert!(!alone.quorate);
    let split = t2.elapsed();
    lab.set_link(3, true).unwrap();
    let t3 = Instant::now();
    lab.wait_converged(&[1, 2, 3], LIMIT).unwrap();
    eprintln!(
        "corosync udpu: formed {:.1} s, cable out noticed {:.1} s, merged {:.1} s",
        formed.as_secs_f64(),
        split.as_secs_f64(),
        t3.elapsed().as_secs_f64()
    );
}

#[test]
fn knet_two_rings_survive_one_link_down() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    if !lab::slow_enabled() {
        skip!("slow; set ATRIUM_LAB_SLOW=1");
    }
    let _g = serial();
    let lab = Lab::up(LabConfig::new(2).rings(2)).expect("2 nodes, 2 knet links");
    let links = lab.run_ok(1, &["corosync-cfgtool", "-s"]).unwrap().stdout;
    assert!(
        links.contains("LINK ID 0") && links.contains("LINK ID 1"),
        "{links}"
    );
    let c = lab.wait_converged(&[1, 2], LIMIT).unwrap();
    lab.set_ring_link(2, 0, false).unwrap();
    // knet notices the dead link; the membership must not change.
    lab::wait::wait_for("link 0 to n2 reported down", LIMIT, || {
        let out = lab
            .run_ok(1, &["corosync-cfgtool", "-n"])
            .map_err(|e| e.to_string())?;
        let text = out.stdout;
        // "nodeid: 2 reachable" then per-link lines "LINK: 0 udp (...) enabled connected/disconnected"
        if text
            .lines()
            .any(|l| l.contains("LINK: 0") && !l.contains(" connected"))
        {
            Ok(())
        } else {
            Err(text)
        }
    })
    .unwrap();
    let after = lab.wait_converged(&[1, 2], LIMIT).unwrap();
    assert_eq!(after.dc, c.dc, "losing one of two links changes nothing");
    lab.set_ring_link(2, 0, true).unwrap();
}

#[test]
fn cib_updates_under_packet_loss_reach_every_node() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    if !lab::slow_enabled() {
        skip!("slow; set ATRIUM_LAB_SLOW=1");
    }
    if !["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"]
        .iter()
        .any(|p| std::path::Path::new(p).exists())
    {
        skip!("nft is not installed (package nftables)");
    }
    let _g = serial();
    let lab = Lab::up(LabConfig::new(3)).expect("3-node lab comes up");
    lab.set_loss(2, 30).unwrap();
    // Writes from the lossy node; each one acknowledged (exit 0) must end
    // up on every node. Under loss a client may give up; it retries.
    let n = 10;
    let mut acked = Vec::new();
    for k in 0..n {
        let name = format!("lab-loss-{k}");
        let value = k.to_string();
        let args = [
            "crm_attribute",
            "--type",
            "crm_config",
            "--name",
            &name,
            "--update",
            &value,
        ];
        for _attempt in 0..5 {
            let out = lab
                .run_with(
                    2,
                    &args,
                    &lab::RunOpts {
                        timeout: Duration::from_secs(60),
                        ..Default::default()
                    },
                )
                .unwrap();
            if out.code == 0 {
                acked.push(k);
                break;
            }
            eprintln!("write {k}: exit {} {}", out.code, out.stderr.trim());
        }
    }
    assert!(
        !acked.is_empty(),
        "no write was acknowledged under 30 % loss"
    );
    lab.set_loss(2, 0).unwrap();
    lab.wait_converged(&[1, 2, 3], LIMIT).unwrap();
    for i in 1..=3 {
        let cib = lab
            .run_ok(i, &["cibadmin", "-Q", "-o", "crm_config"])
            .unwrap()
            .stdout;
        for &k in &acked {
            assert!(
                cib.contains(&format!("name=\"lab-loss-{k}\" value=\"{k}\"")),
                "node {i} lacks lab-loss-{k}:\n{cib}"
            );
        }
    }
}
