//! votequorum (votequorum.c): every node multicasts its votes, expected
//! votes and flags (NODEINFO); each node computes the quorum from what it
//! has heard, with the two_node, wait_for_all, last_man_standing and
//! auto_tie_breaker rules. The verdict goes to [`crate::quorum::Quorum`].
//!
//! Not implemented (answered as unsupported, noted in the log): quorum
//! devices registering through this node, expected-votes tracking on disk
//! (`expected_votes_tracking`, and `allow_downscale` which needs it).
//! Quorum-device votes announced by reference nodes are honoured.

use std::collections::BTreeMap;
use std::time::Instant;

use totem_wire::ipc::votequorum::VqEvent;
use totem_wire::service::{ServiceMessage, VqNodeInfo, VqReconfigure};
use totem_wire::{Codec, Endian, RingId};

use crate::icmap::Icmap;
use crate::out::{LogLevel, Outbox};
use crate::quorum::Quorum;
use crate::{Cluster, ConnId, NodeId};

/// NODE_FLAGS_*.
#[allow(missing_docs)]
pub mod flags {
    pub const QUORATE: u32 = 1;
    pub const LEAVING: u32 = 2;
    pub const WFASTATUS: u32 = 4;
    pub const FIRST: u32 = 8;
    pub const QDEVICE_REGISTERED: u32 = 16;
    pub const QDEVICE_ALIVE: u32 = 32;
    pub const QDEVICE_CAST_VOTE: u32 = 64;
    pub const QDEVICE_MASTER_WINS: u32 = 128;
}

const RECONFIG_EXPECTED_VOTES: u8 = 1;
const RECONFIG_NODE_VOTES: u8 = 2;
const RECONFIG_CANCEL_WFA: u8 = 3;

/// DEFAULT_LMS_WIN (ms).
const DEFAULT_LMS_WIN: u32 = 10000;

/// nodestate_t.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Member = 1,
    Dead = 2,
    Leaving = 3,
}

#[derive(Debug, Clone)]
struct Node {
    state: State,
    votes: u32,
    expected_votes: u32,
    flags: u32,
}

impl Node {
    fn new() -> Node {
        Node {
            state: State::Dead,
            votes: 0,
            expected_votes: 0,
            flags: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atb {
    None = 0,
    Lowest = 1,
    Highest = 2,
    List = 3,
}

#[derive(Debug, Clone, Default)]
struct Pd {
    tracking: bool,
    context: u64,
}

/// The engine.
#[derive(Debug)]
pub struct Votequorum {
    us: NodeId,
    /// cluster_members_list, ordered by nodeid, us included.
    nodes: BTreeMap<NodeId, Node>,
    qdevice: Node,
    quorum: u32,
    quorate: bool,
    two_node: bool,
    wait_for_all: bool,
    wait_for_all_status: bool,
    wait_for_all_autoset: bool,
    atb: Atb,
    initial_atb: Atb,
    atb_list: Vec<NodeId>,
    lowest_node_id: Option<NodeId>,
    highest_node_id: Option<NodeId>,
    last_man_standing: bool,
    lms_window: u32,
    lms_timer: Option<Instant>,
    allow_downscale: bool,
    quorum_members: Vec<NodeId>,
    previous_quorum_members: Vec<NodeId>,
    ring_id: RingId,
    sync_in_progress: bool,
    sync_nodeinfo_sent: bool,
    conns: BTreeMap<ConnId, Pd>,
    trackers: Vec<ConnId>,
}

fn send(cluster: &mut dyn Cluster, m: ServiceMessage) -> bool {
    cluster.mcast(&[&m.to_bytes(Endian::NATIVE)])
}

impl Votequorum {
    /// votequorum_exec_init_fn: read the configuration, compute the initial
    /// quorum and announce ourselves. `Err` is the reference's startup error.
    pub fn new(
        us: NodeId,
        icmap: &mut Icmap,
        out: &mut Outbox,
        quorum_svc: &mut Quorum,
        cluster: &mut dyn Cluster,
    ) -> Result<Votequorum, String> {
        let mut me = Votequorum {
            us,
            nodes: BTreeMap::new(),
            qdevice: Node::new(),
            quorum: 0,
            quorate: false,
            two_node: false,
            wait_for_all: false,
            wait_for_all_status: false,
            wait_for_all_autoset: false,
            atb: Atb::None,
            initial_atb: Atb::None,
            atb_list: Vec::new(),
            lowest_node_id: None,
            highest_node_id: None,
            last_man_standing: false,
            lms_window: DEFAULT_LMS_WIN,
            lms_timer: None,
            allow_downscale: false,
            quorum_members: Vec::new(),
            previous_quorum_members: Vec::new(),
            ring_id: RingId::default(),
            sync_in_progress: false,
            sync_nodeinfo_sent: false,
            conns: BTreeMap::new(),
            trackers: Vec::new(),
        };
        me.nodes.insert(
            us,
            Node {
                state: State::Member,
                votes: 1,
                expected_votes: 0,
                flags: flags::FIRST,
            },
        );
        icmap.set_u32("runtime.votequorum.this_node_id", us);
        me.readconfig(icmap, out, false)?;
        me.recalculate_quorum(icmap, out, quorum_svc, false, false);
        for k in [
            "quorum.allow_downscale",
            "quorum.wait_for_all",
            "quorum.last_man_standing",
            "quorum.last_man_standing_window",
            "quorum.expected_votes_tracking",
            "quorum.auto_tie_breaker",
            "quorum.auto_tie_breaker_node",
        ] {
            icmap.set_ro_access(k, false);
        }
        me.send_nodeinfo(cluster, us);
        Ok(me)
    }

    fn us(&self) -> &Node {
        // Invariant: `us` is inserted in new() and never removed.
        self.nodes.get(&self.us).expect("our own node entry")
    }

    fn us_mut(&mut self) -> &mut Node {
        self.nodes.get_mut(&self.us).expect("our own node entry")
    }

    /// Whether the partition is quorate.
    pub fn quorate(&self) -> bool {
        self.quorate
    }

    fn node(&self, id: NodeId) -> Option<&Node> {
        if id == 0 {
            Some(&self.qdevice)
        } else {
            self.nodes.get(&id)
        }
    }

    fn readconfig(
        &mut self,
        icmap: &mut Icmap,
        out: &mut Outbox,
        runtime: bool,
    ) -> Result<(), String> {
        out.log(
            LogLevel::Debug,
            "VOTEQ",
            format!("Reading configuration (runtime: {})", runtime as u8),
        );
        let mut expected_votes = 0;
        if runtime {
            self.two_node = false;
            self.atb = self.initial_atb;
            icmap.set_u32("runtime.votequorum.atb_type", self.atb as u32);
        }
        if let Some(e) = icmap.get_u32("quorum.expected_votes") {
            expected_votes = e;
        }
        // votequorum_read_nodelist_configuration
        let mut have_nodelist = false;
        let (mut node_votes, mut node_count, mut node_expected) = (0u32, 0u32, 0u32);
        if let Some(our_pos) = icmap.get_u32("nodelist.local_node_pos") {
            have_nodelist = true;
            let mut last = None;
            let keys: Vec<String> = icmap
                .iter_prefix("nodelist.node.")
                .map(|(k, _)| k.clone())
                .collect();
            for k in keys {
                let Some(pos) = k["nodelist.node.".len()..]
                    .split('.')
                    .next()
                    .and_then(|p| p.parse::<u32>().ok())
                else {
                    continue;
                };
                if last == Some(pos) {
                    continue;
                }
                last = Some(pos);
                node_count += 1;
                let votes = icmap
                    .get_u32(&format!("nodelist.node.{pos}.quorum_votes"))
                    .unwrap_or(1);
                node_expected += votes;
                if pos == our_pos {
                    node_votes = votes;
                }
            }
        }
        let have_qdevice = icmap
            .get_str("quorum.device.model")
            .is_some_and(|m| !m.is_empty());
        let qdevice_votes: Option<u32> = if have_qdevice {
            icmap.get_u32("quorum.device.votes")
        } else {
            None
        };
        if let Some(t) = icmap.get_u8("quorum.two_node") {
            self.two_node = t != 0;
        }
        if !have_nodelist && expected_votes == 0 {
            let e = "configuration error: nodelist or quorum.expected_votes must be configured!";
            if !runtime {
                return Err(e.into());
            }
            out.log(LogLevel::Crit, "VOTEQ", e);
            out.log(
                LogLevel::Crit,
                "VOTEQ",
                "will continue with current runtime data",
            );
            return Ok(());
        }
        if self.two_node && have_qdevice && !runtime {
            return Err(
                "configuration error: two_node and quorum device cannot be configured at the same time!"
                    .into(),
            );
        }
        if !runtime {
            self.allow_downscale = icmap.get_u8("quorum.allow_downscale").unwrap_or(0) != 0;
            match icmap.get_u8("quorum.wait_for_all") {
                Some(w) => self.wait_for_all = w != 0,
                None => self.wait_for_all_autoset = true,
            }
            self.last_man_standing = icmap.get_u8("quorum.last_man_standing").unwrap_or(0) != 0;
            if let Some(w) = icmap.get_u32("quorum.last_man_standing_window") {
                self.lms_window = w;
            }
            let ev_tracking = icmap.get_u8("quorum.expected_votes_tracking").unwrap_or(0) != 0;
            if ev_tracking || self.allow_downscale {
                out.log(
                    LogLevel::Warning,
                    "VOTEQ",
                    "expected_votes_tracking and allow_downscale are not supported by Atrium; ignored",
                );
                self.allow_downscale = false;
            }
            let atb = icmap.get_u8("quorum.auto_tie_breaker").unwrap_or(0) != 0;
            let atb_string = icmap.get_str("quorum.auto_tie_breaker_node");
            if atb {
                self.atb = Atb::Lowest;
                icmap.set_u32("runtime.votequorum.atb_type", self.atb as u32);
                if let Some(s) = &atb_string {
                    self.parse_atb_string(icmap, out, s);
                }
            } else {
                self.atb = Atb::None;
                if atb_string.is_some() {
                    out.log(
                        LogLevel::Warning,
                        "VOTEQ",
                        "auto_tie_breaker_node: is meaningless if auto_tie_breaker is set to 0",
                    );
                }
            }
            self.initial_atb = self.atb;
        }
        if self.wait_for_all_autoset {
            self.wait_for_all = self.two_node;
        }
        if self.two_node && self.atb != Atb::None {
            out.log(
                LogLevel::Crit,
                "VOTEQ",
                "two_node and auto_tie_breaker are both specified but are not compatible.",
            );
            out.log(
                LogLevel::Crit,
                "VOTEQ",
                "two_node has been disabled, please fix your corosync.conf",
            );
            self.two_node = false;
        }
        if self.atb != Atb::None && node_expected % 2 == 1 && !self.wait_for_all {
            if self.last_man_standing {
                return Err("configuration error: auto_tie_breaker & last_man_standing not available in odd sized cluster".into());
            }
            out.log(
                LogLevel::Crit,
                "VOTEQ",
                "auto_tie_breaker is set and the cluster has an odd number of nodes.\n",
            );
            out.log(
                LogLevel::Crit,
                "VOTEQ",
                "wait_for_all needs to be set for this configuration but it is missing\n",
            );
            out.log(
                LogLevel::Crit,
                "VOTEQ",
                "Therefore auto_tie_breaker has been disabled. Please fix your corosync.conf\n",
            );
            self.atb = Atb::None;
            icmap.set_u32("runtime.votequorum.atb_type", self.atb as u32);
        }
        if have_qdevice
            && qdevice_votes.is_none()
            && expected_votes == 0
            && have_nodelist
            && node_count == node_expected
        {
            node_expected += node_expected.saturating_sub(1);
            self.qdevice.votes = node_count.saturating_sub(1);
        }
        if have_nodelist {
            let us = self.us_mut();
            us.votes = node_votes;
            us.expected_votes = node_expected;
        } else {
            let votes = icmap.get_u32("quorum.votes").unwrap_or(1);
            self.us_mut().votes = votes;
        }
        if expected_votes != 0 {
            self.us_mut().expected_votes = expected_votes;
        }
        if !have_qdevice {
            self.qdevice.votes = 0;
        }
        if let Some(qv) = qdevice_votes {
            self.qdevice.votes = qv;
        }
        let ev = self.us().expected_votes;
        icmap.set_u32("runtime.votequorum.ev_barrier", ev);
        icmap.set_u8("runtime.votequorum.two_node", self.two_node as u8);
        if self.wait_for_all {
            if !runtime {
                self.update_wfa_status(icmap, true);
            }
        } else if self.wait_for_all_autoset && self.wait_for_all_status {
            self.update_wfa_status(icmap, false);
        }
        Ok(())
    }

    fn parse_atb_string(&mut self, icmap: &mut Icmap, out: &mut Outbox, s: &str) {
        self.atb = Atb::None;
        match s {
            "lowest" => self.atb = Atb::Lowest,
            "highest" => self.atb = Atb::Highest,
            _ => {
                self.atb_list = s
                    .split_whitespace()
                    .map_while(|t| t.parse::<u32>().ok().filter(|&n| n != 0))
                    .collect();
                if !self.atb_list.is_empty() {
                    self.atb = Atb::List;
                }
            }
        }
        icmap.set_u32("runtime.votequorum.atb_type", self.atb as u32);
        if self.atb == Atb::None {
            out.log(LogLevel::Warning, "VOTEQ", "auto_tie_breaker_nodes is not valid. It must be 'lowest', 'highest' or a space-separated list of node IDs. auto_tie_breaker is disabled");
        }
    }

    fn update_wfa_status(&mut self, icmap: &mut Icmap, status: bool) {
        self.wait_for_all_status = status;
        let us = self.us_mut();
        if status {
            us.flags |= flags::WFASTATUS;
        } else {
            us.flags &= !flags::WFASTATUS;
        }
        icmap.set_u8("runtime.votequorum.wait_for_all_status", status as u8);
    }

    fn members(&self) -> impl Iterator<Item = (&NodeId, &Node)> {
        self.nodes.iter().filter(|(_, n)| n.state == State::Member)
    }

    /// calculate_quorum.
    fn calculate_quorum(&self, allow_decrease: bool, max_expected: u32) -> (u32, u32) {
        let mut total_votes = 0u32;
        let mut highest_expected = 0u32;
        let mut total_nodes = 0u32;
        for (_, n) in self.members() {
            highest_expected = highest_expected.max(n.expected_votes);
            total_votes += n.votes;
            total_nodes += 1;
        }
        if self.us().flags & flags::QDEVICE_CAST_VOTE != 0 {
            total_votes += self.qdevice.votes;
            total_nodes += 1;
        }
        if max_expected > 0 {
            highest_expected = max_expected;
        }
        let q1 = (highest_expected + 2) / 2;
        let q2 = (total_votes + 2) / 2;
        let mut newquorum = q1.max(q2);
        if !allow_decrease {
            newquorum = newquorum.max(self.quorum);
        }
        if self.two_node && total_nodes <= 2 {
            newquorum = 1;
        }
        (newquorum, total_votes)
    }

    fn update_node_expected_votes(&mut self, ev: u32) {
        if ev != 0 {
            for n in self.nodes.values_mut() {
                if n.state == State::Member {
                    n.expected_votes = ev;
                }
            }
        }
    }

    /// get_lowest_node_id + get_highest_node_id (only while quorate: the
    /// last values are what auto_tie_breaker judges a split by).
    fn update_lowest_highest(&mut self, icmap: &mut Icmap) {
        let ids: Vec<NodeId> = self.members().map(|(id, _)| *id).collect();
        let low = ids
            .iter()
            .copied()
            .chain([self.us])
            .min()
            .unwrap_or(self.us);
        let high = ids
            .iter()
            .copied()
            .chain([self.us])
            .max()
            .unwrap_or(self.us);
        self.lowest_node_id = Some(low);
        self.highest_node_id = Some(high);
        icmap.set_u32("runtime.votequorum.lowest_node_id", low);
        icmap.set_u32("runtime.votequorum.highest_node_id", high);
    }

    /// check_low_node_id_partition.
    pub(crate) fn low_node_in_partition(&self) -> bool {
        self.members()
            .any(|(id, _)| Some(*id) == self.lowest_node_id)
    }

    fn check_atb(&self) -> bool {
        match self.atb {
            Atb::None => false,
            Atb::Lowest => self.low_node_in_partition(),
            Atb::Highest => self
                .members()
                .any(|(id, _)| Some(*id) == self.highest_node_id),
            Atb::List => {
                for (i, n) in self.atb_list.iter().enumerate() {
                    if self.quorum_members.contains(n) {
                        return !self.atb_list[..i]
                            .iter()
                            .any(|p| self.previous_quorum_members.contains(p));
                    }
                }
                false
            }
        }
    }

    fn are_we_quorate(
        &mut self,
        icmap: &mut Icmap,
        out: &mut Outbox,
        q: &mut Quorum,
        total_votes: u32,
    ) {
        if self.wait_for_all && self.wait_for_all_status {
            let ev = self.us().expected_votes;
            if total_votes != ev {
                out.log(
                    LogLevel::Notice,
                    "VOTEQ",
                    format!("Waiting for all cluster members. Current votes: {total_votes} expected_votes: {ev}"),
                );
                return;
            }
            self.update_wfa_status(icmap, false);
        }
        let mut quorate = if self.quorum > total_votes {
            false
        } else {
            self.update_lowest_highest(icmap);
            true
        };
        if self.atb != Atb::None
            && total_votes == self.us().expected_votes / 2
            && (self.previous_quorum_members.len() as i64 - self.quorum_members.len() as i64)
                < self.quorum as i64
            && self.check_atb()
        {
            quorate = true;
        }
        let changed = quorate != self.quorate;
        self.quorate = quorate;
        let us = self.us_mut();
        if quorate {
            us.flags |= flags::QUORATE;
        } else {
            us.flags &= !flags::QUORATE;
        }
        if self.wait_for_all {
            self.update_wfa_status(icmap, !quorate);
        }
        if changed && !self.sync_in_progress {
            q.set_quorum(out, &self.quorum_members, self.quorate, self.ring_id);
            self.send_quorum_notification(out, None, 0);
        }
    }

    fn recalculate_quorum(
        &mut self,
        icmap: &mut Icmap,
        out: &mut Outbox,
        q: &mut Quorum,
        allow_decrease: bool,
        by_current_nodes: bool,
    ) {
        let mut total_votes: u32 = self.members().map(|(_, n)| n.votes).sum();
        let mut members = self.members().count() as u32;
        if self.qdevice.votes > 0 {
            total_votes += self.qdevice.votes;
            members += 1;
        }
        if !by_current_nodes {
            members = 0;
        }
        if total_votes > self.us().expected_votes {
            self.us_mut().expected_votes = total_votes;
            self.send_expectedvotes_notification(out);
        }
        let (quorum, total) = self.calculate_quorum(allow_decrease, members);
        self.quorum = quorum;
        self.update_node_expected_votes(members);
        self.are_we_quorate(icmap, out, q, total);
    }

    fn send_nodeinfo(&self, cluster: &mut dyn Cluster, nodeid: NodeId) -> bool {
        let Some(n) = self.node(nodeid) else {
            return false;
        };
        send(
            cluster,
            ServiceMessage::VqNodeInfo(VqNodeInfo {
                nodeid,
                votes: n.votes,
                expected_votes: n.expected_votes,
                flags: n.flags,
            }),
        )
    }

    fn send_reconfigure(cluster: &mut dyn Cluster, param: u8, nodeid: NodeId, value: u32) -> bool {
        send(
            cluster,
            ServiceMessage::VqReconfigure(VqReconfigure {
                nodeid,
                value,
                param,
            }),
        )
    }

    fn quorum_event(&self, context: u64) -> Vec<u8> {
        let mut nodes: Vec<(u32, u32)> = self
            .nodes
            .iter()
            .map(|(id, n)| (*id, n.state as u32))
            .collect();
        if self.us().flags & flags::QDEVICE_REGISTERED != 0 {
            nodes.push((0, self.qdevice.state as u32));
        }
        VqEvent::Quorum {
            quorate: self.quorate as u32,
            context,
            nodes,
        }
        .encode()
    }

    fn send_quorum_notification(&self, out: &mut Outbox, conn: Option<ConnId>, context: u64) {
        match conn {
            Some(c) => out.event(c, self.quorum_event(context)),
            None => {
                for c in &self.trackers {
                    let ctx = self.conns.get(c).map(|p| p.context).unwrap_or(0);
                    out.event(*c, self.quorum_event(ctx));
                }
            }
        }
    }

    fn nodelist_event(&self, context: u64) -> Vec<u8> {
        VqEvent::Nodelist {
            context,
            ring_nodeid: self.ring_id.rep,
            ring_seq: self.ring_id.seq,
            nodes: self.quorum_members.clone(),
        }
        .encode()
    }

    fn send_nodelist_notification(&self, out: &mut Outbox, conn: Option<ConnId>, context: u64) {
        match conn {
            Some(c) => out.event(c, self.nodelist_event(context)),
            None => {
                for c in &self.trackers {
                    let ctx = self.conns.get(c).map(|p| p.context).unwrap_or(0);
                    out.event(*c, self.nodelist_event(ctx));
                }
            }
        }
    }

    fn send_expectedvotes_notification(&self, out: &mut Outbox) {
        for c in &self.trackers {
            let ctx = self.conns.get(c).map(|p| p.context).unwrap_or(0);
            out.event(
                *c,
                VqEvent::ExpectedVotes {
                    context: ctx,
                    expected_votes: self.us().expected_votes,
                }
                .encode(),
            );
        }
    }
}

mod exec;
mod lib_ipc;
