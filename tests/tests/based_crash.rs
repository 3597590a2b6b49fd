//! Crash safety of Atrium's pacemaker-based: a stand-alone daemon (in a lab
//! node without a cluster) takes a stream of updates from an in-process
//! client while a killer thread sends it SIGKILL after a random (seeded)
//! delay (up to `ATRIUM_BASED_CRASH_MAX_DELAY_MS`, default 500), again and
//! again, until `ATRIUM_BASED_CRASH_WRITES` updates (default 1000, the
//! acceptance figure) have been acknowledged in total. After every
//! kill:
//!
//! - the cib.xml left on disk verifies: its cib.xml.sig is the reference's
//!   `cibadmin --md5-sum -x cib.xml` (a missing .sig is tolerated and
//!   counted, as the reference accepts it);
//! - it holds an unbroken prefix of the updates (none missing in between,
//!   none that was never sent);
//! - every acknowledged update is there: with no peer holding a copy, our
//!   daemon answers a change only once it is on disk (the reference
//!   answers first and writes later, so a lone reference node can lose
//!   acknowledged updates; in a cluster the peers hold them, see
//!   based_cluster.rs);
//! - the restarted daemon serves exactly that (nothing set aside as
//!   cib.auto.*).
//!
//! `ATRIUM_BASED_CRASH_SEED` picks the delays.
//!
//! Needs root, the reference packages and the lab; skips otherwise.
// Ref: daemons/based/based_io.c (write_cib_contents, readCibXmlFile)

mod based_common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use atrium_tests::lab::{self, wait::wait_for, Lab, LabConfig, Stack};
use atrium_tests::skip;
use pcmk_msg::cib::{call_options, CibClient, ConnType};

const DIR: &str = "/var/lib/pacemaker/crash";

/// xorshift64*: a small seeded generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn host_dir(lab: &Lab) -> PathBuf {
    lab.node_dir(1).join("var/lib/pacemaker/crash")
}

/// Start our daemon stand-alone with disk writes; its pid in the node.
fn start(lab: &Lab) -> String {
    let out = lab
        .sh(
            1,
            &format!("setsid /usr/lib/pacemaker/pacemaker-based -s -w -r {DIR} </dev/null >>/var/log/based-crash.out 2>&1 & echo $!"),
        )
        .expect("start");
    out.stdout.trim().to_owned()
}

fn connect(lab: &Lab) -> CibClient {
    wait_for("the daemon answers", Duration::from_secs(30), || {
        based_common::in_node(lab, 1, || {
            CibClient::signon("atrium-crash", ConnType::Command)
        })
        .map_err(|e| e.to_string())
    })
    .expect("connected")
}

fn gone(lab: &Lab, pid: &str) {
    wait_for("the daemon is gone", Duration::from_secs(30), || match lab
        .run(1, &["kill", "-0", pid])
    {
        Ok(o) if o.code != 0 => Ok(()),
        _ => Err("still there".into()),
    })
    .expect("gone");
}

/// The updates a CIB holds.
fn held(cib: &pcmk_xml::Element) -> BTreeSet<usize> {
    let mut set = BTreeSet::new();
    let mut stack = vec![cib];
    while let Some(e) = stack.pop() {
        if e.name() == "nvpair" {
            if let Some(k) = e.attr("name").and_then(|n| n.strip_prefix("w-")) {
                set.insert(k.parse().expect("update number"));
            }
        }
        stack.extend(e.elements());
    }
    set
}

/// The reference's `cibadmin --md5-sum -x <file>`.
fn reference_md5(file: &Path) -> String {
    let cibadmin = atrium_tests::reference("cibadmin").expect("reference cibadmin");
    let out = atrium_tests::run(
        &cibadmin,
        &["--md5-sum", "-x", &file.display().to_string()],
        None,
    );
    out.stdout
        .split_whitespace()
        .find(|w| w.len() == 32)
        .unwrap_or("")
        .to_owned()
}

/// Check what a kill left; returns the updates on disk and whether the
/// signature was missing.
fn check_disk(dir: &Path, acked: usize) -> (BTreeSet<usize>, bool) {
    let xml = dir.join("cib.xml");
    let text = std::fs::read_to_string(&xml).expect("cib.xml after a kill");
    let cib = pcmk_xml::parse(text.trim()).expect("cib.xml parses");
    let unsigned = match std::fs::read_to_string(dir.join("cib.xml.sig")) {
        Ok(sig) => {
            assert_eq!(sig.trim(), reference_md5(&xml), "cib.xml.sig verifies");
            false
        }
        Err(_) => true,
    };
    let on_disk = held(&cib);
    let n = on_disk.len();
    assert!(
        on_disk.iter().copied().eq(0..n),
        "an unbroken prefix of the updates: {on_disk:?}"
    );
    // The update in flight at the kill may or may not have made it.
    assert!(n <= acked + 1, "{n} on disk, {acked} acknowledged");
    assert!(
        n >= acked,
        "{n} on disk: acknowledged updates lost ({acked} acknowledged)"
    );
    (on_disk, unsigned)
}

fn update(cib: &CibClient, k: usize) -> Result<(), String> {
    let xml = pcmk_xml::parse(&format!(
        r#"<cluster_property_set id="crash"><nvpair id="w-{k}" name="w-{k}" value="{k}"/></cluster_property_set>"#
    ))
    .expect("xml");
    match cib.modify(
        Some("crm_config"),
        &xml,
        call_options::CAN_CREATE | call_options::SCOPE_LOCAL,
    ) {
        Ok(r) if r.rc == 0 => Ok(()),
        Ok(r) => Err(format!("rc {}", r.rc)),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn kill_9_during_writes_never_corrupts_or_loses_acknowledged_updates() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let writes = based_common::env_count("ATRIUM_BASED_CRASH_WRITES", 1000);
    let seed = based_common::env_count("ATRIUM_BASED_CRASH_SEED", 0x5eed) as u64;
    let max_delay_ms = based_common::env_count("ATRIUM_BASED_CRASH_MAX_DELAY_MS", 500) as u64;
    let mut rng = Rng(seed.max(1));
    let based = based_common::based();
    let lab = Lab::up(
        LabConfig::new(1)
            .stack(Stack::None)
            .substitute(1, "based", &based),
    )
    .expect("lab");
    lab.run_ok(
        1,
        &[
            "install",
            "-d",
            "-o",
            "hacluster",
            "-g",
            "haclient",
            "-m",
            "0750",
            DIR,
        ],
    )
    .expect("mkdir");
    let dir = host_dir(&lab);

    let t = Instant::now();
    let (mut next, mut acked, mut kills, mut unsigned) = (0usize, 0usize, 0, 0);
    let mut leftovers = 0;
    let mut pid = start(&lab);
    while acked < writes {
        let cib = connect(&lab);
        let delay = Duration::from_micros(2_000 + rng.next() % (max_delay_ms * 1000));
        let killed = std::thread::scope(|s| {
            let killer = s.spawn(|| {
                std::thread::sleep(delay);
                lab.run_ok(1, &["kill", "-9", &pid]).is_ok()
            });
            // Send until the daemon dies under us.
            while update(&cib, next).is_ok() {
                next += 1;
                acked += 1;
            }
            killer.join().expect("killer")
        });
        assert!(killed, "the daemon was there to kill");
        kills += 1;
        drop(cib);
        gone(&lab, &pid);
        // The ring buffers of our connection to the dead daemon: a client
        // removes them when it finds the server's pid gone, but ours runs
        // in another pid namespace than the node's daemon, so it cannot
        // tell (libqb's could not either).
        let shm = lab
            .sh(1, "ls /dev/shm | wc -l; rm -rf /dev/shm/qb-*")
            .expect("shm");
        leftovers = leftovers.max(shm.stdout.trim().parse::<usize>().unwrap_or(0));
        let (on_disk, no_sig) = check_disk(&dir, next);
        unsigned += usize::from(no_sig);
        next = on_disk.len();
        pid = start(&lab);
        let cib = connect(&lab);
        let live = cib.query(None, 0).expect("query").output.expect("a CIB");
        assert_eq!(
            held(&live),
            on_disk,
            "the restarted daemon serves the disk's CIB"
        );
    }
    // Finish the sequence without kills, stop, and check everything is on
    // disk.
    let cib = connect(&lab);
    let total = next.max(writes);
    while next < total {
        update(&cib, next).expect("update");
        next += 1;
    }
    drop(cib);
    lab.run_ok(1, &["kill", "-TERM", &pid]).expect("stop");
    gone(&lab, &pid);
    let (on_disk, _) = check_disk(&dir, next);
    assert_eq!(on_disk.len(), total, "every update on disk at the end");
    let set_aside: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("cib.auto."))
        .map(|e| e.file_name())
        .collect();
    assert!(
        set_aside.is_empty(),
        "files set aside as unusable: {set_aside:?}"
    );
    eprintln!(
        "{acked} acknowledged updates, {kills} kills (seed {seed:#x}) in {:.1} s: \
         {unsigned} kills left cib.xml without .sig, at most {leftovers} files in /dev/shm after a kill",
        t.elapsed().as_secs_f64()
    );
}
