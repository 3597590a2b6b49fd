//! Shared helpers of the pacemaker-based tests (tests/tests/based_*.rs):
//! our binary, labs started side by side, output normalisation for
//! comparisons with the reference, in-node clients.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use atrium_tests::lab::{Lab, LabConfig};
use pcmk_xml::Element;

/// Our CIB manager (built by `cargo build --workspace --bins`).
pub fn based() -> PathBuf {
    atrium_tests::ours("pacemaker-based")
}

/// Start several labs at once (each in its own thread).
pub fn up_all(cfgs: Vec<LabConfig>) -> Vec<Lab> {
    std::thread::scope(|s| {
        let handles: Vec<_> = cfgs
            .into_iter()
            .map(|c| s.spawn(move || Lab::up(c)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("lab thread").expect("lab comes up"))
            .collect()
    })
}

/// Run `f` on a thread inside node `i`'s namespaces.
pub fn in_node<R: Send>(lab: &Lab, i: usize, f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|s| {
        s.spawn(|| {
            lab.enter_thread(i).expect("enter the node");
            f()
        })
        .join()
        .expect("node thread")
    })
}

/// Attributes whose values depend on time or on how many status updates
/// happened to run.
const VOLATILE: &[&str] = &[
    "cib-last-written",
    "num_updates",
    "last-rc-change",
    "last-run",
    "exec-time",
    "queue-time",
    "call-id",
    "transition-key",
    "transition-magic",
];

fn canonical(e: &mut Element) {
    for a in e.attrs_mut().iter_mut() {
        if VOLATILE.contains(&a.name.as_str()) {
            a.value = "X".into();
        }
    }
    // The status section follows the resources' operations, whose timing
    // differs from cluster to cluster (a just-created resource may show
    // its probe or already its start): it is not compared.
    if e.name() == "status"
        && e.children
            .iter()
            .any(|c| matches!(c, pcmk_xml::Node::Element(_)))
    {
        e.children.clear();
        return;
    }
    // attrd and the controller race to fill a node's status: order its
    // children.
    if e.name() == "node_state" {
        let mut kids: Vec<Element> = e.elements().cloned().collect();
        kids.sort_by(|a, b| (a.name(), a.id()).cmp(&(b.name(), b.id())));
        e.children = kids.into_iter().map(pcmk_xml::Node::Element).collect();
    }
    for c in e.elements_mut() {
        canonical(c);
    }
}

/// A tool's output with time stamps and update counters masked.
pub fn normalize(text: &str) -> String {
    if let Ok(mut x) = pcmk_xml::parse(text.trim()) {
        if text.trim_start().starts_with('<') {
            canonical(&mut x);
            return x.to_formatted();
        }
    }
    text.lines()
        .map(|l| {
            if l.contains("Last updated:") || l.contains("Last change:") {
                l.split(':').next().unwrap_or("").to_owned() + ": X"
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The CIB as node `i` sees it.
pub fn query(lab: &Lab, i: usize) -> Element {
    let out = lab.run_ok(i, &["cibadmin", "-Q"]).expect("cibadmin -Q");
    pcmk_xml::parse(out.stdout.trim()).expect("CIB XML")
}

/// The versioned digest of the CIB node `i` holds.
pub fn versioned_digest(lab: &Lab, i: usize) -> String {
    pcmk_xml::digest::versioned(&query(lab, i), false, true, Some("3.16.1"))
}

/// Wait until every node in `nodes` reports the same versioned digest.
pub fn wait_same_cib(lab: &Lab, nodes: &[usize], timeout: Duration) -> Result<String, String> {
    atrium_tests::lab::wait::wait_for("identical CIBs", timeout, || {
        let digests: Vec<(String, String)> = nodes
            .iter()
            .map(|&i| {
                let c = query(lab, i);
                let v = format!(
                    "{}.{}.{}",
                    c.attr("admin_epoch").unwrap_or("?"),
                    c.attr("epoch").unwrap_or("?"),
                    c.attr("num_updates").unwrap_or("?")
                );
                (
                    pcmk_xml::digest::versioned(&c, false, true, Some("3.16.1")),
                    v,
                )
            })
            .collect();
        if digests.iter().all(|d| d == &digests[0]) {
            Ok(digests[0].0.clone())
        } else {
            Err(format!("{digests:?}"))
        }
    })
    .map_err(|e| e.to_string())
}
