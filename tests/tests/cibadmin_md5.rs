//! `cibadmin --md5-sum` / `--md5-sum-versioned`: ours against the installed
//! reference on every CIB of the scheduler corpus (`-x FILE`), plus the
//! `-X STRING` and `-p` (stdin) forms on a sample and the error paths.
//! stdout, stderr and exit status must be identical.
//!
//! Ref: tools/cibadmin.c (md5-sum branches), lib/common/digest.c.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use atrium_tests::{conformance_dir, ours, reference, run_env, skip, Output};

/// Run without any CIB connection settings that could leak in.
fn cibadmin(bin: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    run_env(
        bin,
        args,
        stdin,
        &[("CIB_file", "/nonexistent/cib.xml"), ("PCMK_stderr", "0")],
    )
}

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = conformance_dir()?.join("scheduler/xml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    Some(files)
}

#[test]
fn digests_of_the_whole_corpus_match_the_reference() {
    let Some(refbin) = reference("cibadmin") else {
        skip!("reference cibadmin is not installed");
    };
    let Some(files) = corpus() else {
        skip!("conformance corpus (scheduler/xml) is absent");
    };
    let ours = ours("cibadmin");
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                let f = f.to_string_lossy();
                for flag in ["--md5-sum", "--md5-sum-versioned"] {
                    let args = [flag, "-x", &f];
                    let want = cibadmin(&refbin, &args, None);
                    let got = cibadmin(&ours, &args, None);
                    if want != got {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{flag} -x {f}\nwant {want:?}\ngot  {got:?}"));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} runs differ:\n{}",
        failures.len(),
        files.len() * 2,
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!("{} CIBs, 2 digest forms each: identical", files.len());
}

#[test]
fn string_and_stdin_forms_match_the_reference() {
    let Some(refbin) = reference("cibadmin") else {
        skip!("reference cibadmin is not installed");
    };
    let Some(files) = corpus() else {
        skip!("conformance corpus (scheduler/xml) is absent");
    };
    let ours = ours("cibadmin");
    // Every 40th file, in both digest forms, as -X and as -p.
    for f in files.iter().step_by(40) {
        let text = std::fs::read(f).expect("corpus file is readable");
        let as_str = String::from_utf8_lossy(&text).into_owned();
        for flag in ["-5", "-6"] {
            let want = cibadmin(&refbin, &[flag, "-X", &as_str], None);
            let got = cibadmin(&ours, &[flag, "-X", &as_str], None);
            assert_eq!(want, got, "{flag} -X <{}>", f.display());
            let want = cibadmin(&refbin, &[flag, "-p"], Some(&text));
            let got = cibadmin(&ours, &[flag, "-p"], Some(&text));
            assert_eq!(want, got, "{flag} -p < {}", f.display());
        }
    }
}

#[test]
fn odd_inputs_and_errors_match_the_reference() {
    let Some(refbin) = reference("cibadmin") else {
        skip!("reference cibadmin is not installed");
    };
    let ours = ours("cibadmin");
    let cases: &[(&[&str], Option<&[u8]>)] = &[
        (&["--md5-sum"], None),
        (&["--md5-sum-versioned"], None),
        (&["-5", "-X", "<cib/>"], None),
        (
            &["-6", "-X", "<cib crm_feature_set='3.0.1' a='1'><x/></cib>"],
            None,
        ),
        (
            &[
                "-6",
                "-X",
                "<cib crm_feature_set='3.0.6' cib-last-written='x'><x/></cib>",
            ],
            None,
        ),
        (&["-5", "-X", "not xml"], None),
        (&["-5", "-X", "<cib><unclosed></cib>"], None),
        (
            &["-5", "-X", "<a b=\"&lt;&amp;\t\n\"><!-- c --><b/>text</a>"],
            None,
        ),
        (&["-5", "-x", "/nonexistent/file.xml"], None),
        (&["-5", "-p"], Some(b"")),
        (
            &["-6", "-p"],
            Some(b"<cib epoch='1'>\n  <configuration/>\n</cib>\n"),
        ),
        (&["-5", "-p"], Some(b"<cib>\0<trailing/>")),
    ];
    for (args, stdin) in cases {
        let want = cibadmin(&refbin, args, *stdin);
        let got = cibadmin(&ours, args, *stdin);
        assert_eq!(want, got, "{args:?}");
    }
}
