//! Our `getopt_long()` against glibc's, through the reference cibadmin
//! (Pacemaker 2.1.5 parses it with getopt_long): for command lines that fail
//! to parse, the first line cibadmin prints on stderr is glibc's message,
//! and ours must be the same. The option table is read from the reference's
//! own `--help`, so nothing here is copied from its output.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use pcmk_tools::getopt::{Event, Getopt, HasArg, LongOption};

const CIBADMIN: &str = "/usr/sbin/cibadmin";

/// (optstring, long table) from lines like ` -A, --xpath=value\t...`.
fn table_from_help(help: &str) -> (String, Vec<LongOption>) {
    let mut shorts = String::new();
    let mut longs = vec![LongOption {
        name: "__dummmy__",
        has_arg: HasArg::No,
        val: i32::from(b'_'),
    }];
    for line in help.lines() {
        let (short, rest) = if let Some(r) = line.strip_prefix(" -") {
            let mut chars = r.chars();
            let c = chars.next();
            match chars.as_str().strip_prefix(", --") {
                Some(rest) => (c, rest),
                None => continue,
            }
        } else if let Some(rest) = line.strip_prefix("     --") {
            (None, rest)
        } else {
            continue;
        };
        let spec = rest.split('\t').next().unwrap_or("");
        let (name, has_arg) = if let Some(n) = spec.strip_suffix("[=value]") {
            (n, HasArg::Optional)
        } else if let Some(n) = spec.strip_suffix("=value") {
            (n, HasArg::Required)
        } else {
            (spec, HasArg::No)
        };
        if let Some(c) = short {
            shorts.push(c);
            shorts.push_str(match has_arg {
                HasArg::No => "",
                HasArg::Required => ":",
                HasArg::Optional => "::",
            });
        }
        longs.push(LongOption {
            name: Box::leak(name.to_string().into_boxed_str()),
            has_arg,
            val: short.map_or(0, |c| c as i32),
        });
    }
    (shorts, longs)
}

fn first_stderr_line(args: &[&str]) -> (Vec<u8>, i32) {
    let out = Command::new(CIBADMIN)
        .args(args)
        .env("LC_ALL", "C")
        .env_remove("POSIXLY_CORRECT")
        .env("CIB_file", "/nonexistent/cib.xml")
        .stdin(Stdio::null())
        .output()
        .expect("cibadmin runs");
    let line = out.stderr.split(|&b| b == b'\n').next().unwrap_or(&[]);
    (line.to_vec(), out.status.code().unwrap_or(-1))
}

#[test]
fn parse_errors_match_glibc() {
    if !Path::new(CIBADMIN).exists() {
        eprintln!("SKIPPED getopt_reference: {CIBADMIN} (the reference) is not installed");
        return;
    }
    let help = Command::new(CIBADMIN)
        .arg("--help")
        .output()
        .expect("cibadmin --help");
    let (optstring, longs) = table_from_help(&String::from_utf8_lossy(&help.stdout));
    assert!(
        longs.len() > 20,
        "parsed {} long options from --help",
        longs.len()
    );

    let cases: &[&[&str]] = &[
        &["--bogus"],
        &["--bogus=1"],
        &["-z"],
        &["-Qz"],
        &["--x"],
        &["--xml"],
        &["--x=1"],
        &["--s"],
        &["--query=5"],
        &["--loc=1"],
        &["--xpath"],
        &["-t"],
        &["-Q", "-o"],
        &["a", "b", "--bogus"],
        &["-Q", "--", "--bogus", "-z"],
        &["--_"],
        &["-\u{e9}"],
    ];
    let mut failures = Vec::new();
    for args in cases {
        let (theirs, code) = first_stderr_line(args);
        let argv: Vec<OsString> = std::iter::once(CIBADMIN)
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        let ours = Getopt::new(&argv, &optstring, &longs)
            .find_map(|e| match e {
                Event::Error { message, .. } => Some(message),
                Event::Option { .. } => None,
            })
            .unwrap_or_default();
        // Where glibc finds no error, cibadmin goes on and fails otherwise.
        let theirs_is_getopt = code == 64 && theirs.starts_with(CIBADMIN.as_bytes());
        if (theirs_is_getopt && ours != theirs) || (!theirs_is_getopt && !ours.is_empty()) {
            failures.push(format!(
                "{args:?}\n  ours:   {}\n  glibc:  {} (exit {code})",
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
