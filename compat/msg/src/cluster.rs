//! A Pacemaker daemon's cluster endpoint (lib/cluster/cpg.c): join the
//! daemon's CPG group, send XML in the [`crate::cpg_msg`] envelope, and
//! receive the messages addressed to this node plus membership changes.
//! Does I/O (tokio, through [`crate::corosync::cpg::AsyncCpgClient`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pcmk_xml::Element;

use crate::corosync::cpg::{pacemaker_group, AsyncCpgClient, CpgAddress, CpgEvent, Guarantee};
use crate::corosync::CsError;
use crate::cpg_msg::{self, CpgHost, MsgType, Outgoing};

/// Something that happened in the group.
#[derive(Clone, Debug)]
pub enum ClusterEvent {
    /// A message for this node.
    Message {
        /// The sender (node id filled in from corosync).
        from: CpgHost,
        /// The destination as the sender wrote it.
        to: CpgHost,
        /// The text (unformatted XML).
        text: String,
    },
    /// A group membership change (`pcmk_cpg_membership`).
    Membership {
        /// Members after the change.
        members: Vec<CpgAddress>,
        /// Processes that left.
        left: Vec<CpgAddress>,
        /// Processes that joined.
        joined: Vec<CpgAddress>,
    },
    /// A message that failed the sanity checks or filtering (logged).
    Dropped(String),
}

impl ClusterEvent {
    /// The message text as XML, for [`ClusterEvent::Message`].
    pub fn xml(&self) -> Option<Result<Element, crate::MessageError>> {
        match self {
            ClusterEvent::Message { text, .. } => {
                Some(crate::ipc::header::parse_xml(text.as_bytes()))
            }
            _ => None,
        }
    }
}

/// The local node's name the way Pacemaker picks it: the corosync
/// nodelist name for `nodeid`, else the kernel's host name.
pub fn local_node_name(nodeid: u32) -> String {
    crate::corosync::cmap::CmapClient::initialize()
        .ok()
        .and_then(|c| c.node_name(nodeid))
        .unwrap_or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        })
}

/// One daemon's membership of its CPG group.
pub struct ClusterEndpoint {
    cpg: AsyncCpgClient,
    group: Vec<u8>,
    local_nodeid: u32,
    local_name: String,
    sender_type: MsgType,
    seq: AtomicU32,
    /// Peer names learnt from their messages (for senders that omit theirs).
    peers: Mutex<HashMap<u32, String>>,
    send_lock: tokio::sync::Mutex<()>,
}

impl ClusterEndpoint {
    /// `cluster_connect_cpg`: connect, learn the local node id, join the
    /// group named after `system_name` (`pacemaker-based` joins `cib`).
    /// `node_name` defaults to [`local_node_name`].
    #[doc(alias = "cluster_connect_cpg")]
    pub async fn connect(
        system_name: &str,
        node_name: Option<&str>,
    ) -> Result<ClusterEndpoint, CsError> {
        let cpg = AsyncCpgClient::initialize(0).await?;
        let local_nodeid = cpg.local_get().await?;
        let local_name = match node_name {
            Some(n) => n.to_owned(),
            None => tokio::task::spawn_blocking(move || local_node_name(local_nodeid))
                .await
                .map_err(|_| CsError::LIBRARY)?,
        };
        let group = pacemaker_group(cpg_msg::message_name(system_name));
        let mut tries = 0;
        loop {
            match cpg.join(&group).await {
                Err(CsError::TRY_AGAIN | CsError::QUEUE_FULL) if tries < 30 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_secs(tries)).await;
                }
                r => break r?,
            }
        }
        Ok(ClusterEndpoint {
            cpg,
            group,
            local_nodeid,
            local_name,
            sender_type: MsgType::from_name(system_name),
            seq: AtomicU32::new(0),
            peers: Mutex::new(HashMap::new()),
            send_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// This node's corosync id.
    pub fn local_nodeid(&self) -> u32 {
        self.local_nodeid
    }

    /// This node's name as written in the envelope.
    pub fn local_name(&self) -> &str {
        &self.local_name
    }

    /// The group name bytes (with the NUL).
    pub fn group(&self) -> &[u8] {
        &self.group
    }

    /// The CPG connection.
    pub fn cpg(&self) -> &AsyncCpgClient {
        &self.cpg
    }

    /// `send_cluster_text`: send `text` to daemon `dest` on node `to`
    /// (node id and/or name; `None` = every node), retrying while corosync
    /// pushes back (`crm_cs_flush`: 100 ms, up to 1 s between tries).
    #[doc(alias = "send_cluster_text")]
    pub async fn send_text(
        &self,
        text: &str,
        to: Option<(u32, Option<&str>)>,
        dest: MsgType,
    ) -> Result<(), CsError> {
        let _order = self.send_lock.lock().await;
        let seq = self.seq.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        let bytes = cpg_msg::encode(&Outgoing {
            seq,
            to,
            dest,
            sender_type: self.sender_type,
            sender_pid: std::process::id(),
            sender_uname: &self.local_name,
            data: text,
        });
        let mut delay = Duration::from_millis(100);
        loop {
            match self.cpg.mcast_joined(Guarantee::Agreed, &bytes).await {
                Err(CsError::TRY_AGAIN | CsError::QUEUE_FULL) => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(1));
                }
                r => return r,
            }
        }
    }

    /// `pcmk__cpg_send_xml`: [`ClusterEndpoint::send_text`] of the
    /// unformatted XML.
    #[doc(alias = "pcmk__cpg_send_xml")]
    pub async fn send_xml(
        &self,
        xml: &Element,
        to: Option<(u32, Option<&str>)>,
        dest: MsgType,
    ) -> Result<(), CsError> {
        self.send_text(&xml.to_unformatted(), to, dest).await
    }

    /// The next event of the group. Messages for other nodes are skipped;
    /// malformed ones are reported as [`ClusterEvent::Dropped`].
    pub async fn recv(&self) -> Result<ClusterEvent, CsError> {
        loop {
            match self.cpg.dispatch().await? {
                CpgEvent::Deliver {
                    group,
                    nodeid,
                    pid,
                    msg,
                } => {
                    if group != self.group {
                        continue;
                    }
                    let mut m = match cpg_msg::decode(&msg) {
                        Ok(m) => m,
                        Err(e) => {
                            let why =
                                format!("Invalid CPG message from node {nodeid} pid {pid}: {e}");
                            tracing::error!("{why}");
                            return Ok(ClusterEvent::Dropped(why));
                        }
                    };
                    let peers = &self.peers;
                    let r = cpg_msg::accept(
                        &mut m,
                        nodeid,
                        self.local_nodeid,
                        &self.local_name,
                        |id| {
                            peers
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get(&id)
                                .cloned()
                        },
                    );
                    match r {
                        Ok(()) => {}
                        Err(cpg_msg::Rejected::NotForUs) => continue,
                        Err(e) => {
                            tracing::error!("{e}");
                            return Ok(ClusterEvent::Dropped(e.to_string()));
                        }
                    }
                    if !m.sender.uname.is_empty() {
                        self.peers
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(nodeid, m.sender.uname.clone());
                    }
                    return Ok(ClusterEvent::Message {
                        from: m.sender,
                        to: m.host,
                        text: String::from_utf8_lossy(&m.data).into_owned(),
                    });
                }
                CpgEvent::ConfChg {
                    group,
                    members,
                    left,
                    joined,
                } if group == self.group => {
                    return Ok(ClusterEvent::Membership {
                        members,
                        left,
                        joined,
                    })
                }
                _ => continue,
            }
        }
    }

    /// `cluster_disconnect_cpg`: leave the group and disconnect.
    #[doc(alias = "cluster_disconnect_cpg")]
    pub async fn disconnect(self) -> Result<(), CsError> {
        let r = self.cpg.leave(&self.group).await;
        let f = self.cpg.finalize().await;
        r.and(f)
    }
}
