//! Pacemaker's IPC message format (sans-IO): the 40-byte
//! `pcmk__ipc_header_t`, the flags, the buffer size rules and bzip2
//! compression of large messages.
//!
//! Layout (x86_64, native byte order): libqb response header (`id` @0,
//! `size` @8 = total bytes, `error` @16), `size_uncompressed` @24 (text
//! length including its NUL), `size_compressed` @28, `flags` @32,
//! `version` (u8) @36 = 1; then the NUL-terminated unformatted XML or its
//! bzip2 stream.

use std::sync::OnceLock;

use pcmk_xml::Element;

use crate::bz2;
use crate::error::MessageError;

/// `sizeof(pcmk__ipc_header_t)`.
#[doc(alias = "pcmk__ipc_header_t")]
pub const HEADER_SIZE: usize = 40;
/// Offset of `size_uncompressed`.
pub const SIZE_UNCOMPRESSED_OFFSET: usize = 24;
/// Offset of `size_compressed`.
pub const SIZE_COMPRESSED_OFFSET: usize = 28;
/// Offset of `flags`.
pub const FLAGS_OFFSET: usize = 32;
/// Offset of `version`.
pub const VERSION_OFFSET: usize = 36;
/// `PCMK__IPC_VERSION`: the only version written, the highest accepted.
#[doc(alias = "PCMK__IPC_VERSION")]
pub const IPC_VERSION: u8 = 1;

/// Smallest buffer `PCMK_ipc_buffer` may ask for (the size of libqb's
/// connection response plus slack).
pub const MIN_BUFFER_SIZE: usize = 12336;
/// Default IPC buffer size (128 KiB).
pub const DEFAULT_BUFFER_SIZE: usize = 128 * 1024;

/// `enum crm_ipc_flags` (bit values are the wire values).
#[doc(alias = "crm_ipc_flags")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IpcFlags(pub u32);

impl IpcFlags {
    /// `crm_ipc_flags_none`.
    pub const NONE: IpcFlags = IpcFlags(0);
    /// `crm_ipc_compressed`: the payload is a bzip2 stream.
    pub const COMPRESSED: IpcFlags = IpcFlags(0x1);
    /// `crm_ipc_proxied`: the client is a proxy endpoint; every reply to
    /// it goes out as an event.
    pub const PROXIED: IpcFlags = IpcFlags(0x100);
    /// `crm_ipc_client_response`: the client waits for a response on the
    /// response ring, carrying the request's id.
    pub const CLIENT_RESPONSE: IpcFlags = IpcFlags(0x200);
    /// `crm_ipc_server_event`: sent as an event rather than a response.
    pub const SERVER_EVENT: IpcFlags = IpcFlags(0x10000);
    /// `crm_ipc_server_free` (server-internal, but it reaches the wire).
    pub const SERVER_FREE: IpcFlags = IpcFlags(0x20000);
    /// `crm_ipc_proxied_relay_response`: an event that is really a
    /// response (to a proxied client).
    pub const PROXIED_RELAY_RESPONSE: IpcFlags = IpcFlags(0x40000);

    /// Whether every bit of `other` is set.
    pub fn has(self, other: IpcFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for IpcFlags {
    type Output = IpcFlags;
    fn bitor(self, rhs: IpcFlags) -> IpcFlags {
        IpcFlags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for IpcFlags {
    fn bitor_assign(&mut self, rhs: IpcFlags) {
        self.0 |= rhs.0;
    }
}

/// `pcmk__ipc_buffer_size(max)`: the larger of `max` and the process-wide
/// buffer size (`PCMK_ipc_buffer`, at least 12,336, default 128 KiB).
#[doc(alias = "pcmk__ipc_buffer_size")]
pub fn buffer_size(max: usize) -> usize {
    static GLOBAL: OnceLock<usize> = OnceLock::new();
    let global = *GLOBAL.get_or_init(|| buffer_size_from(std::env::var("PCMK_ipc_buffer").ok()));
    max.max(global)
}

/// `crm_ipc_default_buffer_size()`.
#[doc(alias = "crm_ipc_default_buffer_size")]
pub fn default_buffer_size() -> usize {
    buffer_size(0)
}

/// The process-wide size for a given `PCMK_ipc_buffer` value: unset,
/// unparsable or non-positive gives the default; small values are raised
/// to the minimum; values beyond `u32` are capped.
pub fn buffer_size_from(env: Option<String>) -> usize {
    // pcmk__scan_ll: strtoll (leading integer, base 10, trailing junk
    // ignored); out of range for a long long means "use the default".
    let parsed = env.and_then(|s| {
        let t = s.trim_start();
        let end = t
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
            .map_or(t.len(), |(i, _)| i);
        t[..end].parse::<i64>().ok()
    });
    match parsed {
        None => DEFAULT_BUFFER_SIZE,
        Some(v) if v <= 0 => DEFAULT_BUFFER_SIZE,
        Some(v) if v < MIN_BUFFER_SIZE as i64 => MIN_BUFFER_SIZE,
        Some(v) if v > i64::from(u32::MAX) => u32::MAX as usize,
        Some(v) => v as usize,
    }
}

/// The 40-byte header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Request id (responses echo it; events carry a server counter).
    pub id: i32,
    /// Total message size, header included.
    pub size: i32,
    /// libqb's error field (always 0 from Pacemaker).
    pub error: i32,
    /// Text length including its NUL.
    pub size_uncompressed: u32,
    /// bzip2 stream length, 0 when not compressed.
    pub size_compressed: u32,
    /// [`IpcFlags`].
    pub flags: IpcFlags,
    /// Format version ([`IPC_VERSION`]).
    pub version: u8,
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[off..off + 4]);
    u32::from_ne_bytes(w)
}

impl Header {
    /// Encode (native byte order, padding zeroed).
    pub fn encode(&self) -> [u8; HEADER_SIZE] {
        let mut b = [0u8; HEADER_SIZE];
        b[0..4].copy_from_slice(&self.id.to_ne_bytes());
        b[8..12].copy_from_slice(&self.size.to_ne_bytes());
        b[16..20].copy_from_slice(&self.error.to_ne_bytes());
        b[24..28].copy_from_slice(&self.size_uncompressed.to_ne_bytes());
        b[28..32].copy_from_slice(&self.size_compressed.to_ne_bytes());
        b[32..36].copy_from_slice(&self.flags.0.to_ne_bytes());
        b[VERSION_OFFSET] = self.version;
        b
    }

    /// Decode the first 40 bytes of `b`.
    pub fn decode(b: &[u8]) -> Result<Header, MessageError> {
        if b.len() < HEADER_SIZE {
            return Err(MessageError::Truncated {
                what: "Pacemaker IPC header",
                need: HEADER_SIZE,
                got: b.len(),
            });
        }
        Ok(Header {
            id: u32_at(b, 0) as i32,
            size: u32_at(b, 8) as i32,
            error: u32_at(b, 16) as i32,
            size_uncompressed: u32_at(b, SIZE_UNCOMPRESSED_OFFSET),
            size_compressed: u32_at(b, SIZE_COMPRESSED_OFFSET),
            flags: IpcFlags(u32_at(b, FLAGS_OFFSET)),
            version: b[VERSION_OFFSET],
        })
    }
}

/// A message ready to go out: the header and its payload (the iovec pair
/// of `pcmk__ipc_prepare_iov`). The id and flags can still be changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The header (`size` already set).
    pub header: Header,
    /// NUL-terminated text or bzip2 stream.
    pub payload: Vec<u8>,
}

impl Prepared {
    /// `pcmk__ipc_prepare_iov`: frame `text` (without NUL) with id `id`.
    /// When header plus text reach `max_send` (0: the default buffer size)
    /// the text is compressed, and must then fit `compress_limit` bytes
    /// (the reference uses `max_send` for both).
    #[doc(alias = "pcmk__ipc_prepare_iov")]
    pub fn new(
        id: i32,
        text: &str,
        max_send: usize,
        compress_limit: usize,
    ) -> Result<Prepared, MessageError> {
        let max_send = if max_send == 0 {
            default_buffer_size()
        } else {
            max_send
        };
        let mut payload = Vec::with_capacity(text.len() + 1);
        payload.extend_from_slice(text.as_bytes());
        payload.push(0);
        let size_uncompressed = payload.len();
        let mut header = Header {
            id,
            version: IPC_VERSION,
            size_uncompressed: u32::try_from(size_uncompressed).map_err(|_| {
                MessageError::TooLarge {
                    size: size_uncompressed,
                    max: max_send,
                }
            })?,
            ..Header::default()
        };
        if HEADER_SIZE + size_uncompressed >= max_send {
            let limit = if compress_limit == 0 {
                max_send
            } else {
                compress_limit
            };
            payload = bz2::compress(&payload, limit).map_err(|_| MessageError::TooLarge {
                size: size_uncompressed,
                max: limit,
            })?;
            header.flags |= IpcFlags::COMPRESSED;
            header.size_compressed = payload.len() as u32;
        }
        header.size = (HEADER_SIZE + payload.len()) as i32;
        Ok(Prepared { header, payload })
    }

    /// [`Prepared::new`] for an element (`dump_xml_unformatted`).
    pub fn from_xml(
        id: i32,
        xml: &Element,
        max_send: usize,
        compress_limit: usize,
    ) -> Result<Prepared, MessageError> {
        Self::new(id, &xml.to_unformatted(), max_send, compress_limit)
    }

    /// Total size on the wire.
    pub fn len(&self) -> usize {
        HEADER_SIZE + self.payload.len()
    }

    /// Never empty (the header is always there).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Whether the payload is compressed.
    pub fn is_compressed(&self) -> bool {
        self.header.size_compressed != 0
    }

    /// The encoded header.
    pub fn header_bytes(&self) -> [u8; HEADER_SIZE] {
        self.header.encode()
    }

    /// Header and payload in one buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len());
        v.extend_from_slice(&self.header.encode());
        v.extend_from_slice(&self.payload);
        v
    }
}

/// A received message: its header and its text (decompressed, without
/// the trailing NUL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The header as received.
    pub header: Header,
    /// The text, up to (not including) its terminating NUL.
    pub text: Vec<u8>,
}

impl Decoded {
    /// Parse the text as XML (`string2xml`).
    pub fn xml(&self) -> Result<Element, MessageError> {
        parse_xml(&self.text)
    }
}

/// Decode one message (`crm_ipc_decompress` / `pcmk__client_data2xml`):
/// check the version, decompress if `size_compressed` is set, check the
/// NUL terminator.
pub fn decode(b: &[u8]) -> Result<Decoded, MessageError> {
    let header = Header::decode(b)?;
    if header.version > IPC_VERSION {
        return Err(MessageError::Version(header.version));
    }
    let body = &b[HEADER_SIZE..];
    let size_u = header.size_uncompressed as usize;
    let mut text = if header.size_compressed != 0 {
        let n = header.size_compressed as usize;
        if n > body.len() {
            return Err(MessageError::BadSize("compressed size exceeds the message"));
        }
        bz2::decompress(&body[..n], size_u).map_err(MessageError::Decompress)?
    } else {
        if size_u > body.len() {
            return Err(MessageError::BadSize(
                "uncompressed size exceeds the message",
            ));
        }
        body[..size_u].to_vec()
    };
    if text.last() != Some(&0) {
        return Err(MessageError::NotTerminated);
    }
    // string2xml reads up to the first NUL.
    let end = text.iter().position(|&c| c == 0).unwrap_or(text.len());
    text.truncate(end);
    Ok(Decoded { header, text })
}

/// `string2xml` for message payloads: the root element or an error.
#[doc(alias = "string2xml")]
pub fn parse_xml(text: &[u8]) -> Result<Element, MessageError> {
    let parsed = pcmk_xml::read_string(text);
    match parsed.root {
        Some(root) => Ok(root),
        None => Err(MessageError::BadXml(
            parsed
                .errors
                .first()
                .map(|e| e.message.trim().to_string())
                .unwrap_or_else(|| "no root element".into()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout() {
        let h = Header {
            id: 7,
            size: 50,
            error: 0,
            size_uncompressed: 10,
            size_compressed: 0,
            flags: IpcFlags::CLIENT_RESPONSE,
            version: 1,
        };
        let b = h.encode();
        assert_eq!(&b[0..4], &7i32.to_ne_bytes());
        assert_eq!(&b[8..12], &50i32.to_ne_bytes());
        assert_eq!(&b[24..28], &10u32.to_ne_bytes());
        assert_eq!(&b[32..36], &0x200u32.to_ne_bytes());
        assert_eq!(b[36], 1);
        assert_eq!(Header::decode(&b).unwrap(), h);
        assert!(Header::decode(&b[..39]).is_err());
    }

    #[test]
    fn small_message_is_plain() {
        let p = Prepared::new(3, "<x/>", 128 * 1024, 0).unwrap();
        assert_eq!(p.header.size_uncompressed, 5);
        assert_eq!(p.header.size, 45);
        assert_eq!(p.header.flags, IpcFlags::NONE);
        let d = decode(&p.to_bytes()).unwrap();
        assert_eq!(d.text, b"<x/>");
        assert_eq!(d.xml().unwrap().name(), "x");
    }

    #[test]
    fn compression_threshold() {
        // total = 40 + len + 1; compressed when total >= max_send.
        let max = 20_000;
        let below = format!("<x a=\"{}\"/>", "a".repeat(max - 40 - 1 - 9 - 1));
        assert_eq!(40 + below.len() + 1, max - 1);
        let p = Prepared::new(1, &below, max, 0).unwrap();
        assert!(!p.is_compressed());
        let at = format!("<x a=\"{}\"/>", "a".repeat(max - 40 - 1 - 9));
        assert_eq!(40 + at.len() + 1, max);
        let p = Prepared::new(1, &at, max, 0).unwrap();
        assert!(p.is_compressed());
        assert!(p.header.flags.has(IpcFlags::COMPRESSED));
        assert_eq!(
            p.header.size as usize,
            40 + p.header.size_compressed as usize
        );
        assert_eq!(decode(&p.to_bytes()).unwrap().text, at.as_bytes());
    }

    #[test]
    fn incompressible_message_is_too_large() {
        let mut s = String::from("<x a=\"");
        let mut x: u32 = 1;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            s.push(char::from(b'a' + (x % 26) as u8));
        }
        s.push_str("\"/>");
        let e = Prepared::new(1, &s, 16_384, 0).unwrap_err();
        assert!(matches!(e, MessageError::TooLarge { .. }));
        // A larger compression limit (the connection's own size) lets it through.
        assert!(Prepared::new(1, &s, 16_384, 100_000).is_ok());
    }

    #[test]
    fn bad_messages() {
        let mut b = Prepared::new(1, "<x/>", 0, 0).unwrap().to_bytes();
        b[36] = 2;
        assert_eq!(decode(&b).unwrap_err(), MessageError::Version(2));
        b[36] = 1;
        b[24] = 50;
        assert!(matches!(decode(&b), Err(MessageError::BadSize(_))));
        b[24] = 4;
        assert_eq!(decode(&b).unwrap_err(), MessageError::NotTerminated);
        b[24] = 5;
        b[28] = 3;
        assert!(decode(&b).is_err());
    }

    #[test]
    fn buffer_size_rules() {
        assert_eq!(buffer_size_from(None), 131072);
        assert_eq!(buffer_size_from(Some("".into())), 131072);
        assert_eq!(buffer_size_from(Some("-5".into())), 131072);
        assert_eq!(buffer_size_from(Some("100".into())), 12336);
        assert_eq!(buffer_size_from(Some("1048576".into())), 1048576);
        assert_eq!(buffer_size_from(Some("200000kb".into())), 200000);
        assert_eq!(
            buffer_size_from(Some("99999999999".into())),
            u32::MAX as usize
        );
        assert_eq!(
            buffer_size_from(Some("999999999999999999999".into())),
            131072
        );
    }
}
