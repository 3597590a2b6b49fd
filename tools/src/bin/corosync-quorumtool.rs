//! `corosync-quorumtool`: quorum status, node list, votes and expected
//! votes, as corosync 3.1.7's tool prints them. Talks to corosync (Atrium's
//! or the reference) over cmap, quorum, votequorum and cfg.
// Ref: tools/corosync-quorumtool.c

#[path = "../corosync/mod.rs"]
mod corosync;

use std::io::Write;
use std::process::ExitCode;

use atrium_corosync::client::{Cfg, Cmap, Quorum, Votequorum};
use totem_wire::ipc::quorum::{QuorumEvent, TRACK_CHANGES, TRACK_CURRENT};
use totem_wire::ipc::votequorum::{info, GetInfoResponse, VqEvent, VqRequest};
use totem_wire::ipc::CsError;

/// EXIT_NOT_QUORATE.
const EXIT_NOT_QUORATE: u8 = 2;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    Addr,
    NodeId,
    Name,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Command {
    ShowNodes,
    ShowStatus,
    SetVotes,
    SetExpected,
    Monitor,
    UnregisterQdevice,
}

struct Opts {
    hex: bool,
    ip: bool,
    all_addrs: bool,
    parsable: bool,
    sort: Sort,
}

struct Tool {
    cmap: Cmap,
    q: Quorum,
    cfg: Cfg,
    vq: Option<Votequorum>,
    our_nodeid: u32,
    o: Opts,
}

fn usage(name: &str) -> String {
    format!(
        "usage: \n{name} <options>\n\n  options:\n\n  -s             show quorum status\n  -m             constantly monitor quorum status\n  -l             list nodes\n  -a             show all names or addresses for each node\n  -p             when used with -s or -l, generates machine parsable output\n  -v <votes>     change the number of votes for a node (*)\n  -n <nodeid>    optional nodeid of node for -v\n  -e <expected>  change expected votes for the cluster (*)\n  -H             show nodeids in hexadecimal rather than decimal\n  -i             show node IP addresses instead of the resolved name\n  -o <a|n|i>     order by [a] IP address (default), [n] name, [i] nodeid\n  -f             forcefully unregister a quorum device *DANGEROUS* (*)\n  -h             show this help text\n  -V             show version and exit\n\n  (*) Starred items only work if votequorum is the quorum provider for corosync\n\n"
    )
}

fn padded(s: &str) -> String {
    format!("{s:>10} ")
}

impl Tool {
    fn quorum_type(&self) -> Option<String> {
        if self.q.quorum_type == 0 {
            return None;
        }
        self.cmap.get_string("quorum.provider").ok()
    }

    fn using_votequorum(&self) -> bool {
        self.quorum_type().as_deref() == Some("corosync_votequorum")
    }

    fn name_by_nodelist(&self, nodeid: u32) -> String {
        let Ok(keys) = self.cmap.keys("nodelist.node.") else {
            return String::new();
        };
        for (k, _, _) in keys {
            let Some(rest) = k.strip_prefix("nodelist.node.") else {
                continue;
            };
            let Some((pos, tail)) = rest.split_once('.') else {
                continue;
            };
            if tail != "nodeid" {
                continue;
            }
            if self.cmap.get_u32(&k).ok() != Some(nodeid) {
                continue;
            }
            if let Ok(n) = self.cmap.get_string(&format!("nodelist.node.{pos}.name")) {
                return n;
            }
        }
        String::new()
    }

    fn node_name(&self, nodeid: u32) -> String {
        let mut buf = String::new();
        let mut start = 0;
        if !self.o.ip {
            let n = self.name_by_nodelist(nodeid);
            if !n.is_empty() {
                start = 1;
                buf = n;
            }
        }
        let (family, addrs) = match self.cfg.node_addrs(nodeid) {
            Ok(a) => a,
            Err(e) => {
                eprintln!(
                    "Unable to get node address for nodeid {nodeid}: {}",
                    e.text()
                );
                return String::new();
            }
        };
        let n = if self.o.all_addrs { addrs.len() } else { 1 };
        for (i, a) in addrs.iter().enumerate().take(n).skip(start) {
            let Some(ip) = corosync::addr_of(family, a) else {
                continue;
            };
            if i > 0 {
                buf.push_str(", ");
            }
            buf.push_str(&if self.o.ip {
                ip.to_string()
            } else {
                corosync::host_name(&ip)
            });
        }
        buf
    }

    fn display_nodes(&self, view: &[u32], out: &mut String) {
        let mut display_qdevice = false;
        let mut infos: Vec<Option<GetInfoResponse>> = Vec::new();
        if let Some(vq) = &self.vq {
            for n in view {
                match vq.getinfo(*n) {
                    Ok(i) => {
                        if i.flags & info::QDEVICE_REGISTERED != 0 {
                            display_qdevice = true;
                        }
                        infos.push(Some(i));
                    }
                    Err(_) => {
                        out.push_str(&format!("Unable to get node {n} info\n"));
                        infos.push(None);
                    }
                }
            }
        }
        let mut rows: Vec<(u32, String, Option<GetInfoResponse>)> = view
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, self.node_name(*n), infos.get(i).cloned().flatten()))
            .collect();
        out.push_str("\nMembership information\n----------------------\n");
        out.push_str(&padded("Nodeid"));
        if self.vq.is_some() {
            out.push_str(&padded("Votes"));
            if display_qdevice || self.o.parsable {
                out.push_str(&padded("Qdevice"));
            }
        }
        out.push_str("Name\n");
        match self.o.sort {
            Sort::NodeId => rows.sort_by_key(|r| r.0),
            Sort::Name => rows.sort_by(|a, b| a.1.cmp(&b.1)),
            Sort::Addr => {}
        }
        let mut our_flags = 0;
        for (n, name, i) in &rows {
            if self.o.hex {
                out.push_str(&format!("0x{n:08x} "));
            } else {
                out.push_str(&padded(&n.to_string()));
            }
            if self.vq.is_some() {
                let votes = i.as_ref().map(|i| i.votes as i64).unwrap_or(-1);
                out.push_str(&padded(&(votes as u32).to_string()));
                if display_qdevice || self.o.parsable {
                    let f = i.as_ref().map(|i| i.flags).unwrap_or(0);
                    if f & info::QDEVICE_REGISTERED != 0 {
                        out.push_str(&padded(&format!(
                            "{},{},{}",
                            if f & info::QDEVICE_ALIVE != 0 {
                                "A"
                            } else {
                                "NA"
                            },
                            if f & info::QDEVICE_CAST_VOTE != 0 {
                                "V"
                            } else {
                                "NV"
                            },
                            if f & info::QDEVICE_MASTER_WINS != 0 {
                                "MW"
                            } else {
                                "NMW"
                            }
                        )));
                    } else {
                        out.push_str(&padded("NR"));
                    }
                }
            }
            out.push_str(name);
            if *n == self.our_nodeid {
                out.push_str(" (local)");
                our_flags = i.as_ref().map(|i| i.flags).unwrap_or(0);
            }
            out.push('\n');
        }
        if display_qdevice {
            let first = infos.first().cloned().flatten().unwrap_or_default();
            if self.o.hex {
                out.push_str(&format!("0x{:08x} ", 0));
            } else {
                out.push_str(&padded("0"));
            }
            let cast = our_flags & info::QDEVICE_CAST_VOTE != 0;
            out.push_str(&padded(
                &(if cast { first.qdevice_votes } else { 0 }).to_string(),
            ));
            out.push_str(&format!(
                "           {}",
                String::from_utf8_lossy(&first.qdevice_name)
            ));
            if cast {
                out.push('\n');
            } else {
                out.push_str(&format!(" (votes {})\n", first.qdevice_votes));
            }
        }
    }

    fn display_quorum(
        &self,
        quorate: bool,
        view: &[u32],
        ring: (u32, u64),
        out: &mut String,
    ) -> Result<(), CsError> {
        out.push_str("Quorum information\n------------------\n");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        out.push_str(&format!(
            "Date:             {}\n",
            atrium_corosync::localtime::ctime(now)
        ));
        let qt = self
            .quorum_type()
            .unwrap_or_else(|| "Not configured".into());
        out.push_str(&format!("Quorum provider:  {qt}\n"));
        out.push_str(&format!("Nodes:            {}\n", view.len()));
        if self.o.hex {
            out.push_str(&format!("Node ID:          0x{:08x}\n", self.our_nodeid));
        } else {
            out.push_str(&format!("Node ID:          {}\n", self.our_nodeid));
        }
        if self.vq.is_some() {
            out.push_str(&format!("Ring ID:          {:x}.{:x}\n", ring.0, ring.1));
        } else {
            out.push_str(&format!("Ring ID:          {:x}\n", ring.1));
        }
        out.push_str(&format!(
            "Quorate:          {}\n",
            if quorate { "Yes" } else { "No" }
        ));
        let Some(vq) = &self.vq else {
            return Ok(());
        };
        let r = vq.getinfo(self.our_nodeid);
        match &r {
            Ok(i) => {
                out.push_str("\nVotequorum information\n----------------------\n");
                out.push_str(&format!("Expected votes:   {}\n", i.expected_votes));
                out.push_str(&format!("Highest expected: {}\n", i.highest_expected));
                out.push_str(&format!("Total votes:      {}\n", i.total_votes));
                out.push_str(&format!(
                    "Quorum:           {} {}\n",
                    i.quorum,
                    if i.flags & info::QUORATE != 0 {
                        " "
                    } else {
                        "Activity blocked"
                    }
                ));
                out.push_str("Flags:            ");
                for (bit, name) in [
                    (info::TWONODE, "2Node"),
                    (info::QUORATE, "Quorate"),
                    (info::WAIT_FOR_ALL, "WaitForAll"),
                    (info::LAST_MAN_STANDING, "LastManStanding"),
                    (info::AUTO_TIE_BREAKER, "AutoTieBreaker"),
                    (info::ALLOW_DOWNSCALE, "AllowDownscale"),
                    (info::QDEVICE_REGISTERED, "Qdevice"),
                ] {
                    if i.flags & bit != 0 {
                        out.push_str(name);
                        out.push(' ');
                    }
                }
                out.push('\n');
            }
            Err(e) => eprintln!("Unable to get node info: {}", e.text()),
        }
        self.display_nodes(view, out);
        r.map(|_| ())
    }

    /// Wait for the quorum notification after trackstart.
    fn quorum_view(&self) -> Result<(bool, u64, Vec<u32>), CsError> {
        loop {
            match self.q.next_event(None) {
                Ok(QuorumEvent::V0 {
                    quorate,
                    ring_seq,
                    view_list,
                }) => return Ok((quorate != 0, ring_seq, view_list)),
                Ok(_) => continue,
                Err(e) => {
                    eprintln!("Unable to dispatch quorum status: {}", e.text());
                    return Err(e);
                }
            }
        }
    }

    fn vq_ring_rep(&self) -> Result<u32, CsError> {
        let Some(vq) = &self.vq else {
            return Ok(0);
        };
        loop {
            match vq.next_event(None) {
                Ok(VqEvent::Nodelist { ring_nodeid, .. }) => return Ok(ring_nodeid),
                Ok(_) => continue,
                Err(e) => {
                    eprintln!("Unable to dispatch votequorum status: {}", e.text());
                    return Err(e);
                }
            }
        }
    }

    fn show_status(&self) -> u8 {
        let quorate = match self.q.getquorate() {
            Ok(q) => q,
            Err(e) => {
                eprintln!("Unable to get cluster quorate status: {}", e.text());
                return 1;
            }
        };
        if let Err(e) = self.q.trackstart(TRACK_CURRENT) {
            eprintln!("Unable to start quorum status tracking: {}", e.text());
            return 1;
        }
        let Ok((_, ring_seq, view)) = self.quorum_view() else {
            return 1;
        };
        if let Err(e) = self.q.trackstop() {
            eprintln!("Unable to stop quorum status tracking: {}", e.text());
        }
        let mut rep = 0;
        if self.using_votequorum() {
            if let Some(vq) = &self.vq {
                if let Err(e) = vq.status_call(VqRequest::TrackStart {
                    context: 0,
                    flags: TRACK_CURRENT,
                }) {
                    eprintln!("Unable to start votequorum status tracking: {}", e.text());
                    return 1;
                }
            }
            match self.vq_ring_rep() {
                Ok(r) => rep = r,
                Err(_) => return 1,
            }
        }
        let mut out = String::new();
        let r = self.display_quorum(quorate, &view, (rep, ring_seq), &mut out);
        print!("{out}");
        if r.is_err() {
            return 1;
        }
        if quorate {
            0
        } else {
            EXIT_NOT_QUORATE
        }
    }

    fn monitor(&self) -> u8 {
        if self.q.quorum_type == 0 {
            println!("\nQuorum is not configured - cannot monitor");
            return self.show_status();
        }
        if let Err(e) = self.q.trackstart(TRACK_CHANGES) {
            eprintln!("Unable to start quorum status tracking: {}", e.text());
            return 1;
        }
        if self.using_votequorum() {
            if let Some(vq) = &self.vq {
                if let Err(e) = vq.status_call(VqRequest::TrackStart {
                    context: 0,
                    flags: TRACK_CHANGES,
                }) {
                    eprintln!("Unable to start votequorum status tracking: {}", e.text());
                    return 1;
                }
            }
        }
        loop {
            let Ok((quorate, ring_seq, view)) = self.quorum_view() else {
                return 1;
            };
            let mut rep = 0;
            if self.using_votequorum() {
                match self.vq_ring_rep() {
                    Ok(r) => rep = r,
                    Err(_) => return 1,
                }
            }
            let mut out = String::new();
            let r = self.display_quorum(quorate, &view, (rep, ring_seq), &mut out);
            println!("{out}");
            let _ = std::io::stdout().flush();
            if let Err(e) = r {
                eprintln!("Unable to display quorum data: {}", e.text());
                return 1;
            }
        }
    }

    fn show_nodes(&self) -> u8 {
        if let Err(e) = self.q.trackstart(TRACK_CURRENT) {
            eprintln!("Unable to start quorum status tracking: {}", e.text());
            return 1;
        }
        let Ok((_, _, view)) = self.quorum_view() else {
            return 1;
        };
        let mut out = String::new();
        self.display_nodes(&view, &mut out);
        print!("{out}");
        0
    }
}

fn init_all(o: Opts) -> Option<Tool> {
    let Ok(cmap) = Cmap::connect(0) else {
        eprintln!("Cannot initialize CMAP service");
        return None;
    };
    let Ok(q) = Quorum::connect() else {
        eprintln!("Cannot initialize QUORUM service");
        return None;
    };
    let Ok(cfg) = Cfg::connect() else {
        eprintln!("Cannot initialise CFG service");
        return None;
    };
    let mut t = Tool {
        cmap,
        q,
        cfg,
        vq: None,
        our_nodeid: 0,
        o,
    };
    if !t.using_votequorum() {
        return Some(t);
    }
    match Votequorum::connect() {
        Ok(v) => t.vq = Some(v),
        Err(_) => {
            eprintln!("Cannot initialise VOTEQUORUM service");
            return None;
        }
    }
    match t.cmap.get_u32("runtime.votequorum.this_node_id") {
        Ok(n) => t.our_nodeid = n,
        Err(_) => {
            eprintln!("Unable to retrieve this_node_id");
            return None;
        }
    }
    Some(t)
}

fn main() -> ExitCode {
    let name = corosync::argv0();
    let (opts, _) = match corosync::getopt("VHaslpmfe:v:hin:o:") {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("{msg}");
            print!("{}", usage(&name));
            return ExitCode::FAILURE;
        }
    };
    let mut o = Opts {
        hex: false,
        ip: false,
        all_addrs: false,
        parsable: false,
        sort: Sort::Addr,
    };
    let mut cmd = Command::ShowStatus;
    let mut votes: i64 = 0;
    let mut nodeid: Option<u32> = None;
    for (c, arg) in opts {
        let arg = arg.unwrap_or_default();
        match c {
            'f' => cmd = Command::UnregisterQdevice,
            's' => cmd = Command::ShowStatus,
            'a' => o.all_addrs = true,
            'm' => cmd = Command::Monitor,
            'i' => o.ip = true,
            'H' => o.hex = true,
            'l' => cmd = Command::ShowNodes,
            'p' => o.parsable = true,
            'e' => match corosync::strtonum(&arg, 1, i32::MAX as i64) {
                Some(v) => {
                    votes = v;
                    cmd = Command::SetExpected;
                }
                None => {
                    eprintln!("New expected votes value was not valid, try a positive number");
                    return ExitCode::FAILURE;
                }
            },
            'n' => match corosync::strtonum(&arg, 1, u32::MAX as i64) {
                Some(v) => nodeid = Some(v as u32),
                None => {
                    eprintln!("The nodeid was not valid, try a positive number");
                    return ExitCode::FAILURE;
                }
            },
            'v' => match corosync::strtonum(&arg, 0, i32::MAX as i64) {
                Some(v) => {
                    votes = v;
                    cmd = Command::SetVotes;
                }
                None => {
                    eprintln!("New votes value was not valid, try a positive number or zero");
                    return ExitCode::FAILURE;
                }
            },
            'o' => match arg.as_str() {
                "a" => o.sort = Sort::Addr,
                "i" => o.sort = Sort::NodeId,
                "n" => o.sort = Sort::Name,
                _ => {
                    eprintln!("Invalid ordering option. valid orders are a(address), i(node ID) or n(name)");
                    return ExitCode::FAILURE;
                }
            },
            'V' => {
                println!("corosync-quorumtool version: {}", atrium_corosync::VERSION);
                return ExitCode::SUCCESS;
            }
            'h' => {
                print!("{}", usage(&name));
                return ExitCode::SUCCESS;
            }
            _ => {
                print!("{}", usage(&name));
                return ExitCode::FAILURE;
            }
        }
    }
    let Some(t) = init_all(o) else {
        return ExitCode::FAILURE;
    };
    let rc = match cmd {
        Command::ShowNodes => t.show_nodes(),
        Command::ShowStatus => t.show_status(),
        Command::Monitor => t.monitor(),
        Command::SetVotes => {
            if t.using_votequorum() {
                let n = nodeid.unwrap_or(t.our_nodeid);
                match t.vq.as_ref().map(|v| {
                    v.status_call(VqRequest::SetVotes {
                        votes: votes as u32,
                        nodeid: n,
                    })
                }) {
                    Some(Ok(())) => 0,
                    Some(Err(e)) => {
                        eprintln!("Unable to set votes {votes} for nodeid: {n}: {}", e.text());
                        1
                    }
                    None => 1,
                }
            } else {
                eprintln!("You cannot change node votes, corosync is not using votequorum");
                1
            }
        }
        Command::SetExpected => {
            if t.using_votequorum() {
                match t.vq.as_ref().map(|v| {
                    v.status_call(VqRequest::SetExpected {
                        expected_votes: votes as u32,
                    })
                }) {
                    Some(Ok(())) => 0,
                    Some(Err(e)) => {
                        eprintln!("Unable to set expected votes: {}", e.text());
                        1
                    }
                    None => 1,
                }
            } else {
                eprintln!("You cannot change expected votes, corosync is not using votequorum");
                1
            }
        }
        Command::UnregisterQdevice => {
            if !t.using_votequorum() {
                eprintln!("You cannot unregister quorum device, corosync is not using votequorum");
                1
            } else {
                match t.vq.as_ref().map(|v| v.getinfo(t.our_nodeid)) {
                    Some(Ok(i)) if i.flags & info::QDEVICE_REGISTERED == 0 => 0,
                    Some(Ok(i)) => match t.vq.as_ref().map(|v| {
                        v.status_call(VqRequest::QdeviceUnregister {
                            name: i.qdevice_name.clone(),
                        })
                    }) {
                        Some(Ok(())) => 0,
                        Some(Err(e)) => {
                            eprintln!("Unable to unregister quorum device: {}", e.text());
                            1
                        }
                        None => 1,
                    },
                    Some(Err(e)) => {
                        eprintln!("Unable to get quorum device info: {}", e.text());
                        1
                    }
                    None => 1,
                }
            }
        }
    };
    ExitCode::from(rc)
}
