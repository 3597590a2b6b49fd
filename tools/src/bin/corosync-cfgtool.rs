//! `corosync-cfgtool`: link and node status, reload, log reopening, node
//! kill, shutdown and node addresses, as corosync 3.1.7's tool does them.
// Ref: tools/corosync-cfgtool.c

#[path = "../corosync/mod.rs"]
mod corosync;

use std::process::ExitCode;

use atrium_corosync::client::{Cfg, Cmap};
use corosync::{HasArg, LongOption};
use totem_wire::ipc::cfg::{shutdown_flag, CfgRequest, NodeStatus};
use totem_wire::ipc::CsError;

const USAGE: &str = "corosync-cfgtool [[-i <interface ip>] [-b] -s] [-R] [-L] [-k nodeid] [-a nodeid] [-h] [-H]\n\nA tool for displaying and configuring active parameters within corosync.\noptions:\n\t-i\tFinds only information about the specified interface IP address or link id when used with -s..\n\t-s\tDisplays the status of the current links on this node.\n\t-n\tDisplays the status of the connected nodes and their links.\n\t-b\tDisplays the brief status of the current links on this node when used with -s.\n\t-R\tTell all instances of corosync in this cluster to reload corosync.conf.\n\t-L\tTell corosync to reopen all logging files.\n\t-k\tKill a node identified by node id.\n\t-a\tDisplay the IP address(es) of a node\n\t-h\tPrint basic usage.\n\t-H\tShutdown corosync cleanly on this node.\n\t\t--force will shut down corosync regardless of daemon vetos\n";

const LONGS: &[LongOption] = &[
    LongOption {
        name: "if",
        has_arg: HasArg::Required,
        val: 'i' as i32,
    },
    LongOption {
        name: "status",
        has_arg: HasArg::No,
        val: 's' as i32,
    },
    LongOption {
        name: "nodes",
        has_arg: HasArg::No,
        val: 'n' as i32,
    },
    LongOption {
        name: "brief",
        has_arg: HasArg::No,
        val: 'b' as i32,
    },
    LongOption {
        name: "reload",
        has_arg: HasArg::No,
        val: 'R' as i32,
    },
    LongOption {
        name: "reopen",
        has_arg: HasArg::No,
        val: 'L' as i32,
    },
    LongOption {
        name: "kill",
        has_arg: HasArg::Required,
        val: 'k' as i32,
    },
    LongOption {
        name: "address",
        has_arg: HasArg::Required,
        val: 'a' as i32,
    },
    LongOption {
        name: "shutdown",
        has_arg: HasArg::No,
        val: 'H' as i32,
    },
    LongOption {
        name: "force",
        has_arg: HasArg::No,
        val: 0,
    },
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Noop,
    LinkStatus,
    NodeStatus,
    Reload,
    Reopen,
    Shutdown,
    ShowAddr,
    Kill,
}

fn cfg_or_exit() -> Result<Cfg, u8> {
    Cfg::connect().map_err(|e| {
        eprintln!(
            "Could not initialize corosync configuration API error {}",
            e.0
        );
        1
    })
}

fn nodestatus(action: Action, brief: bool) -> u8 {
    let cfg = match cfg_or_exit() {
        Ok(c) => c,
        Err(rc) => return rc,
    };
    let cmap = match Cmap::connect(0) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Could not initialize corosync cmap API error {}", e.0);
            return 1;
        }
    };
    let transport = cmap.get_string("totem.transport").ok();
    let knet = !matches!(transport.as_deref(), Some("udpu") | Some("udp"));
    let transport = transport.unwrap_or_else(|| "knet".into());
    let local = match cfg.local_get() {
        Ok(n) => n,
        Err(e) => {
            eprintln!("Could not get the local node id, the error is: {}", e.0);
            return 1;
        }
    };
    let keys = match cmap.keys("nodelist.node.") {
        Ok(k) => k,
        Err(e) => {
            eprintln!("Could not get nodelist from cmap. error {}", e.0);
            return 1;
        }
    };
    let mut nodes: Vec<u32> = keys
        .iter()
        .filter(|(k, _, _)| {
            k.strip_prefix("nodelist.node.")
                .and_then(|r| r.split_once('.'))
                .is_some_and(|(p, t)| t == "nodeid" && p.parse::<u32>().is_ok())
        })
        .filter_map(|(k, _, _)| cmap.get_u32(k).ok())
        .collect();
    if nodes.is_empty() {
        eprintln!("No nodes found in nodelist");
        return 1;
    }
    nodes.sort_unstable();
    let mut local_idx = 0;
    let mut other_idx = 0;
    for (i, n) in nodes.iter().enumerate() {
        if *n == local {
            local_idx = i;
        } else {
            other_idx = i;
        }
    }
    let mut link_transport: Vec<String> = vec![if knet { "udp".into() } else { String::new() }; 8];
    for (k, _, _) in cmap.keys("totem.interface.").unwrap_or_default() {
        let Some(l) = k
            .strip_prefix("totem.interface.")
            .and_then(|r| r.strip_suffix(".knet_transport"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        if let (Ok(t), true) = (cmap.get_string(&k), l < 8) {
            link_transport[l] = t;
        }
    }
    let mut out = format!("Local node ID {local}, transport {transport}\n");
    if action == Action::NodeStatus {
        for n in &nodes {
            let Ok(st) = cfg.node_status(*n) else {
                continue;
            };
            if st.reachable == 0 || st.nodeid == local {
                continue;
            }
            out.push_str(&format!("nodeid: {} reachable", st.nodeid));
            if st.remote != 0 {
                out.push_str(" remote");
            }
            if st.external != 0 {
                out.push_str(" external");
            }
            if knet {
                out.push_str(&format!(
                    "   onwire (min/max/cur): {}, {}, {}",
                    st.onwire_min, st.onwire_max, st.onwire_ver
                ));
            }
            out.push('\n');
            for (j, l) in st.links.iter().enumerate() {
                if l.enabled == 0 {
                    continue;
                }
                out.push_str(&format!("   LINK: {j} {}", link_transport[j]));
                out.push_str(&format!(
                    " ({}{}{})",
                    String::from_utf8_lossy(&l.src_ipaddr),
                    if knet { "->" } else { "" },
                    String::from_utf8_lossy(&l.dst_ipaddr)
                ));
                out.push_str(" enabled");
                if l.connected != 0 {
                    out.push_str(" connected");
                }
                if l.dynconnected != 0 {
                    out.push_str(" dynconnected");
                }
                out.push_str(&format!(" mtu: {}\n", l.mtu));
            }
            out.push('\n');
        }
    } else {
        let infos: Vec<NodeStatus> = nodes
            .iter()
            .map(|n| {
                cfg.node_status(*n).unwrap_or_else(|e| {
                    eprintln!(
                        "Could not get the node status for nodeid {n}, the error is: {}",
                        e.0
                    );
                    NodeStatus::default()
                })
            })
            .collect();
        let link = |k: usize, i: usize| infos[k].links.get(i).cloned().unwrap_or_default();
        for (i, transport) in link_transport.iter().enumerate() {
            let other = link(other_idx, i);
            if other.enabled == 0 {
                continue;
            }
            out.push_str(&format!("LINK ID {i} {transport}\n"));
            out.push_str(&format!(
                "\taddr\t= {}\n",
                String::from_utf8_lossy(&other.src_ipaddr)
            ));
            if brief {
                out.push_str("\tstatus\t= ");
                for j in 0..infos.len() {
                    let l = link(j, i);
                    let c = if j == local_idx {
                        'n'
                    } else {
                        char::from(b'0' + (l.enabled | (l.connected << 1)))
                    };
                    out.push(c);
                }
                out.push('\n');
            } else {
                out.push_str("\tstatus:\n");
                for (j, info) in infos.iter().enumerate() {
                    out.push_str(&format!("\t\tnodeid: {:>10}:\t", info.nodeid));
                    if j == local_idx {
                        out.push_str("localhost");
                    } else if link(j, i).connected != 0 {
                        out.push_str("connected");
                    } else {
                        out.push_str("disconnected");
                    }
                    out.push('\n');
                }
            }
        }
    }
    print!("{out}");
    0
}

fn main() -> ExitCode {
    let (opts, _) = match corosync::getopt_long("i:snbrRLk:a:hH", LONGS) {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::FAILURE;
        }
    };
    let mut action = Action::Noop;
    let mut brief = false;
    let mut force = false;
    let mut nodeid = 0u32;
    for (c, arg) in opts {
        let arg = arg.unwrap_or_default();
        match c {
            '\0' => force = true,
            's' => action = Action::LinkStatus,
            'n' => action = Action::NodeStatus,
            'b' => brief = true,
            'R' => action = Action::Reload,
            'L' => action = Action::Reopen,
            'H' => action = Action::Shutdown,
            'k' | 'a' => match corosync::strtonum(&arg, 1, u32::MAX as i64) {
                Some(n) => {
                    nodeid = n as u32;
                    action = if c == 'k' {
                        Action::Kill
                    } else {
                        Action::ShowAddr
                    };
                }
                None => {
                    eprintln!("The nodeid was not valid, try a positive number");
                    return ExitCode::FAILURE;
                }
            },
            _ => {}
        }
    }
    let rc: i32 = match action {
        Action::LinkStatus | Action::NodeStatus => nodestatus(action, brief) as i32,
        Action::Reload => {
            println!("Reloading corosync.conf...");
            let cfg = match Cfg::connect() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!(
                        "Could not initialize corosync configuration API error {}",
                        e.text()
                    );
                    return ExitCode::FAILURE;
                }
            };
            match cfg.status_call(CfgRequest::ReloadConfig) {
                Ok(()) => {
                    println!("Done");
                    0
                }
                Err(e) => {
                    eprintln!("Could not reload configuration. Error {}", e.text());
                    e.0
                }
            }
        }
        Action::Reopen => {
            let cfg = match Cfg::connect() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!(
                        "Could not initialize corosync configuration API error {}",
                        e.text()
                    );
                    return ExitCode::FAILURE;
                }
            };
            match cfg.status_call(CfgRequest::ReopenLogFiles) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!(
                        "Could not reopen corosync logging files. Error {}",
                        e.text()
                    );
                    e.0
                }
            }
        }
        Action::Kill => {
            println!("Killing node {nodeid}");
            let cfg = match cfg_or_exit() {
                Ok(c) => c,
                Err(rc) => return ExitCode::from(rc),
            };
            if let Err(e) = cfg.status_call(CfgRequest::KillNode {
                nodeid,
                reason: b"Killed by corosync-cfgtool".to_vec(),
            }) {
                eprintln!("Could not kill node (error = {})", e.text());
                return ExitCode::FAILURE;
            }
            0
        }
        Action::Shutdown => {
            let cfg = match cfg_or_exit() {
                Ok(c) => c,
                Err(rc) => return ExitCode::from(rc),
            };
            println!("Shutting down corosync");
            let flags = if force {
                shutdown_flag::REGARDLESS
            } else {
                shutdown_flag::REQUEST
            };
            let mut r = Err(CsError::TRY_AGAIN);
            for _ in 0..30 {
                r = cfg.status_call(CfgRequest::TryShutdown { flags });
                if r != Err(CsError::TRY_AGAIN) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
            if let Err(e) = r {
                eprintln!("Could not shutdown (error = {})", e.0);
            }
            0
        }
        Action::ShowAddr => {
            let cfg = match cfg_or_exit() {
                Ok(c) => c,
                Err(rc) => return ExitCode::from(rc),
            };
            match cfg.node_addrs(nodeid) {
                Ok((family, addrs)) => {
                    let list: Vec<String> =
                        addrs.iter().map(|a| corosync::ntop(family, a)).collect();
                    println!("{}", list.join(" "));
                    0
                }
                Err(_) => {
                    eprintln!("Could not get node address for nodeid {nodeid}");
                    1
                }
            }
        }
        Action::Noop => {
            print!("{USAGE}");
            0
        }
    };
    ExitCode::from(rc as u8)
}
