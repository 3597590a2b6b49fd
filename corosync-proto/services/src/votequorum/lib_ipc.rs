//! votequorum's IPC handlers (libvotequorum).

use totem_wire::ipc::votequorum::{self as v, GetInfoResponse, VqRequest};
use totem_wire::ipc::{bare_response, CsError};

use super::{flags, Atb, Pd, Votequorum, RECONFIG_EXPECTED_VOTES, RECONFIG_NODE_VOTES};
use crate::out::{LogLevel, Outbox};
use crate::{Cluster, ConnId};

/// CS_TRACK_CURRENT / CHANGES / CHANGES_ONLY.
const TRACK_CURRENT: u32 = 1;
const TRACK_CHANGES: u32 = 2;
const TRACK_CHANGES_ONLY: u32 = 4;

impl Votequorum {
    /// lib_init_fn.
    pub fn connect(&mut self, conn: ConnId) {
        self.conns.insert(conn, Pd::default());
    }

    /// lib_exit_fn.
    pub fn disconnect(&mut self, conn: ConnId) {
        self.conns.remove(&conn);
        self.trackers.retain(|&c| c != conn);
    }

    fn getinfo(&self, nodeid: u32) -> GetInfoResponse {
        let nodeid = if nodeid == 0 { self.us } else { nodeid };
        let Some(node) = self.nodes.get(&nodeid) else {
            return GetInfoResponse {
                error: CsError::NOT_EXIST,
                ..Default::default()
            };
        };
        let mut highest_expected = 0;
        let mut total_votes = 0;
        for (_, n) in self.members() {
            highest_expected = highest_expected.max(n.expected_votes);
            total_votes += n.votes;
        }
        if node.flags & flags::QDEVICE_CAST_VOTE != 0 {
            total_votes += self.qdevice.votes;
        }
        let mut f = 0;
        for (on, bit) in [
            (self.two_node, v::info::TWONODE),
            (self.quorate, v::info::QUORATE),
            (self.wait_for_all, v::info::WAIT_FOR_ALL),
            (self.last_man_standing, v::info::LAST_MAN_STANDING),
            (self.atb != Atb::None, v::info::AUTO_TIE_BREAKER),
            (self.allow_downscale, v::info::ALLOW_DOWNSCALE),
            (
                node.flags & flags::QDEVICE_REGISTERED != 0,
                v::info::QDEVICE_REGISTERED,
            ),
            (
                node.flags & flags::QDEVICE_ALIVE != 0,
                v::info::QDEVICE_ALIVE,
            ),
            (
                node.flags & flags::QDEVICE_CAST_VOTE != 0,
                v::info::QDEVICE_CAST_VOTE,
            ),
            (
                node.flags & flags::QDEVICE_MASTER_WINS != 0,
                v::info::QDEVICE_MASTER_WINS,
            ),
        ] {
            if on {
                f |= bit;
            }
        }
        GetInfoResponse {
            error: CsError::OK,
            nodeid,
            state: node.state as u32,
            votes: node.votes,
            expected_votes: node.expected_votes,
            highest_expected,
            total_votes,
            quorum: self.quorum,
            flags: f,
            qdevice_votes: self.qdevice.votes,
            qdevice_name: Vec::new(),
        }
    }

    /// An IPC request.
    pub fn request(
        &mut self,
        out: &mut Outbox,
        cluster: &mut dyn Cluster,
        conn: ConnId,
        req: VqRequest,
    ) {
        let status = |out: &mut Outbox, e: CsError| {
            out.response(conn, bare_response(v::res::STATUS, e));
        };
        match req {
            VqRequest::GetInfo { nodeid } => {
                out.log(
                    LogLevel::Debug,
                    "VOTEQ",
                    format!("got getinfo request on {conn:#x} for node {nodeid}"),
                );
                out.response(conn, self.getinfo(nodeid).encode());
            }
            VqRequest::SetExpected { expected_votes } => {
                let saved = self.allow_downscale;
                self.allow_downscale = false;
                let (newquorum, total_votes) = self.calculate_quorum(true, expected_votes);
                self.allow_downscale = saved;
                let error =
                    if expected_votes < total_votes || (self.quorate && newquorum > total_votes) {
                        CsError::INVALID_PARAM
                    } else {
                        self.update_node_expected_votes(expected_votes);
                        if Self::send_reconfigure(
                            cluster,
                            RECONFIG_EXPECTED_VOTES,
                            self.us,
                            expected_votes,
                        ) {
                            CsError::OK
                        } else {
                            CsError::NO_RESOURCES
                        }
                    };
                status(out, error);
            }
            VqRequest::SetVotes { votes, nodeid } => {
                let error = match self.nodes.get(&nodeid).map(|n| n.votes) {
                    None => CsError::NAME_NOT_FOUND,
                    Some(saved) => {
                        if let Some(n) = self.nodes.get_mut(&nodeid) {
                            n.votes = votes;
                        }
                        let (newquorum, total_votes) = self.calculate_quorum(true, 0);
                        if newquorum < total_votes / 2 || newquorum > total_votes {
                            if let Some(n) = self.nodes.get_mut(&nodeid) {
                                n.votes = saved;
                            }
                            CsError::INVALID_PARAM
                        } else if Self::send_reconfigure(
                            cluster,
                            RECONFIG_NODE_VOTES,
                            nodeid,
                            votes,
                        ) {
                            CsError::OK
                        } else {
                            CsError::NO_RESOURCES
                        }
                    }
                };
                status(out, error);
            }
            VqRequest::TrackStart { context, flags } => {
                if flags & (TRACK_CURRENT | TRACK_CHANGES) != 0 {
                    self.send_nodelist_notification(out, Some(conn), context);
                    self.send_quorum_notification(out, Some(conn), context);
                }
                let pd = self.conns.entry(conn).or_default();
                let error = if pd.tracking {
                    CsError::EXIST
                } else {
                    if flags & (TRACK_CHANGES | TRACK_CHANGES_ONLY) != 0 {
                        pd.tracking = true;
                        pd.context = context;
                        self.trackers.insert(0, conn);
                    }
                    CsError::OK
                };
                status(out, error);
            }
            VqRequest::TrackStop => {
                let pd = self.conns.entry(conn).or_default();
                let error = if pd.tracking {
                    pd.tracking = false;
                    self.trackers.retain(|&c| c != conn);
                    CsError::OK
                } else {
                    CsError::NOT_EXIST
                };
                status(out, error);
            }
            VqRequest::QdeviceRegister { .. }
            | VqRequest::QdeviceUnregister { .. }
            | VqRequest::QdeviceUpdate { .. }
            | VqRequest::QdevicePoll { .. }
            | VqRequest::QdeviceMasterWins { .. } => {
                out.log(
                    LogLevel::Info,
                    "VOTEQ",
                    "quorum devices cannot register with Atrium's corosync",
                );
                status(out, CsError::NOT_SUPPORTED);
            }
        }
    }
}
