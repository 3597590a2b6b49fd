//! The XML model against the reference, over the scheduler corpus CIBs.
//!
//! - the fast parser builds the same tree as libxml2 for every corpus file;
//! - our on-disk and versioned digests equal what the reference
//!   `cibadmin --md5-sum[-versioned] -x FILE` prints.
//!
//! Ref: ../shared/conformance/scheduler/xml/*.xml

use std::path::{Path, PathBuf};
use std::process::Command;

use pcmk_xml::{digest, libxml2, read_file};

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = std::env::var_os("ATRIUM_CONFORMANCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
        })
        .join("scheduler/xml");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    Some(files)
}

#[test]
fn fast_parser_agrees_with_libxml2() {
    let Some(files) = corpus() else {
        eprintln!("SKIPPED: conformance corpus not found (set ATRIUM_CONFORMANCE)");
        return;
    };
    let mut fast_count = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let mut reference = libxml2::parse_memory(&bytes);
        if let Ok(mut fast) = pcmk_xml::parse::parse_document(&bytes) {
            fast_count += 1;
            assert!(
                reference.errors.is_empty(),
                "{}: libxml2 complained",
                f.display()
            );
            let mut lib = reference.root.take().unwrap();
            assert_eq!(fast, lib, "{}: trees differ", f.display());
            fast.strip_text();
            lib.strip_text();
            assert_eq!(fast, lib);
        }
    }
    // The fast path is the point: nearly every corpus file must take it.
    assert!(
        fast_count * 100 >= files.len() * 95,
        "fast path took only {fast_count}/{}",
        files.len()
    );
}

/// Run the reference cibadmin on many files at once, in parallel.
fn reference_digests(files: &[PathBuf], option: &str) -> Vec<(String, String, i32)> {
    let chunks: Vec<_> = files.chunks(files.len().div_ceil(4).max(1)).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|f| {
                            let out = Command::new("/usr/sbin/cibadmin")
                                .arg(option)
                                .arg("-x")
                                .arg(f)
                                .env("LC_ALL", "C")
                                .output()
                                .unwrap();
                            (
                                String::from_utf8_lossy(&out.stdout).into_owned(),
                                String::from_utf8_lossy(&out.stderr).into_owned(),
                                out.status.code().unwrap_or(-1),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

#[test]
fn digests_equal_the_reference() {
    let Some(files) = corpus() else {
        eprintln!("SKIPPED: conformance corpus not found (set ATRIUM_CONFORMANCE)");
        return;
    };
    if !Path::new("/usr/sbin/cibadmin").exists() {
        eprintln!("SKIPPED: reference cibadmin not installed");
        return;
    }
    let on_disk = reference_digests(&files, "--md5-sum");
    let versioned = reference_digests(&files, "--md5-sum-versioned");
    let mut failures = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let parsed = read_file(f).unwrap();
        let Some(root) = parsed.root else {
            assert_ne!(on_disk[i].2, 0, "{}: reference parsed it", f.display());
            continue;
        };
        let ours = format!("{}\n", digest::on_disk(&root));
        if ours != on_disk[i].0 {
            failures.push(format!(
                "{}: on-disk {ours:?} vs {:?}",
                f.display(),
                on_disk[i].0
            ));
        }
        let version = root.attr("crm_feature_set");
        let ours = format!("{}\n", digest::versioned(&root, false, true, version));
        if ours != versioned[i].0 {
            failures.push(format!(
                "{}: versioned {ours:?} vs {:?}",
                f.display(),
                versioned[i].0
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
