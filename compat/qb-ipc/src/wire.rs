//! Byte layouts of libqb's IPC structures (x86_64 / any LP64 Linux), sans-IO.
//!
//! Every offset and size here is checked against the installed libqb headers
//! with a C compiler (`tests/tests/qb_ipc_layout.rs`) where the struct is public
//! (`qbipc_common.h`), and against live libqb peers where it is internal
//! (`ipc_int.h`, `ringbuffer_int.h`: the connection request/response and the
//! ring header are only ever observed on the wire and in `/dev/shm`).

use std::fmt;

/// `PATH_MAX` on Linux: the size of each path field in the connection
/// response and in the ring header.
pub const PATH_MAX: usize = 4096;

/// libqb writes the three ring paths with `snprintf(.., NAME_MAX, ..)`, so each
/// holds at most `NAME_MAX - 1` characters before its `-header`/`-data` suffix.
pub const NAME_MAX: usize = 255;

/// Message ids libqb reserves (`QB_IPC_MSG_*`, qbipc_common.h).
#[doc(alias = "QB_IPC_MSG_AUTHENTICATE")]
pub const MSG_AUTHENTICATE: i32 = -1;
/// Asks the server to close the connection (`QB_IPC_MSG_DISCONNECT`).
#[doc(alias = "QB_IPC_MSG_DISCONNECT")]
pub const MSG_DISCONNECT: i32 = -3;
/// First id available to services (`QB_IPC_MSG_USER_START`).
#[doc(alias = "QB_IPC_MSG_USER_START")]
pub const MSG_USER_START: i32 = 0;

/// `enum qb_ipc_type` value of the shared-memory flavour, the one this crate speaks.
#[doc(alias = "QB_IPC_SHM")]
pub const IPC_TYPE_SHM: i32 = 1;
/// `enum qb_ipc_type` value of the socket flavour (not implemented here).
#[doc(alias = "QB_IPC_SOCKET")]
pub const IPC_TYPE_SOCKET: i32 = 0;

/// `struct qb_ipc_request_header`: `id` @0, `size` @8, each 8-aligned.
#[doc(alias = "qb_ipc_request_header")]
pub const REQUEST_HEADER_SIZE: usize = 16;
/// `struct qb_ipc_response_header`: `id` @0, `size` @8, `error` @16.
#[doc(alias = "qb_ipc_response_header")]
pub const RESPONSE_HEADER_SIZE: usize = 24;
/// Offset of `size` in both headers.
pub const HEADER_SIZE_OFFSET: usize = 8;
/// Offset of `error` in the response header.
pub const HEADER_ERROR_OFFSET: usize = 16;

/// `struct qb_ipc_connection_request` (ipc_int.h): header, then
/// `max_msg_size` (u32) @16; total 24 bytes.
#[doc(alias = "qb_ipc_connection_request")]
pub const CONNECTION_REQUEST_SIZE: usize = 24;
/// Offset of `max_msg_size` in the connection request.
pub const CONN_REQ_MAX_MSG_SIZE_OFFSET: usize = 16;

/// `struct qb_ipc_connection_response` (ipc_int.h): response header,
/// `connection_type` (i32) @24, `max_msg_size` (u32) @28, `connection`
/// (intptr_t) @32, then `char request[PATH_MAX]` @40, `response` @4136,
/// `event` @8232; total 12328 bytes.
#[doc(alias = "qb_ipc_connection_response")]
pub const CONNECTION_RESPONSE_SIZE: usize = 40 + 3 * PATH_MAX;
/// Offset of `connection_type` in the connection response.
pub const CONN_RESP_TYPE_OFFSET: usize = 24;
/// Offset of `max_msg_size` in the connection response.
pub const CONN_RESP_MAX_MSG_SIZE_OFFSET: usize = 28;
/// Offset of `connection` (an opaque server cookie) in the connection response.
pub const CONN_RESP_CONNECTION_OFFSET: usize = 32;
/// Offset of the request ring path in the connection response.
pub const CONN_RESP_REQUEST_PATH_OFFSET: usize = 40;
/// Offset of the response ring path in the connection response.
pub const CONN_RESP_RESPONSE_PATH_OFFSET: usize = 40 + PATH_MAX;
/// Offset of the event ring path in the connection response.
pub const CONN_RESP_EVENT_PATH_OFFSET: usize = 40 + 2 * PATH_MAX;

/// `struct qb_ringbuffer_shared_s` (ringbuffer_int.h), the `-header` file.
pub mod ring_header {
    use super::PATH_MAX;

    /// `write_pt` (u32, in words).
    pub const WRITE_PT: usize = 0;
    /// `read_pt` (u32, in words).
    pub const READ_PT: usize = 4;
    /// `word_size` (u32): data size in 4-byte words.
    pub const WORD_SIZE: usize = 8;
    /// `char hdr_path[PATH_MAX]`.
    pub const HDR_PATH: usize = 12;
    /// `char data_path[PATH_MAX]`: the client opens the data file named here.
    pub const DATA_PATH: usize = HDR_PATH + PATH_MAX;
    /// `ref_count` (i32): 1 when created, 2 once the client attached.
    pub const REF_COUNT: usize = DATA_PATH + PATH_MAX;
    /// glibc `sem_t`, process-shared, 8-aligned.
    pub const SEM: usize = 8208;
    /// `sizeof(sem_t)` on LP64 glibc.
    pub const SEM_SIZE: usize = 32;
    /// Start of the user data (the request ring keeps the flow-control flag here).
    pub const USER_DATA: usize = SEM + SEM_SIZE;
    /// `sizeof(struct qb_ringbuffer_shared_s)`: what the C client truncates
    /// the response and event headers to.
    pub const STRUCT_SIZE: usize = 8248;
    /// Header file size with a 4-byte user area: what servers create for all
    /// three rings and what the C client truncates the request header to.
    pub const FILE_SIZE_WITH_USER_DATA: usize = STRUCT_SIZE + 4;
}

/// Chunk magics in the ring data (ringbuffer.c).
pub mod chunk {
    /// Chunk being written.
    pub const MAGIC_ALLOC: u32 = 0xA110_CED0;
    /// Chunk committed and readable.
    pub const MAGIC_COMMITTED: u32 = 0xA1A1_A1A1;
    /// Chunk consumed.
    pub const MAGIC_DEAD: u32 = 0xD0D0_D0D0;
    /// Words in a chunk header: length, magic.
    pub const HEADER_WORDS: u32 = 2;
    /// Bytes a writer needs beyond the payload: two header words and one
    /// word of slack for a non-word-sized payload (`QB_RB_CHUNK_MARGIN`).
    pub const MARGIN: usize = 12;
}

/// Size of a ring's data file for a given maximum message size:
/// `ROUNDUP(max_msg_size + MARGIN + 1, page_size)` (`qb_rb_open_2`).
pub fn ring_data_size(max_msg_size: usize, page_size: usize) -> usize {
    let need = max_msg_size + chunk::MARGIN + 1;
    need.div_ceil(page_size) * page_size
}

/// A decoding failure of a fixed-layout structure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// Fewer bytes than the structure needs.
    Short {
        /// What was being decoded.
        what: &'static str,
        /// Bytes required.
        need: usize,
        /// Bytes present.
        got: usize,
    },
    /// A setup message whose id is not `QB_IPC_MSG_AUTHENTICATE`.
    NotAuthenticate(i32),
    /// A path field without a terminating NUL, or not valid UTF-8.
    BadPath(&'static str),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Short { what, need, got } => {
                write!(f, "{what} needs {need} bytes, got {got}")
            }
            WireError::NotAuthenticate(id) => {
                write!(f, "setup message id {id} is not AUTHENTICATE (-1)")
            }
            WireError::BadPath(which) => write!(f, "{which} path is not NUL-terminated UTF-8"),
        }
    }
}

impl std::error::Error for WireError {}

fn get_i32(b: &[u8], off: usize) -> i32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[off..off + 4]);
    i32::from_ne_bytes(w)
}

fn get_u32(b: &[u8], off: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[off..off + 4]);
    u32::from_ne_bytes(w)
}

fn put_i32(b: &mut [u8], off: usize, v: i32) {
    b[off..off + 4].copy_from_slice(&v.to_ne_bytes());
}

fn check_len(what: &'static str, b: &[u8], need: usize) -> Result<(), WireError> {
    if b.len() < need {
        return Err(WireError::Short {
            what,
            need,
            got: b.len(),
        });
    }
    Ok(())
}

/// The `id` and `size` of a request (`qb_ipc_request_header`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(alias = "qb_ipc_request_header")]
pub struct RequestHeader {
    /// Service-defined message id (negative ids are libqb's).
    pub id: i32,
    /// Total message size including this header, as the sender claims it.
    pub size: i32,
}

impl RequestHeader {
    /// Decode from the first 16 bytes of a message.
    pub fn decode(b: &[u8]) -> Result<Self, WireError> {
        check_len("request header", b, REQUEST_HEADER_SIZE)?;
        Ok(RequestHeader {
            id: get_i32(b, 0),
            size: get_i32(b, HEADER_SIZE_OFFSET),
        })
    }

    /// Encode as 16 bytes (padding zeroed).
    pub fn encode(&self) -> [u8; REQUEST_HEADER_SIZE] {
        let mut b = [0u8; REQUEST_HEADER_SIZE];
        put_i32(&mut b, 0, self.id);
        put_i32(&mut b, HEADER_SIZE_OFFSET, self.size);
        b
    }
}

/// The `id`, `size` and `error` of a response (`qb_ipc_response_header`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(alias = "qb_ipc_response_header")]
pub struct ResponseHeader {
    /// Message id.
    pub id: i32,
    /// Total message size including this header.
    pub size: i32,
    /// Service-defined status (corosync: `cs_error_t`; libqb setup: `-errno`).
    pub error: i32,
}

impl ResponseHeader {
    /// Decode from the first 24 bytes of a message.
    pub fn decode(b: &[u8]) -> Result<Self, WireError> {
        check_len("response header", b, RESPONSE_HEADER_SIZE)?;
        Ok(ResponseHeader {
            id: get_i32(b, 0),
            size: get_i32(b, HEADER_SIZE_OFFSET),
            error: get_i32(b, HEADER_ERROR_OFFSET),
        })
    }

    /// Encode as 24 bytes (padding zeroed).
    pub fn encode(&self) -> [u8; RESPONSE_HEADER_SIZE] {
        let mut b = [0u8; RESPONSE_HEADER_SIZE];
        put_i32(&mut b, 0, self.id);
        put_i32(&mut b, HEADER_SIZE_OFFSET, self.size);
        put_i32(&mut b, HEADER_ERROR_OFFSET, self.error);
        b
    }
}

/// What a client sends first on the setup socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(alias = "qb_ipc_connection_request")]
pub struct ConnectionRequest {
    /// The largest message the client wants to exchange.
    pub max_msg_size: u32,
}

impl ConnectionRequest {
    /// Encode the 24-byte message: id -1, size 24, `max_msg_size` @16.
    pub fn encode(&self) -> [u8; CONNECTION_REQUEST_SIZE] {
        let mut b = [0u8; CONNECTION_REQUEST_SIZE];
        put_i32(&mut b, 0, MSG_AUTHENTICATE);
        put_i32(&mut b, HEADER_SIZE_OFFSET, CONNECTION_REQUEST_SIZE as i32);
        b[CONN_REQ_MAX_MSG_SIZE_OFFSET..CONN_REQ_MAX_MSG_SIZE_OFFSET + 4]
            .copy_from_slice(&self.max_msg_size.to_ne_bytes());
        b
    }

    /// Decode, requiring the AUTHENTICATE id (as the libqb server does; it
    /// ignores the size field).
    pub fn decode(b: &[u8]) -> Result<Self, WireError> {
        check_len("connection request", b, CONNECTION_REQUEST_SIZE)?;
        let id = get_i32(b, 0);
        if id != MSG_AUTHENTICATE {
            return Err(WireError::NotAuthenticate(id));
        }
        Ok(ConnectionRequest {
            max_msg_size: get_u32(b, CONN_REQ_MAX_MSG_SIZE_OFFSET),
        })
    }
}

/// The server's answer on the setup socket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(alias = "qb_ipc_connection_response")]
pub struct ConnectionResponse {
    /// 0, or `-errno` when the server refused the connection.
    pub error: i32,
    /// `enum qb_ipc_type` the server uses ([`IPC_TYPE_SHM`]).
    pub connection_type: i32,
    /// Negotiated maximum message size; every ring is sized from it.
    pub max_msg_size: u32,
    /// Opaque server cookie (libqb puts its connection pointer here).
    pub connection: u64,
    /// Base path of the request ring (`-header`/`-data` appended).
    pub request: String,
    /// Base path of the response ring.
    pub response: String,
    /// Base path of the event ring.
    pub event: String,
}

impl ConnectionResponse {
    /// A refusal carrying `-errno`.
    pub fn refused(errno: i32) -> Self {
        ConnectionResponse {
            error: -errno.abs(),
            connection_type: 0,
            max_msg_size: 0,
            connection: 0,
            request: String::new(),
            response: String::new(),
            event: String::new(),
        }
    }

    /// Encode the 12,328-byte message. Paths are cut at `NAME_MAX - 1`
    /// bytes, as libqb's `snprintf(.., NAME_MAX, ..)` does.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; CONNECTION_RESPONSE_SIZE];
        put_i32(&mut b, 0, MSG_AUTHENTICATE);
        put_i32(&mut b, HEADER_SIZE_OFFSET, CONNECTION_RESPONSE_SIZE as i32);
        put_i32(&mut b, HEADER_ERROR_OFFSET, self.error);
        put_i32(&mut b, CONN_RESP_TYPE_OFFSET, self.connection_type);
        b[CONN_RESP_MAX_MSG_SIZE_OFFSET..CONN_RESP_MAX_MSG_SIZE_OFFSET + 4]
            .copy_from_slice(&self.max_msg_size.to_ne_bytes());
        b[CONN_RESP_CONNECTION_OFFSET..CONN_RESP_CONNECTION_OFFSET + 8]
            .copy_from_slice(&self.connection.to_ne_bytes());
        for (off, path) in [
            (CONN_RESP_REQUEST_PATH_OFFSET, &self.request),
            (CONN_RESP_RESPONSE_PATH_OFFSET, &self.response),
            (CONN_RESP_EVENT_PATH_OFFSET, &self.event),
        ] {
            let p = path.as_bytes();
            let n = p.len().min(NAME_MAX - 1);
            b[off..off + n].copy_from_slice(&p[..n]);
        }
        b
    }

    /// Decode a response (the paths only matter when `error == 0`).
    pub fn decode(b: &[u8]) -> Result<Self, WireError> {
        check_len("connection response", b, CONNECTION_RESPONSE_SIZE)?;
        let mut conn = [0u8; 8];
        conn.copy_from_slice(&b[CONN_RESP_CONNECTION_OFFSET..CONN_RESP_CONNECTION_OFFSET + 8]);
        let path = |off: usize, which: &'static str| -> Result<String, WireError> {
            let field = &b[off..off + PATH_MAX];
            let end = field
                .iter()
                .position(|&c| c == 0)
                .ok_or(WireError::BadPath(which))?;
            String::from_utf8(field[..end].to_vec()).map_err(|_| WireError::BadPath(which))
        };
        Ok(ConnectionResponse {
            error: get_i32(b, HEADER_ERROR_OFFSET),
            connection_type: get_i32(b, CONN_RESP_TYPE_OFFSET),
            max_msg_size: get_u32(b, CONN_RESP_MAX_MSG_SIZE_OFFSET),
            connection: u64::from_ne_bytes(conn),
            request: path(CONN_RESP_REQUEST_PATH_OFFSET, "request")?,
            response: path(CONN_RESP_RESPONSE_PATH_OFFSET, "response")?,
            event: path(CONN_RESP_EVENT_PATH_OFFSET, "event")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_request_bytes() {
        // The bytes a C client was seen sending for qb_ipcc_connect(.., 512 KiB).
        let b = ConnectionRequest {
            max_msg_size: 512 * 1024,
        }
        .encode();
        let mut want = [0u8; 24];
        want[..4].copy_from_slice(&(-1i32).to_ne_bytes());
        want[8..12].copy_from_slice(&24i32.to_ne_bytes());
        want[16..20].copy_from_slice(&(512u32 * 1024).to_ne_bytes());
        assert_eq!(b, want);
        assert_eq!(ConnectionRequest::decode(&b).unwrap().max_msg_size, 524288);
    }

    #[test]
    fn connection_request_rejects_other_ids() {
        let mut b = ConnectionRequest { max_msg_size: 1 }.encode();
        b[0] = 7;
        assert!(matches!(
            ConnectionRequest::decode(&b),
            Err(WireError::NotAuthenticate(_))
        ));
        assert!(matches!(
            ConnectionRequest::decode(&b[..10]),
            Err(WireError::Short { .. })
        ));
    }

    #[test]
    fn connection_response_round_trip() {
        let r = ConnectionResponse {
            error: 0,
            connection_type: IPC_TYPE_SHM,
            max_msg_size: 135168,
            connection: 0xdead_beef,
            request: "/dev/shm/qb-1-2-3-abcdef/qb-request-cib_rw".into(),
            response: "/dev/shm/qb-1-2-3-abcdef/qb-response-cib_rw".into(),
            event: "/dev/shm/qb-1-2-3-abcdef/qb-event-cib_rw".into(),
        };
        let b = r.encode();
        assert_eq!(b.len(), 12328);
        assert_eq!(ConnectionResponse::decode(&b).unwrap(), r);
    }

    #[test]
    fn long_paths_are_cut_like_snprintf_name_max() {
        let r = ConnectionResponse {
            request: "x".repeat(400),
            ..ConnectionResponse::refused(0)
        };
        let back = ConnectionResponse::decode(&r.encode()).unwrap();
        assert_eq!(back.request.len(), NAME_MAX - 1);
    }

    #[test]
    fn ring_sizes_match_observed_files() {
        // Observed on Debian 12: 512 KiB -> 528384, 128 KiB -> 135168.
        assert_eq!(ring_data_size(512 * 1024, 4096), 528384);
        assert_eq!(ring_data_size(128 * 1024, 4096), 135168);
        assert_eq!(ring_header::FILE_SIZE_WITH_USER_DATA, 8252);
        assert_eq!(ring_header::USER_DATA, 8240);
        assert_eq!(ring_header::REF_COUNT, 8204);
    }

    #[test]
    fn headers_round_trip() {
        let h = ResponseHeader {
            id: 3,
            size: 40,
            error: -11,
        };
        assert_eq!(ResponseHeader::decode(&h.encode()).unwrap(), h);
        let q = RequestHeader { id: 9, size: 16 };
        assert_eq!(RequestHeader::decode(&q.encode()).unwrap(), q);
    }
}
