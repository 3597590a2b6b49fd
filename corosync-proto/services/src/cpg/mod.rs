//! Closed process groups (cpg.c): processes join named groups; every member
//! gets the same messages in the same order and the same membership changes.
//!
//! Cluster side (this module): process join/leave, multicast delivery, and
//! the sync protocol that merges partitions — each node multicasts the
//! nodes it lost (DOWNLIST), then its local members (JOINLIST); on
//! activation every node reports the same departures and arrivals to its
//! clients. IPC side: [`lib_ipc`].

mod lib_ipc;

use std::collections::BTreeMap;

use totem_wire::ipc::cpg::{reason, CpgAddress, CpgEvent, MODEL_V1_DELIVER_INITIAL_TOTEM_CONF};
use totem_wire::service::{
    CpgDownlist, CpgJoinList, CpgJoinListEntry, CpgMcast, CpgName, CpgPartialMcast, CpgProcJoin,
    ServiceMessage,
};
use totem_wire::{Codec, Endian, RingId};

use crate::out::{LogLevel, Outbox};
use crate::{Cluster, ConnId, NodeId};

/// cpd_state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum CpdState {
    #[default]
    Unjoined,
    LeaveStarted,
    JoinStarted,
    JoinCompleted,
}

/// A group name as corosync compares them (mar_name_compare: length, then
/// the bytes).
pub type Group = Vec<u8>;

#[derive(Debug, Clone, PartialEq, Eq)]
struct ProcessInfo {
    nodeid: NodeId,
    pid: u32,
    group: Group,
}

#[derive(Debug, Default)]
struct Pd {
    /// None when the connection is not in a group.
    group: Option<Group>,
    pid: u32,
    state: CpdState,
    flags: u32,
    initial_totem_conf_sent: bool,
    transition_counter: u64,
    initial_transition_counter: u64,
    /// Removed from the notification list by FINALIZE.
    listed: bool,
    iterations: BTreeMap<u64, (Vec<ProcessInfo>, usize)>,
}

/// Escape a group name the way cpg_print_group_name does.
pub fn print_group_name(g: &[u8]) -> String {
    let mut s = String::new();
    for &c in g {
        if (b' '..0x7f).contains(&c) && c != b'\\' {
            s.push(c as char);
        } else if c == b'\\' {
            s.push_str("\\\\");
        } else {
            s.push_str(&format!("\\x{c:02X}"));
        }
    }
    s
}

/// The service.
#[derive(Debug, Default)]
pub struct Cpg {
    my_nodeid: NodeId,
    conns: BTreeMap<ConnId, Pd>,
    /// cpg_pd_list: connections to notify, most recent first.
    order: Vec<ConnId>,
    /// process_info_list, sorted by (nodeid, pid), insertion-stable.
    procs: Vec<ProcessInfo>,
    /// joinlist_messages, most recent first.
    joinlist: Vec<(NodeId, u32, Group)>,
    member_list: Vec<NodeId>,
    old_member_list: Vec<NodeId>,
    downlist_left: Vec<NodeId>,
    downlist_sent: bool,
    last_sync_ring_id: RingId,
    next_handle: u64,
    /// Messages delivered to clients (for tests and statistics).
    pub delivered: u64,
}

fn mcast(cluster: &mut dyn Cluster, m: ServiceMessage) -> bool {
    cluster.mcast(&[&m.to_bytes(Endian::NATIVE)])
}

impl Cpg {
    /// cpg_exec_init_fn.
    pub fn new(my_nodeid: NodeId) -> Cpg {
        Cpg {
            my_nodeid,
            next_handle: 0x2000_0000_0001,
            ..Default::default()
        }
    }

    fn joinleave_send(
        &self,
        cluster: &mut dyn Cluster,
        pid: u32,
        group: &[u8],
        leave: bool,
        why: u32,
    ) -> bool {
        let p = CpgProcJoin {
            group_name: CpgName::new(group),
            pid,
            reason: why,
        };
        mcast(
            cluster,
            if leave {
                ServiceMessage::CpgProcLeave(p)
            } else {
                ServiceMessage::CpgProcJoin(p)
            },
        )
    }

    fn known_node(&self, nodeid: NodeId, group: &[u8]) -> bool {
        self.procs
            .iter()
            .any(|p| p.nodeid == nodeid && p.group == group)
    }

    fn members_of(&self, group: &[u8], left: &[CpgAddress]) -> Vec<CpgAddress> {
        self.procs
            .iter()
            .filter(|p| p.group == group)
            .filter(|p| !left.iter().any(|l| l.nodeid == p.nodeid && l.pid == p.pid))
            .map(|p| CpgAddress {
                nodeid: p.nodeid,
                pid: p.pid,
                reason: 0,
            })
            .collect()
    }

    fn totem_confchg(&self, members: &[NodeId]) -> Vec<u8> {
        CpgEvent::TotemConfchg {
            ring_nodeid: self.last_sync_ring_id.rep,
            ring_seq: self.last_sync_ring_id.seq,
            members: members.to_vec(),
        }
        .encode()
    }

    /// notify_lib_joinlist.
    fn notify_joinlist(
        &mut self,
        out: &mut Outbox,
        group: &[u8],
        joined: &[CpgAddress],
        left: &[CpgAddress],
    ) {
        let ev = CpgEvent::Confchg {
            group: group.to_vec(),
            members: self.members_of(group, left),
            left: left.to_vec(),
            joined: joined.to_vec(),
        }
        .encode();
        for j in joined {
            if j.nodeid == self.my_nodeid {
                for pd in self.conns.values_mut().filter(|p| p.listed) {
                    if pd.pid == j.pid && pd.group.as_deref() == Some(group) {
                        pd.state = CpdState::JoinCompleted;
                    }
                }
            }
        }
        for c in &self.order {
            let Some(pd) = self.conns.get_mut(c) else {
                continue;
            };
            if pd.group.as_deref() == Some(group)
                && matches!(pd.state, CpdState::JoinCompleted | CpdState::LeaveStarted)
            {
                out.event(*c, ev.clone());
                pd.transition_counter += 1;
            }
        }
        // The reference loops over `joined` here (a quirk): local processes
        // that left on their own are reset only when the lists line up.
        for (i, _) in joined.iter().enumerate() {
            let Some(l) = left.get(i) else {
                break;
            };
            if l.nodeid == self.my_nodeid && l.reason == reason::LEAVE {
                for pd in self.conns.values_mut() {
                    if pd.pid == l.pid && pd.group.as_deref() == Some(group) {
                        pd.pid = 0;
                        pd.group = None;
                        pd.state = CpdState::Unjoined;
                    }
                }
            }
        }
        let old = self.old_member_list.clone();
        let tc = self.totem_confchg(&old);
        for c in &self.order {
            let Some(pd) = self.conns.get_mut(c) else {
                continue;
            };
            if pd.flags & MODEL_V1_DELIVER_INITIAL_TOTEM_CONF != 0 && !pd.initial_totem_conf_sent {
                pd.initial_totem_conf_sent = true;
                out.event(*c, tc.clone());
            }
        }
    }

    /// do_proc_join. With `batch`, the notification is collected instead
    /// of sent (joinlist processing sends one per group).
    fn do_proc_join(
        &mut self,
        out: &mut Outbox,
        group: &[u8],
        pid: u32,
        nodeid: NodeId,
        why: u32,
        batch: Option<&mut BTreeMap<Group, (Group, Vec<CpgAddress>)>>,
    ) {
        if self
            .procs
            .iter()
            .any(|p| p.pid == pid && p.nodeid == nodeid && p.group == group)
        {
            return;
        }
        let pos = self
            .procs
            .iter()
            .position(|p| p.nodeid > nodeid || (p.nodeid == nodeid && p.pid > pid))
            .unwrap_or(self.procs.len());
        self.procs.insert(
            pos,
            ProcessInfo {
                nodeid,
                pid,
                group: group.to_vec(),
            },
        );
        let a = CpgAddress {
            nodeid,
            pid,
            reason: why,
        };
        match batch {
            None => self.notify_joinlist(out, group, &[a], &[]),
            Some(b) => b
                .entry(c_key(group))
                .or_insert_with(|| (group.to_vec(), Vec::new()))
                .1
                .push(a),
        }
    }

    /// do_proc_leave.
    fn do_proc_leave(
        &mut self,
        out: &mut Outbox,
        group: &[u8],
        pid: u32,
        nodeid: NodeId,
        why: u32,
    ) {
        let a = CpgAddress {
            nodeid,
            pid,
            reason: why,
        };
        self.notify_joinlist(out, group, &[], &[a]);
        self.procs
            .retain(|p| !(p.pid == pid && p.nodeid == nodeid && p.group == group));
    }

    /// A cluster message of the CPG service.
    pub fn exec(&mut self, out: &mut Outbox, nodeid: NodeId, m: &ServiceMessage) {
        match m {
            ServiceMessage::CpgProcJoin(p) => {
                out.log(
                    LogLevel::Debug,
                    "CPG",
                    format!(
                        "got procjoin message from cluster node {nodeid} for pid {}",
                        p.pid
                    ),
                );
                let g = p.group_name.as_bytes().to_vec();
                self.do_proc_join(out, &g, p.pid, nodeid, reason::JOIN, None);
            }
            ServiceMessage::CpgProcLeave(p) => {
                out.log(
                    LogLevel::Debug,
                    "CPG",
                    format!(
                        "got procleave message from cluster node {nodeid} for pid {}",
                        p.pid
                    ),
                );
                let g = p.group_name.as_bytes().to_vec();
                self.do_proc_leave(out, &g, p.pid, nodeid, p.reason);
            }
            ServiceMessage::CpgJoinList(j) => {
                out.log(
                    LogLevel::Debug,
                    "CPG",
                    format!("got joinlist message from node {nodeid}"),
                );
                for e in &j.entries {
                    self.joinlist
                        .insert(0, (nodeid, e.pid, e.group_name.as_bytes().to_vec()));
                }
            }
            ServiceMessage::CpgMcast(mc) => self.exec_mcast(out, nodeid, mc),
            ServiceMessage::CpgPartialMcast(mc) => self.exec_partial(out, nodeid, mc),
            ServiceMessage::CpgDownlist(d) => out.log(
                LogLevel::Debug,
                "CPG",
                format!("downlist left_list: {} received", d.left_nodes),
            ),
            ServiceMessage::CpgDownlistOld { .. } => out.log(
                LogLevel::Debug,
                "CPG",
                format!("downlist OLD from node {nodeid}"),
            ),
            _ => {}
        }
    }

    fn deliver_targets(&self, group: &[u8]) -> Vec<ConnId> {
        self.order
            .iter()
            .copied()
            .filter(|c| {
                self.conns.get(c).is_some_and(|pd| {
                    matches!(pd.state, CpdState::LeaveStarted | CpdState::JoinCompleted)
                        && pd.group.as_deref() == Some(group)
                })
            })
            .collect()
    }

    fn exec_mcast(&mut self, out: &mut Outbox, nodeid: NodeId, m: &CpgMcast) {
        let group = m.group_name.as_bytes();
        let targets = self.deliver_targets(group);
        if targets.is_empty() {
            return;
        }
        if !self.known_node(nodeid, group) {
            out.log(
                LogLevel::Warning,
                "CPG",
                "Unknown node -> we will not deliver message",
            );
            return;
        }
        let ev = CpgEvent::Deliver {
            group: group.to_vec(),
            nodeid,
            pid: m.pid,
            data: m.data.clone(),
        }
        .encode();
        for c in targets {
            out.event(c, ev.clone());
            self.delivered += 1;
        }
    }

    fn exec_partial(&mut self, out: &mut Outbox, nodeid: NodeId, m: &CpgPartialMcast) {
        let group = m.group_name.as_bytes();
        let targets = self.deliver_targets(group);
        if targets.is_empty() {
            return;
        }
        if !self.known_node(nodeid, group) {
            out.log(
                LogLevel::Warning,
                "CPG",
                "Unknown node -> we will not deliver message",
            );
            return;
        }
        let ev = CpgEvent::PartialDeliver {
            group: group.to_vec(),
            msglen: m.msglen,
            nodeid,
            pid: m.pid,
            msg_type: m.msg_type,
            fragment: m.fragment.clone(),
        }
        .encode();
        for c in targets {
            out.event(c, ev.clone());
        }
    }

    /// cpg_sync_init.
    pub fn sync_init(&mut self, trans: &[NodeId], members: &[NodeId], ring: RingId) {
        self.downlist_sent = false;
        self.member_list = members.to_vec();
        self.last_sync_ring_id = ring;
        self.downlist_left = self
            .old_member_list
            .iter()
            .copied()
            .filter(|o| !trans.contains(o))
            .collect();
    }

    /// cpg_sync_process: DOWNLIST, then JOINLIST (if we have local
    /// members). False while Totem has no room; call again.
    pub fn sync_process(&mut self, cluster: &mut dyn Cluster) -> bool {
        if !self.downlist_sent {
            let m = ServiceMessage::CpgDownlist(CpgDownlist {
                old_members: self.old_member_list.len() as u32,
                left_nodes: self.downlist_left.len() as u32,
                nodeids: self.downlist_left.clone(),
            });
            if !mcast(cluster, m) {
                return false;
            }
            self.downlist_sent = true;
        }
        let entries: Vec<CpgJoinListEntry> = self
            .procs
            .iter()
            .filter(|p| p.nodeid == self.my_nodeid)
            .map(|p| CpgJoinListEntry {
                pid: p.pid,
                group_name: CpgName::new(&p.group),
            })
            .collect();
        if entries.is_empty() {
            return true;
        }
        mcast(
            cluster,
            ServiceMessage::CpgJoinList(CpgJoinList { error: 0, entries }),
        )
    }

    /// cpg_sync_activate.
    pub fn sync_activate(&mut self, out: &mut Outbox) {
        self.old_member_list = self.member_list.clone();
        self.downlist_inform_clients(out);
        self.joinlist_inform_clients(out);
        self.joinlist.clear();
        let ev = self.totem_confchg(&self.member_list.clone());
        for c in &self.order {
            out.event(*c, ev.clone());
        }
    }

    /// cpg_sync_abort.
    pub fn sync_abort(&mut self) {
        self.joinlist.clear();
    }

    fn downlist_inform_clients(&mut self, out: &mut Outbox) {
        out.log(
            LogLevel::Debug,
            "CPG",
            format!(
                "my downlist: members(old:{} left:{})",
                self.old_member_list.len(),
                self.downlist_left.len()
            ),
        );
        let mut by_group: BTreeMap<Group, (Group, Vec<CpgAddress>)> = BTreeMap::new();
        let left = self.downlist_left.clone();
        self.procs.retain(|p| {
            if left.contains(&p.nodeid) {
                let e = by_group
                    .entry(c_key(&p.group))
                    .or_insert_with(|| (p.group.clone(), Vec::new()));
                e.1.push(CpgAddress {
                    nodeid: p.nodeid,
                    pid: p.pid,
                    reason: reason::NODEDOWN,
                });
                false
            } else {
                true
            }
        });
        for (_, (group, list)) in by_group {
            out.log(
                LogLevel::Debug,
                "CPG",
                format!("left_list_entries:{}", list.len()),
            );
            self.notify_joinlist(out, &group, &[], &list);
        }
    }

    fn joinlist_inform_clients(&mut self, out: &mut Outbox) {
        let mut batch: BTreeMap<Group, (Group, Vec<CpgAddress>)> = BTreeMap::new();
        for (sender, pid, group) in self.joinlist.clone() {
            if sender == self.my_nodeid {
                continue;
            }
            self.do_proc_join(out, &group, pid, sender, reason::NODEUP, Some(&mut batch));
        }
        for (_, (group, list)) in batch {
            self.notify_joinlist(out, &group, &list, &[]);
        }
        // joinlist_remove_zombie_pi_entries
        let zombies: Vec<ProcessInfo> = self
            .procs
            .iter()
            .filter(|p| p.nodeid != self.my_nodeid)
            .filter(|p| {
                !self.joinlist.iter().any(|(s, pid, g)| {
                    *s != self.my_nodeid && *s == p.nodeid && *pid == p.pid && *g == p.group
                })
            })
            .cloned()
            .collect();
        for z in zombies {
            self.do_proc_leave(out, &z.group, z.pid, z.nodeid, reason::PROCDOWN);
        }
    }
}

/// The key qb_skiplist orders groups by: the name as a C string.
fn c_key(g: &[u8]) -> Group {
    let n = g.iter().position(|&c| c == 0).unwrap_or(g.len());
    g[..n].to_vec()
}
