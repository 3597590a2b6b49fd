//! crm_error: ours against the installed reference, and against the
//! reference's own regression transcript.
//!
//! Every case runs both binaries with the same argv (argv[0] = "crm_error",
//! since the XML `request` echoes it) under LC_ALL=C and compares stdout,
//! stderr and exit status. Help screens are compared for structure only
//! (option names, placeholders, groups, column), since the prose is ours.
//!
//! Ref: tools/crm_error.c, lib/pacemaker/pcmk_result_code.c,
//! cts/cli/regression.error_codes.exp

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use atrium_tests::{conformance_dir, ours, reference, skip};

#[derive(Debug, PartialEq, Eq)]
struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn run(bin: &Path, args: &[String], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin);
    cmd.arg0("crm_error")
        .args(args)
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in ["debug", "stderr", "logfile", "logfacility"] {
        cmd.env_remove(format!("PCMK_{var}"));
        cmd.env_remove(format!("HA_{var}"));
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

struct Case {
    args: Vec<String>,
    env: Vec<(&'static str, &'static str)>,
    help: bool,
}

fn case(args: &[&str]) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
        help: false,
    }
}

fn binaries() -> Option<(PathBuf, PathBuf)> {
    Some((ours("crm_error"), reference("crm_error")?))
}

/// Run every case through both binaries on two threads; collect mismatches.
fn compare_all(cases: &[Case], ours: &Path, theirs: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(cases.len().div_ceil(2).max(1))
            .map(|chunk| {
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for c in chunk {
                        let a = run(ours, &c.args, &c.env);
                        let b = run(theirs, &c.args, &c.env);
                        let (a_out, b_out) = if c.help {
                            (help_structure(&a.stdout), help_structure(&b.stdout))
                        } else {
                            (a.stdout.clone(), b.stdout.clone())
                        };
                        if a_out != b_out || a.stderr != b.stderr || a.code != b.code {
                            bad.push(format!(
                                "crm_error {:?} env {:?}\n--- ours (exit {})\n{}{}\n--- reference (exit {})\n{}{}",
                                c.args, c.env, a.code, a_out, a.stderr, b.code, b_out, b.stderr
                            ));
                        }
                    }
                    bad
                })
            })
            .collect();
        for h in handles {
            failures.extend(h.join().expect("comparison thread"));
        }
    });
    failures
}

fn assert_no_failures(failures: Vec<String>, total: usize) {
    if !failures.is_empty() {
        let shown: Vec<_> = failures.iter().take(5).cloned().collect();
        panic!(
            "{} of {total} cases differ; first ones:\n{}",
            failures.len(),
            shown.join("\n")
        );
    }
}

/// Option lines reduced to their option part and description column;
/// headings and the usage line kept; prose lines reduced to "<prose>".
fn help_structure(help: &str) -> String {
    let mut out = String::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        if line.starts_with("  -") {
            // "  -h, --help<pad> desc": the option part is what precedes the
            // description column (first run of 2+ spaces, or a single space
            // right after a full-width head).
            let head_end = line[2..].find("  ").map_or(line.len(), |p| p + 2);
            let column = line[head_end..]
                .find(|c: char| c != ' ')
                .map_or(line.len(), |p| head_end + p);
            out.push_str(&format!("{} @{column}\n", &line[..head_end]));
        } else if line.is_empty() || line.ends_with(':') || trimmed.starts_with("crm_error [") {
            out.push_str(line);
            out.push('\n');
        } else {
            out.push_str("<prose>\n");
        }
    }
    out
}

fn codes() -> Vec<String> {
    (-1100..=300).map(|c| c.to_string()).collect()
}

const MODES: &[&[&str]] = &[&[], &["-n"], &["-r"], &["-r", "-n"], &["-X"], &["-X", "-n"]];

#[test]
fn every_code_in_every_mode() {
    let Some((ours, theirs)) = binaries() else {
        skip!("/usr/sbin/crm_error (the reference) is not installed");
    };
    let mut cases = Vec::new();
    for mode in MODES {
        for extra in [&[][..], &["-V"], &["--output-as=xml"]] {
            let mut args: Vec<String> = mode.iter().chain(extra).map(|s| s.to_string()).collect();
            args.push("--".into());
            args.extend(codes());
            cases.push(Case {
                args,
                env: Vec::new(),
                help: false,
            });
        }
    }
    let total = cases.len();
    assert_no_failures(compare_all(&cases, &ours, &theirs), total);
}

#[test]
fn listings() {
    let Some((ours, theirs)) = binaries() else {
        skip!("/usr/sbin/crm_error (the reference) is not installed");
    };
    let mut cases = vec![case(&[]), case(&["--"]), case(&["-n"]), case(&["-X", "-n"])];
    for mode in [&[][..], &["-r"], &["-X"], &["-X", "-r"], &["-r", "-X"]] {
        for extra in [
            &[][..],
            &["-n"],
            &["--output-as=xml"],
            &["-n", "--output-as=xml"],
            &["--text-fancy"],
            &["-V", "-n"],
            &["--output-as=none"],
        ] {
            let args: Vec<&str> = ["-l"].iter().chain(mode).chain(extra).copied().collect();
            cases.push(case(&args));
        }
    }
    cases.push(case(&["-l", "5", "6"]));
    cases.push(case(&["-nlX"]));
    let total = cases.len();
    assert_no_failures(compare_all(&cases, &ours, &theirs), total);
}

#[test]
fn odd_arguments_and_warnings() {
    let Some((ours, theirs)) = binaries() else {
        skip!("/usr/sbin/crm_error (the reference) is not installed");
    };
    let odd = [
        "abc",
        "",
        "12abc",
        "0x10",
        " 5",
        "5 ",
        "+5",
        "-0",
        "010",
        "1e3",
        "99999999999",
        "-99999999999",
        "99999999999999999999",
        "-99999999999999999999",
        "2147483647",
        "2147483648",
        "-2147483648",
        "-2147483649",
        "-",
        "a b",
        "it's",
        "é<&>\"",
    ];
    let mut cases = Vec::new();
    for mode in MODES {
        for extra in [
            &[][..],
            &["-VV"],
            &["--output-as=xml"],
            &["-V", "-V", "-V", "-V"],
        ] {
            let mut args: Vec<String> = mode.iter().chain(extra).map(|s| s.to_string()).collect();
            args.push("--".into());
            args.extend(odd.iter().map(|s| s.to_string()));
            cases.push(Case {
                args,
                env: Vec::new(),
                help: false,
            });
        }
    }
    // Very long text: libqb cuts log lines at 511 bytes.
    for n in [400, 414, 415, 600] {
        cases.push(case(&["-VV", &"a".repeat(n)]));
    }
    let total = cases.len();
    assert_no_failures(compare_all(&cases, &ours, &theirs), total);
}

#[test]
fn option_parsing_and_errors() {
    let Some((ours, theirs)) = binaries() else {
        skip!("/usr/sbin/crm_error (the reference) is not installed");
    };
    let nonexistent = "/nonexistent-dir/out.txt";
    let mut cases: Vec<Case> = [
        &["--bogus"][..],
        &["-z"],
        &["-Vz", "5"],
        &["5", "--bogus", "--help"],
        &["-5"],
        &["-12"],
        &["--", "-5"],
        &["--", "--", "5"],
        &["5", "--", "6"],
        &["-"],
        &["--output-as"],
        &["--output-to"],
        &["--output-as=bogus", "5"],
        &["--output-as=XML", "5"],
        &["--output-as=html", "5"],
        &["--output-as=é", "5"],
        &["--output-to=é", "5"],
        &["--output-to", nonexistent, "5"],
        &["--output-as=xml", "--output-to", nonexistent, "5"],
        &["-VVVV", "--output-to", nonexistent, "5"],
        &["--output-as", "xml", "5"],
        &["--output-as=text", "--output-as=xml", "5"],
        &["--output-as=xml", "--output-as=text", "5"],
        &["--o-output-as=xml", "5"],
        &["--output-output-as", "xml", "5"],
        &["--output-bogus", "5"],
        &["--name=5", "7"],
        &["--list=x"],
        &["-XrX", "5"],
        &["-rX", "5"],
        &["-Xr", "5"],
        &["-nV", "5"],
        &["--version"],
        &["-$"],
        &["--version", "--output-as=xml"],
        &["--version", "--output-as=none"],
        &["--version", "--bogus"],
        &["--output-as=none", "5"],
        &["--xml-legacy", "--output-as=xml", "5"],
        &["--xml-simple-list", "--output-as=xml", "-l"],
        &["-VVVV", "5"],
        &["-VVVVV", "5"],
        &["-VVVVVV", "5"],
        &["-VVVVVVV", "-n", "5"],
        &["-VVVVVV", "-n", "-l"],
        &["-VVVVVV", "-V", "-n", "--", "5", "x"],
        &["-VVVV", "--bogus"],
    ]
    .iter()
    .map(|a| case(a))
    .collect();
    for (env, args) in [
        (("PCMK_debug", "1"), &["-V", "abc"][..]),
        (("PCMK_debug", "crm_error"), &["abc"]),
        (("PCMK_stderr", "yes"), &["abc"]),
        (("HA_debug", "1"), &["-VVV", "abc"]),
        (("PCMK_debug", "no"), &["-VV", "abc"]),
    ] {
        let mut c = case(args);
        c.env.push(env);
        cases.push(c);
    }
    for help in [
        &["-h"][..],
        &["-?"],
        &["--help"],
        &["--help-all"],
        &["--help-output"],
        &["-Vh"],
        &["5", "--help-all"],
        &["--help-bogus"],
        &["--help-application"],
    ] {
        let mut c = case(help);
        c.help = true;
        cases.push(c);
    }
    let total = cases.len();
    assert_no_failures(compare_all(&cases, &ours, &theirs), total);
}

#[test]
fn output_to_a_file() {
    let Some((ours, theirs)) = binaries() else {
        skip!("/usr/sbin/crm_error (the reference) is not installed");
    };
    let dir = std::env::temp_dir().join(format!("atrium-crm-error-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for format in ["text", "xml"] {
        let mut files = Vec::new();
        for (name, bin) in [("ours", &ours), ("theirs", &theirs)] {
            let file = dir.join(format!("{name}.{format}"));
            let args: Vec<String> = vec![
                format!("--output-as={format}"),
                format!("--output-to={}", file.display()),
                "-n".into(),
                "--".into(),
                "5".into(),
                "-1001".into(),
            ];
            let r = run(bin, &args, &[]);
            assert_eq!((r.stdout.as_str(), r.code), ("", 0), "{name} {format}");
            let text = std::fs::read_to_string(&file).expect("output file written");
            // The request names the file, which differs: normalize it.
            files.push(text.replace(&file.display().to_string(), "FILE"));
        }
        assert_eq!(files[0], files[1], "--output-to with {format}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The reference's own transcript: every command it records gives the same
/// output here. Filtered tests (spot checks) must appear in order.
#[test]
fn conformance_transcript() {
    let Some(dir) = conformance_dir() else {
        skip!("conformance data (../shared/conformance) is not available");
    };
    let path = dir.join("cli/regression.error_codes.exp");
    let Ok(text) = std::fs::read_to_string(&path) else {
        skip!("{} is missing", path.display());
    };
    let ours = ours("crm_error");
    struct Block {
        name: String,
        lines: Vec<String>,
        code: i32,
    }
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("=#=#=#= Begin test: ")
            .and_then(|l| l.strip_suffix(" =#=#=#="))
        {
            current = Some(Block {
                name: name.to_string(),
                lines: Vec::new(),
                code: 0,
            });
        } else if let Some(rest) = line.strip_prefix("=#=#=#= End test: ") {
            let mut b = current.take().expect("End without Begin");
            let code = rest
                .rsplit_once('(')
                .and_then(|(_, c)| c.split(')').next())
                .and_then(|c| c.parse().ok())
                .expect("exit code in End line");
            b.code = code;
            blocks.push(b);
        } else if let Some(b) = current.as_mut() {
            b.lines.push(line.to_string());
        }
    }
    assert!(
        blocks.len() >= 30,
        "transcript parsed: {} tests",
        blocks.len()
    );

    // The XML variant records the command line; the text variant is the same
    // command without --output-as=xml.
    let request = |b: &Block| -> Option<Vec<String>> {
        let line = b.lines.iter().find(|l| l.contains("request=\""))?;
        let start = line.find("request=\"")? + 9;
        let end = start + line[start..].find('"')?;
        Some(
            line[start..end]
                .split(' ')
                .skip(1)
                .map(str::to_string)
                .collect(),
        )
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for b in &blocks {
        let args = if b.name.ends_with(" (XML)") {
            request(b)
        } else {
            blocks
                .iter()
                .find(|x| x.name == format!("{} (XML)", b.name))
                .and_then(request)
                .map(|a| a.into_iter().filter(|a| a != "--output-as=xml").collect())
        };
        let Some(args) = args else {
            failures.push(format!("{}: no command line recorded", b.name));
            continue;
        };
        let r = run(&ours, &args, &[]);
        let got: Vec<String> = r
            .stdout
            .replace(
                &format!("api-version=\"{}\"", pcmk_tools_api_version()),
                "api-version=\"X\"",
            )
            .lines()
            .map(str::to_string)
            .collect();
        let filtered = b.name.contains("spot check") || b.name.contains("non-positive");
        let ok = if filtered {
            let mut it = got.iter();
            b.lines.iter().all(|want| it.any(|g| g == want))
        } else {
            got == b.lines
        };
        if !ok || r.code != b.code {
            failures.push(format!(
                "{} (crm_error {:?}): exit {} want {}\n{}\nwant\n{}",
                b.name,
                args,
                r.code,
                b.code,
                got.join("\n"),
                b.lines.join("\n")
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(checked, blocks.len());
}

/// The `api-version` our XML carries (read from our own `--version` XML).
fn pcmk_tools_api_version() -> String {
    let r = run(
        &ours("crm_error"),
        &["--output-as=xml".into(), "5".into()],
        &[],
    );
    let start = r.stdout.find("api-version=\"").expect("api-version") + 13;
    let end = start + r.stdout[start..].find('"').expect("closing quote");
    r.stdout[start..end].to_string()
}

/// A reader that goes away must not make us panic: we stop quietly.
#[test]
fn closed_stdout_pipe_is_quiet() {
    let bin = ours("crm_error");
    let mut args = vec!["--".to_string()];
    // Far more than a pipe buffer holds, so writes hit the closed pipe.
    args.extend((1..=20000).map(|c| c.to_string()));
    let mut child = Command::new(&bin)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn crm_error");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for crm_error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
