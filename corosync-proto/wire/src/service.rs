//! Cluster messages of the service engines (cpg.c, votequorum.c, cmap.c,
//! cfg.c) as multicast between nodes in the "a" group.
//!
//! Every message starts with a 16-byte request header whose id is
//! `service << 16 | function`. Fields carry `aligned(8)`, so the layouts have
//! padding. The senders do not always clear it, so [`ServiceFrame`] keeps the
//! padding bytes it read and writes them back; [`ServiceMessage`] alone writes
//! zeros.

use crate::codec::{Codec, PadSource, Reader, WireError, Writer};
use crate::layout as l;

/// Corosync service ids (corodefs.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum ServiceId {
    /// CMAP_SERVICE.
    Cmap = 0,
    /// CFG_SERVICE.
    Cfg = 1,
    /// CPG_SERVICE.
    Cpg = 2,
    /// QUORUM_SERVICE.
    Quorum = 3,
    /// PLOAD_SERVICE.
    Pload = 4,
    /// VOTEQUORUM_SERVICE.
    Votequorum = 5,
    /// MON_SERVICE.
    Mon = 6,
    /// WD_SERVICE.
    Wd = 7,
}

/// `SERVICE_ID_MAKE(service, fn)`.
pub const fn service_id_make(service: ServiceId, func: u16) -> i32 {
    ((service as i32) << 16) | func as i32
}

/// qb_ipc_request_header: `id` @0 and `size` @8, each aligned to 8.
#[doc(alias = "qb_ipc_request_header")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReqHeader {
    /// Message id.
    pub id: i32,
    /// Size of the whole message.
    pub size: i32,
    /// Padding after `id` and after `size`, as received.
    pub pad: [u8; 8],
}

impl ReqHeader {
    /// Fail unless the announced size is `expected`.
    pub fn expect_size(&self, expected: usize, what: &'static str) -> Result<(), WireError> {
        if self.size as i64 != expected as i64 {
            return Err(WireError::LengthMismatch {
                what,
                declared: self.size as u32 as u64,
                actual: expected as u64,
            });
        }
        Ok(())
    }
}

impl Codec for ReqHeader {
    fn encode(&self, w: &mut Writer) {
        w.i32(self.id);
        w.bytes(&self.pad[..4]);
        w.i32(self.size);
        w.bytes(&self.pad[4..]);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let mut pad = [0u8; 8];
        let id = r.i32("request header")?;
        pad[..4].copy_from_slice(r.take(4, "request header")?);
        let size = r.i32("request header")?;
        pad[4..].copy_from_slice(r.take(4, "request header")?);
        Ok(ReqHeader { id, size, pad })
    }
}

/// mar_cpg_name_t: u32 length @0, 128-byte value @8. The whole value buffer
/// is kept, bytes past `length` included, as it went on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CpgName {
    /// Name length.
    pub length: u32,
    /// Padding after the length, as received.
    pub pad: [u8; 4],
    /// Name buffer.
    pub value: [u8; l::CPG_MAX_NAME_LENGTH],
}

impl CpgName {
    /// A name from bytes (truncated to 128).
    pub fn new(name: &[u8]) -> Self {
        let mut value = [0u8; l::CPG_MAX_NAME_LENGTH];
        let n = name.len().min(value.len());
        value[..n].copy_from_slice(&name[..n]);
        CpgName {
            length: n as u32,
            pad: [0; 4],
            value,
        }
    }
    /// The name's bytes (`length` clamped to the buffer).
    pub fn as_bytes(&self) -> &[u8] {
        &self.value[..(self.length as usize).min(self.value.len())]
    }
}

impl Codec for CpgName {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.length);
        w.bytes(&self.pad);
        w.bytes(&self.value);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let length = r.u32("mar_cpg_name_t")?;
        let mut pad = [0u8; 4];
        pad.copy_from_slice(r.take(4, "mar_cpg_name_t")?);
        let mut value = [0u8; l::CPG_MAX_NAME_LENGTH];
        value.copy_from_slice(r.take(l::CPG_MAX_NAME_LENGTH, "mar_cpg_name_t")?);
        Ok(CpgName { length, pad, value })
    }
}

/// mar_name_t: u16 length @0, 256-byte value @8.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MarName {
    /// Name length.
    pub length: u16,
    /// Padding after the length, as received.
    pub pad: [u8; 6],
    /// Name buffer.
    pub value: [u8; l::CS_MAX_NAME_LENGTH],
}

impl MarName {
    /// A name from bytes (truncated to 256).
    pub fn new(name: &[u8]) -> Self {
        let mut value = [0u8; l::CS_MAX_NAME_LENGTH];
        let n = name.len().min(value.len());
        value[..n].copy_from_slice(&name[..n]);
        MarName {
            length: n as u16,
            pad: [0; 6],
            value,
        }
    }
    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.value[..(self.length as usize).min(self.value.len())]
    }
}

impl Codec for MarName {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.length);
        w.bytes(&self.pad);
        w.bytes(&self.value);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let length = r.u16("mar_name_t")?;
        let mut pad = [0u8; 6];
        pad.copy_from_slice(r.take(6, "mar_name_t")?);
        let mut value = [0u8; l::CS_MAX_NAME_LENGTH];
        value.copy_from_slice(r.take(l::CS_MAX_NAME_LENGTH, "mar_name_t")?);
        Ok(MarName { length, pad, value })
    }
}

/// mar_message_source_t: the originating node and its (opaque) connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MessageSource {
    /// Originating node.
    pub nodeid: u32,
    /// Padding after the nodeid, as received.
    pub pad: [u8; 4],
    /// The originator's IPC connection pointer (meaningful only to it).
    pub conn: u64,
}

impl Codec for MessageSource {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.nodeid);
        w.bytes(&self.pad);
        w.u64(self.conn);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let nodeid = r.u32("mar_message_source_t")?;
        let mut pad = [0u8; 4];
        pad.copy_from_slice(r.take(4, "mar_message_source_t")?);
        let conn = r.u64("mar_message_source_t")?;
        Ok(MessageSource { nodeid, pad, conn })
    }
}

/// CPG process join / leave (req_exec_cpg_procjoin, 168 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpgProcJoin {
    /// Group.
    pub group_name: CpgName,
    /// Process.
    pub pid: u32,
    /// CONFCHG_CPG_REASON_*.
    pub reason: u32,
}

/// One entry of a CPG join list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpgJoinListEntry {
    /// Process.
    pub pid: u32,
    /// Group.
    pub group_name: CpgName,
}

/// CPG join list (a *response* header, then entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpgJoinList {
    /// `error` field of the response header.
    pub error: i32,
    /// Local members of the sender.
    pub entries: Vec<CpgJoinListEntry>,
}

/// CPG message (req_exec_cpg_mcast + data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpgMcast {
    /// Group.
    pub group_name: CpgName,
    /// Sending process.
    pub pid: u32,
    /// Originator.
    pub source: MessageSource,
    /// Application data (`msglen` bytes).
    pub data: Vec<u8>,
}

/// CPG fragment of a large message (req_exec_cpg_partial_mcast + fragment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpgPartialMcast {
    /// Group.
    pub group_name: CpgName,
    /// Length of the whole message.
    pub msglen: u32,
    /// Sending process.
    pub pid: u32,
    /// LIBCPG_PARTIAL_FIRST/CONTINUED/LAST.
    pub msg_type: u32,
    /// Originator.
    pub source: MessageSource,
    /// This fragment (`fraglen` bytes).
    pub fragment: Vec<u8>,
}

/// CPG down list (req_exec_cpg_downlist); the array is kept whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpgDownlist {
    /// Members of the sender's old ring.
    pub old_members: u32,
    /// Number of valid entries in `nodeids`.
    pub left_nodes: u32,
    /// PROCESSOR_COUNT_MAX entries.
    pub nodeids: Vec<u32>,
}

/// votequorum NODEINFO (packed after the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VqNodeInfo {
    /// Node described (0 = cluster-wide values).
    pub nodeid: u32,
    /// Its votes.
    pub votes: u32,
    /// Its expected votes.
    pub expected_votes: u32,
    /// NODE_FLAGS_* bits.
    pub flags: u32,
}

/// votequorum RECONFIGURE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VqReconfigure {
    /// Node affected.
    pub nodeid: u32,
    /// New value.
    pub value: u32,
    /// RECONFIG_PARAM_*.
    pub param: u8,
}

/// One cmap item (req_exec_cmap_mcast_item + value, padded to 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmapItem {
    /// Key.
    pub key_name: MarName,
    /// icmap value type (ICMAP_VALUETYPE_*; 13 = not present).
    pub value_type: u8,
    /// Value bytes in the sender's byte order.
    pub value: Vec<u8>,
}

/// cmap MCAST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmapMcast {
    /// CMAP_MCAST_REASON_*.
    pub reason: u8,
    /// Items.
    pub items: Vec<CmapItem>,
}

/// Any service cluster message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceMessage {
    /// CPG 0.
    CpgProcJoin(CpgProcJoin),
    /// CPG 1.
    CpgProcLeave(CpgProcJoin),
    /// CPG 2.
    CpgJoinList(CpgJoinList),
    /// CPG 3.
    CpgMcast(CpgMcast),
    /// CPG 4 (ignored by 3.x).
    CpgDownlistOld {
        /// Number of valid entries.
        left_nodes: u32,
        /// PROCESSOR_COUNT_MAX entries.
        nodeids: Vec<u32>,
    },
    /// CPG 5.
    CpgDownlist(CpgDownlist),
    /// CPG 6.
    CpgPartialMcast(CpgPartialMcast),
    /// VOTEQUORUM 0.
    VqNodeInfo(VqNodeInfo),
    /// VOTEQUORUM 1.
    VqReconfigure(VqReconfigure),
    /// VOTEQUORUM 2.
    VqQdeviceReg {
        /// Register (0) or unregister (1).
        operation: u32,
        /// Device name buffer (255 bytes).
        name: Vec<u8>,
    },
    /// VOTEQUORUM 3.
    VqQdeviceReconfigure {
        /// Old name buffer (255 bytes).
        oldname: Vec<u8>,
        /// New name buffer (255 bytes).
        newname: Vec<u8>,
    },
    /// CMAP 0.
    CmapMcast(CmapMcast),
    /// CFG 0.
    CfgRingReenable(MessageSource),
    /// CFG 1.
    CfgKillNode {
        /// Node to kill.
        nodeid: u32,
        /// Reason text.
        reason: MarName,
    },
    /// CFG 2.
    CfgShutdown,
    /// CFG 3.
    CfgReloadConfig(MessageSource),
    /// CFG 4.
    CfgCryptoReconfig {
        /// Phase.
        phase: u32,
    },
    /// A message of another service or function, kept as bytes.
    Other {
        /// Header.
        header: ReqHeader,
        /// Bytes after the header.
        body: Vec<u8>,
    },
}

const CPG: u16 = ServiceId::Cpg as u16;
const VQ: u16 = ServiceId::Votequorum as u16;
const CMAP: u16 = ServiceId::Cmap as u16;
const CFG: u16 = ServiceId::Cfg as u16;

fn fixed_name(r: &mut Reader<'_>, n: usize, what: &'static str) -> Result<Vec<u8>, WireError> {
    r.take(n, what).map(<[u8]>::to_vec)
}

fn put_fixed(w: &mut Writer, b: &[u8], n: usize) {
    let k = b.len().min(n);
    w.bytes(&b[..k]);
    w.zeros(n - k);
}

/// A service message with the padding bytes it was received with, so that
/// re-encoding reproduces the received bytes exactly. [`ServiceMessage`]'s
/// own [`Codec`] writes zero padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFrame {
    /// The header as received (its own padding included).
    pub header: ReqHeader,
    /// The message.
    pub message: ServiceMessage,
    /// Padding bytes of the message body, in order.
    pub padding: Vec<u8>,
}

impl Codec for ServiceFrame {
    fn encode(&self, w: &mut Writer) {
        self.message
            .encode_with(w, Some(&self.header), &mut PadSource::new(&self.padding));
    }
    /// Reads a whole message: the header's size must equal the bytes left.
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let mut padding = Vec::new();
        let (header, message) = ServiceMessage::read_with(r, &mut padding)?;
        Ok(ServiceFrame {
            header,
            message,
            padding,
        })
    }
}

impl Codec for ServiceMessage {
    fn encode(&self, w: &mut Writer) {
        self.encode_with(w, None, &mut PadSource::default());
    }
    /// Reads a whole message: the header's size must equal the bytes left.
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        ServiceMessage::read_with(r, &mut Vec::new()).map(|(_, m)| m)
    }
}

fn align8(n: usize) -> usize {
    (n + 7) & !7
}

impl ServiceMessage {
    /// The header id this message is sent with.
    pub fn id(&self) -> i32 {
        use ServiceId::*;
        match self {
            ServiceMessage::CpgProcJoin(_) => service_id_make(Cpg, 0),
            ServiceMessage::CpgProcLeave(_) => service_id_make(Cpg, 1),
            ServiceMessage::CpgJoinList(_) => service_id_make(Cpg, 2),
            ServiceMessage::CpgMcast(_) => service_id_make(Cpg, 3),
            ServiceMessage::CpgDownlistOld { .. } => service_id_make(Cpg, 4),
            ServiceMessage::CpgDownlist(_) => service_id_make(Cpg, 5),
            ServiceMessage::CpgPartialMcast(_) => service_id_make(Cpg, 6),
            ServiceMessage::VqNodeInfo(_) => service_id_make(Votequorum, 0),
            ServiceMessage::VqReconfigure(_) => service_id_make(Votequorum, 1),
            ServiceMessage::VqQdeviceReg { .. } => service_id_make(Votequorum, 2),
            ServiceMessage::VqQdeviceReconfigure { .. } => service_id_make(Votequorum, 3),
            ServiceMessage::CmapMcast(_) => service_id_make(Cmap, 0),
            ServiceMessage::CfgRingReenable(_) => service_id_make(Cfg, 0),
            ServiceMessage::CfgKillNode { .. } => service_id_make(Cfg, 1),
            ServiceMessage::CfgShutdown => service_id_make(Cfg, 2),
            ServiceMessage::CfgReloadConfig(_) => service_id_make(Cfg, 3),
            ServiceMessage::CfgCryptoReconfig { .. } => service_id_make(Cfg, 4),
            ServiceMessage::Other { header, .. } => header.id,
        }
    }

    fn encoded_size(&self) -> usize {
        match self {
            ServiceMessage::CpgProcJoin(_) | ServiceMessage::CpgProcLeave(_) => {
                l::CPG_PROCJOIN_SIZE
            }
            ServiceMessage::CpgJoinList(j) => {
                l::RES_HEADER_SIZE + j.entries.len() * l::CPG_JOINLIST_ENTRY_SIZE
            }
            ServiceMessage::CpgMcast(m) => l::CPG_MCAST_SIZE + m.data.len(),
            ServiceMessage::CpgDownlistOld { .. } => l::CPG_DOWNLIST_OLD_SIZE,
            ServiceMessage::CpgDownlist(_) => l::CPG_DOWNLIST_SIZE,
            ServiceMessage::CpgPartialMcast(m) => l::CPG_PARTIAL_MCAST_SIZE + m.fragment.len(),
            ServiceMessage::VqNodeInfo(_) => l::VQ_NODEINFO_SIZE,
            ServiceMessage::VqReconfigure(_) => l::VQ_RECONFIGURE_SIZE,
            ServiceMessage::VqQdeviceReg { .. } => l::VQ_QDEVICE_REG_SIZE,
            ServiceMessage::VqQdeviceReconfigure { .. } => l::VQ_QDEVICE_RECONFIGURE_SIZE,
            ServiceMessage::CmapMcast(m) => {
                l::CMAP_MCAST_SIZE
                    + m.items
                        .iter()
                        .map(|i| align8(l::CMAP_MCAST_ITEM_SIZE + i.value.len()))
                        .sum::<usize>()
            }
            ServiceMessage::CfgRingReenable(_) | ServiceMessage::CfgReloadConfig(_) => {
                l::CFG_SOURCE_MSG_SIZE
            }
            ServiceMessage::CfgKillNode { .. } => l::CFG_KILLNODE_SIZE,
            ServiceMessage::CfgShutdown => l::CFG_SHUTDOWN_SIZE,
            ServiceMessage::CfgCryptoReconfig { .. } => l::CFG_CRYPTO_RECONFIG_SIZE,
            ServiceMessage::Other { body, .. } => l::REQ_HEADER_SIZE + body.len(),
        }
    }
}

fn downlist_array(r: &mut Reader<'_>) -> Result<Vec<u32>, WireError> {
    r.u32_list(l::PROCESSOR_COUNT_MAX as u64, "downlist nodeids")
}

impl ServiceMessage {
    fn encode_with(&self, w: &mut Writer, header: Option<&ReqHeader>, pads: &mut PadSource<'_>) {
        let start = w.len();
        let size = self.encoded_size();
        let header = match (self, header) {
            (ServiceMessage::Other { header, .. }, _) => *header,
            (_, Some(h)) => *h,
            _ => ReqHeader {
                id: self.id(),
                size: size as i32,
                pad: [0; 8],
            },
        };
        header.encode(w);
        match self {
            ServiceMessage::CpgProcJoin(p) | ServiceMessage::CpgProcLeave(p) => {
                p.group_name.encode(w);
                w.u32(p.pid);
                w.pad(4, pads);
                w.u32(p.reason);
            }
            ServiceMessage::CpgJoinList(j) => {
                w.i32(j.error);
                w.pad(4, pads);
                for e in &j.entries {
                    w.u32(e.pid);
                    w.pad(4, pads);
                    e.group_name.encode(w);
                }
            }
            ServiceMessage::CpgMcast(m) => {
                m.group_name.encode(w);
                w.u32(m.data.len() as u32);
                w.pad(4, pads);
                w.u32(m.pid);
                w.pad(4, pads);
                m.source.encode(w);
                w.bytes(&m.data);
            }
            ServiceMessage::CpgDownlistOld {
                left_nodes,
                nodeids,
            } => {
                w.u32(*left_nodes);
                w.pad(4, pads);
                for i in 0..l::PROCESSOR_COUNT_MAX {
                    w.u32(nodeids.get(i).copied().unwrap_or(0));
                }
            }
            ServiceMessage::CpgDownlist(d) => {
                w.u32(d.old_members);
                w.pad(4, pads);
                w.u32(d.left_nodes);
                w.pad(4, pads);
                for i in 0..l::PROCESSOR_COUNT_MAX {
                    w.u32(d.nodeids.get(i).copied().unwrap_or(0));
                }
            }
            ServiceMessage::CpgPartialMcast(m) => {
                m.group_name.encode(w);
                w.u32(m.msglen);
                w.pad(4, pads);
                w.u32(m.fragment.len() as u32);
                w.pad(4, pads);
                w.u32(m.pid);
                w.pad(4, pads);
                w.u32(m.msg_type);
                w.pad(4, pads);
                m.source.encode(w);
                w.bytes(&m.fragment);
            }
            ServiceMessage::VqNodeInfo(n) => {
                w.u32(n.nodeid);
                w.u32(n.votes);
                w.u32(n.expected_votes);
                w.u32(n.flags);
            }
            ServiceMessage::VqReconfigure(c) => {
                w.u32(c.nodeid);
                w.u32(c.value);
                w.u8(c.param);
                w.pad(3, pads);
            }
            ServiceMessage::VqQdeviceReg { operation, name } => {
                w.u32(*operation);
                put_fixed(w, name, l::VQ_QDEVICE_NAME_LEN);
            }
            ServiceMessage::VqQdeviceReconfigure { oldname, newname } => {
                put_fixed(w, oldname, l::VQ_QDEVICE_NAME_LEN);
                put_fixed(w, newname, l::VQ_QDEVICE_NAME_LEN);
            }
            ServiceMessage::CmapMcast(m) => {
                w.u8(m.reason);
                w.pad(7, pads);
                w.u8(m.items.len() as u8);
                w.pad_to_from(start + l::CMAP_MCAST_SIZE, pads);
                for item in &m.items {
                    let istart = w.len();
                    item.key_name.encode(w);
                    w.u8(item.value_type);
                    w.pad(7, pads);
                    w.u64(item.value.len() as u64);
                    w.bytes(&item.value);
                    w.pad_to_from(
                        istart + align8(l::CMAP_MCAST_ITEM_SIZE + item.value.len()),
                        pads,
                    );
                }
            }
            ServiceMessage::CfgRingReenable(s) | ServiceMessage::CfgReloadConfig(s) => s.encode(w),
            ServiceMessage::CfgKillNode { nodeid, reason } => {
                w.u32(*nodeid);
                w.pad(4, pads);
                reason.encode(w);
            }
            ServiceMessage::CfgShutdown => {}
            ServiceMessage::CfgCryptoReconfig { phase } => w.u32(*phase),
            ServiceMessage::Other { body, .. } => w.bytes(body),
        }
        w.pad_to_from(start + size, pads);
    }

    fn read_with(r: &mut Reader<'_>, pads: &mut Vec<u8>) -> Result<(ReqHeader, Self), WireError> {
        let start = r.position();
        let total = r.remaining();
        let header = ReqHeader::read(r)?;
        if header.size < 0 || header.size as usize != total {
            return Err(WireError::LengthMismatch {
                what: "service message",
                declared: header.size as u32 as u64,
                actual: total as u64,
            });
        }
        let service = (header.id >> 16) as u16;
        let func = (header.id & 0xffff) as u16;
        let fixed = |want: usize, what: &'static str| header.expect_size(want, what);
        let msg = match (service, func) {
            (CPG, 0) | (CPG, 1) => {
                fixed(l::CPG_PROCJOIN_SIZE, "cpg procjoin")?;
                let group_name = CpgName::read(r)?;
                let pid = r.u32("cpg procjoin")?;
                r.pad(4, "cpg procjoin", pads)?;
                let reason = r.u32("cpg procjoin")?;
                let p = CpgProcJoin {
                    group_name,
                    pid,
                    reason,
                };
                if func == 0 {
                    ServiceMessage::CpgProcJoin(p)
                } else {
                    ServiceMessage::CpgProcLeave(p)
                }
            }
            (CPG, 2) => {
                let error = r.i32("cpg joinlist")?;
                r.pad(4, "cpg joinlist", pads)?;
                let left = total - l::RES_HEADER_SIZE.min(total);
                if !left.is_multiple_of(l::CPG_JOINLIST_ENTRY_SIZE) {
                    return Err(WireError::LengthMismatch {
                        what: "cpg joinlist",
                        declared: total as u64,
                        actual: left as u64,
                    });
                }
                let mut entries = Vec::new();
                for _ in 0..left / l::CPG_JOINLIST_ENTRY_SIZE {
                    let pid = r.u32("joinlist entry")?;
                    r.pad(4, "joinlist entry", pads)?;
                    entries.push(CpgJoinListEntry {
                        pid,
                        group_name: CpgName::read(r)?,
                    });
                }
                ServiceMessage::CpgJoinList(CpgJoinList { error, entries })
            }
            (CPG, 3) => {
                let group_name = CpgName::read(r)?;
                let msglen = r.u32("cpg mcast")?;
                r.pad(4, "cpg mcast", pads)?;
                let pid = r.u32("cpg mcast")?;
                r.pad(4, "cpg mcast", pads)?;
                let source = MessageSource::read(r)?;
                if msglen as usize != r.remaining() {
                    return Err(WireError::LengthMismatch {
                        what: "cpg mcast",
                        declared: msglen as u64,
                        actual: r.remaining() as u64,
                    });
                }
                ServiceMessage::CpgMcast(CpgMcast {
                    group_name,
                    pid,
                    source,
                    data: r.rest().to_vec(),
                })
            }
            (CPG, 4) => {
                fixed(l::CPG_DOWNLIST_OLD_SIZE, "cpg downlist_old")?;
                let left_nodes = r.u32("cpg downlist_old")?;
                r.pad(4, "cpg downlist_old", pads)?;
                ServiceMessage::CpgDownlistOld {
                    left_nodes,
                    nodeids: downlist_array(r)?,
                }
            }
            (CPG, 5) => {
                fixed(l::CPG_DOWNLIST_SIZE, "cpg downlist")?;
                let old_members = r.u32("cpg downlist")?;
                r.pad(4, "cpg downlist", pads)?;
                let left_nodes = r.u32("cpg downlist")?;
                r.pad(4, "cpg downlist", pads)?;
                ServiceMessage::CpgDownlist(CpgDownlist {
                    old_members,
                    left_nodes,
                    nodeids: downlist_array(r)?,
                })
            }
            (CPG, 6) => {
                let group_name = CpgName::read(r)?;
                let msglen = r.u32("cpg partial")?;
                r.pad(4, "cpg partial", pads)?;
                let fraglen = r.u32("cpg partial")?;
                r.pad(4, "cpg partial", pads)?;
                let pid = r.u32("cpg partial")?;
                r.pad(4, "cpg partial", pads)?;
                let msg_type = r.u32("cpg partial")?;
                r.pad(4, "cpg partial", pads)?;
                let source = MessageSource::read(r)?;
                if fraglen as usize != r.remaining() {
                    return Err(WireError::LengthMismatch {
                        what: "cpg partial mcast",
                        declared: fraglen as u64,
                        actual: r.remaining() as u64,
                    });
                }
                ServiceMessage::CpgPartialMcast(CpgPartialMcast {
                    group_name,
                    msglen,
                    pid,
                    msg_type,
                    source,
                    fragment: r.rest().to_vec(),
                })
            }
            (VQ, 0) => {
                fixed(l::VQ_NODEINFO_SIZE, "votequorum nodeinfo")?;
                ServiceMessage::VqNodeInfo(VqNodeInfo {
                    nodeid: r.u32("nodeinfo")?,
                    votes: r.u32("nodeinfo")?,
                    expected_votes: r.u32("nodeinfo")?,
                    flags: r.u32("nodeinfo")?,
                })
            }
            (VQ, 1) => {
                fixed(l::VQ_RECONFIGURE_SIZE, "votequorum reconfigure")?;
                let nodeid = r.u32("reconfigure")?;
                let value = r.u32("reconfigure")?;
                let param = r.u8("reconfigure")?;
                r.pad(3, "reconfigure", pads)?;
                ServiceMessage::VqReconfigure(VqReconfigure {
                    nodeid,
                    value,
                    param,
                })
            }
            (VQ, 2) => {
                fixed(l::VQ_QDEVICE_REG_SIZE, "votequorum qdevice_reg")?;
                ServiceMessage::VqQdeviceReg {
                    operation: r.u32("qdevice_reg")?,
                    name: fixed_name(r, l::VQ_QDEVICE_NAME_LEN, "qdevice_reg")?,
                }
            }
            (VQ, 3) => {
                fixed(
                    l::VQ_QDEVICE_RECONFIGURE_SIZE,
                    "votequorum qdevice_reconfigure",
                )?;
                ServiceMessage::VqQdeviceReconfigure {
                    oldname: fixed_name(r, l::VQ_QDEVICE_NAME_LEN, "qdevice_reconfigure")?,
                    newname: fixed_name(r, l::VQ_QDEVICE_NAME_LEN, "qdevice_reconfigure")?,
                }
            }
            (CMAP, 0) => {
                let reason = r.u8("cmap mcast")?;
                r.pad(7, "cmap mcast", pads)?;
                let n = r.u8("cmap mcast")?;
                r.pad_to(start + l::CMAP_MCAST_SIZE, "cmap mcast", pads)?;
                let mut items = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    let istart = r.position();
                    let key_name = MarName::read(r)?;
                    let value_type = r.u8("cmap item")?;
                    r.pad(7, "cmap item", pads)?;
                    let len = r.u64("cmap item")?;
                    if len > r.remaining() as u64 {
                        return Err(WireError::BadCount {
                            what: "cmap value_len",
                            count: len,
                        });
                    }
                    let value = r.take(len as usize, "cmap value")?.to_vec();
                    r.pad_to(
                        istart + align8(l::CMAP_MCAST_ITEM_SIZE + len as usize),
                        "cmap item padding",
                        pads,
                    )?;
                    items.push(CmapItem {
                        key_name,
                        value_type,
                        value,
                    });
                }
                ServiceMessage::CmapMcast(CmapMcast { reason, items })
            }
            (CFG, 0) | (CFG, 3) => {
                fixed(l::CFG_SOURCE_MSG_SIZE, "cfg message")?;
                let s = MessageSource::read(r)?;
                if func == 0 {
                    ServiceMessage::CfgRingReenable(s)
                } else {
                    ServiceMessage::CfgReloadConfig(s)
                }
            }
            (CFG, 1) => {
                fixed(l::CFG_KILLNODE_SIZE, "cfg killnode")?;
                let nodeid = r.u32("cfg killnode")?;
                r.pad(4, "cfg killnode", pads)?;
                ServiceMessage::CfgKillNode {
                    nodeid,
                    reason: MarName::read(r)?,
                }
            }
            (CFG, 2) => {
                fixed(l::CFG_SHUTDOWN_SIZE, "cfg shutdown")?;
                ServiceMessage::CfgShutdown
            }
            (CFG, 4) => {
                fixed(l::CFG_CRYPTO_RECONFIG_SIZE, "cfg crypto_reconfig")?;
                let phase = r.u32("crypto_reconfig")?;
                r.pad(4, "crypto_reconfig", pads)?;
                ServiceMessage::CfgCryptoReconfig { phase }
            }
            _ => ServiceMessage::Other {
                header,
                body: r.rest().to_vec(),
            },
        };
        r.pad_to(start + total, "service message padding", pads)?;
        Ok((header, msg))
    }
}
