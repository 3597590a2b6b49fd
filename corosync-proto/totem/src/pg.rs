//! totempg (totempg.c): packs application messages into MCAST payloads,
//! fragments large ones, and reassembles them per sender on delivery.

use std::collections::BTreeMap;

use totem_wire::{Endian, Reader, WireError};

use crate::srp::NodeId;

/// sizeof(struct totempg_mcast).
pub const HEADER_SIZE: usize = 8;
/// Two MCAST headers are reserved from netmtu (totemsrp_net_mtu_adjust).
pub const MTU_RESERVED: usize = 2 * totem_wire::layout::MCAST_SIZE;
/// Largest reassembled message (MESSAGE_SIZE_MAX).
pub const MESSAGE_SIZE_MAX: usize = 1024 * 1024;

/// The sending side: the frame being packed and the fragment counters.
#[derive(Debug, Clone)]
pub struct Packer {
    packet_size: usize,
    net_mtu: usize,
    lens: Vec<u16>,
    current_len: u16,
    data: Vec<u8>,
    fragment_continuation: u8,
    next_fragment: u8,
}

/// Not enough room in the SRP queue for the message (TRY_AGAIN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRoom;

impl Packer {
    /// A packer for `netmtu` (1500 for udp/udpu).
    pub fn new(netmtu: usize) -> Self {
        let net_mtu = netmtu.saturating_sub(MTU_RESERVED);
        Packer {
            packet_size: net_mtu.saturating_sub(HEADER_SIZE),
            net_mtu,
            lens: Vec::new(),
            current_len: 0,
            data: Vec::new(),
            fragment_continuation: 0,
            next_fragment: 1,
        }
    }

    /// Messages already packed in the pending frame.
    pub fn packed(&self) -> usize {
        self.lens.len()
    }

    fn frame(&self, fragmented: u8, continuation: u8, lens: &[u16], data: &[u8]) -> Vec<u8> {
        let mut f = Vec::with_capacity(HEADER_SIZE + 2 * lens.len() + data.len());
        let e = Endian::NATIVE;
        let put16 = |f: &mut Vec<u8>, v: u16| match e {
            Endian::Little => f.extend_from_slice(&v.to_le_bytes()),
            Endian::Big => f.extend_from_slice(&v.to_be_bytes()),
        };
        put16(&mut f, 0);
        put16(&mut f, 0);
        f.push(fragmented);
        f.push(continuation);
        put16(&mut f, lens.len() as u16);
        for l in lens {
            put16(&mut f, *l);
        }
        f.extend_from_slice(data);
        f
    }

    /// byte_count_send_ok: whether `avail` queue slots can take `bytes`.
    pub fn byte_count_send_ok(&self, bytes: usize, avail: usize) -> bool {
        let per = self.net_mtu.saturating_sub(HEADER_SIZE + 16).max(1);
        avail > bytes / per
    }

    /// Pack one message given as the iovecs the reference would pass
    /// (group length array, group names, then the caller's pieces); returns
    /// the frames that became full and must be queued in SRP now.
    #[doc(alias = "mcast_msg")]
    pub fn pack(&mut self, iovecs: &[&[u8]], avail: usize) -> Result<Vec<Vec<u8>>, NoRoom> {
        let iov: Vec<&[u8]> = iovecs.iter().copied().filter(|v| !v.is_empty()).collect();
        let total: usize = iov.iter().map(|v| v.len()).sum();
        if !self.byte_count_send_ok(total + 2 * self.lens.len(), avail) {
            return Err(NoRoom);
        }
        let mut out = Vec::new();
        let mut max_packet = self.packet_size.saturating_sub(2 * (self.lens.len() + 1));
        self.current_len = 0;
        let (mut i, mut copy_base) = (0usize, 0usize);
        while i < iov.len() {
            let continuation = self.fragment_continuation;
            let mut copy_len = iov[i].len() - copy_base;
            if iov[i].len() + self.data.len() < max_packet.saturating_sub(2) {
                self.data.extend_from_slice(&iov[i][copy_base..]);
                self.current_len = self.current_len.wrapping_add(copy_len as u16);
                self.next_fragment = 1;
                copy_base = 0;
                i += 1;
                continue;
            }
            copy_len = copy_len.min(max_packet.saturating_sub(self.data.len()));
            self.data
                .extend_from_slice(&iov[i][copy_base..copy_base + copy_len]);
            self.current_len = self.current_len.wrapping_add(copy_len as u16);
            let fragmented = if i < iov.len() - 1 || copy_base + copy_len < iov[i].len() {
                if self.next_fragment == 0 {
                    self.next_fragment = 1;
                }
                self.fragment_continuation = self.next_fragment;
                let f = self.next_fragment;
                self.next_fragment = self.next_fragment.wrapping_add(1);
                f
            } else {
                self.fragment_continuation = 0;
                0
            };
            self.lens.push(self.current_len);
            out.push(self.frame(fragmented, continuation, &self.lens, &self.data));
            self.lens.clear();
            self.current_len = 0;
            self.data.clear();
            max_packet = self.packet_size.saturating_sub(2);
            if copy_base + copy_len == iov[i].len() {
                copy_base = 0;
                i += 1;
            } else {
                copy_base += copy_len;
            }
        }
        if self.current_len != 0 {
            self.lens.push(self.current_len);
            self.current_len = 0;
        }
        Ok(out)
    }

    /// On token receipt: the pending frame of whole messages, if any
    /// (callback_token_received_fn).
    #[doc(alias = "callback_token_received_fn")]
    pub fn flush(&mut self, avail: usize) -> Option<Vec<u8>> {
        if self.lens.is_empty() || avail == 0 {
            return None;
        }
        let f = self.frame(0, self.fragment_continuation, &self.lens, &self.data);
        self.fragment_continuation = 0;
        self.lens.clear();
        self.data.clear();
        Some(f)
    }
}

#[derive(Debug, Clone, Default)]
struct Assembly {
    data: Vec<u8>,
    index: usize,
    last_frag_num: u8,
    throw_away: bool,
}

/// The receiving side: one assembly per sender (two sets, as the reference
/// keeps separate lists while waiting for the transitional ack).
#[derive(Debug, Clone, Default)]
pub struct Assembler {
    normal: BTreeMap<NodeId, Assembly>,
    trans: BTreeMap<NodeId, Assembly>,
}

impl Assembler {
    /// Forget a node's partial messages (it left).
    pub fn node_left(&mut self, nodeid: NodeId) {
        self.normal.remove(&nodeid);
        self.trans.remove(&nodeid);
    }

    /// Feed one delivered MCAST payload; returns the complete messages
    /// (each starting with its group header) in order.
    #[doc(alias = "totempg_deliver_fn")]
    pub fn deliver(
        &mut self,
        nodeid: NodeId,
        payload: &[u8],
        endian: Endian,
        waiting_trans_ack: bool,
    ) -> Result<Vec<Vec<u8>>, WireError> {
        let mut r = Reader::new(payload, endian);
        r.skip(4, "totempg_mcast")?;
        let fragmented = r.u8("totempg_mcast")?;
        let continuation = r.u8("totempg_mcast")?;
        let count = r.u16("totempg_mcast")? as usize;
        let lens = (0..count)
            .map(|_| r.u16("totempg lens").map(|l| l as usize))
            .collect::<Result<Vec<_>, _>>()?;
        let body = r.rest();
        let expected: usize = lens.iter().sum();
        if expected != body.len() {
            return Err(WireError::LengthMismatch {
                what: "totempg frame",
                declared: expected as u64,
                actual: body.len() as u64,
            });
        }
        let map = if waiting_trans_ack {
            &mut self.trans
        } else {
            &mut self.normal
        };
        let a = map.entry(nodeid).or_default();
        if a.index + body.len() > MESSAGE_SIZE_MAX + 65536 {
            // The reference asserts here; drop the sender's partial message.
            map.remove(&nodeid);
            return Ok(Vec::new());
        }
        a.data.truncate(a.index);
        a.data.extend_from_slice(body);
        let msg_count = if fragmented != 0 {
            count.saturating_sub(1)
        } else {
            count
        };
        let mut out = Vec::new();
        let first_len = lens.first().copied().unwrap_or(0);
        let (mut start_off, mut cur_len) = (0usize, a.index + first_len);
        let mut start = 0;
        if a.throw_away {
            if fragmented == 0 || fragmented == 1 {
                a.throw_away = false;
                a.index += first_len;
                start_off = a.index;
                cur_len = lens.get(1).copied().unwrap_or(0);
                start = 1;
                let _ = (start_off, cur_len, start);
            }
        } else if continuation == a.last_frag_num {
            a.last_frag_num = fragmented;
            for i in start..msg_count {
                out.push(a.data[start_off..start_off + cur_len].to_vec());
                a.index += lens[i];
                start_off = a.index;
                if i + 1 < msg_count {
                    cur_len = lens[i + 1];
                }
            }
        } else {
            a.throw_away = true;
        }
        if fragmented == 0 {
            map.remove(&nodeid);
        } else {
            let last = lens.get(msg_count).copied().unwrap_or(0);
            if count > 1 {
                let from = a.index;
                a.data.copy_within(from..from + last, 0);
                a.index = 0;
            }
            a.index += last;
            a.data.truncate(a.index);
        }
        Ok(out)
    }
}
