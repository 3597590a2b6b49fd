//! CPG's IPC handlers (libcpg).

use totem_wire::ipc::cpg::{
    membership_response, req, res, value_response, CpgAddress, CpgRequest, IterationNextResponse,
    ITERATION_NAME_ONLY, ITERATION_ONE_GROUP,
};
use totem_wire::ipc::{bare_response, CsError};
use totem_wire::service::{CpgMcast, CpgName, CpgPartialMcast, MessageSource, ServiceMessage};

use super::{mcast, CpdState, Cpg, Pd, ProcessInfo};
use crate::out::{LogLevel, Outbox};
use crate::{Cluster, ConnId};

/// CPG_MAX_NAME_LENGTH.
const MAX_NAME: u32 = 128;
/// LIBCPG_PARTIAL_FIRST.
const PARTIAL_FIRST: u32 = 1;

impl Cpg {
    /// cpg_lib_init_fn.
    pub fn connect(&mut self, conn: ConnId) {
        self.conns.insert(
            conn,
            Pd {
                listed: true,
                ..Default::default()
            },
        );
        self.order.insert(0, conn);
    }

    /// cpg_lib_exit_fn: a member that goes away without leaving is
    /// announced as PROCDOWN.
    pub fn disconnect(&mut self, out: &mut Outbox, cluster: &mut dyn Cluster, conn: ConnId) {
        out.log(
            LogLevel::Debug,
            "CPG",
            format!("exit_fn for conn={conn:#x}"),
        );
        if let Some(pd) = self.conns.remove(&conn) {
            if let Some(g) = &pd.group {
                if pd.state != CpdState::LeaveStarted {
                    self.joinleave_send(cluster, pd.pid, g, true, super::reason::PROCDOWN);
                }
            }
        }
        self.order.retain(|&c| c != conn);
    }

    /// Whether a request needs Totem room (flow-controlled in the reference).
    pub fn request_needs_room(req: &CpgRequest) -> bool {
        matches!(
            req,
            CpgRequest::Join { .. }
                | CpgRequest::Leave { .. }
                | CpgRequest::Mcast { .. }
                | CpgRequest::Finalize
                | CpgRequest::ZeroCopy { .. }
                | CpgRequest::PartialMcast { .. }
        )
    }

    /// An IPC request.
    pub fn request(
        &mut self,
        out: &mut Outbox,
        cluster: &mut dyn Cluster,
        conn: ConnId,
        request: CpgRequest,
    ) {
        match request {
            CpgRequest::Join {
                group,
                group_len,
                pid,
                flags,
            } => {
                let error = self.join(cluster, conn, &group, group_len, pid, flags);
                out.response(conn, bare_response(res::JOIN, error));
            }
            CpgRequest::Leave { group, pid } => {
                out.log(
                    LogLevel::Debug,
                    "CPG",
                    format!("got leave request on {conn:#x}"),
                );
                let state = self.conns.get(&conn).map(|p| p.state).unwrap_or_default();
                let error = match state {
                    CpdState::Unjoined | CpdState::LeaveStarted => CsError::NOT_EXIST,
                    CpdState::JoinStarted => CsError::BUSY,
                    CpdState::JoinCompleted => {
                        if let Some(pd) = self.conns.get_mut(&conn) {
                            pd.state = CpdState::LeaveStarted;
                        }
                        self.joinleave_send(cluster, pid, &group, true, super::reason::LEAVE);
                        CsError::OK
                    }
                };
                out.response(conn, bare_response(res::LEAVE, error));
            }
            CpgRequest::Mcast { data, .. } => {
                let Some(pd) = self.conns.get(&conn) else {
                    return;
                };
                match (pd.state, &pd.group) {
                    (CpdState::JoinStarted | CpdState::JoinCompleted, Some(g)) => {
                        let m = ServiceMessage::CpgMcast(CpgMcast {
                            group_name: CpgName::new(g),
                            pid: pd.pid,
                            source: MessageSource {
                                nodeid: self.my_nodeid,
                                pad: [0; 4],
                                conn,
                            },
                            data,
                        });
                        // Room was checked before dispatch.
                        mcast(cluster, m);
                    }
                    (state, g) => out.log(
                        LogLevel::Error,
                        "CPG",
                        format!(
                            "*** {conn:#x} can't mcast to group {} state:{}, error:{}",
                            g.as_deref()
                                .map(super::print_group_name)
                                .unwrap_or_default(),
                            state as i32,
                            CsError::NOT_EXIST.0
                        ),
                    ),
                }
            }
            CpgRequest::PartialMcast {
                msglen,
                msg_type,
                fragment,
                ..
            } => {
                let error = self.partial_mcast(out, cluster, conn, msglen, msg_type, fragment);
                out.response(conn, bare_response(res::PARTIAL_SEND, error));
            }
            CpgRequest::Membership { group } => {
                let list: Vec<CpgAddress> = self
                    .procs
                    .iter()
                    .filter(|p| p.group == group)
                    .map(|p| CpgAddress {
                        nodeid: p.nodeid,
                        pid: p.pid,
                        reason: 0,
                    })
                    .collect();
                out.response(conn, membership_response(&list));
            }
            CpgRequest::LocalGet => out.response(
                conn,
                value_response(res::LOCAL_GET, CsError::OK, self.my_nodeid as u64, false),
            ),
            CpgRequest::IterationInitialize {
                group,
                iteration_type,
            } => {
                let items = self.iteration_items(&group, iteration_type);
                let h = self.next_handle;
                self.next_handle += 1;
                if let Some(pd) = self.conns.get_mut(&conn) {
                    pd.iterations.insert(h, (items, 0));
                }
                out.response(
                    conn,
                    value_response(res::ITERATIONINITIALIZE, CsError::OK, h, true),
                );
            }
            CpgRequest::IterationNext { handle } => {
                let r = match self
                    .conns
                    .get_mut(&conn)
                    .and_then(|pd| pd.iterations.get_mut(&handle))
                {
                    None => IterationNextResponse {
                        error: CsError::LIBRARY,
                        group: Vec::new(),
                        nodeid: 0,
                        pid: 0,
                    },
                    Some((items, pos)) => match items.get(*pos) {
                        None => IterationNextResponse {
                            error: CsError::NO_SECTIONS,
                            group: Vec::new(),
                            nodeid: 0,
                            pid: 0,
                        },
                        Some(p) => {
                            *pos += 1;
                            IterationNextResponse {
                                error: CsError::OK,
                                group: p.group.clone(),
                                nodeid: p.nodeid,
                                pid: p.pid,
                            }
                        }
                    },
                };
                out.response(conn, r.encode());
            }
            CpgRequest::IterationFinalize { handle } => {
                let found = self
                    .conns
                    .get_mut(&conn)
                    .and_then(|pd| pd.iterations.remove(&handle))
                    .is_some();
                let e = if found { CsError::OK } else { CsError::LIBRARY };
                out.response(conn, bare_response(res::ITERATIONFINALIZE, e));
            }
            CpgRequest::Finalize => {
                out.log(
                    LogLevel::Debug,
                    "CPG",
                    format!("cpg finalize for conn={conn:#x}"),
                );
                if let Some(pd) = self.conns.get_mut(&conn) {
                    pd.listed = false;
                }
                self.order.retain(|&c| c != conn);
                out.response(conn, bare_response(res::FINALIZE, CsError::OK));
            }
            CpgRequest::ZeroCopy { id } => {
                let rid = match id {
                    req::ZC_ALLOC => res::ZC_ALLOC,
                    req::ZC_FREE => res::ZC_FREE,
                    _ => res::ZC_EXECUTE,
                };
                out.response(conn, bare_response(rid, CsError::NOT_SUPPORTED));
            }
        }
    }

    fn join(
        &mut self,
        cluster: &mut dyn Cluster,
        conn: ConnId,
        group: &[u8],
        group_len: u32,
        pid: u32,
        flags: u32,
    ) -> CsError {
        if self
            .conns
            .values()
            .any(|pd| pd.listed && pd.pid == pid && pd.group.as_deref() == Some(group))
        {
            return CsError::EXIST;
        }
        if self
            .procs
            .iter()
            .any(|p| p.nodeid == self.my_nodeid && p.pid == pid && p.group == group)
        {
            return CsError::TRY_AGAIN;
        }
        if group_len > MAX_NAME {
            return CsError::NAME_TOO_LONG;
        }
        let state = self.conns.get(&conn).map(|p| p.state).unwrap_or_default();
        match state {
            CpdState::Unjoined => {
                if let Some(pd) = self.conns.get_mut(&conn) {
                    pd.state = CpdState::JoinStarted;
                    pd.pid = pid;
                    pd.flags = flags;
                    pd.group = Some(group.to_vec());
                }
                self.joinleave_send(cluster, pid, group, false, super::reason::JOIN);
                CsError::OK
            }
            CpdState::LeaveStarted => CsError::BUSY,
            CpdState::JoinStarted | CpdState::JoinCompleted => CsError::EXIST,
        }
    }

    fn partial_mcast(
        &mut self,
        out: &mut Outbox,
        cluster: &mut dyn Cluster,
        conn: ConnId,
        msglen: u32,
        msg_type: u32,
        fragment: Vec<u8>,
    ) -> CsError {
        let my = self.my_nodeid;
        let Some(pd) = self.conns.get_mut(&conn) else {
            return CsError::NOT_EXIST;
        };
        let mut error = match pd.state {
            CpdState::JoinStarted | CpdState::JoinCompleted => CsError::OK,
            _ => CsError::NOT_EXIST,
        };
        if msg_type == PARTIAL_FIRST {
            pd.initial_transition_counter = pd.transition_counter;
        }
        if pd.transition_counter != pd.initial_transition_counter {
            error = CsError::INTERRUPT;
        }
        if error == CsError::OK {
            let m = ServiceMessage::CpgPartialMcast(CpgPartialMcast {
                group_name: CpgName::new(pd.group.as_deref().unwrap_or_default()),
                msglen,
                pid: pd.pid,
                msg_type,
                source: MessageSource {
                    nodeid: my,
                    pad: [0; 4],
                    conn,
                },
                fragment,
            });
            mcast(cluster, m);
        } else {
            out.log(
                LogLevel::Error,
                "CPG",
                format!(
                    "*** {conn:#x} can't mcast to group {} state:{}, error:{}",
                    pd.group
                        .as_deref()
                        .map(super::print_group_name)
                        .unwrap_or_default(),
                    pd.state as i32,
                    error.0
                ),
            );
        }
        error
    }

    /// The "grouped by name" copy an iteration walks.
    fn iteration_items(&self, group: &[u8], iteration_type: u32) -> Vec<ProcessInfo> {
        let mut items: Vec<ProcessInfo> = Vec::new();
        for p in &self.procs {
            if iteration_type == ITERATION_NAME_ONLY && items.iter().any(|i| i.group == p.group) {
                continue;
            }
            if iteration_type == ITERATION_ONE_GROUP && p.group != group {
                continue;
            }
            let mut n = p.clone();
            if iteration_type == ITERATION_NAME_ONLY {
                n.pid = 0;
                n.nodeid = 0;
            }
            // Inserted right after the first entry of its group, or first.
            match items.iter().position(|i| i.group == p.group) {
                Some(at) => items.insert(at + 1, n),
                None => items.insert(0, n),
            }
        }
        items
    }
}
