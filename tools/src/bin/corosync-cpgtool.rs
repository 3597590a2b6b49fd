//! `corosync-cpgtool`: the CPG groups and their members, as corosync
//! 3.1.7's tool lists them.
// Ref: tools/corosync-cpgtool.c

#[path = "../corosync/mod.rs"]
mod corosync;

use std::io::Write;
use std::process::ExitCode;

use atrium_corosync::client::{Cfg, Cpg};
use totem_wire::ipc::cpg::{ITERATION_ALL, ITERATION_NAME_ONLY};

fn group(g: &[u8], escape: bool) -> Vec<u8> {
    let mut o = Vec::new();
    for &c in g {
        if !escape || ((b' '..0x7f).contains(&c) && c != b'\\') {
            o.push(c);
        } else if c == b'\\' {
            o.extend_from_slice(b"\\\\");
        } else {
            o.extend_from_slice(format!("\\x{c:02X}").as_bytes());
        }
    }
    o
}

fn addrs(cfg: &Cfg, nodeid: u32) -> String {
    match cfg.node_addrs(nodeid) {
        Ok((f, a)) => a
            .iter()
            .map(|x| corosync::ntop(f, x))
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => String::new(),
    }
}

fn main() -> ExitCode {
    let prog = std::path::Path::new(&corosync::argv0())
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (opts, _) = match corosync::getopt("hd:ne") {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::FAILURE;
        }
    };
    let mut delimiter: Option<u8> = None;
    let mut escape = true;
    let mut names_only = false;
    for (c, arg) in opts {
        match c {
            'd' => {
                if let Some(b) = arg.as_deref().and_then(|a| a.bytes().next()) {
                    delimiter = Some(b);
                }
            }
            'n' => names_only = true,
            'e' => escape = false,
            'h' => {
                print!("{prog} [-d delimiter] [-e] [-n] [-h]\n\nA tool for displaying cpg groups and members.\noptions:\n\t-d\tDelimiter between fields.\n\t-e\tDon't escape unprintable characters in group name.\n\t-n\tDisplay only all existing group names.\n\t-h\tDisplay this help.\n");
                return ExitCode::SUCCESS;
            }
            _ => return ExitCode::FAILURE,
        }
    }
    let cpg = match Cpg::connect() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Could not initialize corosync cpg API error {}", e.0);
            return ExitCode::FAILURE;
        }
    };
    let cfg = match Cfg::connect() {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "Could not initialize corosync configuration API error {}",
                e.0
            );
            return ExitCode::FAILURE;
        }
    };
    let mut out: Vec<u8> = Vec::new();
    if names_only {
        let items = match cpg.iterate(ITERATION_NAME_ONLY, b"") {
            Ok(i) => i,
            Err(e) => {
                eprintln!("Cannot initialize cpg iterator error {}", e.0);
                return ExitCode::FAILURE;
            }
        };
        for i in items {
            out.extend(group(&i.group, escape));
            out.push(delimiter.unwrap_or(b'\n'));
        }
        if delimiter.is_some() {
            out.push(b'\n');
        }
    } else {
        let items = match cpg.iterate(ITERATION_ALL, b"") {
            Ok(i) => i,
            Err(e) => {
                eprintln!("Cannot initialize cpg iterator error {}", e.0);
                return ExitCode::FAILURE;
            }
        };
        match delimiter {
            Some(d) => {
                let d = d as char;
                out.extend(format!("GRP_NAME{d}PID{d}NODEID\n").as_bytes());
            }
            None => {
                out.extend(format!("Group Name\t{:>10}\t{:>10}\n", "PID", "Node ID").as_bytes())
            }
        }
        let mut old: Option<Vec<u8>> = None;
        for i in items {
            match delimiter {
                None => {
                    if old.as_deref() != Some(&i.group[..]) {
                        out.extend(group(&i.group, escape));
                        out.push(b'\n');
                        old = Some(i.group.clone());
                    }
                    out.extend(
                        format!(
                            "\t\t{:>10}\t{:>10} ({})\n",
                            i.pid,
                            i.nodeid,
                            addrs(&cfg, i.nodeid)
                        )
                        .as_bytes(),
                    );
                }
                Some(d) => {
                    out.extend(group(&i.group, escape));
                    let d = d as char;
                    out.extend(format!("{d}{}{d}{}\n", i.pid, i.nodeid).as_bytes());
                }
            }
        }
    }
    let _ = std::io::stdout().write_all(&out);
    ExitCode::SUCCESS
}
