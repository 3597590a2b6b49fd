//! The envelope Pacemaker's daemons put around every message they send
//! each other over CPG (`pcmk__cpg_msg_t`, lib/cluster/cpg.c), sans-IO:
//! encoding with bzip2 from 128 KiB, the sanity checks on receipt, and the
//! host/sender filtering of `pcmk_message_common_cs`.
//!
//! Layout (packed, native byte order, 592-byte header): libqb response
//! header (`id` = message class 0, `size` = total, `error` = CS_OK) @0,
//! `id` (per-process sequence) @24, `is_compressed` @28, `host` @32,
//! `sender` @308, `size` (text with NUL) @584, `compressed_size` @588,
//! data @592. Each host is `id`, `pid`, `local`, `type`, `size` (u32 each)
//! and `uname[256]`: 276 bytes.

use std::fmt;

use crate::bz2;
use crate::error::MessageError;

/// `sizeof(pcmk__cpg_msg_t)`.
#[doc(alias = "pcmk__cpg_msg_t")]
pub const HEADER_SIZE: usize = 592;
/// `sizeof(pcmk__cpg_host_t)`.
#[doc(alias = "pcmk__cpg_host_t")]
pub const HOST_SIZE: usize = 276;
/// `MAX_NAME`: the size of a host's `uname` field.
pub const MAX_NAME: usize = 256;
/// Offset of the sequence number.
pub const ID_OFFSET: usize = 24;
/// Offset of `is_compressed`.
pub const IS_COMPRESSED_OFFSET: usize = 28;
/// Offset of `host`.
pub const HOST_OFFSET: usize = 32;
/// Offset of `sender`.
pub const SENDER_OFFSET: usize = HOST_OFFSET + HOST_SIZE;
/// Offset of `size`.
pub const SIZE_OFFSET: usize = SENDER_OFFSET + HOST_SIZE;
/// Offset of `compressed_size`.
pub const COMPRESSED_SIZE_OFFSET: usize = SIZE_OFFSET + 4;
/// Offset of `uname` inside a host.
pub const HOST_UNAME_OFFSET: usize = 20;
/// Payloads of at least this many bytes (NUL included) are compressed
/// (`CRM_BZ2_THRESHOLD`).
#[doc(alias = "CRM_BZ2_THRESHOLD")]
pub const BZ2_THRESHOLD: usize = 128 * 1024;
/// `CS_OK`, the only acceptable value of the header's `error`.
pub const CS_OK: i32 = 1;
/// `crm_class_cluster`, the only message class.
pub const CLASS_CLUSTER: i32 = 0;

/// `enum crm_ais_msg_types`: which daemon a message is for or from.
/// Transient clients use their pid (any value above 9).
#[doc(alias = "crm_ais_msg_types")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MsgType(pub u32);

impl MsgType {
    /// `crm_msg_none`.
    pub const NONE: MsgType = MsgType(0);
    /// `crm_msg_ais`.
    pub const AIS: MsgType = MsgType(1);
    /// `crm_msg_lrmd`.
    pub const LRMD: MsgType = MsgType(2);
    /// `crm_msg_cib`.
    pub const CIB: MsgType = MsgType(3);
    /// `crm_msg_crmd`.
    pub const CRMD: MsgType = MsgType(4);
    /// `crm_msg_attrd`.
    pub const ATTRD: MsgType = MsgType(5);
    /// `crm_msg_stonithd`.
    pub const STONITHD: MsgType = MsgType(6);
    /// `crm_msg_te`.
    pub const TE: MsgType = MsgType(7);
    /// `crm_msg_pe`.
    pub const PE: MsgType = MsgType(8);
    /// `crm_msg_stonith_ng`.
    pub const STONITH_NG: MsgType = MsgType(9);

    /// `text2msg_type`: a daemon or subsystem name (after the reference's
    /// long-to-short name mapping), else a pid number above 9, else none.
    #[doc(alias = "text2msg_type")]
    pub fn from_name(text: &str) -> MsgType {
        let t = message_name(text);
        let eq = |s: &str| t.eq_ignore_ascii_case(s);
        if eq("ais") {
            MsgType::AIS
        } else if eq("cib") {
            MsgType::CIB
        } else if eq("crmd") || eq("dc") {
            MsgType::CRMD
        } else if eq("tengine") {
            MsgType::TE
        } else if eq("pengine") {
            MsgType::PE
        } else if eq("lrmd") {
            MsgType::LRMD
        } else if eq("stonithd") {
            MsgType::STONITHD
        } else if eq("stonith-ng") {
            MsgType::STONITH_NG
        } else if eq("attrd") {
            MsgType::ATTRD
        } else {
            // sscanf("%d"): leading integer.
            let digits: String = t
                .trim_start()
                .chars()
                .enumerate()
                .take_while(|&(i, c)| c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+')))
                .map(|(_, c)| c)
                .collect();
            match digits.parse::<i64>() {
                Ok(n) if n > 9 && n <= i64::from(u32::MAX) => MsgType(n as u32),
                _ => MsgType::NONE,
            }
        }
    }

    /// `msg_type2text`.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "ais",
            2 => "lrmd",
            3 => "cib",
            4 => "crmd",
            5 => "attrd",
            6 => "stonithd",
            7 => "tengine",
            8 => "pengine",
            9 => "stonith-ng",
            _ => "unknown",
        }
    }
}

/// `pcmk__message_name`: the short (historical) name of a daemon, which is
/// also its CPG group name.
#[doc(alias = "pcmk__message_name")]
pub fn message_name(name: &str) -> &str {
    match name {
        "pacemaker-attrd" => "attrd",
        "pacemaker-based" => "cib",
        "pacemaker-controld" => "crmd",
        "pacemaker-execd" => "lrmd",
        "pacemaker-fenced" => "stonith-ng",
        "pacemaker-schedulerd" => "pengine",
        other => other,
    }
}

/// One end of a message (`pcmk__cpg_host_t`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpgHost {
    /// Corosync node id; 0 = any / unknown.
    pub id: u32,
    /// Process id (the sender's; 0 for destinations).
    pub pid: u32,
    /// `local` flag (never used by the reference).
    pub local: bool,
    /// Daemon type.
    pub msg_type: MsgType,
    /// Node name (its length is the `size` field; empty = none).
    pub uname: String,
}

impl CpgHost {
    fn encode_into(&self, b: &mut [u8]) {
        b[0..4].copy_from_slice(&self.id.to_ne_bytes());
        b[4..8].copy_from_slice(&self.pid.to_ne_bytes());
        b[8..12].copy_from_slice(&i32::from(self.local).to_ne_bytes());
        b[12..16].copy_from_slice(&self.msg_type.0.to_ne_bytes());
        let name = self.uname.as_bytes();
        let n = name.len().min(MAX_NAME - 1);
        b[16..20].copy_from_slice(&(n as u32).to_ne_bytes());
        b[HOST_UNAME_OFFSET..HOST_UNAME_OFFSET + n].copy_from_slice(&name[..n]);
    }

    fn decode(b: &[u8]) -> CpgHost {
        let size = (u32_at(b, 16) as usize).min(MAX_NAME);
        let raw = &b[HOST_UNAME_OFFSET..HOST_UNAME_OFFSET + MAX_NAME];
        // The name is `size` bytes, and C reads it as a string (to its NUL).
        let end = raw[..size].iter().position(|&c| c == 0).unwrap_or(size);
        CpgHost {
            id: u32_at(b, 0),
            pid: u32_at(b, 4),
            local: u32_at(b, 8) != 0,
            msg_type: MsgType(u32_at(b, 12)),
            uname: String::from_utf8_lossy(&raw[..end]).into_owned(),
        }
    }

    /// `ais_dest`: how the reference names an end in logs.
    pub fn describe(&self) -> &str {
        if self.local {
            "local"
        } else if !self.uname.is_empty() {
            &self.uname
        } else {
            "<all>"
        }
    }
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[off..off + 4]);
    u32::from_ne_bytes(w)
}

/// What to send and to whom.
#[derive(Clone, Debug)]
pub struct Outgoing<'a> {
    /// Per-process sequence number (`msg_id`, starts at 1).
    pub seq: u32,
    /// Destination: node id and name (`None` = every node).
    pub to: Option<(u32, Option<&'a str>)>,
    /// Destination daemon.
    pub dest: MsgType,
    /// Sending daemon (its type; transient clients give their pid).
    pub sender_type: MsgType,
    /// Our pid.
    pub sender_pid: u32,
    /// Our node name.
    pub sender_uname: &'a str,
    /// The text (unformatted XML), without NUL.
    pub data: &'a str,
}

/// `send_cluster_text`: build the bytes handed to `cpg_mcast_joined`.
#[doc(alias = "send_cluster_text")]
pub fn encode(o: &Outgoing<'_>) -> Vec<u8> {
    let mut text = Vec::with_capacity(o.data.len() + 1);
    text.extend_from_slice(o.data.as_bytes());
    text.push(0);
    let size = text.len();
    let (compressed, payload) = if size < BZ2_THRESHOLD {
        (false, text)
    } else {
        match bz2::compress(&text, 0) {
            Ok(c) => (true, c),
            Err(_) => (false, text),
        }
    };
    let total = HEADER_SIZE + payload.len();
    let mut b = vec![0u8; HEADER_SIZE];
    b[0..4].copy_from_slice(&CLASS_CLUSTER.to_ne_bytes());
    b[8..12].copy_from_slice(&(total as i32).to_ne_bytes());
    b[16..20].copy_from_slice(&CS_OK.to_ne_bytes());
    b[ID_OFFSET..ID_OFFSET + 4].copy_from_slice(&o.seq.to_ne_bytes());
    b[IS_COMPRESSED_OFFSET..IS_COMPRESSED_OFFSET + 4]
        .copy_from_slice(&i32::from(compressed).to_ne_bytes());
    let host = CpgHost {
        id: o.to.map_or(0, |(id, _)| id),
        pid: 0,
        local: false,
        msg_type: o.dest,
        uname: o.to.and_then(|(_, n)| n).unwrap_or("").to_owned(),
    };
    host.encode_into(&mut b[HOST_OFFSET..HOST_OFFSET + HOST_SIZE]);
    let sender = CpgHost {
        id: 0,
        pid: o.sender_pid,
        local: false,
        msg_type: o.sender_type,
        uname: o.sender_uname.to_owned(),
    };
    sender.encode_into(&mut b[SENDER_OFFSET..SENDER_OFFSET + HOST_SIZE]);
    b[SIZE_OFFSET..SIZE_OFFSET + 4].copy_from_slice(&(size as u32).to_ne_bytes());
    if compressed {
        b[COMPRESSED_SIZE_OFFSET..COMPRESSED_SIZE_OFFSET + 4]
            .copy_from_slice(&(payload.len() as u32).to_ne_bytes());
    }
    b.extend_from_slice(&payload);
    b
}

/// A decoded, sane message (before filtering).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpgMessage {
    /// Message class (the libqb header id; always 0).
    pub class: i32,
    /// Sender's sequence number.
    pub seq: u32,
    /// Destination.
    pub host: CpgHost,
    /// Origin (`id` 0 as sent; filled in from corosync's node id).
    pub sender: CpgHost,
    /// The text without its NUL, decompressed.
    pub data: Vec<u8>,
    /// Whether it travelled compressed.
    pub was_compressed: bool,
}

/// A reason a message is dropped by [`accept`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejected {
    /// The sender claims another node id than corosync reports
    /// ("Nodeid mismatch").
    NodeidMismatch {
        /// Corosync's node id of the sender.
        nodeid: u32,
        /// The id in the message.
        claimed: u32,
    },
    /// Addressed to another node.
    NotForUs,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejected::NodeidMismatch { nodeid, claimed } => {
                write!(f, "Nodeid mismatch from {nodeid}: claimed nodeid={claimed}")
            }
            Rejected::NotForUs => write!(f, "not for us"),
        }
    }
}

/// Decode and check a delivered message (`check_message_sanity`,
/// decompression).
pub fn decode(b: &[u8]) -> Result<CpgMessage, MessageError> {
    if b.len() < HEADER_SIZE {
        return Err(MessageError::Truncated {
            what: "CPG message header",
            need: HEADER_SIZE,
            got: b.len(),
        });
    }
    let class = u32_at(b, 0) as i32;
    let total = u32_at(b, 8) as i32;
    let error = u32_at(b, 16) as i32;
    let seq = u32_at(b, ID_OFFSET);
    let is_compressed = u32_at(b, IS_COMPRESSED_OFFSET) != 0;
    let host = CpgHost::decode(&b[HOST_OFFSET..HOST_OFFSET + HOST_SIZE]);
    let sender = CpgHost::decode(&b[SENDER_OFFSET..SENDER_OFFSET + HOST_SIZE]);
    let size = u32_at(b, SIZE_OFFSET) as usize;
    let compressed_size = u32_at(b, COMPRESSED_SIZE_OFFSET) as usize;
    let payload_size = i64::from(total) - HEADER_SIZE as i64;
    if payload_size < 1 {
        return Err(MessageError::BadSize("claimed size is too small"));
    }
    if error != CS_OK {
        return Err(MessageError::Invalid(format!(
            "sender indicated error {error}"
        )));
    }
    let data_len = if is_compressed { compressed_size } else { size };
    if data_len as i64 != payload_size {
        return Err(MessageError::BadSize(
            "total size inconsistent with payload size",
        ));
    }
    let payload_size = payload_size as usize;
    if b.len() < HEADER_SIZE + payload_size {
        return Err(MessageError::BadSize(
            "message shorter than its header says",
        ));
    }
    let payload = &b[HEADER_SIZE..HEADER_SIZE + payload_size];
    let mut data = if is_compressed && size > 0 {
        bz2::decompress(payload, size).map_err(MessageError::Decompress)?
    } else if size == 0 {
        // Compressed with no text: the reference would hand the raw bytes on.
        return Err(MessageError::BadSize("compressed message without a size"));
    } else {
        if (size > 1 && payload[size - 2] == 0) || payload[size - 1] != 0 {
            return Err(MessageError::NotTerminated);
        }
        payload.to_vec()
    };
    let end = data.iter().position(|&c| c == 0).unwrap_or(data.len());
    data.truncate(end);
    Ok(CpgMessage {
        class,
        seq,
        host,
        sender,
        data,
        was_compressed: is_compressed,
    })
}

/// `pcmk_message_common_cs`'s filtering: drop messages whose sender claims
/// a node id other than corosync's `nodeid`, or addressed to another node
/// (by id, or by name compared case-insensitively). Fills in the sender's
/// node id, and its name from `peer_name` when the message has none.
#[doc(alias = "pcmk_message_common_cs")]
pub fn accept(
    msg: &mut CpgMessage,
    nodeid: u32,
    local_nodeid: u32,
    local_name: &str,
    peer_name: impl FnOnce(u32) -> Option<String>,
) -> Result<(), Rejected> {
    if msg.sender.id > 0 && msg.sender.id != nodeid {
        return Err(Rejected::NodeidMismatch {
            nodeid,
            claimed: msg.sender.id,
        });
    }
    if msg.host.id != 0 && msg.host.id != local_nodeid {
        return Err(Rejected::NotForUs);
    }
    if !msg.host.uname.is_empty() && !msg.host.uname.eq_ignore_ascii_case(local_name) {
        return Err(Rejected::NotForUs);
    }
    msg.sender.id = nodeid;
    if msg.sender.uname.is_empty() {
        if let Some(n) = peer_name(nodeid) {
            msg.sender.uname = n;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out<'a>(data: &'a str, to: Option<(u32, Option<&'a str>)>) -> Outgoing<'a> {
        Outgoing {
            seq: 5,
            to,
            dest: MsgType::CIB,
            sender_type: MsgType::CIB,
            sender_pid: 4242,
            sender_uname: "node-a",
            data,
        }
    }

    #[test]
    fn layout() {
        assert_eq!(SENDER_OFFSET, 308);
        assert_eq!(SIZE_OFFSET, 584);
        assert_eq!(COMPRESSED_SIZE_OFFSET, 588);
        let b = encode(&out("<x/>", Some((2, Some("node-b")))));
        assert_eq!(b.len(), HEADER_SIZE + 5);
        assert_eq!(u32_at(&b, 8) as usize, b.len());
        assert_eq!(u32_at(&b, 16), 1);
        assert_eq!(u32_at(&b, 24), 5);
        assert_eq!(u32_at(&b, HOST_OFFSET), 2);
        assert_eq!(u32_at(&b, HOST_OFFSET + 12), 3);
        assert_eq!(u32_at(&b, HOST_OFFSET + 16), 6);
        assert_eq!(&b[HOST_OFFSET + 20..HOST_OFFSET + 26], b"node-b");
        assert_eq!(u32_at(&b, SENDER_OFFSET), 0);
        assert_eq!(u32_at(&b, SENDER_OFFSET + 4), 4242);
        assert_eq!(u32_at(&b, SIZE_OFFSET), 5);
        assert_eq!(&b[592..], b"<x/>\0");
    }

    #[test]
    fn round_trip_and_threshold() {
        for n in [BZ2_THRESHOLD - 2, BZ2_THRESHOLD - 1, 500_000] {
            let text = format!("<x>{}</x>", "y".repeat(n - 7));
            assert_eq!(text.len(), n);
            let b = encode(&out(&text, None));
            let m = decode(&b).unwrap();
            assert_eq!(m.was_compressed, n + 1 >= BZ2_THRESHOLD, "n={n}");
            assert_eq!(m.data, text.as_bytes());
            assert_eq!(m.sender.uname, "node-a");
            assert_eq!(m.host.describe(), "<all>");
        }
    }

    #[test]
    fn filtering() {
        let b = encode(&out("<x/>", Some((2, None))));
        let mut m = decode(&b).unwrap();
        assert_eq!(
            accept(&mut m.clone(), 1, 3, "n3", |_| None),
            Err(Rejected::NotForUs)
        );
        accept(&mut m, 1, 2, "n2", |_| None).unwrap();
        assert_eq!(m.sender.id, 1);
        let b = encode(&out("<x/>", Some((0, Some("NODE-B")))));
        let m = decode(&b).unwrap();
        assert!(accept(&mut m.clone(), 1, 2, "node-b", |_| None).is_ok());
        assert_eq!(
            accept(&mut m.clone(), 1, 2, "node-c", |_| None),
            Err(Rejected::NotForUs)
        );
        let mut m2 = m.clone();
        m2.sender.id = 7;
        assert!(matches!(
            accept(&mut m2, 1, 2, "node-b", |_| None),
            Err(Rejected::NodeidMismatch { .. })
        ));
        let mut anon = decode(&encode(&Outgoing {
            sender_uname: "",
            ..out("<x/>", None)
        }))
        .unwrap();
        accept(&mut anon, 9, 2, "node-b", |id| Some(format!("n{id}"))).unwrap();
        assert_eq!(anon.sender.uname, "n9");
    }

    #[test]
    fn insane_messages() {
        let good = encode(&out("<x/>", None));
        assert!(decode(&good[..591]).is_err());
        let mut b = good.clone();
        b[16] = 2;
        assert!(decode(&b).is_err());
        let mut b = good.clone();
        b[8] = 0;
        assert!(decode(&b).is_err());
        let mut b = good.clone();
        b[SIZE_OFFSET] = 4;
        assert!(decode(&b).is_err());
        let mut b = good.clone();
        *b.last_mut().unwrap() = b'!';
        assert!(decode(&b).is_err());
        let mut b = good.clone();
        b[592 + 3] = 0;
        assert!(decode(&b).is_err(), "early NUL");
        assert!(decode(&good[..good.len() - 1]).is_err());
    }

    #[test]
    fn type_names() {
        assert_eq!(MsgType::from_name("pacemaker-based"), MsgType::CIB);
        assert_eq!(MsgType::from_name("crmd"), MsgType::CRMD);
        assert_eq!(MsgType::from_name("dc"), MsgType::CRMD);
        assert_eq!(MsgType::from_name("12345"), MsgType(12345));
        assert_eq!(MsgType::from_name("5"), MsgType::NONE);
        assert_eq!(MsgType::from_name("cibadmin"), MsgType::NONE);
        assert_eq!(MsgType::STONITH_NG.name(), "stonith-ng");
    }
}
