//! Helpers shared by the corosync-* tools (reached from their
//! `src/bin/corosync-*.rs` with `#[path]`, like cibadmin's modules): getopt
//! over the command line, `util_strtonum`, names from /etc/hosts.
// Each tool uses its own subset of these helpers.
#![allow(dead_code, unused_imports)]

use std::ffi::OsString;
use std::net::IpAddr;

use pcmk_cli::getopt::{Event, Getopt};
pub use pcmk_cli::getopt::{HasArg, LongOption};

/// One parsed option: the letter and its value.
pub type Opt = (char, Option<String>);

/// getopt(argc, argv, optstring): options in order, then the operands.
/// `Err` carries getopt's message for stderr.
pub fn getopt(optstring: &str) -> Result<(Vec<Opt>, Vec<String>), String> {
    getopt_long(optstring, &[])
}

/// getopt_long: long options report their `val` (0 comes back as `'\0'`).
pub fn getopt_long(
    optstring: &str,
    longs: &[LongOption],
) -> Result<(Vec<Opt>, Vec<String>), String> {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let mut g = Getopt::new(&argv, optstring, longs);
    let mut opts = Vec::new();
    for ev in g.by_ref() {
        match ev {
            Event::Option { val, arg, .. } => opts.push((
                char::from_u32(val as u32).unwrap_or('?'),
                arg.map(|a| a.to_string_lossy().into_owned()),
            )),
            Event::Error { message, .. } => {
                return Err(String::from_utf8_lossy(&message).into_owned());
            }
        }
    }
    let ops = g
        .operands()
        .iter()
        .map(|o| o.to_string_lossy().into_owned())
        .collect();
    Ok((opts, ops))
}

/// argv[0] as given.
pub fn argv0() -> String {
    std::env::args().next().unwrap_or_default()
}

/// util_strtonum: a decimal integer in `[min, max]`.
pub fn strtonum(s: &str, min: i64, max: i64) -> Option<i64> {
    let t = s.trim_start();
    let v: i64 = t.parse().ok()?;
    (min..=max).contains(&v).then_some(v)
}

/// The address of a cfg get_node_addrs entry.
pub fn addr_of(family: u32, a: &[u8; 16]) -> Option<IpAddr> {
    match family {
        2 => Some(IpAddr::from([a[0], a[1], a[2], a[3]])),
        10 => Some(IpAddr::from(*a)),
        _ => None,
    }
}

/// getnameinfo without NI_NUMERICHOST, from /etc/hosts (the first name of
/// the address's line), else the numeric form.
pub fn host_name(ip: &IpAddr) -> String {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    for line in hosts.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut f = line.split_whitespace();
        if let (Some(a), Some(name)) = (f.next(), f.next()) {
            if a.parse::<IpAddr>().ok().as_ref() == Some(ip) {
                return name.to_string();
            }
        }
    }
    ip.to_string()
}

/// inet_ntop of a cfg address entry ("" when the family is unknown).
pub fn ntop(family: u32, a: &[u8; 16]) -> String {
    addr_of(family, a)
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}
