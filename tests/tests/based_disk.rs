//! On-disk compatibility of Atrium's pacemaker-based with the reference's.
//! Two one-node clusters, one with the reference's CIB manager and one with
//! ours, take the same kind of updates; the cib.xml each writes must verify with
//! the reference's `cibadmin --md5-sum -x cib.xml` (equal to cib.xml.sig),
//! while running and after a graceful stop. Then the clusters swap their
//! CIB directories and start again: the reference's daemon starts from the
//! files ours wrote, ours from the reference's, and each serves the
//! configuration and versions the other had (a file failing its digest
//! would be set aside for an empty configuration). One more update each,
//! and the files verify again.
//!
//! Needs root, the reference packages and the lab; skips otherwise.
// Ref: daemons/based/based_io.c (readCibXmlFile, write_cib_contents),
// lib/cib/cib_file.c (cib_file_write_with_digest, cib_file_read_and_verify)

mod based_common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use atrium_tests::lab::{self, wait::wait_for, Lab, LabConfig, Stack};
use atrium_tests::skip;

/// The node's CIB directory, seen from the host.
fn cib_dir(lab: &Lab) -> PathBuf {
    lab.node_dir(1).join("var/lib/pacemaker/cib")
}

/// What must survive a restart: the versions and the configuration.
fn lasting(cib: &pcmk_xml::Element) -> String {
    let conf = cib
        .elements()
        .find(|e| e.name() == "configuration")
        .map(|c| c.to_formatted())
        .unwrap_or_default();
    format!(
        "admin_epoch={:?} epoch={:?} validate-with={:?}\n{conf}",
        cib.attr("admin_epoch"),
        cib.attr("epoch"),
        cib.attr("validate-with")
    )
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

/// Whether `dir`'s cib.xml.sig is the reference's digest of its cib.xml;
/// the file's versions.
fn verified(dir: &Path) -> Result<(String, String), String> {
    let xml = dir.join("cib.xml");
    let text = std::fs::read_to_string(&xml).map_err(|e| e.to_string())?;
    let disk = pcmk_xml::parse(text.trim()).map_err(|e| e.to_string())?;
    let sig = std::fs::read_to_string(dir.join("cib.xml.sig")).map_err(|e| e.to_string())?;
    let md5 = reference_md5(&xml);
    if sig.trim() != md5 {
        return Err(format!(
            "cib.xml.sig {:?}, reference md5 {md5:?}",
            sig.trim()
        ));
    }
    Ok((
        disk.attr("admin_epoch").unwrap_or("").to_owned(),
        disk.attr("epoch").unwrap_or("").to_owned(),
    ))
}

/// Wait until the node's cib.xml holds the live CIB's versions and
/// verifies.
fn wait_written(lab: &Lab) {
    let live = based_common::query(lab, 1);
    let want = (
        live.attr("admin_epoch").unwrap_or("").to_owned(),
        live.attr("epoch").unwrap_or("").to_owned(),
    );
    wait_for("cib.xml written", Duration::from_secs(30), || {
        let got = verified(&cib_dir(lab))?;
        if got == want {
            Ok(())
        } else {
            Err(format!("{got:?} on disk, {want:?} live"))
        }
    })
    .expect("written and verified");
}

/// The same configuration updates on both clusters.
fn updates(lab: &Lab, tag: &str) {
    let run = |args: &[&str]| {
        lab.run_ok(1, args).expect("update");
    };
    run(&[
        "cibadmin",
        "-C",
        "-o",
        "resources",
        "-X",
        &format!(r#"<primitive id="{tag}" class="ocf" provider="heartbeat" type="Dummy"/>"#),
    ]);
    run(&[
        "cibadmin",
        "-C",
        "-o",
        "resources",
        "-X",
        &format!(
            r#"<group id="g-{tag}"><primitive id="b-{tag}" class="ocf" provider="heartbeat" type="Dummy"><instance_attributes id="b-{tag}-ia"><nvpair id="b-{tag}-ia-x" name="x" value="&amp;&lt;&quot;'&#9;"/></instance_attributes></primitive></group>"#
        ),
    ]);
    run(&[
        "cibadmin",
        "-M",
        "-o",
        "resources",
        "-X",
        &format!(r#"<primitive id="{tag}" description="ünïcödé &#x1F600;"/>"#),
    ]);
    // A bump alone is not written (not a configuration change): the
    // next update carries it to the disk.
    run(&["cibadmin", "-B"]);
    run(&["crm_attribute", "-n", &format!("prop-{tag}"), "-v", "1"]);
}

/// Replace the contents of `to` by the CIB files of `from` (owner and
/// mode kept).
fn copy_cib(from: &Path, to: &Path) {
    for e in std::fs::read_dir(to).expect("cib dir").flatten() {
        std::fs::remove_file(e.path()).expect("remove");
    }
    for name in ["cib.xml", "cib.xml.sig"] {
        let status = std::process::Command::new("cp")
            .arg("-p")
            .arg(from.join(name))
            .arg(to.join(name))
            .status()
            .expect("cp");
        assert!(status.success(), "cp {name}");
    }
}

#[test]
fn files_verify_and_each_daemon_starts_from_the_others() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let based = based_common::based();
    let labs = based_common::up_all(vec![
        LabConfig::new(1),
        LabConfig::new(1).substitute(1, "based", &based),
    ]);
    let (reference, ours) = (&labs[0], &labs[1]);
    assert!(based_common::runs_ours(ours, 1));
    assert!(!based_common::runs_ours(reference, 1));

    // Same updates; the files of both verify, running and stopped.
    let mut before = Vec::new();
    // Tags tell the two configurations apart.
    for (lab, tag) in [(reference, "r"), (ours, "o")] {
        updates(lab, tag);
        wait_written(lab);
        before.push(lasting(&based_common::query(lab, 1)));
    }
    assert_ne!(before[0], before[1]);
    for lab in [reference, ours] {
        assert!(lab.stop(1).expect("stop"), "graceful stop");
        verified(&cib_dir(lab)).expect("verifies after the stop");
    }

    // Swap the CIB directories and start again.
    let scratch = std::env::temp_dir().join(format!("atrium-based-disk-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    for name in ["cib.xml", "cib.xml.sig"] {
        std::fs::copy(cib_dir(reference).join(name), scratch.join(name)).expect("save");
    }
    copy_cib(&cib_dir(ours), &cib_dir(reference));
    copy_cib(&scratch, &cib_dir(ours));
    std::fs::remove_dir_all(&scratch).ok();
    // cp -p from the scratch copy lost the owner: give the files back.
    lab_chown(ours);
    for lab in [reference, ours] {
        lab.start(1).expect("start");
    }
    for lab in [reference, ours] {
        lab.wait_converged(&[1], Duration::from_secs(60))
            .expect("back up");
    }
    // The reference serves what ours wrote and the other way round.
    let after_reference = lasting(&based_common::query(reference, 1));
    let after_ours = lasting(&based_common::query(ours, 1));
    assert_eq!(after_reference, before[1], "the reference from our files");
    assert_eq!(after_ours, before[0], "ours from the reference's files");

    for lab in [reference, ours] {
        updates(lab, "two");
        wait_written(lab);
    }
}

/// Files in the node's CIB directory owned by the cluster user again.
fn lab_chown(lab: &Lab) {
    let status = std::process::Command::new("chown")
        .args(["-R", "hacluster:haclient"])
        .arg(cib_dir(lab))
        .status()
        .expect("chown");
    assert!(status.success());
}
