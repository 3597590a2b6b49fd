//! crm_diff against the reference: stdout and exit code must be identical.
//!
//! 1. The reference's own cases: cts/cli/crm_diff_old.xml and
//!    crm_diff_new.xml in every mode, and the "Create an XML patchset" test
//!    of regression.tools.exp (its expected output is read from the
//!    transcript at run time, and the reference must agree with it too).
//! 2. A differential run over CIB pairs: each scheduler corpus CIB against
//!    a copy with seeded random edits (changed, added, removed, moved and
//!    duplicated elements and attributes, attribute reordering, comments,
//!    renamed elements, odd ids, values with quotes, markup, tabs,
//!    newlines and non-ASCII text), compared in the normal mode and, taking
//!    turns, in `--no-version` or `--cib` mode; the reference's patch is
//!    then applied by both tools, and our `--cib` patch is applied by both
//!    with version checks (about half the pairs have their version raised
//!    so that the check passes). Half the pairs go in as strings
//!    (`-O`/`-N`) instead of files.
//!    `ATRIUM_CRM_DIFF_PAIRS` sets the number of pairs (default 1000).
//! 3. Command-line handling: option conflicts, missing inputs, stdin.
//!
//! Log lines (stderr with `-VVVV`: tracked changes, patch summary) are
//! compared for the reference's own case and every tenth pair.
//!
//! Where the reference crashes (it dereferences NULL on text mixed with
//! elements, for example) only our exit status is checked: no crash.
//!
//! Ref: tools/crm_diff.c, lib/common/patchset.c, cts/cli/regression.tools.exp

#[path = "../../compat/xml/tests/support/edits.rs"]
mod edits;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use atrium_tests::{conformance_dir, ours, reference, run, skip, Output};
use pcmk_xml::text::to_libxml_text;
use pcmk_xml::Element;

/// Run the same arguments through both tools; `None` when they agree.
fn compare(refbin: &Path, ourbin: &Path, args: &[&str], stdin: Option<&[u8]>) -> Option<String> {
    let r = run(refbin, args, stdin);
    let o = run(ourbin, args, stdin);
    agree(&r, &o, args)
}

fn agree(r: &Output, o: &Output, args: &[&str]) -> Option<String> {
    if o.code >= 128 {
        return Some(format!(
            "ours crashed ({}) on {}: {}",
            o.code,
            shown(args),
            o.stderr
        ));
    }
    if r.code >= 128 {
        // The reference crashed; nothing to compare with.
        return None;
    }
    if r.stdout == o.stdout && r.code == o.code {
        return None;
    }
    Some(format!(
        "{}: exit {} vs ours {}\n--- reference stdout\n{}\n--- our stdout\n{}",
        shown(args),
        r.code,
        o.code,
        r.stdout,
        o.stdout
    ))
}

/// Arguments for a message, long ones (documents given as strings) cut.
fn shown(args: &[&str]) -> String {
    let parts: Vec<String> = args
        .iter()
        .map(|a| {
            if a.len() > 80 {
                format!("<{} bytes>", a.len())
            } else {
                format!("{a:?}")
            }
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

fn tools() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let refbin = reference("crm_diff")?;
    let conf = conformance_dir()?;
    Some((refbin, ours("crm_diff"), conf))
}

#[test]
fn reference_cli_cases() {
    let Some((refbin, ourbin, conf)) = tools() else {
        skip!("needs /usr/sbin/crm_diff and the conformance data");
    };
    let old = conf.join("cli/crm_diff_old.xml");
    let new = conf.join("cli/crm_diff_new.xml");
    if !old.exists() || !new.exists() {
        skip!("cli/crm_diff_{{old,new}}.xml not in the conformance data");
    }
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let mut failures = Vec::new();
    for mode in [&[][..], &["-u"], &["-c"], &["--no-version"], &["--cib"]] {
        let mut args = vec!["-o", old, "-n", new];
        args.extend_from_slice(mode);
        failures.extend(compare(&refbin, &ourbin, &args, None));
    }
    // The log lines at info level (-VVVV): tracked changes, patch lines.
    for mode in [&[][..], &["-u"], &["-c"]] {
        let mut args = vec!["-VVVV", "-o", old, "-n", new];
        args.extend_from_slice(mode);
        let r = run(&refbin, &args, None);
        let o = run(&ourbin, &args, None);
        if r.stderr != o.stderr {
            failures.push(format!(
                "{}: log lines differ\n--- reference\n{}\n--- ours\n{}",
                shown(&args),
                r.stderr,
                o.stderr
            ));
        }
    }

    // Apply the reference's patches (both modes) with both tools.
    let dir = scratch("cli");
    for (mode, check) in [(&[][..], &[][..]), (&["-c"], &["-c"])] {
        let mut args = vec!["-o", old, "-n", new];
        args.extend_from_slice(mode);
        let patch = run(&refbin, &args, None);
        let file = dir.join("patch.xml");
        std::fs::write(&file, &patch.stdout).unwrap();
        let mut args = vec!["-o", old, "-p", file.to_str().unwrap()];
        args.extend_from_slice(check);
        failures.extend(compare(&refbin, &ourbin, &args, None));
    }

    // The transcript's expectation: test "Create an XML patchset".
    let exp = std::fs::read_to_string(conf.join("cli/regression.tools.exp")).unwrap();
    let begin = "=#=#=#= Begin test: Create an XML patchset =#=#=#=\n";
    let start = exp.find(begin).expect("the test is in the transcript") + begin.len();
    let end = start + exp[start..].find("=#=#=#= End test").unwrap();
    let expected = &exp[start..end];
    let trailer = &exp[end..exp[end..].find('\n').map_or(exp.len(), |i| end + i)];
    assert!(trailer.contains("(1)"), "transcript exit status: {trailer}");
    let r = run(&refbin, &["-o", old, "-n", new], None);
    let o = run(&ourbin, &["-o", old, "-n", new], None);
    assert_eq!(
        r.stdout, expected,
        "the reference disagrees with its transcript"
    );
    assert_eq!(o.stdout, expected, "our output differs from the transcript");
    assert_eq!((r.code, o.code), (1, 1));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn command_line_handling() {
    let Some((refbin, ourbin, _)) = tools() else {
        skip!("needs /usr/sbin/crm_diff and the conformance data");
    };
    let a = r#"<cib crm_feature_set="3.16.1" epoch="2"><configuration/></cib>"#;
    let b =
        r#"<cib crm_feature_set="3.16.1" epoch="3"><configuration><nodes/></configuration></cib>"#;
    let cases: &[(&[&str], Option<&[u8]>)] = &[
        (&[], None),
        (&["--version"], None),
        (&["--bogus"], None),
        (&["-o"], None),
        (&["-O", a], None),
        (&["-O", a, "-N", b], None),
        (&["-O", a, "-N", b, "-u"], None),
        (&["-O", a, "-N", b, "-c", "-u"], None),
        (&["-O", a, "-N", b, "-c"], None),
        (&["-cuO", a, "-N", b], None),
        (&["-O", a, "-N", a], None),
        (&["-O", "<a/>", "-N", "<b/>"], None),
        (&["-O", "<a", "-N", "<a/>"], None),
        (&["-O", "", "-N", "<a/>"], None),
        (&["-O", "<a x='\u{e9}'/>", "-N", "<a/>"], None),
        (&["-o", "/nonexistent", "-N", b], None),
        (&["-O", a, "-p", "/nonexistent"], None),
        (&["-O", a, "-p", "/nonexistent", "-u"], None),
        // The string option makes the input a string for good.
        (&["-O", a, "-o", b, "-N", a], None),
        (&["-N", b, "-n", a, "-O", a], None),
        (&["-s"], Some(a.as_bytes())),
        (&["-s", "-N", b], Some(a.as_bytes())),
        (&["-s", "-O", a], Some(b.as_bytes())),
        (&["-s", "-O", a], Some(b"")),
        (&["extra", "-O", a, "-N", b], None),
    ];
    let mut failures: Vec<String> = cases
        .iter()
        .filter_map(|(args, stdin)| compare(&refbin, &ourbin, args, *stdin))
        .collect();

    // Cases whose stderr must match as well: usage errors, prompts, and the
    // assertion lines the reference prints for roots that do not match and
    // for format-1 patches with more than one tree in a section.
    let dir = scratch("stderr");
    let multi = dir.join("multi.xml");
    std::fs::write(
        &multi,
        "<diff format=\"1\"><diff-removed><a/></diff-removed>\
         <diff-added><a/><b/><c/></diff-added></diff>",
    )
    .unwrap();
    let multi_removed = dir.join("multi-removed.xml");
    std::fs::write(
        &multi_removed,
        "<diff format=\"1\"><diff-removed><a/><cib/></diff-removed></diff>",
    )
    .unwrap();
    let (multi, multi_removed) = (multi.to_str().unwrap(), multi_removed.to_str().unwrap());
    let with_stderr: &[(&[&str], Option<&[u8]>)] = &[
        (&["--bogus"], None),
        (&["-o"], None),
        (&["-O", a, "-N", b, "-c", "-u"], None),
        (&["-O", a, "-p", "/nonexistent", "-u"], None),
        (&["-O", "<a/>", "-N", "<b/>"], None),
        (&["-O", "<a id='x'/>", "-N", "<a id='y'/>"], None),
        (&["-O", "<A/>", "-N", "<a/>"], None),
        (&["-O", "<a/>", "-p", multi], None),
        (&["-O", "<a/>", "-p", multi_removed], None),
        (&["-s", "-O", a], Some(b"")),
    ];
    for (args, stdin) in with_stderr {
        let r = run(&refbin, args, *stdin);
        let o = run(&ourbin, args, *stdin);
        if (&r.stdout, &r.stderr, r.code) != (&o.stdout, &o.stderr, o.code) {
            failures.push(format!(
                "{}: reference {:?} / {:?} / {}, ours {:?} / {:?} / {}",
                shown(args),
                r.stdout,
                r.stderr,
                r.code,
                o.stdout,
                o.stderr,
                o.code
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("atrium-crm_diff-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn corpus(conf: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(conf.join("scheduler/xml"))
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "xml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Figures of the differential run.
#[derive(Default)]
struct Tally {
    pairs: AtomicUsize,
    comparisons: AtomicUsize,
    patches: AtomicUsize,
    applied: AtomicUsize,
    reference_crashes: AtomicUsize,
}

#[test]
fn differential_cib_pairs() {
    let Some((refbin, ourbin, conf)) = tools() else {
        skip!("needs /usr/sbin/crm_diff and the conformance data");
    };
    let files = corpus(&conf);
    if files.is_empty() {
        skip!("no scheduler corpus in the conformance data");
    }
    let pairs: usize = std::env::var("ATRIUM_CRM_DIFF_PAIRS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8);
    let next = AtomicUsize::new(0);
    let tally = Tally::default();
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for t in 0..threads {
            let (refbin, ourbin, files) = (&refbin, &ourbin, &files);
            let (next, tally, failures) = (&next, &tally, &failures);
            s.spawn(move || {
                let dir = scratch(&format!("pairs{t}"));
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= pairs {
                        break;
                    }
                    let found = one_pair(refbin, ourbin, &files[k % files.len()], k, &dir, tally);
                    if !found.is_empty() {
                        failures.lock().unwrap().extend(found);
                    }
                }
                let _ = std::fs::remove_dir_all(&dir);
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "crm_diff differential: {} pairs, {} comparisons, {} patches, {} applied, \
         {} reference crashes, {} mismatches",
        tally.pairs.load(Ordering::Relaxed),
        tally.comparisons.load(Ordering::Relaxed),
        tally.patches.load(Ordering::Relaxed),
        tally.applied.load(Ordering::Relaxed),
        tally.reference_crashes.load(Ordering::Relaxed),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    // Make sure the run exercised what it claims to.
    assert!(tally.patches.load(Ordering::Relaxed) * 2 > pairs);
    assert!(tally.applied.load(Ordering::Relaxed) * 10 > pairs);
}

/// Compare both tools on one edited copy of `file`; returns mismatches.
fn one_pair(
    refbin: &Path,
    ourbin: &Path,
    file: &Path,
    k: usize,
    dir: &Path,
    tally: &Tally,
) -> Vec<String> {
    let Some(orig) = pcmk_xml::read_file(file).ok().and_then(|p| p.root) else {
        return Vec::new();
    };
    let mut rng = edits::Rng::new(k as u64);
    let count = 1 + rng.below(6);
    let mut new = edits::edit(&orig, &mut rng, count);
    if rng.chance(50) {
        bump_version(&mut new, &mut rng);
    }
    tally.pairs.fetch_add(1, Ordering::Relaxed);

    // Both tools read the same bytes: our libxml2-style serialisation (ASCII
    // only: non-ASCII becomes character references).
    let (old_text, new_text) = (to_libxml_text(&orig), to_libxml_text(&new));
    let (old_file, new_file) = (dir.join("old.xml"), dir.join("new.xml"));
    std::fs::write(&old_file, &old_text).unwrap();
    std::fs::write(&new_file, &new_text).unwrap();
    let (of, nf) = (old_file.to_str().unwrap(), new_file.to_str().unwrap());
    // Strings go through argv: keep them well below the kernel's limit.
    let as_strings = k % 2 == 1 && old_text.len() < 100_000 && new_text.len() < 100_000;
    let (o_opt, o_val, n_opt, n_val) = if as_strings {
        ("-O", old_text.as_str(), "-N", new_text.as_str())
    } else {
        ("-o", of, "-n", nf)
    };
    let what = |msg: String| format!("pair {k} ({}): {msg}", file.display());

    let mut failures = Vec::new();
    let mut failures_log = Vec::new();
    let mut check = |args: &[&str]| -> (Output, Output) {
        let r = run(refbin, args, None);
        let o = run(ourbin, args, None);
        tally.comparisons.fetch_add(1, Ordering::Relaxed);
        if r.code >= 128 {
            tally.reference_crashes.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(m) = agree(&r, &o, args) {
            failures.push(what(m));
        }
        (r, o)
    };

    let (normal, ours_normal) = if k.is_multiple_of(10) {
        // Now and then with the log lines of -VVVV, which must match too.
        let args = ["-VVVV", o_opt, o_val, n_opt, n_val];
        let (r, o) = check(&args);
        if r.code < 128 && r.stderr != o.stderr {
            failures_log.push(what(format!(
                "{}: log lines differ\n--- reference\n{}\n--- ours\n{}",
                shown(&args),
                r.stderr,
                o.stderr
            )));
        }
        (r, o)
    } else {
        check(&[o_opt, o_val, n_opt, n_val])
    };
    let _ = ours_normal;
    if normal.code == 1 {
        tally.patches.fetch_add(1, Ordering::Relaxed);
        let patch = dir.join("ref-patch.xml");
        std::fs::write(&patch, &normal.stdout).unwrap();
        let (applied, _) = check(&["-o", of, "-p", patch.to_str().unwrap()]);
        if applied.code == 0 {
            tally.applied.fetch_add(1, Ordering::Relaxed);
        }
    }
    // The other two modes take turns, to keep the run short.
    if k % 4 < 2 {
        check(&[o_opt, o_val, n_opt, n_val, "-u"]);
    } else {
        let (_, our_cib) = check(&[o_opt, o_val, n_opt, n_val, "-c"]);
        if our_cib.code == 1 {
            // Our patch, applied by both with version checks.
            let patch = dir.join("our-patch.xml");
            std::fs::write(&patch, &our_cib.stdout).unwrap();
            let (applied, _) = check(&["-o", of, "-p", patch.to_str().unwrap(), "-c"]);
            if applied.code == 0 {
                tally.applied.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    failures.extend(failures_log);
    failures
}

/// Raise the new CIB's version so `--cib` patches pass the version check.
fn bump_version(e: &mut Element, rng: &mut edits::Rng) {
    let field = *rng.pick(&["epoch", "num_updates"]);
    let v: i64 = e.attr(field).and_then(|v| v.parse().ok()).unwrap_or(0);
    e.set_attr(field, (v + 1).to_string());
}
