//! votequorum's cluster messages, sync callbacks and timer.

use std::time::{Duration, Instant};

use totem_wire::service::{VqNodeInfo, VqReconfigure};
use totem_wire::RingId;

use super::{
    flags, Atb, Node, State, Votequorum, RECONFIG_CANCEL_WFA, RECONFIG_EXPECTED_VOTES,
    RECONFIG_NODE_VOTES,
};
use crate::icmap::Icmap;
use crate::out::{LogLevel, Outbox};
use crate::quorum::Quorum;
use crate::{Cluster, NodeId};

fn yes(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

fn decode_flags(out: &mut Outbox, f: u32) {
    out.log(
        LogLevel::Debug,
        "VOTEQ",
        format!(
            "flags: quorate: {} Leaving: {} WFA Status: {} First: {} Qdevice: {} QdeviceAlive: {} QdeviceCastVote: {} QdeviceMasterWins: {}",
            yes(f & flags::QUORATE != 0),
            yes(f & flags::LEAVING != 0),
            yes(f & flags::WFASTATUS != 0),
            yes(f & flags::FIRST != 0),
            yes(f & flags::QDEVICE_REGISTERED != 0),
            yes(f & flags::QDEVICE_ALIVE != 0),
            yes(f & flags::QDEVICE_CAST_VOTE != 0),
            yes(f & flags::QDEVICE_MASTER_WINS != 0),
        ),
    );
}

impl Votequorum {
    /// message_handler_req_exec_votequorum_nodeinfo.
    #[doc(alias = "message_handler_req_exec_votequorum_nodeinfo")]
    pub fn exec_nodeinfo(
        &mut self,
        icmap: &mut Icmap,
        out: &mut Outbox,
        q: &mut Quorum,
        sender: NodeId,
        m: &VqNodeInfo,
    ) {
        let nodeid = m.nodeid;
        out.log(
            LogLevel::Debug,
            "VOTEQ",
            format!("got nodeinfo message from cluster node {sender}"),
        );
        out.log(
            LogLevel::Debug,
            "VOTEQ",
            format!(
                "nodeinfo message[{nodeid}]: votes: {}, expected: {} flags: {}",
                m.votes, m.expected_votes, m.flags
            ),
        );
        if nodeid != 0 {
            decode_flags(out, m.flags);
        }
        let new_node = nodeid != 0 && !self.nodes.contains_key(&nodeid);
        if new_node {
            self.nodes.insert(nodeid, Node::new());
        }
        let (old_votes, old_expected, old_state, old_flags) = if new_node {
            (0, 0, State::Dead, 0)
        } else {
            let n = self.node(nodeid).cloned().unwrap_or_else(Node::new);
            (n.votes, n.expected_votes, n.state, n.flags)
        };
        let mut allow_downgrade = false;
        let mut by_node = false;
        if nodeid == 0 {
            let sender_quorate = self
                .nodes
                .get(&sender)
                .is_some_and(|s| s.flags & flags::QUORATE != 0);
            if !self.quorate && sender_quorate {
                self.qdevice.votes = m.votes;
            } else {
                self.qdevice.votes = self.qdevice.votes.max(m.votes);
            }
        } else {
            let quorate = self.quorate;
            let us_expected = self.us().expected_votes;
            let mut set_us_expected = None;
            let lms_disable;
            {
                let Some(node) = self.nodes.get_mut(&nodeid) else {
                    return;
                };
                node.flags = m.flags;
                node.votes = m.votes;
                node.state = State::Member;
                if node.flags & flags::LEAVING != 0 {
                    node.state = State::Leaving;
                    allow_downgrade = true;
                    by_node = true;
                }
                if !quorate && node.flags & flags::QUORATE != 0 {
                    allow_downgrade = true;
                    set_us_expected = Some(m.expected_votes);
                }
                node.expected_votes = if node.flags & flags::QUORATE != 0 {
                    m.expected_votes
                } else {
                    set_us_expected.unwrap_or(us_expected)
                };
                lms_disable = node.votes > 1;
            }
            if let Some(ev) = set_us_expected {
                self.us_mut().expected_votes = ev;
            }
            if self.last_man_standing && lms_disable {
                out.log(
                    LogLevel::Warning,
                    "VOTEQ",
                    "Last Man Standing feature is supported only when allcluster nodes votes are set to 1. Disabling LMS.",
                );
                self.last_man_standing = false;
                self.lms_timer = None;
            }
        }
        let node = self.node(nodeid).cloned().unwrap_or_else(Node::new);
        if new_node
            || nodeid == self.us
            || node.flags & flags::FIRST != 0
            || old_votes != node.votes
            || old_expected != node.expected_votes
            || old_flags != node.flags
            || old_state != node.state
        {
            self.recalculate_quorum(icmap, out, q, allow_downgrade, by_node);
        }
        if self.wait_for_all
            && node.flags & flags::WFASTATUS == 0
            && node.flags & flags::QUORATE != 0
        {
            self.update_wfa_status(icmap, false);
        }
    }

    /// message_handler_req_exec_votequorum_reconfigure.
    #[doc(alias = "message_handler_req_exec_votequorum_reconfigure")]
    pub fn exec_reconfigure(
        &mut self,
        icmap: &mut Icmap,
        out: &mut Outbox,
        q: &mut Quorum,
        sender: NodeId,
        m: &VqReconfigure,
    ) {
        out.log(
            LogLevel::Debug,
            "VOTEQ",
            format!(
                "got reconfigure message from cluster node {sender} for {}",
                m.nodeid
            ),
        );
        match m.param {
            RECONFIG_EXPECTED_VOTES => {
                self.update_node_expected_votes(m.value);
                self.send_expectedvotes_notification(out);
                icmap.set_u32("runtime.votequorum.ev_barrier", m.value);
                self.recalculate_quorum(icmap, out, q, true, false);
            }
            RECONFIG_NODE_VOTES => {
                let Some(n) = self.nodes.get_mut(&m.nodeid) else {
                    return;
                };
                n.votes = m.value;
                self.recalculate_quorum(icmap, out, q, true, false);
            }
            RECONFIG_CANCEL_WFA => {
                self.update_wfa_status(icmap, false);
                out.log(
                    LogLevel::Info,
                    "VOTEQ",
                    format!("wait_for_all_status reset by user on node {}.", m.nodeid),
                );
                self.recalculate_quorum(icmap, out, q, false, false);
            }
            _ => {}
        }
    }

    /// votequorum_sync_init.
    pub fn sync_init(&mut self, now: Instant, members: &[NodeId], ring: RingId) {
        self.sync_in_progress = true;
        self.sync_nodeinfo_sent = false;
        if members.len() > 1 {
            self.us_mut().flags &= !flags::FIRST;
        }
        let mut left = false;
        for m in self.quorum_members.clone() {
            if !members.contains(&m) {
                left = true;
                if let Some(n) = self.nodes.get_mut(&m) {
                    n.state = State::Dead;
                }
            }
        }
        if self.last_man_standing {
            let n = members.len() as u32;
            if (n >= self.quorum && left)
                || (n <= self.quorum && self.atb != Atb::None && self.low_node_in_partition())
            {
                self.lms_timer = Some(now + Duration::from_millis(self.lms_window as u64));
            }
        }
        self.previous_quorum_members = std::mem::take(&mut self.quorum_members);
        self.quorum_members = members.to_vec();
        self.ring_id = ring;
    }

    /// votequorum_sync_process: announce ourselves (and our view of the
    /// quorum device). False while Totem has no room; call again.
    pub fn sync_process(&mut self, out: &mut Outbox, cluster: &mut dyn Cluster) -> bool {
        if !self.sync_nodeinfo_sent {
            if !cluster.room_for(64) {
                return false;
            }
            let us = self.us;
            self.send_nodeinfo(cluster, us);
            self.send_nodeinfo(cluster, 0);
            self.send_nodelist_notification(out, None, 0);
            self.sync_nodeinfo_sent = true;
        }
        true
    }

    /// votequorum_sync_activate.
    pub fn sync_activate(&mut self, icmap: &mut Icmap, out: &mut Outbox, q: &mut Quorum) {
        self.recalculate_quorum(icmap, out, q, false, false);
        q.set_quorum(out, &self.quorum_members, self.quorate, self.ring_id);
        self.send_quorum_notification(out, None, 0);
        self.sync_in_progress = false;
    }

    /// votequorum_sync_abort (nothing to undo).
    pub fn sync_abort(&mut self) {}

    /// The last-man-standing timer's deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.lms_timer
    }

    /// votequorum_last_man_standing_timer_fn.
    pub fn handle_timeout(
        &mut self,
        now: Instant,
        icmap: &mut Icmap,
        out: &mut Outbox,
        q: &mut Quorum,
    ) {
        if self.lms_timer.is_some_and(|t| t <= now) {
            self.lms_timer = None;
            if self.quorate {
                self.recalculate_quorum(icmap, out, q, true, true);
            }
        }
    }

    /// votequorum_refresh_config: a tracked key under `nodelist.`, `quorum.`
    /// or the reload flag changed.
    pub fn refresh_config(
        &mut self,
        icmap: &mut Icmap,
        out: &mut Outbox,
        cluster: &mut dyn Cluster,
        key: &str,
    ) {
        if icmap.get_u8("config.totemconfig_reload_in_progress") == Some(1) {
            return;
        }
        if key == "config.totemconfig_reload_in_progress"
            && icmap
                .get_i32("config.reload_status")
                .is_some_and(|s| s != 1)
        {
            return;
        }
        if key == "quorum.cancel_wait_for_all"
            && icmap.get_u8("quorum.cancel_wait_for_all").unwrap_or(0) >= 1
        {
            icmap.set_u8("quorum.cancel_wait_for_all", 0);
            if !Self::send_reconfigure(cluster, RECONFIG_CANCEL_WFA, self.us, 0) {
                out.log(
                    LogLevel::Error,
                    "VOTEQ",
                    "Failed to send Cancel WFA message to other nodes",
                );
            }
            return;
        }
        let (old_votes, old_ev) = (self.us().votes, self.us().expected_votes);
        let _ = self.readconfig(icmap, out, true);
        let us = self.us;
        self.send_nodeinfo(cluster, us);
        self.send_nodeinfo(cluster, 0);
        if self.us().votes != old_votes
            && !Self::send_reconfigure(cluster, RECONFIG_NODE_VOTES, us, self.us().votes)
        {
            out.log(
                LogLevel::Error,
                "VOTEQ",
                "Failed to send new votes message to other nodes",
            );
        }
        if self.us().expected_votes != old_ev
            && !Self::send_reconfigure(
                cluster,
                RECONFIG_EXPECTED_VOTES,
                us,
                self.us().expected_votes,
            )
        {
            out.log(
                LogLevel::Error,
                "VOTEQ",
                "Failed to send expected votes message to other nodes",
            );
        }
    }
}
