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

/// Files that exercise both the streaming digest of `-x` and its fallback
/// to the full parser: every one must give the reference's output.
#[test]
fn unusual_files_match_the_reference() {
    let Some(refbin) = reference("cibadmin") else {
        skip!("reference cibadmin is not installed");
    };
    let ours = ours("cibadmin");
    let deep = format!("<cib>{}{}</cib>", "<a>".repeat(300), "</a>".repeat(300));
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("comments", b"<cib a='1'><!-- x --><b/><c><!--y--></c></cib>".to_vec()),
        ("text", b"<cib>\n  <b>text</b>\n  <c> </c><d>&amp;</d>\n</cib>\n".to_vec()),
        ("refs", b"<cib a='&#10;&#x41;&lt;&gt;&amp;&quot;&apos;' b='x&#9;y'/>".to_vec()),
        ("tabs and newlines", b"<cib a='x\ty\nz' b=\"'q'\" c='>'/>".to_vec()),
        ("non-ASCII", "<cib a='é<' b='x é \"'><n v='日本'/></cib>".as_bytes().to_vec()),
        ("duplicate attribute", b"<cib a='1' a='2'/>".to_vec()),
        ("namespace", b"<cib xmlns:x='u' x:a='1'><x:b/></cib>".to_vec()),
        ("CDATA", b"<cib><![CDATA[ <x> ]]></cib>".to_vec()),
        ("processing instruction", b"<cib><?pi data?><a/></cib>".to_vec()),
        ("declaration", b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cib/>".to_vec()),
        ("latin-1", b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><cib a='\xe9'/>".to_vec()),
        ("byte order mark", b"\xef\xbb\xbf<cib/>".to_vec()),
        ("doctype", b"<!DOCTYPE cib><cib/>".to_vec()),
        ("carriage returns", b"<cib a='1\r\n'>\r\n<b/>\r\n</cib>".to_vec()),
        ("deep", deep.into_bytes()),
        ("leading comment", b"<!-- c --><cib/>".to_vec()),
        ("trailing comment", b"<cib/><!-- c -->".to_vec()),
        ("trailing garbage", b"<cib/>x".to_vec()),
        ("truncated", b"<cib><a b='1'>".to_vec()),
        ("mismatched", b"<cib><a></b></cib>".to_vec()),
        ("unknown entity", b"<cib a='&nbsp;'/>".to_vec()),
        ("control character", b"<cib a='\x01'/>".to_vec()),
        ("DEL", b"<cib a='\x7f'/>".to_vec()),
        ("filtered", b"<cib crm_feature_set='3.16.1' cib-last-written='x' update-origin='n'><a crm-debug-origin='y'/></cib>".to_vec()),
        ("old feature set", b"<cib crm_feature_set='3.0.1' cib-last-written='x'/>".to_vec()),
        ("empty", Vec::new()),
        ("blank", b"  \n".to_vec()),
    ];
    let dir = std::env::temp_dir().join(format!("atrium-md5-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory can be created");
    for (name, content) in &files {
        let path = dir.join(format!("{}.xml", name.replace(' ', "-")));
        std::fs::write(&path, content).expect("temporary file is writable");
        let p = path.to_string_lossy();
        for flag in ["-5", "-6"] {
            let want = cibadmin(&refbin, &[flag, "-x", &p], None);
            let got = cibadmin(&ours, &[flag, "-x", &p], None);
            assert_eq!(want, got, "{flag} -x <{name}>");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
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
