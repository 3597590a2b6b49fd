//! The quorum service (vsf_quorum.c): tells IPC clients (libquorum) and the
//! daemon whether this partition is quorate and who is in it. The decision
//! itself comes from the provider ([`crate::votequorum`]) through
//! [`Quorum::set_quorum`].

use std::collections::BTreeMap;

use totem_wire::ipc::quorum::{self as q, QuorumEvent, QuorumRequest};
use totem_wire::ipc::{bare_response, CsError};
use totem_wire::RingId;

use crate::out::{LogLevel, Outbox};
use crate::{ConnId, NodeId};

/// `LIB_QUORUM_MODEL_V0`.
const MODEL_V0: u32 = 0;
/// `LIB_QUORUM_MODEL_V1`.
const MODEL_V1: u32 = 1;

#[derive(Debug, Clone, Default)]
struct Pd {
    tracking: bool,
    model: u32,
}

/// The service.
#[derive(Debug, Default)]
pub struct Quorum {
    primary_designated: bool,
    quorum_type: u32,
    ring_id: RingId,
    last_sync_ring_id: RingId,
    view_list: Vec<NodeId>,
    member_list: Vec<NodeId>,
    old_member_list: Vec<NodeId>,
    left_list: Vec<NodeId>,
    joined_list: Vec<NodeId>,
    conns: BTreeMap<ConnId, Pd>,
    /// Tracking connections, most recent first (qb_list_add).
    trackers: Vec<ConnId>,
    changed: bool,
}

/// Log a node list the way vsf_quorum's log_view_list does, splitting long
/// lists over several lines ending in `\`.
pub fn log_view_list(out: &mut Outbox, list: &[NodeId], what: &str) {
    let total = list.len();
    let mut i = 0;
    loop {
        let mut buf = String::new();
        while i < total {
            let s = format!(" {}", list[i]);
            if buf.len() + s.len() >= 64 {
                break;
            }
            buf.push_str(&s);
            i += 1;
        }
        let cont = if i < total { "\\" } else { "" };
        out.log(
            LogLevel::Notice,
            "QUORUM",
            format!("{what}[{total}]:{buf}{cont}"),
        );
        if i == total {
            break;
        }
    }
}

impl Quorum {
    /// quorum_exec_init_fn: with a provider (`quorum.provider` set) the
    /// partition starts inquorate; without one it is always quorate.
    pub fn new(with_provider: bool) -> Quorum {
        Quorum {
            primary_designated: !with_provider,
            quorum_type: with_provider as u32,
            ..Default::default()
        }
    }

    /// quorum_quorate.
    pub fn quorate(&self) -> bool {
        self.primary_designated
    }

    /// True once after each change of the quorate state (for flow control).
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// The last view (members) the provider reported.
    pub fn view_list(&self) -> &[NodeId] {
        &self.view_list
    }

    /// The ring of the last view.
    pub fn ring_id(&self) -> RingId {
        self.ring_id
    }

    /// quorum_api_set_quorum: the provider's verdict.
    #[doc(alias = "quorum_api_set_quorum")]
    pub fn set_quorum(
        &mut self,
        out: &mut Outbox,
        view_list: &[NodeId],
        quorate: bool,
        ring_id: RingId,
    ) {
        let old = self.primary_designated;
        self.primary_designated = quorate;
        if quorate && !old {
            out.log(
                LogLevel::Notice,
                "QUORUM",
                "This node is within the primary component and will provide service.",
            );
        } else if !quorate && old {
            out.log(
                LogLevel::Notice,
                "QUORUM",
                "This node is within the non-primary component and will NOT provide any services.",
            );
        }
        if quorate != old {
            self.changed = true;
        }
        self.view_list = view_list.to_vec();
        self.ring_id = ring_id;
        log_view_list(out, view_list, "Members");
        self.send_library_notification(out, None);
    }

    /// lib_init_fn.
    pub fn connect(&mut self, conn: ConnId) {
        self.conns.insert(conn, Pd::default());
    }

    /// lib_exit_fn.
    pub fn disconnect(&mut self, conn: ConnId) {
        self.conns.remove(&conn);
        self.trackers.retain(|&c| c != conn);
    }

    /// quorum_sync_init.
    pub fn sync_init(
        &mut self,
        out: &mut Outbox,
        trans: &[NodeId],
        members: &[NodeId],
        ring: RingId,
    ) {
        self.member_list = members.to_vec();
        self.last_sync_ring_id = ring;
        self.left_list = self
            .old_member_list
            .iter()
            .copied()
            .filter(|o| !trans.contains(o) || !members.contains(o))
            .collect();
        self.joined_list = members
            .iter()
            .copied()
            .filter(|m| !self.old_member_list.contains(m) || self.left_list.contains(m))
            .collect();
        log_view_list(out, &self.member_list, "Sync members");
        if !self.joined_list.is_empty() {
            log_view_list(out, &self.joined_list, "Sync joined");
        }
        if !self.left_list.is_empty() {
            log_view_list(out, &self.left_list, "Sync left");
        }
    }

    /// quorum_sync_activate.
    pub fn sync_activate(&mut self, out: &mut Outbox) {
        self.old_member_list = self.member_list.clone();
        self.send_nodelist_notification(out, None, true);
    }

    fn v0(&self) -> Vec<u8> {
        QuorumEvent::V0 {
            quorate: self.primary_designated as i32,
            ring_seq: self.ring_id.seq,
            view_list: self.view_list.clone(),
        }
        .encode()
    }

    fn v1(&self) -> Vec<u8> {
        QuorumEvent::V1Quorum {
            quorate: self.primary_designated as i32,
            ring_nodeid: self.ring_id.rep,
            ring_seq: self.ring_id.seq,
            view_list: self.view_list.clone(),
        }
        .encode()
    }

    fn send_library_notification(&self, out: &mut Outbox, conn: Option<ConnId>) {
        let targets: Vec<ConnId> = match conn {
            Some(c) => vec![c],
            None => self.trackers.clone(),
        };
        for c in targets {
            match self.conns.get(&c).map(|p| p.model) {
                Some(MODEL_V0) => out.event(c, self.v0()),
                Some(MODEL_V1) => out.event(c, self.v1()),
                _ => {}
            }
        }
    }

    fn send_nodelist_notification(
        &self,
        out: &mut Outbox,
        conn: Option<ConnId>,
        with_changes: bool,
    ) {
        let ev = QuorumEvent::V1Nodelist {
            ring_nodeid: self.last_sync_ring_id.rep,
            ring_seq: self.last_sync_ring_id.seq,
            members: self.member_list.clone(),
            joined: if with_changes {
                self.joined_list.clone()
            } else {
                Vec::new()
            },
            left: if with_changes {
                self.left_list.clone()
            } else {
                Vec::new()
            },
        }
        .encode();
        let targets: Vec<ConnId> = match conn {
            Some(c) => vec![c],
            None => self.trackers.clone(),
        };
        for c in targets {
            if self.conns.get(&c).map(|p| p.model) == Some(MODEL_V1) {
                out.event(c, ev.clone());
            }
        }
    }

    /// An IPC request.
    pub fn request(&mut self, out: &mut Outbox, conn: ConnId, req: QuorumRequest) {
        match req {
            QuorumRequest::GetQuorate => out.response(
                conn,
                q::value_response(
                    q::res::GETQUORATE,
                    CsError::OK,
                    self.primary_designated as u32,
                ),
            ),
            QuorumRequest::TrackStart { flags } => {
                if flags & (q::TRACK_CURRENT | q::TRACK_CHANGES) != 0 {
                    self.send_nodelist_notification(out, Some(conn), false);
                    self.send_library_notification(out, Some(conn));
                }
                let mut error = CsError::OK;
                let pd = self.conns.entry(conn).or_default();
                if pd.tracking {
                    error = CsError::EXIST;
                } else if flags & (q::TRACK_CHANGES | q::TRACK_CHANGES_ONLY) != 0 {
                    pd.tracking = true;
                    self.trackers.insert(0, conn);
                }
                out.response(conn, bare_response(q::res::TRACKSTART, error));
            }
            QuorumRequest::TrackStop => {
                if let Some(pd) = self.conns.get_mut(&conn) {
                    if pd.tracking {
                        pd.tracking = false;
                        self.trackers.retain(|&c| c != conn);
                    }
                }
                // The reference always answers CS_OK here.
                out.response(conn, bare_response(q::res::TRACKSTOP, CsError::OK));
            }
            QuorumRequest::GetType => out.response(
                conn,
                q::value_response(q::res::GETTYPE, CsError::OK, self.quorum_type),
            ),
            QuorumRequest::ModelGetType { model } => {
                let error = if model == MODEL_V0 || model == MODEL_V1 {
                    self.conns.entry(conn).or_default().model = model;
                    CsError::OK
                } else {
                    out.log(
                        LogLevel::Error,
                        "QUORUM",
                        format!("quorum_model_type request for unsupported model {model}"),
                    );
                    CsError::INVALID_PARAM
                };
                out.response(
                    conn,
                    q::value_response(q::res::MODEL_GETTYPE, error, self.quorum_type),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::out::Output;

    fn logs(out: &mut Outbox) -> Vec<String> {
        let mut v = Vec::new();
        while let Some(o) = out.pop() {
            if let Output::Log { text, .. } = o {
                v.push(text);
            }
        }
        v
    }

    #[test]
    fn sync_lists_and_primary_component_lines() {
        let mut q = Quorum::new(true);
        let mut out = Outbox::default();
        let r = RingId { rep: 1, seq: 5 };
        q.sync_init(&mut out, &[], &[1], r);
        q.sync_activate(&mut out);
        q.sync_init(&mut out, &[1], &[1, 2], r);
        q.set_quorum(&mut out, &[1, 2], true, r);
        assert_eq!(
            logs(&mut out),
            vec![
                "Sync members[1]: 1",
                "Sync joined[1]: 1",
                "Sync members[2]: 1 2",
                "Sync joined[1]: 2",
                "This node is within the primary component and will provide service.",
                "Members[2]: 1 2"
            ]
        );
    }

    #[test]
    fn long_lists_are_split() {
        let mut out = Outbox::default();
        let list: Vec<u32> = (1000..1030).collect();
        log_view_list(&mut out, &list, "Members");
        let l = logs(&mut out);
        assert!(l.len() > 1);
        assert!(l[0].ends_with('\\'));
        assert!(l.iter().all(|s| s.starts_with("Members[30]:")));
    }
}
