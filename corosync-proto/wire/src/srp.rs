//! Totem SRP messages (totemsrp.c): the ORF token, MCAST, MERGE_DETECT,
//! JOIN (and LEAVE, a JOIN with header nodeid 0), the commit token and
//! TOKEN_HOLD_CANCEL.
//!
//! All structures are packed; offsets are in [`crate::layout`]. The byte
//! order of a message is given by its header magic and kept in
//! [`Header::endian`], so re-encoding a decoded message gives back the same
//! bytes.

use crate::codec::{Codec, Endian, Reader, WireError, Writer};
use crate::layout;

/// Magic at offset 0 of every Totem message, in the sender's byte order.
pub const TOTEM_MH_MAGIC: u16 = 0xC070;
/// The only header version corosync 3.x sends or accepts.
pub const TOTEM_MH_VERSION: u8 = 3;
/// Most retransmit entries a token may carry (RETRANSMIT_ENTRIES_MAX); 3.1.7
/// copies the token into a fixed buffer, so never send more.
pub const RETRANSMIT_ENTRIES_MAX: usize = 30;
/// Header nodeid of a LEAVE message (LEAVE_DUMMY_NODEID).
pub const LEAVE_DUMMY_NODEID: u32 = 0;
/// `encapsulated` value of an ordinary MCAST (MESSAGE_NOT_ENCAPSULATED).
pub const MESSAGE_NOT_ENCAPSULATED: u8 = 2;
/// `encapsulated` value of a recovery MCAST carrying an old-ring MCAST.
pub const MESSAGE_ENCAPSULATED: u8 = 1;

/// Identifier of a ring: the representative's nodeid and a sequence number.
/// Corosync compares ring ids bytewise, i.e. for equality only.
#[doc(alias = "memb_ring_id")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct RingId {
    /// Nodeid of the ring's representative (lowest nodeid of the ring).
    pub rep: u32,
    /// Ring sequence; grows by 4 per new ring.
    pub seq: u64,
}

impl Codec for RingId {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.rep);
        w.u64(self.seq);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(RingId {
            rep: r.u32("ring_id.rep")?,
            seq: r.u64("ring_id.seq")?,
        })
    }
}

/// Totem message types (the `type` byte of the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    /// Ordering, reliability and flow control token.
    #[doc(alias = "MESSAGE_TYPE_ORF_TOKEN")]
    OrfToken = 0,
    /// Ring-ordered multicast.
    #[doc(alias = "MESSAGE_TYPE_MCAST")]
    Mcast = 1,
    /// Representative's announcement that other rings may merge.
    #[doc(alias = "MESSAGE_TYPE_MEMB_MERGE_DETECT")]
    MergeDetect = 2,
    /// Membership join (or leave).
    #[doc(alias = "MESSAGE_TYPE_MEMB_JOIN")]
    MembJoin = 3,
    /// Membership commit token.
    #[doc(alias = "MESSAGE_TYPE_MEMB_COMMIT_TOKEN")]
    CommitToken = 4,
    /// Ask the representative to stop holding the token.
    #[doc(alias = "MESSAGE_TYPE_TOKEN_HOLD_CANCEL")]
    TokenHoldCancel = 5,
}

impl MessageType {
    /// The type for a header byte.
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => MessageType::OrfToken,
            1 => MessageType::Mcast,
            2 => MessageType::MergeDetect,
            3 => MessageType::MembJoin,
            4 => MessageType::CommitToken,
            5 => MessageType::TokenHoldCancel,
            _ => return None,
        })
    }
}

/// The 13-byte header common to every Totem message (type excluded: it is
/// the [`SrpMessage`] variant).
#[doc(alias = "totem_message_header")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Byte order of the whole message, from the magic.
    pub endian: Endian,
    /// 2 for a normal MCAST, 1 for a recovery MCAST, 0 otherwise.
    pub encapsulated: u8,
    /// Sender's nodeid (0 in a LEAVE).
    pub nodeid: u32,
    /// Destination nodeid, set only by knet; uninitialised on udp/udpu.
    pub target_nodeid: u32,
}

impl Header {
    /// A little-endian header from `nodeid` with `encapsulated` 0.
    pub fn new(nodeid: u32) -> Self {
        Header {
            endian: Endian::Little,
            encapsulated: 0,
            nodeid,
            target_nodeid: 0,
        }
    }

    fn encode(&self, ty: MessageType, w: &mut Writer) {
        w.set_endian(self.endian);
        w.u16(TOTEM_MH_MAGIC);
        w.u8(TOTEM_MH_VERSION);
        w.u8(ty as u8);
        w.u8(self.encapsulated);
        w.u32(self.nodeid);
        w.u32(self.target_nodeid);
    }

    /// Read a header, detecting the byte order from the magic, and return it
    /// with the message type byte. The reader's byte order is set.
    pub fn read(r: &mut Reader<'_>) -> Result<(Header, MessageType), WireError> {
        let magic = r.take(2, "totem header")?;
        let endian = match magic {
            [0x70, 0xc0] => Endian::Little,
            [0xc0, 0x70] => Endian::Big,
            m => return Err(WireError::BadMagic(u16::from_le_bytes([m[0], m[1]]))),
        };
        r.set_endian(endian);
        let version = r.u8("totem header")?;
        if version != TOTEM_MH_VERSION {
            return Err(WireError::BadVersion(version));
        }
        let ty = r.u8("totem header")?;
        let ty = MessageType::from_u8(ty).ok_or(WireError::UnknownMessageType(ty))?;
        Ok((
            Header {
                endian,
                encapsulated: r.u8("totem header")?,
                nodeid: r.u32("totem header")?,
                target_nodeid: r.u32("totem header")?,
            },
            ty,
        ))
    }
}

/// One entry of the token's retransmit list.
#[doc(alias = "rtr_item")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtrItem {
    /// Ring the missing message belongs to.
    pub ring_id: RingId,
    /// Its sequence number.
    pub seq: u32,
}

/// The ORF token.
#[doc(alias = "orf_token")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrfToken {
    /// Common header.
    pub header: Header,
    /// Highest sequence number assigned on this ring.
    pub seq: u32,
    /// Token rotation counter (drops duplicates).
    pub token_seq: u32,
    /// All-received-up-to.
    pub aru: u32,
    /// Node that last lowered `aru` (0 when aru == seq).
    pub aru_addr: u32,
    /// Ring the token belongs to.
    pub ring_id: RingId,
    /// Sum of the nodes' send backlogs.
    pub backlog: u32,
    /// Messages sent during the last rotation.
    pub fcc: u32,
    /// Set while old-ring messages are being retransmitted in recovery.
    pub retrans_flg: i32,
    /// Messages some node is missing.
    pub rtr_list: Vec<RtrItem>,
}

/// A ring-ordered multicast; `payload` is a totempg frame, or for a
/// recovery MCAST (`header.encapsulated == 1`) a whole old-ring MCAST.
#[doc(alias = "mcast")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mcast {
    /// Common header.
    pub header: Header,
    /// Originator.
    pub system_from: u32,
    /// Ring sequence number.
    pub seq: u32,
    /// Sender-global counter (informational).
    pub this_seqno: i32,
    /// Ring of `seq`.
    pub ring_id: RingId,
    /// Always 0 in 3.x.
    pub node_id: u32,
    /// Delivery guarantee asked for (always 0 from totempg).
    pub guarantee: i32,
    /// What follows the 45-byte header.
    pub payload: Vec<u8>,
}

impl Mcast {
    /// For a recovery MCAST, the encapsulated old-ring MCAST.
    pub fn inner(&self) -> Result<Mcast, WireError> {
        match SrpMessage::decode(&self.payload)? {
            SrpMessage::Mcast(m) => Ok(m),
            _ => Err(WireError::UnknownMessageType(
                self.payload.get(3).copied().unwrap_or(0xff),
            )),
        }
    }
}

/// The representative's periodic "is anyone else out there" message.
#[doc(alias = "memb_merge_detect")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeDetect {
    /// Common header.
    pub header: Header,
    /// Sender.
    pub system_from: u32,
    /// Sender's ring.
    pub ring_id: RingId,
}

/// A JOIN; with `header.nodeid == 0` it is a LEAVE whose sender is the last
/// entry of `failed_list`.
#[doc(alias = "memb_join")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembJoin {
    /// Common header.
    pub header: Header,
    /// Sender.
    pub system_from: u32,
    /// Nodes the sender considers candidates for the new ring.
    pub proc_list: Vec<u32>,
    /// Nodes the sender considers failed.
    pub failed_list: Vec<u32>,
    /// Highest ring sequence the sender has seen.
    pub ring_seq: u64,
}

impl MembJoin {
    /// True when this is a LEAVE (header nodeid 0).
    pub fn is_leave(&self) -> bool {
        self.header.nodeid == LEAVE_DUMMY_NODEID
    }
}

/// One member's entry in the commit token.
#[doc(alias = "memb_commit_token_memb_entry")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CommitMembEntry {
    /// The member's previous ring.
    pub ring_id: RingId,
    /// Its aru on that ring.
    pub aru: u32,
    /// Highest message it delivered.
    pub high_delivered: u32,
    /// Whether it received everything up to its high sequence.
    pub received_flg: u32,
}

/// The commit token that installs a new ring.
#[doc(alias = "memb_commit_token")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitToken {
    /// Common header.
    pub header: Header,
    /// Hop counter.
    pub token_seq: u32,
    /// The new ring.
    pub ring_id: RingId,
    /// Unused by 3.x, carried.
    pub retrans_flg: u32,
    /// Index of the next member to fill its entry.
    pub memb_index: i32,
    /// New members, ascending nodeid.
    pub addr: Vec<u32>,
    /// One entry per member, same order.
    pub memb_list: Vec<CommitMembEntry>,
}

/// Asks the representative to release a held token.
#[doc(alias = "token_hold_cancel")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHoldCancel {
    /// Common header.
    pub header: Header,
    /// Ring of the held token.
    pub ring_id: RingId,
}

/// Any Totem SRP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SrpMessage {
    /// Type 0.
    OrfToken(OrfToken),
    /// Type 1.
    Mcast(Mcast),
    /// Type 2.
    MergeDetect(MergeDetect),
    /// Type 3.
    MembJoin(MembJoin),
    /// Type 4.
    CommitToken(CommitToken),
    /// Type 5.
    TokenHoldCancel(TokenHoldCancel),
}

impl SrpMessage {
    /// The message's header.
    pub fn header(&self) -> &Header {
        match self {
            SrpMessage::OrfToken(m) => &m.header,
            SrpMessage::Mcast(m) => &m.header,
            SrpMessage::MergeDetect(m) => &m.header,
            SrpMessage::MembJoin(m) => &m.header,
            SrpMessage::CommitToken(m) => &m.header,
            SrpMessage::TokenHoldCancel(m) => &m.header,
        }
    }

    /// The message's type.
    pub fn message_type(&self) -> MessageType {
        match self {
            SrpMessage::OrfToken(_) => MessageType::OrfToken,
            SrpMessage::Mcast(_) => MessageType::Mcast,
            SrpMessage::MergeDetect(_) => MessageType::MergeDetect,
            SrpMessage::MembJoin(_) => MessageType::MembJoin,
            SrpMessage::CommitToken(_) => MessageType::CommitToken,
            SrpMessage::TokenHoldCancel(_) => MessageType::TokenHoldCancel,
        }
    }

    /// Decode one datagram. Fixed-size messages must have no trailing
    /// bytes; variable ones must hold exactly their announced entries.
    pub fn decode(bytes: &[u8]) -> Result<SrpMessage, WireError> {
        let mut r = Reader::new(bytes, Endian::Little);
        let (header, ty) = Header::read(&mut r)?;
        let msg = match ty {
            MessageType::OrfToken => {
                let seq = r.u32("orf_token")?;
                let token_seq = r.u32("orf_token")?;
                let aru = r.u32("orf_token")?;
                let aru_addr = r.u32("orf_token")?;
                let ring_id = RingId::read(&mut r)?;
                let backlog = r.u32("orf_token")?;
                let fcc = r.u32("orf_token")?;
                let retrans_flg = r.i32("orf_token")?;
                let n = r.u32("orf_token")?;
                if n as u64 * layout::RTR_ITEM_SIZE as u64 > r.remaining() as u64 {
                    return Err(WireError::BadCount {
                        what: "rtr_list_entries",
                        count: n as u64,
                    });
                }
                let mut rtr_list = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    rtr_list.push(RtrItem {
                        ring_id: RingId::read(&mut r)?,
                        seq: r.u32("rtr_item")?,
                    });
                }
                SrpMessage::OrfToken(OrfToken {
                    header,
                    seq,
                    token_seq,
                    aru,
                    aru_addr,
                    ring_id,
                    backlog,
                    fcc,
                    retrans_flg,
                    rtr_list,
                })
            }
            MessageType::Mcast => {
                let system_from = r.u32("mcast")?;
                let seq = r.u32("mcast")?;
                let this_seqno = r.i32("mcast")?;
                let ring_id = RingId::read(&mut r)?;
                let node_id = r.u32("mcast")?;
                let guarantee = r.i32("mcast")?;
                return Ok(SrpMessage::Mcast(Mcast {
                    header,
                    system_from,
                    seq,
                    this_seqno,
                    ring_id,
                    node_id,
                    guarantee,
                    payload: r.rest().to_vec(),
                }));
            }
            MessageType::MergeDetect => SrpMessage::MergeDetect(MergeDetect {
                header,
                system_from: r.u32("memb_merge_detect")?,
                ring_id: RingId::read(&mut r)?,
            }),
            MessageType::MembJoin => {
                let system_from = r.u32("memb_join")?;
                let np = r.u32("memb_join")?;
                let nf = r.u32("memb_join")?;
                let ring_seq = r.u64("memb_join")?;
                let proc_list = r.u32_list(np as u64, "proc_list_entries")?;
                let failed_list = r.u32_list(nf as u64, "failed_list_entries")?;
                SrpMessage::MembJoin(MembJoin {
                    header,
                    system_from,
                    proc_list,
                    failed_list,
                    ring_seq,
                })
            }
            MessageType::CommitToken => {
                let token_seq = r.u32("memb_commit_token")?;
                let ring_id = RingId::read(&mut r)?;
                let retrans_flg = r.u32("memb_commit_token")?;
                let memb_index = r.i32("memb_commit_token")?;
                let n = r.u32("memb_commit_token")?;
                let per = 4 + layout::COMMIT_MEMB_ENTRY_SIZE as u64;
                if n as u64 * per > r.remaining() as u64 {
                    return Err(WireError::BadCount {
                        what: "addr_entries",
                        count: n as u64,
                    });
                }
                let addr = r.u32_list(n as u64, "addr_entries")?;
                let mut memb_list = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    memb_list.push(CommitMembEntry {
                        ring_id: RingId::read(&mut r)?,
                        aru: r.u32("memb_entry")?,
                        high_delivered: r.u32("memb_entry")?,
                        received_flg: r.u32("memb_entry")?,
                    });
                }
                SrpMessage::CommitToken(CommitToken {
                    header,
                    token_seq,
                    ring_id,
                    retrans_flg,
                    memb_index,
                    addr,
                    memb_list,
                })
            }
            MessageType::TokenHoldCancel => SrpMessage::TokenHoldCancel(TokenHoldCancel {
                header,
                ring_id: RingId::read(&mut r)?,
            }),
        };
        r.expect_end("totem message")?;
        Ok(msg)
    }

    /// Encode in the byte order recorded in the header.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(self.header().endian);
        self.header().encode(self.message_type(), &mut w);
        match self {
            SrpMessage::OrfToken(t) => {
                w.u32(t.seq);
                w.u32(t.token_seq);
                w.u32(t.aru);
                w.u32(t.aru_addr);
                t.ring_id.encode(&mut w);
                w.u32(t.backlog);
                w.u32(t.fcc);
                w.i32(t.retrans_flg);
                w.u32(t.rtr_list.len() as u32);
                for i in &t.rtr_list {
                    i.ring_id.encode(&mut w);
                    w.u32(i.seq);
                }
            }
            SrpMessage::Mcast(m) => {
                w.u32(m.system_from);
                w.u32(m.seq);
                w.i32(m.this_seqno);
                m.ring_id.encode(&mut w);
                w.u32(m.node_id);
                w.i32(m.guarantee);
                w.bytes(&m.payload);
            }
            SrpMessage::MergeDetect(m) => {
                w.u32(m.system_from);
                m.ring_id.encode(&mut w);
            }
            SrpMessage::MembJoin(j) => {
                w.u32(j.system_from);
                w.u32(j.proc_list.len() as u32);
                w.u32(j.failed_list.len() as u32);
                w.u64(j.ring_seq);
                for n in j.proc_list.iter().chain(&j.failed_list) {
                    w.u32(*n);
                }
            }
            SrpMessage::CommitToken(c) => {
                w.u32(c.token_seq);
                c.ring_id.encode(&mut w);
                w.u32(c.retrans_flg);
                w.i32(c.memb_index);
                w.u32(c.addr.len() as u32);
                for a in &c.addr {
                    w.u32(*a);
                }
                // One entry per address; a missing entry goes out zeroed,
                // as corosync sends entries not yet filled in.
                for i in 0..c.addr.len() {
                    let e = c.memb_list.get(i).copied().unwrap_or_default();
                    e.ring_id.encode(&mut w);
                    w.u32(e.aru);
                    w.u32(e.high_delivered);
                    w.u32(e.received_flg);
                }
            }
            SrpMessage::TokenHoldCancel(t) => t.ring_id.encode(&mut w),
        }
        w.into_bytes()
    }
}
