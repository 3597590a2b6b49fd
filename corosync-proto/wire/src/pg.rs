//! totempg framing (totempg.c): the 8-byte frame header with the lengths of
//! the messages packed in one MCAST, and the group header every packed
//! message starts with.
//!
//! These travel inside an MCAST, in the MCAST sender's byte order: pass the
//! byte order of the enclosing [`crate::srp::Header`].

use crate::codec::{Codec, Reader, WireError, Writer};

/// Group name of the service engines' messages ("a").
pub const GROUP_SERVICES: &[u8] = b"a";
/// Group name of the sync engine's messages ("sync").
pub const GROUP_SYNC: &[u8] = b"sync";

/// One totempg frame: some whole messages and possibly the start or end of a
/// fragmented one.
///
/// `fragmented != 0` means the last message is incomplete and continues in
/// the next frame from the same sender, whose `continuation` then equals this
/// `fragmented` value.
#[doc(alias = "totempg_mcast")]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PgFrame {
    /// Always 0.
    pub version: i16,
    /// Always 0.
    pub msg_type: i16,
    /// Non-zero when the last piece continues in the next frame.
    pub fragmented: u8,
    /// Non-zero when the first piece continues the previous frame's last.
    pub continuation: u8,
    /// Length of each piece.
    pub lens: Vec<u16>,
    /// The pieces, back to back.
    pub data: Vec<u8>,
}

impl PgFrame {
    /// The pieces as slices.
    pub fn pieces(&self) -> impl Iterator<Item = &[u8]> {
        let mut off = 0usize;
        self.lens.iter().map(move |&l| {
            let s = &self.data[off..off + l as usize];
            off += l as usize;
            s
        })
    }
}

impl Codec for PgFrame {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.version as u16);
        w.u16(self.msg_type as u16);
        w.u8(self.fragmented);
        w.u8(self.continuation);
        w.u16(self.lens.len() as u16);
        for l in &self.lens {
            w.u16(*l);
        }
        w.bytes(&self.data);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let version = r.u16("totempg_mcast")? as i16;
        let msg_type = r.u16("totempg_mcast")? as i16;
        let fragmented = r.u8("totempg_mcast")?;
        let continuation = r.u8("totempg_mcast")?;
        let n = r.u16("totempg_mcast")?;
        if n as usize * 2 > r.remaining() {
            return Err(WireError::BadCount {
                what: "totempg msg_count",
                count: n as u64,
            });
        }
        let lens = (0..n)
            .map(|_| r.u16("totempg lens"))
            .collect::<Result<Vec<_>, _>>()?;
        let data = r.rest().to_vec();
        let declared: u64 = lens.iter().map(|&l| l as u64).sum();
        if declared != data.len() as u64 {
            return Err(WireError::LengthMismatch {
                what: "totempg frame",
                declared,
                actual: data.len() as u64,
            });
        }
        Ok(PgFrame {
            version,
            msg_type,
            fragmented,
            continuation,
            lens,
            data,
        })
    }
}

/// A reassembled totempg message: the groups it is addressed to and the body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupMessage {
    /// Group names (corosync always sends exactly one).
    pub groups: Vec<Vec<u8>>,
    /// What the group's deliver function gets.
    pub body: Vec<u8>,
}

impl GroupMessage {
    /// A message to one group.
    pub fn new(group: &[u8], body: Vec<u8>) -> Self {
        GroupMessage {
            groups: vec![group.to_vec()],
            body,
        }
    }

    /// True when addressed to `group`.
    pub fn is_for(&self, group: &[u8]) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

impl Codec for GroupMessage {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.groups.len() as u16);
        for g in &self.groups {
            w.u16(g.len() as u16);
        }
        for g in &self.groups {
            w.bytes(g);
        }
        w.bytes(&self.body);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let n = r.u16("group header")?;
        if n as usize * 2 > r.remaining() {
            return Err(WireError::BadCount {
                what: "group count",
                count: n as u64,
            });
        }
        let lens = (0..n)
            .map(|_| r.u16("group lens"))
            .collect::<Result<Vec<_>, _>>()?;
        let groups = lens
            .iter()
            .map(|&l| r.take(l as usize, "group name").map(<[u8]>::to_vec))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GroupMessage {
            groups,
            body: r.rest().to_vec(),
        })
    }
}
