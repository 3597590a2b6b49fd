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

/// The reference's `cibadmin --md5-sum-versioned` of a CIB (as XML text).
pub fn reference_versioned_digest(cib: &str) -> Result<String, String> {
    let cibadmin = atrium_tests::reference("cibadmin").ok_or("no reference cibadmin")?;
    let file = tempfile_with(cib)?;
    let out = atrium_tests::run(
        &cibadmin,
        &["--md5-sum-versioned", "-x", &file.0.display().to_string()],
        None,
    );
    out.stdout
        .split_whitespace()
        .find(|w| w.len() == 32 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
        .ok_or_else(|| format!("cibadmin --md5-sum-versioned: {out:?}"))
}

/// A file removed when dropped.
pub struct TempFile(pub PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        std::fs::remove_file(&self.0).ok();
    }
}

/// A fresh temporary file holding `text`.
pub fn tempfile_with(text: &str) -> Result<TempFile, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let p = std::env::temp_dir().join(format!(
        "atrium-based-{}-{}.xml",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(TempFile(p))
}

/// The versioned digest of the CIB node `i` holds.
pub fn versioned_digest(lab: &Lab, i: usize) -> String {
    pcmk_xml::digest::versioned(&query(lab, i), false, true, Some("3.16.1"))
}

/// Wait until every node in `nodes` holds a CIB with the same versioned
/// digest (the reference's `cibadmin --md5-sum-versioned` of `cibadmin -Q`
/// on each node); returns it.
pub fn wait_same_cib(lab: &Lab, nodes: &[usize], timeout: Duration) -> Result<String, String> {
    atrium_tests::lab::wait::wait_for("identical CIBs", timeout, || {
        let mut digests = Vec::new();
        for &i in nodes {
            let out = lab
                .run_ok(i, &["cibadmin", "-Q"])
                .map_err(|e| e.to_string())?;
            let c = pcmk_xml::parse(out.stdout.trim()).map_err(|e| e.to_string())?;
            let v = format!(
                "{}.{}.{}",
                c.attr("admin_epoch").unwrap_or("?"),
                c.attr("epoch").unwrap_or("?"),
                c.attr("num_updates").unwrap_or("?")
            );
            digests.push((reference_versioned_digest(&out.stdout)?, v));
        }
        if digests.iter().all(|d| d == &digests[0]) {
            Ok(digests[0].0.clone())
        } else {
            Err(format!("{digests:?}"))
        }
    })
    .map_err(|e| e.to_string())
}

/// Whether node `i` runs our `pacemaker-based` (bind-mounted over the
/// reference's) as the cluster user.
pub fn runs_ours(lab: &Lab, i: usize) -> bool {
    let mounts = lab
        .run_ok(i, &["cat", "/proc/self/mountinfo"])
        .map(|o| o.stdout)
        .unwrap_or_default();
    let ps = lab
        .run_ok(i, &["ps", "-o", "user:20=", "-C", "pacemaker-based"])
        .map(|o| o.stdout)
        .unwrap_or_default();
    mounts.contains("/usr/lib/pacemaker/pacemaker-based") && ps.trim() == "hacluster"
}

/// A count from the environment variable `var`, or `default`.
pub fn env_count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
