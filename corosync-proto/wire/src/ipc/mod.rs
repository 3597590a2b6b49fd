//! The local IPC structures of corosync's services (`include/corosync/ipc_*.h`
//! of corosync 3.1.7), as the daemon and its client libraries exchange them
//! over libqb IPC. Both directions are here: requests and responses can be
//! encoded and decoded, so a server (Atrium's corosync) and a client (the
//! tools, Pacemaker's daemons) share one codec.
//!
//! Module map:
//! - [`layout`]: sizes and offsets, checked against gcc in
//!   `tests/tests/totem_layout.rs`.
//! - [`cmap`], [`cpg`], [`quorum`], [`votequorum`], [`cfg`]: one module per
//!   service, each with a request enum, response structs and events.
//!
//! Everything is in the host's byte order (the peer is on the same machine)
//! and every field of these structures is `aligned(8)` unless the C header
//! says otherwise; padding is written as zeros and ignored when read.

pub mod cfg;
pub mod cmap;
pub mod cpg;
pub mod layout;
pub mod quorum;
pub mod votequorum;

use std::fmt;

use crate::codec::{Endian, Reader, WireError, Writer};

/// `cs_error_t`.
#[doc(alias = "cs_error_t")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CsError(pub i32);

#[allow(missing_docs)]
impl CsError {
    pub const OK: CsError = CsError(1);
    pub const LIBRARY: CsError = CsError(2);
    pub const VERSION: CsError = CsError(3);
    pub const INIT: CsError = CsError(4);
    pub const TIMEOUT: CsError = CsError(5);
    pub const TRY_AGAIN: CsError = CsError(6);
    pub const INVALID_PARAM: CsError = CsError(7);
    pub const NO_MEMORY: CsError = CsError(8);
    pub const BAD_HANDLE: CsError = CsError(9);
    pub const BUSY: CsError = CsError(10);
    pub const ACCESS: CsError = CsError(11);
    pub const NOT_EXIST: CsError = CsError(12);
    pub const NAME_TOO_LONG: CsError = CsError(13);
    pub const EXIST: CsError = CsError(14);
    pub const NO_SPACE: CsError = CsError(15);
    pub const INTERRUPT: CsError = CsError(16);
    pub const NAME_NOT_FOUND: CsError = CsError(17);
    pub const NO_RESOURCES: CsError = CsError(18);
    pub const NOT_SUPPORTED: CsError = CsError(19);
    pub const BAD_OPERATION: CsError = CsError(20);
    pub const FAILED_OPERATION: CsError = CsError(21);
    pub const MESSAGE_ERROR: CsError = CsError(22);
    pub const QUEUE_FULL: CsError = CsError(23);
    pub const QUEUE_NOT_AVAILABLE: CsError = CsError(24);
    pub const BAD_FLAGS: CsError = CsError(25);
    pub const TOO_BIG: CsError = CsError(26);
    pub const NO_SECTIONS: CsError = CsError(27);
    pub const CONTEXT_NOT_FOUND: CsError = CsError(28);
    pub const TOO_MANY_GROUPS: CsError = CsError(30);
    pub const SECURITY: CsError = CsError(100);

    /// The text `cs_strerror()` gives ("CS_ERR_TRY_AGAIN", "success").
    #[doc(alias = "cs_strerror")]
    pub fn text(self) -> &'static str {
        match self.0 {
            1 => "success",
            2 => "CS_ERR_LIBRARY",
            3 => "CS_ERR_VERSION",
            4 => "CS_ERR_INIT",
            5 => "CS_ERR_TIMEOUT",
            6 => "CS_ERR_TRY_AGAIN",
            7 => "CS_ERR_INVALID_PARAM",
            8 => "CS_ERR_NO_MEMORY",
            9 => "CS_ERR_BAD_HANDLE",
            10 => "CS_ERR_BUSY",
            11 => "CS_ERR_ACCESS",
            12 => "CS_ERR_NOT_EXIST",
            13 => "CS_ERR_NAME_TOO_LONG",
            14 => "CS_ERR_EXIST",
            15 => "CS_ERR_NO_SPACE",
            16 => "CS_ERR_INTERRUPT",
            17 => "CS_ERR_NAME_NOT_FOUND",
            18 => "CS_ERR_NO_RESOURCES",
            19 => "CS_ERR_NOT_SUPPORTED",
            20 => "CS_ERR_BAD_OPERATION",
            21 => "CS_ERR_FAILED_OPERATION",
            22 => "CS_ERR_MESSAGE_ERROR",
            23 => "CS_ERR_QUEUE_FULL",
            24 => "CS_ERR_QUEUE_NOT_AVAILABLE",
            25 => "CS_ERR_BAD_FLAGS",
            26 => "CS_ERR_TOO_BIG",
            27 => "CS_ERR_NO_SECTIONS",
            28 => "CS_ERR_CONTEXT_NOT_FOUND",
            30 => "CS_ERR_TOO_MANY_GROUPS",
            100 => "CS_ERR_SECURITY",
            _ => "unknown error",
        }
    }

    /// qb_to_cs_error: a negative errno from libqb as `cs_error_t`.
    #[doc(alias = "qb_to_cs_error")]
    pub fn from_errno(errno: i32) -> CsError {
        match errno.abs() {
            0 => CsError::OK,
            9 => CsError::BAD_HANDLE,                  // EBADF
            12 => CsError::NO_MEMORY,                  // ENOMEM
            42 | 105 | 110 | 11 => CsError::TRY_AGAIN, // ENOMSG ENOBUFS ETIMEDOUT EAGAIN
            52 => CsError::FAILED_OPERATION,           // EBADE
            62 => CsError::TIMEOUT,                    // ETIME
            22 => CsError::INVALID_PARAM,              // EINVAL
            16 => CsError::BUSY,                       // EBUSY
            13 => CsError::ACCESS,                     // EACCES
            75 => CsError::NAME_TOO_LONG,              // EOVERFLOW
            17 => CsError::EXIST,                      // EEXIST
            28 => CsError::NO_SPACE,                   // ENOSPC
            4 => CsError::INTERRUPT,                   // EINTR
            2 | 19 => CsError::NOT_EXIST,              // ENOENT ENODEV
            38 | 95 => CsError::NOT_SUPPORTED,         // ENOSYS ENOTSUP
            74 => CsError::MESSAGE_ERROR,              // EBADMSG
            90 | 7 => CsError::TOO_BIG,                // EMSGSIZE E2BIG
            _ => CsError::LIBRARY,
        }
    }
}

impl Default for CsError {
    fn default() -> Self {
        CsError::OK
    }
}

impl fmt::Debug for CsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CsError({})", self.0)
    }
}

impl fmt::Display for CsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// `struct qb_ipc_request_header` as read from a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReqHead {
    /// Function id within the service.
    pub id: i32,
    /// Size of the whole request.
    pub size: i32,
}

/// `struct qb_ipc_response_header` as read from a response or event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResHead {
    /// Response id.
    pub id: i32,
    /// Size of the whole message.
    pub size: i32,
    /// `cs_error_t`.
    pub error: CsError,
}

/// Read the request header at the start of `bytes`.
pub fn req_head(bytes: &[u8]) -> Result<ReqHead, WireError> {
    let mut r = rd(bytes);
    let id = r.i32("request header")?;
    r.skip_to(8, "request header")?;
    let size = r.i32("request header")?;
    r.skip_to(layout::REQ_HEADER_SIZE, "request header")?;
    Ok(ReqHead { id, size })
}

/// Read the response header at the start of `bytes`.
pub fn res_head(bytes: &[u8]) -> Result<ResHead, WireError> {
    let mut r = rd(bytes);
    let id = r.i32("response header")?;
    r.skip_to(8, "response header")?;
    let size = r.i32("response header")?;
    r.skip_to(16, "response header")?;
    let error = CsError(r.i32("response header")?);
    r.skip_to(layout::RES_HEADER_SIZE, "response header")?;
    Ok(ResHead { id, size, error })
}

/// A response of just a header (most `res_lib_*` without payload).
pub fn bare_response(id: i32, error: CsError) -> Vec<u8> {
    let mut w = wr();
    put_res(&mut w, id, layout::RES_HEADER_SIZE, error);
    w.into_bytes()
}

/// A request of just a header.
pub fn bare_request(id: i32) -> Vec<u8> {
    let mut w = wr();
    put_req(&mut w, id, layout::REQ_HEADER_SIZE);
    w.into_bytes()
}

pub(crate) fn rd(bytes: &[u8]) -> Reader<'_> {
    Reader::new(bytes, Endian::NATIVE)
}

pub(crate) fn wr() -> Writer {
    Writer::new(Endian::NATIVE)
}

/// Write a request header at the writer's start.
pub(crate) fn put_req(w: &mut Writer, id: i32, size: usize) {
    w.i32(id);
    w.zeros(4);
    w.i32(size as i32);
    w.zeros(4);
}

/// Write a response header at the writer's start.
pub(crate) fn put_res(w: &mut Writer, id: i32, size: usize, error: CsError) {
    w.i32(id);
    w.zeros(4);
    w.i32(size as i32);
    w.zeros(4);
    w.i32(error.0);
    w.zeros(4);
}

/// Check that a request carries the id and at least the size it must.
pub(crate) fn check_req(
    bytes: &[u8],
    what: &'static str,
    min: usize,
) -> Result<ReqHead, WireError> {
    let h = req_head(bytes)?;
    if bytes.len() < min {
        return Err(WireError::Truncated {
            what,
            needed: min,
            available: bytes.len(),
        });
    }
    Ok(h)
}

/// Check a response's size against the bytes and a minimum.
pub(crate) fn check_res(
    bytes: &[u8],
    what: &'static str,
    min: usize,
) -> Result<ResHead, WireError> {
    let h = res_head(bytes)?;
    if bytes.len() < min {
        return Err(WireError::Truncated {
            what,
            needed: min,
            available: bytes.len(),
        });
    }
    Ok(h)
}

/// A fixed-size C string field: bytes up to the first NUL (or all of it).
pub(crate) fn c_string(b: &[u8]) -> Vec<u8> {
    let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b[..n].to_vec()
}

/// Write `s` into a field of `n` bytes, NUL-padded (truncated to n-1 so a
/// NUL always ends it).
pub(crate) fn put_c_string(w: &mut Writer, s: &[u8], n: usize) {
    let k = s.len().min(n.saturating_sub(1));
    w.bytes(&s[..k]);
    w.zeros(n - k);
}

/// `mar_name_t` / `mar_cpg_name_t` style name: a length, padding to 8, then
/// `cap` bytes of value. The value is treated like the C code treats it.
pub(crate) fn read_name(
    r: &mut Reader<'_>,
    len16: bool,
    cap: usize,
    what: &'static str,
) -> Result<(u32, Vec<u8>), WireError> {
    let start = r.position();
    let length = if len16 {
        r.u16(what)? as u32
    } else {
        r.u32(what)?
    };
    r.skip_to(start + 8, what)?;
    let value = r.take(cap, what)?.to_vec();
    Ok((length, value))
}

pub(crate) fn put_name(w: &mut Writer, len16: bool, cap: usize, name: &[u8]) {
    let k = name.len().min(cap);
    if len16 {
        w.u16(k as u16);
        w.zeros(6);
    } else {
        w.u32(k as u32);
        w.zeros(4);
    }
    w.bytes(&name[..k]);
    w.zeros(cap - k);
}

/// The key of a `mar_name_t` the way corosync's services use it: the value
/// as a C string (the length field is not consulted).
pub(crate) fn mar_key(value: &[u8]) -> Vec<u8> {
    c_string(value)
}

/// The name of a `mar_cpg_name_t`: `length` bytes of value (clamped).
pub(crate) fn cpg_name_bytes(length: u32, value: &[u8]) -> Vec<u8> {
    value[..(length as usize).min(value.len())].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip() {
        let b = bare_response(7, CsError::TRY_AGAIN);
        assert_eq!(b.len(), 24);
        let h = res_head(&b).unwrap();
        assert_eq!((h.id, h.size, h.error), (7, 24, CsError::TRY_AGAIN));
        let q = bare_request(3);
        let h = req_head(&q).unwrap();
        assert_eq!((h.id, h.size), (3, 16));
        assert!(req_head(&q[..10]).is_err());
    }
}
